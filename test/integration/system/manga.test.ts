import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildAniListFixture,
  EMPTY_DATE,
  generateAniListEntries,
  generateAniListMangaEntries,
  type SandboxEntry,
} from '../../../local/sandbox/anilist';
import { KEYS } from '../../../shared/store/store';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';
import { malState } from '../../support/state';

const MANGA_PATCH = 'PATCH /v2/manga/:id/my_list_status';
const MANGA_DELETE = 'DELETE /v2/manga/:id/my_list_status';

/** One manga list entry, as the sandbox AniList stores it. */
function manga(id: number, fields: Partial<SandboxEntry> & { idMal: number | null; title?: string }): SandboxEntry {
  const { idMal, title, ...rest } = fields;
  return {
    id,
    mediaId: 700_000 + id,
    status: 'CURRENT',
    score: 0,
    progress: 0,
    progressVolumes: 0,
    repeat: 0,
    priority: 0,
    private: false,
    notes: null,
    hiddenFromStatusLists: false,
    customLists: [],
    startedAt: EMPTY_DATE,
    completedAt: EMPTY_DATE,
    createdAt: 1_700_000_000,
    updatedAt: 1_700_000_000 + id,
    media: {
      id: 700_000 + id,
      idMal,
      title: { romaji: title ?? `Manga ${id}`, english: null, native: null },
      format: 'MANGA',
      episodes: null,
      type: 'MANGA',
      chapters: 200,
      volumes: 20,
    },
    ...rest,
  };
}

const READING = manga(9_001, {
  idMal: 2,
  title: 'Berserk',
  status: 'CURRENT',
  score: 95,
  progress: 120,
  progressVolumes: 14,
  notes: 'the eclipse <3 & more',
  startedAt: { year: 2020, month: 1, day: 5 },
});
const REREADING = manga(9_002, {
  idMal: 13,
  title: 'One Piece',
  status: 'REPEATING',
  score: 84,
  progress: 30,
  progressVolumes: 3,
  repeat: 2,
  startedAt: { year: 2019, month: 3, day: 1 },
  completedAt: { year: 2021, month: 7, day: 9 },
});
const PLANNED = manga(9_003, { idMal: 656, title: 'Vagabond', status: 'PLANNING' });
const NO_MAL_ID = manga(9_004, { idMal: null, title: 'AniList-only Manga', status: 'COMPLETED', progress: 10 });
const OVERRIDDEN = manga(9_005, { idMal: 99, title: 'Wrong id on AniList', status: 'PAUSED', progress: 7 });
const ALL_MANGA = [READING, REREADING, PLANNED, NO_MAL_ID, OVERRIDDEN];

const ANIME = generateAniListEntries(20, 5);

