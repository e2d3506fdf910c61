import type { TraktFaultSpec } from '../../../local/sandbox/trakt';
import { formatReport } from '../../../shared/sync/report';
import { resultOf } from '../../support/reports';
import {
  authorizeAll,
  completeJujutsuKaisen,
  doubledPlays,
  episodeKeyOf,
  holdingsOf,
  JJK_SHOW,
  ratingsReported,
  SAMPLE_TRAKT_PLAYS,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktPosts,
  traktRatings,
  traktSection,
} from '../../support/trakt';

const MINUTE = 60_000;

/** Every episode and movie on the sandbox Trakt has at most one play (read from the sandbox's own state). */
function expectNothingDoubled(system: TraktTestSystem): void {
  expect(doubledPlays(system)).toEqual({});
  expect(system.trakt!.state.episodePlays().filter((e) => e.plays > 1)).toEqual([]);
}

/**
 * Trakt never de-duplicates a play, and a history POST whose answer is lost may have been applied.
 * Whatever the network does, the plays on Trakt converge to exactly what the list requires.
 */
describe('Trakt faults during a sync', () => {
  let system: TraktTestSystem;
  afterEach(async () => {
    await system.close();
  });

  test.each<[string, TraktFaultSpec]>([
    ['a reset', { route: 'history_add', kind: 'lost' }],
    ['a 502', { route: 'history_add', kind: 'lost', status: 502 }],
    ['a 429 with Retry-After', { route: 'history_add', kind: 'lost', status: 429, retryAfterSeconds: 5 }],
    ['a reset, on both batches', { route: 'history_add', kind: 'lost', times: 2 }],
  ])('a history write applied but answered by %s: the first sync converges with no play twice', async (_, fault) => {
    system = await startTraktSystem();
    system.trakt!.faults.inject(fault);
    const report = await authorizeAll(system);
    expect(system.trakt!.faults.pending()).toBe(0);
    const trakt = traktSection(report);
    expect(trakt).toMatchObject({ status: 'ok', failures: [], retryQueue: 0 });
    expectNothingDoubled(system);
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    // The lost batch was checked against its shows' history (beyond the one full read), not sent again.
    expect(traktPosts(system)['POST /sync/history']).toBe(2);
    expect(system.trakt!.counters.byRoute['GET /sync/history']).toBeGreaterThan(1);

    // The next runs add nothing either.
    system.clock.advance(15 * MINUTE);
    await system.runSync();
    system.clock.advance(25 * 60 * MINUTE);
    expect(resultOf(await system.runSync(), 'trakt')).toMatchObject({ mode: 'full', written: 0 });
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
  });

  test('a 429 storm on history writes: the run gives up on the batch, pauses Trakt, says what is left, and the run after the pause finishes', async () => {
    system = await startTraktSystem();
    system.trakt!.faults.inject([
      // The first batch is applied but answered 429; the second is refused five times in a row,
      // more than one run's three checks.
      { route: 'history_add', kind: 'lost', status: 429, retryAfterSeconds: 2 },
      { route: 'history_add', kind: 429, retryAfterSeconds: 3, times: 5 },
    ]);
    const first = await authorizeAll(system);
    const trakt = traktSection(first);
    expect(first.status).toBe('partial');
    expect(trakt).toMatchObject({ status: 'partial', mode: 'full' });
    expect(trakt.failures.length).toBeGreaterThan(0);
    for (const failure of trakt.failures) {
      expect(failure).toMatchObject({ permanent: false, target: expect.stringMatching(/^Trakt (show|movie) /) });
      expect(failure.error).toMatch(
        /^3 tries got no clear answer from Trakt \(last: .*HTTP 429.*\); left for the next run/,
      );
    }
    for (const failure of trakt.failures) expect(failure.error).toMatch(/HTTP 429/);
    // Those were three 429s in a row (each batch's write is tried three times): the throttle breaker
    // stops Trakt for this run (the ratings wait too) and pauses it for the next one.
    expect(trakt.throttled).toEqual({ skippedRun: false, skipRuns: 1 });
    expect(trakt.retryQueue).toBeGreaterThan(new Set(trakt.failures.map((f) => f.title)).size);
    expect(traktPosts(system)['POST /sync/ratings']).toBeUndefined();
    // The console report says it, entry by entry.
    const printed = formatReport(first, { maxLines: 200 });
    expect(printed).toMatch(/^Sync finished with work left for the next run/);
    expect(printed).toContain('Trakt is throttling; paused: no more writes this run, skipping the next run;');
    expect(printed).toContain(`failed writes: ${trakt.failures.length} (kept for the next run: ${trakt.retryQueue})`);
    for (const f of trakt.failures) expect(printed).toContain(`✗ ${f.title} (${f.target}): `);
    expectNothingDoubled(system);
    // What was written is the oracle minus the failed entries' plays.
    const held = traktHoldings(system);
    for (const [key, plays] of Object.entries(held))
      expect([key, plays]).toEqual([key, holdingsOf(SAMPLE_TRAKT_PLAYS)[key]]);
    expect(Object.keys(held).length).toBeLessThan(Object.keys(holdingsOf(SAMPLE_TRAKT_PLAYS)).length);

    // The next run sits the pause out; two more 429s wait for the one after: it still converges, within the run.
    system.clock.advance(15 * MINUTE);
    const posts = traktPosts(system);
    expect(resultOf(await system.runSync(), 'trakt')).toMatchObject({ status: 'partial', written: 0 });
    expect(traktSection(system.reports.at(-1)).throttled).toEqual({ skippedRun: true, skipRuns: 0 });
    expect(traktPosts(system)).toEqual(posts);
    system.clock.advance(15 * MINUTE);
    const second = await system.runSync();
    expect(second).toMatchObject({ status: 'ok' });
    expect(resultOf(second, 'trakt')).toMatchObject({ status: 'ok', retryQueue: 0 });
    expect(system.trakt!.faults.pending()).toBe(0);
    expectNothingDoubled(system);
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    expect(traktRatings(system)).toEqual(ratingsReported(trakt));
  });

  test('429s with Retry-After on every read and on the ratings write are waited out; the run converges', async () => {
    system = await startTraktSystem();
    const storm = (route: TraktFaultSpec['route']): TraktFaultSpec => ({
      route,
      kind: 429,
      retryAfterSeconds: 7,
      times: 3,
    });
    // Three in a row per route: one short of the four attempts a request gets.
    system.trakt!.faults.inject(
      (['last_activities', 'history', 'ratings', 'search', 'seasons', 'ratings_add'] as const).map(storm),
    );
    const started = system.clock.now();
    const report = await authorizeAll(system);
    expect(system.trakt!.faults.pending()).toBe(0);
    expect(traktSection(report)).toMatchObject({ status: 'ok', failures: [] });
    expectNothingDoubled(system);
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    expect(traktRatings(system)).toEqual(ratingsReported(traktSection(report)));
    // Each 429 was waited out for its Retry-After (on the run's clock).
    expect(system.clock.now() - started).toBeGreaterThanOrEqual(6 * 3 * 7_000);
  });

  test('a read storm longer than a request’s retries: the destination fails, says why, and the edit lands next run', async () => {
    system = await startTraktSystem();
    await authorizeAll(system);
    system.clock.advance(15 * MINUTE);
    completeJujutsuKaisen(system);
    system.trakt!.faults.inject({ route: 'last_activities', kind: 429, retryAfterSeconds: 30, times: 4 });
    system.trakt!.resetCounters();
    const failed = await system.runSync();
    expect(failed).toBeUndefined(); // the Lambda fails, so that an alarm sees it
    const report = system.reports.at(-1)!;
    expect(report.status).toBe('failed');
    expect(traktSection(report)).toMatchObject({ status: 'failed', error: expect.stringMatching(/429/) });
    expect(traktPosts(system)).toEqual({});

    system.clock.advance(15 * MINUTE);
    const next = await system.runSync();
    expect(resultOf(next, 'trakt')).toMatchObject({ status: 'ok', written: 1, retryQueue: 0 });
    expectNothingDoubled(system);
    for (let e = 1; e <= 24; e++) {
      expect(traktHoldings(system)[episodeKeyOf(JJK_SHOW, 1, e)]).toEqual(['2026-03-01T12:00:00.000Z']);
    }
  });
});
