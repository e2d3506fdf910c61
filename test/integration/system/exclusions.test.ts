import { EMPTY_DATE, generateAniListEntries, type SandboxEntry } from '../../../local/sandbox/anilist';
import { ManualClock } from '../../../shared/clock';
import { loadWorkerConfig } from '../../../shared/destinations';
import type { Exclusions } from '../../../shared/sync/exclusions';
import { formatReport } from '../../../shared/sync/report';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { buildWorker, differingMalIds, PATCH_ROUTE } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';
import { malState } from '../../support/state';
import {
  authorizeAll,
  completeJujutsuKaisen,
  holdingsOf,
  JJK_SHOW,
  SAMPLE_TRAKT_PLAYS,
  sampleEntry,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktPosts,
  traktRatings,
  traktSection,
} from '../../support/trakt';

const DELETE_ROUTE = 'DELETE /v2/anime/:id/my_list_status';
const COWBOY_BEBOP = 1;
const DEATH_NOTE = 1535;

/** EXCLUDE as the worker reads it from its environment. */
function exclusionsFrom(system: TestSystem, value: string): Exclusions {
  return loadWorkerConfig({ ...system.env, EXCLUDE: value }).base.EXCLUDE;
}

/**
 * EXCLUDE over real HTTP, against the sandbox AniList and MAL: an entry mirrored earlier and then
 * excluded is never PATCHed, never DELETEd by prune, never counted as differing, and reported once
 * per full run; the steady state still costs one AniList request; taking the id out mirrors it.
 */
describe('EXCLUDE against the sandbox MAL (PRUNE on)', () => {
  let system: TestSystem;
  // AniList's clock too: the watermark never passes AniList's time at the start of a read, less 5 s.
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 8, 0, 0));
  beforeEach(async () => {
    system = await startTestSystem({ clock, env: { PRUNE: 'true', ANILIST_TOKEN: 'sandbox-owner-token' } });
    const first = await authorize(system);
    expect(sectionOf(first)).toMatchObject({ mode: 'full', status: 'ok' });
  });
  afterEach(async () => {
    await system?.close();
  });

  test('an excluded entry is left as it is on MAL through edits, full runs and its deletion, until it is no longer excluded', async () => {
    const bebop = sampleEntry(system, COWBOY_BEBOP);
    const deathNote = sampleEntry(system, DEATH_NOTE);
    const bebopOnMal = structuredClone(system.mal!.state.getEntry(bebop.media!.idMal!));
    expect(bebopOnMal).toBeDefined();
    expect(system.mal!.state.getEntry(deathNote.media!.idMal!)).toBeDefined();
    // The per-destination form, as a user writes it in .env.
    const worker = await buildWorker(system, {
      clock,
      config: { EXCLUDE: exclusionsFrom(system, `{"mal":[${COWBOY_BEBOP},${DEATH_NOTE}]}`) },
    });

    // The user edits one excluded entry and deletes the other on AniList.
    system.anilist!.store.upsertEntry({ id: bebop.id, score: 40, progress: 3, status: 'CURRENT' });
    system.anilist!.store.deleteEntry(deathNote.id);
    clock.advance(60_000);
    system.anilist!.resetCounters();
    system.mal!.resetCounters();
    const incremental = await worker.run();
    const section = sectionOf(incremental);
    expect(section).toMatchObject({ mode: 'incremental', status: 'ok', planned: { writes: 0 }, unchanged: 0 });
    expect(section.excluded).toBeUndefined(); // only full runs report exclusions
    expect(system.mal!.counters.requests).toBe(0);
    expect(system.anilist!.counters.requests).toBe(1);
    // The edit was read and deliberately passed over: the watermark is past it.
    const updatedAt = system.anilist!.store.entries().find((e) => e.id === bebop.id)!.updatedAt;
    expect((await malState(system.store)).watermark).toBeGreaterThanOrEqual(updatedAt);

    // Steady state: one AniList request, no MAL request.
    system.anilist!.resetCounters();
    await worker.run();
    expect(system.anilist!.counters.requests).toBe(1);
    expect(system.mal!.counters.requests).toBe(0);

    // A full run with prune on: MAL's entry differs from AniList's, yet nothing is written or removed.
    expect(await differingMalIds(system)).toContain(bebop.media!.idMal!);
    system.mal!.resetCounters();
    const full = await worker.run({ full: true });
    const fullSection = sectionOf(full);
    expect(fullSection).toMatchObject({ mode: 'full', status: 'ok', planned: { writes: 0, removals: 0 }, orphans: [] });
    expect(fullSection.pruneRefused).toBeUndefined();
    expect(system.mal!.counters.byRoute[PATCH_ROUTE] ?? 0).toBe(0);
    expect(system.mal!.counters.byRoute[DELETE_ROUTE] ?? 0).toBe(0);
    expect(system.mal!.state.getEntry(bebop.media!.idMal!)).toEqual(bebopOnMal);
    expect(system.mal!.state.getEntry(deathNote.media!.idMal!)).toBeDefined();
    expect(fullSection.excluded).toEqual([{ mediaId: COWBOY_BEBOP, title: 'Cowboy Bebop' }, { mediaId: DEATH_NOTE }]);
    expect(formatReport(full)).toContain(
      'excluded (EXCLUDE): 2 (Cowboy Bebop, AniList 1; AniList 1535: not on the list read), left as they are',
    );

    // Taken out of EXCLUDE (the system's own worker has none): the next run is full, mirrors the
    // edit, and prune undoes what this system wrote for the entry deleted meanwhile.
    system.mal!.resetCounters();
    await system.runSync();
    const after = sectionOf(system.reports.at(-1)!);
    expect(after).toMatchObject({ mode: 'full', status: 'ok', applied: { written: 1, removed: 1 } });
    expect(after.excluded).toBeUndefined();
    expect(system.mal!.counters.byRoute[PATCH_ROUTE]).toBe(1);
    expect(system.mal!.counters.byRoute[DELETE_ROUTE]).toBe(1);
    expect(system.mal!.state.getEntry(deathNote.media!.idMal!)).toBeUndefined();
    await expectMalMirrorsAniList(system);
  });
});

