import {
  consentPage,
  decisionOf,
  isPkceString,
  OAuthServer,
  type OAuthServerOptions,
  pkceMatches,
} from '../../../local/sandbox/kit/oauth';
import { ManualClock } from '../../../shared/clock';

// RFC 7636, appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const REDIRECT = 'http://127.0.0.1:9/Callback';
const PLAIN_VERIFIER = 'p'.repeat(50);

function server(extra: Partial<OAuthServerOptions> = {}) {
  const clock = new ManualClock();
  const oauth = new OAuthServer({
    clock,
    clients: [
      { id: 'web', secret: 's3cret', redirectUris: [REDIRECT] },
      { id: 'cli', redirectUris: [] },
    ],
    accessTokenTtlSeconds: 3600,
    refreshTokenTtlSeconds: 86_400,
    codeTtlSeconds: 600,
    ...extra,
  });
  return { clock, oauth };
}

function s256Code(oauth: OAuthServer) {
  return oauth.issueCode({ clientId: 'web', redirectUri: REDIRECT, challenge: RFC_CHALLENGE, method: 'S256' });
}

const exchange = (code: string, verifier: string | undefined = RFC_VERIFIER) => ({
  code,
  clientId: 'web',
  redirectUri: REDIRECT,
  verifier,
});

describe('sandbox OAuth kit: PKCE', () => {
  test('S256 matches the RFC 7636 example; plain is the verifier itself', () => {
    expect(pkceMatches(RFC_CHALLENGE, 'S256', RFC_VERIFIER)).toBe(true);
    expect(pkceMatches(RFC_CHALLENGE, 'S256', RFC_CHALLENGE)).toBe(false);
    expect(pkceMatches(PLAIN_VERIFIER, 'plain', PLAIN_VERIFIER)).toBe(true);
    expect(pkceMatches(RFC_CHALLENGE, 'plain', RFC_VERIFIER)).toBe(false);
  });

  test('verifiers and challenges are 43 to 128 unreserved characters', () => {
    expect(isPkceString('a'.repeat(43))).toBe(true);
    expect(isPkceString('a'.repeat(42))).toBe(false);
    expect(isPkceString('a'.repeat(129))).toBe(false);
    expect(isPkceString(`${'a'.repeat(43)}+`)).toBe(false);
  });
});

describe('sandbox OAuth kit: clients', () => {
  test('a confidential client needs its secret; a public client ignores one', () => {
    const { oauth } = server();
    expect(oauth.checkClient('web', 's3cret')).toBe('ok');
    expect(oauth.checkClient('web', undefined)).toBe('bad_secret');
    expect(oauth.checkClient('web', 'S3CRET')).toBe('bad_secret');
    expect(oauth.checkClient('cli', undefined)).toBe('ok');
    expect(oauth.checkClient('cli', 'anything')).toBe('ok');
    expect(oauth.checkClient('nobody', undefined)).toBe('unknown_client');
  });

  test('redirect URIs match exactly and case-sensitively, per client', () => {
    const { oauth } = server();
    expect(oauth.isRegisteredRedirect('web', REDIRECT)).toBe(true);
    expect(oauth.isRegisteredRedirect('web', REDIRECT.toLowerCase())).toBe(false);
    expect(oauth.isRegisteredRedirect('web', `${REDIRECT}/`)).toBe(false);
    expect(oauth.isRegisteredRedirect('cli', REDIRECT)).toBe(false);
  });
});

