import type { AniListEntry } from '../../../shared/anilist/types';
import { compactEpisodes, describeEpisodes } from '../../../shared/destinations/trakt/episodes';
import {
  describePlacement,
  type PlacementResult,
  placeEntry,
  type TraktOverride,
  type UnplacedReason,
  type Via,
} from '../../../shared/destinations/trakt/mapping';
import { entryOf, FALLBACK_MAL, idIndex, MEDIA, TRAKT, world } from './world';

/** A placement in words: `show 1001 S1E25–47 (anibridge)`, `movie 2001 (anibridge)`, or `reason: detail`. */
function summary(result: PlacementResult): string {
  if (!result.ok) return `${result.reason}: ${result.detail}`;
  const p = result.placement;
  if (p.kind === 'movie') return `movie ${p.movie.trakt} (${p.via})`;
  return `show ${p.show.trakt} ${describeEpisodes(compactEpisodes(p.episodes))} (${p.via})`;
}

async function place(
  entry: AniListEntry,
  count: number,
  options: Parameters<typeof world>[0] = {},
): Promise<PlacementResult> {
  const { mapping } = await world(options);
  return placeEntry(entry, count, mapping);
}

const placed = (trakt: number, episodes: string, via: Via = 'anibridge') => `show ${trakt} ${episodes} (${via})`;

