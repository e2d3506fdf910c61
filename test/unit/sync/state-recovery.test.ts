import { ManualClock } from '../../../shared/clock';
import type { Logger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { runLogLine, runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import { formatReport } from '../../../shared/sync/report';
import { loadDestinationState, MAX_VERSIONS_TRIED } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeDestination } from '../../support/fake-destination';
import { FakeAniList, RecordingEvents } from '../../support/fakes';
import { sectionOf } from '../../support/reports';

/**
 * A corrupt sync state object (a bad deploy, a hand edit, a truncated write) must not stop a
 * destination. The bucket is versioned: the newest earlier version that is valid is used, and the
 * destination reconciles in full; when none is valid it starts over with a full reconcile against
 * its real list, keeping what the corrupt object still says about the targets this system wrote
 * (prune needs that). Either way the run says so, loudly. Over real S3 semantics (moto):
 * test/integration/store/state-recovery-moto.test.ts.
 */
const settings: SyncSettings = {
  anilistUser: 'alice',
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 100,
  deadlineSafetyMs: 0,
};
const T0 = Date.UTC(2026, 5, 1);
const KEY = KEYS.syncState('alpha');

function setup(options: { prune?: boolean } = {}) {
  const clock = new ManualClock(T0);
  const entries = Array.from({ length: 6 }, (_, i) =>
    anilistEntry({ id: i + 1, status: 'CURRENT', progress: i + 1, score: 50, updatedAt: 1000 + i }),
  );
  const anilist = new FakeAniList(entries);
  anilist.now = () => clock.now();
  const alpha = new FakeDestination('alpha', 'Alpha');
  const store = new MemoryStore();
  store.now = () => clock.now();
  const errors: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (message, fields) => errors.push({ message, ...(fields ? { fields } : {}) }),
  };
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [{ destination: alpha, prune: options.prune ?? false }],
    store,
    events: new RecordingEvents(),
    clock,
    logger,
  };
  return { clock, anilist, alpha, store, deps, errors };
}

const check = (alpha: FakeDestination) => (s: unknown) => alpha.checkRecordState(s);

