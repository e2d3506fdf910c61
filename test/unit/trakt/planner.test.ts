import type { AniListEntry } from '../../../shared/anilist/types';
import type { EpisodeRef } from '../../../shared/destinations/trakt/episodes';
import type { TraktOverride } from '../../../shared/destinations/trakt/mapping';
import {
  type PlaysState,
  planTrakt,
  planTraktRemovals,
  type RatingState,
  TRAKT_SKIP_LABELS,
  type TraktWritePayload,
} from '../../../shared/destinations/trakt/planner';
import type { TraktRules } from '../../../shared/destinations/trakt/rules';
import type { DestinationPlan, MirroredRecord, Orphan, PlannedWrite } from '../../../shared/sync/destination';
import { type AccountData, entryOf, FALLBACK_MAL, MEDIA, played, playsOf, RULES, TRAKT, world } from './world';

const DAY = { year: 2023, month: 12, day: 28 };
const AT = '2023-12-28T12:00:00.000Z';

interface Run {
  readonly entries: readonly AniListEntry[];
  /** Full run: the account is read before planning and handed in (`input.plays`). */
  readonly full?: boolean;
  readonly mirrored?: Record<string, MirroredRecord>;
  readonly account?: AccountData;
  readonly rules?: Partial<TraktRules>;
  readonly prune?: boolean;
  readonly overrides?: Record<string, TraktOverride>;
  readonly source?: 'anilist' | 'mal';
  readonly stopAt?: { readonly now: () => number; readonly stopAt: () => number };
}

/** Plans one run; `read` is the lazy account read (the only way planning reaches Trakt's user data). */
async function run(r: Run): Promise<{ plan: DestinationPlan; read: jest.Mock; catalogCalls: string[] }> {
  const { mapping, client } = await world({
    ...(r.overrides ? { overrides: r.overrides } : {}),
    ...(r.source ? { source: r.source } : {}),
  });
  const plays = await playsOf(r.account);
  const read = jest.fn(async () => plays);
  const plan = await planTrakt(
    { entries: r.entries, full: r.full ?? false, mirrored: r.mirrored ?? {}, ...(r.full ? { plays } : {}) },
    {
      mapping,
      rules: { ...RULES, ...r.rules },
      prune: r.prune ?? false,
      plays: read,
      now: r.stopAt?.now ?? (() => 0),
      ...(r.stopAt ? { stopAt: r.stopAt.stopAt } : {}),
    },
  );
  return { plan, read, catalogCalls: client.calls };
}

const range = (season: number, first: number, last: number, times?: number) =>
  Array.from({ length: last - first + 1 }, (_, i) => ({
    season,
    number: first + i,
    ...(times === undefined ? {} : { times }),
  }));

const payloadOf = (w: PlannedWrite | undefined) => w?.payload as TraktWritePayload;

/** The episodes (with their play counts) of an `add_plays` write. */
function addedEpisodes(w: PlannedWrite | undefined): readonly (EpisodeRef & { times: number })[] {
  const payload = payloadOf(w);
  if (payload.op !== 'add_plays') throw new Error(`not an add_plays write: ${payload.op}`);
  return payload.episodes;
}

function record(entry: AniListEntry, state: PlaysState | RatingState, written = true): MirroredRecord {
  return { title: entry.title, anilistEntryId: entry.id, mediaId: entry.mediaId, state, written };
}

const showPlays = (show: number, eps: Record<string, string>, added: Record<string, string>, at: string | null) =>
  ({ kind: 'plays', show, eps, added, at }) as PlaysState;

const rated = (rating: number, ours: boolean): RatingState => ({ kind: 'rating', rating, ours });

/** JJK 2nd Season, completed on 2023-12-28: S1E25–47 of Trakt show 1001. */
const jjk2 = (overrides: Partial<AniListEntry> = {}) =>
  entryOf(MEDIA.jjk2, { status: 'COMPLETED', episodes: 23, progress: 23, completedAt: DAY, ...overrides });

/** A one-season show no other AniList media shares (Trakt show 1004, S1E1–28). */
const solo = (overrides: Partial<AniListEntry> = {}) =>
  entryOf(MEDIA.solo, { status: 'COMPLETED', episodes: 28, progress: 28, completedAt: DAY, ...overrides });

const movie = (overrides: Partial<AniListEntry> = {}) =>
  entryOf(MEDIA.movie, {
    status: 'COMPLETED',
    format: 'MOVIE',
    episodes: 1,
    progress: 1,
    completedAt: DAY,
    ...overrides,
  });

