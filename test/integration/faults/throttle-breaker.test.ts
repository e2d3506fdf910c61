import { generateAniListEntries } from '../../../local/sandbox/anilist';
import { formatReport, type RunReport } from '../../../shared/sync/report';
import { THROTTLE_MAX_SKIPPED_RUNS, THROTTLE_TRIP_AFTER } from '../../../shared/sync/throttle';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { differingMalIds, patchCount, preMirrorOntoMal } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf, sectionOf } from '../../support/reports';
import { malState } from '../../support/state';
import {
  authorizeAll,
  completeJujutsuKaisen,
  holdingsAfterJjkCompleted,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktPosts,
} from '../../support/trakt';

/*
 * The throttle breaker, over real HTTP against the MAL sandbox: MAL answers every PATCH with a
 * throttle. Before the breaker, 96 planned writes cost 384 PATCHes (4 attempts each, a 1 s
 * Retry-After waited out 3 times per write) and 302 s; now the run stops after
 * THROTTLE_TRIP_AFTER of them, keeps everything for later, and backs off across runs.
 */
const STORM_WRITES = 96;
const MINUTE = 60_000;

/** Edits `count` mapped entries on AniList (new notes), so that each needs exactly one MAL write. */
async function editEntries(system: TestSystem, count: number, tag: string): Promise<void> {
  const mappable = system
    .anilist!.store.entries()
    .filter((e) => e.media?.idMal && !e.private && !e.hiddenFromStatusLists);
  for (const e of mappable.slice(0, count)) system.anilist!.store.upsertEntry({ id: e.id, notes: `${tag} ${e.id}` });
  expect(await differingMalIds(system)).toHaveLength(count);
}

/** One scheduled run through the worker's handler; its report and the PATCHes MAL saw. */
async function run(system: TestSystem): Promise<{ report: RunReport; patches: number; seconds: number }> {
  const before = patchCount(system);
  const started = Date.now();
  await system.runSync();
  return {
    report: system.reports.at(-1)!,
    patches: patchCount(system) - before,
    seconds: (Date.now() - started) / 1000,
  };
}

describe('throttle breaker: MAL throttles every write', () => {
  let system: TestSystem;
  /** Every PATCH MAL answered with a throttle, over the whole story. */
  let throttledPatches = 0;
  beforeAll(async () => {
    system = await startTestSystem({ anilistEntries: generateAniListEntries(120, 11) });
    // MAL already holds the list: the authorization's full run writes nothing.
    await preMirrorOntoMal(system);
    expect(sectionOf(await authorize(system)).applied.written).toBe(0);
  });
  afterAll(async () => {
    await system?.close();
  });

  test(`a 429 storm on ${STORM_WRITES} planned writes: ${THROTTLE_TRIP_AFTER} PATCHes, no waiting, everything kept, "MAL is throttling; paused"`, async () => {
    await editEntries(system, STORM_WRITES, 'storm');
    system.mal!.faults.inject({ route: 'write', kind: 429, retryAfterSeconds: 1, times: 100_000 });

    const { report, patches, seconds } = await run(system);
    throttledPatches += patches;
    // Before the breaker: 384 PATCHes over 302 s.
    expect(patches).toBe(THROTTLE_TRIP_AFTER);
    expect(seconds).toBeLessThan(5);
    const mal = sectionOf(report);
    expect(report.status).toBe('partial');
    expect(mal).toMatchObject({
      status: 'partial',
      planned: { writes: STORM_WRITES },
      applied: { written: 0 },
      retryQueue: STORM_WRITES,
      stoppedEarly: false,
      throttled: { skippedRun: false, skipRuns: 1 },
    });
    expect(mal.failures).toHaveLength(THROTTLE_TRIP_AFTER);
    for (const f of mal.failures) {
      expect(f).toMatchObject({
        permanent: false,
        code: 'mal_rate_limited',
        error: 'MyAnimeList asked to slow down (HTTP 429)',
      });
    }

    // Nothing is lost or parked: every change waits in the retry list and holds the watermark.
    const state = await malState(system.store);
    expect(state.pending).toHaveLength(STORM_WRITES);
    expect(state.pending.every((p) => !p.permanent && p.attempts === 0)).toBe(true);
    expect(state.watermark).toBeLessThan(Math.min(...state.pending.map((p) => p.entry.updatedAt)));
    expect(state.throttled).toMatchObject({ strikes: 1, skipRuns: 1 });

    expect(formatReport(report)).toContain(
      `MAL is throttling; paused: no more writes this run, skipping the next run; tries again on the run after the next one (${STORM_WRITES} entries kept for then)`,
    );
  });

  test(`it backs off across runs: skips 1, 2, 4 … up to ${THROTTLE_MAX_SKIPPED_RUNS} runs, each retry costing one PATCH`, async () => {
    const skipsSeen: number[] = [];
    let skipRuns = 1;
    for (const expectedNext of [2, 4, 8, 16, 16]) {
      for (let left = skipRuns - 1; left >= 0; left--) {
        const anilistBefore = system.anilist!.counters.requests;
        const { report, patches } = await run(system);
        expect(patches).toBe(0);
        // A run with nothing to do but a paused destination does not even read AniList.
        expect(system.anilist!.counters.requests).toBe(anilistBefore);
        expect(sectionOf(report)).toMatchObject({
          status: 'partial',
          retryQueue: STORM_WRITES,
          throttled: { skippedRun: true, skipRuns: left },
        });
      }
      skipsSeen.push(skipRuns);
      // The retry after a pause is a probe: one throttled write trips the breaker again.
      const { report, patches } = await run(system);
      throttledPatches += patches;
      expect(patches).toBe(1);
      expect(sectionOf(report)).toMatchObject({
        applied: { written: 0 },
        retryQueue: STORM_WRITES,
        throttled: { skippedRun: false, skipRuns: expectedNext },
      });
      skipRuns = expectedNext;
    }
    expect(skipsSeen).toEqual([1, 2, 4, 8, 16]);
    expect(skipRuns).toBe(THROTTLE_MAX_SKIPPED_RUNS);
    const { report } = await run(system);
    expect(formatReport(report)).toContain(
      `MAL is throttling; paused: this run skipped it, skipping the next 15 runs; tries again on the run after the next 15 (${STORM_WRITES} entries kept for then)`,
    );
    expect((await malState(system.store)).throttled).toMatchObject({ strikes: 6, skipRuns: 15 });
  });

  test('MAL recovers: the next try applies every change once, and a successful write ends the backoff', async () => {
    system.mal!.faults.clear();
    const before = patchCount(system);
    for (let i = 0; i < 15; i++) expect((await run(system)).patches).toBe(0);
    const { report, patches } = await run(system);
    expect(patches).toBe(STORM_WRITES);
    expect(sectionOf(report)).toMatchObject({ status: 'ok', applied: { written: STORM_WRITES }, retryQueue: 0 });
    expect(sectionOf(report).throttled).toBeUndefined();
    expect((await malState(system.store)).throttled).toBeUndefined();
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);
    // Over the whole storm: each entry written exactly once, besides the throttled PATCHes.
    expect(patchCount(system) - before).toBe(STORM_WRITES);
    expect(throttledPatches).toBe(THROTTLE_TRIP_AFTER + 5);

    // The backoff starts over: a new storm trips after THROTTLE_TRIP_AFTER writes and pauses one run.
    await editEntries(system, 5, 'again');
    system.mal!.faults.inject({ route: 'write', kind: 403, times: 100 });
    const again = await run(system);
    expect(again.patches).toBe(THROTTLE_TRIP_AFTER);
    expect(sectionOf(again.report)).toMatchObject({ retryQueue: 5, throttled: { skippedRun: false, skipRuns: 1 } });
    // MAL's throttling 403 ("forbidden", not `invalid_token`) is a throttle, not a reauth.
    expect(sectionOf(again.report).failures[0]).toMatchObject({
      code: 'mal_rate_limited',
      error: 'MyAnimeList asked to slow down (HTTP 403)',
    });
  });
});