describe('a corrupt sync state object', () => {
  test('is replaced by the newest valid earlier version; the run reconciles in full, says so, and saves a valid state', async () => {
    const { clock, anilist, alpha, store, deps, errors } = setup();
    await runSync(deps, settings);
    const goodVersionAt = clock.now();
    clock.advance(3_600_000);
    anilist.upsert({ ...anilist.entries.get(2)!, progress: 20, updatedAt: 5000 });
    await runSync(deps, settings);
    clock.advance(3_600_000);
    // Truncated on its way to S3 (or edited by hand).
    await store.put(KEY, store.objects.get(KEY)!.body.slice(0, 40));
    alpha.written.length = 0;

    const report = await runSync(deps, settings);
    const section = sectionOf(report, 'alpha');
    expect(section.stateRecovery).toEqual({
      key: KEY,
      problem: `${KEY} is not valid JSON`,
      how: 'restored',
      restoredFrom: new Date(goodVersionAt + 3_600_000).toISOString(),
    });
    expect(section).toMatchObject({ status: 'ok', mode: 'full' });
    // The restored version already knew entry 2's edit: the full compare finds nothing to write.
    expect(alpha.written).toEqual([]);
    expect(formatReport(report)).toContain(
      `⚠ sync state was corrupt (${KEY} is not valid JSON); restored from the version of ${new Date(goodVersionAt + 3_600_000).toISOString()}`,
    );
    expect(errors).toContainEqual({
      message: 'sync state was corrupt',
      fields: expect.objectContaining({ key: KEY, how: 'restored', action: expect.stringMatching(/^restored from/) }),
    });
    expect(runLogLine(report).destinations).toMatchObject({ alpha: { stateRecovered: 'restored' } });
    // Saved over the corrupt object even though the run wrote nothing: the next run loads it as it is.
    const next = await loadDestinationState(store, 'alpha', check(alpha));
    expect(next?.recovered).toBeUndefined();
    expect(next?.state).toMatchObject({ fullSyncPending: false, lastFullSyncAt: clock.now() });
  });

  test('with no valid earlier version starts over by a full reconcile: nothing lost, nothing written twice, and the records of what it wrote kept', async () => {
    const { anilist, alpha, store, deps, clock } = setup({ prune: true });
    // Entry 6 was already on the destination before mirroring began: never written by this system.
    alpha.held.set('e6', { progress: 6, score: 50 });
    await runSync(deps, settings);
    expect(alpha.written.sort()).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    const saved = JSON.parse(store.objects.get(KEY)!.body);
    clock.advance(60_000);
    // Every version is now invalid: the state's watermark was overwritten by a bad deploy, and one record too.
    saved.mirrored.e1.state = { progress: 'lots' };
    const broken = JSON.stringify({ ...saved, watermark: 'soon' });
    store.history.set(
      KEY,
      store.history.get(KEY)!.map((version) => ({ ...version, body: broken })),
    );
    await store.put(KEY, broken);
    // Meanwhile: one entry edited, one deleted on AniList.
    anilist.upsert({ ...anilist.entries.get(3)!, progress: 30, updatedAt: 6000 });
    anilist.entries.delete(4);
    alpha.written.length = 0;

    const report = await runSync(deps, settings);
    const section = sectionOf(report, 'alpha');
    expect(section.stateRecovery).toEqual({
      key: KEY,
      problem: `${KEY} does not match the expected shape (at "watermark")`,
      how: 'rebuilt',
      // e2–e5 were written by this system and still valid; e1's state is not; e6 was never ours.
      salvagedRecords: 4,
    });
    expect(section).toMatchObject({ status: 'ok', mode: 'full', applied: { written: 1, removed: 1 } });
    // Only the edit is written; the deleted entry is removed because the record still says it is ours.
    expect(alpha.written.sort()).toEqual(['e3', 'e4']);
    expect(alpha.held.has('e4')).toBe(false);
    expect(alpha.held.get('e6')).toEqual({ progress: 6, score: 50 });
    // A rebuilt state backs the destination up again before its first write.
    expect(section.backupKey).toMatch(/^backups\/alpha-/);
    expect(formatReport(report)).toContain(
      'no earlier version was valid, so it was rebuilt by a full reconcile against Alpha',
    );
    const next = await loadDestinationState(store, 'alpha', check(alpha));
    expect(next?.recovered).toBeUndefined();
    expect(next?.state.mirrored.e6?.written).toBe(false);
    expect(next?.state.mirrored.e2?.written).toBe(true);
  });

  test('a fresh start never lets prune remove what it cannot prove this system wrote', async () => {
    const { anilist, alpha, store, deps } = setup({ prune: true });
    await runSync(deps, settings);
    // Not even JSON: nothing to salvage, and no earlier version (the history is gone).
    store.history.delete(KEY);
    store.objects.set(KEY, { body: '\u0000\u0000', etag: '"x"' });
    anilist.entries.delete(4);
    alpha.written.length = 0;
    const report = await runSync(deps, settings);
    expect(sectionOf(report, 'alpha').stateRecovery).toMatchObject({ how: 'rebuilt', salvagedRecords: 0 });
    expect(sectionOf(report, 'alpha')).toMatchObject({ status: 'ok', applied: { written: 0, removed: 0 } });
    expect(alpha.held.has('e4')).toBe(true);
  });

  test('tries at most MAX_VERSIONS_TRIED earlier versions, newest first', async () => {
    const { alpha, store, deps, clock } = setup();
    await runSync(deps, settings);
    for (let i = 0; i < MAX_VERSIONS_TRIED + 2; i++) {
      clock.advance(1000);
      await store.put(KEY, `{"bad": ${i}}`);
    }
    let versionReads = 0;
    const getVersion = store.getVersion.bind(store);
    store.getVersion = (key, id) => {
      versionReads++;
      return getVersion(key, id);
    };
    const loaded = await loadDestinationState(store, 'alpha', check(alpha));
    expect(loaded?.recovered?.how).toBe('rebuilt');
    expect(versionReads).toBe(MAX_VERSIONS_TRIED);
  });

  test('a store that keeps no versions (the local emulator) starts over, saying why', async () => {
    const { alpha, store, deps } = setup();
    await runSync(deps, settings);
    store.objects.set(KEY, { body: '{', etag: '"x"' });
    store.versions = async () => {
      throw new Error('MethodNotAllowed');
    };
    alpha.written.length = 0;
    const report = await runSync(deps, settings);
    expect(sectionOf(report, 'alpha').stateRecovery).toMatchObject({
      how: 'rebuilt',
      versionsProblem: 'Error: MethodNotAllowed',
    });
    expect(sectionOf(report, 'alpha').status).toBe('ok');
    expect(formatReport(report)).toContain('(earlier versions could not be read: Error: MethodNotAllowed)');
    // The full compare against the real list finds everything in place: nothing is written twice.
    expect(alpha.written).toEqual([]);
  });
});