describe('planTrakt: plays', () => {
  test('a first full run adds exactly the plays Trakt lacks, dated noon UTC of the completion day', async () => {
    const entry = jjk2();
    const { plan } = await run({
      entries: [entry],
      full: true,
      account: { shows: { [TRAKT.jjk]: played(1, 25, 30) } },
    });
    expect(plan.writes).toEqual([
      {
        kind: 'put',
        key: `plays:${MEDIA.jjk2}`,
        title: entry.title,
        entry,
        target: `Trakt show ${TRAKT.jjk} S1E31–47`,
        reasons: ['17 plays on S1E31–47 (watched 2023-12-28)'],
        payload: {
          op: 'add_plays',
          show: TRAKT.jjk,
          episodes: range(1, 31, 47, 1),
          at: AT,
          after: showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '31-47' }, AT),
        },
      },
    ]);
    expect(plan.skipped).toEqual([]);
  });

  const notDoubled: [name: string, account: AccountData][] = [
    ['played once by the user', { shows: { [TRAKT.jjk]: played(1, 25, 47) } }],
    ['played three times', { shows: { [TRAKT.jjk]: played(1, 25, 47, 3) } }],
  ];

  test.each(notDoubled)('an episode already %s gets no new play', async (_name, account) => {
    const entry = jjk2();
    const { plan } = await run({ entries: [entry], full: true, account });
    expect(plan.writes).toEqual([]);
    expect(plan.unchanged).toEqual([
      { key: `plays:${MEDIA.jjk2}`, entry, state: showPlays(TRAKT.jjk, { 1: '25-47' }, {}, null) },
    ]);
  });

  test('plays this system added before are not added again, and stay ours', async () => {
    const entry = jjk2();
    const mirrored = {
      [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '25-47' }, AT)),
    };
    const { plan } = await run({
      entries: [entry],
      full: true,
      mirrored,
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    expect(plan.writes).toEqual([]);
    expect(plan.unchanged).toEqual([
      { key: `plays:${MEDIA.jjk2}`, entry, state: showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '25-47' }, AT) },
    ]);
  });

  test('two AniList entries on the same episodes claim them once: one play each, by the newest entry', async () => {
    const older = jjk2({ updatedAt: 100 });
    const newer = entryOf(888_010, { status: 'COMPLETED', episodes: 23, completedAt: DAY, updatedAt: 200 });
    const { plan } = await run({
      entries: [older, newer],
      full: true,
      overrides: { '888010': { show: TRAKT.jjk, season: 1, episodes: '25-47' } },
    });
    expect(plan.writes).toHaveLength(1);
    expect(plan.writes[0]).toMatchObject({ key: 'plays:888010', payload: { episodes: range(1, 25, 47, 1) } });
    expect(plan.unchanged).toEqual([
      expect.objectContaining({ key: `plays:${MEDIA.jjk2}`, state: showPlays(TRAKT.jjk, { 1: '25-47' }, {}, null) }),
    ]);
  });

  test('two AniList entries on the same movie: it is played once', async () => {
    const older = movie({ updatedAt: 100 });
    const newer = entryOf(888_013, { status: 'COMPLETED', format: 'MOVIE', episodes: 1, updatedAt: 200 });
    const { plan } = await run({
      entries: [older, newer],
      full: true,
      overrides: { '888013': { movie: TRAKT.movie } },
    });
    expect(plan.writes.map((w) => [w.key, payloadOf(w)])).toEqual([
      ['plays:888013', expect.objectContaining({ movie: TRAKT.movie, movieTimes: 1 })],
    ]);
  });

  test('overlapping entries: the second adds only what the first does not cover', async () => {
    const first = entryOf(888_011, { status: 'COMPLETED', episodes: 10, updatedAt: 200 });
    const second = jjk2({ updatedAt: 100 });
    const { plan } = await run({
      entries: [second, first],
      full: true,
      overrides: { '888011': { show: TRAKT.jjk, season: 1, episodes: '20-29' } },
    });
    const episodes = plan.writes.map((w) => [w.key, addedEpisodes(w).length]);
    expect(episodes).toEqual([
      ['plays:888011', 10],
      [`plays:${MEDIA.jjk2}`, 18],
    ]);
    expect(plan.writes[1]).toMatchObject({ target: `Trakt show ${TRAKT.jjk} S1E30–47` });
  });

  test('claims add up across entries that need more than one play (rewatches)', async () => {
    const rules = { rewatches: true };
    const twice = entryOf(888_012, { status: 'COMPLETED', episodes: 23, repeat: 1, updatedAt: 300 });
    const thrice = jjk2({ repeat: 2, updatedAt: 200 });
    const { plan } = await run({
      entries: [thrice, twice],
      full: true,
      rules,
      overrides: { '888012': { show: TRAKT.jjk, season: 1, episodes: '25-47' } },
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    expect(plan.writes.map((w) => [w.key, addedEpisodes(w)[0]?.times])).toEqual([
      ['plays:888012', 1],
      [`plays:${MEDIA.jjk2}`, 1],
    ]);
  });

  const rewatches: [
    name: string,
    entry: AniListEntry,
    rules: Partial<TraktRules>,
    account: AccountData,
    times: number | undefined,
  ][] = [
    ['REPEATING: every episode once, as completed', jjk2({ status: 'REPEATING', progress: 4 }), {}, {}, 1],
    [
      'TRAKT_REWATCHES off: a rewatch count adds nothing',
      jjk2({ repeat: 2 }),
      {},
      { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
      undefined,
    ],
    [
      'TRAKT_REWATCHES: 2 rewatches, 1 play on Trakt → 2 more each',
      jjk2({ repeat: 2 }),
      { rewatches: true },
      { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
      2,
    ],
    [
      'TRAKT_REWATCHES: already 3 plays on Trakt → nothing',
      jjk2({ repeat: 2 }),
      { rewatches: true },
      { shows: { [TRAKT.jjk]: played(1, 25, 47, 3) } },
      undefined,
    ],
    [
      'TRAKT_REWATCHES with REPEATING: 1 + repeat',
      jjk2({ status: 'REPEATING', repeat: 1 }),
      { rewatches: true },
      {},
      2,
    ],
  ];

  test.each(rewatches)('%s', async (_name, entry, rules, account, times) => {
    const { plan } = await run({ entries: [entry], full: true, rules, account });
    if (times === undefined) {
      expect(plan.writes).toEqual([]);
      return;
    }
    expect(plan.writes).toHaveLength(1);
    expect(payloadOf(plan.writes[0])).toMatchObject({ op: 'add_plays', episodes: range(1, 25, 47, times) });
  });

  const movies: [
    name: string,
    entry: AniListEntry,
    rules: Partial<TraktRules>,
    account: AccountData,
    missing: number | undefined,
    times: number,
  ][] = [
    ['a completed movie: one play', movie(), {}, {}, 1, 1],
    ['a movie already played: nothing', movie(), {}, { movies: { [TRAKT.movie]: 1 } }, undefined, 1],
    [
      'a movie rewatched once with TRAKT_REWATCHES, played once: one more',
      movie({ repeat: 1 }),
      { rewatches: true },
      { movies: { [TRAKT.movie]: 1 } },
      1,
      2,
    ],
    ['a movie rewatched twice, never played: three', movie({ repeat: 2 }), { rewatches: true }, {}, 3, 3],
  ];

  test.each(movies)('%s', async (_name, entry, rules, account, missing, times) => {
    const { plan } = await run({ entries: [entry], full: true, rules, account });
    if (missing === undefined) {
      expect(plan.writes).toEqual([]);
      expect(plan.unchanged.map((u) => u.key)).toEqual([`plays:${MEDIA.movie}`]);
      return;
    }
    expect(plan.writes).toEqual([
      expect.objectContaining({
        kind: 'put',
        key: `plays:${MEDIA.movie}`,
        target: `Trakt movie ${TRAKT.movie}`,
        payload: {
          op: 'add_plays',
          movie: TRAKT.movie,
          episodes: [],
          movieTimes: missing,
          at: AT,
          after: {
            kind: 'plays',
            movie: TRAKT.movie,
            eps: {},
            added: {},
            movieAdded: missing,
            at: AT,
            ...(times > 1 ? { times } : {}),
          },
        },
      }),
    ]);
  });

  test('TRAKT_PROGRESS: a CURRENT entry gets plays for episodes 1..progress only, date unknown', async () => {
    const entry = jjk2({ status: 'CURRENT', progress: 5, completedAt: { year: null, month: null, day: null } });
    const { plan } = await run({ entries: [entry], full: true, rules: { progress: true } });
    expect(plan.writes).toEqual([
      expect.objectContaining({
        target: `Trakt show ${TRAKT.jjk} S1E25–29`,
        reasons: ['5 plays on S1E25–29 (date unknown)'],
        payload: expect.objectContaining({ episodes: range(1, 25, 29, 1), at: 'unknown' }),
      }),
    ]);
  });

  test('without TRAKT_PROGRESS a CURRENT entry gets nothing and is not even placed', async () => {
    const { plan, catalogCalls } = await run({ entries: [jjk2({ status: 'CURRENT', progress: 5 })], full: true });
    expect(plan.writes).toEqual([]);
    expect(catalogCalls).toEqual([]);
  });

  test('TRAKT_UNKNOWN_DATE=release: plays of a show without a full date are dated at release', async () => {
    const entry = jjk2({ completedAt: { year: 2023, month: 12, day: null } });
    const { plan } = await run({ entries: [entry], full: true, rules: { unknownDate: 'release' } });
    expect(plan.writes[0]).toMatchObject({
      reasons: ['23 plays on S1E25–47 (at release)'],
      payload: { at: 'released' },
    });
  });
});

describe('planTrakt: incremental runs', () => {
  test('an entry its records already show mirrored costs nothing: no writes, Trakt never read', async () => {
    const entry = solo({ score: 85 });
    const mirrored = {
      [`plays:${MEDIA.solo}`]: record(entry, showPlays(TRAKT.solo, { 1: '1-28' }, { 1: '1-28' }, AT)),
      [`rating:show:${TRAKT.solo}`]: record(entry, rated(9, true)),
    };
    const { plan, read } = await run({ entries: [entry], mirrored });
    expect(plan.writes).toEqual([]);
    expect(read).not.toHaveBeenCalled();
    expect(plan.unchanged.map((u) => u.key)).toEqual([`plays:${MEDIA.solo}`, `rating:show:${TRAKT.solo}`]);
  });

  test('an entry with nothing to mirror (PLANNING, no score, no records) is not even placed', async () => {
    const { plan, read, catalogCalls } = await run({ entries: [jjk2({ status: 'PLANNING' })] });
    expect(plan).toMatchObject({ writes: [], unchanged: [], skipped: [] });
    expect(plan.review ?? []).not.toContainEqual(expect.stringContaining('→ Trakt'));
    expect(read).not.toHaveBeenCalled();
    expect(catalogCalls).toEqual([]);
  });

  const unsettled: [
    name: string,
    entry: AniListEntry,
    mirrored: (e: AniListEntry) => Record<string, MirroredRecord>,
  ][] = [
    ['no record yet', solo(), () => ({})],
    [
      'the recorded episodes differ (the mapping changed)',
      solo(),
      (e) => ({ [`plays:${MEDIA.solo}`]: record(e, showPlays(TRAKT.solo, { 1: '1-27' }, {}, AT)) }),
    ],
    [
      'the recorded show differs',
      solo(),
      (e) => ({ [`plays:${MEDIA.solo}`]: record(e, showPlays(TRAKT.jjk, { 1: '1-28' }, {}, AT)) }),
    ],
    [
      'the score changed',
      solo({ score: 70 }),
      (e) => ({
        [`plays:${MEDIA.solo}`]: record(e, showPlays(TRAKT.solo, { 1: '1-28' }, {}, AT)),
        [`rating:show:${TRAKT.solo}`]: record(e, rated(9, true)),
      }),
    ],
    [
      'the score was cleared (a stale rating record)',
      solo({ score: 0 }),
      (e) => ({
        [`plays:${MEDIA.solo}`]: record(e, showPlays(TRAKT.solo, { 1: '1-28' }, {}, AT)),
        [`rating:show:${TRAKT.solo}`]: record(e, rated(9, true)),
      }),
    ],
  ];

  test.each(unsettled)('Trakt is read when something may change: %s', async (_name, entry, mirrored) => {
    const { read } = await run({ entries: [entry], mirrored: mirrored(entry) });
    expect(read).toHaveBeenCalledTimes(1);
  });

  test('the read asks for exactly the shows, movies and ratings the candidates touch', async () => {
    const { read } = await run({ entries: [jjk2({ score: 0 }), movie({ score: 0 }), solo({ score: 90 })] });
    expect(read).toHaveBeenCalledWith({
      shows: new Set([TRAKT.jjk, TRAKT.solo]),
      movies: new Set([TRAKT.movie]),
      ratings: true,
    });
  });

  test('a changed entry whose records show it mirrored: the rewatch it gained is added', async () => {
    const entry = jjk2({ repeat: 1 });
    const mirrored = {
      [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '25-47' }, AT)),
    };
    const { plan } = await run({
      entries: [entry],
      mirrored,
      rules: { rewatches: true },
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    expect(plan.writes).toHaveLength(1);
    expect(payloadOf(plan.writes[0])).toMatchObject({ op: 'add_plays', episodes: range(1, 25, 47, 1) });
  });

  test('once the rewatch is mirrored, the next incremental run costs nothing again', async () => {
    const entry = jjk2({ repeat: 1 });
    const first = await run({
      entries: [entry],
      rules: { rewatches: true },
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    const after = (payloadOf(first.plan.writes[0]) as { after: PlaysState }).after;
    const { plan, read } = await run({
      entries: [entry],
      rules: { rewatches: true },
      mirrored: { [`plays:${MEDIA.jjk2}`]: record(entry, after) },
    });
    expect(plan.writes).toEqual([]);
    expect(read).not.toHaveBeenCalled();
  });
});

describe('planTrakt: ratings', () => {
  test('a show no other AniList media lands on (dataset or list): the show is rated', async () => {
    const entry = solo({ score: 85 });
    const { plan } = await run({
      entries: [entry],
      full: true,
      account: { shows: { [TRAKT.solo]: played(1, 1, 28) } },
    });
    expect(plan.writes).toEqual([
      {
        kind: 'put',
        key: `rating:show:${TRAKT.solo}`,
        title: entry.title,
        entry,
        target: `Trakt show:${TRAKT.solo}`,
        reasons: ['rating 9'],
        payload: { op: 'rate', ratingKey: `show:${TRAKT.solo}`, rating: 9, after: rated(9, true) },
      },
    ]);
    expect(plan.notes).toEqual([]);
  });

  test('the show shared in the dataset, the entry covering a whole season: that season is rated', async () => {
    const entry = entryOf(MEDIA.aot2, { status: 'COMPLETED', episodes: 12, score: 72, completedAt: DAY });
    const { plan } = await run({ entries: [entry], full: true, account: { shows: { [TRAKT.aot]: played(2, 1, 12) } } });
    expect(plan.writes.map((w) => [w.key, payloadOf(w)])).toEqual([
      [
        `rating:season:${TRAKT.aot}:2`,
        { op: 'rate', ratingKey: `season:${TRAKT.aot}:2`, rating: 7, after: rated(7, true) },
      ],
    ]);
  });

  test('specials: a whole season 0 is rated as season 0', async () => {
    const entry = entryOf(MEDIA.aotOva, { status: 'COMPLETED', episodes: 3, format: 'OVA', score: 60 });
    const { plan } = await run({ entries: [entry], full: true, account: { shows: { [TRAKT.aot]: played(0, 1, 3) } } });
    expect(plan.writes.map((w) => w.key)).toEqual([`rating:season:${TRAKT.aot}:0`]);
  });

  const partly: [name: string, entry: AniListEntry, covered: string, season: number][] = [
    ['JJK 2nd Season covers S1E25–47 of season 1', jjk2({ score: 80 }), 'S1E25–47', 1],
    [
      'AoT S3 Part 2 covers S3E13–22 of season 3',
      entryOf(MEDIA.aot3b, { status: 'COMPLETED', episodes: 10, score: 80 }),
      'S3E13–22',
      3,
    ],
  ];

  test.each(partly)('a season covered in part is not rated, with a note: %s', async (_name, entry, covered, season) => {
    const { plan } = await run({ entries: [entry], full: true, account: {} });
    expect(plan.writes.filter((w) => w.key.startsWith('rating:'))).toEqual([]);
    expect(plan.notes).toEqual([
      {
        title: entry.title,
        kind: 'not_rated',
        detail: `not rated on Trakt: it covers ${covered}, not all of season ${season}, and other AniList entries share the show`,
      },
    ]);
  });

  test('another list entry on the same show (known from the records) turns a show rating into a season rating', async () => {
    const entry = solo({ score: 85 });
    const other = entryOf(888_400, { status: 'COMPLETED' });
    const mirrored = { 'plays:888400': record(other, showPlays(TRAKT.solo, { 0: '1' }, {}, null)) };
    const { plan } = await run({ entries: [entry], full: true, mirrored, account: {} });
    expect(plan.writes.filter((w) => w.key.startsWith('rating:')).map((w) => w.key)).toEqual([
      `rating:season:${TRAKT.solo}:1`,
    ]);
  });

  test("the entry's own records do not count as another entry on the show", async () => {
    const entry = solo({ score: 85 });
    const mirrored = { [`plays:${MEDIA.solo}`]: record(entry, showPlays(TRAKT.solo, { 1: '1-28' }, {}, AT)) };
    const { plan } = await run({ entries: [entry], full: true, mirrored, account: {} });
    expect(plan.writes.filter((w) => w.key.startsWith('rating:')).map((w) => w.key)).toEqual([
      `rating:show:${TRAKT.solo}`,
    ]);
  });

  test('SOURCE=mal: the entry itself is not "another AniList media" on its show', async () => {
    const entry = entryOf(52991, { idMal: 52991, status: 'COMPLETED', episodes: 28, score: 85, completedAt: DAY });
    const { plan } = await run({ entries: [entry], full: true, source: 'mal', account: {} });
    expect(plan.writes.filter((w) => w.key.startsWith('rating:')).map((w) => w.key)).toEqual([
      `rating:show:${TRAKT.solo}`,
    ]);
  });

  test('a movie is rated as the movie', async () => {
    const { plan } = await run({
      entries: [movie({ score: 100 })],
      full: true,
      account: { movies: { [TRAKT.movie]: 1 } },
    });
    expect(plan.writes.map((w) => [w.key, w.target, payloadOf(w)])).toEqual([
      [
        `rating:movie:${TRAKT.movie}`,
        `Trakt movie:${TRAKT.movie}`,
        { op: 'rate', ratingKey: `movie:${TRAKT.movie}`, rating: 10, after: rated(10, true) },
      ],
    ]);
  });

  test('a score with no plays wanted (CURRENT) is still rated', async () => {
    const { plan } = await run({ entries: [solo({ status: 'CURRENT', progress: 3, score: 50 })], full: true });
    expect(plan.writes.map((w) => w.key)).toEqual([`rating:show:${TRAKT.solo}`]);
  });

  const same: [name: string, prior: RatingState | undefined, ours: boolean][] = [
    ["no record: the rating is the user's own", undefined, false],
    ['a record saying it is ours keeps it ours', rated(9, true), true],
  ];

  test.each(same)('a rating already equal on Trakt is unchanged (%s)', async (_name, prior, ours) => {
    const entry = solo({ score: 88 });
    const mirrored = prior ? { [`rating:show:${TRAKT.solo}`]: record(entry, prior) } : {};
    const { plan } = await run({
      entries: [entry],
      full: true,
      mirrored,
      account: { shows: { [TRAKT.solo]: played(1, 1, 28) }, ratings: { [`show:${TRAKT.solo}`]: 9 } },
    });
    expect(plan.writes).toEqual([]);
    expect(plan.unchanged).toContainEqual({ key: `rating:show:${TRAKT.solo}`, entry, state: rated(9, ours) });
  });

  test('a different rating on Trakt is replaced, and becomes ours', async () => {
    const entry = solo({ score: 88 });
    const { plan } = await run({
      entries: [entry],
      full: true,
      account: { shows: { [TRAKT.solo]: played(1, 1, 28) }, ratings: { [`show:${TRAKT.solo}`]: 7 } },
    });
    expect(plan.writes).toEqual([
      expect.objectContaining({
        reasons: ['rating 7 → 9'],
        payload: expect.objectContaining({ after: rated(9, true) }),
      }),
    ]);
  });

  const cleared: [
    name: string,
    prior: RatingState,
    onTrakt: number | undefined,
    payload: TraktWritePayload,
    reason: string,
  ][] = [
    [
      'ours and still on Trakt: unrated',
      rated(9, true),
      9,
      { op: 'unrate', ratingKey: `show:${TRAKT.solo}`, rating: 9 },
      'score cleared on AniList',
    ],
    [
      'ours, but the user changed it on Trakt since: only forgotten',
      rated(9, true),
      7,
      { op: 'forget' },
      'no longer rated from AniList',
    ],
    [
      'ours, but already gone from Trakt: only forgotten',
      rated(9, true),
      undefined,
      { op: 'forget' },
      'no longer rated from AniList',
    ],
    [
      "the user's own rating (not ours): only forgotten",
      rated(9, false),
      9,
      { op: 'forget' },
      'no longer rated from AniList',
    ],
  ];

  test.each(cleared)('a cleared score: %s', async (_name, prior, onTrakt, payload, reason) => {
    const entry = solo({ score: 0 });
    const { plan } = await run({
      entries: [entry],
      mirrored: {
        [`plays:${MEDIA.solo}`]: record(entry, showPlays(TRAKT.solo, { 1: '1-28' }, {}, AT)),
        [`rating:show:${TRAKT.solo}`]: record(entry, prior),
      },
      account: {
        shows: { [TRAKT.solo]: played(1, 1, 28) },
        ratings: onTrakt === undefined ? {} : { [`show:${TRAKT.solo}`]: onTrakt },
      },
    });
    expect(plan.writes).toEqual([
      {
        kind: 'remove',
        key: `rating:show:${TRAKT.solo}`,
        title: entry.title,
        entry,
        target: `Trakt show:${TRAKT.solo}`,
        reasons: [reason],
        payload,
      },
    ]);
  });

  test('a rating target that moved (show → season): the old one is removed, the new one set', async () => {
    const entry = solo({ score: 85 });
    const other = entryOf(888_401);
    const { plan } = await run({
      entries: [entry],
      full: true,
      mirrored: {
        [`rating:show:${TRAKT.solo}`]: record(entry, rated(9, true)),
        'plays:888401': record(other, showPlays(TRAKT.solo, { 0: '1' }, {}, null)),
      },
      account: { shows: { [TRAKT.solo]: played(1, 1, 28) }, ratings: { [`show:${TRAKT.solo}`]: 9 } },
    });
    expect(plan.writes.map((w) => [w.kind, w.key, payloadOf(w).op])).toEqual([
      ['put', `rating:season:${TRAKT.solo}:1`, 'rate'],
      ['remove', `rating:show:${TRAKT.solo}`, 'unrate'],
    ]);
  });
});

describe('planTrakt: leaving COMPLETED (TRAKT_PRUNE)', () => {
  const left = () => jjk2({ status: 'CURRENT', progress: 5 });
  const mirroredFor = (entry: AniListEntry) => ({
    [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '30-47' }, AT)),
  });

  test('with prune: only the plays this system added go, found by their stored watched_at', async () => {
    const entry = left();
    const { plan } = await run({
      entries: [entry],
      mirrored: mirroredFor(entry),
      prune: true,
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    expect(plan.writes).toEqual([
      {
        kind: 'remove',
        key: `plays:${MEDIA.jjk2}`,
        title: entry.title,
        entry,
        target: `Trakt show ${TRAKT.jjk} S1E30–47`,
        reasons: ['left COMPLETED on AniList: removes the plays this system added'],
        payload: { op: 'remove_plays', show: TRAKT.jjk, episodes: range(1, 30, 47), at: AT },
      },
    ]);
  });

  test('without prune: nothing is removed, Trakt is not even read, and the record is forgotten', async () => {
    const entry = left();
    const { plan, read } = await run({ entries: [entry], mirrored: mirroredFor(entry), prune: false });
    expect(plan.writes.map(payloadOf)).toEqual([{ op: 'forget' }]);
    expect(plan.writes[0]!.reasons).toEqual([
      'left COMPLETED on AniList; its plays stay on Trakt (TRAKT_PRUNE is off)',
    ]);
    expect(read).not.toHaveBeenCalled();
  });

  test('with prune, nothing this system added: nothing to remove, the record is forgotten', async () => {
    const entry = left();
    const { plan } = await run({
      entries: [entry],
      mirrored: { [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.jjk, { 1: '25-47' }, {}, null)) },
      prune: true,
    });
    expect(plan.writes.map(payloadOf)).toEqual([{ op: 'forget' }]);
    expect(plan.writes[0]!.reasons).toEqual([
      'left COMPLETED on AniList; its plays stay on Trakt (none of them added by this system)',
    ]);
  });

  test('a movie: the plays this system added', async () => {
    const entry = movie({ status: 'CURRENT', progress: 0 });
    const state: PlaysState = { kind: 'plays', movie: TRAKT.movie, eps: {}, added: {}, movieAdded: 2, at: AT };
    const { plan } = await run({
      entries: [entry],
      mirrored: { [`plays:${MEDIA.movie}`]: record(entry, state) },
      prune: true,
    });
    expect(plan.writes.map(payloadOf)).toEqual([
      { op: 'remove_plays', movie: TRAKT.movie, episodes: [], movieTimes: 2, at: AT },
    ]);
  });

  test('TRAKT_PROGRESS: back to CURRENT at episode 5, the plays this system added past it go', async () => {
    const entry = left();
    const { plan } = await run({
      entries: [entry],
      mirrored: {
        [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '25-47' }, 'unknown')),
      },
      prune: true,
      rules: { progress: true },
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    expect(plan.writes).toEqual([
      expect.objectContaining({
        kind: 'remove',
        target: `Trakt show ${TRAKT.jjk} S1E30–47`,
        payload: {
          op: 'remove_plays',
          show: TRAKT.jjk,
          episodes: range(1, 30, 47),
          at: 'unknown',
          // What is left ours afterwards: the removed plays are no longer listed, so they are never removed twice.
          after: showPlays(TRAKT.jjk, { 1: '25-29' }, { 1: '25-29' }, 'unknown'),
        },
      }),
    ]);
  });

  test('TRAKT_PROGRESS: after that removal, the next run removes nothing more', async () => {
    const entry = left();
    const rules = { progress: true };
    const mirrored = {
      [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '25-47' }, 'unknown')),
    };
    const first = await run({
      entries: [entry],
      mirrored,
      prune: true,
      rules,
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    const after = (payloadOf(first.plan.writes[0]) as { after: PlaysState }).after;
    // The user watches 30–47 again themselves; a full run must leave those plays alone.
    const { plan } = await run({
      entries: [entry],
      full: true,
      mirrored: { [`plays:${MEDIA.jjk2}`]: record(entry, after) },
      prune: true,
      rules,
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    expect(plan.writes).toEqual([]);
  });

  test('without prune, plays past the progress stay, and stay listed as ours', async () => {
    const entry = left();
    const { plan } = await run({
      entries: [entry],
      full: true,
      mirrored: {
        [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '25-47' }, AT)),
      },
      rules: { progress: true },
      account: { shows: { [TRAKT.jjk]: played(1, 25, 47) } },
    });
    expect(plan.writes).toEqual([]);
    expect(plan.unchanged).toEqual([
      expect.objectContaining({ state: showPlays(TRAKT.jjk, { 1: '25-29' }, { 1: '25-47' }, AT) }),
    ]);
  });

  test("a placement moved to another show: the old show's plays are not listed as ours on the new one", async () => {
    const entry = jjk2();
    const { plan } = await run({
      entries: [entry],
      full: true,
      mirrored: {
        [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.fallbackShow, { 2: '1-13' }, { 2: '1-13' }, AT)),
      },
      account: { shows: { [TRAKT.jjk]: played(1, 25, 46) } },
    });
    expect(plan.writes).toHaveLength(1);
    expect((payloadOf(plan.writes[0]) as { after: PlaysState }).after).toEqual(
      showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '47' }, AT),
    );
  });
});