describe('placeEntry: the anibridge dataset, validated against Trakt', () => {
  const cases: [name: string, entry: AniListEntry, count: number, expected: string][] = [
    [
      'continued numbering: JJK 2nd Season is TMDB season 1 episodes 25–47',
      entryOf(MEDIA.jjk2, { status: 'COMPLETED', episodes: 23 }),
      23,
      placed(TRAKT.jjk, 'S1E25–47'),
    ],
    [
      'the first season of the same show: S1E1–24',
      entryOf(MEDIA.jjk1, { status: 'COMPLETED', episodes: 24 }),
      24,
      placed(TRAKT.jjk, 'S1E1–24'),
    ],
    [
      'split cour: AoT S3 Part 2 is season 3 episodes 13–22, not a season 4',
      entryOf(MEDIA.aot3b, { status: 'COMPLETED', episodes: 10 }),
      10,
      placed(TRAKT.aot, 'S3E13–22'),
    ],
    [
      'absolute numbering inside seasons: One Piece 1–85 spans three TMDB seasons',
      entryOf(MEDIA.onePiece, { status: 'CURRENT', episodes: null, progress: 85 }),
      85,
      placed(TRAKT.onePiece, 'S1E1–61, S2E62–77, S3E78–85'),
    ],
    [
      'absolute numbering: progress 70 stops inside season 2',
      entryOf(MEDIA.onePiece, { status: 'CURRENT', episodes: null, progress: 70 }),
      70,
      placed(TRAKT.onePiece, 'S1E1–61, S2E62–70'),
    ],
    [
      'specials: an OVA lands on season 0',
      entryOf(MEDIA.aotOva, { status: 'COMPLETED', episodes: 3, format: 'OVA' }),
      3,
      placed(TRAKT.aot, 'S0E1–3'),
    ],
    [
      'partial progress: only episodes 1..progress are placed (JJK 2nd Season, 5 watched)',
      entryOf(MEDIA.jjk2, { status: 'CURRENT', episodes: 23, progress: 5 }),
      5,
      placed(TRAKT.jjk, 'S1E25–29'),
    ],
    [
      'a movie: the one TMDB movie the dataset names',
      entryOf(MEDIA.movie, { status: 'COMPLETED', format: 'MOVIE', episodes: 1 }),
      1,
      `movie ${TRAKT.movie} (anibridge)`,
    ],
    [
      'a media the dataset maps only to a movie is placed as that movie whatever its format',
      entryOf(MEDIA.movie, { status: 'COMPLETED', format: 'SPECIAL', episodes: 1 }),
      1,
      `movie ${TRAKT.movie} (anibridge)`,
    ],
    [
      'two candidate movies: ambiguous, nothing picked',
      entryOf(MEDIA.twoMovies, { status: 'COMPLETED', format: 'MOVIE', episodes: 1 }),
      1,
      'ambiguous: the dataset names 2 TMDB movies (111, 222)',
    ],
    [
      "wrong mapping rejected: the dataset maps episode 13, Trakt's season has 12",
      entryOf(MEDIA.tooLong, { status: 'COMPLETED', episodes: 13 }),
      13,
      `not_on_trakt: Trakt's "Short Show" has no S1E13 (it has S1E1–12)`,
    ],
    [
      'the same show is fine while the placement stays within what Trakt has',
      entryOf(MEDIA.tooLong, { status: 'CURRENT', episodes: 13, progress: 12 }),
      12,
      placed(TRAKT.shortShow, 'S1E1–12'),
    ],
    [
      'wrong mapping rejected: One Piece past the last episode Trakt knows',
      entryOf(MEDIA.onePiece, { status: 'CURRENT', episodes: null, progress: 95 }),
      95,
      `not_on_trakt: Trakt's "One Piece" has no S3E93–95 (it has S1E1–61, S2E62–77, S3E78–92)`,
    ],
    [
      'the dataset places only part of the episodes: unplaceable, naming the rest',
      entryOf(MEDIA.halfMapped, { status: 'COMPLETED', episodes: 12 }),
      12,
      'unplaceable: the dataset places 12 episodes only partly: episodes 11–12 are not mapped',
    ],
    [
      'spread over two TMDB shows: ambiguous',
      entryOf(MEDIA.spread, { status: 'COMPLETED', episodes: 24 }),
      24,
      'ambiguous: the dataset spreads it over 2 TMDB shows (7002, 7003)',
    ],
    [
      'no episode count at all: unplaceable',
      entryOf(MEDIA.jjk2, { status: 'COMPLETED', episodes: null, progress: 0 }),
      0,
      'unplaceable: no episode count to place',
    ],
    [
      'a media neither dataset knows: unmapped, with the way out',
      entryOf(888_001, { status: 'COMPLETED' }),
      12,
      'unmapped: neither the anibridge dataset nor the fallback knows AniList 888001 (add it to TRAKT_ID_OVERRIDES)',
    ],
    [
      'a media the dataset knows without TMDB ids (TVDB only) and no fallback: unmapped',
      entryOf(MEDIA.tvdbOnly, { status: 'COMPLETED' }),
      12,
      `unmapped: neither the anibridge dataset nor the fallback knows AniList ${MEDIA.tvdbOnly} (add it to TRAKT_ID_OVERRIDES)`,
    ],
  ];

  test.each(cases)('%s', async (_name, entry, count, expected) => {
    expect(summary(await place(entry, count))).toBe(expected);
  });

  test('a show Trakt does not know (TMDB id without a Trakt match): not_on_trakt', async () => {
    const ids = idIndex({ anilist: { 888300: '888300\t\t7777:1:1-12=1-12\t', 888301: '888301\t\t\t5555' } });
    expect(summary(await place(entryOf(888_300), 12, { ids }))).toBe('not_on_trakt: Trakt has no show for TMDB 7777');
    expect(summary(await place(entryOf(888_301, { format: 'MOVIE' }), 1, { ids }))).toBe(
      'not_on_trakt: Trakt has no movie for TMDB 5555',
    );
  });

  test('the catalogue is looked up by TMDB id, once per show', async () => {
    const { mapping, client } = await world();
    await placeEntry(entryOf(MEDIA.jjk1), 24, mapping);
    await placeEntry(entryOf(MEDIA.jjk2), 23, mapping);
    expect(client.calls).toEqual(['search show 95479', `seasons ${TRAKT.jjk}`]);
  });

  test('the dataset wins over the fallback when it places the entry', async () => {
    const entry = entryOf(MEDIA.jjk2, { idMal: FALLBACK_MAL.fits, episodes: 23 });
    expect(summary(await place(entry, 23))).toBe(placed(TRAKT.jjk, 'S1E25–47'));
  });

  test('without the anibridge index, only the fallback and overrides place anything', async () => {
    const entry = entryOf(MEDIA.jjk2, { episodes: 23 });
    expect(summary(await place(entry, 23, { ids: undefined }))).toMatch(/^unmapped: /);
  });
});

