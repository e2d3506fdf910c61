import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { initialState, loadSyncState, saveSyncState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';

const pending = <T>(entry: T) => ({ entry, attempts: 1, lastError: 'mal_rate_limited', permanent: false });

describe('stored sync state: pending entries', () => {
  it('keep episodes and format through a save and a load', async () => {
    const store = new MemoryStore();
    const entry = anilistEntry({ id: 7, episodes: 24, format: 'ONA' });
    await saveSyncState(store, { ...initialState('someone'), pending: [pending(entry)] });
    expect((await loadSyncState(store))?.state.pending[0]?.entry).toEqual(entry);
  });

  it('saved before entries carried episodes and format, load with both null', async () => {
    const store = new MemoryStore();
    const { episodes: _e, format: _f, ...older } = anilistEntry({ id: 7 });
    await store.put(KEYS.syncState, JSON.stringify({ ...initialState('someone'), pending: [pending(older)] }));
    expect((await loadSyncState(store))?.state.pending[0]?.entry).toEqual({ ...older, episodes: null, format: null });
  });
});
