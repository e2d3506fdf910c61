import { createAwsPlatform } from '../../../lambdas/runtime';
import { type BaseRestoreDeps, restoreDeps } from '../../../local/restore/deps';
import { formatBackupList, formatRestorePlan } from '../../../local/restore/format';
import { generateAniListEntries, generateAniListMangaEntries } from '../../../local/sandbox/anilist';
import { loadWorkerConfig } from '../../../shared/destinations';
import { toComparableManga } from '../../../shared/destinations/mal/manga';
import { toComparable } from '../../../shared/destinations/mal/mapping';
import {
  findMalBackup,
  listMalBackups,
  previewMalRestore,
  restoreMal,
  resumeMalSync,
} from '../../../shared/destinations/mal/restore';
import type { MalListEntry, MalMangaListEntry } from '../../../shared/destinations/mal/types';
import { KEYS } from '../../../shared/store/store';
import { updateDestinationState } from '../../../shared/sync/pause';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';
import { malState } from '../../support/state';

const PATCH = 'PATCH /v2/anime/:id/my_list_status';
const DELETE = 'DELETE /v2/anime/:id/my_list_status';
const KEPT_BY_HAND = 999_001;
const ADDED_BY_HAND_SINCE = 999_002;

/**
 * Undo from a backup over real HTTP: the sandbox MAL, s3rver, and the MAL destination exactly as the
 * worker builds it (its paced, retrying client and token refresh), as `npm run restore` uses them.
 */
