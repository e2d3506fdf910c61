import { type MalSandbox, startMalSandbox } from '../../../local/sandbox/mal/server';
import type { AuthProvider } from '../../../shared/auth/provider';
import {
  createTokenProvider,
  ReauthRequiredError,
  readTokens,
  type StoredTokens,
  saveTokensFromAuthorization,
} from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { createMalAuth } from '../../../shared/destinations/mal/oauth';
import { KEYS } from '../../../shared/store/store';
import { describeOnEachStore, type HookableStore } from '../../support/each-store';
import { forEachSchedule, Interleaving } from '../../support/interleave';

const CLIENT_ID = 'token-race-client';

/**
 * The worker refreshing the MAL tokens and the OAuth callback storing a new authorization write
 * the same object (`auth/tokens.json`). test/unit/auth/tokens.test.ts pins two hand-picked
 * interleavings with a fake OAuth server; here every interleaving of the two writers' store
 * operations is run, against the MAL sandbox's real token endpoint (refresh rotates and revokes
 * the old refresh token over HTTP). The schedules run on a MemoryStore and again on S3Store over
 * moto_server, which enforces If-Match / If-None-Match as S3 does (s3rver ignores them); the
 * stores' hooks are the scheduling points.
 *
 * Invariants for every schedule: the stored tokens are readable and not marked invalid, they are
 * the new authorization's (the user's latest decision is never lost), their refresh token still
 * works at MAL, and the worker either continues with an access token MAL accepts or, only when
 * its own refresh token was dead, asks for re-authorization without marking the new tokens invalid.
 * Each path runs from a current token record and from one written by the first version (`malUser`
 * instead of `user`), which the worker must refresh from just the same.
 */
function tokenWriterSchedules(newStore: () => Promise<HookableStore>): void {
  let mal: MalSandbox;
  let oauth: AuthProvider;
  beforeAll(async () => {
    mal = await startMalSandbox({ clientId: CLIENT_ID });
    oauth = createMalAuth({ fetch, timeoutMs: 5000, oauthUrl: mal.oauthUrl, apiUrl: mal.apiUrl, clientId: CLIENT_ID });
  });
  afterAll(async () => {
    await mal?.close();
  });

  type WorkerPath = 'expired access token (get)' | '401 invalid_token (refresh)' | 'refresh token revoked at MAL';

  test.each<[WorkerPath, 'current' | 'version 1']>([
    ['expired access token (get)', 'current'],
    ['401 invalid_token (refresh)', 'current'],
    ['refresh token revoked at MAL', 'current'],
    ['expired access token (get)', 'version 1'],
    ['401 invalid_token (refresh)', 'version 1'],
    ['refresh token revoked at MAL', 'version 1'],
  ])('worker: %s, racing the callback (%s token record)', async (path, record) => {
    const outcomes = new Map<string, number>();
    const schedules = await forEachSchedule(async (choose) => {
      const clock = new ManualClock(Date.now());
      const store = await newStore();
      const gate = new Interleaving();
      const seeded = mal.state.issueTokensDirectly();
      if (path === 'refresh token revoked at MAL') mal.state.revokeRefreshTokens();
      const authorized = mal.state.issueTokensDirectly();
      const now = clock.now();
      const times: Omit<StoredTokens, 'user'> = {
        accessToken: seeded.accessToken,
        refreshToken: seeded.refreshToken,
        accessExpiresAt: path === '401 invalid_token (refresh)' ? now + 3_600_000 : now - 1,
        refreshIssuedAt: now - 86_400_000,
        refreshExpiresAt: now + 29 * 86_400_000,
      };
      // Version 1 named the account `malUser`.
      const stored = record === 'current' ? { ...times, user: 'sandbox_user' } : { ...times, malUser: 'sandbox_user' };
      await store.put(KEYS.tokens('mal'), JSON.stringify(stored));
      store.hooks.beforeGet = (key) => gate.point(`get ${key}`);
      store.hooks.beforePut = (key) => gate.point(`put ${key}`);

      const deps = { store, provider: oauth, clock };
      const provider = createTokenProvider(deps);
      const results = await gate.run(
        {
          worker: () =>
            path === '401 invalid_token (refresh)' ? provider.refresh(seeded.accessToken) : provider.get(),
          callback: () => saveTokensFromAuthorization(deps, oauth, authorized, 'sandbox_user'),
        },
        choose,
      );
      store.hooks = {};
      const trace = gate.trace.join(' → ');

      // The callback always stores, and nothing overwrites it afterwards.
      expect({ trace, callback: results.callback }).toMatchObject({
        callback: { status: 'fulfilled', value: { outcome: 'stored' } },
      });
      const final = await readTokens(store, 'mal');
      expect({ trace, corrupt: final.corrupt, invalid: final.tokens?.invalid }).toEqual({
        trace,
        corrupt: undefined,
        invalid: undefined,
      });
      expect({ trace, refreshToken: final.tokens?.refreshToken, user: final.tokens?.user }).toEqual({
        trace,
        refreshToken: authorized.refreshToken,
        user: 'sandbox_user',
      });

      const worker = results.worker!;
      if (worker.status === 'fulfilled') {
        // Whatever the worker continues with, MAL accepts it.
        await expect(oauth.whoAmI(worker.value as string)).resolves.toMatchObject({ name: expect.any(String) });
        outcomes.set('worker continued', (outcomes.get('worker continued') ?? 0) + 1);
      } else {
        expect({ trace, path, reason: worker.reason }).toMatchObject({
          path: 'refresh token revoked at MAL',
          reason: expect.any(ReauthRequiredError),
        });
        outcomes.set('worker asked for reauth', (outcomes.get('worker asked for reauth') ?? 0) + 1);
      }
      // The stored refresh token is alive at MAL: the next run can refresh with it.
      await expect(oauth.refresh(final.tokens!.refreshToken)).resolves.toMatchObject({
        refreshToken: expect.any(String),
      });
    });
    // Enough schedules to include the worker writing first, the callback writing first, and both racing.
    expect(schedules).toBeGreaterThanOrEqual(6);
    expect(outcomes.get('worker continued')).toBeGreaterThan(0);
    // With a dead refresh token, both endings occur: adopting the new authorization, or asking for one.
    if (path === 'refresh token revoked at MAL') expect(outcomes.get('worker asked for reauth')).toBeGreaterThan(0);
  });
}

describeOnEachStore('overlapping writers of the token object: every interleaving', tokenWriterSchedules);