describe('placeEntry: TRAKT_ID_OVERRIDES', () => {
  const overrides: Record<string, TraktOverride> = {
    '888010': { show: TRAKT.jjk, season: 1, episodes: '25-47' },
    '888011': { movie: TRAKT.overrideMovie },
    '888012': null,
    'mal:123456': { show: TRAKT.fallbackShow, season: 1, episodes: '1-12' },
    '888013': { show: TRAKT.jjk, season: 1, episodes: '1-3' },
    '888014': { show: TRAKT.fallbackShow, season: 1, episodes: '1-13' },
    '888015': { show: TRAKT.fallbackShow, season: 2, episodes: '1-6,8-13' },
    // Overrides beat the dataset: JJK 2nd Season is put elsewhere on purpose.
    [String(MEDIA.jjk2)]: { show: TRAKT.fallbackShow, season: 2, episodes: '1-13' },
    [String(MEDIA.solo)]: null,
  };

  const cases: [name: string, entry: AniListEntry, count: number, expected: string][] = [
    ['a show range', entryOf(888_010, { episodes: 23 }), 23, placed(TRAKT.jjk, 'S1E25–47', 'override')],
    [
      'a show range with partial progress: its first episodes only',
      entryOf(888_010, { episodes: 23 }),
      5,
      placed(TRAKT.jjk, 'S1E25–29', 'override'),
    ],
    [
      'a range with a gap is laid end to end',
      entryOf(888_015, { episodes: 12 }),
      12,
      placed(TRAKT.fallbackShow, 'S2E1–6, S2E8–13', 'override'),
    ],
    ['a movie', entryOf(888_011, { format: 'MOVIE' }), 1, `movie ${TRAKT.overrideMovie} (override)`],
    ['null: skip the entry', entryOf(888_012), 12, 'override_skip: TRAKT_ID_OVERRIDES says to skip it'],
    [
      'null beats a mapping the dataset has',
      entryOf(MEDIA.solo, { episodes: 28 }),
      28,
      'override_skip: TRAKT_ID_OVERRIDES says to skip it',
    ],
    [
      'an override beats the dataset',
      entryOf(MEDIA.jjk2, { episodes: 23 }),
      13,
      placed(TRAKT.fallbackShow, 'S2E1–13', 'override'),
    ],
    [
      'a `mal:<id>` key matches the entry by its MAL id',
      entryOf(888_020, { idMal: 123_456 }),
      12,
      placed(TRAKT.fallbackShow, 'S1E1–12', 'override'),
    ],
    [
      'too few episodes for the entry: unplaceable, nothing guessed',
      entryOf(888_013),
      12,
      'unplaceable: TRAKT_ID_OVERRIDES gives 3 episodes (1-3) for 12',
    ],
    [
      'an override naming an episode Trakt lacks is rejected too',
      entryOf(888_014, { episodes: 13 }),
      13,
      `not_on_trakt: Trakt's "Trakt show ${TRAKT.fallbackShow}" has no S1E13 (it has S1E1–12, S2E1–13)`,
    ],
  ];

  test.each(cases)('%s', async (_name, entry, count, expected) => {
    expect(summary(await place(entry, count, { overrides }))).toBe(expected);
  });

  test('the AniList id key wins over the `mal:` key', async () => {
    const both: Record<string, TraktOverride> = { '888030': null, 'mal:4242': { movie: 1 } };
    expect(summary(await place(entryOf(888_030, { idMal: 4242 }), 1, { overrides: both }))).toMatch(/^override_skip/);
  });

  test('an override naming a show Trakt does not have is rejected', async () => {
    const unknown: Record<string, TraktOverride> = { '888040': { show: 99_999, season: 1, episodes: '1-12' } };
    expect(summary(await place(entryOf(888_040), 12, { overrides: unknown }))).toBe(
      'not_on_trakt: Trakt has no show 99999',
    );
  });
});

