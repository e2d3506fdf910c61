import { ManualClock } from '../../../shared/clock';
import { createMalDestination, type MalList, toMalResponseShape } from '../../../shared/destinations/mal/destination';
import { restoreMal } from '../../../shared/destinations/mal/restore';
import type { MalListEntry } from '../../../shared/destinations/mal/types';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import type { Destination } from '../../../shared/sync/destination';
import { initialState, saveDestinationState } from '../../../shared/sync/state';
import { FakeMal } from '../../support/fakes';
import { malState } from '../../support/state';

const status = {
  status: 'completed',
  score: 8,
  num_episodes_watched: 12,
  is_rewatching: false,
  num_times_rewatched: 0,
  comments: '',
} as const;
const comparable = {
  status: 'completed',
  is_rewatching: false,
  score: 8,
  num_watched_episodes: 12,
  num_times_rewatched: 0,
  comments: '',
  start_date: '',
  finish_date: '',
};

/** The sync records after a restore, on the MAL destination over a fake MAL. */
describe('restore and the sync records', () => {
  test('anime records take the restored values; records of other targets (manga) are kept as they are', async () => {
    const store = new MemoryStore();
    const mal = new FakeMal();
    const entry = (animeId: number, score: number): MalListEntry => ({
      animeId,
      title: `A${animeId}`,
      listStatus: { ...status, score },
    });
    for (const e of [entry(1, 9), entry(2, 8)]) mal.list.set(e.animeId, e);
    const mangaRecord = {
      title: 'M',
      anilistEntryId: 7,
      state: {
        status: 'reading',
        is_rereading: false,
        score: 8,
        num_chapters_read: 3,
        num_volumes_read: 0,
        num_times_reread: 0,
        comments: '',
        start_date: '',
        finish_date: '',
      },
      written: true,
    };
    await saveDestinationState(store, {
      ...initialState('mal', 'alice'),
      mirrored: {
        '1': { title: 'A1', anilistEntryId: 1, state: { ...comparable, score: 9 }, written: true },
        '2': { title: 'A2', anilistEntryId: 2, state: comparable, written: true },
        'manga:5': mangaRecord,
      },
    });
    const key = KEYS.backup('mal', '2026-01-01T00:00:00.000Z');
    await store.put(key, JSON.stringify(toMalResponseShape([entry(1, 7)])));
    const destination = createMalDestination({
      mal: () => mal,
      mapping: { mirrorPrivate: false, idOverrides: new Map() },
      authorized: async () => true,
    }) as Destination<MalList>;

    const result = await restoreMal({ store, destination, clock: new ManualClock(0), checkpointEveryWrites: 10 }, key);

    expect(result).toMatchObject({ complete: true, applied: { written: 1, removed: 1 } });
    const { mirrored } = await malState(store);
    expect(mirrored['1']?.state).toEqual({ ...comparable, score: 7 });
    expect(mirrored['2']).toBeUndefined();
    expect(mirrored['manga:5']).toEqual(mangaRecord);
  });
});
