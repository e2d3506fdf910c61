import { PreconditionFailedError } from '../errors';
import { KEYS, type ObjectStore } from '../store/store';
import { type DestinationState, loadDestinationState } from './state';

/**
 * A paused destination: sync runs sit it out (reported as paused, with the reason) until the pause
 * is lifted or, when it has an `until`, expires. Kept in the destination's state object, so that
 * checking it costs no S3 read beyond the one every run makes. The core knows nothing of who
 * pauses or why: a tool that must have the destination to itself (a restore from a backup) holds
 * a pause with an expiry and a `holder`, so that a process that died cannot pause sync for ever.
 */
export type SyncPause = NonNullable<DestinationState['paused']>;

/** Whether `pause` still holds at `now` (an expired one is ignored and dropped by the next save). */
export function isPauseActive(pause: SyncPause | undefined, now: number): pause is SyncPause {
  return pause !== undefined && (pause.until === undefined || pause.until > now);
}

/**
 * Read-modify-write of one destination's state with If-Match, so that a sync run saving at the
 * same moment is never overwritten blindly: on a lost race the state is read again and `change`
 * decides afresh. `change` returns the new state, or throws to refuse. Returns the saved state.
 */
export async function updateDestinationState(
  store: ObjectStore,
  destination: string,
  checkRecord: (state: unknown) => void,
  change: (state: DestinationState | undefined) => DestinationState,
  attempts = 5,
): Promise<DestinationState> {
  const key = KEYS.syncState(destination);
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(key);
    const loaded = await loadDestinationState(store, destination, checkRecord);
    const next = change(loaded?.state);
    try {
      await store.put(key, JSON.stringify(next), current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
      return next;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError) || attempt >= attempts) throw err;
    }
  }
}

/** The state with `pause` set. */
export function withPause(state: DestinationState, pause: SyncPause): DestinationState {
  return { ...state, paused: pause };
}

/** The state without a pause. */
export function withoutPause(state: DestinationState): DestinationState {
  const { paused: _paused, ...rest } = state;
  return rest;
}