describe('planTrakt: skips and deferral', () => {
  const skips: [name: string, entry: AniListEntry, rules: Partial<TraktRules>, reason: string, detail: string][] = [
    [
      'a private entry, without MIRROR_PRIVATE',
      jjk2({ private: true }),
      {},
      'private',
      'private on AniList (set MIRROR_PRIVATE=true to mirror it)',
    ],
    [
      'an unknown status',
      jjk2({ status: 'REWATCHING_LATER' }),
      {},
      'unknown_status',
      'unknown AniList status "REWATCHING_LATER"',
    ],
    [
      'TRAKT_UNKNOWN_DATE=skip and no full completion date',
      jjk2({ completedAt: { year: 2023, month: null, day: null } }),
      { unknownDate: 'skip' },
      'no_date',
      'no full completion date on AniList, and TRAKT_UNKNOWN_DATE=skip',
    ],
    [
      'an entry that cannot be placed',
      entryOf(MEDIA.twoMovies, { status: 'COMPLETED', format: 'MOVIE', episodes: 1 }),
      {},
      'ambiguous',
      'the dataset names 2 TMDB movies (111, 222)',
    ],
  ];

  test.each(skips)('skipped: %s', async (_name, entry, rules, reason, detail) => {
    const { plan, read } = await run({ entries: [entry], full: false, rules });
    expect(plan.writes).toEqual([]);
    expect(plan.skipped).toEqual([
      { anilistEntryId: entry.id, mediaId: entry.mediaId, title: entry.title, reason, detail },
    ]);
    expect(TRAKT_SKIP_LABELS[reason]).toEqual(expect.any(String));
    expect(read).not.toHaveBeenCalled();
    expect(plan.review).toEqual([expect.stringContaining(`(AniList ${entry.mediaId}) → `)]);
  });

  test('MIRROR_PRIVATE: a private entry is mirrored', async () => {
    const { plan } = await run({ entries: [jjk2({ private: true })], full: true, rules: { mirrorPrivate: true } });
    expect(plan.skipped).toEqual([]);
    expect(plan.writes).toHaveLength(1);
  });

  test('TRAKT_UNKNOWN_DATE=skip: an entry with a full date is written', async () => {
    const { plan } = await run({ entries: [jjk2()], full: true, rules: { unknownDate: 'skip' } });
    expect(plan.skipped).toEqual([]);
    expect(payloadOf(plan.writes[0])).toMatchObject({ at: AT });
  });

  test('an unplaceable entry with records keeps them: nothing removed on a guess', async () => {
    const entry = entryOf(MEDIA.halfMapped, { status: 'CURRENT', episodes: 12, progress: 3 });
    const { plan } = await run({
      entries: [entry],
      full: true,
      prune: true,
      mirrored: { 'plays:30003': record(entry, showPlays(TRAKT.jjk, { 1: '1-3' }, { 1: '1-3' }, AT)) },
    });
    expect(plan.writes).toEqual([]);
  });

  test('the time is up: the entries not yet planned are deferred, newest first planned', async () => {
    let clock = 0;
    const newest = solo({ updatedAt: 300 });
    const middle = jjk2({ updatedAt: 200 });
    const oldest = movie({ updatedAt: 100 });
    const { plan } = await run({
      entries: [oldest, newest, middle],
      full: true,
      stopAt: { now: () => clock++, stopAt: () => 1 },
    });
    expect(plan.writes.map((w) => w.key)).toEqual([`plays:${MEDIA.solo}`]);
    expect(plan.deferred).toEqual([middle, oldest]);
  });

  test('with time left nothing is deferred', async () => {
    const { plan } = await run({ entries: [solo(), jjk2()], full: true, stopAt: { now: () => 0, stopAt: () => 1 } });
    expect(plan.deferred).toBeUndefined();
    expect(plan.writes).toHaveLength(2);
  });

  test('the mapping review lists every placed entry in plain words', async () => {
    const entry = jjk2({ title: 'Jujutsu Kaisen 2nd Season' });
    const { plan } = await run({ entries: [entry], full: true });
    expect(plan.review).toEqual([
      `Jujutsu Kaisen 2nd Season (AniList ${MEDIA.jjk2}) → Trakt show "Jujutsu Kaisen" [${TRAKT.jjk}] S1E25–47 (anibridge)`,
    ]);
  });
});