describe('restore MAL from a backup', () => {
  let system: TestSystem;
  let deps: BaseRestoreDeps;
  let endOfRun: () => Promise<void>;
  /** The MAL list before the first sync, which the first sync backed up before writing. */
  let before: MalListEntry[];
  let backupKey: string;

  beforeEach(async () => {
    system = await startTestSystem({ anilistEntries: generateAniListEntries(30, 7) });
    const mal = system.mal!;
    const ids = system
      .anilist!.store.entries()
      .filter((e) => e.media?.idMal && !e.private && !e.hiddenFromStatusLists)
      .map((e) => e.media!.idMal!);
    // MAL already holds three of them with other values, and one anime that never came from AniList.
    mal.state.setList([
      ...ids.slice(0, 3).map((animeId) => ({ animeId, listStatus: { status: 'on_hold' as const, score: 2 } })),
      { animeId: KEPT_BY_HAND, listStatus: { status: 'plan_to_watch', comments: 'mine' } },
    ]);
    before = mal.state.list();
    expect(sectionOf(await authorize(system))).toMatchObject({ mode: 'full', status: 'ok' });
    const platform = createAwsPlatform(loadWorkerConfig(system.env).base, { store: system.store, events: system.bus });
    ({ restore: deps, endOfRun } = await restoreDeps(system.env, platform));
    backupKey = await findMalBackup(system.store, 'latest');
    mal.resetCounters();
  });
  afterEach(async () => {
    await endOfRun?.();
    await system?.close();
  });

  const writes = () => (system.mal!.counters.byRoute[PATCH] ?? 0) + (system.mal!.counters.byRoute[DELETE] ?? 0);
  const comparable = (list: readonly MalListEntry[]) =>
    Object.fromEntries(list.map((e) => [e.animeId, toComparable(e.listStatus)]));

  /** What the user does after the bad sync: removes one backed-up entry and adds one on MAL by hand. */
  function editByHand() {
    const mal = system.mal!;
    mal.state.setList([
      ...mal.state
        .list()
        .filter((e) => e.animeId !== KEPT_BY_HAND)
        .map((e) => ({ animeId: e.animeId, title: e.title, listStatus: e.listStatus })),
      { animeId: ADDED_BY_HAND_SINCE, listStatus: { status: 'watching' } },
    ]);
  }

  test('--list shows each backup with its date and entry count', async () => {
    const backups = await listMalBackups(system.store);
    expect(backups).toEqual([
      expect.objectContaining({
        key: backupKey,
        entries: before.length,
        takenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      }),
    ]);
    expect(Date.parse(backups[0]!.takenAt)).not.toBeNaN();
    expect(formatBackupList(backups)).toMatch(/mal-animelist-\S+ {2}\w+day, \d+ \w+ \d{4}, \d\d:\d\d UTC {2}4 entries/);
  });

  test('--dry-run prints the plan and writes nothing', async () => {
    editByHand();
    const stateBefore = (await system.store.get(KEYS.syncState('mal')))?.body;
    const keysBefore = await system.store.list('');
    const { plan } = await previewMalRestore(deps, backupKey);
    const added = plan.writes.filter((w) => w.kind === 'remove');
    expect(added.length).toBeGreaterThan(10);
    expect(plan.writes.filter((w) => w.kind === 'put').map((w) => w.key)).toEqual(
      expect.arrayContaining([String(KEPT_BY_HAND), ...before.slice(0, 3).map((e) => String(e.animeId))]),
    );
    expect(plan.keptHandAdded).toEqual([{ key: String(ADDED_BY_HAND_SINCE), title: expect.any(String) }]);
    const text = formatRestorePlan('x', plan, true);
    expect(text).toMatch(/would change \d+ MAL entries: 3 set back, 1 added back, \d+ removed/);
    expect(text).toContain(`(MAL ${ADDED_BY_HAND_SINCE}): added since the backup, not by this system: left alone`);
    expect(writes()).toBe(0);
    expect((await system.store.get(KEYS.syncState('mal')))?.body).toBe(stateBefore);
    expect(await system.store.list('')).toEqual(keysBefore);
  });

  test('puts MAL back, leaves a hand-added entry alone, backs up first, and pauses sync until --resume', async () => {
    editByHand();
    const current = system.mal!.state.list();
    const exportsBefore = await system.store.list('exports/');
    const midRun: { paused?: unknown; writesByWorker: number }[] = [];
    const result = await restoreMal(
      {
        ...deps,
        onProgress: async (settled) => {
          if (settled !== 2) return;
          // A scheduled worker run in the middle of the restore sits MAL out.
          const at = writes();
          await system.runSync();
          midRun.push({ paused: sectionOf(system.reports.at(-1)!).paused, writesByWorker: writes() - at });
        },
      },
      backupKey,
    );
    expect(result).toMatchObject({ complete: true, failures: [] });
    expect(midRun).toEqual([
      {
        paused: { reason: expect.stringContaining('a restore from a backup is running'), since: expect.any(String) },
        writesByWorker: 0,
      },
    ]);
    // MAL is the backup again, plus the entry added by hand since.
    const after = system.mal!.state.list();
    expect(comparable(after.filter((e) => e.animeId !== ADDED_BY_HAND_SINCE))).toEqual(comparable(before));
    expect(system.mal!.state.getEntry(ADDED_BY_HAND_SINCE)).toBeDefined();
    expect(writes()).toBe(result.plan.writes.length);
    // Nothing a sync run saves on the side is saved (an XML export of an empty plan would be wrong).
    expect(await system.store.list('exports/')).toEqual(exportsBefore);
    // The list as it was just before the restore was backed up first.
    const saved = await system.store.get(result.savedBackupKey);
    expect(
      comparable(
        JSON.parse(saved!.body).data.map((d: { node: { id: number }; list_status: never }) => ({
          animeId: d.node.id,
          listStatus: d.list_status,
        })),
      ),
    ).toEqual(comparable(current));
    // The records match the restored list, and sync stays paused (no expiry) until --resume.
    const state = await malState(system.store);
    const records = Object.entries(state.mirrored);
    expect(records.map(([key]) => Number(key)).sort()).toEqual(
      before
        .slice(0, 3)
        .map((e) => e.animeId)
        .sort(),
    );
    for (const [key, record] of records) expect(record.state).toEqual(comparable(after)[key]);
    expect(state.paused).toEqual({
      reason: expect.stringContaining('npm run restore -- --resume'),
      since: expect.any(Number),
    });
    expect(state.fullSyncPending).toBe(true);
    await system.runSync();
    expect(sectionOf(system.reports.at(-1)!).paused).toBeDefined();
    expect(writes()).toBe(result.plan.writes.length);

    await resumeMalSync(deps);
    await system.runSync();
    const resumed = sectionOf(system.reports.at(-1)!);
    expect(resumed).toMatchObject({ mode: 'full', status: 'ok' });
    expect(resumed.paused).toBeUndefined();
    expect(resumed.applied.written).toBeGreaterThan(10);
  });

  test('stopped part-way (Ctrl-C), then run again: it goes on where it stopped and converges', async () => {
    editByHand();
    let stop = false;
    const first = await restoreMal(
      {
        ...deps,
        stopAt: () => (stop ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY),
        onProgress: (n) => {
          stop = n >= 5;
        },
      },
      backupKey,
    );
    expect(first).toMatchObject({ complete: false, stoppedBy: 'deadline' });
    expect(writes()).toBe(5);
    // Stopped cleanly: sync stays paused, and the restore may be run again at once.
    expect((await malState(system.store)).paused).toEqual({
      reason: expect.stringContaining('stopped before it finished'),
      since: expect.any(Number),
    });
    const second = await restoreMal(deps, backupKey);
    expect(second).toMatchObject({ complete: true });
    expect(second.plan.writes).toHaveLength(first.plan.writes.length - 5);
    expect(writes()).toBe(first.plan.writes.length);
    expect(comparable(system.mal!.state.list().filter((e) => e.animeId !== ADDED_BY_HAND_SINCE))).toEqual(
      comparable(before),
    );
  });

  test('MAL throttling: the breaker stops it after 3 throttled writes; run again later, it finishes', async () => {
    for (const route of ['write', 'delete'] as const) system.mal!.faults.inject({ route, kind: 429, times: 1000 });
    const first = await restoreMal(deps, backupKey);
    expect(first).toMatchObject({ complete: false, stoppedBy: 'throttled', applied: { written: 0, removed: 0 } });
    expect(writes()).toBe(3);
    expect((await malState(system.store)).paused?.reason).toContain('stopped before it finished');
    system.mal!.faults.clear();
    expect(await restoreMal(deps, backupKey)).toMatchObject({ complete: true });
    expect(comparable(system.mal!.state.list())).toEqual(comparable(before));
  });

  test('an error part-way leaves sync paused and the restore free to run again', async () => {
    const fault = new Error('boom');
    await expect(
      restoreMal(
        {
          ...deps,
          onProgress: (n) => {
            if (n === 3) throw fault;
          },
        },
        backupKey,
      ),
    ).rejects.toBe(fault);
    expect((await malState(system.store)).paused).toEqual({
      reason: expect.stringContaining('stopped before it finished'),
      since: expect.any(Number),
    });
    await system.runSync();
    expect(sectionOf(system.reports.at(-1)!).paused).toBeDefined();
    expect(await restoreMal(deps, backupKey)).toMatchObject({ complete: true });
    expect(comparable(system.mal!.state.list())).toEqual(comparable(before));
  });

  test('a restore whose process died holds sync paused until its pause expires, or --take-over', async () => {
    // What a killed restore leaves behind: its pause, with its holder and expiry.
    const now = Date.now();
    await updateDestinationState(
      system.store,
      'mal',
      () => undefined,
      (s) => ({
        ...s!,
        paused: { reason: 'a restore from a backup is running', since: now, until: now + 60_000, holder: 'dead' },
      }),
    );
    await expect(restoreMal(deps, backupKey)).rejects.toThrow(/another restore is running.*--take-over/);
    await expect(resumeMalSync(deps)).rejects.toThrow(/a restore is still running/);
    await system.runSync();
    expect(sectionOf(system.reports.at(-1)!).paused).toBeDefined();
    expect(writes()).toBe(0);
    expect(await restoreMal(deps, backupKey, { takeOver: true })).toMatchObject({ complete: true });
    expect(comparable(system.mal!.state.list())).toEqual(comparable(before));
  });
});

