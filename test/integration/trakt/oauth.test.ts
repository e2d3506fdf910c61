import { createPkceVerifier, pkceChallenge } from '../../../shared/auth/pkce';
import {
  createTokenProvider,
  ReauthRequiredError,
  readTokens,
  saveTokensFromAuthorization,
  TokenRefreshError,
} from '../../../shared/auth/tokens';
import { TraktApiError } from '../../../shared/destinations/trakt/errors';
import { createTraktAuth, isTraktInvalidGrant, TraktOAuthError } from '../../../shared/destinations/trakt/oauth';
import { NetworkError } from '../../../shared/errors';
import { hiddenFields, submitForm } from '../trakt-sandbox/helpers';
import { CLIENT_ID, closeRigs, failure, REDIRECT, type Rig, startRig } from './helpers';

/** Trakt's OAuth client over real HTTP against the sandbox's auth host: code + S256, rotation, invalid grants, device flow. */

afterEach(closeRigs);

const TOKEN = 'POST /oauth/token';
const DEVICE_TOKEN = 'POST /oauth/device/token';

/** Opens the URL the provider built, approves on the consent page like a browser, returns the code. */
async function approve(rig: Rig, url: string): Promise<string> {
  const page = await fetch(url, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const form = hiddenFields(await page.text());
  form.set('decision', 'approve');
  const answer = await submitForm(rig.sandbox.authorizeUrl, form);
  expect(answer.status).toBe(302);
  const back = new URL(answer.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  return back.searchParams.get('code')!;
}

async function authorizeWithPkce(rig: Rig, state = 'state-abc') {
  const codeVerifier = createPkceVerifier();
  const url = rig.auth.authorizeUrl({
    state,
    codeChallenge: pkceChallenge(codeVerifier, rig.auth.pkceMethod),
    redirectUri: REDIRECT,
  });
  return { url, codeVerifier, code: await approve(rig, url) };
}

describe('Trakt OAuth: authorization code with S256 PKCE', () => {
  test('the authorize URL is on the auth host, with S256 and the challenge of the verifier', async () => {
    const rig = await startRig({ authorized: false });
    expect(rig.auth.pkceMethod).toBe('S256');
    const verifier = createPkceVerifier();
    const url = new URL(
      rig.auth.authorizeUrl({ state: 'st', codeChallenge: pkceChallenge(verifier, 'S256'), redirectUri: REDIRECT }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(rig.sandbox.authorizeUrl);
    expect(url.origin).toBe(rig.sandbox.authUrl);
    expect(url.origin).not.toBe(rig.sandbox.apiUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT,
      state: 'st',
      code_challenge: pkceChallenge(verifier, 'S256'),
      code_challenge_method: 'S256',
    });
  });

  test('approve, exchange with the verifier, whoAmI; a wrong verifier or redirect_uri is refused, a spent code too', async () => {
    const rig = await startRig({ authorized: false });
    const { code, codeVerifier } = await authorizeWithPkce(rig);

    const wrongVerifier = await failure(
      rig.auth.exchangeCode({ code, codeVerifier: createPkceVerifier(), redirectUri: REDIRECT }),
    );
    expect(wrongVerifier).toBeInstanceOf(TraktOAuthError);
    expect(wrongVerifier).toMatchObject({ status: 400, oauthError: 'invalid_grant', retryable: false });
    expect((wrongVerifier as Error).message).not.toContain(code);

    const wrongRedirect = await failure(
      rig.auth.exchangeCode({ code, codeVerifier, redirectUri: 'http://127.0.0.1:3000/other' }),
    );
    expect(wrongRedirect).toMatchObject({ status: 400, oauthError: 'invalid_request' });
    expect((wrongRedirect as Error).message).toMatch(/redirect_uri mismatch/);

    const tokens = await rig.auth.exchangeCode({ code, codeVerifier, redirectUri: REDIRECT });
    expect(tokens).toMatchObject({ tokenType: 'bearer', expiresIn: 604_800 });
    expect(tokens.accessToken).toMatch(/^sbx_at_/);
    await expect(rig.auth.whoAmI(tokens.accessToken)).resolves.toEqual({ name: 'sandbox_user' });

    const spent = await failure(rig.auth.exchangeCode({ code, codeVerifier, redirectUri: REDIRECT }));
    expect(spent).toMatchObject({ status: 400, oauthError: 'invalid_grant' });
    expect(rig.sandbox.state.tokens().codeExchanges).toBe(1);
  });

  test('whoAmI with a dead token is a typed 401, not a name', async () => {
    const rig = await startRig({ authorized: false });
    const err = await failure(rig.auth.whoAmI('sbx_at_not-issued'));
    expect(err).toBeInstanceOf(TraktApiError);
    expect(err).toMatchObject({ status: 401, code: 'trakt_unauthorized' });
  });

  test('without the client secret nothing is sent, and the error says which setting', async () => {
    const rig = await startRig({ authorized: false });
    const auth = createTraktAuth({
      authUrl: rig.sandbox.authUrl,
      apiUrl: rig.sandbox.apiUrl,
      clientId: CLIENT_ID,
      fetch,
      timeoutMs: 5_000,
      clock: rig.clock,
    });
    const err = await failure(auth.refresh('sbx_rt_anything'));
    expect(err).toMatchObject({ oauthError: 'missing_client_secret' });
    expect((err as Error).message).toMatch(/TRAKT_CLIENT_SECRET/);
    expect(rig.sandbox.counters.requests).toBe(0);
  });
});

describe('Trakt OAuth: refresh', () => {
  test('refresh rotates: new pair that works, the old refresh token is refused afterwards (invalid_grant)', async () => {
    const rig = await startRig({ authorized: false });
    const first = rig.sandbox.state.issueTokensDirectly();
    const second = await rig.auth.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    await expect(rig.auth.whoAmI(second.accessToken)).resolves.toEqual({ name: 'sandbox_user' });
    await expect(rig.auth.whoAmI(first.accessToken)).rejects.toMatchObject({ status: 401 });

    const replay = await failure(rig.auth.refresh(first.refreshToken));
    expect(replay).toBeInstanceOf(TraktOAuthError);
    expect(replay).toMatchObject({ status: 400, oauthError: 'invalid_grant' });
    expect(isTraktInvalidGrant(replay)).toBe(true);
    // The new one is unharmed by the replay.
    await expect(rig.auth.refresh(second.refreshToken)).resolves.toMatchObject({ tokenType: 'bearer' });
  });

  const deadGrants: [string, Parameters<typeof startRig>[0], (rig: Rig) => void, number, string][] = [
    ['revoked', {}, (rig) => rig.sandbox.state.revokeRefreshTokens(), 400, 'invalid_grant'],
    ['expired', {}, (rig) => rig.sandbox.state.expireRefreshTokens(), 400, 'invalid_grant'],
    [
      'issued before the July 2026 migration (400, empty body)',
      {},
      (rig) => rig.sandbox.state.markRefreshTokensPreMigration(),
      400,
      'empty_response',
    ],
    [
      'refused in the older 401 style',
      { sandbox: { tokenErrorStatus: 401 } },
      (rig) => rig.sandbox.state.revokeRefreshTokens(),
      401,
      'invalid_grant',
    ],
  ];

  test.each(deadGrants)('a refresh token %s is an invalid grant', async (_what, options, kill, status, oauthError) => {
    const rig = await startRig({ ...options, authorized: false });
    const tokens = rig.sandbox.state.issueTokensDirectly();
    kill(rig);
    const err = await failure(rig.auth.refresh(tokens.refreshToken));
    expect(err).toBeInstanceOf(TraktOAuthError);
    expect(err).toMatchObject({ status, oauthError, retryable: false });
    expect(isTraktInvalidGrant(err)).toBe(true);
    expect(rig.auth.isInvalidGrant(err)).toBe(true);
    expect(rig.sandbox.counters.byRoute[TOKEN]).toBe(1);
  });

  test.each(deadGrants)(
    'the token provider turns a refresh token %s into "reauth required" and marks the tokens',
    async (_what, options, kill) => {
      const rig = await startRig(options);
      kill(rig);
      const tokens = createTokenProvider({ store: rig.store, provider: rig.auth, clock: rig.clock });
      const stale = await tokens.get();
      const err = await failure(tokens.refresh(stale));
      expect(err).toBeInstanceOf(ReauthRequiredError);
      expect(err).toMatchObject({ reason: 'invalid_grant' });
      expect((await readTokens(rig.store, 'trakt')).tokens?.invalid).toEqual({
        reason: 'invalid_grant',
        at: rig.clock.now(),
      });
    },
  );

  test('an outage of the token endpoint is not an invalid grant: the tokens stay usable', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'token', kind: 500 });
    const tokens = createTokenProvider({ store: rig.store, provider: rig.auth, clock: rig.clock });
    const stale = await tokens.get();
    const err = await failure(tokens.refresh(stale));
    expect(err).toBeInstanceOf(TokenRefreshError);
    expect(isTraktInvalidGrant((err as Error).cause)).toBe(false);
    expect((await readTokens(rig.store, 'trakt')).tokens?.invalid).toBeUndefined();
    // Next time it works.
    await expect(tokens.refresh(stale)).resolves.toMatch(/^sbx_at_/);
  });

  test.each([502, 503, 504, 520, 523])(
    'a gateway error %i on the token endpoint is retried (never processed)',
    async (status) => {
      const rig = await startRig({ authorized: false });
      const first = rig.sandbox.state.issueTokensDirectly();
      rig.sandbox.faults.inject({ route: 'token', kind: status });
      await expect(rig.auth.refresh(first.refreshToken)).resolves.toMatchObject({ tokenType: 'bearer' });
      expect(rig.sandbox.counters.byRoute[TOKEN]).toBe(2);
    },
  );

  test('a refresh whose answer is lost is not repeated with the spent refresh token', async () => {
    const rig = await startRig({ authorized: false });
    const first = rig.sandbox.state.issueTokensDirectly();
    rig.sandbox.faults.inject({ route: 'token', kind: 'lost' });
    await expect(rig.auth.refresh(first.refreshToken)).rejects.toBeInstanceOf(NetworkError);
    expect(rig.sandbox.counters.byRoute[TOKEN]).toBe(1);
    expect(rig.sandbox.state.tokens().refreshes).toBe(1);
  });
});

