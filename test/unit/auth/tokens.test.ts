import { readTokenMeta } from '../../../shared/auth/token-meta';
import {
  createTokenProvider,
  hasUsableTokens,
  ReauthRequiredError,
  readTokens,
  saveTokensFromAuthorization,
  TokenRefreshError,
} from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { NetworkError } from '../../../shared/errors';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { DAY, FakeMalOAuth, FakeOAuthError, gate, seedTokens, storedTokens } from './fakes';

function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const oauth = new FakeMalOAuth();
  const deps = { store, clock, provider: oauth };
  return { store, clock, oauth, deps, provider: createTokenProvider(deps) };
}

describe('token provider: get', () => {
  it('returns the stored access token without refreshing while it is valid, and caches the read', async () => {
    const { store, oauth, provider, deps, clock } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    expect(await provider.get()).toBe(seeded.accessToken);
    expect(await provider.get()).toBe(seeded.accessToken);
    expect(oauth.calls.refresh).toBe(0);
    // One read of the tokens, and one of their metadata (checked once per run, for the mailer).
    expect(store.counters.get).toBe(2);
    expect(deps.provider.refreshTokenLifetimeDays).toBe(30);
  });

  it('refreshes first when the access token expires within a minute, storing the rotated refresh token', async () => {
    const { store, oauth, provider, clock } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    clock.set(seeded.accessExpiresAt - 60_000);
    const token = await provider.get();
    expect(token).not.toBe(seeded.accessToken);
    expect(oauth.calls.refresh).toBe(1);
    const stored = storedTokens(store)!;
    expect(stored.accessToken).toBe(token);
    expect(stored.refreshToken).not.toBe(seeded.refreshToken);
    expect(stored.refreshIssuedAt).toBe(clock.now());
    expect(stored.refreshExpiresAt).toBe(clock.now() + 30 * DAY);
    expect(stored.accessExpiresAt).toBe(clock.now() + 3600 * 1000);
    expect(stored.user).toBe('alice');
  });

  it('does not refresh with more than a minute left', async () => {
    const { store, oauth, provider, clock } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    clock.set(seeded.accessExpiresAt - 60_001);
    expect(await provider.get()).toBe(seeded.accessToken);
    expect(oauth.calls.refresh).toBe(0);
  });

  it('throws ReauthRequiredError(no_tokens) when nothing is stored, or the object is unreadable', async () => {
    const { store, provider, deps } = setup();
    await expect(provider.get()).rejects.toMatchObject({ code: 'reauth_required', reason: 'no_tokens' });
    await store.put(KEYS.tokens('mal'), '{"accessToken": 1}');
    await expect(createTokenProvider(deps).get()).rejects.toBeInstanceOf(ReauthRequiredError);
    expect(store.objects.get(KEYS.tokens('mal'))!.body).toBe('{"accessToken": 1}');
  });

  it('throws ReauthRequiredError when the tokens are marked invalid', async () => {
    const { store, oauth, provider, clock } = setup();
    await seedTokens(store, oauth, clock, { invalid: { reason: 'invalid_grant', at: clock.now() } });
    await expect(provider.get()).rejects.toMatchObject({ reason: 'invalid_grant' });
    expect(oauth.calls.refresh).toBe(0);
  });
});