describe('planTrakt: TRAKT_PROGRESS with the rensetsu fallback', () => {
  test('a CURRENT entry placed by the fallback gets plays for 1..progress of its season', async () => {
    const entry = entryOf(888_600, {
      status: 'CURRENT',
      idMal: FALLBACK_MAL.fits,
      episodes: 13,
      progress: 5,
      score: 70,
    });
    const { plan } = await run({ entries: [entry], full: true, rules: { progress: true } });
    // Skipped before the fix ("season 2 … has 13 episodes, not 5"), and its rating with it.
    expect(plan.skipped).toEqual([]);
    expect(plan.writes.filter((w) => w.key.startsWith('plays:')).map((w) => w.target)).toEqual([
      `Trakt show ${TRAKT.fallbackShow} S2E1–5`,
    ]);
    expect(plan.writes.filter((w) => w.key.startsWith('rating:'))).toHaveLength(1);
  });
});

describe('planTrakt: full runs report what Trakt holds (actual)', () => {
  test('records are trimmed to what Trakt still has; a rating the user changed is no longer ours', async () => {
    const entry = jjk2({ score: 0 });
    const other = solo({ score: 85 });
    const { plan } = await run({
      entries: [entry, other],
      full: true,
      mirrored: {
        [`plays:${MEDIA.jjk2}`]: record(entry, showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '25-47' }, AT)),
        [`rating:show:${TRAKT.solo}`]: record(other, rated(9, true)),
        'rating:movie:424242': record(other, rated(5, true)),
      },
      account: {
        shows: { [TRAKT.jjk]: played(1, 25, 30), [TRAKT.solo]: played(1, 1, 28) },
        ratings: { [`show:${TRAKT.solo}`]: 6 },
      },
    });
    expect(plan.actual).toEqual(
      new Map<string, unknown>([
        [`plays:${MEDIA.jjk2}`, showPlays(TRAKT.jjk, { 1: '25-30' }, { 1: '25-47' }, AT)],
        [`rating:show:${TRAKT.solo}`, rated(6, false)],
      ]),
    );
  });
});

