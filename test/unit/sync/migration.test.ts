import type { AniListEntry } from '../../../shared/anilist/types';
import { ManualClock } from '../../../shared/clock';
import { createMalDestination } from '../../../shared/destinations/mal/destination';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import { loadDestinationState } from '../../../shared/sync/state';
import { FakeAniList, FakeMal, RecordingEvents } from '../../support/fakes';
import { sectionOf } from '../../support/reports';
import { malState } from '../../support/state';

/**
 * The first deployed worker kept one MyAnimeList-only object, `sync/state.json` (version 1). The
 * worker reads it as MyAnimeList's state, runs from it exactly as the old worker would have, saves
 * it as `sync/mal/state.json` (version 2), and only then deletes the old object.
 */
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;

const noDate = { year: null, month: null, day: null };
const malState100 = {
  status: 'completed',
  is_rewatching: false,
  score: 8,
  num_watched_episodes: 12,
  num_times_rewatched: 0,
  comments: '',
  start_date: '2024-01-05',
  finish_date: '2024-02-01',
};
const malState101 = {
  status: 'watching',
  is_rewatching: false,
  score: 0,
  num_watched_episodes: 3,
  num_times_rewatched: 0,
  comments: 'from AniList',
  start_date: '',
  finish_date: '',
};
const malState102 = { ...malState101, comments: '', num_watched_episodes: 4 };
const malState103 = { ...malState101, comments: '', num_watched_episodes: 1 };

/** AniList entries as the version 1 worker stored them (before `episodes` and `format` existed). */
const entry102 = {
  id: 3,
  mediaId: 50_003,
  idMal: 102,
  title: 'Anime 3',
  status: 'CURRENT',
  score: 0,
  progress: 5,
  repeat: 0,
  notes: null,
  private: false,
  startedAt: noDate,
  completedAt: noDate,
  updatedAt: 1_700_000_900,
};
const entry103 = {
  ...entry102,
  id: 4,
  mediaId: 50_004,
  idMal: 103,
  title: 'Anime 4',
  progress: 2,
  updatedAt: 1_700_000_800,
};

/** The same entries read from AniList today, which also gives each media's episode count and format. */
const asReadToday = (entry: Omit<AniListEntry, 'episodes' | 'format'>): AniListEntry => ({
  ...entry,
  episodes: null,
  format: null,
});

/** A version 1 `sync/state.json`, written by hand in its exact shape. */
const V1 = {
  version: 1,
  anilistUser: 'alice',
  watermark: 1_700_000_799,
  lastFullSyncAt: NOW - 2 * HOUR,
  fullSyncPending: false,
  lastBackupAt: NOW - 20 * 24 * HOUR,
  mirrored: {
    '100': { title: 'Anime 1', anilistEntryId: 1, mediaId: 50_001, state: malState100, written: true },
    // Written before media ids were kept.
    '101': { title: 'Anime 2', anilistEntryId: 2, state: malState101, written: true },
    '102': { title: 'Anime 3', anilistEntryId: 3, mediaId: 50_003, state: malState102, written: true },
    // Already on MAL when mirroring began: never written by this system.
    '103': { title: 'Anime 4', anilistEntryId: 4, mediaId: 50_004, state: malState103, written: false },
  },
  pending: [
    // MAL was down: waits to be written, and holds the watermark below it.
    { entry: entry102, attempts: 2, lastError: 'mal_unavailable: MAL GET 503', permanent: false },
    // MAL rejected it: retried only once the entry changes on AniList.
    { entry: entry103, attempts: 1, lastError: 'mal_bad_request: invalid score', permanent: true },
  ],
};

const settings: SyncSettings = {
  anilistUser: 'alice',
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 10,
  deadlineSafetyMs: 0,
};