describe('token provider: refresh after 401', () => {
  it('rotates the tokens and returns the new access token', async () => {
    const { store, oauth, provider, clock } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    const stale = await provider.get();
    const fresh = await provider.refresh(stale);
    expect(fresh).not.toBe(seeded.accessToken);
    expect(storedTokens(store)!.accessToken).toBe(fresh);
    expect(await provider.get()).toBe(fresh);
    // The old refresh token is dead at MAL; the stored one works.
    await expect(oauth.refresh(seeded.refreshToken)).rejects.toBeInstanceOf(FakeOAuthError);
    await expect(oauth.refresh(storedTokens(store)!.refreshToken)).resolves.toBeDefined();
  });

  it('shares one MAL refresh among concurrent callers of the same instance', async () => {
    const { store, oauth, provider, clock } = setup();
    await seedTokens(store, oauth, clock);
    const stale = await provider.get();
    const [a, b] = await Promise.all([provider.refresh(stale), provider.refresh(stale)]);
    expect(a).toBe(b);
    expect(oauth.calls.refresh).toBe(1);
  });

  it('uses tokens another process already refreshed instead of refreshing again', async () => {
    const { store, oauth, provider, clock, deps } = setup();
    await seedTokens(store, oauth, clock);
    const stale = await provider.get();
    const other = await createTokenProvider(deps).refresh(stale);
    expect(oauth.calls.refresh).toBe(1);
    expect(await provider.refresh(stale)).toBe(other);
    expect(oauth.calls.refresh).toBe(1);
  });

  it('invalid_grant: marks the tokens invalid and throws ReauthRequiredError', async () => {
    const { store, oauth, provider, clock } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    oauth.refreshFailure = new FakeOAuthError('invalid_grant', 400);
    const err = await provider.refresh(seeded.accessToken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReauthRequiredError);
    expect(err).toMatchObject({ code: 'reauth_required', reason: 'invalid_grant', retryable: false });
    const stored = storedTokens(store)!;
    expect(stored.invalid).toEqual({ reason: 'invalid_grant', at: clock.now() });
    // Everything else is kept as it was.
    expect({ ...stored, invalid: undefined }).toEqual({ ...seeded, invalid: undefined });
  });

  it('network failure: throws a retryable error and leaves the stored tokens untouched', async () => {
    const { store, oauth, provider, clock } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    const before = store.objects.get(KEYS.tokens('mal'));
    oauth.refreshFailure = new NetworkError('socket hang up');
    const err = await provider.refresh(seeded.accessToken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenRefreshError);
    expect(err).toMatchObject({ code: 'token_refresh_failed', retryable: true });
    expect(err).not.toBeInstanceOf(ReauthRequiredError);
    expect(store.objects.get(KEYS.tokens('mal'))).toBe(before);
    expect(storedTokens(store)!.invalid).toBeUndefined();
  });

  it('two workers refreshing the same token: the loser adopts the winner’s tokens and marks nothing invalid', async () => {
    const { store, oauth, clock, deps } = setup();
    await seedTokens(store, oauth, clock);
    const a = createTokenProvider(deps);
    const b = createTokenProvider(deps);
    const stale = await a.get();
    await b.get();
    const winner = await a.refresh(stale);
    // b still holds the old refresh token in its cache; MAL rejects it (rotated), b re-reads and adopts.
    clock.advance(2 * 3600 * 1000);
    const got = await b.get();
    expect(storedTokens(store)!.invalid).toBeUndefined();
    expect(got).toBe(winner);
    expect(storedTokens(store)!.accessToken).toBe(winner);
    expect(oauth.calls.refresh).toBe(2);
  });

  it('a spurious conflict (same refresh token, new ETag) is retried and our tokens are stored', async () => {
    const { store, oauth, provider, clock } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    await provider.get();
    // While MAL refreshes, something rewrites the same tokens in other bytes (new ETag, same refresh
    // token). Identical bytes would keep their ETag, as on S3, and cause no conflict at all.
    oauth.beforeRefresh = async () => {
      oauth.beforeRefresh = undefined;
      await store.put(KEYS.tokens('mal'), JSON.stringify(seeded, null, 2));
    };
    let tokenWrites = 0;
    store.hooks.beforePut = (key) => {
      if (key === KEYS.tokens('mal')) tokenWrites++;
    };
    const fresh = await provider.refresh(seeded.accessToken);
    // The rewrite, the worker's write that lost to it, and the worker's second write.
    expect(tokenWrites).toBe(3);
    expect(storedTokens(store)!.accessToken).toBe(fresh);
    expect(storedTokens(store)!.refreshToken).not.toBe(seeded.refreshToken);
  });
});

