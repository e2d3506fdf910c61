import { ManualClock } from '../../../shared/clock';
import { createMalDestination } from '../../../shared/destinations/mal/destination';
import { type MappingOptions, mapEntry } from '../../../shared/destinations/mal/mapping';
import type { MalTarget } from '../../../shared/destinations/mal/types';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { StoreError } from '../../../shared/store/s3-store';
import { KEYS, type ObjectStore } from '../../../shared/store/store';
import { type DestinationRuntime, runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import type { DestinationReport, RunReport } from '../../../shared/sync/report';
import { INCREMENTAL_READ_LIMIT } from '../../../shared/sync/source';
import { type DestinationState, loadDestinationState, saveDestinationState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeAniList, FakeMal, RecordingEvents } from '../../support/fakes';

const settings: SyncSettings = {
  anilistUser: 'alice',
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 2,
  deadlineSafetyMs: 0,
};

const mapping: MappingOptions = { mirrorPrivate: false, idOverrides: new Map() };

/** The real MAL destination over a fake MAL: the engine drives the same seam as in production. */
function malRuntime(mal: MalTarget, prune = false): DestinationRuntime {
  return {
    prune,
    destination: createMalDestination({ mal: () => mal, mapping, authorized: async () => true }),
  };
}

function setup(count = 5) {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const entries = Array.from({ length: count }, (_, i) =>
    anilistEntry({ id: i + 1, idMal: 100 + i, status: 'COMPLETED', score: 70 + i, progress: 12, updatedAt: 1000 + i }),
  );
  const anilist = new FakeAniList(entries);
  const mal = new FakeMal();
  const store = new MemoryStore();
  const events = new RecordingEvents();
  const options = { prune: false };
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [malRuntime(mal, options.prune)],
    store,
    events,
    clock,
    logger: silentLogger,
  };
  /** The same system with another MAL client (faults that only a whole client can play). */
  const withMal = (other: MalTarget): SyncDeps => ({ ...deps, destinations: () => [malRuntime(other, options.prune)] });
  return { clock, anilist, mal, store, events, deps, options, withMal };
}

/** The MyAnimeList section of a run's report. */
function malOf(report: RunReport): DestinationReport {
  const section = report.destinations.find((d) => d.destination === 'mal');
  if (!section) throw new Error(`no MyAnimeList section in the report (${report.status}: ${report.error ?? ''})`);
  return section;
}

/** MyAnimeList's stored sync state (`sync/mal/state.json`), validated as the worker reads it. */
async function malState(store: ObjectStore): Promise<DestinationState> {
  const check = createMalDestination({ mal: () => new FakeMal(), mapping, authorized: async () => true });
  const loaded = await loadDestinationState(store, 'mal', (s) => check.checkRecordState(s));
  if (!loaded) throw new Error('no MyAnimeList state stored');
  return loaded.state;
}