/** AniList as it is now (entries 1–4 as mirrored, entry 3 still at the version waiting), and MAL as the v1 state knew it. */
function setup() {
  const clock = new ManualClock(NOW);
  const anilist = new FakeAniList(
    [
      {
        ...entry102,
        id: 1,
        mediaId: 50_001,
        idMal: 100,
        title: 'Anime 1',
        status: 'COMPLETED',
        score: 80,
        progress: 12,
        startedAt: { year: 2024, month: 1, day: 5 },
        completedAt: { year: 2024, month: 2, day: 1 },
        updatedAt: 1_700_000_100,
      },
      {
        ...entry102,
        id: 2,
        mediaId: 50_002,
        idMal: 101,
        title: 'Anime 2',
        progress: 3,
        notes: 'from AniList',
        updatedAt: 1_700_000_200,
      },
      entry102,
      entry103,
    ].map(asReadToday),
  );
  anilist.now = () => clock.now();
  const reads: { full: number; since: number[] } = { full: 0, since: [] };
  const readAll = anilist.readAll.bind(anilist);
  anilist.readAll = async () => {
    reads.full++;
    return readAll();
  };
  const readChangedSince = anilist.readChangedSince.bind(anilist);
  anilist.readChangedSince = (user, watermark, options) => {
    reads.since.push(watermark);
    return readChangedSince(user, watermark, options);
  };
  const mal = new FakeMal();
  for (const [id, s] of Object.entries(V1.mirrored)) {
    const { num_watched_episodes, start_date, finish_date, ...rest } = s.state;
    mal.list.set(Number(id), {
      animeId: Number(id),
      title: s.title,
      listStatus: {
        ...(rest as typeof rest & { status: 'watching' }),
        num_episodes_watched: num_watched_episodes,
        ...(start_date ? { start_date } : {}),
        ...(finish_date ? { finish_date } : {}),
      },
    });
  }
  const store = new MemoryStore();
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [
      {
        prune: false,
        destination: createMalDestination({
          mal: () => mal,
          mapping: { mirrorPrivate: false, idOverrides: new Map() },
          authorized: async () => true,
        }),
      },
    ],
    store,
    events: new RecordingEvents(),
    clock,
    logger: silentLogger,
  };
  /** Every put and delete, in order. */
  const operations: string[] = [];
  const put = store.put.bind(store);
  store.put = async (key, body, condition) => {
    const result = await put(key, body, condition);
    operations.push(`put ${key}`);
    return result;
  };
  const del = store.delete.bind(store);
  store.delete = async (key) => {
    operations.push(`delete ${key}`);
    return del(key);
  };
  return { clock, anilist, mal, store, deps, reads, operations };
}

/** Version 1's retry entries as they load: entries stored before episodes and format existed get both as null. */
const pendingAsLoaded = V1.pending.map((p) => ({ ...p, entry: asReadToday(p.entry) }));

async function withV1(store: MemoryStore): Promise<void> {
  store.objects.set(KEYS.legacySyncState, { body: JSON.stringify(V1), etag: '"v1"' });
}

