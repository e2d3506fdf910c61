import { KEYS } from '../../../shared/store/store';
import { updateDestinationState } from '../../../shared/sync/pause';
import { initialState, saveDestinationState } from '../../../shared/sync/state';
import { describeOnEachStore } from '../../support/each-store';
import { loadMalState } from '../../support/state';

/**
 * Taking or lifting a pause is a read-modify-write of the destination's state: a sync run saving
 * between the read and the write must not be overwritten (If-Match; moto enforces it as S3 does).
 */
describeOnEachStore('updateDestinationState', (newStore) => {
  test('a save that lands between the read and the write is kept: the change is made again on top of it', async () => {
    const store = await newStore();
    await saveDestinationState(store, initialState('mal', 'alice'));
    let raced = false;
    store.hooks.beforePut = async (key) => {
      if (raced || key !== KEYS.syncState('mal')) return;
      raced = true;
      // A sync run checkpoints its progress at this very moment.
      await saveDestinationState(store, { ...initialState('mal', 'alice'), watermark: 42 });
    };
    let calls = 0;
    await updateDestinationState(
      store,
      'mal',
      () => undefined,
      (state) => {
        calls++;
        return { ...state!, paused: { reason: 'test', since: 1 } };
      },
    );
    const saved = await loadMalState(store);
    expect(saved).toMatchObject({ watermark: 42, paused: { reason: 'test', since: 1 } });
    expect(calls).toBe(2);
  });
});