describe('overlapping writers: worker refresh vs callback', () => {
  it('callback stores during the worker refresh: the worker drops its tokens and keeps the callback’s', async () => {
    const { store, oauth, clock, deps } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    const worker = createTokenProvider(deps);
    await worker.get();
    const authorized = oauth.mint('alice');
    oauth.beforeRefresh = async () => {
      clock.advance(1000);
      const saved = await saveTokensFromAuthorization(deps, oauth, authorized, 'alice');
      expect(saved.outcome).toBe('stored');
    };
    const token = await worker.refresh(seeded.accessToken);
    expect(storedTokens(store)!.refreshToken).toBe(authorized.refreshToken);
    expect(token).toBe(authorized.accessToken);
    expect(oauth.calls.refresh).toBe(1);
  });

  it('worker refresh lands between the callback’s read and write: the fresh authorization still wins', async () => {
    const { store, oauth, clock, deps } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    const worker = createTokenProvider(deps);
    await worker.get();
    const authorized = oauth.mint('alice');
    let workerToken: string | undefined;
    store.hooks.beforePut = async (key, body) => {
      if (key !== KEYS.tokens('mal') || !body.includes(authorized.refreshToken) || workerToken) return;
      // The callback has read and is about to write: the worker's refresh completes first.
      store.hooks.beforePut = undefined;
      workerToken = await worker.refresh(seeded.accessToken);
    };
    clock.advance(1000);
    const saved = await saveTokensFromAuthorization(deps, oauth, authorized, 'alice');
    expect(workerToken).toBeDefined();
    expect(saved.outcome).toBe('stored');
    expect(storedTokens(store)!.refreshToken).toBe(authorized.refreshToken);
    expect(storedTokens(store)!.refreshIssuedAt).toBe(clock.now());
  });

  it('a fresh authorization replaces a stored record dated in the future (clock skew), and its metadata', async () => {
    const { store, oauth, clock, deps } = setup();
    // Written by a writer whose clock ran a day ahead.
    await seedTokens(store, oauth, clock, {
      refreshIssuedAt: clock.now() + DAY,
      refreshExpiresAt: clock.now() + 31 * DAY,
    });
    const fresh = oauth.mint('alice');
    const saved = await saveTokensFromAuthorization(deps, oauth, fresh, 'alice');
    expect(saved.outcome).toBe('stored');
    expect(storedTokens(store)).toMatchObject({ refreshToken: fresh.refreshToken, refreshIssuedAt: clock.now() });
    const meta = await readTokenMeta(store, 'mal');
    expect(meta.meta).toEqual({
      version: 1,
      tokensEtag: store.objects.get(KEYS.tokens('mal'))!.etag,
      user: 'alice',
      refreshIssuedAt: clock.now(),
      refreshExpiresAt: clock.now() + 30 * DAY,
    });
    // The new refresh token is the one that works.
    await expect(oauth.refresh(storedTokens(store)!.refreshToken)).resolves.toBeDefined();
  });

  it('the callback replaces invalid or unreadable tokens and creates them when none exist', async () => {
    const { store, oauth, clock, deps } = setup();
    const first = await saveTokensFromAuthorization(deps, oauth, oauth.mint('alice'), 'alice');
    expect(first.outcome).toBe('stored');
    await store.put(KEYS.tokens('mal'), 'garbage');
    expect((await readTokens(store, 'mal')).corrupt).toBe(true);
    const second = oauth.mint('alice');
    await saveTokensFromAuthorization(deps, oauth, second, 'alice');
    expect(storedTokens(store)!.refreshToken).toBe(second.refreshToken);
    await seedTokens(store, oauth, clock, {
      refreshIssuedAt: clock.now() + DAY,
      invalid: { reason: 'invalid_grant', at: clock.now() },
    });
    const third = oauth.mint('alice');
    expect((await saveTokensFromAuthorization(deps, oauth, third, 'alice')).outcome).toBe('stored');
    expect(storedTokens(store)!.invalid).toBeUndefined();
  });

  it('invalid_grant racing with a callback: the new authorization is used, nothing is marked invalid', async () => {
    const { store, oauth, clock, deps } = setup();
    const seeded = await seedTokens(store, oauth, clock);
    const worker = createTokenProvider(deps);
    await worker.get();
    const authorized = oauth.mint('alice');
    const stored = gate();
    oauth.beforeRefresh = async () => {
      await saveTokensFromAuthorization(deps, oauth, authorized, 'alice');
      stored.open();
    };
    oauth.refreshFailure = new FakeOAuthError('invalid_grant', 400);
    const token = await worker.refresh(seeded.accessToken);
    await stored.promise;
    expect(token).toBe(authorized.accessToken);
    expect(storedTokens(store)!.invalid).toBeUndefined();
  });
});

