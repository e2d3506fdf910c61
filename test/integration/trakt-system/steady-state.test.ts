import { resultOf, sectionOf } from '../../support/reports';
import {
  authorizeAll,
  holdingsOf,
  SAMPLE_TRAKT_PLAYS,
  sampleEntry,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktRatings,
  traktSection,
} from '../../support/trakt';

const MINUTE = 60_000;

/**
 * The core guarantee, with Trakt: once the list is mirrored, a run with nothing new on AniList
 * costs exactly one AniList request and no request to any destination (sandbox counters, which
 * count what reached the servers, whatever the worker believes it sent).
 */
describe('steady state with Trakt', () => {
  let system: TraktTestSystem;
  afterEach(async () => {
    await system.close();
  });

  test('DESTINATIONS=trakt: a run with no AniList changes costs 1 AniList request and 0 Trakt requests', async () => {
    system = await startTraktSystem();
    await authorizeAll(system);
    system.clock.advance(15 * MINUTE);
    system.anilist!.resetCounters();
    system.trakt!.resetCounters();
    const result = await system.runSync();
    expect(result).toMatchObject({ status: 'ok', source: { mode: 'incremental' } });
    expect(resultOf(result, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok', written: 0, retryQueue: 0 });
    expect(system.anilist!.counters.requests).toBe(1);
    expect(system.trakt!.counters.requests).toBe(0);
    // The worker's own view agrees: 1 AniList request, the one state object read from S3, and the run's
    // report written (reports/, for npm run status).
    expect(system.counters.snapshot()).toEqual({ anilist: 1, s3_get: 1, s3_put: 1 });
  });

  test('an AniList edit that changes nothing Trakt holds costs no Trakt request', async () => {
    system = await startTraktSystem();
    await authorizeAll(system);
    const holdings = traktHoldings(system);
    const ratings = traktRatings(system);
    system.clock.advance(15 * MINUTE);
    // Steins;Gate: 95 → 96 is still 10 on Trakt, and notes are not mirrored to Trakt.
    const entry = sampleEntry(system, 9253);
    system.anilist!.store.upsertEntry({ id: entry.id, score: 96, notes: 'El Psy Kongroo' });
    system.anilist!.resetCounters();
    system.trakt!.resetCounters();
    const result = await system.runSync();
    expect(resultOf(result, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok', written: 0, unchanged: 2 });
    expect(system.anilist!.counters.requests).toBe(1);
    expect(system.trakt!.counters.requests).toBe(0);
    expect(traktHoldings(system)).toEqual(holdings);
    expect(traktRatings(system)).toEqual(ratings);
  });

  test('DESTINATIONS=mal,trakt: a run with no AniList changes costs 1 AniList, 0 MAL and 0 Trakt requests', async () => {
    system = await startTraktSystem({ destinations: 'mal,trakt' });
    expect(system.authTargets.map((t) => t.label)).toEqual(['MyAnimeList', 'Trakt']);
    const last = await authorizeAll(system);
    // After both approvals, both destinations are mirrored.
    expect(sectionOf(last, 'trakt')).toMatchObject({ status: 'ok', mode: 'full' });
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    expect(system.reports.some((r) => sectionOf(r, 'mal').status === 'ok')).toBe(true);

    system.clock.advance(15 * MINUTE);
    system.anilist!.resetCounters();
    system.mal!.resetCounters();
    system.trakt!.resetCounters();
    const result = await system.runSync();
    expect(result).toMatchObject({ status: 'ok', source: { mode: 'incremental' } });
    expect(resultOf(result, 'mal')).toMatchObject({ mode: 'incremental', status: 'ok', written: 0 });
    expect(resultOf(result, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok', written: 0 });
    expect(system.anilist!.counters.requests).toBe(1);
    expect(system.mal!.counters.requests).toBe(0);
    expect(system.trakt!.counters.requests).toBe(0);
    // The one PUT is the run's report (reports/, for npm run status).
    expect(system.counters.snapshot()).toEqual({ anilist: 1, s3_get: 2, s3_put: 1 });
    expect(traktSection(system.reports.at(-1)).writes).toEqual([]);
  });
});