describe('planTraktRemovals (entries deleted on AniList)', () => {
  const orphan = (key: string, state: PlaysState | RatingState): Orphan => ({
    key,
    record: { title: 'Gone', anilistEntryId: 1, mediaId: 2, state, written: true },
  });

  const cases: [name: string, orphan: Orphan, target: string, payload: TraktWritePayload][] = [
    [
      'a rating this system set: unrated',
      orphan(`rating:season:${TRAKT.aot}:2`, rated(7, true)),
      `Trakt season:${TRAKT.aot}:2`,
      { op: 'unrate', ratingKey: `season:${TRAKT.aot}:2`, rating: 7 },
    ],
    [
      "the user's own rating: only forgotten",
      orphan(`rating:show:${TRAKT.solo}`, rated(9, false)),
      `Trakt show:${TRAKT.solo}`,
      { op: 'forget' },
    ],
    [
      'plays: only those this system added',
      orphan('plays:2', showPlays(TRAKT.jjk, { 1: '25-47' }, { 1: '40-47' }, AT)),
      `Trakt show ${TRAKT.jjk} S1E40–47`,
      { op: 'remove_plays', show: TRAKT.jjk, episodes: range(1, 40, 47), at: AT },
    ],
    [
      'plays over two seasons',
      orphan('plays:2', showPlays(TRAKT.onePiece, { 1: '1-61', 2: '62-65' }, { 1: '60-61', 2: '62-65' }, 'unknown')),
      `Trakt show ${TRAKT.onePiece} S1E60–61, S2E62–65`,
      { op: 'remove_plays', show: TRAKT.onePiece, episodes: [...range(1, 60, 61), ...range(2, 62, 65)], at: 'unknown' },
    ],
    [
      'plays of which this system added none: only forgotten',
      orphan('plays:2', showPlays(TRAKT.jjk, { 1: '25-47' }, {}, null)),
      `Trakt show ${TRAKT.jjk}`,
      { op: 'forget' },
    ],
    [
      'a movie this system played twice',
      orphan('plays:2', { kind: 'plays', movie: TRAKT.movie, eps: {}, added: {}, movieAdded: 2, at: AT }),
      `Trakt movie ${TRAKT.movie}`,
      { op: 'remove_plays', movie: TRAKT.movie, episodes: [], movieTimes: 2, at: AT },
    ],
    [
      'a movie the user had played: only forgotten',
      orphan('plays:2', { kind: 'plays', movie: TRAKT.movie, eps: {}, added: {}, at: null }),
      `Trakt movie ${TRAKT.movie}`,
      { op: 'forget' },
    ],
  ];

  test.each(cases)('%s', (_name, o, target, payload) => {
    expect(planTraktRemovals([o])).toEqual([
      { kind: 'remove', key: o.key, title: 'Gone', reasons: ['deleted on AniList'], target, payload },
    ]);
  });
});