describe('version 1 token records (`malUser` instead of `user`)', () => {
  /** The token object exactly as the first version wrote it. */
  async function seedV1(store: MemoryStore, oauth: FakeMalOAuth, clock: ManualClock, overrides: object = {}) {
    const set = oauth.mint('alice');
    const v1 = {
      accessToken: set.accessToken,
      refreshToken: set.refreshToken,
      accessExpiresAt: clock.now() + 3600 * 1000,
      refreshIssuedAt: clock.now(),
      refreshExpiresAt: clock.now() + 30 * DAY,
      malUser: 'alice',
      ...overrides,
    };
    await store.put(KEYS.tokens('mal'), JSON.stringify(v1));
    return v1;
  }

  it('are read with the account as `user`, and are usable', async () => {
    const { store, oauth, clock } = setup();
    const v1 = await seedV1(store, oauth, clock);
    const { malUser: _malUser, ...rest } = v1;
    expect((await readTokens(store, 'mal')).tokens).toEqual({ ...rest, user: 'alice' });
    expect(await hasUsableTokens(store, 'mal')).toBe(true);
  });

  it('a refresh from a version 1 record keeps the account and stores the current shape', async () => {
    const { store, oauth, clock, provider } = setup();
    const v1 = await seedV1(store, oauth, clock);
    clock.set(v1.accessExpiresAt - 60_000);
    const token = await provider.get();
    expect(oauth.calls.refresh).toBe(1);
    const raw = JSON.parse(store.objects.get(KEYS.tokens('mal'))!.body) as Record<string, unknown>;
    expect(raw).toMatchObject({ accessToken: token, user: 'alice' });
    expect(raw).not.toHaveProperty('malUser');
  });

  it('a version 1 record marked invalid asks for a new authorization, and the callback replaces it', async () => {
    const { store, oauth, clock, provider, deps } = setup();
    await seedV1(store, oauth, clock, { invalid: { reason: 'invalid_grant', at: clock.now() } });
    await expect(provider.get()).rejects.toMatchObject({ reason: 'invalid_grant' });
    expect(await hasUsableTokens(store, 'mal')).toBe(false);
    const fresh = oauth.mint('alice');
    expect((await saveTokensFromAuthorization(deps, oauth, fresh, 'alice')).outcome).toBe('stored');
    expect(storedTokens(store)).toMatchObject({ refreshToken: fresh.refreshToken, user: 'alice' });
  });

  it('a fresh authorization replaces a version 1 record dated in the future, in the current shape', async () => {
    const { store, oauth, clock, deps } = setup();
    await seedV1(store, oauth, clock, { refreshIssuedAt: clock.now() + 60_000 });
    const fresh = oauth.mint('bob');
    const saved = await saveTokensFromAuthorization(deps, oauth, fresh, 'bob');
    expect(saved).toMatchObject({ outcome: 'stored', tokens: { refreshToken: fresh.refreshToken, user: 'bob' } });
    const raw = JSON.parse(store.objects.get(KEYS.tokens('mal'))!.body) as Record<string, unknown>;
    expect(raw).toMatchObject({ refreshToken: fresh.refreshToken, user: 'bob', refreshIssuedAt: clock.now() });
    expect(raw).not.toHaveProperty('malUser');
  });
});