/**
 * EXCLUDE for Trakt only (`{"trakt":[…]}`), with MAL alongside and TRAKT_PRUNE on: an excluded
 * entry adds no plays and no rating, and its earlier plays and rating stay; MAL still mirrors it.
 */
describe('EXCLUDE against the sandbox Trakt (TRAKT_PRUNE on), per destination', () => {
  let system: TraktTestSystem;
  beforeEach(async () => {
    system = await startTraktSystem({
      destinations: 'mal,trakt',
      env: { TRAKT_PRUNE: 'true', ANILIST_TOKEN: 'sandbox-owner-token' },
    });
    await authorizeAll(system);
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    system.clock.advance(15 * 60_000);
  });
  afterEach(async () => {
    await system?.close();
  });

  test('an excluded entry adds no play or rating on Trakt, loses none, and is still mirrored to MAL', async () => {
    const ratings = traktRatings(system);
    expect(ratings['show:30857']).toBeDefined(); // Cowboy Bebop's rating, set by the first sync
    const worker = await buildWorker(system, {
      clock: system.clock,
      config: { EXCLUDE: exclusionsFrom(system, `{"trakt":[${COWBOY_BEBOP},${DEATH_NOTE},113415]}`) },
    });
    // Cowboy Bebop leaves COMPLETED and loses its score (with prune, its plays and rating would go);
    // Death Note is deleted on AniList (prune would remove its plays); Jujutsu Kaisen is completed
    // (its plays would be added).
    const bebop = sampleEntry(system, COWBOY_BEBOP);
    system.anilist!.store.upsertEntry({ id: bebop.id, status: 'DROPPED', score: 0 });
    system.anilist!.store.deleteEntry(sampleEntry(system, DEATH_NOTE).id);
    completeJujutsuKaisen(system);
    system.trakt!.resetCounters();
    system.mal!.resetCounters();

    const incremental = await worker.run();
    expect(traktSection(incremental)).toMatchObject({
      status: 'ok',
      planned: { writes: 0, removals: 0 },
      unchanged: 0,
    });
    expect(traktPosts(system)).toEqual({});
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    expect(traktRatings(system)).toEqual(ratings);
    // MAL is not excluded from: both edits reach it (its deletion waits for MAL's prune, which is off).
    expect(sectionOf(incremental, 'mal')).toMatchObject({ applied: { written: 2 } });
    expect(system.mal!.counters.byRoute[PATCH_ROUTE]).toBe(2);

    // The daily full run: still nothing sent to Trakt, nothing removed, and the exclusions reported.
    system.clock.advance(24 * 3_600_000);
    system.trakt!.resetCounters();
    const full = await worker.run();
    const section = traktSection(full);
    expect(section).toMatchObject({ mode: 'full', status: 'ok', planned: { writes: 0, removals: 0 }, orphans: [] });
    expect(section.pruneRefused).toBeUndefined();
    expect(section.excluded).toEqual([
      { mediaId: COWBOY_BEBOP, title: 'Cowboy Bebop' },
      { mediaId: 113415, title: 'Jujutsu Kaisen' },
      { mediaId: DEATH_NOTE },
    ]);
    expect(sectionOf(full, 'mal').excluded).toBeUndefined();
    expect(traktPosts(system)).toEqual({});
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    for (let e = 1; e <= 24; e++) expect(system.trakt!.state.playsOf(JJK_SHOW, 1, e)).toBe(0);
    expect(traktRatings(system)).toEqual(ratings);
  });
});

