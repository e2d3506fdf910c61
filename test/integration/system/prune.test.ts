import { generateAniListEntries } from '../../../local/sandbox/anilist';
import { KEYS } from '../../../shared/store/store';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf, sectionOf } from '../../support/reports';
import { malState } from '../../support/state';

const DELETE_ROUTE = 'DELETE /v2/anime/:id/my_list_status';

/**
 * PRUNE=true over real HTTP: the worker reads the sandbox as the list's owner (ANILIST_TOKEN), so
 * private entries are visible, and asks AniList (`Page.mediaList(mediaId_in:)`) before it removes
 * anything from MAL.
 */
describe('prune against the sandboxes', () => {
  let system: TestSystem;
  beforeEach(async () => {
    system = await startTestSystem({
      anilistEntries: generateAniListEntries(60, 21),
      env: { PRUNE: 'true', ANILIST_TOKEN: 'sandbox-owner-token' },
    });
    const first = await authorize(system);
    expect(first.status).toBe('ok');
    expect(sectionOf(first)).toMatchObject({ mode: 'full', status: 'ok' });
  });
  afterEach(async () => {
    await system?.close();
  });

  const mirrored = () =>
    system
      .anilist!.store.entries()
      .filter((e) => e.media?.idMal && !e.private && !e.hiddenFromStatusLists)
      .filter((e) => system.mal!.state.getEntry(e.media!.idMal!));

  test('an entry deleted on AniList leaves MAL after AniList confirms it is gone; nothing else is touched', async () => {
    const [gone, madePrivate] = mirrored();
    // The user also keeps an anime on MAL that never came from AniList.
    const handAdded = 999_001;
    system.mal!.state.setList([
      ...system.mal!.state.list().map((e) => ({ animeId: e.animeId, listStatus: e.listStatus })),
      { animeId: handAdded, listStatus: { status: 'plan_to_watch' } },
    ]);
    system.anilist!.store.deleteEntry(gone!.id);
    system.anilist!.store.upsertEntry({ id: madePrivate!.id, private: true });
    system.anilist!.resetCounters();
    system.mal!.resetCounters();

    const report = await system.runSync({ full: true });
    expect(report).toMatchObject({ status: 'ok' });
    expect(resultOf(report)).toMatchObject({ mode: 'full', status: 'ok', removed: 1 });
    expect(system.mal!.counters.byRoute[DELETE_ROUTE]).toBe(1);
    expect(system.mal!.state.getEntry(gone!.media!.idMal!)).toBeUndefined();
    // Made private, not deleted: skipped (MIRROR_PRIVATE is off) and left alone on MAL.
    expect(system.mal!.state.getEntry(madePrivate!.media!.idMal!)).toBeDefined();
    expect(system.mal!.state.getEntry(handAdded)).toBeDefined();
    // The full read, the MAL list, and one presence check before the delete.
    expect(system.anilist!.counters.byOperation).toMatchObject({ MediaListCollection: 1, Page: 1 });
    const state = await malState(system.store);
    expect(state.mirrored[String(gone!.media!.idMal!)]).toBeUndefined();
    await expectMalMirrorsAniList(system);
  });

  test('an entry the full read cannot see but AniList still lists is kept', async () => {
    const [unseen] = mirrored();
    // Hidden from status lists and in no custom list: MediaListCollection leaves it out, yet it is
    // on the list, and the presence check (Page.mediaList) finds it.
    system.anilist!.store.upsertEntry({ id: unseen!.id, hiddenFromStatusLists: true, customLists: [] });
    system.anilist!.resetCounters();
    const report = await system.runSync({ full: true });
    expect(resultOf(report).removed).toBe(0);
    expect(system.mal!.counters.byRoute[DELETE_ROUTE] ?? 0).toBe(0);
    expect(system.mal!.state.getEntry(unseen!.media!.idMal!)).toBeDefined();
    expect(system.anilist!.counters.byOperation).toMatchObject({ MediaListCollection: 1, Page: 1 });
    expect(sectionOf(system.reports.at(-1)!).pruneRefused).toMatch(/still on AniList/);
  });

  test('an entry AniList sends unreadable and unidentifiable blocks pruning for the run', async () => {
    const [gone, broken] = mirrored();
    system.anilist!.store.deleteEntry(gone!.id);
    system.anilist!.faults.corruptEntry(broken!.id, { id: undefined, mediaId: undefined });
    const report = await system.runSync({ full: true });
    expect(resultOf(report).removed).toBe(0);
    expect(system.mal!.state.getEntry(gone!.media!.idMal!)).toBeDefined();
    expect(system.mal!.state.getEntry(broken!.media!.idMal!)).toBeDefined();
    expect(sectionOf(system.reports.at(-1)!).pruneRefused).toMatch(/could not be read or identified/);
    expect((await system.store.get(KEYS.syncState('mal')))!.body).toContain(`"${gone!.media!.idMal!}"`);
  });
});