const MANGA_PATCH = 'PATCH /v2/manga/:id/my_list_status';
const MANGA_DELETE = 'DELETE /v2/manga/:id/my_list_status';
const MANGA_KEPT_BY_HAND = 888_001;
const MANGA_ADDED_BY_HAND_SINCE = 888_002;

/** MIRROR_MANGA=true: a backup holds MAL's manga list too, and a restore puts it back over real HTTP. */
describe('restore MAL from a backup: the manga list', () => {
  let system: TestSystem;
  let deps: BaseRestoreDeps;
  let endOfRun: () => Promise<void>;
  let mangaBefore: MalMangaListEntry[];
  let backupKey: string;

  beforeEach(async () => {
    system = await startTestSystem({
      anilistEntries: [...generateAniListEntries(8, 7), ...generateAniListMangaEntries(8, 7)],
      env: { MIRROR_MANGA: 'true' },
    });
    const mangaIds = system
      .anilist!.store.entries()
      .filter((e) => e.media?.type === 'MANGA' && e.media.idMal && !e.private && !e.hiddenFromStatusLists)
      .map((e) => e.media!.idMal!);
    expect(mangaIds.length).toBeGreaterThan(3);
    // MAL's manga list holds one of AniList's manga with other values (the sync's "bad edit"), and one by hand.
    system.mal!.state.setMangaList({
      data: [
        { node: { id: mangaIds[0], title: 'Manga on MAL' }, list_status: { status: 'on_hold', score: 3 } },
        { node: { id: MANGA_KEPT_BY_HAND, title: 'Manga kept by hand' }, list_status: { status: 'reading' } },
      ],
      paging: {},
    });
    mangaBefore = system.mal!.state.mangaList();
    expect(sectionOf(await authorize(system))).toMatchObject({ mode: 'full', status: 'ok' });
    // The sync changed the manga on MAL and added the others: what the restore is to undo.
    expect(system.mal!.state.mangaList().length).toBeGreaterThan(mangaBefore.length);
    const platform = createAwsPlatform(loadWorkerConfig(system.env).base, { store: system.store, events: system.bus });
    ({ restore: deps, endOfRun } = await restoreDeps(system.env, platform));
    backupKey = await findMalBackup(system.store, 'latest');
    system.mal!.resetCounters();
  });
  afterEach(async () => {
    await endOfRun?.();
    await system?.close();
  });

  const comparableManga = (list: readonly MalMangaListEntry[]) =>
    Object.fromEntries(list.map((e) => [e.mangaId, toComparableManga(e.listStatus)]));
  const mangaWrites = () =>
    (system.mal!.counters.byRoute[MANGA_PATCH] ?? 0) + (system.mal!.counters.byRoute[MANGA_DELETE] ?? 0);

  function addMangaByHand() {
    system.mal!.state.setMangaList({
      data: [
        ...system.mal!.state.mangaListResponse().data,
        {
          node: { id: MANGA_ADDED_BY_HAND_SINCE, title: 'Manga added by hand since' },
          list_status: { status: 'reading' },
        },
      ],
      paging: {},
    });
  }

  test('--list and --dry-run show the manga list, labelled', async () => {
    const [backup] = await listMalBackups(system.store);
    expect(backup).toMatchObject({ mangaEntries: 2 });
    expect(formatBackupList([backup!])).toMatch(/entries, 2 manga$/);
    addMangaByHand();
    const { plan } = await previewMalRestore(deps, backupKey);
    const text = formatRestorePlan('x', plan, true);
    expect(text).toMatch(
      /\nManga list: restoring it would change \d+ MAL manga entries: 1 set back, 0 added back, \d+ removed/,
    );
    expect(text).toContain(
      `(MAL manga ${MANGA_ADDED_BY_HAND_SINCE}): added since the backup, not by this system: left alone`,
    );
    expect(mangaWrites()).toBe(0);
  });

  test('puts the manga list back: the bad edit undone, manga added by this system removed, a hand-added one left alone', async () => {
    addMangaByHand();
    // One manga this system added, removed on MAL by hand since: nothing to write, but its record must go.
    const ours = system.mal!.state.mangaList().find((e) => !mangaBefore.some((b) => b.mangaId === e.mangaId))!;
    system.mal!.state.setMangaList({
      data: system
        .mal!.state.mangaListResponse()
        .data.filter((d) => (d as { node: { id: number } }).node.id !== ours.mangaId),
      paging: {},
    });
    expect((await malState(system.store)).mirrored[`manga:${ours.mangaId}`]).toBeDefined();
    const result = await restoreMal(deps, backupKey);
    expect(result).toMatchObject({ complete: true, failures: [] });
    const after = system.mal!.state.mangaList();
    expect(comparableManga(after.filter((e) => e.mangaId !== MANGA_ADDED_BY_HAND_SINCE))).toEqual(
      comparableManga(mangaBefore),
    );
    expect(after.some((e) => e.mangaId === MANGA_ADDED_BY_HAND_SINCE)).toBe(true);
    expect(mangaWrites()).toBe(result.plan.manga!.writes.length);
    expect(system.mal!.counters.byRoute[MANGA_DELETE]).toBeGreaterThan(0);
    // The list as it was before the restore, manga included, was backed up first.
    expect(JSON.parse((await system.store.get(result.savedBackupKey))!.body).manga.data).toHaveLength(
      after.length + result.plan.manga!.writes.filter((w) => w.kind === 'remove').length,
    );
    // The manga records reflect the restored list: only the manga that came from AniList and is still there.
    const state = await malState(system.store);
    const mangaRecords = Object.entries(state.mirrored).filter(([key]) => key.startsWith('manga:'));
    const restored = comparableManga(after);
    expect(mangaRecords.map(([key]) => key)).toEqual([`manga:${mangaBefore[0]!.mangaId}`]);
    expect(mangaRecords[0]![1].state).toEqual(restored[mangaBefore[0]!.mangaId]);
  });

  test('with MIRROR_MANGA off now, a backup holding the manga list still puts it back (read on its own)', async () => {
    const env = { ...system.env, MIRROR_MANGA: 'false' };
    const platform = createAwsPlatform(loadWorkerConfig(env).base, { store: system.store, events: system.bus });
    const off = await restoreDeps(env, platform);
    try {
      const result = await restoreMal(off.restore, backupKey);
      expect(result).toMatchObject({ complete: true, failures: [] });
      expect(result.plan.manga?.writes.length).toBeGreaterThan(0);
      expect(comparableManga(system.mal!.state.mangaList())).toEqual(comparableManga(mangaBefore));
      // The list as it was before, manga included, was backed up first.
      expect(JSON.parse((await system.store.get(result.savedBackupKey))!.body).manga.data.length).toBeGreaterThan(
        mangaBefore.length,
      );
    } finally {
      await off.endOfRun();
    }
  });

  test('an older backup without a manga list restores the anime list only: the manga list and its records stay', async () => {
    const body = JSON.parse((await system.store.get(backupKey))!.body);
    delete body.manga;
    await system.store.put(backupKey, JSON.stringify(body));
    const mangaNow = system.mal!.state.mangaList();
    const recordsNow = Object.entries((await malState(system.store)).mirrored).filter(([k]) => k.startsWith('manga:'));
    expect(recordsNow.length).toBeGreaterThan(1);
    const result = await restoreMal(deps, backupKey);
    expect(result).toMatchObject({ complete: true });
    expect(result.plan.manga).toBeUndefined();
    expect(formatRestorePlan('x', result.plan, false)).toContain(
      'Manga list: left as it is, with its sync records (the backup holds no manga list',
    );
    expect(mangaWrites()).toBe(0);
    expect(system.mal!.state.mangaList()).toEqual(mangaNow);
    const recordsAfter = Object.entries((await malState(system.store)).mirrored).filter(([k]) =>
      k.startsWith('manga:'),
    );
    expect(recordsAfter).toEqual(recordsNow);
  });
});
