import { createMalDestination } from '../../shared/destinations/mal/destination';
import type { ObjectStore } from '../../shared/store/store';
import { type DestinationState, loadDestinationState } from '../../shared/sync/state';
import { FakeMal } from './fakes';

/** MyAnimeList's record check, exactly as the worker applies it when it loads a state. */
const malCheck = createMalDestination({
  mal: () => new FakeMal(),
  mapping: { mirrorPrivate: false, idOverrides: new Map() },
  authorized: async () => true,
});

/**
 * MyAnimeList's sync state as the worker would load it (`sync/mal/state.json`, or the version 1
 * `sync/state.json` migrated in memory), validated; undefined before the first save.
 */
export async function loadMalState(store: ObjectStore): Promise<DestinationState | undefined> {
  return (await loadDestinationState(store, 'mal', (s) => malCheck.checkRecordState(s)))?.state;
}

/** Like `loadMalState`, for a test that expects a state to be stored. */
export async function malState(store: ObjectStore): Promise<DestinationState> {
  const state = await loadMalState(store);
  if (!state) throw new Error('no MyAnimeList sync state is stored');
  return state;
}
