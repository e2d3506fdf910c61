import { ManualClock } from '../../../shared/clock';
import { silentLogger } from '../../../shared/log';
import type { S3Store } from '../../../shared/store/s3-store';
import { KEYS } from '../../../shared/store/store';
import { runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import { loadDestinationState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeDestination } from '../../support/fake-destination';
import { FakeAniList, RecordingEvents } from '../../support/fakes';
import { describeWithMoto } from '../../support/moto';
import { useMotoS3 } from '../../support/moto-s3';
import { sectionOf } from '../../support/reports';

/**
 * Recovering a corrupt sync state over S3's own semantics (moto_server): ListObjectVersions with
 * the key as prefix, GetObject by VersionId, the corrupt object left behind as a noncurrent
 * version. The same cases on MemoryStore: test/unit/sync/state-recovery.test.ts.
 */
const settings: SyncSettings = {
  anilistUser: 'alice',
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 100,
  deadlineSafetyMs: 0,
};
const KEY = KEYS.syncState('alpha');

function worker(store: S3Store) {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const anilist = new FakeAniList(
    Array.from({ length: 5 }, (_, i) =>
      anilistEntry({ id: i + 1, status: 'CURRENT', progress: i + 1, updatedAt: 1000 + i }),
    ),
  );
  anilist.now = () => clock.now();
  const alpha = new FakeDestination('alpha', 'Alpha');
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [{ destination: alpha, prune: false }],
    store,
    events: new RecordingEvents(),
    clock,
    logger: silentLogger,
  };
  return { clock, anilist, alpha, run: () => runSync(deps, settings) };
}

describeWithMoto('a corrupt sync state on S3 (moto_server)', () => {
  const s3 = useMotoS3();

  test('versioned bucket: the newest valid earlier version is restored, and the corrupt one stays behind as history', async () => {
    const store = await s3().newStore({ versioned: true });
    const { anilist, alpha, clock, run } = worker(store);
    await run();
    anilist.upsert({ ...anilist.entries.get(2)!, progress: 20, updatedAt: 5000 });
    clock.advance(3_600_000);
    await run();
    const good = (await store.versions(KEY))[0]!;
    await store.put(KEY, '{"version":2,"destination":"alpha","watermark":');
    alpha.written.length = 0;

    const report = await run();
    expect(sectionOf(report, 'alpha').stateRecovery).toEqual({
      key: KEY,
      problem: `${KEY} is not valid JSON`,
      how: 'restored',
      restoredFrom: new Date(good.lastModified).toISOString(),
    });
    expect(sectionOf(report, 'alpha')).toMatchObject({ status: 'ok', mode: 'full' });
    expect(alpha.written).toEqual([]);
    const after = await loadDestinationState(store, 'alpha', (s) => alpha.checkRecordState(s));
    expect(after?.recovered).toBeUndefined();
    expect(after?.state.mirrored.e2?.state).toEqual({ progress: 20, score: 0 });
    // Three valid versions and the corrupt one, which a person can still inspect.
    const history = await store.versions(KEY);
    expect(history).toHaveLength(4);
    const bodies = await Promise.all(history.map(async (v) => (await store.getVersion(KEY, v.versionId))!.body));
    expect(bodies.filter((b) => b.endsWith('"watermark":'))).toHaveLength(1);
  });

  test('unversioned bucket: no earlier version, so a full reconcile against the real list rebuilds it', async () => {
    const store = await s3().newStore({ versioned: false });
    const { alpha, run } = worker(store);
    await run();
    await store.put(KEY, 'null');
    alpha.written.length = 0;
    const report = await run();
    expect(sectionOf(report, 'alpha').stateRecovery).toMatchObject({ how: 'rebuilt', salvagedRecords: 0 });
    expect(sectionOf(report, 'alpha')).toMatchObject({ status: 'ok', mode: 'full', applied: { written: 0 } });
    expect(alpha.written).toEqual([]);
    expect((await loadDestinationState(store, 'alpha', (s) => alpha.checkRecordState(s)))?.recovered).toBeUndefined();
  });
});
