import { readTokenMeta } from '../../../shared/auth/token-meta';
import {
  createTokenProvider,
  RunTokens,
  saveTokensFromAuthorization,
  TOKENS_LOST_LOG,
  type TokenProviderDeps,
} from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { createJsonLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { StoreError } from '../../../shared/store/s3-store';
import { KEYS } from '../../../shared/store/store';
import { DAY, FakeMalOAuth, FakeOAuthError, seedTokens, storedTokens } from './fakes';

const TOKENS = KEYS.tokens('mal');

/**
 * Refreshed tokens and S3 trouble (issue #12, point 2): MAL rotates the refresh token on refresh,
 * so tokens S3 did not take must never be dropped. The save is retried with backoff within the
 * deadline, then the tokens serve the rest of the run from memory and `flush` saves them at its end.
 */
function setup(overrides: Partial<TokenProviderDeps> = {}) {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const oauth = new FakeMalOAuth();
  const lines: string[] = [];
  const logger = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
  const deps: TokenProviderDeps = {
    store,
    clock,
    provider: oauth,
    logger,
    saveRetry: { maxAttempts: 4, baseDelayMs: 100 },
    random: () => 0.5,
    ...overrides,
  };
  /** The next `times` writes of the tokens object fail as S3 would (503), until `stop`; each one is counted. */
  const failTokenWrites = (times: number) => {
    const failed = { count: 0, stop: () => {} };
    let on = true;
    failed.stop = () => {
      on = false;
    };
    store.hooks.beforePut = (key) => {
      if (key !== TOKENS || !on || failed.count >= times) return;
      failed.count++;
      throw new StoreError(`Writing s3://bucket/${key} failed: ServiceUnavailable`);
    };
    return failed;
  };
  return { store, clock, oauth, lines, deps, failTokenWrites };
}

/** Seeds tokens whose access token is about to expire, so that the first `get` refreshes. */
async function expiring(ctx: ReturnType<typeof setup>) {
  const seeded = await seedTokens(ctx.store, ctx.oauth, ctx.clock);
  ctx.clock.set(seeded.accessExpiresAt - 30_000);
  return seeded;
}

describe('saving refreshed tokens when S3 fails', () => {
  it('a few failures: the save is retried with backoff and the rotated tokens are stored at once', async () => {
    const ctx = setup();
    const seeded = await expiring(ctx);
    const failed = ctx.failTokenWrites(3);
    const started = ctx.clock.now();
    const provider = createTokenProvider(ctx.deps);
    const token = await provider.get();
    expect(failed.count).toBe(3);
    expect(storedTokens(ctx.store)).toMatchObject({ accessToken: token });
    expect(storedTokens(ctx.store)!.refreshToken).not.toBe(seeded.refreshToken);
    // Backoff 100, 200, 400 ms (equal jitter at 0.5: three quarters of each ceiling).
    expect(ctx.clock.now() - started).toBe(75 + 150 + 300);
    expect(await provider.flush()).toBe('nothing');
    // The metadata describes what is stored.
    expect((await readTokenMeta(ctx.store, 'mal')).meta).toMatchObject({
      tokensEtag: ctx.store.objects.get(TOKENS)!.etag,
      refreshIssuedAt: started,
    });
  });

  it('failures outlasting the retries: the fresh tokens serve the run from memory and are saved at its end', async () => {
    const ctx = setup();
    const seeded = await expiring(ctx);
    const failed = ctx.failTokenWrites(Number.POSITIVE_INFINITY);
    const provider = createTokenProvider(ctx.deps);
    const token = await provider.get();
    expect(failed.count).toBe(4);
    // Not stored yet: S3 still holds the spent refresh token.
    expect(storedTokens(ctx.store)!.refreshToken).toBe(seeded.refreshToken);
    expect(ctx.lines.some((l) => l.includes('refreshed tokens not saved yet'))).toBe(true);

    // The rest of the run uses them, without refreshing again.
    expect(await provider.get()).toBe(token);
    // Even a 401 on them is answered from memory: the stored refresh token is spent at MAL.
    const again = await provider.refresh(token);
    expect(ctx.oauth.calls.refresh).toBe(2);
    expect(again).not.toBe(token);

    // S3 is back: the end of the run stores the newest tokens, and they work.
    failed.stop();
    expect(await provider.flush()).toBe('saved');
    const stored = storedTokens(ctx.store)!;
    expect(stored.accessToken).toBe(again);
    await expect(ctx.oauth.refresh(stored.refreshToken)).resolves.toBeDefined();
    expect((await readTokenMeta(ctx.store, 'mal')).meta).toMatchObject({
      tokensEtag: ctx.store.objects.get(TOKENS)!.etag,
    });
    expect(ctx.lines.join('\n')).not.toContain(stored.refreshToken);
  });

  it('S3 down for the whole run: flush reports the tokens lost, with the alarm line and no secret', async () => {
    const ctx = setup();
    const seeded = await expiring(ctx);
    ctx.failTokenWrites(Number.POSITIVE_INFINITY);
    const provider = createTokenProvider(ctx.deps);
    const token = await provider.get();
    expect(await provider.flush()).toBe('lost');
    expect(storedTokens(ctx.store)!.refreshToken).toBe(seeded.refreshToken);
    const alarm = ctx.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === TOKENS_LOST_LOG);
    expect(alarm).toEqual([
      expect.objectContaining({
        level: 'error',
        destination: 'mal',
        errorCode: 'tokens_lost',
        error: expect.stringMatching(/could not be saved \(store_error: .*ServiceUnavailable\).*new authorization/),
      }),
    ]);
    const all = ctx.lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(seeded.refreshToken);
  });

  it('no retry waits past the deadline: one attempt when there is no time left, then memory', async () => {
    const ctx = setup();
    await expiring(ctx);
    const failed = ctx.failTokenWrites(Number.POSITIVE_INFINITY);
    const provider = createTokenProvider({ ...ctx.deps, deadline: () => ctx.clock.now() + 50 });
    const started = ctx.clock.now();
    await provider.get();
    expect(failed.count).toBe(1);
    expect(ctx.clock.now()).toBe(started);
  });

  it('a lost race during the retries is re-read, not retried blindly: a new authorization wins', async () => {
    const ctx = setup();
    await expiring(ctx);
    ctx.failTokenWrites(Number.POSITIVE_INFINITY);
    const provider = createTokenProvider(ctx.deps);
    await provider.get();
    // While the run goes on, the user authorizes again (the callback's write is not ours).
    ctx.store.hooks = {};
    const authorized = ctx.oauth.mint('alice');
    await saveTokensFromAuthorization(ctx.deps, ctx.oauth, authorized, 'alice');
    expect(await provider.flush()).toBe('superseded');
    expect(storedTokens(ctx.store)!.refreshToken).toBe(authorized.refreshToken);
    expect(await provider.get()).toBe(authorized.accessToken);
  });

  it('a spurious conflict (same refresh token, new ETag) during the retries is written over', async () => {
    const ctx = setup();
    const seeded = await expiring(ctx);
    ctx.failTokenWrites(Number.POSITIVE_INFINITY);
    const provider = createTokenProvider(ctx.deps);
    const token = await provider.get();
    ctx.store.hooks = {};
    // The same tokens rewritten with other bytes (a new ETag): not newer tokens.
    await ctx.store.put(TOKENS, JSON.stringify({ ...seeded, refreshExpiresAt: seeded.refreshExpiresAt + 1 }));
    expect(await provider.flush()).toBe('saved');
    expect(storedTokens(ctx.store)!.accessToken).toBe(token);
  });

  it('refreshed from memory and rejected (invalid_grant): the stored record is marked invalid', async () => {
    const ctx = setup();
    const seeded = await expiring(ctx);
    ctx.failTokenWrites(4);
    const provider = createTokenProvider(ctx.deps);
    const token = await provider.get();
    ctx.oauth.refreshFailure = new FakeOAuthError('invalid_grant', 400);
    await expect(provider.refresh(token)).rejects.toMatchObject({ reason: 'invalid_grant' });
    expect(storedTokens(ctx.store)).toMatchObject({
      refreshToken: seeded.refreshToken,
      invalid: { reason: 'invalid_grant' },
    });
    expect((await readTokenMeta(ctx.store, 'mal')).meta).toMatchObject({ invalid: { reason: 'invalid_grant' } });
  });
});