describe('MIRROR_MANGA=true against the sandboxes', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system?.close();
  });

  async function start(env: Record<string, string> = {}, local: Record<string, string> = {}) {
    system = await startTestSystem({
      anilistEntries: [...ANIME, ...ALL_MANGA],
      env: {
        MIRROR_MANGA: 'true',
        // AniList media id → MAL id: an AniList manga id maps to a MAL *manga* id.
        ID_OVERRIDES: JSON.stringify({ [OVERRIDDEN.mediaId]: 4_242 }),
        ...env,
      },
      local,
    });
    const first = await authorize(system);
    expect(first.status).toBe('ok');
    return first;
  }

  const onMal = (malId: number) => system.mal!.state.mangaList().find((e) => e.mangaId === malId);

  test('the first sync writes the manga list with MAL manga fields; missing idMal is skipped and reported; ID_OVERRIDES apply', async () => {
    const first = await start();
    expect(onMal(2)?.listStatus).toMatchObject({
      status: 'reading',
      is_rereading: false,
      score: 10,
      num_chapters_read: 120,
      num_volumes_read: 14,
      num_times_reread: 0,
      comments: 'the eclipse <3 & more',
      start_date: '2020-01-05',
    });
    expect(onMal(2)?.listStatus.finish_date).toBeUndefined();
    // REPEATING → completed with is_rereading.
    expect(onMal(13)?.listStatus).toMatchObject({
      status: 'completed',
      is_rereading: true,
      score: 8,
      num_chapters_read: 30,
      num_volumes_read: 3,
      num_times_reread: 2,
      start_date: '2019-03-01',
      finish_date: '2021-07-09',
    });
    expect(onMal(656)?.listStatus).toMatchObject({ status: 'plan_to_read', num_chapters_read: 0 });
    // ID_OVERRIDES wins over AniList's idMal for manga too.
    expect(onMal(4_242)?.listStatus).toMatchObject({ status: 'on_hold', num_chapters_read: 7 });
    expect(onMal(99)).toBeUndefined();
    expect(system.mal!.state.mangaList()).toHaveLength(4);

    const section = sectionOf(first);
    expect(section.skipped.filter((s) => s.anilistEntryId === NO_MAL_ID.id || s.detail.includes('manga'))).toEqual([
      expect.objectContaining({
        anilistEntryId: NO_MAL_ID.id,
        reason: 'no_mal_id',
        detail: 'AniList has no MyAnimeList id for this manga',
      }),
    ]);
    // The anime list is mirrored as always, and no manga landed on it.
    const animeIds = new Set(system.mal!.state.list().map((e) => e.animeId));
    for (const id of [2, 13, 656, 4_242])
      expect(animeIds.has(id) && !ANIME.some((a) => a.media?.idMal === id)).toBe(false);

    // The backup taken before the first write holds the manga list too (empty then), in MAL's shape.
    expect(section.backupKey).toBeDefined();
    const backup = JSON.parse((await system.store.get(section.backupKey!))!.body);
    expect(backup).toMatchObject({ data: expect.any(Array), paging: {}, manga: { data: [], paging: {} } });

    const state = await malState(system.store);
    expect(state.mirrored['manga:2']).toMatchObject({ written: true, anilistEntryId: READING.id });
  });

  test('steady state with anime and manga: one AniList request, no MAL request; a manga edit costs one PATCH', async () => {
    await start();
    system.anilist!.resetCounters();
    system.mal!.resetCounters();
    await system.runSync();
    const quiet = system.reports.at(-1)!;
    expect(sectionOf(quiet)).toMatchObject({ mode: 'incremental', status: 'ok' });
    expect(system.anilist!.counters.requests).toBe(1);
    // Both lists' first pages in that one request.
    expect(system.anilist!.counters.byOperation).toEqual({ Page: 2 });
    expect(system.mal!.counters.requests).toBe(0);

    system.anilist!.store.upsertEntry({ id: READING.id, progress: 121 });
    system.anilist!.resetCounters();
    await system.runSync();
    const edited = system.reports.at(-1)!;
    expect(sectionOf(edited)).toMatchObject({ mode: 'incremental', status: 'ok' });
    expect(system.anilist!.counters.requests).toBe(1);
    expect(system.mal!.counters.byRoute).toEqual({ [MANGA_PATCH]: 1 });
    expect(onMal(2)?.listStatus.num_chapters_read).toBe(121);
  });

  test('a manga write MAL refuses for now stays in the retry list and holds the watermark until it lands', async () => {
    await start({ HTTP_MAX_ATTEMPTS: '1' });
    const before = (await malState(system.store)).watermark;
    system.anilist!.store.upsertEntry({ id: REREADING.id, progress: 31 });
    system.mal!.faults.inject({ route: 'write', times: 1, kind: 503 });
    await system.runSync();
    const failed = system.reports.at(-1)!;
    expect(sectionOf(failed).failures).toEqual([expect.objectContaining({ target: 'MAL manga 13', permanent: false })]);
    const held = await malState(system.store);
    expect(held.pending.map((p) => p.entry.id)).toEqual([REREADING.id]);
    expect(held.watermark).toBeLessThan(system.anilist!.store.entries().find((e) => e.id === REREADING.id)!.updatedAt);
    expect(held.watermark).toBeGreaterThanOrEqual(before);

    await system.runSync();
    expect(sectionOf(system.reports.at(-1)!)).toMatchObject({ status: 'ok', retryQueue: 0 });
    expect(onMal(13)?.listStatus.num_chapters_read).toBe(31);
  });

  test('the sandbox MAL manga list takes only the form fields MAL documents', async () => {
    await start();
    const { accessToken } = system.mal!.state.issueTokensDirectly();
    const patch = (form: Record<string, string>, contentType = 'application/x-www-form-urlencoded') =>
      fetch(`${system.mal!.apiUrl}/manga/2/my_list_status`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': contentType },
        body: new URLSearchParams(form).toString(),
      });
    // The anime write name is not a manga field.
    const wrong = await patch({ num_watched_episodes: '3' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ message: 'This form should not contain extra fields.' });
    expect((await patch({ status: 'watching' })).status).toBe(400);
    expect((await patch({ num_chapters_read: 'x' })).status).toBe(400);
    expect((await patch({ status: 'reading' }, 'application/json')).status).toBe(400);
    const ok = await patch({ num_chapters_read: '150', num_volumes_read: '16', is_rereading: 'false', priority: '1' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'reading', num_chapters_read: 150, num_volumes_read: 16 });
    const list = await fetch(`${system.mal!.apiUrl}/users/@me/mangalist?fields=list_status{comments}&limit=1`, {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    const body = (await list.json()) as {
      data: { node: { id: number }; list_status: Record<string, unknown> }[];
      paging: { next?: string };
    };
    expect(body.data).toHaveLength(1);
    expect(body.paging.next).toContain('/v2/users/@me/mangalist?');
    expect(body.data[0]!.list_status).toHaveProperty('comments');
    expect(body.data[0]!.list_status).not.toHaveProperty('num_times_reread');
  });

  test('prune removes a manga deleted on AniList and nothing the user added by hand', async () => {
    await start({ PRUNE: 'true', ANILIST_TOKEN: 'sandbox-owner-token' });
    system.mal!.state.setMangaList({
      data: [
        ...system.mal!.state.mangaListResponse().data,
        { node: { id: 77_777, title: 'Added on MAL by hand' }, list_status: { status: 'reading' } },
      ],
      paging: {},
    });
    system.anilist!.store.deleteEntry(PLANNED.id);
    system.mal!.resetCounters();
    await system.runSync({ full: true });
    const report = system.reports.at(-1)!;
    expect(sectionOf(report)).toMatchObject({ mode: 'full', status: 'ok' });
    expect(sectionOf(report).applied.removed).toBe(1);
    expect(system.mal!.counters.byRoute[MANGA_DELETE]).toBe(1);
    expect(onMal(656)).toBeUndefined();
    expect(onMal(77_777)).toBeDefined();
    expect(onMal(2)).toBeDefined();
    expect((await malState(system.store)).mirrored['manga:656']).toBeUndefined();
  });

  test('a manga the full read misses but AniList still lists is not pruned (the presence check asks both lists)', async () => {
    await start({ PRUNE: 'true', ANILIST_TOKEN: 'sandbox-owner-token' });
    system.anilist!.store.upsertEntry({ id: PLANNED.id, hiddenFromStatusLists: true, customLists: [] });
    await system.runSync({ full: true });
    const report = system.reports.at(-1)!;
    expect(sectionOf(report).applied.removed).toBe(0);
    expect(onMal(656)).toBeDefined();
    expect(sectionOf(report).pruneRefused).toMatch(/Vagabond: still on AniList/);
  });

  test('SANDBOX_MAL_MANGA_FIXTURE seeds the MAL manga list: an entry already matching is not written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manga-fixture-'));
    const file = path.join(dir, 'mangalist.json');
    writeFileSync(
      file,
      JSON.stringify({
        data: [
          { node: { id: 656, title: 'Vagabond' }, list_status: { status: 'plan_to_read', score: 0 } },
          { node: { id: 1, title: 'Monster' }, list_status: { status: 'completed', score: 9 } },
        ],
        paging: {},
      }),
    );
    const first = await start({}, { SANDBOX_MAL_MANGA_FIXTURE: file });
    const targets = sectionOf(first).writes.map((w) => w.target);
    expect(targets).toContain('MAL manga 2');
    expect(targets).not.toContain('MAL manga 656');
    expect(onMal(1)?.listStatus).toMatchObject({ status: 'completed', score: 9 });
    expect(onMal(2)).toBeDefined();
  });

  test('SANDBOX_ANILIST_FIXTURE may hold both lists: {"data":{"anime":…,"manga":…}}', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'anilist-both-'));
    const file = path.join(dir, 'both.json');
    const anime = buildAniListFixture(
      {
        id: 1,
        name: 'SandboxUser',
        scoreFormat: 'POINT_100',
        titleLanguage: 'ROMAJI',
        customLists: [],
        splitCompletedSectionByFormat: false,
      },
      ANIME.slice(0, 5),
    ) as { data: { MediaListCollection: unknown } };
    const mangaBody = buildAniListFixture(
      {
        id: 1,
        name: 'SandboxUser',
        scoreFormat: 'POINT_100',
        titleLanguage: 'ROMAJI',
        customLists: [],
        splitCompletedSectionByFormat: false,
      },
      [READING, REREADING],
    ) as { data: { MediaListCollection: unknown } };
    writeFileSync(file, JSON.stringify({ data: { anime: anime.data.MediaListCollection, manga: mangaBody.data } }));
    system = await startTestSystem({ env: { MIRROR_MANGA: 'true' }, local: { SANDBOX_ANILIST_FIXTURE: file } });
    expect(system.anilist!.store.entries().filter((e) => e.media?.type === 'MANGA')).toHaveLength(2);
    const first = await authorize(system);
    expect(first.status).toBe('ok');
    expect(
      system
        .mal!.state.mangaList()
        .map((e) => e.mangaId)
        .sort((a, b) => a - b),
    ).toEqual([2, 13]);
    expect(onMal(13)?.listStatus).toMatchObject({ status: 'completed', is_rereading: true, num_volumes_read: 3 });
  });
});

describe('MIRROR_MANGA unset', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system?.close();
  });

  test('manga on AniList is never read or written, and steady state is the anime-only request', async () => {
    system = await startTestSystem({ anilistEntries: [...ANIME, ...generateAniListMangaEntries(5, 3)] });
    const first = await authorize(system);
    expect(first.status).toBe('ok');
    expect(first.source.fetched).toBe(ANIME.length);
    expect(system.mal!.state.mangaList()).toEqual([]);
    expect(system.mal!.counters.byRoute[MANGA_PATCH]).toBeUndefined();
    system.anilist!.resetCounters();
    await system.runSync();
    expect(system.anilist!.counters.byOperation).toEqual({ Page: 1 });
    expect(Object.keys((await malState(system.store)).mirrored).some((k) => k.startsWith('manga:'))).toBe(false);
    expect(KEYS.syncState('mal')).toBe('sync/mal/state.json');
  });
});
