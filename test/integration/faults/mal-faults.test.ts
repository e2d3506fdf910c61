import { ManualClock } from '../../../shared/clock';
import { KEYS } from '../../../shared/store/store';
import type { RunReport } from '../../../shared/sync/report';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { buildWorker, differingMalIds, patchCount, seededMalFaults, type TestWorker } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf, sectionOf } from '../../support/reports';
import { malState } from '../../support/state';

/*
 * MAL misbehaving while the worker writes: every fault is served by the MAL sandbox over real
 * HTTP. The oracle is independent of the engine: before the run, `differingMalIds` lists the MAL
 * entries the mapping rules say are wrong; afterwards none may be, and the sandbox must have seen
 * exactly one successful PATCH per such entry (its PATCH counter = entries + injected faults).
 */
/** Edits `count` mirrored entries on AniList (new notes), so each needs exactly one MAL write. */
function editEntries(system: TestSystem, count: number, tag: string): void {
  const candidates = system
    .anilist!.store.entries()
    .filter((e) => e.media?.idMal && !e.private)
    .slice(0, count);
  expect(candidates).toHaveLength(count);
  for (const e of candidates) system.anilist!.store.upsertEntry({ id: e.id, notes: `${tag} ${e.id}` });
}

/** Runs until the retry list is empty (bounded), returning every report. */
async function runUntilSettled(worker: TestWorker, maxRuns = 3): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (let i = 0; i < maxRuns; i++) {
    const report = await worker.run();
    reports.push(report);
    expect(report.status).not.toBe('failed');
    if (sectionOf(report).retryQueue === 0 && report.status === 'ok') break;
  }
  return reports;
}

/**
 * Seeded "random" faults on MAL writes (see `seededMalFaults`). One system serves every seed: each
 * case edits its own entries and ends converged, which it asserts.
 */
describe('seeded random MAL write faults', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
    await authorize(system);
  });
  afterAll(async () => {
    await system?.close();
  });

  // Since the throttle breaker (shared/sync/throttle.ts), a throttled write is not retried in the
  // request: it stays in the retry list, and three in a row pause MAL for a run or more.
  test.each([[1], [7], [2]])(
    'seed %i: 429s with Retry-After 1 s: each throttled write waits in the retry list, no time is spent waiting; nothing lost or written twice',
    async (seed) => {
      editEntries(system, 10, `seed ${seed}`);
      const differing = await differingMalIds(system);
      expect(differing).toHaveLength(10);
      const before = patchCount(system);

      // Logical time: any Retry-After wait would show on this clock (the sandbox config disables pacing).
      const clock = new ManualClock(Date.now());
      const faults = seededMalFaults(system.mal!, {
        seed,
        route: 'write',
        rate: 0.5,
        max: 8,
        kinds: [{ kind: 429, retryAfterSeconds: 1 }],
      });
      const worker = await buildWorker(system, { fetch: faults.fetch, clock });
      const started = clock.now();
      // Enough runs to sit out every pause 8 faults can cause: a trip (3 faults), then 5 failed probes (1+2+4+8+16+16 runs).
      const reports = await runUntilSettled(worker, 60);

      // One attempt per throttled write: every 429 is exactly one failed write, kept for later.
      const failures = reports.flatMap((r) => sectionOf(r).failures);
      expect(failures).toHaveLength(faults.injected.length);
      for (const failure of failures) {
        expect(failure).toMatchObject({
          permanent: false,
          code: 'mal_rate_limited',
          error: 'MyAnimeList asked to slow down (HTTP 429)',
        });
      }
      expect(reports.at(-1)).toMatchObject({ status: 'ok', destinations: [{ destination: 'mal', retryQueue: 0 }] });
      expect(system.mal!.faults.pending()).toBe(0);
      expect(await differingMalIds(system)).toEqual([]);
      await expectMalMirrorsAniList(system);
      expect(patchCount(system) - before).toBe(differing.length + faults.injected.length);
      expect(clock.now() - started).toBe(0);
    },
  );

  // [seed, writes that exhaust their attempts]: seeds chosen so that timeouts stay few (each costs 400 ms).
  test.each([
    [1, 2],
    [14, 1],
  ])(
    'seed %i: 5xx, gateway HTML, "Request blocked" pages, resets and timeouts; %i write(s) retried next run; each entry written once',
    async (seed, gaveUpExpected) => {
      editEntries(system, 12, `mixed ${seed}`);
      const differing = await differingMalIds(system);
      expect(differing).toHaveLength(12);
      const before = patchCount(system);
      const faults = seededMalFaults(system.mal!, {
        seed,
        route: 'write',
        rate: 0.5,
        max: 9,
        kinds: [
          { kind: 500 },
          { kind: 502 },
          { kind: 503 },
          { kind: 'html', status: 403 },
          { kind: 'reset' },
          { kind: 'timeout' },
        ],
      });
      const worker = await buildWorker(system, {
        fetch: faults.fetch,
        clock: new ManualClock(Date.now()),
        config: { HTTP_TIMEOUT_MS: 400 },
      });
      const reports = await runUntilSettled(worker);

      expect(new Set(faults.injected.map((f) => f.kind)).size).toBeGreaterThanOrEqual(4);
      const failures = reports.flatMap((r) => sectionOf(r).failures);
      expect(failures).toHaveLength(gaveUpExpected);
      // Transient failures are kept for the next run, never reported as MAL rejections.
      for (const failure of failures) expect(failure.permanent).toBe(false);
      expect(reports.at(-1)).toMatchObject({ status: 'ok', destinations: [{ destination: 'mal', retryQueue: 0 }] });
      expect(await differingMalIds(system)).toEqual([]);
      await expectMalMirrorsAniList(system);
      expect(patchCount(system) - before).toBe(differing.length + faults.injected.length);
    },
  );
});

