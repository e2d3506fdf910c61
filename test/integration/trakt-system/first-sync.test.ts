import { REVIEW_KEY } from '../../../shared/destinations/trakt/destination';
import {
  approveDestination,
  authorizeAll,
  episodePlay,
  type Holdings,
  holdingsOf,
  JJK_SHOW,
  moviePlay,
  ratingsReported,
  SAMPLE_TRAKT_PLAYS,
  sampleEntry,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktPosts,
  traktRatings,
  traktSection,
} from '../../support/trakt';

const AOT = 1420;

/**
 * The first sync of a Trakt-only user, as they run it: the reauth email, its Trakt link approved on
 * the sandbox Trakt's consent page, and the full run the callback starts. What lands on Trakt is
 * compared with a hand-written oracle of the sample list (test/support/trakt.ts), read from the
 * sandbox's own state.
 */
describe('first sync to Trakt (DESTINATIONS=trakt)', () => {
  let system: TraktTestSystem;
  afterEach(async () => {
    await system.close();
  });

  test('the email authorizes Trakt and the first full run writes exactly the plays the mapping requires', async () => {
    system = await startTraktSystem();
    const mail = await system.runMailer();
    expect(mail).toMatchObject({ sent: true, destinations: [{ destination: 'trakt', reason: 'no_tokens' }] });
    expect(system.authTargets.map((t) => t.label)).toEqual(['Trakt']);
    const report = await approveDestination(system, 'Trakt');

    expect(report).toMatchObject({ status: 'ok', source: { mode: 'full' } });
    const trakt = traktSection(report);
    expect(trakt).toMatchObject({ mode: 'full', status: 'ok', failures: [], retryQueue: 0 });

    // Exactly the oracle: every required play once, with its watched_at, and nothing else on Trakt.
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));

    // Jujutsu Kaisen 2nd Season: TMDB's season 1 episodes 25–47, never 1–24 or a season 2.
    const state = system.trakt!.state;
    for (let e = 1; e <= 47; e++) expect([e, state.playsOf(JJK_SHOW, 1, e)]).toEqual([e, e >= 25 ? 1 : 0]);
    const jjk2 = state
      .history()
      .filter((i) => (i.show as { ids: { trakt: number } } | undefined)?.ids.trakt === JJK_SHOW);
    expect(new Set(jjk2.map((i) => i.watched_at))).toEqual(new Set(['2023-12-28T12:00:00.000Z']));
    // Shingeki no Kyojin Season 3 Part 2: season 3 episodes 13–22 (the fallback's season 4 is refused).
    for (let e = 13; e <= 22; e++) expect(state.playsOf(AOT, 3, e)).toBe(1);
    for (let e = 1; e <= 28; e++) expect(state.playsOf(AOT, 4, e)).toBe(0);
    // Movies: one play each.
    expect(state.playsOfMovie({ trakt: 97 })).toBe(1);
    expect(state.playsOfMovie({ tmdb: 372058 })).toBe(1);
    expect(state.playsOfMovie({ tmdb: 11299 })).toBe(0); // Cowboy Bebop: The Movie is not on the list

    // The unmappable entry is skipped, with a reason a person can act on.
    expect(trakt.skipped).toEqual([
      expect.objectContaining({
        mediaId: 900001,
        title: 'Sandbox Original: Hoshizora Donghua',
        reason: 'unmapped',
        detail: expect.stringMatching(/AniList 900001.*TRAKT_ID_OVERRIDES/),
      }),
    ]);
    // The report names each entry's plays in words.
    expect(trakt.writes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: 'plays:145064',
          target: `Trakt show ${JJK_SHOW} S1E25–47`,
          reasons: ['23 plays on S1E25–47 (watched 2023-12-28)'],
        }),
        expect.objectContaining({ key: 'plays:104578', reasons: ['10 plays on S3E13–22 (watched 2019-07-01)'] }),
        expect.objectContaining({ key: 'plays:1535', reasons: ['37 plays on S1E1–37 (date unknown)'] }),
      ]),
    );

    // Ratings: what the report says it set is exactly what Trakt holds.
    const ratings = traktRatings(system);
    expect(ratings).toEqual(ratingsReported(trakt));
    // Spot checks by hand: 100 → 10, 80 → 8 on the season when AniList splits the show, 95 → 10.
    expect(ratings).toMatchObject({ 'show:31771': 10, 'season:1420:1': 8, 'season:1420:2': 8, 'movie:97': 10 });
    // A show other AniList entries share, covered in part: not rated, and the report says why.
    expect(
      Object.keys(ratings).filter((k) => k.startsWith(`show:${JJK_SHOW}`) || k.startsWith(`season:${JJK_SHOW}`)),
    ).toEqual([]);
    expect(trakt.notes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          title: 'Jujutsu Kaisen 2nd Season',
          kind: 'not_rated',
          detail: expect.stringContaining('S1E25–47'),
        }),
      ]),
    );

    // One backup of what Trakt held before the first write: nothing.
    expect(trakt.backupKey).toMatch(/^backups\/trakt-/);
    expect(await system.store.list('backups/')).toEqual([trakt.backupKey]);
    const backup = JSON.parse((await system.store.get(trakt.backupKey!))!.body);
    expect(backup).toMatchObject({ history: [], ratings: [] });

    // Batched writes: 324 plays in two history POSTs, every rating in one.
    expect(traktPosts(system)).toEqual({ 'POST /sync/history': 2, 'POST /sync/ratings': 1 });
  });

  test('plays and ratings already on Trakt are not added again; the backup keeps them', async () => {
    system = await startTraktSystem();
    const user = '2023-11-01T20:00:00.000Z';
    // The user's own history: part of JJK 2nd Season, all of SnK season 1 at another date, Spirited
    // Away twice, and an episode the AniList list does not complete (Frieren).
    system.trakt!.state.setHistory([
      ...[25, 26, 27, 28, 29, 30].map((n) => episodePlay(JJK_SHOW, 1, n, user)),
      ...Array.from({ length: 25 }, (_, i) => episodePlay(AOT, 1, i + 1, '2014-01-01T21:00:00.000Z')),
      moviePlay(97, '2011-01-01T20:00:00.000Z'),
      moviePlay(97, '2012-01-01T20:00:00.000Z'),
      episodePlay(198225, 1, 1, user),
    ]);
    system.trakt!.state.setRatings([
      { type: 'show', rating: 6, rated_at: user, show: { ids: { trakt: 42285 } } },
      { type: 'show', rating: 10, rated_at: user, show: { ids: { trakt: 31771 } } },
    ]);
    const before = traktHoldings(system);

    const report = await authorizeAll(system);
    const trakt = traktSection(report);
    expect(trakt).toMatchObject({ status: 'ok', failures: [] });

    // Expected: the user's plays as they were, plus the oracle's plays for everything not yet played.
    const expected: Holdings = { ...before };
    for (const [key, plays] of Object.entries(holdingsOf(SAMPLE_TRAKT_PLAYS))) expected[key] ??= plays;
    expect(traktHoldings(system)).toEqual(expected);
    expect(system.trakt!.state.playsOfMovie({ trakt: 97 })).toBe(2);
    for (let e = 25; e <= 30; e++) expect(system.trakt!.state.playsOf(JJK_SHOW, 1, e)).toBe(1);
    expect(trakt.writes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'plays:145064', reasons: ['17 plays on S1E31–47 (watched 2023-12-28)'] }),
      ]),
    );
    expect(trakt.writes.map((w) => w.key)).not.toContain('plays:16498');
    expect(trakt.writes.map((w) => w.key)).not.toContain('plays:199');

    // Ratings: AniList is the source; the one that already matches is not sent.
    expect(traktRatings(system)).toMatchObject({ 'show:42285': 10, 'show:31771': 10 });
    expect(trakt.writes).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'rating:show:42285', reasons: ['rating 6 → 10'] })]),
    );
    expect(trakt.writes.map((w) => w.key)).not.toContain('rating:show:31771');

    // The backup holds what was there before the first write.
    const backup = JSON.parse((await system.store.get(trakt.backupKey!))!.body) as {
      history: unknown[];
      ratings: unknown[];
    };
    expect(backup.history).toHaveLength(6 + 25 + 2 + 1);
    expect(backup.ratings).toHaveLength(2);
  });

  test('the mapping review lists each entry’s decision, and an incremental run updates only what it planned', async () => {
    system = await startTraktSystem();
    const report = await authorizeAll(system);
    expect(traktSection(report).reviewKey).toBe(REVIEW_KEY);
    const read = async () =>
      JSON.parse((await system.store.get(REVIEW_KEY))!.body) as { updatedAt: string; entries: Record<string, string> };
    const review = await read();

    // One line per entry of the list the worker read (the private entry is invisible without a token).
    const listed = system
      .anilist!.store.entries()
      .filter((e) => !e.private)
      .map((e) => e.mediaId);
    expect(
      Object.keys(review.entries)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...new Set(listed)].sort((a, b) => a - b));
    // An entry with nothing to mirror says why.
    expect(review.entries['11061']).toMatch(
      /^HUNTER×HUNTER \(2011\) \(AniList 11061\) → nothing to mirror: .*no score/,
    );
    expect(review.entries['140960']).toMatch(/^SPY×FAMILY \(AniList 140960\) → nothing to mirror: /);
    expect(review.entries['145064']).toBe(
      'Jujutsu Kaisen 2nd Season (AniList 145064) → Trakt show "Jujutsu Kaisen" [158594] S1E25–47 (anibridge)',
    );
    expect(review.entries['104578']).toBe(
      'Shingeki no Kyojin Season 3 Part 2 (AniList 104578) → Trakt show "Attack on Titan" [1420] S3E13–22 (anibridge)',
    );
    expect(review.entries['199']).toBe(
      'Sen to Chihiro no Kamikakushi (AniList 199) → Trakt movie "Spirited Away" [97] (anibridge)',
    );
    expect(review.entries['900001']).toMatch(
      /^Sandbox Original: Hoshizora Donghua \(AniList 900001\) → skipped: neither the anibridge dataset nor the fallback knows AniList 900001/,
    );

    // An incremental run rewrites the planned entry's line only.
    system.clock.advance(60_000);
    const hxh = sampleEntry(system, 11061);
    system.anilist!.store.upsertEntry({ id: hxh.id, score: 90 });
    await system.runSync();
    const after = await read();
    expect(after.entries['11061']).toBe(
      'HUNTER×HUNTER (2011) (AniList 11061) → Trakt show "Hunter x Hunter" [64409] S1E1–62, S2E63–136, S3E137–148 (anibridge)',
    );
    expect({ ...after.entries, '11061': undefined }).toEqual({ ...review.entries, '11061': undefined });
    expect(after.updatedAt).not.toBe(review.updatedAt);
  });
});