describe('planTrakt: plays that cannot be written do not cost the rest', () => {
  test('TRAKT_UNKNOWN_DATE=skip: no plays for an undated entry, but its rating goes and its plays already there stay', async () => {
    const entry = solo({ score: 85, completedAt: { year: 2023, month: null, day: null } });
    const { plan } = await run({
      entries: [entry],
      full: true,
      rules: { unknownDate: 'skip' },
      prune: true,
      mirrored: { [`plays:${MEDIA.solo}`]: record(entry, showPlays(TRAKT.solo, { 1: '1-28' }, { 1: '1-28' }, AT)) },
      account: { shows: { [TRAKT.solo]: played(1, 1, 28) } },
    });
    expect(plan.writes.map((w) => [w.key, payloadOf(w).op])).toEqual([[`rating:show:${TRAKT.solo}`, 'rate']]);
    expect(plan.skipped).toEqual([]);
    expect(plan.notes).toEqual([
      expect.objectContaining({
        kind: 'no_plays',
        detail: expect.stringMatching(/^rated, but no plays: no full completion date/),
      }),
    ]);
    expect(plan.review?.[0]).toMatch(/; no plays: no full completion date on AniList, and TRAKT_UNKNOWN_DATE=skip$/);
  });

  test('without a score it is skipped, as before, with the reason', async () => {
    const entry = solo({ completedAt: { year: 2023, month: null, day: null } });
    const { plan } = await run({ entries: [entry], full: true, rules: { unknownDate: 'skip' } });
    expect(plan.writes).toEqual([]);
    expect(plan.skipped).toEqual([expect.objectContaining({ reason: 'no_date' })]);
  });
});

