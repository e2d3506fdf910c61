import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { initialState, loadDestinationState, saveDestinationState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';

const pending = <T>(entry: T) => ({ entry, attempts: 1, lastError: 'mal_rate_limited', permanent: false });
const anyRecord = () => undefined;

describe('stored sync state: pending entries', () => {
  it('keep episodes and format through a save and a load', async () => {
    const store = new MemoryStore();
    const entry = anilistEntry({ id: 7, episodes: 24, format: 'ONA' });
    await saveDestinationState(store, { ...initialState('trakt', 'someone'), pending: [pending(entry)] });
    expect((await loadDestinationState(store, 'trakt', anyRecord))?.state.pending[0]?.entry).toEqual(entry);
  });

  it('saved before entries carried episodes and format, load with both null', async () => {
    const store = new MemoryStore();
    const { episodes: _e, format: _f, ...older } = anilistEntry({ id: 7 });
    await store.put(
      KEYS.syncState('mal'),
      JSON.stringify({ ...initialState('mal', 'someone'), pending: [pending(older)] }),
    );
    const loaded = await loadDestinationState(store, 'mal', anyRecord);
    expect(loaded?.state.pending[0]?.entry).toEqual({ ...older, episodes: null, format: null });
  });

  it('in a version 1 object (sync/state.json), load with both null too', async () => {
    const store = new MemoryStore();
    const { episodes: _e, format: _f, ...older } = anilistEntry({ id: 7 });
    const { destination: _d, ...v2 } = initialState('mal', 'someone');
    await store.put(KEYS.legacySyncState, JSON.stringify({ ...v2, version: 1, pending: [pending(older)] }));
    const loaded = await loadDestinationState(store, 'mal', anyRecord);
    expect(loaded?.migratedFrom).toBe(KEYS.legacySyncState);
    expect(loaded?.state.pending[0]?.entry).toEqual({ ...older, episodes: null, format: null });
  });
});