describe('placeEntry: the rensetsu fallback (MAL id → Trakt show and a season hint)', () => {
  const cases: [name: string, entry: AniListEntry, count: number, expected: string][] = [
    [
      "accepted when the season exists and has exactly the entry's episodes",
      entryOf(888_100, { idMal: FALLBACK_MAL.fits, episodes: 13 }),
      13,
      placed(TRAKT.fallbackShow, 'S2E1–13', 'rensetsu'),
    ],
    [
      'also for a media the dataset knows without TMDB ids',
      entryOf(MEDIA.tvdbOnly, { idMal: FALLBACK_MAL.fits, episodes: 13 }),
      13,
      placed(TRAKT.fallbackShow, 'S2E1–13', 'rensetsu'),
    ],
    [
      'refused when the season has another episode count',
      entryOf(888_101, { idMal: FALLBACK_MAL.fits, episodes: 12 }),
      12,
      `unplaceable: the fallback says season 2 of Trakt show ${TRAKT.fallbackShow}, which has 13 episodes, not 12`,
    ],
    [
      'refused for AoT S3 Part 2, which rensetsu puts on season 4 (30 episodes, not 10)',
      entryOf(888_102, { idMal: FALLBACK_MAL.aotWrong, episodes: 10 }),
      10,
      `unplaceable: the fallback says season 4 of Trakt show ${TRAKT.aot}, which has 30 episodes, not 10`,
    ],
    [
      'refused for a split cour, even where a season of that size exists',
      entryOf(888_103, { idMal: FALLBACK_MAL.splitCour, episodes: 13 }),
      13,
      `unplaceable: the fallback's season for MAL ${FALLBACK_MAL.splitCour} is a split cour, with no episode range`,
    ],
    [
      'refused without a season',
      entryOf(888_104, { idMal: FALLBACK_MAL.noSeason, episodes: 13 }),
      13,
      `unplaceable: the fallback's season for MAL ${FALLBACK_MAL.noSeason} is a split cour, with no episode range`,
    ],
    [
      'a movie',
      entryOf(888_105, { idMal: FALLBACK_MAL.movie, format: 'MOVIE' }),
      1,
      `movie ${TRAKT.fallbackMovie} (rensetsu)`,
    ],
    [
      'a MAL id the fallback does not know: unmapped',
      entryOf(888_106, { idMal: 5 }),
      12,
      'unmapped: neither the anibridge dataset nor the fallback knows AniList 888106 (add it to TRAKT_ID_OVERRIDES)',
    ],
  ];

  test.each(cases)('%s', async (_name, entry, count, expected) => {
    expect(summary(await place(entry, count))).toBe(expected);
  });

  test('an entry without a MAL id never reaches the fallback', async () => {
    expect(summary(await place(entryOf(888_107, { idMal: null, episodes: 13 }), 13))).toMatch(/^unmapped: /);
  });

  test('partial progress of a fallback-placed entry: its first episodes of the season', async () => {
    const entry = entryOf(888_108, { status: 'CURRENT', idMal: FALLBACK_MAL.fits, episodes: 13, progress: 5 });
    expect(summary(await place(entry, 5))).toBe(placed(TRAKT.fallbackShow, 'S2E1–5', 'rensetsu'));
  });

  test("partial progress: still refused when the season does not fit the entry's episode count", async () => {
    const entry = entryOf(888_109, { status: 'CURRENT', idMal: FALLBACK_MAL.fits, episodes: 12, progress: 5 });
    expect(summary(await place(entry, 5))).toMatch(/^unplaceable: .*which has 13 episodes, not 12$/);
  });
});

describe('placeEntry: SOURCE=mal (entries from a MAL list)', () => {
  const fromMal = (malId: number, overrides: Partial<AniListEntry> = {}) =>
    entryOf(malId, { idMal: malId, status: 'COMPLETED', ...overrides });

  const cases: [
    name: string,
    entry: AniListEntry,
    count: number,
    overrides: Record<string, TraktOverride>,
    expected: string,
  ][] = [
    [
      'the AniList id comes from the dataset (MAL 51009 → AniList 145064)',
      fromMal(51009, { episodes: 23 }),
      23,
      {},
      placed(TRAKT.jjk, 'S1E25–47'),
    ],
    [
      'a MAL id with two AniList media is never picked from (the fallback is asked instead)',
      fromMal(60000, { episodes: 24 }),
      24,
      {},
      'unmapped: neither the anibridge dataset nor the fallback knows MAL 60000 (add it to TRAKT_ID_OVERRIDES)',
    ],
    [
      'a MAL id the dataset lacks goes to the fallback',
      fromMal(FALLBACK_MAL.fits, { episodes: 13 }),
      13,
      {},
      placed(TRAKT.fallbackShow, 'S2E1–13', 'rensetsu'),
    ],
    [
      'an override keyed by the AniList id found through MAL applies',
      fromMal(51009, { episodes: 23 }),
      23,
      { '145064': null },
      'override_skip: TRAKT_ID_OVERRIDES says to skip it',
    ],
    [
      'an override keyed `mal:<id>` applies',
      fromMal(51009, { episodes: 23 }),
      23,
      { 'mal:51009': { movie: 77 } },
      'movie 77 (override)',
    ],
    [
      "the MAL id is not read as an AniList id (MAL 21 is AniList 21, but MAL 40748 isn't AniList 40748)",
      fromMal(40748, { episodes: 24 }),
      24,
      { '40748': null },
      placed(TRAKT.jjk, 'S1E1–24'),
    ],
  ];

  test.each(cases)('%s', async (_name, entry, count, overrides, expected) => {
    expect(summary(await place(entry, count, { source: 'mal', overrides }))).toBe(expected);
  });
});

