import { ManualClock } from '../../../shared/clock';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { runSync, type SyncSettings } from '../../../shared/sync/engine';
import { mapEntry } from '../../../shared/sync/mapping';
import { loadSyncState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeAniList, FakeMal, RecordingEvents } from '../../support/fakes';

const settings: SyncSettings = {
  anilistUser: 'alice',
  mirrorPrivate: false,
  prune: false,
  idOverrides: new Map(),
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 2,
  deadlineSafetyMs: 0,
};

function setup(count = 5) {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const entries = Array.from({ length: count }, (_, i) =>
    anilistEntry({ id: i + 1, idMal: 100 + i, status: 'COMPLETED', score: 70 + i, progress: 12, updatedAt: 1000 + i }),
  );
  const anilist = new FakeAniList(entries);
  const mal = new FakeMal();
  const store = new MemoryStore();
  const events = new RecordingEvents();
  const deps = { anilist, mal: () => mal, store, events, clock, logger: silentLogger };
  return { clock, anilist, mal, store, events, deps };
}

/** What MAL must hold for an AniList entry, by the mapping rules. */
function expectMirrored(mal: FakeMal, anilist: FakeAniList) {
  for (const entry of anilist.entries.values()) {
    const mapped = mapEntry(entry, settings);
    if (mapped.kind !== 'mapped') continue;
    const status = mal.list.get(mapped.malId)?.listStatus;
    expect(status).toMatchObject({
      status: mapped.desired.status,
      score: mapped.desired.score,
      num_episodes_watched: mapped.desired.num_watched_episodes,
      is_rewatching: mapped.desired.is_rewatching,
    });
  }
}