/** What MAL must hold for an AniList entry, by the mapping rules. */
function expectMirrored(mal: FakeMal, anilist: FakeAniList) {
  for (const entry of anilist.entries.values()) {
    const mapped = mapEntry(entry, mapping);
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
    expect(report).toMatchObject({ status: 'ok', source: { mode: 'full' } });
    expect(malOf(report)).toMatchObject({ mode: 'full', status: 'ok', applied: { written: 5 } });
    expect(backupBeforeFirstWrite).toBe(true);
    const backupKey = malOf(report).backupKey!;
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
    expect(report).toMatchObject({ status: 'ok', source: { mode: 'incremental' } });
    expect(malOf(report)).toMatchObject({ mode: 'incremental', status: 'ok', applied: { written: 0 } });
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
    expect(malOf(report).mode).toBe('incremental');
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
    expect(malOf(failed).failures).toEqual([
      expect.objectContaining({ key: '100', target: 'MAL 100', permanent: false }),
    ]);
    const state = await malState(store);
    expect(state.pending.map((p) => p.entry.id)).toEqual([1]);
    expect(state.watermark).toBeLessThan(6000);

    mal.beforeWrite = undefined;
    mal.writes = [];
    const retried = await runSync(deps, settings);
    expect(retried.status).toBe('ok');
    expect(mal.writes).toEqual([{ animeId: 100, fields: { score: 1 } }]);
    // Every change is applied: the watermark reaches the newest one (AniList's clock is long past it).
    expect(await malState(store)).toMatchObject({ pending: [], watermark: 6001 });
  });

  test('a write MAL rejects as invalid does not block the watermark and is not retried until it changes', async () => {
    const { deps, mal, anilist, store } = setup();
    await runSync(deps, settings);
    anilist.upsert({ ...anilist.entries.get(1)!, score: 10, updatedAt: 6000 });
    mal.beforeWrite = () => {
      throw Object.assign(new Error('bad_request'), { code: 'mal_api_error', retryable: false });
    };
    const report = await runSync(deps, settings);
    expect(malOf(report).failures).toEqual([expect.objectContaining({ permanent: true })]);
    expect((await malState(store)).watermark).toBe(6000);
    mal.writes = [];
    mal.beforeWrite = undefined;
    await runSync(deps, settings);
    expect(mal.writes).toEqual([]);
    anilist.upsert({ ...anilist.entries.get(1)!, score: 20, updatedAt: 7000 });
    await runSync(deps, settings);
    expect(mal.writes).toEqual([{ animeId: 100, fields: { score: 2 } }]);
  });

  test('a write that keeps failing is given up after maxAttempts: reported rejected, and full runs stop', async () => {
    const { deps, mal, store } = setup(3);
    const limited: SyncSettings = { ...settings, maxAttempts: 3 };
    mal.beforeWrite = (id) => {
      if (id === 101) throw Object.assign(new Error('MAL 503'), { code: 'mal_api_error', retryable: true });
    };
    // The first full run is not complete while the write may still go through: the next run is full again.
    for (const attempt of [1, 2]) {
      const report = await runSync(deps, limited);
      expect(malOf(report)).toMatchObject({ mode: 'full', failures: [expect.objectContaining({ permanent: false })] });
      expect(await malState(store)).toMatchObject({ fullSyncPending: true, pending: [{ attempts: attempt }] });
    }
    const last = await runSync(deps, limited);
    expect(malOf(last)).toMatchObject({
      mode: 'full',
      failures: [expect.objectContaining({ key: '101', permanent: true })],
    });
    expect(await malState(store)).toMatchObject({
      fullSyncPending: false,
      pending: [{ attempts: 3, permanent: true }],
    });
    // Given up: the next run is incremental and does not try it again until the entry changes.
    mal.writes = [];
    const quiet = await runSync(deps, limited);
    expect(malOf(quiet).mode).toBe('incremental');
    expect(mal.writes).toEqual([]);
  });

  test('a run stops before its deadline and the next one resumes, writing nothing twice', async () => {
    const { deps, mal, anilist, clock } = setup(10);
    mal.beforeWrite = () => clock.advance(1000);
    const deadline = clock.now() + 3500;
    const first = await runSync(deps, settings, { deadline });
    expect(first.status).toBe('partial');
    expect(malOf(first)).toMatchObject({ status: 'partial', stoppedEarly: true, applied: { written: 4 } });
    const second = await runSync(deps, settings);
    expect(second.status).toBe('ok');
    expect(malOf(second)).toMatchObject({ status: 'ok', mode: 'full', applied: { written: 6 } });
    const writtenIds = mal.writes.map((w) => w.animeId);
    expect(new Set(writtenIds).size).toBe(writtenIds.length);
    expect(writtenIds).toHaveLength(10);
    expectMirrored(mal, anilist);
  });

  test('a deadline that moves forward mid-run (Ctrl-C locally) stops the run at the next write, losing nothing', async () => {
    const { deps, mal, anilist, clock } = setup(10);
    let stopRequested = false;
    mal.beforeWrite = (_id, n) => {
      if (n === 2) stopRequested = true;
    };
    const deadline = () => (stopRequested ? clock.now() : clock.now() + 3_600_000);
    const first = await runSync(deps, settings, { deadline });
    expect(first.status).toBe('partial');
    expect(malOf(first)).toMatchObject({ status: 'partial', stoppedEarly: true, applied: { written: 3 } });
    mal.beforeWrite = undefined;
    const second = await runSync(deps, settings);
    expect(second.status).toBe('ok');
    expect(malOf(second)).toMatchObject({ status: 'ok', applied: { written: 7 } });
    const writtenIds = mal.writes.map((w) => w.animeId);
    expect(new Set(writtenIds).size).toBe(10);
    expectMirrored(mal, anilist);
  });

  test('an edit made on AniList while the run is paging is picked up by the next run', async () => {
    const { deps, mal, anilist, store } = setup(120);
    await runSync(deps, settings);
    // Three pages of changes, all in AniList's second 9000, which is also when the read starts;
    // during the read, an entry already read on page 1 is edited again in that same second.
    anilist.now = () => 9000_000;
    for (let i = 1; i <= 120; i++) anilist.upsert({ ...anilist.entries.get(i)!, progress: 13, updatedAt: 9000 });
    anilist.afterPage = (page) => {
      if (page === 1) anilist.upsert({ ...anilist.entries.get(7)!, progress: 24, updatedAt: 9000 });
    };
    await runSync(deps, settings);
    expect((await malState(store)).watermark).toBeLessThan(9000);
    anilist.afterPage = undefined;
    mal.writes = [];
    await runSync(deps, settings);
    expect(mal.list.get(106)?.listStatus.num_episodes_watched).toBe(24);
    // The re-read costs no write but the one that was missed.
    expect(mal.writes).toEqual([{ animeId: 106, fields: { num_watched_episodes: 24 } }]);
  });

  test('an entry deleted on AniList while the run reads page 1 does not make it skip the next entry', async () => {
    const { deps, mal, anilist } = setup(120);
    await runSync(deps, settings);
    // 60 changes, newest first: 1..60. Deleting entry 1 after page 1 shifts the list up by one;
    // with page numbers, the entry moving from page 2 onto page 1 (entry 51) would never be read.
    for (let i = 1; i <= 60; i++) {
      anilist.upsert({ ...anilist.entries.get(i)!, score: 80, progress: 20, updatedAt: 9100 - i });
    }
    anilist.afterPage = (page) => {
      if (page === 1) anilist.entries.delete(1);
    };
    const report = await runSync(deps, settings);
    expect(report.source.fetched).toBe(60);
    for (let i = 2; i <= 60; i++) expect(mal.list.get(99 + i)?.listStatus.num_episodes_watched).toBe(20);
  });

  test('a quiet list costs one AniList request, reads no entry again and writes nothing', async () => {
    const { deps, mal, anilist } = setup(120);
    anilist.now = () => Date.UTC(2026, 5, 1);
    await runSync(deps, settings);
    anilist.requests = 0;
    mal.requests = 0;
    const report = await runSync(deps, settings);
    expect(report).toMatchObject({ status: 'ok', source: { mode: 'incremental', fetched: 0 } });
    expect(malOf(report)).toMatchObject({ mode: 'incremental', status: 'ok' });
    expect({ anilist: anilist.requests, mal: mal.requests }).toEqual({ anilist: 1, mal: 0 });
  });

  test('an AniList outage fails the run without losing anything', async () => {
    const { deps, mal, anilist, store } = setup();
    await runSync(deps, settings);
    const before = await malState(store);
    anilist.upsert({ ...anilist.entries.get(2)!, score: 33, updatedAt: 8000 });
    anilist.failNext = 1;
    const report = await runSync(deps, settings);
    expect(report.status).toBe('failed');
    expect(report.error).toContain('AniList is down');
    expect(await malState(store)).toEqual(before);
    await runSync(deps, settings);
    expect(mal.list.get(101)?.listStatus.score).toBe(3);
  });

  test('an S3 failure while saving progress loses nothing: the next run finishes the job', async () => {
    const { deps, mal, anilist, store } = setup(6);
    let puts = 0;
    store.hooks.beforePut = (key) => {
      if (key === KEYS.syncState('mal') && ++puts === 2) {
        throw Object.assign(new Error('S3 500'), { code: 'store_error' });
      }
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
    const { events, store, withMal } = setup();
    const reauth = Object.assign(new Error('no tokens'), { code: 'reauth_required', reason: 'no_tokens' });
    const report = await runSync(
      withMal({
        listAll: () => Promise.reject(reauth),
        update: () => Promise.reject(reauth),
        remove: () => Promise.reject(reauth),
      }),
      settings,
    );
    expect(report.status).toBe('reauth_required');
    expect(malOf(report)).toMatchObject({ status: 'reauth_required', reauthReason: 'no_tokens' });
    expect(events.reauth).toEqual([expect.objectContaining({ destination: 'mal', reason: 'no_tokens' })]);
    // Nothing of the run is recorded: the state only remembers that MAL waits for the user.
    expect(await malState(store)).toMatchObject({
      watermark: 0,
      lastFullSyncAt: null,
      fullSyncPending: true,
      lastBackupAt: null,
      mirrored: {},
      pending: [],
      authBlocked: { reason: 'no_tokens' },
    });
    expect([...store.objects.keys()].filter((k) => k.startsWith('backups/'))).toEqual([]);
  });

  test('a dry run plans but writes nothing to MAL or the store', async () => {
    const { deps, mal, store } = setup();
    const report = await runSync(deps, settings, { dryRun: true });
    expect(report.status).toBe('dry_run');
    expect(malOf(report)).toMatchObject({ status: 'dry_run', planned: { writes: 5 } });
    expect(malOf(report).writes).toHaveLength(5);
    expect(mal.writes).toHaveLength(0);
    expect(store.counters.put).toBe(0);
  });

  test('a daily full reconcile repairs an entry edited on MAL by hand', async () => {
    const { deps, mal, clock } = setup();
    await runSync(deps, settings);
    mal.list.set(100, { ...mal.list.get(100)!, listStatus: { ...mal.list.get(100)!.listStatus, score: 1 } });
    expect(malOf(await runSync(deps, settings)).mode).toBe('incremental');
    clock.advance(24 * 3_600_000);
    const report = await runSync(deps, settings);
    expect(malOf(report)).toMatchObject({ mode: 'full', applied: { written: 1 } });
    expect(mal.list.get(100)?.listStatus.score).toBe(7);
  });
});

