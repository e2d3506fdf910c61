import type { AniListRead, ChangedSinceOptions, MediaKind } from '../../../shared/anilist/types';
import { ManualClock } from '../../../shared/clock';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import type { MirroredRecord } from '../../../shared/sync/destination';
import { runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import { initialState, loadDestinationState, saveDestinationState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeDestination } from '../../support/fake-destination';
import { FakeAniList, RecordingEvents } from '../../support/fakes';
import { sectionOf } from '../../support/reports';

async function stateOf(store: MemoryStore, destination: FakeDestination) {
  const loaded = await loadDestinationState(store, destination.key, (s) => destination.checkRecordState(s));
  if (!loaded) throw new Error(`no state stored for ${destination.key}`);
  return loaded.state;
}

/**
 * MIRROR_MANGA in the core: a destination that mirrors manga says so (`mediaKinds`); the manga list
 * is read only for such destinations, from the lowest of THEIR watermarks (never past a manga change
 * one of them has not applied), and a destination that mirrors anime only never sees a manga entry.
 */
const settings: SyncSettings = {
  anilistUser: 'alice',
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 2,
  deadlineSafetyMs: 0,
};
const T0 = Date.UTC(2026, 5, 1);

class MangaDestination extends FakeDestination {
  readonly mediaKinds: readonly MediaKind[] = ['anime', 'manga'];
}

function setup() {
  const clock = new ManualClock(T0);
  const anime = [1, 2].map((id) =>
    anilistEntry({ id, status: 'CURRENT', progress: id, score: 50, updatedAt: 1000 + id }),
  );
  const manga = [3, 4].map((id) =>
    anilistEntry({ id, status: 'CURRENT', progress: id, score: 50, updatedAt: 1000 + id, kind: 'manga' }),
  );
  const anilist = new FakeAniList([...anime, ...manga]);
  anilist.now = () => clock.now();
  const mal = new MangaDestination('mal', 'MyAnimeList');
  const trakt = new FakeDestination('trakt', 'Trakt');
  const reads: { watermark: number; options: ChangedSinceOptions }[] = [];
  const readChangedSince = anilist.readChangedSince.bind(anilist);
  anilist.readChangedSince = (user, watermark, options = {}) => {
    reads.push({ watermark, options });
    return readChangedSince(user, watermark, options);
  };
  const fullReads: unknown[][] = [];
  const readAll = anilist.readAll.bind(anilist);
  anilist.readAll = (...args: unknown[]): Promise<AniListRead> => {
    fullReads.push(args);
    return readAll();
  };
  const store = new MemoryStore();
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [
      { destination: mal, prune: false },
      { destination: trakt, prune: false },
    ],
    store,
    events: new RecordingEvents(),
    clock,
    logger: silentLogger,
  };
  return { anilist, mal, trakt, reads, fullReads, store, deps };
}

async function seed(store: MemoryStore, key: string, watermark: number, mediaKinds?: string[]): Promise<void> {
  const mirrored: Record<string, MirroredRecord> = {};
  await saveDestinationState(store, {
    ...initialState(key, 'alice'),
    lastFullSyncAt: T0,
    fullSyncPending: false,
    lastBackupAt: T0,
    mirrored,
    watermark,
    ...(mediaKinds ? { mediaKinds } : {}),
  });
}

describe('media kinds in the sync core', () => {
  test('the anime-only destination never sees a manga entry; the manga destination gets both lists', async () => {
    const { deps, mal, trakt, fullReads } = setup();
    const report = await runSync(deps, settings);
    expect(report.status).toBe('ok');
    expect([...mal.held.keys()].sort()).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect([...trakt.held.keys()].sort()).toEqual(['e1', 'e2']);
    // The full read asked for the manga list too.
    expect(fullReads).toEqual([['alice', { manga: true }]]);
  });

  test('the manga list is read from the lowest watermark of the destinations that mirror manga', async () => {
    const { deps, store, reads } = setup();
    // MAL (anime + manga) is behind, Trakt (anime) ahead: manga must be read from MAL's watermark.
    await seed(store, 'mal', 1001, ['anime', 'manga']);
    await seed(store, 'trakt', 1003);
    await runSync(deps, settings);
    expect(reads).toEqual([{ watermark: 1001, options: { maxEntries: 500, mangaWatermark: 1001 } }]);
  });

  test("Trakt's lower watermark holds back the anime read, not the manga read", async () => {
    const { deps, store, reads } = setup();
    await seed(store, 'mal', 1003, ['anime', 'manga']);
    await seed(store, 'trakt', 1001);
    await runSync(deps, settings);
    expect(reads).toEqual([{ watermark: 1001, options: { maxEntries: 500, mangaWatermark: 1003 } }]);
  });

  test('manga switched on for a list already mirrored: the next run is full, once, and the state remembers it', async () => {
    const { deps, store, mal, trakt } = setup();
    // Both states are up to date with every entry (watermark past them all), from before manga was on.
    await seed(store, 'mal', 1004);
    await seed(store, 'trakt', 1004);
    const first = await runSync(deps, settings);
    // One read serves all: the whole list, so Trakt reconciles in full too (it needs no manga of it).
    expect(sectionOf(first, 'mal').mode).toBe('full');
    expect([...mal.held.keys()]).toEqual(expect.arrayContaining(['e3', 'e4']));
    expect((await stateOf(store, mal)).mediaKinds).toEqual(['anime', 'manga']);
    expect((await stateOf(store, trakt)).mediaKinds).toBeUndefined();
    const second = await runSync(deps, settings);
    expect(sectionOf(second, 'mal').mode).toBe('incremental');
  });

  test('manga switched off: the state forgets it, so switching it on again reads the manga list in full', async () => {
    const { deps, store, mal, trakt } = setup();
    await runSync(deps, settings);
    expect((await stateOf(store, mal)).mediaKinds).toEqual(['anime', 'manga']);
    const animeOnly = new FakeDestination('mal', 'MyAnimeList');
    const off: SyncDeps = {
      ...deps,
      destinations: () => [
        { destination: animeOnly, prune: false },
        { destination: trakt, prune: false },
      ],
    };
    await runSync(off, settings);
    expect((await stateOf(store, animeOnly)).mediaKinds).toBeUndefined();
    const again = await runSync(deps, settings);
    expect(sectionOf(again, 'mal').mode).toBe('full');
  });

  test('without a destination that mirrors manga, the reads are exactly the anime-only ones', async () => {
    const { deps: both, store, reads, fullReads, trakt } = setup();
    const deps: SyncDeps = { ...both, destinations: () => [{ destination: trakt, prune: false }] };
    await runSync(deps, settings);
    expect(fullReads).toEqual([['alice']]);
    await seed(store, 'trakt', 1001);
    await runSync(deps, settings);
    expect(reads).toEqual([{ watermark: 1001, options: { maxEntries: 500 } }]);
    expect(reads[0]!.options).not.toHaveProperty('mangaWatermark');
  });
});