describe('the version 1 sync state', () => {
  test("loads as MyAnimeList's state with nothing lost: every record, retry entry, watermark and time", async () => {
    const { store } = setup();
    await withV1(store);
    const check = (s: unknown) => {
      if (typeof (s as { status?: unknown }).status !== 'string') throw new Error('not a MAL state');
    };
    const loaded = await loadDestinationState(store, 'mal', check);
    const { version: _v1, ...rest } = V1;
    expect(loaded).toEqual({
      state: { version: 2, destination: 'mal', ...rest, pending: pendingAsLoaded },
      migratedFrom: KEYS.legacySyncState,
    });
    // Only MyAnimeList reads it: it is no other destination's state.
    expect(await loadDestinationState(store, 'trakt', check)).toBeUndefined();
  });

  test('a version 1 object that does not match its shape is not guessed at: rebuilt by a full reconcile, keeping the valid records of what this system wrote', async () => {
    const { store } = setup();
    store.objects.set(KEYS.legacySyncState, {
      body: JSON.stringify({
        ...V1,
        mirrored: { ...V1.mirrored, '100': { ...V1.mirrored['100'], state: { status: 'rewatching' } } },
      }),
      etag: '"bad"',
    });
    const check = createMalDestination({
      mal: () => new FakeMal(),
      mapping: { mirrorPrivate: false, idOverrides: new Map() },
      authorized: async () => true,
    });
    const loaded = await loadDestinationState(store, 'mal', (s) => check.checkRecordState(s));
    expect(loaded?.recovered).toMatchObject({
      key: KEYS.legacySyncState,
      how: 'rebuilt',
      problem: expect.stringMatching(/sync\/state\.json does not match the expected shape \(at "mirrored\.100\.state"/),
      // 101 and 102 were written by this system and are still valid; 100 is not, 103 was never ours.
      salvagedRecords: 2,
    });
    expect(loaded?.migratedFrom).toBe(KEYS.legacySyncState);
    expect(loaded?.state).toMatchObject({ watermark: 0, fullSyncPending: true, lastFullSyncAt: null, pending: [] });
    expect(Object.keys(loaded!.state.mirrored).sort()).toEqual(['101', '102']);
  });

  test('the next run is incremental from it, retries what waited, and the old object goes only after the new one is saved', async () => {
    const { store, deps, anilist, mal, reads, operations } = setup();
    await withV1(store);
    // An edit made after the last version 1 run.
    anilist.upsert({ ...anilist.entries.get(2)!, progress: 4, updatedAt: 1_700_001_000 });

    const report = await runSync(deps, settings);
    expect(report.status).toBe('ok');
    // Incremental, from the version 1 watermark: no whole-list read of AniList, no read of MAL's list.
    expect(report.source.mode).toBe('incremental');
    expect(reads).toEqual({ full: 0, since: [V1.watermark] });
    expect(sectionOf(report)).toMatchObject({ mode: 'incremental', status: 'ok', applied: { written: 2 } });
    // The waiting entry is written; the rejected one is not tried again (it has not changed); the edit lands.
    expect(mal.writes).toEqual(
      expect.arrayContaining([
        { animeId: 102, fields: { num_watched_episodes: 5 } },
        { animeId: 101, fields: { num_watched_episodes: 4 } },
      ]),
    );
    expect(mal.writes).toHaveLength(2);
    expect(mal.requests).toBe(2);

    // Saved under the new key, then (and only then) the old object is deleted.
    expect(operations).toEqual([`put ${KEYS.syncState('mal')}`, `delete ${KEYS.legacySyncState}`]);
    expect(store.objects.has(KEYS.legacySyncState)).toBe(false);
    const saved = await malState(store);
    expect(saved).toMatchObject({
      version: 2,
      destination: 'mal',
      anilistUser: 'alice',
      watermark: 1_700_001_000,
      lastFullSyncAt: V1.lastFullSyncAt,
      fullSyncPending: false,
      lastBackupAt: V1.lastBackupAt,
      // The rejection stays, as in version 1; the retried entry is done.
      pending: [pendingAsLoaded[1]],
    });
    expect(saved.mirrored['100']).toEqual(V1.mirrored['100']);
    expect(saved.mirrored['101']).toEqual({
      ...V1.mirrored['101'],
      mediaId: 50_002,
      state: { ...malState101, num_watched_episodes: 4 },
    });
    expect(saved.mirrored['102']).toEqual({
      ...V1.mirrored['102'],
      state: { ...malState102, num_watched_episodes: 5 },
    });
    expect(saved.mirrored['103']).toEqual(V1.mirrored['103']);
    // No backup: version 1 had made one already.
    expect([...store.objects.keys()].filter((k) => k.startsWith(KEYS.backupPrefix))).toEqual([]);
  });

  test('a run with nothing to do still moves the state to its new key', async () => {
    const { store, deps, mal, operations } = setup();
    const quiet = { ...V1, watermark: 1_700_000_900, pending: [] };
    store.objects.set(KEYS.legacySyncState, { body: JSON.stringify(quiet), etag: '"v1"' });
    const report = await runSync(deps, settings);
    expect(sectionOf(report)).toMatchObject({ mode: 'incremental', status: 'ok', applied: { written: 0 } });
    expect(mal.requests).toBe(0);
    expect(operations).toEqual([`put ${KEYS.syncState('mal')}`, `delete ${KEYS.legacySyncState}`]);
    const { version: _v1, ...rest } = quiet;
    expect(await malState(store)).toEqual({ version: 2, destination: 'mal', ...rest });
  });

  test('when the new object cannot be saved, the old one stays, and the next run migrates it again', async () => {
    const { store, deps, mal } = setup();
    await withV1(store);
    store.hooks.beforePut = (key) => {
      if (key === KEYS.syncState('mal')) throw Object.assign(new Error('S3 500'), { code: 'store_error' });
    };
    const failed = await runSync(deps, settings);
    expect(failed.status).toBe('failed');
    expect(store.objects.get(KEYS.legacySyncState)?.body).toBe(JSON.stringify(V1));
    expect(store.objects.has(KEYS.syncState('mal'))).toBe(false);

    store.hooks = {};
    mal.writes = [];
    const next = await runSync(deps, settings);
    expect(next.status).toBe('ok');
    expect(store.objects.has(KEYS.legacySyncState)).toBe(false);
    expect((await malState(store)).pending).toEqual([pendingAsLoaded[1]]);
    // The write that landed before the failed save is repeated once, with the same fields.
    expect(mal.writes).toEqual([{ animeId: 102, fields: { num_watched_episodes: 5 } }]);
  });

  test('a dry run reads it but changes nothing, the old object included', async () => {
    const { store, deps, mal, operations } = setup();
    await withV1(store);
    const report = await runSync(deps, settings, { dryRun: true });
    expect(report.status).toBe('dry_run');
    expect(sectionOf(report)).toMatchObject({ mode: 'incremental', planned: { writes: 1 } });
    expect(operations).toEqual([]);
    expect(mal.requests).toBe(0);
    expect(store.objects.has(KEYS.legacySyncState)).toBe(true);
  });

  test('a version 2 object wins over a version 1 left behind', async () => {
    const { store, deps, reads } = setup();
    await withV1(store);
    await runSync(deps, settings);
    const migrated = await malState(store);
    expect(migrated.watermark).toBe(1_700_000_900);
    // The old object comes back (restored from a bucket version): it is ignored, the newer state is used.
    await withV1(store);
    reads.since.length = 0;
    await runSync(deps, settings);
    expect(reads.since).toEqual([1_700_000_900]);
    expect(await malState(store)).toEqual(migrated);
  });
});