describe('checkpoints', () => {
  test('are paced by time as well as by count, and the final save still records everything', async () => {
    const { deps, mal, store, clock, anilist } = setup(12);
    let checkpoints = 0;
    store.hooks.beforePut = (key) => {
      if (key === KEYS.syncState('mal')) checkpoints++;
    };
    // 1 s per write; count allows a checkpoint every 2 writes, time only every 5 s.
    mal.beforeWrite = () => clock.advance(1000);
    const report = await runSync(deps, { ...settings, checkpointIntervalMs: 5000 }, {});
    expect(malOf(report).applied.written).toBe(12);
    // Checkpoints after writes 5 and 10 (≥ 2 writes and ≥ 5 s each), plus the final save.
    expect(checkpoints).toBe(3);
    const state = await malState(store);
    expect(Object.keys(state.mirrored)).toHaveLength(12);
    expectMirrored(mal, anilist);
  });
});

describe('prune (PRUNE=true)', () => {
  /** 12 entries mirrored by this system; then AniList's full reads return `read` instead of its own. */
  async function mirroredTwelve() {
    const ctx = setup(12);
    ctx.options.prune = true;
    await runSync(ctx.deps, settings);
    ctx.mal.writes = [];
    ctx.clock.advance(24 * 3_600_000); // the next run is the daily full reconcile
    return ctx;
  }

  test('removes an entry deleted on AniList once AniList confirms it is gone', async () => {
    const { deps, mal, anilist } = await mirroredTwelve();
    const gone = anilist.entries.get(3)!;
    anilist.entries.delete(3);
    const report = await runSync(deps, settings);
    expect(report.status).toBe('ok');
    expect(malOf(report)).toMatchObject({ mode: 'full', status: 'ok', applied: { removed: 1 } });
    expect(anilist.presenceChecks).toEqual([[gone.mediaId]]);
    expect(mal.list.has(102)).toBe(false);
    expect(mal.list.size).toBe(11);
  });

  test('keeps an entry the full read missed but AniList still lists (a deletion while reading shifts chunks)', async () => {
    const { deps, mal, anilist } = await mirroredTwelve();
    const readAll = anilist.readAll.bind(anilist);
    anilist.readAll = async () => {
      const read = await readAll();
      return { ...read, entries: read.entries.filter((e) => e.id !== 3) };
    };
    const report = await runSync(deps, settings);
    expect(malOf(report).applied.removed).toBe(0);
    expect(malOf(report).pruneRefused).toMatch(/not removed from MAL: Anime 3: still on AniList/);
    expect(mal.list.has(102)).toBe(true);
  });

  test('keeps the MAL entry of an AniList entry that came back unreadable', async () => {
    const { deps, mal, anilist } = await mirroredTwelve();
    const readAll = anilist.readAll.bind(anilist);
    anilist.readAll = async () => {
      const read = await readAll();
      const broken = read.entries.find((e) => e.id === 3)!;
      return {
        ...read,
        entries: read.entries.filter((e) => e !== broken),
        invalid: [{ entryId: 3, mediaId: broken.mediaId, location: 'chunk 1', reason: 'progress is "lots"' }],
      };
    };
    const report = await runSync(deps, settings);
    expect(malOf(report).applied.removed).toBe(0);
    expect(malOf(report).orphans).toEqual([]);
    expect(anilist.presenceChecks).toEqual([]);
    expect(mal.list.has(102)).toBe(true);
  });

  test('an entry that cannot even be identified blocks pruning for the run', async () => {
    const { deps, mal, anilist } = await mirroredTwelve();
    anilist.entries.delete(5);
    const readAll = anilist.readAll.bind(anilist);
    anilist.readAll = async () => ({
      ...(await readAll()),
      invalid: [{ entryId: null, mediaId: null, location: 'chunk 1 lists[0].entries[4]', reason: 'not an object' }],
    });
    const report = await runSync(deps, settings);
    expect(malOf(report).applied.removed).toBe(0);
    expect(malOf(report).pruneRefused).toMatch(/could not be read or identified \(chunk 1 lists\[0\]\.entries\[4\]\)/);
    expect(mal.list.has(104)).toBe(true);
  });

  test('never touches an entry it did not write, nor one it has no AniList media id on record for', async () => {
    const { deps, mal, anilist, store } = await mirroredTwelve();
    // An entry the user added on MAL by hand, and a record from before media ids were kept.
    mal.list.set(999, { ...mal.list.get(100)!, animeId: 999 });
    const saved = await malState(store);
    const { mediaId: _dropped, ...withoutMediaId } = saved.mirrored['101']!;
    await saveDestinationState(store, { ...saved, mirrored: { ...saved.mirrored, '101': withoutMediaId } });
    anilist.entries.delete(2);
    const report = await runSync(deps, settings);
    expect(malOf(report).applied.removed).toBe(0);
    expect(malOf(report).pruneRefused).toMatch(/Anime 2: its AniList media id is not on record yet/);
    expect(mal.list.has(101)).toBe(true);
    expect(mal.list.has(999)).toBe(true);
  });
});

