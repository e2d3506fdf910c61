import { generateAniListEntries } from '../../../local/sandbox/anilist';
import { approveLatestEmail } from '../../../local/story';
import { ManualClock } from '../../../shared/clock';
import type { ComparableMalState } from '../../../shared/destinations/mal/mapping';
import type { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import type { DestinationState } from '../../../shared/sync/state';
import { expectMalMirrorsAniList } from '../../support/expectations';
import {
  buildWorker,
  differingMalIds,
  InjectedStoreError,
  killed,
  memoryCopyOf,
  PATCH_ROUTE,
  patchCount,
  preMirrorOntoMal,
} from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';
import { loadMalState, malState } from '../../support/state';

const CHECKPOINT_EVERY_WRITES = 3;
/**
 * The S3-failure cases checkpoint by count only (CHECKPOINT_INTERVAL_MS=0), so that "the 2nd
 * checkpoint fails" is a fixed write. The kill tests below run with the production settings.
 */
const CHECKPOINTS = { CHECKPOINT_EVERY_WRITES, CHECKPOINT_INTERVAL_MS: 0 };

/**
 * S3 failing while the worker saves its progress, and a worker killed in the middle of applying.
 * The worker is the production wiring (`buildSyncWorkerDeps`: real AniList and MAL clients over
 * HTTP against the sandboxes); only its store is a MemoryStore copy of the system's S3 state,
 * whose hooks inject the S3 errors or freeze the process.
 *
 * What is promised: nothing is lost and the next run finishes the job. A full run re-reads MAL's
 * list, so it never repeats a write that landed. An incremental run diffs against the last saved
 * checkpoint, so it repeats (idempotently, with the same fields) the writes made since that
 * checkpoint: with production settings at MAL's pace at most 16 per crash (README, Guarantees),
 * and the tests assert the exact count.
 */
describe('S3 errors while saving state, and runs killed mid-apply', () => {
  let system: TestSystem;
  /** The whole system's clock (AniList's Date header, `updatedAt` stamps, tokens); workers share it. */
  let clock: ManualClock;
  afterEach(async () => {
    await system?.close();
  });

  /** Tokens stored through the real consent flow, but no sync yet: the next run is the first, full one. */
  async function authorizedWithoutFirstSync(fresh = true): Promise<void> {
    if (fresh) {
      clock = new ManualClock(Date.now());
      system = await startTestSystem({ clock });
    }
    system.bus.route({ onAuthorizationCompleted: async () => {} });
    expect((await system.runMailer()).sent).toBe(true);
    expect((await approveLatestEmail(system)).callbackStatus).toBe(200);
    await system.settle();
    expect(await system.store.get(KEYS.syncState('mal'))).toBeUndefined();
  }

  /**
   * Mirrored by a first full run, then 7 entries edited: the next run is incremental with 7 writes.
   * Each edit has its own second, and the first one written (writes go in title order) is the newest:
   * every write still unsettled at a checkpoint is older than the newest entry read, so only the
   * engine's hold keeps the watermark from passing it. The edits are stamped in the past: above the
   * first run's watermark, below AniList's clock when the next read starts (minus its margin), so
   * the read's ceiling does not hold the watermark back for the engine.
   */
  async function mirroredWithSevenEdits(): Promise<void> {
    clock = new ManualClock(Date.now());
    system = await startTestSystem({ clock });
    await authorize(system);
    const watermark = (await malState(system.store)).watermark;
    // Ten minutes later on AniList's clock (the access token, valid for an hour, needs no refresh).
    clock.advance(10 * 60_000);
    const now = Math.floor(clock.now() / 1000);
    const edited = system
      .anilist!.store.entries()
      .filter((e) => e.media?.idMal && !e.private)
      .slice(0, 7)
      .sort((a, b) => (a.media!.title.romaji ?? '').localeCompare(b.media!.title.romaji ?? ''));
    const newest = now - 60;
    edited.forEach((e, i) => {
      system.anilist!.store.upsertEntry({ id: e.id, notes: `after the crash ${e.id}`, updatedAt: newest - i });
    });
    // Every edit is newer than the watermark (so the next run reads it) and a minute older than the
    // clock the next read starts at (so the read's ceiling is above all of them).
    expect(newest - 6).toBeGreaterThan(watermark);
  }

  /** What a saved state claims never exceeds what MAL holds: unrecorded edits stay above the watermark. */
  function expectWatermarkBelowUnrecorded(saved: DestinationState, mark = 'after the crash'): void {
    const edits = system.anilist!.store.entries().filter((e) => e.notes?.startsWith(mark));
    if (mark === 'after the crash') expect(edits).toHaveLength(7);
    let unrecorded = 0;
    for (const e of edits) {
      const recorded = saved.mirrored[String(e.media!.idMal)]?.state as ComparableMalState | undefined;
      if (recorded?.comments === e.notes) continue;
      unrecorded++;
      expect({ entry: e.id, watermarkPassedIt: saved.watermark >= e.updatedAt }).toEqual({
        entry: e.id,
        watermarkPassedIt: false,
      });
    }
    expect(unrecorded).toBeGreaterThan(0);
  }

  /** Waits for the kill point; a run that ends without reaching it fails the test instead of hanging it. */
  async function untilFrozen(run: Promise<unknown>, frozen: Promise<void>): Promise<void> {
    await Promise.race([
      frozen,
      run.then(() => {
        throw new Error('the run finished without reaching the kill point');
      }),
    ]);
  }

  /** Makes `store.put` of `key` fail on its `nth` call (1-based) and every later one. */
  function failPut(store: Awaited<ReturnType<typeof memoryCopyOf>>, match: (key: string) => boolean, nth: number) {
    let calls = 0;
    store.hooks.beforePut = (key) => {
      if (match(key) && ++calls >= nth) throw new InjectedStoreError(key);
    };
  }

  const isState = (key: string) => key === KEYS.syncState('mal');
  const isBackup = (key: string) => key.startsWith(KEYS.backupPrefix);

  test.each([
    // [case, setup, which put fails (n-th call), writes that landed before it, writes the next run repeats]
    ['first full run: the backup write fails', 'first', isBackup, 1, 0, 0],
    ['first full run: the 2nd checkpoint fails', 'first', isState, 2, 2 * CHECKPOINT_EVERY_WRITES, 0],
    ['incremental run: the 2nd checkpoint fails', 'incremental', isState, 2, 6, CHECKPOINT_EVERY_WRITES],
    ['incremental run: the final save fails', 'incremental', isState, 3, 7, 7 - 2 * CHECKPOINT_EVERY_WRITES],
  ] as const)(
    '%s: the run reports failure, nothing is lost, and the next run converges',
    async (_name, setup, match, nth, landed, repeats) => {
      if (setup === 'first') await authorizedWithoutFirstSync();
      else await mirroredWithSevenEdits();
      const differing = await differingMalIds(system);
      const before = patchCount(system);
      const store = await memoryCopyOf(system.store);
      failPut(store, match, nth);
      const worker = await buildWorker(system, { store, clock, config: CHECKPOINTS });

      const crashed = await worker.run();
      expect(crashed.status).toBe('failed');
      expect(sectionOf(crashed).status).toBe('failed');
      expect(sectionOf(crashed).error).toMatch(/injected S3 failure writing (sync\/mal\/state\.json|backups\/)/);
      expect(patchCount(system) - before).toBe(landed);
      // What was saved never claims more than it knows: a full run stays pending, and an incremental
      // run's watermark stays below every edit the saved state does not record as applied.
      const saved = await loadMalState(store);
      if (setup === 'first') {
        expect(saved === undefined || saved.fullSyncPending).toBe(true);
      } else {
        expectWatermarkBelowUnrecorded(saved!);
      }

      store.hooks = {};
      const resumed = await worker.run();
      expect(resumed.status).toBe('ok');
      expect(await differingMalIds(system)).toEqual([]);
      await expectMalMirrorsAniList(system);
      expect(patchCount(system) - before).toBe(differing.length + repeats);
      // A full run backs up MAL once before its first write, and not again when resuming the same day.
      if (setup === 'first') expect(await store.list(KEYS.backupPrefix)).toHaveLength(1);
    },
  );

  test('S3 failing to read the state fails the run before anything is read or written', async () => {
    await mirroredWithSevenEdits();
    const before = patchCount(system);
    const store = await memoryCopyOf(system.store);
    store.hooks.beforeGet = (key) => {
      if (key === KEYS.syncState('mal')) throw new InjectedStoreError(key);
    };
    const worker = await buildWorker(system, { store, clock });
    system.anilist!.resetCounters();
    const failed = await worker.run();
    expect(failed.status).toBe('failed');
    expect(sectionOf(failed).status).toBe('failed');
    expect(sectionOf(failed).error).toMatch(/injected S3 failure/);
    expect(system.anilist!.counters.requests).toBe(0);
    expect(patchCount(system)).toBe(before);
    store.hooks = {};
    const resumed = await worker.run();
    expect(resumed.status).toBe('ok');
    expect(sectionOf(resumed)).toMatchObject({ status: 'ok', applied: { written: 7 } });
    expect(patchCount(system) - before).toBe(7);
  });

  /**
   * The kill tests run with the production checkpoint settings (the worker's defaults, asserted
   * below: every 10 applied writes, at most every 15 s) and MAL's production pace (60 requests a
   * minute), on the manual clock, so a paced second costs no real time. At that pace a checkpoint
   * lands every 15 writes: a crash repeats at most those and the write in flight, idempotently on MAL.
   */
  const MAL_PACE = { MAL_REQUESTS_PER_MINUTE: '60' };
  const MAL_WRITE_INTERVAL_MS = 60_000 / Number(MAL_PACE.MAL_REQUESTS_PER_MINUTE);
  const PRODUCTION = { CHECKPOINT_EVERY_WRITES: 10, CHECKPOINT_INTERVAL_MS: 15_000 };
  const WRITES_PER_CHECKPOINT = Math.max(
    PRODUCTION.CHECKPOINT_EVERY_WRITES,
    PRODUCTION.CHECKPOINT_INTERVAL_MS / MAL_WRITE_INTERVAL_MS,
  );

  /** What one crash can repeat: a checkpoint interval's writes, and the one in flight when the process died. */
  const REPEAT_BOUND = WRITES_PER_CHECKPOINT + 1;

  /** A system on 120 generated entries with MAL at its production pace; `preMirrored`: MAL already holds them. */
  async function pacedSystem(preMirrored: boolean): Promise<void> {
    clock = new ManualClock(Date.now());
    system = await startTestSystem({ clock, env: MAL_PACE, anilistEntries: generateAniListEntries(120, 11) });
    expect(system.config.base).toMatchObject(PRODUCTION);
    if (preMirrored) await preMirrorOntoMal(system);
  }

  /** A worker whose process dies once MAL has applied its `killAt`-th PATCH, before the answer arrives. */
  function dyingFetch(killAt: number, reached: () => void): typeof fetch {
    let patches = 0;
    return (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      if (init?.method === 'PATCH' && ++patches === killAt) {
        await response.arrayBuffer();
        reached();
        return killed();
      }
      return response;
    }) as typeof fetch;
  }

  /** Runs a worker (production settings) until MAL applied its `killAt`-th PATCH, then "kills" it. */
  async function runUntilKilled(store: MemoryStore, killAt: number): Promise<void> {
    let reached!: () => void;
    const frozen = new Promise<void>((resolve) => {
      reached = resolve;
    });
    // A short per-attempt timeout only so that the frozen request's timer is gone before Jest exits.
    const dying = await buildWorker(system, {
      store,
      clock,
      fetch: dyingFetch(killAt, reached),
      config: { HTTP_TIMEOUT_MS: 500 },
    });
    await untilFrozen(dying.run(), frozen);
  }

  test('a first full run killed while saving its 2nd checkpoint: a fresh run finishes it, writing nothing twice', async () => {
    await pacedSystem(false);
    await authorizedWithoutFirstSync(false);
    const differing = await differingMalIds(system);
    expect(differing.length).toBeGreaterThan(2 * WRITES_PER_CHECKPOINT);
    const store = await memoryCopyOf(system.store);
    let statePuts = 0;
    let reached!: () => void;
    const frozen = new Promise<void>((resolve) => {
      reached = resolve;
    });
    store.hooks.beforePut = (key) => {
      if (key !== KEYS.syncState('mal') || ++statePuts < 2) return;
      reached();
      // The process dies here: this run never writes, saves or reports anything again.
      return killed();
    };
    const dying = await buildWorker(system, { store, clock });
    let settled = false;
    const run = dying.run().finally(() => {
      settled = true;
    });
    await untilFrozen(run, frozen);
    // Checkpoints are paced by time: at MAL's second a write, the 2nd one comes after 2 × 15 writes.
    expect(patchCount(system)).toBe(2 * WRITES_PER_CHECKPOINT);

    store.hooks = {};
    const fresh = await buildWorker(system, { store, clock });
    const report = await fresh.run();
    expect(report.status).toBe('ok');
    expect(sectionOf(report)).toMatchObject({ mode: 'full', status: 'ok' });
    expect(sectionOf(report).applied.written).toBe(differing.length - 2 * WRITES_PER_CHECKPOINT);
    // A full run re-reads MAL's list: nothing that landed is written again, checkpoint or not.
    expect(system.mal!.counters.byRoute[PATCH_ROUTE]).toBe(differing.length);
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);
    expect(settled).toBe(false);
  });

  test('incremental runs killed again and again after MAL applied a write: each resumed run repeats at most the writes since its last checkpoint (≤ 16 at MAL’s pace)', async () => {
    await pacedSystem(true);
    expect(sectionOf(await authorize(system)).applied.written).toBe(0);
    const EDITS = 90;
    editMappable(EDITS);
    const differing = await differingMalIds(system);
    expect(differing).toHaveLength(EDITS);
    const before = patchCount(system);
    const store = await memoryCopyOf(system.store);
    // Before the first checkpoint, on the write that would have made one, just after one, and deep in.
    const kills = [9, 16, 17, 31, 40];
    let repeats = 0;
    for (const [i, killAt] of kills.entries()) {
      // Where this run checkpoints (PATCHes it had sent by then), as production's pacing decides.
      const runStart = patchCount(system);
      const checkpoints: number[] = [];
      store.hooks.beforePut = (key) => {
        if (key === KEYS.syncState('mal')) checkpoints.push(patchCount(system) - runStart);
      };
      await runUntilKilled(store, killAt);
      store.hooks = {};
      expect(patchCount(system) - runStart).toBe(killAt);
      // A checkpoint at least every 15 writes (16 for the first: the first PATCH goes at once).
      for (const [n, at] of checkpoints.entries()) {
        expect(at - (checkpoints[n - 1] ?? 0)).toBeLessThanOrEqual(REPEAT_BOUND);
      }
      expect(killAt - (checkpoints.at(-1) ?? 0)).toBeLessThanOrEqual(REPEAT_BOUND);
      // The next run repeats the writes after the last checkpoint, the killed one included.
      repeats += killAt - (checkpoints.at(-1) ?? 0);
      // What was saved never claims more than MAL holds.
      if (i === 0) expectWatermarkBelowUnrecorded(await malState(store), 'kill again');
    }

    const fresh = await buildWorker(system, { store, clock });
    const resumed = await fresh.run();
    expect(resumed.status).toBe('ok');
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);
    // Every edit once, plus exactly the writes since each killed run's last checkpoint.
    expect(patchCount(system) - before).toBe(EDITS + repeats);
    expect(repeats).toBeLessThanOrEqual(kills.length * REPEAT_BOUND);
  });

  /** Edits `count` mappable, public entries a minute apart, in the past (as `mirroredWithSevenEdits`). */
  function editMappable(count: number): void {
    clock.advance(10 * 60_000);
    const newest = Math.floor(clock.now() / 1000) - 60;
    const edited = system
      .anilist!.store.entries()
      .filter((e) => e.media?.idMal && !e.private)
      .slice(0, count);
    edited.forEach((e, i) => {
      system.anilist!.store.upsertEntry({ id: e.id, notes: `kill again ${e.id}`, updatedAt: newest - i });
    });
  }
});