describe('describePlacement', () => {
  const cases: [
    name: string,
    entry: AniListEntry,
    count: number,
    overrides: Record<string, TraktOverride>,
    line: string,
  ][] = [
    [
      'a show: title, Trakt id, episodes and where the placement came from',
      entryOf(MEDIA.jjk2, { title: 'Jujutsu Kaisen 2nd Season', episodes: 23 }),
      23,
      {},
      `Jujutsu Kaisen 2nd Season (AniList ${MEDIA.jjk2}) → Trakt show "Jujutsu Kaisen" [${TRAKT.jjk}] S1E25–47 (anibridge)`,
    ],
    [
      'a movie',
      entryOf(MEDIA.movie, { title: 'Koe no Katachi', format: 'MOVIE' }),
      1,
      {},
      `Koe no Katachi (AniList ${MEDIA.movie}) → Trakt movie "A Silent Voice" [${TRAKT.movie}] (anibridge)`,
    ],
    [
      'an override movie has no Trakt title: the entry title stands in',
      entryOf(888_200, { title: 'Some Film', format: 'MOVIE' }),
      1,
      { '888200': { movie: 4321 } },
      'Some Film (AniList 888200) → Trakt movie "Some Film" [4321] (override)',
    ],
    [
      'a skip names the reason',
      entryOf(MEDIA.twoMovies, { title: 'Two Films', format: 'MOVIE' }),
      1,
      {},
      `Two Films (AniList ${MEDIA.twoMovies}) → skipped: the dataset names 2 TMDB movies (111, 222)`,
    ],
  ];

  test.each(cases)('%s', async (_name, entry, count, overrides, line) => {
    expect(describePlacement(entry, await place(entry, count, { overrides }))).toBe(line);
  });
});

describe('every unplaced result carries a reason a report can label', () => {
  test('reasons are among the documented ones', async () => {
    const reasons = new Set<UnplacedReason>(['unmapped', 'unplaceable', 'not_on_trakt', 'ambiguous', 'override_skip']);
    const entries: [AniListEntry, number][] = [
      [entryOf(MEDIA.twoMovies, { format: 'MOVIE' }), 1],
      [entryOf(MEDIA.tooLong), 13],
      [entryOf(MEDIA.halfMapped), 12],
      [entryOf(MEDIA.spread), 24],
      [entryOf(888_500), 12],
    ];
    for (const [entry, count] of entries) {
      const result = await place(entry, count);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(reasons.has(result.reason)).toBe(true);
    }
  });
});

describe('placeEntry: what the entry is called and what AniList calls a movie', () => {
  test('a MOVIE-format entry the dataset keeps as episodes of a show is placed on those episodes', async () => {
    const ova = entryOf(MEDIA.aotOva, { format: 'MOVIE', episodes: 1 });
    expect(summary(await place(ova, 1))).toBe(placed(TRAKT.aot, 'S0E1'));
  });

  test('entries read from a MAL list are named by their MAL id in the review', async () => {
    const { mapping } = await world({ source: 'mal' });
    const entry = entryOf(MEDIA.jjk2, { title: 'Jujutsu Kaisen 2nd Season', idMal: 51009, episodes: 23 });
    const line = describePlacement(entry, await placeEntry(entry, 23, mapping), 'mal');
    expect(line).toMatch(/^Jujutsu Kaisen 2nd Season \(MAL 51009\) → Trakt show "Jujutsu Kaisen" \[1001\] S1E25–47/);
  });
});
