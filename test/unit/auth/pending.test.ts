import {
  consumePendingAuthorization,
  createPendingAuthorization,
  deleteExpiredPendingAuthorizations,
  peekPendingAuthorization,
} from '../../../shared/auth/pending';
import { createState } from '../../../shared/auth/pkce';
import { ManualClock } from '../../../shared/clock';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { gate, HOUR } from './fakes';

function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock();
  return { store, clock, deps: { store, clock, linkTtlHours: 168, destination: 'mal', pkceMethod: 'plain' as const } };
}

describe('pending authorizations', () => {
  it('stores state, verifier and expiry under the state key', async () => {
    const { store, clock, deps } = setup();
    const p = await createPendingAuthorization(deps);
    const stored = JSON.parse(store.objects.get(KEYS.pendingAuth(p.state))!.body);
    expect(stored).toEqual({
      state: p.state,
      destination: 'mal',
      codeVerifier: p.codeVerifier,
      createdAt: clock.now(),
      expiresAt: clock.now() + 168 * HOUR,
    });
    expect(p.codeChallenge).toBe(p.codeVerifier);
  });

  it('can be consumed once, then reports used', async () => {
    const { deps, clock } = setup();
    const p = await createPendingAuthorization(deps);
    expect(await consumePendingAuthorization(deps, p.state)).toEqual({
      ok: true,
      destination: 'mal',
      codeVerifier: p.codeVerifier,
      expiresAt: p.expiresAt,
    });
    expect(await consumePendingAuthorization(deps, p.state)).toMatchObject({
      ok: false,
      reason: 'used',
      usedAt: clock.now(),
    });
  });

  it('reports missing, malformed and unknown states without touching malformed keys', async () => {
    const { deps, store } = setup();
    expect(await consumePendingAuthorization(deps, undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(await consumePendingAuthorization(deps, '')).toEqual({ ok: false, reason: 'missing' });
    const before = store.counters.get;
    expect(await consumePendingAuthorization(deps, '../tokens')).toEqual({ ok: false, reason: 'malformed' });
    expect(store.counters.get).toBe(before);
    expect(await consumePendingAuthorization(deps, createState())).toEqual({ ok: false, reason: 'unknown' });
  });

  it('expires exactly at expiresAt', async () => {
    const { deps, clock } = setup();
    const p = await createPendingAuthorization(deps);
    clock.set(p.expiresAt - 1);
    expect(await peekPendingAuthorization(deps, p.state)).toEqual({
      ok: true,
      destination: 'mal',
      expiresAt: p.expiresAt,
    });
    clock.set(p.expiresAt);
    expect(await consumePendingAuthorization(deps, p.state)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('treats an unreadable record as unknown', async () => {
    const { deps, store } = setup();
    const state = createState();
    await store.put(KEYS.pendingAuth(state), '{"state":');
    expect(await consumePendingAuthorization(deps, state)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('lets only one of two concurrent consumers win (conditional write before exchange)', async () => {
    const { deps, store } = setup();
    const p = await createPendingAuthorization(deps);
    // Both consumers read the unused record before either writes.
    const bothRead = gate();
    let reads = 0;
    store.hooks.beforePut = async (key) => {
      if (key === KEYS.pendingAuth(p.state)) await bothRead.promise;
    };
    store.hooks.beforeGet = (key) => {
      if (key === KEYS.pendingAuth(p.state) && ++reads === 2) bothRead.open();
    };
    const results = await Promise.all([
      consumePendingAuthorization(deps, p.state),
      consumePendingAuthorization(deps, p.state),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([expect.objectContaining({ ok: false, reason: 'used' })]);
  });

  it('housekeeping deletes only records expired longer than the retention', async () => {
    const { deps, store, clock } = setup();
    const old = await createPendingAuthorization({ ...deps, linkTtlHours: 1 });
    const fresh = await createPendingAuthorization(deps);
    await store.put(`${KEYS.pendingAuthPrefix}garbage.json`, 'not json');
    clock.advance(1 * HOUR + 72 * HOUR - 1);
    expect(await deleteExpiredPendingAuthorizations(deps)).toEqual({ deleted: 1, kept: 2 });
    expect(store.objects.has(`${KEYS.pendingAuthPrefix}garbage.json`)).toBe(false);
    clock.advance(2);
    expect(await deleteExpiredPendingAuthorizations(deps)).toEqual({ deleted: 1, kept: 1 });
    expect(store.objects.has(KEYS.pendingAuth(old.state))).toBe(false);
    expect(store.objects.has(KEYS.pendingAuth(fresh.state))).toBe(true);
  });

  it("a record made before there were several destinations (no `destination`) is MyAnimeList's", async () => {
    const { deps, store, clock } = setup();
    const state = createState();
    const v1 = {
      state,
      codeVerifier: 'v'.repeat(64),
      createdAt: clock.now(),
      expiresAt: clock.now() + HOUR,
    };
    await store.put(KEYS.pendingAuth(state), JSON.stringify(v1));
    expect(await peekPendingAuthorization(deps, state)).toEqual({
      ok: true,
      destination: 'mal',
      expiresAt: v1.expiresAt,
    });
    expect(await consumePendingAuthorization(deps, state)).toEqual({
      ok: true,
      destination: 'mal',
      codeVerifier: v1.codeVerifier,
      expiresAt: v1.expiresAt,
    });
  });

  it('names the destination of an expired or used link, so the page can say which one', async () => {
    const { deps, clock } = setup();
    const p = await createPendingAuthorization({ ...deps, destination: 'trakt', pkceMethod: 'S256' });
    expect(p.codeChallenge).not.toBe(p.codeVerifier);
    clock.set(p.expiresAt);
    expect(await consumePendingAuthorization(deps, p.state)).toMatchObject({
      ok: false,
      reason: 'expired',
      destination: 'trakt',
    });
  });
});