describe('RunTokens: one provider per destination and run', () => {
  it('every client of a destination in a run shares the provider; endRun saves and forgets', async () => {
    const ctx = setup();
    await expiring(ctx);
    ctx.failTokenWrites(4);
    const { provider: _provider, ...base } = ctx.deps;
    const tokens = new RunTokens(base);
    const first = await tokens.for(ctx.oauth).get();
    // Another client of the same destination (e.g. MAL as the source) gets the unsaved tokens, not the spent ones.
    expect(await tokens.for(ctx.oauth).get()).toBe(first);
    expect(ctx.oauth.calls.refresh).toBe(1);
    await tokens.endRun();
    expect(storedTokens(ctx.store)!.accessToken).toBe(first);
    // The next run starts from the store.
    ctx.store.counters.get = 0;
    expect(await tokens.for(ctx.oauth).get()).toBe(first);
    expect(ctx.store.counters.get).toBe(2);
  });
});

describe('token metadata, for the mailer', () => {
  it('tokens from before metadata existed are described by the first worker read', async () => {
    const ctx = setup();
    const seeded = await seedTokens(ctx.store, ctx.oauth, ctx.clock);
    await ctx.store.delete(KEYS.tokenMeta('mal'));
    await createTokenProvider(ctx.deps).get();
    expect((await readTokenMeta(ctx.store, 'mal')).meta).toEqual({
      version: 1,
      tokensEtag: ctx.store.objects.get(TOKENS)!.etag,
      user: 'alice',
      refreshIssuedAt: seeded.refreshIssuedAt,
      refreshExpiresAt: seeded.refreshExpiresAt,
    });
  });

  it('metadata describing other tokens is rewritten; unreadable tokens are described as such', async () => {
    const ctx = setup();
    const seeded = await seedTokens(ctx.store, ctx.oauth, ctx.clock);
    await ctx.store.put(TOKENS, JSON.stringify({ ...seeded, invalid: { reason: 'invalid_grant', at: 1 } }));
    await expect(createTokenProvider(ctx.deps).get()).rejects.toMatchObject({ reason: 'invalid_grant' });
    expect((await readTokenMeta(ctx.store, 'mal')).meta).toMatchObject({ invalid: { reason: 'invalid_grant', at: 1 } });
    await ctx.store.put(TOKENS, 'garbage');
    await expect(createTokenProvider(ctx.deps).get()).rejects.toMatchObject({ reason: 'no_tokens' });
    expect((await readTokenMeta(ctx.store, 'mal')).meta).toEqual({
      version: 1,
      tokensEtag: ctx.store.objects.get(TOKENS)!.etag,
      unreadable: true,
    });
  });

  it('the repair never replaces metadata another writer wrote meanwhile', async () => {
    const ctx = setup();
    await seedTokens(ctx.store, ctx.oauth, ctx.clock);
    await ctx.store.delete(KEYS.tokenMeta('mal'));
    const authorized = ctx.oauth.mint('alice');
    // Between the worker's reads and its repair, the callback stores new tokens and their metadata.
    ctx.store.hooks.beforePut = async (key) => {
      if (key !== KEYS.tokenMeta('mal')) return;
      ctx.store.hooks = {};
      ctx.clock.advance(DAY);
      await saveTokensFromAuthorization(ctx.deps, ctx.oauth, authorized, 'alice');
    };
    await createTokenProvider(ctx.deps).get();
    expect((await readTokenMeta(ctx.store, 'mal')).meta).toMatchObject({
      tokensEtag: ctx.store.objects.get(TOKENS)!.etag,
      refreshIssuedAt: ctx.clock.now(),
    });
  });
});
