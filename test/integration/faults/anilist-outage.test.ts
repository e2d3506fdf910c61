import { type AniListFaultSpec, generateAniListEntries } from '../../../local/sandbox/anilist';
import { KEYS } from '../../../shared/store/store';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { differingMalIds, patchCount, preMirrorOntoMal } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf, sectionOf } from '../../support/reports';

/**
 * AniList failing in the middle of a multi-request read: page 2 of an incremental read (more than
 * 50 changed entries) or chunk 2 of a full read (more than 500 entries). The read must fail as a
 * whole, write nothing and move no watermark; the next run must catch up with every change once.
 */
describe('AniList outage on page 2 of an incremental read (> 50 changed entries)', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem({ anilistEntries: generateAniListEntries(120, 11) });
    // MAL already holds the list, so the first (full) run has nothing to write and the tests stay fast.
    await preMirrorOntoMal(system);
    const first = await authorize(system);
    expect(first.status).toBe('ok');
    expect(sectionOf(first)).toMatchObject({ mode: 'full', status: 'ok', applied: { written: 0 } });
  });
  afterAll(async () => {
    await system?.close();
  });

  /** Edits 55 mapped entries on AniList: newest first, they fill page 1 and spill onto page 2. */
  async function editFiftyFive(tag: string): Promise<number[]> {
    const mappable = system
      .anilist!.store.entries()
      .filter((e) => e.media?.idMal && !e.private && !e.hiddenFromStatusLists);
    for (const e of mappable.slice(0, 55)) system.anilist!.store.upsertEntry({ id: e.id, notes: `${tag} ${e.id}` });
    const differing = await differingMalIds(system);
    expect(differing).toHaveLength(55);
    return differing;
  }

  test.each<[string, Omit<AniListFaultSpec, 'route' | 'times'>]>([
    ['HTTP 503', { kind: 503 }],
    ['a CDN HTML page', { kind: 'html', status: 502 }],
    ['connection resets', { kind: 'reset' }],
    [
      'truncated JSON',
      {
        kind: 'body',
        body: '{"data":{"Page":{"pageInfo":{"hasNextPage":tr',
        contentType: 'application/json; charset=utf-8',
      },
    ],
    [
      'a GraphQL error inside HTTP 200',
      { kind: 'body', body: { data: null, errors: [{ message: 'Internal Server Error', status: 500 }] } },
    ],
  ])(
    'page 2 failing with %s: the run fails, writes nothing, keeps its state; the next run applies every change once',
    async (name, fault) => {
      const differing = await editFiftyFive(name);
      const stateBefore = (await system.store.get(KEYS.syncState('mal')))!.body;
      const before = patchCount(system);
      const reportsBefore = system.reports.length;
      system.anilist!.faults.inject({ ...fault, route: 'page:2', times: 100 });
      system.anilist!.resetCounters();

      // The handler throws, as the Lambda would (the Errors alarm sees it); the report says why.
      expect(await system.runSync()).toBeUndefined();
      expect(system.reports).toHaveLength(reportsBefore + 1);
      const failed = system.reports.at(-1)!;
      expect(failed.status).toBe('failed');
      // The read failed before any destination planned: none wrote or failed anything.
      expect(failed.destinations).toEqual([]);
      expect(failed.error).toMatch(/^(anilist_\w+|network_error): /);
      expect(system.anilist!.counters.byOperation.Page).toBeGreaterThanOrEqual(2);
      expect(patchCount(system)).toBe(before);
      expect((await system.store.get(KEYS.syncState('mal')))!.body).toBe(stateBefore);

      system.anilist!.faults.clear();
      const next = await system.runSync();
      expect(next).toMatchObject({ status: 'ok', source: { mode: 'incremental' } });
      expect(resultOf(next)).toMatchObject({ mode: 'incremental', status: 'ok', written: differing.length });
      expect(patchCount(system) - before).toBe(differing.length);
      expect(await differingMalIds(system)).toEqual([]);
      await expectMalMirrorsAniList(system);
    },
  );

  test('a short blip on page 2 (one 502) is retried inside the run, which completes', async () => {
    const differing = await editFiftyFive('blip');
    const before = patchCount(system);
    system.anilist!.faults.inject({ route: 'page:2', times: 1, kind: 502 });
    const result = await system.runSync();
    expect(result).toMatchObject({ status: 'ok' });
    expect(resultOf(result)).toMatchObject({ status: 'ok', written: differing.length });
    expect(patchCount(system) - before).toBe(differing.length);
    await expectMalMirrorsAniList(system);
  });
});

describe('AniList outage on chunk 2 of a full read (> 500 entries)', () => {
  let system: TestSystem;
  afterAll(async () => {
    await system?.close();
  });

  test('the first full run fails before writing or backing up anything; the next full run mirrors every difference once', async () => {
    system = await startTestSystem({ anilistEntries: generateAniListEntries(540, 5) });
    // MAL already matches all but 25 entries (as when a long-time user starts mirroring).
    await preMirrorOntoMal(system, 25);
    const differing = await differingMalIds(system);
    expect(differing).toHaveLength(25);
    system.anilist!.faults.inject({ route: 'chunk:2', times: 100, kind: 500 });

    const crashed = await authorize(system);
    expect(crashed.status).toBe('failed');
    expect(crashed.destinations).toEqual([]);
    // The run was a full one: the whole-list read (not the incremental pages) is what failed.
    expect(system.anilist!.counters.byOperation.MediaListCollection).toBeGreaterThanOrEqual(2);
    expect(system.anilist!.counters.byOperation.Page ?? 0).toBe(0);
    expect(patchCount(system)).toBe(0);
    expect(await system.store.get(KEYS.syncState('mal'))).toBeUndefined();
    expect(await system.store.get(KEYS.legacySyncState)).toBeUndefined();
    expect(await system.store.list(KEYS.backupPrefix)).toEqual([]);

    system.anilist!.faults.clear();
    const next = await system.runSync();
    expect(next).toMatchObject({ status: 'ok', source: { mode: 'full', fetched: expect.any(Number) } });
    expect(resultOf(next)).toMatchObject({ mode: 'full', status: 'ok', written: 25 });
    expect(system.reports.at(-1)!.source.fetched).toBeGreaterThan(500);
    expect(patchCount(system)).toBe(25);
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);
  });
});