describe('MAL faults through the scheduled handler', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system?.close();
  });

  test('a write that times out and then meets a reset is retried next run; a gateway page in between is retried at once', async () => {
    system = await startTestSystem({ env: { HTTP_TIMEOUT_MS: '400', HTTP_MAX_ATTEMPTS: '2' } });
    await authorize(system);
    editEntries(system, 5, 'timeouts');
    const differing = await differingMalIds(system);
    const before = patchCount(system);
    // Attempts 1 and 2 of the first write: timeout, reset → the write gives up (2 attempts).
    system.mal!.faults.inject({ route: 'write', kind: 'timeout' });
    system.mal!.faults.inject({ route: 'write', kind: 'reset' });
    // Attempt 1 of the second write: a 502 gateway page → retried at once and succeeds.
    system.mal!.faults.inject({ route: 'write', kind: 502 });

    const first = await system.runSync();
    expect(first).toMatchObject({ status: 'partial' });
    expect(resultOf(first)).toMatchObject({ status: 'partial', failed: 1, retryQueue: 1, written: 4 });
    const failure = sectionOf(system.reports.at(-1)!).failures[0]!;
    expect(failure).toMatchObject({
      permanent: false,
      code: 'network_error',
      error: expect.stringMatching(/^MyAnimeList could not be reached \((connection failed|no answer in time)\)$/),
    });
    // The unapplied change holds the watermark back.
    const state = await malState(system.store);
    expect(state.pending).toHaveLength(1);
    expect(state.watermark).toBeLessThan(state.pending[0]!.entry.updatedAt);

    const second = await system.runSync();
    expect(second).toMatchObject({ status: 'ok' });
    expect(resultOf(second)).toMatchObject({ status: 'ok', retryQueue: 0, written: 1 });
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);
    expect(patchCount(system) - before).toBe(differing.length + 3);
  });

  test('a full reconcile whose MAL list read keeps failing writes nothing and is redone by the next run', async () => {
    system = await startTestSystem();
    await authorize(system);
    editEntries(system, 4, 'full');
    const differing = await differingMalIds(system);
    const before = patchCount(system);
    const stateBefore = (await system.store.get(KEYS.syncState('mal')))!.body;
    const worker = await buildWorker(system, { clock: new ManualClock(Date.now()) });
    system.mal!.faults.inject({ route: 'list', kind: 'reset', times: system.config.base.HTTP_MAX_ATTEMPTS });

    const failed = await worker.run({ full: true });
    expect(failed.status).toBe('failed');
    expect(sectionOf(failed)).toMatchObject({ mode: 'full', status: 'failed', applied: { written: 0 } });
    expect(sectionOf(failed)).toMatchObject({
      error: 'MyAnimeList could not be reached (connection failed)',
      stopReason: 'unavailable',
    });
    expect(patchCount(system)).toBe(before);
    expect((await system.store.get(KEYS.syncState('mal')))!.body).toBe(stateBefore);

    const redone = await worker.run({ full: true });
    expect(redone.status).toBe('ok');
    expect(sectionOf(redone)).toMatchObject({ mode: 'full', status: 'ok', applied: { written: differing.length } });
    expect(patchCount(system) - before).toBe(differing.length);
    await expectMalMirrorsAniList(system);
  });
});
