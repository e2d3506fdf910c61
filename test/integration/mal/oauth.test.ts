import { type MalSandbox, type MalSandboxOptions, startMalSandbox } from '../../../local/sandbox/mal/server';
import type { AuthProvider } from '../../../shared/auth/provider';
import { ManualClock } from '../../../shared/clock';
import { MalAuthError } from '../../../shared/destinations/mal/errors';
import { createMalAuth, isInvalidGrant, MalOAuthError } from '../../../shared/destinations/mal/oauth';
import { hiddenFields, verifier } from './helpers';

const CLIENT_ID = 'oauth-client';
const REDIRECT = 'http://127.0.0.1:9/callback?from=mal';

let sandbox: MalSandbox;

afterEach(async () => {
  await sandbox?.close();
});

async function start(extra: Partial<MalSandboxOptions> = {}) {
  sandbox = await startMalSandbox({
    clientId: CLIENT_ID,
    redirectUris: [REDIRECT],
    user: { id: 4242, name: 'mirror_fan' },
    appName: 'AniList Mirror',
    ...extra,
  });
  const oauth = createMalAuth({
    oauthUrl: sandbox.oauthUrl,
    apiUrl: sandbox.apiUrl,
    clientId: CLIENT_ID,
    ...(extra.clientSecret !== undefined ? { clientSecret: extra.clientSecret } : {}),
    fetch,
    timeoutMs: 5_000,
  });
  return oauth;
}