describe('sandbox OAuth kit: authorization codes', () => {
  test('S256: the verifier is checked at exchange; a wrong one does not use the code up', () => {
    const { oauth } = server();
    const code = s256Code(oauth);
    expect(oauth.exchangeCode(exchange(code, 'x'.repeat(43)))).toEqual({ ok: false, problem: 'verifier_mismatch' });
    // The challenge itself is no verifier under S256.
    expect(oauth.exchangeCode(exchange(code, RFC_CHALLENGE))).toEqual({ ok: false, problem: 'verifier_mismatch' });
    const done = oauth.exchangeCode(exchange(code));
    expect(done).toMatchObject({ ok: true, grant: { clientId: 'web', expiresIn: 3600 } });
  });

  test('a code works once', () => {
    const { oauth } = server();
    const code = s256Code(oauth);
    expect(oauth.exchangeCode(exchange(code)).ok).toBe(true);
    expect(oauth.exchangeCode(exchange(code))).toEqual({ ok: false, problem: 'used_code' });
    expect(oauth.tokenInfo()).toMatchObject({ codeExchanges: 1, issued: 1 });
  });

  test('a code expires after its TTL', () => {
    const { oauth, clock } = server({ codeTtlSeconds: 60 });
    const code = s256Code(oauth);
    clock.advance(60_000);
    expect(oauth.exchangeCode(exchange(code))).toEqual({ ok: false, problem: 'expired_code' });
  });

  test('a code is bound to its client and redirect URI', () => {
    const { oauth } = server();
    const code = s256Code(oauth);
    expect(oauth.exchangeCode({ ...exchange(code), clientId: 'cli' })).toEqual({
      ok: false,
      problem: 'wrong_client',
    });
    expect(oauth.exchangeCode({ ...exchange(code), redirectUri: undefined })).toEqual({
      ok: false,
      problem: 'missing_redirect_uri',
    });
    expect(oauth.exchangeCode({ ...exchange(code), redirectUri: REDIRECT.toLowerCase() })).toEqual({
      ok: false,
      problem: 'redirect_uri_mismatch',
    });
    expect(oauth.exchangeCode(exchange(code)).ok).toBe(true);
  });

  test('a code issued without a redirect URI needs none at exchange', () => {
    const { oauth } = server();
    const code = oauth.issueCode({ clientId: 'web', redirectUri: undefined, challenge: RFC_CHALLENGE, method: 'S256' });
    expect(oauth.exchangeCode({ ...exchange(code), redirectUri: undefined }).ok).toBe(true);
  });

  test('missing, malformed and unknown inputs are named', () => {
    const { oauth } = server();
    const code = s256Code(oauth);
    expect(oauth.exchangeCode(exchange('sbx_code_unknown'))).toEqual({ ok: false, problem: 'unknown_code' });
    expect(oauth.exchangeCode({ ...exchange(code), verifier: undefined })).toEqual({
      ok: false,
      problem: 'missing_verifier',
    });
    expect(oauth.exchangeCode(exchange(code, 'short'))).toEqual({ ok: false, problem: 'malformed_verifier' });
  });

  test('a code issued without PKCE ignores whatever verifier comes (none, empty, malformed, random)', () => {
    const { oauth } = server();
    const withoutPkce = () =>
      oauth.issueCode({ clientId: 'web', redirectUri: REDIRECT, challenge: undefined, method: 'S256' });
    for (const verifier of [undefined, '', 'short', RFC_VERIFIER, 'x'.repeat(43)]) {
      expect(oauth.exchangeCode(exchange(withoutPkce(), verifier)).ok).toBe(true);
    }
  });

  test('plain PKCE: the verifier equals the challenge', () => {
    const { oauth } = server();
    const code = oauth.issueCode({
      clientId: 'web',
      redirectUri: REDIRECT,
      challenge: PLAIN_VERIFIER,
      method: 'plain',
    });
    expect(oauth.exchangeCode(exchange(code, PLAIN_VERIFIER)).ok).toBe(true);
  });
});