describe('runSync', () => {
  test('the first run reconciles everything and backs up the MAL list before its first write', async () => {
    const { deps, mal, anilist, store } = setup();
    mal.list.set(100, {
      animeId: 100,
      title: 'Existing',
      listStatus: {
        status: 'watching',
        score: 2,
        num_episodes_watched: 1,
        is_rewatching: false,
        num_times_rewatched: 0,
        comments: '',
      },
    });
    let backupBeforeFirstWrite = false;
    mal.beforeWrite = (_id, n) => {
      if (n === 0) backupBeforeFirstWrite = [...store.objects.keys()].some((k) => k.startsWith('backups/'));
    };
    const report = await runSync(deps, settings);
    expect(report).toMatchObject({ mode: 'full', status: 'ok', applied: { updated: 5 } });
    expect(backupBeforeFirstWrite).toBe(true);
    const backupKey = report.backupKey!;
    expect(JSON.parse(store.objects.get(backupKey)!.body)).toMatchObject({
      data: [{ node: { id: 100 }, list_status: { status: 'watching', score: 2 } }],
    });
    expectMirrored(mal, anilist);
  });

  test('steady state costs 1 AniList request, 0 MAL requests and one S3 read', async () => {
    const { deps, mal, anilist, store } = setup();
    await runSync(deps, settings);
    anilist.requests = 0;
    mal.requests = 0;
    store.counters.get = 0;
    store.counters.put = 0;
    const report = await runSync(deps, settings);
    expect(report).toMatchObject({ mode: 'incremental', status: 'ok', applied: { updated: 0 } });
    expect(anilist.requests).toBe(1);
    expect(mal.requests).toBe(0);
    expect(store.counters).toMatchObject({ get: 1, put: 0 });
  });

  test('an AniList edit costs exactly one write of the changed field', async () => {
    const { deps, mal, anilist } = setup();
    await runSync(deps, settings);
    mal.writes = [];
    const edited = { ...anilist.entries.get(3)!, score: 95, updatedAt: 5000 };
    anilist.upsert(edited);
    const report = await runSync(deps, settings);
    expect(report.mode).toBe('incremental');
    expect(mal.writes).toEqual([{ animeId: 102, fields: { score: 10 } }]);
  });

  test('a failed write stays in the retry list, holds the watermark, and is applied next run', async () => {
    const { deps, mal, anilist, store } = setup();
    await runSync(deps, settings);
    anilist.upsert({ ...anilist.entries.get(1)!, score: 10, updatedAt: 6000 });
    anilist.upsert({ ...anilist.entries.get(2)!, score: 20, updatedAt: 6001 });
    mal.beforeWrite = (id) => {
      if (id === 100) throw Object.assign(new Error('MAL 503'), { code: 'mal_api_error', retryable: true });
    };
    const failed = await runSync(deps, settings);
    expect(failed.status).toBe('partial');
    expect(failed.failures).toEqual([expect.objectContaining({ malId: 100, permanent: false })]);
    const { state } = (await loadSyncState(store))!;
    expect(state.pending.map((p) => p.entry.id)).toEqual([1]);
    expect(state.watermark).toBeLessThan(6000);

    mal.beforeWrite = undefined;
    mal.writes = [];
    const retried = await runSync(deps, settings);
    expect(retried.status).toBe('ok');
    expect(mal.writes).toEqual([{ animeId: 100, fields: { score: 1 } }]);
    expect((await loadSyncState(store))!.state).toMatchObject({ pending: [], watermark: 6000 });
  });

  test('a write MAL rejects as invalid does not block the watermark and is not retried until it changes', async () => {
    const { deps, mal, anilist, store } = setup();
    await runSync(deps, settings);
    anilist.upsert({ ...anilist.entries.get(1)!, score: 10, updatedAt: 6000 });
    mal.beforeWrite = () => {
      throw Object.assign(new Error('bad_request'), { code: 'mal_api_error', retryable: false });
    };
    const report = await runSync(deps, settings);
    expect(report.failures).toEqual([expect.objectContaining({ permanent: true })]);
    expect((await loadSyncState(store))!.state.watermark).toBe(5999);
    mal.writes = [];
    mal.beforeWrite = undefined;
    await runSync(deps, settings);
    expect(mal.writes).toEqual([]);
    anilist.upsert({ ...anilist.entries.get(1)!, score: 20, updatedAt: 7000 });
    await runSync(deps, settings);
    expect(mal.writes).toEqual([{ animeId: 100, fields: { score: 2 } }]);
  });

  test('a run stops before its deadline and the next one resumes, writing nothing twice', async () => {
    const { deps, mal, anilist, clock } = setup(10);
    mal.beforeWrite = () => clock.advance(1000);
    const deadline = clock.now() + 3500;
    const first = await runSync(deps, settings, { deadline });
    expect(first).toMatchObject({ status: 'partial', stoppedEarly: true, applied: { updated: 4 } });
    const second = await runSync(deps, settings);
    expect(second).toMatchObject({ status: 'ok', mode: 'full', applied: { updated: 6 } });
    const writtenIds = mal.writes.map((w) => w.animeId);
    expect(new Set(writtenIds).size).toBe(writtenIds.length);
    expect(writtenIds).toHaveLength(10);
    expectMirrored(mal, anilist);
  });

  test('an edit made on AniList while the run is paging is picked up by the next run', async () => {
    const { deps, mal, anilist } = setup(120);
    await runSync(deps, settings);
    // Three pages of changes; during the read of page 1, another entry is edited (moving to the top).
    for (let i = 1; i <= 120; i++) anilist.upsert({ ...anilist.entries.get(i)!, progress: 13, updatedAt: 9000 });
    anilist.afterPage = (page) => {
      if (page === 1) anilist.upsert({ ...anilist.entries.get(7)!, progress: 24, updatedAt: 9000 });
    };
    await runSync(deps, settings);
    anilist.afterPage = undefined;
    await runSync(deps, settings);
    expect(mal.list.get(106)?.listStatus.num_episodes_watched).toBe(24);
  });

  test('an AniList outage fails the run without losing anything', async () => {
    const { deps, mal, anilist, store } = setup();
    await runSync(deps, settings);
    const before = (await loadSyncState(store))!.state;
    anilist.upsert({ ...anilist.entries.get(2)!, score: 33, updatedAt: 8000 });
    anilist.failNext = 1;
    const report = await runSync(deps, settings);
    expect(report.status).toBe('failed');
    expect(report.error).toContain('AniList is down');
    expect((await loadSyncState(store))!.state).toEqual(before);
    await runSync(deps, settings);
    expect(mal.list.get(101)?.listStatus.score).toBe(3);
  });

  test('an S3 failure while saving progress loses nothing: the next run finishes the job', async () => {
    const { deps, mal, anilist, store } = setup(6);
    let puts = 0;
    store.hooks.beforePut = (key) => {
      if (key === KEYS.syncState && ++puts === 2) throw Object.assign(new Error('S3 500'), { code: 'store_error' });
    };
    const crashed = await runSync(deps, settings);
    expect(crashed.status).toBe('failed');
    store.hooks.beforePut = undefined;
    const resumed = await runSync(deps, settings);
    expect(resumed.status).toBe('ok');
    expectMirrored(mal, anilist);
    // Checkpoints every 2 writes bound the re-sent writes after a crash to that window.
    expect(mal.writes.length).toBeLessThanOrEqual(6 + settings.checkpointEveryWrites);
  });

  test('missing MAL authorization pauses the run and publishes "reauth required"', async () => {
    const { deps, events, store } = setup();
    const reauth = Object.assign(new Error('no tokens'), { code: 'reauth_required', reason: 'no_tokens' });
    const report = await runSync(
      {
        ...deps,
        mal: () => ({
          listAll: () => Promise.reject(reauth),
          update: () => Promise.reject(reauth),
          remove: () => Promise.reject(reauth),
        }),
      },
      settings,
    );
    expect(report).toMatchObject({ status: 'reauth_required', reauthReason: 'no_tokens' });
    expect(events.reauth).toEqual([expect.objectContaining({ reason: 'no_tokens' })]);
    expect(store.objects.has(KEYS.syncState)).toBe(false);
  });

  test('a dry run plans but writes nothing to MAL or the store', async () => {
    const { deps, mal, store } = setup();
    const report = await runSync(deps, settings, { dryRun: true });
    expect(report).toMatchObject({ status: 'dry_run', planned: { updates: 5 } });
    expect(report.writes).toHaveLength(5);
    expect(mal.writes).toHaveLength(0);
    expect(store.counters.put).toBe(0);
  });

  test('a daily full reconcile repairs an entry edited on MAL by hand', async () => {
    const { deps, mal, clock } = setup();
    await runSync(deps, settings);
    mal.list.set(100, { ...mal.list.get(100)!, listStatus: { ...mal.list.get(100)!.listStatus, score: 1 } });
    expect((await runSync(deps, settings)).mode).toBe('incremental');
    clock.advance(24 * 3_600_000);
    const report = await runSync(deps, settings);
    expect(report).toMatchObject({ mode: 'full', applied: { updated: 1 } });
    expect(mal.list.get(100)?.listStatus.score).toBe(7);
  });
});

describe('checkpoints', () => {
  test('are paced by time as well as by count, and the final save still records everything', async () => {
    const { deps, mal, store, clock, anilist } = setup(12);
    let checkpoints = 0;
    store.hooks.beforePut = (key) => {
      if (key === KEYS.syncState) checkpoints++;
    };
    // 1 s per write; count allows a checkpoint every 2 writes, time only every 5 s.
    mal.beforeWrite = () => clock.advance(1000);
    const report = await runSync(deps, { ...settings, checkpointIntervalMs: 5000 }, {});
    expect(report.applied.updated).toBe(12);
    // Checkpoints after writes 5 and 10 (≥ 2 writes and ≥ 5 s each), plus the final save.
    expect(checkpoints).toBe(3);
    const { state } = (await loadSyncState(store))!;
    expect(Object.keys(state.mirrored)).toHaveLength(12);
    expectMirrored(mal, anilist);
  });
});