describe('planTrakt: one entry per rating target', () => {
  test('two entries on one movie: the most recently updated one rates it, the other is reported', async () => {
    const older = movie({ score: 60, updatedAt: 100 });
    const newer = entryOf(888_013, { status: 'COMPLETED', format: 'MOVIE', episodes: 1, score: 90, updatedAt: 200 });
    const { plan } = await run({
      entries: [older, newer],
      full: true,
      overrides: { '888013': { movie: TRAKT.movie } },
      account: { movies: { [TRAKT.movie]: 1 } },
    });
    const rates = plan.writes.filter((w) => payloadOf(w).op === 'rate');
    expect(rates.map((w) => [w.key, w.entry?.id, payloadOf(w)])).toEqual([
      [`rating:movie:${TRAKT.movie}`, newer.id, expect.objectContaining({ rating: 9 })],
    ]);
    expect(plan.notes).toEqual([
      expect.objectContaining({
        title: older.title,
        kind: 'not_rated',
        detail: expect.stringContaining(`movie:${TRAKT.movie}`),
      }),
    ]);
  });
});

describe('planTrakt: a show placed without a TMDB id (override or fallback)', () => {
  test('an entry covering one of its seasons rates that season, not the whole show', async () => {
    const entry = entryOf(888_050, { status: 'COMPLETED', episodes: 13, score: 80, completedAt: DAY });
    const { plan } = await run({
      entries: [entry],
      full: true,
      overrides: { '888050': { show: TRAKT.fallbackShow, season: 2, episodes: '1-13' } },
      account: { shows: { [TRAKT.fallbackShow]: played(2, 1, 13) } },
    });
    expect(plan.writes.map((w) => w.key)).toEqual([`rating:season:${TRAKT.fallbackShow}:2`]);
  });
});