describe('sandbox OAuth kit: tokens', () => {
  test('expires_in reports the access TTL unless told otherwise; created_at is in seconds', () => {
    const { oauth, clock } = server();
    expect(oauth.issueTokens('web', 'direct')).toMatchObject({ expiresIn: 3600, createdAt: clock.now() / 1000 });
    const { oauth: lying } = server({ expiresInReported: 2_678_400 });
    expect(lying.issueTokens('web', 'direct').expiresIn).toBe(2_678_400);
  });

  test('an access token is valid until its TTL has passed', () => {
    const { oauth, clock } = server();
    const { accessToken } = oauth.issueTokens('web', 'direct');
    expect(oauth.checkAccess(accessToken)).toBe('valid');
    clock.advance(3_599_999);
    expect(oauth.checkAccess(accessToken)).toBe('valid');
    clock.advance(1);
    expect(oauth.checkAccess(accessToken)).toBe('expired');
    expect(oauth.checkAccess(undefined)).toBe('missing');
    expect(oauth.checkAccess('sbx_at_never_issued')).toBe('unknown');
  });

  test('refresh rotates: the old refresh token dies with its access token, and a replay fails', () => {
    const { oauth } = server();
    const first = oauth.issueTokens('web', 'direct');
    const second = oauth.refresh(first.refreshToken, 'web');
    if (!second.ok) throw new Error(`refresh failed: ${second.problem}`);
    expect(second.grant.refreshToken).not.toBe(first.refreshToken);
    expect(second.grant.accessToken).not.toBe(first.accessToken);
    expect(oauth.checkAccess(first.accessToken)).toBe('revoked');
    expect(oauth.checkAccess(second.grant.accessToken)).toBe('valid');
    expect(oauth.refresh(first.refreshToken, 'web')).toEqual({ ok: false, problem: 'revoked' });
    expect(oauth.refresh(second.grant.refreshToken, 'web').ok).toBe(true);
    expect(oauth.tokenInfo()).toMatchObject({ refreshes: 2, activeRefreshTokens: 1, activeAccessTokens: 1 });
  });

  test('refresh checks the client, then expiry, then revocation', () => {
    const { oauth, clock } = server();
    const tokens = oauth.issueTokens('web', 'direct');
    expect(oauth.refresh('sbx_rt_never_issued', 'web')).toEqual({ ok: false, problem: 'unknown' });
    oauth.revokeRefreshTokens();
    clock.advance(86_400_000);
    expect(oauth.refresh(tokens.refreshToken, 'cli')).toEqual({ ok: false, problem: 'wrong_client' });
    expect(oauth.refresh(tokens.refreshToken, 'web')).toEqual({ ok: false, problem: 'expired' });
  });

  test('revoking either token of a pair revokes both', () => {
    const { oauth } = server();
    const a = oauth.issueTokens('web', 'direct');
    const b = oauth.issueTokens('web', 'direct');
    expect(oauth.revoke(a.accessToken)).toBe(true);
    expect(oauth.refresh(a.refreshToken, 'web')).toEqual({ ok: false, problem: 'revoked' });
    expect(oauth.revoke(b.refreshToken)).toBe(true);
    expect(oauth.checkAccess(b.accessToken)).toBe('revoked');
    expect(oauth.revoke('never-issued')).toBe(false);
    expect(oauth.tokenInfo()).toMatchObject({ activeAccessTokens: 0, activeRefreshTokens: 0 });
  });

  test('test hooks expire and revoke every token', () => {
    const { oauth } = server();
    const tokens = oauth.issueTokens('web', 'direct');
    oauth.expireAccessTokens();
    expect(oauth.checkAccess(tokens.accessToken)).toBe('expired');
    oauth.expireRefreshTokens();
    expect(oauth.refresh(tokens.refreshToken, 'web')).toEqual({ ok: false, problem: 'expired' });
    const fresh = oauth.issueTokens('web', 'direct');
    oauth.revokeRefreshTokens();
    expect(oauth.refresh(fresh.refreshToken, 'web')).toEqual({ ok: false, problem: 'revoked' });
  });
});