describe('Trakt OAuth: device flow', () => {
  test('code, pending polls, the user approves the code, tokens; the code is then used', async () => {
    const rig = await startRig({ authorized: false });
    const device = rig.auth.device;
    const code = await device.start();
    expect(code).toMatchObject({ verificationUrl: rig.sandbox.verificationUrl, expiresIn: 600, interval: 5 });
    expect(code.userCode).toMatch(/^[0-9A-F]{8}$/);

    rig.clock.advance(code.interval * 1000);
    await expect(device.poll(code.deviceCode)).resolves.toEqual({ status: 'pending' });
    rig.clock.advance(code.interval * 1000);
    await expect(device.poll(code.deviceCode)).resolves.toEqual({ status: 'pending' });
    expect(rig.sandbox.state.approveUserCode(code.userCode)).toBe('approved');
    rig.clock.advance(code.interval * 1000);
    const approved = await device.poll(code.deviceCode);
    if (approved.status !== 'approved') throw new Error(`expected approval, got ${approved.status}`);
    const { tokens } = approved;
    await expect(rig.auth.whoAmI(tokens.accessToken)).resolves.toEqual({ name: 'sandbox_user' });
    rig.clock.advance(code.interval * 1000);
    await expect(device.poll(code.deviceCode)).resolves.toEqual({ status: 'used' });
    expect(rig.sandbox.counters.byRoute[DEVICE_TOKEN]).toBe(4);

    // The device grant is a grant like any other: stored, it drives the token provider.
    await saveTokensFromAuthorization({ store: rig.store, clock: rig.clock }, rig.auth, tokens, 'sandbox_user');
    const provider = createTokenProvider({ store: rig.store, provider: rig.auth, clock: rig.clock });
    await expect(provider.get()).resolves.toBe(tokens.accessToken);
  });

  test('a poll sooner than the interval is one request answered slow_down, not re-polled faster still', async () => {
    const rig = await startRig({ authorized: false });
    const code = await rig.auth.device.start();
    await expect(rig.auth.device.poll(code.deviceCode)).resolves.toEqual({ status: 'slow_down' });
    expect(rig.sandbox.counters.byRoute[DEVICE_TOKEN]).toBe(1);
    rig.clock.advance(10_000);
    await expect(rig.auth.device.poll(code.deviceCode)).resolves.toEqual({ status: 'pending' });
  });

  test.each(['empty', 'rfc8628'] as const)(
    'denied, expired and unknown codes are told apart (%s bodies)',
    async (bodies) => {
      const rig = await startRig({ authorized: false, sandbox: { devicePollBodies: bodies } });
      const denied = await rig.auth.device.start();
      const expiring = await rig.auth.device.start();
      expect(rig.sandbox.state.denyUserCode(denied.userCode)).toBe('denied');
      rig.clock.advance(5_000);
      await expect(rig.auth.device.poll(denied.deviceCode)).resolves.toEqual({ status: 'denied' });
      await expect(rig.auth.device.poll('f'.repeat(64))).resolves.toEqual({ status: 'invalid' });
      rig.clock.advance(600_000);
      await expect(rig.auth.device.poll(expiring.deviceCode)).resolves.toEqual({ status: 'expired' });
    },
  );

  test('a wrong client secret is a clear error, never read as "pending"', async () => {
    const rig = await startRig({ authorized: false });
    const code = await rig.auth.device.start();
    const wrong = createTraktAuth({
      authUrl: rig.sandbox.authUrl,
      clientId: CLIENT_ID,
      clientSecret: 'not-the-secret',
      fetch,
      timeoutMs: 5_000,
      clock: rig.clock,
    });
    rig.clock.advance(5_000);
    const err = await failure(wrong.device.poll(code.deviceCode));
    expect(err).toBeInstanceOf(TraktOAuthError);
    expect(err).toMatchObject({ status: 401, oauthError: 'invalid_client' });
  });

  test('an unknown app asking for a device code is a clear error', async () => {
    const rig = await startRig({ authorized: false });
    const stranger = createTraktAuth({
      authUrl: rig.sandbox.authUrl,
      clientId: 'not-an-app',
      clientSecret: 'x',
      fetch,
      timeoutMs: 5_000,
      clock: rig.clock,
    });
    await expect(stranger.device.start()).rejects.toMatchObject({ status: 400, oauthError: 'invalid_client' });
  });
});