describe('run shape', () => {
  test('the first write ever is preceded by a backup, even when it comes in an incremental run', async () => {
    const { deps, mal, anilist, store } = setup();
    // MAL already matches, so the first (full) run writes nothing and backs nothing up.
    for (const e of anilist.entries.values()) {
      const mapped = mapEntry(e, mapping);
      if (mapped.kind !== 'mapped') continue;
      await mal.update(mapped.malId, mapped.desired);
    }
    mal.writes = [];
    expect(malOf(await runSync(deps, settings)).applied.written).toBe(0);
    expect([...store.objects.keys()].filter((k) => k.startsWith('backups/'))).toEqual([]);
    anilist.upsert({ ...anilist.entries.get(1)!, score: 95, updatedAt: 5000 });
    let backedUpFirst = false;
    mal.beforeWrite = () => {
      backedUpFirst = [...store.objects.keys()].some((k) => k.startsWith('backups/'));
    };
    const report = await runSync(deps, settings);
    expect(malOf(report)).toMatchObject({ mode: 'incremental', applied: { written: 1 } });
    expect(backedUpFirst).toBe(true);
    expect(malOf(report).backupKey).toMatch(/^backups\//);
  });

  test(`more than ${INCREMENTAL_READ_LIMIT} changes since the last run are read as a full reconcile`, async () => {
    const { deps, anilist, mal } = setup(600);
    await runSync(deps, settings);
    for (let i = 1; i <= 520; i++) anilist.upsert({ ...anilist.entries.get(i)!, progress: 13, updatedAt: 9000 + i });
    anilist.requests = 0;
    mal.writes = [];
    const infos: [string, Record<string, unknown> | undefined][] = [];
    const logger = {
      ...silentLogger,
      info: (message: string, fields?: Record<string, unknown>) => infos.push([message, fields]),
    };
    const report = await runSync({ ...deps, logger }, settings);
    expect(report.source.mode).toBe('full');
    expect(malOf(report).mode).toBe('full');
    // The log says why this run reads everything.
    expect(infos).toContainEqual([
      'many changes since the last run: reading the whole list instead',
      { runId: report.runId, changedAtLeast: INCREMENTAL_READ_LIMIT },
    ]);
    // 10 pages of the incremental read, then 2 chunks of the full read.
    expect(anilist.requests).toBe(12);
    expect(mal.writes.length).toBe(malOf(report).applied.written);
    expectMirrored(mal, anilist);
  });

  test('a write that fails because S3 could not hand over the tokens stays in the retry list', async () => {
    const { deps, anilist, store, withMal } = setup();
    await runSync(deps, settings);
    anilist.upsert({ ...anilist.entries.get(1)!, score: 95, updatedAt: 5000 });
    const report = await runSync(
      withMal({
        listAll: async () => [],
        update: () => Promise.reject(new StoreError('Reading s3://bucket/auth/tokens.json failed: InternalError')),
        remove: async () => {},
      }),
      settings,
    );
    expect(malOf(report).failures).toEqual([expect.objectContaining({ permanent: false })]);
    const state = await malState(store);
    expect(state.pending).toEqual([expect.objectContaining({ permanent: false })]);
    expect(state.watermark).toBeLessThan(5000);
  });
});
