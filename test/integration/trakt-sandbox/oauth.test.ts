import type { TraktSandbox } from '../../../local/sandbox/trakt';
import {
  authPost,
  CLIENT_ID,
  CLIENT_SECRET,
  closeSandboxes,
  hiddenFields,
  pkcePair,
  REDIRECT,
  START,
  startHarness,
  submitForm,
} from './helpers';

/** The authorization-code flow on the auth host: S256 PKCE, consent, exchange, rotation, errors, revocation. */

afterEach(closeSandboxes);

interface Authorize {
  readonly client_id?: string;
  readonly redirect_uri?: string;
  readonly response_type?: string;
  readonly state?: string;
  readonly code_challenge?: string;
  readonly code_challenge_method?: string;
  readonly [extra: string]: string | undefined;
}

function authorizeUrl(sandbox: TraktSandbox, params: Authorize): string {
  const url = new URL(sandbox.authorizeUrl);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

function defaults(challenge: string, extra: Authorize = {}): Authorize {
  return {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    state: 'state-123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
}

/** Opens the consent page and presses `decision`; returns the answer to the form post. */
async function consent(sandbox: TraktSandbox, params: Authorize, decision: 'approve' | 'deny'): Promise<Response> {
  const page = await fetch(authorizeUrl(sandbox, params), { redirect: 'manual' });
  expect(page.status).toBe(200);
  const form = hiddenFields(await page.text());
  form.set('decision', decision);
  return submitForm(sandbox.authorizeUrl, form);
}

function redirectParams(res: Response): URLSearchParams {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  return location.searchParams;
}

function exchange(
  sandbox: TraktSandbox,
  code: string,
  verifier: string | undefined,
  extra: Record<string, unknown> = {},
) {
  return authPost(sandbox, '/oauth/token', {
    code,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uri: REDIRECT,
    grant_type: 'authorization_code',
    ...(verifier === undefined ? {} : { code_verifier: verifier }),
    ...extra,
  });
}

function refresh(sandbox: TraktSandbox, refreshToken: string) {
  return authPost(sandbox, '/oauth/token', {
    refresh_token: refreshToken,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uri: REDIRECT,
    grant_type: 'refresh_token',
  });
}

interface TokenBody {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  created_at: number;
  scope: string;
}

async function codeFor(sandbox: TraktSandbox, challenge: string, extra: Authorize = {}): Promise<string> {
  const params = redirectParams(await consent(sandbox, defaults(challenge, extra), 'approve'));
  return params.get('code')!;
}

describe('Trakt sandbox authorization-code flow', () => {
  test('consent with S256 PKCE, then the code buys tokens with created_at and a 7-day expires_in that work on the API', async () => {
    const h = await startHarness();
    const { verifier, challenge } = pkcePair();
    const res = await consent(h.sandbox, defaults(challenge), 'approve');
    const params = redirectParams(res);
    expect(res.headers.get('location')!.startsWith(`${REDIRECT}?`)).toBe(true);
    expect(params.get('state')).toBe('state-123');
    const tokenRes = await exchange(h.sandbox, params.get('code')!, verifier);
    expect(tokenRes.status).toBe(200);
    expect(tokenRes.headers.get('x-runtime')).toBeTruthy();
    const tokens = (await tokenRes.json()) as TokenBody;
    expect(tokens).toMatchObject({
      token_type: 'bearer',
      expires_in: 604_800,
      created_at: START / 1000,
      scope: 'public',
    });
    expect((await h.api('GET', '/users/settings', { token: tokens.access_token })).status).toBe(200);
  });

  test('the consent page is on the auth host, names the app and the user, and ignores signup / prompt', async () => {
    const h = await startHarness({ appName: 'Mirror Test App' });
    const { challenge } = pkcePair();
    const page = await fetch(authorizeUrl(h.sandbox, defaults(challenge, { signup: 'true', prompt: 'login' })));
    expect(new URL(page.url).host).toBe(h.sandbox.consentHost);
    const text = await page.text();
    expect(text).toContain('Mirror Test App');
    expect(text).toContain('sandbox_user');
    expect(text).toMatch(/name="decision" value="approve"/);
    expect(text).toMatch(/name="decision" value="deny"/);
  });

  test('without a code_challenge the request goes back to the app with the PKCE error, and no consent page', async () => {
    const h = await startHarness();
    const res = await fetch(
      authorizeUrl(h.sandbox, defaults('', { code_challenge: undefined, code_challenge_method: undefined })),
      {
        redirect: 'manual',
      },
    );
    const params = redirectParams(res);
    expect(params.get('error')).toBe('invalid_request');
    expect(params.get('error_description')).toBe('pkce is required when requesting offline_access scope');
    expect(params.get('state')).toBe('state-123');
    expect(params.get('code')).toBeNull();
  });

  test('only S256 challenges are accepted', async () => {
    const h = await startHarness();
    const { challenge } = pkcePair();
    const res = await fetch(authorizeUrl(h.sandbox, defaults(challenge, { code_challenge_method: 'plain' })), {
      redirect: 'manual',
    });
    expect(redirectParams(res).get('error')).toBe('invalid_request');
  });

  test('with pkceRequired off, a client without PKCE gets a code it exchanges without a verifier', async () => {
    const h = await startHarness({ pkceRequired: false });
    const params = defaults('', { code_challenge: undefined, code_challenge_method: undefined });
    const code = redirectParams(await consent(h.sandbox, params, 'approve')).get('code')!;
    expect((await exchange(h.sandbox, code, undefined)).status).toBe(200);
  });

  test('deny sends access_denied and the state back', async () => {
    const h = await startHarness();
    const { challenge } = pkcePair();
    const params = redirectParams(await consent(h.sandbox, defaults(challenge), 'deny'));
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBe('state-123');
    expect(params.get('code')).toBeNull();
  });

  test('unknown client or a redirect URI that differs (even in case) gets an error page, never a redirect', async () => {
    const h = await startHarness();
    const { challenge } = pkcePair();
    for (const extra of [{ client_id: 'nobody' }, { redirect_uri: REDIRECT.replace('callback', 'Callback') }]) {
      const res = await fetch(authorizeUrl(h.sandbox, defaults(challenge, extra)), { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }
  });

  test('the exchange repeats redirect_uri exactly: another registered URI is a mismatch', async () => {
    const other = REDIRECT.replace('callback', 'Callback');
    const h = await startHarness({ redirectUris: [REDIRECT, other] });
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(h.sandbox, challenge);
    const res = await exchange(h.sandbox, code, verifier, { redirect_uri: other });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'redirect_uri mismatch' });
  });

  test('a wrong verifier fails without using the code up; the code then works once', async () => {
    const h = await startHarness();
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(h.sandbox, challenge);
    const wrong = await exchange(h.sandbox, code, pkcePair().verifier);
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await exchange(h.sandbox, code, verifier)).status).toBe(200);
    const again = await exchange(h.sandbox, code, verifier);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
  });

  test('client_secret is required', async () => {
    const h = await startHarness();
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(h.sandbox, challenge);
    const res = await exchange(h.sandbox, code, verifier, { client_secret: undefined });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  test('an out-of-band app sees its code on a page', async () => {
    const h = await startHarness();
    const { verifier, challenge } = pkcePair();
    const res = await consent(h.sandbox, defaults(challenge, { redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' }), 'approve');
    expect(res.status).toBe(200);
    const code = /<code id="authorization-code">([^<]+)<\/code>/.exec(await res.text())![1]!;
    expect((await exchange(h.sandbox, code, verifier, { redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' })).status).toBe(200);
  });
});

describe('Trakt sandbox tokens', () => {
  test('refresh rotates: a new pair, the old refresh token is dead (replay → 400 invalid_grant), the old access token too', async () => {
    const h = await startHarness();
    const first = h.sandbox.state.issueTokensDirectly();
    const res = await refresh(h.sandbox, first.refreshToken);
    expect(res.status).toBe(200);
    const second = (await res.json()) as TokenBody;
    expect(second.refresh_token).not.toBe(first.refreshToken);
    expect(second.access_token).not.toBe(first.accessToken);
    const replay = await refresh(h.sandbox, first.refreshToken);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    expect((await h.api('GET', '/users/settings', { token: first.accessToken })).status).toBe(401);
    expect((await h.api('GET', '/users/settings', { token: second.access_token })).status).toBe(200);
    expect((await refresh(h.sandbox, second.refresh_token)).status).toBe(200);
  });

  test('the legacy error style answers 401 with WWW-Authenticate', async () => {
    const h = await startHarness({ tokenErrorStatus: 401 });
    const res = await refresh(h.sandbox, 'never-issued');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_grant"');
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toMatch(/grant is invalid, expired, revoked/);
  });

  test('pre-migration refresh tokens get 400 with an empty body; a re-authorization gets working ones', async () => {
    const h = await startHarness();
    const old = h.sandbox.state.issueTokensDirectly();
    h.sandbox.state.markRefreshTokensPreMigration();
    const res = await refresh(h.sandbox, old.refreshToken);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('');
    const fresh = h.sandbox.state.issueTokensDirectly();
    expect((await refresh(h.sandbox, fresh.refreshToken)).status).toBe(200);
  });

  test('the pre-migration mode refuses every refresh the same way', async () => {
    const h = await startHarness({ preMigrationRefreshTokens: true });
    const res = await refresh(h.sandbox, h.sandbox.state.issueTokensDirectly().refreshToken);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('');
  });

  test('expires_in is configurable and the access token dies when the clock passes it', async () => {
    const h = await startHarness({ expiresIn: 86_400 });
    const tokens = h.sandbox.state.issueTokensDirectly();
    expect(tokens.expiresIn).toBe(86_400);
    h.clock.advance(86_399_000);
    expect((await h.api('GET', '/users/settings', { token: tokens.accessToken })).status).toBe(200);
    h.clock.advance(1000);
    expect((await h.api('GET', '/users/settings', { token: tokens.accessToken })).status).toBe(401);
    expect((await refresh(h.sandbox, tokens.refreshToken)).status).toBe(200);
  });

  test('revoke answers 200 {} and kills both tokens of the pair', async () => {
    const h = await startHarness();
    const tokens = h.sandbox.state.issueTokensDirectly();
    const res = await authPost(h.sandbox, '/oauth/revoke', {
      token: tokens.accessToken,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect((await h.api('GET', '/users/settings', { token: tokens.accessToken })).status).toBe(401);
    expect((await refresh(h.sandbox, tokens.refreshToken)).status).toBe(400);
  });

  test('with the legacy flag, /oauth/token is also served on the API host', async () => {
    const h = await startHarness({ legacyOAuthOnApiHost: true });
    const tokens = h.sandbox.state.issueTokensDirectly();
    const res = await fetch(`${h.sandbox.apiUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        refresh_token: tokens.refreshToken,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_type: 'refresh_token',
      }),
    });
    expect(res.status).toBe(200);
    expect(h.sandbox.counters.byRoute['POST /oauth/token (api host)']).toBe(1);
  });
});

describe('Trakt sandbox connected-app limit', () => {
  const second = {
    clientId: 'second-app',
    clientSecret: 'second-secret',
    redirectUris: [REDIRECT],
    name: 'Second App',
  };

  test('refuse: a free user with one connected app cannot approve another', async () => {
    const h = await startHarness({ otherApps: [second], connectedApps: { mode: 'refuse' } });
    const { challenge } = pkcePair();
    const params = redirectParams(
      await consent(h.sandbox, defaults(challenge, { client_id: 'second-app' }), 'approve'),
    );
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/connected app limit/);
    expect(() => h.sandbox.state.issueTokensDirectly('second-app')).toThrow(/connected-app limit/);
    expect(h.sandbox.state.tokens().connectedApps).toEqual([CLIENT_ID]);
  });

  test("revoke_oldest: approving a second app kills the first one's tokens", async () => {
    const h = await startHarness({ otherApps: [second], connectedApps: { mode: 'revoke_oldest' } });
    h.clock.advance(1000);
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(h.sandbox, challenge, { client_id: 'second-app' });
    expect((await h.api('GET', '/users/settings')).status).toBe(401);
    const res = await exchange(h.sandbox, code, verifier, { client_id: 'second-app', client_secret: 'second-secret' });
    expect(res.status).toBe(200);
    expect(h.sandbox.state.tokens().connectedApps).toEqual(['second-app']);
  });

  test('revoke_oldest goes by when an app was connected: refreshing does not make it newer', async () => {
    const third = { clientId: 'third-app', clientSecret: 'third-secret', redirectUris: [REDIRECT] };
    const h = await startHarness({
      otherApps: [second, third],
      connectedApps: { mode: 'revoke_oldest', vipLimit: 2 },
      user: { vip: true },
    });
    // The main app holds one pair only: the harness's is gone.
    h.sandbox.state.revokeAllTokens();
    const first = h.sandbox.state.issueTokensDirectly();
    h.clock.advance(1000);
    const secondTokens = h.sandbox.state.issueTokensDirectly('second-app');
    h.clock.advance(1000);
    expect((await refresh(h.sandbox, first.refreshToken)).status).toBe(200);
    h.clock.advance(1000);
    h.sandbox.state.issueTokensDirectly('third-app');
    expect(h.sandbox.state.tokens().connectedApps).toEqual(['second-app', 'third-app']);
    const stillGood = await h.api('GET', '/users/settings', {
      token: secondTokens.accessToken,
      headers: { 'trakt-api-key': 'second-app' },
    });
    expect(stillGood.status).toBe(200);
  });

  test('a VIP user may connect more apps', async () => {
    const h = await startHarness({ otherApps: [second], connectedApps: { mode: 'refuse' }, user: { vip: true } });
    h.sandbox.state.issueTokensDirectly('second-app');
    expect(h.sandbox.state.tokens().connectedApps).toEqual([CLIENT_ID, 'second-app']);
  });
});