describe('sandbox OAuth kit: device flow', () => {
  function device(extra: Partial<OAuthServerOptions> = {}) {
    const { oauth, clock } = server(extra);
    const started = oauth.startDeviceAuthorization('cli', 'http://127.0.0.1:9/activate');
    return { oauth, clock, started };
  }

  test('a device code comes with an 8-hex user code, the verification URL, expires_in and interval', () => {
    const { started } = device();
    expect(started).toEqual({
      deviceCode: expect.stringMatching(/^[0-9a-f]{64}$/),
      userCode: expect.stringMatching(/^[0-9A-F]{8}$/),
      verificationUrl: 'http://127.0.0.1:9/activate',
      expiresIn: 600,
      interval: 5,
    });
  });

  test('pending until approved, then tokens once, then already used', () => {
    const { oauth, clock, started } = device();
    clock.advance(5_000);
    expect(oauth.pollDevice(started.deviceCode, 'cli')).toEqual({ status: 'pending' });
    expect(oauth.approveUserCode(started.userCode.toLowerCase())).toBe(true);
    clock.advance(5_000);
    const approved = oauth.pollDevice(started.deviceCode, 'cli');
    expect(approved).toMatchObject({ status: 'approved', grant: { clientId: 'cli', expiresIn: 3600 } });
    clock.advance(5_000);
    expect(oauth.pollDevice(started.deviceCode, 'cli')).toEqual({ status: 'used' });
    expect(oauth.tokenInfo()).toMatchObject({ deviceGrants: 1, issued: 1 });
  });

  test('polling faster than the interval is slow_down, even once approved, and issues nothing', () => {
    const { oauth, clock, started } = device({ devicePollIntervalSeconds: 5 });
    oauth.approveUserCode(started.userCode);
    // Before the first interval has passed since the code was issued.
    clock.advance(4_999);
    expect(oauth.pollDevice(started.deviceCode, 'cli')).toEqual({ status: 'slow_down' });
    clock.advance(4_999);
    expect(oauth.pollDevice(started.deviceCode, 'cli')).toEqual({ status: 'slow_down' });
    expect(oauth.tokenInfo().issued).toBe(0);
    clock.advance(5_000);
    expect(oauth.pollDevice(started.deviceCode, 'cli').status).toBe('approved');
  });

  test('denied stays denied; a decided code cannot be decided again', () => {
    const { oauth, clock, started } = device();
    expect(oauth.denyUserCode(started.userCode)).toBe(true);
    expect(oauth.approveUserCode(started.userCode)).toBe(false);
    clock.advance(5_000);
    expect(oauth.pollDevice(started.deviceCode, 'cli')).toEqual({ status: 'denied' });
    clock.advance(5_000);
    expect(oauth.pollDevice(started.deviceCode, 'cli')).toEqual({ status: 'denied' });
  });

  test('expired after expires_in, approved or not; an expired user code cannot be approved', () => {
    const { oauth, clock, started } = device({ deviceCodeTtlSeconds: 30 });
    const other = oauth.startDeviceAuthorization('cli', 'http://127.0.0.1:9/activate');
    oauth.approveUserCode(started.userCode);
    clock.advance(30_000);
    expect(oauth.pollDevice(started.deviceCode, 'cli')).toEqual({ status: 'expired' });
    expect(oauth.approveUserCode(other.userCode)).toBe(false);
    expect(oauth.pollDevice(other.deviceCode, 'cli')).toEqual({ status: 'expired' });
  });

  test("unknown device codes, another client's poll and unknown user codes", () => {
    const { oauth, clock, started } = device();
    clock.advance(5_000);
    expect(oauth.pollDevice('0'.repeat(64), 'cli')).toEqual({ status: 'unknown' });
    expect(oauth.pollDevice(started.deviceCode, 'web')).toEqual({ status: 'unknown' });
    expect(oauth.approveUserCode('NOT-A-CODE')).toBe(false);
    expect(oauth.denyUserCode('')).toBe(false);
    expect(oauth.pollDevice(started.deviceCode, 'cli')).toEqual({ status: 'pending' });
  });
});

describe('sandbox OAuth kit: consent page', () => {
  const page = consentPage({
    service: 'Example',
    appName: 'Mirror <app>',
    userName: 'fan"1',
    purpose: 'read your list',
    action: '/oauth/authorize',
    fields: [
      ['client_id', 'web'],
      ['state', '"><img src=x>'],
      ['left_out', undefined],
    ],
  });

  test('a post form with hidden inputs and Approve / Deny buttons named decision', () => {
    expect(page.status).toBe(200);
    expect(page.contentType).toMatch(/^text\/html/);
    const body = page.body!;
    const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(body);
    expect(form?.[1]).toBe('/oauth/authorize');
    const hidden = [...form![2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(hidden).toEqual([
      ['client_id', 'web'],
      ['state', '&#34;&#62;&#60;img src=x&#62;'],
    ]);
    expect(body).toMatch(/<button type="submit" name="decision" value="approve">Approve<\/button>/);
    expect(body).toMatch(/<button type="submit" name="decision" value="deny">Deny<\/button>/);
    expect(body).toContain('Authorize Mirror &#60;app&#62; to access your Example account?');
    expect(body).toContain('fan&#34;1');
  });

  test('decisionOf reads the pressed button', () => {
    expect(decisionOf(new URLSearchParams('decision=approve'))).toBe('approve');
    expect(decisionOf(new URLSearchParams('decision=deny'))).toBe('deny');
    expect(decisionOf(new URLSearchParams('decision=maybe'))).toBeUndefined();
    expect(decisionOf(new URLSearchParams())).toBeUndefined();
  });
});