/** Opens the consent page, submits the chosen button like a browser would, returns the redirect target. */
async function authorize(oauth: AuthProvider, decision: 'approve' | 'deny', codeVerifier: string, state = 'state-123') {
  const url = oauth.authorizeUrl({ state, codeChallenge: codeVerifier, redirectUri: REDIRECT });
  const page = await fetch(url, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('Authorize AniList Mirror to access your MyAnimeList account?');
  expect(html).toContain('mirror_fan');
  expect(html).toMatch(/<button[^>]*value="approve"[^>]*>Approve<\/button>/);
  expect(html).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  expect(action).toBe('/v1/oauth2/authorize');

  const form = hiddenFields(html);
  form.set('decision', decision);
  const answer = await fetch(new URL(action!, url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location')!);
}

describe('MAL OAuth client against the sandbox', () => {
  test('authorizeUrl carries every parameter MAL expects, with plain PKCE', async () => {
    const oauth = await start();
    const url = new URL(oauth.authorizeUrl({ state: 's t', codeChallenge: verifier('c'), redirectUri: REDIRECT }));
    expect(`${url.origin}${url.pathname}`).toBe(`${sandbox.oauthUrl}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      state: 's t',
      redirect_uri: REDIRECT,
      code_challenge: verifier('c'),
      code_challenge_method: 'plain',
    });
  });

  test('full code flow: approve, exchange, whoAmI, refresh rotation', async () => {
    const oauth = await start();
    const codeVerifier = verifier('flow');
    const back = await authorize(oauth, 'approve', codeVerifier);
    expect(`${back.origin}${back.pathname}`).toBe('http://127.0.0.1:9/callback');
    expect(back.searchParams.get('from')).toBe('mal');
    expect(back.searchParams.get('state')).toBe('state-123');
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();

    // Wrong verifier: invalid_grant, and nothing secret in the message.
    const wrong = await oauth
      .exchangeCode({ code, codeVerifier: verifier('other'), redirectUri: REDIRECT })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(MalOAuthError);
    expect(wrong).toMatchObject({
      status: 400,
      oauthError: 'invalid_grant',
      hint: 'Failed to verify `code_verifier`.',
    });
    expect(isInvalidGrant(wrong)).toBe(true);
    expect((wrong as Error).message).not.toContain(code);
    expect((wrong as Error).message).not.toContain(verifier('other'));

    const tokens = await oauth.exchangeCode({ code, codeVerifier, redirectUri: REDIRECT });
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.expiresIn).toBe(3600);
    await expect(oauth.whoAmI(tokens.accessToken)).resolves.toEqual({ id: 4242, name: 'mirror_fan' });

    // Codes are single-use.
    const reused = await oauth.exchangeCode({ code, codeVerifier, redirectUri: REDIRECT }).catch((e: unknown) => e);
    expect(reused).toMatchObject({ oauthError: 'invalid_grant', hint: 'Authorization code has been revoked' });

    const rotated = await oauth.refresh(tokens.refreshToken);
    expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
    expect(rotated.accessToken).not.toBe(tokens.accessToken);
    await expect(oauth.whoAmI(rotated.accessToken)).resolves.toMatchObject({ name: 'mirror_fan' });

    // The old refresh token is dead after rotation: MAL's 401 invalid_request, which means re-authorize.
    const stale = await oauth.refresh(tokens.refreshToken).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(MalOAuthError);
    expect(stale).toMatchObject({
      status: 401,
      oauthError: 'invalid_request',
      malMessage: 'The refresh token is invalid.',
    });
    expect(isInvalidGrant(stale)).toBe(true);
    expect((stale as Error).message).not.toContain(tokens.refreshToken);

    // The access token issued with the rotated refresh token stops working too.
    await expect(oauth.whoAmI(tokens.accessToken)).rejects.toBeInstanceOf(MalAuthError);
    await expect(oauth.refresh(rotated.refreshToken)).resolves.toMatchObject({ tokenType: 'Bearer' });
    expect(sandbox.state.tokens()).toMatchObject({ codeExchanges: 1, refreshes: 2 });
  });

  test('whoAmI (GET /users/@me) retries a reset connection and names the account', async () => {
    await start();
    const oauth = createMalAuth({
      oauthUrl: sandbox.oauthUrl,
      apiUrl: sandbox.apiUrl,
      clientId: CLIENT_ID,
      fetch,
      timeoutMs: 5_000,
      // A manual clock: the backoff before the retry is skipped, not slept.
      clock: new ManualClock(),
    });
    const tokens = sandbox.state.issueTokensDirectly();
    sandbox.faults.inject({ route: 'any', times: 1, kind: 'reset' });
    await expect(oauth.whoAmI(tokens.accessToken)).resolves.toEqual({ id: 4242, name: 'mirror_fan' });
    expect(sandbox.faults.pending()).toBe(0);
  });

  test('deny redirects back with access_denied and the state', async () => {
    const oauth = await start();
    const back = await authorize(oauth, 'deny', verifier('deny'), 'xyz');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('message')).toBeTruthy();
    expect(back.searchParams.get('state')).toBe('xyz');
    expect(back.searchParams.get('code')).toBeNull();
  });

  test('the code exchange must repeat the redirect_uri of the authorize request', async () => {
    const oauth = await start();
    const codeVerifier = verifier('redirect');
    const code = (await authorize(oauth, 'approve', codeVerifier)).searchParams.get('code')!;
    const err = await oauth
      .exchangeCode({ code, codeVerifier, redirectUri: 'http://127.0.0.1:9/elsewhere' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ oauthError: 'invalid_request', hint: 'Invalid redirect URI' });
    expect(isInvalidGrant(err)).toBe(false);
  });

  test('an expired refresh token gives "Token has expired" and counts as invalid grant', async () => {
    const clock = new ManualClock();
    const oauth = await start({ clock, refreshTokenTtlSeconds: 60 });
    const tokens = sandbox.state.issueTokensDirectly();
    clock.advance(61_000);
    const err = await oauth.refresh(tokens.refreshToken).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, oauthError: 'invalid_request', hint: 'Token has expired' });
    expect(isInvalidGrant(err)).toBe(true);
  });

  test('an authorization code expires after its lifetime', async () => {
    const clock = new ManualClock();
    const oauth = await start({ clock, codeTtlSeconds: 300 });
    const codeVerifier = verifier('late');
    const code = (await authorize(oauth, 'approve', codeVerifier)).searchParams.get('code')!;
    clock.advance(301_000);
    const err = await oauth.exchangeCode({ code, codeVerifier, redirectUri: REDIRECT }).catch((e: unknown) => e);
    expect(err).toMatchObject({ oauthError: 'invalid_grant', hint: 'Authorization code has expired' });
  });

  test('a "web" app must send its secret; without it the client is refused (not an invalid grant)', async () => {
    const oauthWithSecret = await start({ clientSecret: 'sekret-value' });
    const tokens = sandbox.state.issueTokensDirectly();
    const withoutSecret = createMalAuth({ oauthUrl: sandbox.oauthUrl, clientId: CLIENT_ID, fetch, timeoutMs: 5_000 });
    const err = await withoutSecret.refresh(tokens.refreshToken).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, oauthError: 'invalid_client' });
    expect(isInvalidGrant(err)).toBe(false);
    const refreshed = await oauthWithSecret.refresh(tokens.refreshToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
  });

  test('an "other" app (no secret) never sends client_secret', async () => {
    await start();
    const tokens = sandbox.state.issueTokensDirectly();
    let sentBody = '';
    const spying = createMalAuth({
      oauthUrl: sandbox.oauthUrl,
      clientId: CLIENT_ID,
      timeoutMs: 5_000,
      fetch: async (input, init) => {
        sentBody = String(init?.body ?? '');
        return fetch(input, init);
      },
    });
    await spying.refresh(tokens.refreshToken);
    const sent = new URLSearchParams(sentBody);
    expect(sent.get('grant_type')).toBe('refresh_token');
    expect(sent.get('client_id')).toBe(CLIENT_ID);
    expect(sent.has('client_secret')).toBe(false);
  });

  test('a token endpoint outage is retried; a non-JSON answer is a typed error', async () => {
    await start();
    // A manual clock: the backoff before the retry is skipped, not slept.
    const oauth = createMalAuth({
      oauthUrl: sandbox.oauthUrl,
      clientId: CLIENT_ID,
      fetch,
      timeoutMs: 5_000,
      clock: new ManualClock(),
    });
    const tokens = sandbox.state.issueTokensDirectly();
    sandbox.faults.inject({ route: 'token', kind: 503, times: 1 });
    await expect(oauth.refresh(tokens.refreshToken)).resolves.toMatchObject({ tokenType: 'Bearer' });

    sandbox.faults.inject({ route: 'token', kind: 'html', status: 500 });
    const err = await oauth.refresh('whatever').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalOAuthError);
    expect(err).toMatchObject({ status: 500, oauthError: 'invalid_response', retryable: true });
  });
});