/** A manga list entry as the sandbox AniList stores it (media ids are global: no anime has these). */
function manga(id: number, idMal: number, title: string, fields: Partial<SandboxEntry> = {}): SandboxEntry {
  return {
    id,
    mediaId: 700_000 + id,
    status: 'CURRENT',
    score: 80,
    progress: 10,
    progressVolumes: 1,
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
      title: { romaji: title, english: null, native: null },
      format: 'MANGA',
      episodes: null,
      type: 'MANGA',
      chapters: 200,
      volumes: 20,
    },
    ...fields,
  };
}

/** AniList media ids are global across anime and manga: EXCLUDE holds for manga entries by the same rule. */
describe('EXCLUDE with MIRROR_MANGA=true against the sandbox MAL (PRUNE on)', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system?.close();
  });

  test('an excluded manga entry is never PATCHed on the MAL manga list nor pruned from it; the steady state still costs one AniList request', async () => {
    const berserk = manga(9_001, 2, 'Berserk');
    const vagabond = manga(9_003, 656, 'Vagabond');
    system = await startTestSystem({
      anilistEntries: [...generateAniListEntries(10, 5), berserk, vagabond],
      env: { MIRROR_MANGA: 'true', PRUNE: 'true', ANILIST_TOKEN: 'sandbox-owner-token' },
    });
    await authorize(system);
    const onMal = (malId: number) => system.mal!.state.mangaList().find((e) => e.mangaId === malId);
    const berserkOnMal = structuredClone(onMal(2));
    expect(berserkOnMal?.listStatus).toMatchObject({ num_chapters_read: 10 });
    expect(onMal(656)).toBeDefined();
    const worker = await buildWorker(system, {
      config: { EXCLUDE: exclusionsFrom(system, `[${berserk.mediaId},${vagabond.mediaId}]`) },
    });

    system.anilist!.store.upsertEntry({ id: berserk.id, progress: 150, score: 60 });
    system.anilist!.store.deleteEntry(vagabond.id);
    system.mal!.resetCounters();
    const full = await worker.run({ full: true });
    const section = sectionOf(full);
    expect(section).toMatchObject({ mode: 'full', status: 'ok', planned: { writes: 0, removals: 0 } });
    expect(section.pruneRefused).toBeUndefined();
    expect(section.excluded).toEqual([{ mediaId: berserk.mediaId, title: 'Berserk' }, { mediaId: vagabond.mediaId }]);
    expect(system.mal!.counters.byRoute['PATCH /v2/manga/:id/my_list_status'] ?? 0).toBe(0);
    expect(system.mal!.counters.byRoute['DELETE /v2/manga/:id/my_list_status'] ?? 0).toBe(0);
    expect(onMal(2)).toEqual(berserkOnMal);
    expect(onMal(656)).toBeDefined();

    system.anilist!.resetCounters();
    system.mal!.resetCounters();
    const quiet = await worker.run();
    expect(sectionOf(quiet)).toMatchObject({ mode: 'incremental', status: 'ok' });
    expect(system.anilist!.counters.requests).toBe(1);
    expect(system.mal!.counters.requests).toBe(0);
  });
});
