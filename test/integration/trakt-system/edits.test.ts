import type { TraktHistoryItemInput } from '../../../local/sandbox/trakt';
import { resultOf } from '../../support/reports';
import {
  authorizeAll,
  completeJujutsuKaisen,
  episodeKeyOf,
  episodePlay,
  holdingsAfterJjkCompleted,
  holdingsOf,
  JJK_SHOW,
  SAMPLE_TRAKT_PLAYS,
  sampleEntry,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktPosts,
  traktRatings,
  traktSection,
} from '../../support/trakt';

const MINUTE = 60_000;

/** AniList edits after the first sync: each reaches Trakt as exactly what it changes, and nothing twice. */
describe('AniList edits mirrored to Trakt', () => {
  let system: TraktTestSystem;
  beforeEach(async () => {
    system = await startTraktSystem();
    await authorizeAll(system);
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    system.clock.advance(15 * MINUTE);
    system.trakt!.resetCounters();
  });
  afterEach(async () => {
    await system.close();
  });

  test('a score change writes only that rating', async () => {
    const ratings = traktRatings(system);
    const entry = sampleEntry(system, 9253); // Steins;Gate, 95 → 10 on Trakt
    system.anilist!.store.upsertEntry({ id: entry.id, score: 70 });
    const result = await system.runSync();
    expect(resultOf(result, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok', written: 1 });
    expect(traktSection(system.reports.at(-1)).writes).toEqual([
      expect.objectContaining({ key: 'rating:show:42285', target: 'Trakt show:42285', reasons: ['rating 10 → 7'] }),
    ]);
    expect(traktPosts(system)).toEqual({ 'POST /sync/ratings': 1 });
    expect(traktRatings(system)).toEqual({ ...ratings, 'show:42285': 7 });
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
  });

  test('an entry moved to COMPLETED gets exactly its missing plays, on a show another entry shares', async () => {
    // The user logged Jujutsu Kaisen's first three episodes on Trakt themselves.
    const own = '2024-10-05T21:00:00.000Z';
    const state = system.trakt!.state;
    state.setHistory([
      ...(state.history() as unknown as TraktHistoryItemInput[]),
      ...[1, 2, 3].map((n) => episodePlay(JJK_SHOW, 1, n, own)),
    ]);
    system.clock.advance(MINUTE);
    completeJujutsuKaisen(system); // CURRENT at 20 of 24 until now
    const result = await system.runSync();
    expect(resultOf(result, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok', written: 1 });
    expect(traktSection(system.reports.at(-1)).writes).toEqual([
      expect.objectContaining({
        key: 'plays:113415',
        target: `Trakt show ${JJK_SHOW} S1E4–24`,
        reasons: ['21 plays on S1E4–24 (watched 2026-03-01)'],
      }),
    ]);
    expect(traktPosts(system)).toEqual({ 'POST /sync/history': 1 });
    const expected = holdingsAfterJjkCompleted();
    for (let e = 1; e <= 3; e++) expected[episodeKeyOf(JJK_SHOW, 1, e)] = [own];
    expect(traktHoldings(system)).toEqual(expected);
    // The 2nd season's episodes 25–47, already played, are untouched.
    for (let e = 1; e <= 47; e++) expect(state.playsOf(JJK_SHOW, 1, e)).toBe(1);

    // And the next run has nothing left to do.
    system.clock.advance(15 * MINUTE);
    system.trakt!.resetCounters();
    expect(resultOf(await system.runSync(), 'trakt')).toMatchObject({ written: 0 });
    expect(system.trakt!.counters.requests).toBe(0);
  });

  test('a completed entry’s completion date changed adds no play (nothing twice)', async () => {
    const entry = sampleEntry(system, 9253); // Steins;Gate, completed 2017-01-29
    system.anilist!.store.upsertEntry({ id: entry.id, completedAt: { year: 2017, month: 2, day: 5 } });
    const result = await system.runSync();
    expect(resultOf(result, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok', written: 0 });
    expect(traktPosts(system)).toEqual({});
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    for (let e = 1; e <= 24; e++) expect(system.trakt!.state.playsOf(42285, 1, e)).toBe(1);

    // The daily full reconcile, which reads the whole history, agrees: nothing to add.
    system.clock.advance(25 * 60 * MINUTE);
    system.trakt!.resetCounters();
    const full = await system.runSync();
    expect(resultOf(full, 'trakt')).toMatchObject({ mode: 'full', status: 'ok', written: 0 });
    expect(traktPosts(system)).toEqual({});
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
  });
});