describe('throttle breaker: the other destination carries on', () => {
  let system: TraktTestSystem;
  afterAll(async () => {
    await system?.close();
  });

  test('MAL throttling (403) while Trakt writes: MAL pauses after 3 PATCHes, Trakt applies its change in the same run; MAL catches up after the pause', async () => {
    system = await startTraktSystem({ destinations: 'mal,trakt' });
    await authorizeAll(system);
    expect(await differingMalIds(system)).toEqual([]);
    system.clock.advance(15 * MINUTE);
    // Six MAL writes (five notes and Jujutsu Kaisen completed), one Trakt write (Jujutsu Kaisen's plays).
    const notes = system
      .anilist!.store.entries()
      .filter((e) => e.media?.idMal && !e.private && e.mediaId !== 113415)
      .slice(0, 5);
    for (const e of notes) system.anilist!.store.upsertEntry({ id: e.id, notes: `throttled ${e.id}` });
    completeJujutsuKaisen(system);
    const differing = await differingMalIds(system);
    expect(differing).toHaveLength(6);
    system.mal!.faults.inject({ route: 'write', kind: 403, times: 100 });
    const patchesBefore = patchCount(system);
    system.trakt!.resetCounters();

    const result = await system.runSync();
    const report = system.reports.at(-1)!;
    expect(patchCount(system) - patchesBefore).toBe(THROTTLE_TRIP_AFTER);
    expect(sectionOf(report, 'mal')).toMatchObject({
      status: 'partial',
      applied: { written: 0 },
      retryQueue: 6,
      throttled: { skippedRun: false, skipRuns: 1 },
    });
    expect(resultOf(result, 'trakt')).toMatchObject({ status: 'ok', written: 1, retryQueue: 0 });
    expect(traktPosts(system)).toEqual({ 'POST /sync/history': 1 });
    expect(traktHoldings(system)).toEqual(holdingsAfterJjkCompleted());
    const printed = formatReport(report);
    expect(printed).toContain('  MyAnimeList (incremental): work left for the next run');
    expect(printed).toContain(
      '    MAL is throttling; paused: no more writes this run, skipping the next run; tries again on the run after the next one (6 entries kept for then)',
    );
    expect(printed).toContain('  Trakt (incremental): done');

    // The next run skips MAL; Trakt runs as usual (nothing to do).
    system.clock.advance(15 * MINUTE);
    const skipped = await system.runSync();
    expect(patchCount(system) - patchesBefore).toBe(THROTTLE_TRIP_AFTER);
    expect(resultOf(skipped, 'mal')).toMatchObject({ status: 'partial', written: 0, retryQueue: 6 });
    expect(resultOf(skipped, 'trakt')).toMatchObject({ status: 'ok', written: 0 });

    // MAL recovers: the run after the pause applies the six changes it kept, though Trakt's watermark
    // moved past them two runs ago (MAL's own watermark held them).
    system.mal!.faults.clear();
    system.clock.advance(15 * MINUTE);
    const caughtUp = await system.runSync();
    expect(resultOf(caughtUp, 'mal')).toMatchObject({ status: 'ok', written: 6, retryQueue: 0 });
    expect(resultOf(caughtUp, 'trakt')).toMatchObject({ status: 'ok', written: 0 });
    expect(patchCount(system) - patchesBefore).toBe(THROTTLE_TRIP_AFTER + 6);
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);
    expect(traktHoldings(system)).toEqual(holdingsAfterJjkCompleted());
  });
});
