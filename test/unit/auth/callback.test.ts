import { handleOAuthCallback, type OAuthCallbackDeps, parseCallbackQuery } from '../../../shared/auth/callback';
import { createPendingAuthorization } from '../../../shared/auth/pending';
import { createState } from '../../../shared/auth/pkce';
import { ManualClock } from '../../../shared/clock';
import { forgetSecrets, NetworkError } from '../../../shared/errors';
import { createJsonLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { FakeEvents, FakeMalOAuth, FakeOAuthError, gate, HOUR, storedTokens } from './fakes';

const REDIRECT = 'https://cb.example.test/callback';

function setup(options: { expectedUser?: string } = {}) {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const oauth = new FakeMalOAuth();
  const events = new FakeEvents();
  const logLines: string[] = [];
  const deps: OAuthCallbackDeps = {
    store,
    clock,
    destinations: { mal: { provider: oauth, ...(options.expectedUser ? { expectedUser: options.expectedUser } : {}) } },
    events,
    redirectUri: REDIRECT,
    logger: createJsonLogger({ level: 'debug', write: (l) => logLines.push(l) }),
  };
  /** The mailer's part: a pending authorization and the URL the user would click. */
  const issueLink = async (linkTtlHours = 168) => {
    const p = await createPendingAuthorization({ store, clock, linkTtlHours, destination: 'mal', pkceMethod: 'plain' });
    return { ...p, url: oauth.authorizeUrl({ state: p.state, codeChallenge: p.codeChallenge, redirectUri: REDIRECT }) };
  };
  /** Issue a link and approve it on "MAL": returns the redirect's query string. */
  const approvedQuery = async (user = 'alice') => {
    const link = await issueLink();
    const { code, state } = oauth.approve(link.url, user);
    return { query: `code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`, code, state, link };
  };
  return { store, clock, oauth, events, deps, logLines, issueLink, approvedQuery };
}

function expectStandardHeaders(res: { headers: Record<string, string> }) {
  expect(res.headers['Content-Type']).toBe('text/html; charset=utf-8');
  expect(res.headers['Cache-Control']).toBe('no-store');
  expect(res.headers['Referrer-Policy']).toBe('no-referrer');
  const csp = res.headers['Content-Security-Policy']!;
  expect(csp).toContain("default-src 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toMatch(/script-src/);
}

describe('handleOAuthCallback: success', () => {
  it('exchanges the code, stores tokens, publishes the event and shows the success page', async () => {
    const { store, clock, oauth, events, deps, approvedQuery, logLines } = setup();
    const { query, code, link } = await approvedQuery('alice');
    const res = await handleOAuthCallback(deps, query);
    expect(res.statusCode).toBe(200);
    expectStandardHeaders(res);
    expect(res.body).toContain('Connected to MyAnimeList');
    expect(res.body).toContain('<strong>alice</strong>');
    const tokens = storedTokens(store)!;
    expect(tokens).toMatchObject({ user: 'alice', refreshIssuedAt: clock.now() });
    expect(tokens.invalid).toBeUndefined();
    expect(events.completed).toEqual([{ destination: 'mal', user: 'alice', at: new Date(clock.now()).toISOString() }]);
    expect(oauth.calls.exchange).toBe(1);
    // No secrets in the page or the logs.
    for (const text of [res.body, ...logLines]) {
      for (const secret of [code, tokens.accessToken, tokens.refreshToken, link.codeVerifier, link.state]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('still succeeds when publishing the event fails (tokens are stored)', async () => {
    const { store, events, deps, approvedQuery } = setup();
    events.failure = new Error('EventBridge down');
    const res = await handleOAuthCallback(deps, (await approvedQuery()).query);
    expect(res.statusCode).toBe(200);
    expect(storedTokens(store)).toBeDefined();
  });

  it('accepts the configured MAL user case-insensitively', async () => {
    const { store, deps, approvedQuery } = setup({ expectedUser: 'Alice' });
    const res = await handleOAuthCallback(deps, (await approvedQuery('alice')).query);
    expect(res.statusCode).toBe(200);
    expect(storedTokens(store)!.user).toBe('alice');
  });
});

describe('handleOAuthCallback: refusals store nothing', () => {
  async function expectNothingStored(ctx: ReturnType<typeof setup>) {
    expect(ctx.store.objects.has(KEYS.tokens('mal'))).toBe(false);
    expect(ctx.events.completed).toEqual([]);
  }

  it('forged (unknown) state', async () => {
    const ctx = setup();
    const res = await handleOAuthCallback(ctx.deps, `code=abc&state=${createState()}`);
    expect(res.statusCode).toBe(400);
    expectStandardHeaders(res);
    expect(res.body).toContain('Link not recognized');
    expect(ctx.oauth.calls.exchange).toBe(0);
    await expectNothingStored(ctx);
  });

  it('malformed state never reaches the store', async () => {
    const ctx = setup();
    const res = await handleOAuthCallback(ctx.deps, 'code=abc&state=..%2F..%2Fauth%2Ftokens');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Invalid link');
    expect(ctx.store.counters.get).toBe(0);
    await expectNothingStored(ctx);
  });

  it('expired state', async () => {
    const ctx = setup();
    const link = await ctx.issueLink(1);
    const { code, state } = ctx.oauth.approve(link.url);
    ctx.clock.advance(HOUR);
    const res = await handleOAuthCallback(ctx.deps, `code=${code}&state=${state}`);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Link expired');
    expect(res.body).toContain('Thursday, 1 January 2026, 01:00 UTC');
    expect(ctx.oauth.calls.exchange).toBe(0);
    await expectNothingStored(ctx);
  });

  it('replayed (used) state', async () => {
    const ctx = setup();
    const { query } = await ctx.approvedQuery();
    expect((await handleOAuthCallback(ctx.deps, query)).statusCode).toBe(200);
    const before = ctx.store.objects.get(KEYS.tokens('mal'));
    // Issue #11: while MyAnimeList is connected, a reused link is "already connected" (callback-pages.test.ts);
    // without the tokens' metadata it is refused as used.
    ctx.store.objects.delete(KEYS.tokenMeta('mal'));
    const replay = await handleOAuthCallback(ctx.deps, query);
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('Link already used');
    expect(ctx.oauth.calls.exchange).toBe(1);
    expect(ctx.store.objects.get(KEYS.tokens('mal'))).toBe(before);
    expect(ctx.events.completed).toHaveLength(1);
  });

  it('missing state, and missing code without burning the link', async () => {
    const ctx = setup();
    const res = await handleOAuthCallback(ctx.deps, 'code=abc');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Incomplete link');
    expect((await handleOAuthCallback(ctx.deps, undefined)).statusCode).toBe(400);

    const { state, query } = await ctx.approvedQuery();
    const noCode = await handleOAuthCallback(ctx.deps, `state=${state}`);
    expect(noCode.statusCode).toBe(400);
    await expectNothingStored(ctx);
    // The link still works afterwards.
    expect((await handleOAuthCallback(ctx.deps, query)).statusCode).toBe(200);
  });

  it('access_denied, with or without state, explains and keeps the link usable', async () => {
    const ctx = setup();
    const link = await ctx.issueLink();
    const withState = await handleOAuthCallback(ctx.deps, `error=access_denied&state=${link.state}`);
    expect(withState.statusCode).toBe(400);
    expectStandardHeaders(withState);
    expect(withState.body).toContain('You declined access on MyAnimeList, so nothing was changed');
    expect(withState.body).toContain('Thursday, 8 January 2026, 00:00 UTC');
    const without = await handleOAuthCallback(ctx.deps, 'error=access_denied');
    expect(without.statusCode).toBe(400);
    expect(without.body).toContain('You declined');
    await expectNothingStored(ctx);
    const { code } = ctx.oauth.approve(link.url);
    expect((await handleOAuthCallback(ctx.deps, `code=${code}&state=${link.state}`)).statusCode).toBe(200);
  });

  it.each([
    ['duplicate code', (s: string) => `code=a&code=b&state=${s}`, /&quot;code&quot; appears more than once/],
    ['duplicate state', (s: string) => `code=a&state=${s}&state=${s}`, /&quot;state&quot; appears more than once/],
    ['oversized code', (s: string) => `code=${'a'.repeat(4097)}&state=${s}`, /&quot;code&quot; is too long/],
    [
      'oversized message',
      (s: string) => `code=a&state=${s}&message=${'m'.repeat(2049)}`,
      /&quot;message&quot; is too long/,
    ],
    ['non-printable code', (s: string) => `code=a%00b&state=${s}`, /&quot;code&quot; contains invalid characters/],
    ['space in state', (s: string) => `code=a&state=${s}%20`, /&quot;state&quot; contains invalid characters/],
    ['bad percent-encoding', (s: string) => `code=%E0%A4%A&state=${s}`, /percent-encoding/],
  ])('rejects %s', async (_name, build, problem) => {
    const ctx = setup();
    const link = await ctx.issueLink();
    const res = await handleOAuthCallback(ctx.deps, build(link.state));
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(problem);
    expect(ctx.oauth.calls.exchange).toBe(0);
    await expectNothingStored(ctx);
    // The link was not consumed by the bad request.
    const pending = JSON.parse(ctx.store.objects.get(KEYS.pendingAuth(link.state))!.body);
    expect(pending.usedAt).toBeUndefined();
  });

  it('never shows text from error/message parameters, escaped or not', async () => {
    const ctx = setup();
    const payload = encodeURIComponent('<script>alert(1)</script><img src=x onerror=alert(2)>');
    const res = await handleOAuthCallback(ctx.deps, `error=${payload}&message=${payload}`);
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toMatch(/<script|<img/);
    expect(res.body).not.toContain('alert(');
    expect(res.body).toContain('gave an error this mirror does not recognize');
    await expectNothingStored(ctx);
  });

  it.each([
    ['invalid_request', 'found the authorization request malformed'],
    ['unauthorized_client', 'does not allow this app to ask for authorization this way'],
    ['unsupported_response_type', 'does not support the kind of authorization'],
    ['invalid_scope', 'did not accept the access this mirror asks for'],
    ['server_error', 'had an internal error'],
    ['temporarily_unavailable', 'is temporarily unavailable'],
  ])('the RFC 6749 code %s is explained in our words, its description dropped', async (code, words) => {
    const ctx = setup();
    const link = await ctx.issueLink();
    const res = await handleOAuthCallback(
      ctx.deps,
      `error=${code}&state=${link.state}&error_description=Call+%2B1-555-0100+now&hint=also+this`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(`MyAnimeList ${words}`);
    expect(res.body).toContain(`<code>${code}</code>`);
    expect(res.body).not.toMatch(/555|also this/);
    await expectNothingStored(ctx);
  });

  it('the code and verifier are redacted by value from a log line that quotes them', async () => {
    forgetSecrets();
    const ctx = setup();
    const link = await ctx.issueLink();
    const code = 'def50200a1b2c3d4e5f6-authorization-code';
    ctx.oauth.exchangeCode = async (p) => {
      throw new NetworkError(`POST /token {code: ${p.code}} with ${p.codeVerifier} failed`);
    };
    const res = await handleOAuthCallback(ctx.deps, `code=${code}&state=${link.state}`);
    expect(res.statusCode).toBe(502);
    const line = ctx.logLines.find((l) => l.includes('exchange_failed'))!;
    expect(line).toContain('{code: [REDACTED]} with [REDACTED] failed');
    expect(line).not.toContain(code);
    expect(line).not.toContain(link.codeVerifier);
  });

  it('logs a known code as it is, and an unknown one only as a short cleaned-up token', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createJsonLogger({ write: (line) => lines.push(JSON.parse(line)) });
    const ctx = setup();
    const deps = { ...ctx.deps, logger };
    await handleOAuthCallback(deps, 'error=invalid_scope&error_description=Call+555');
    await handleOAuthCallback(deps, `error=${encodeURIComponent(`\u202e<b>evil</b> ${'x'.repeat(2000)}`)}`);
    expect(lines.map((l) => l.error)).toEqual(['invalid_scope', `unrecognized (bevilb${'x'.repeat(34)})`]);
    expect(JSON.stringify(lines)).not.toMatch(/555|\u202e|<b>/);
  });

  it('MAL_USERNAME mismatch: 403 and nothing stored', async () => {
    const ctx = setup({ expectedUser: 'alice' });
    const res = await handleOAuthCallback(ctx.deps, (await ctx.approvedQuery('mallory<b>')).query);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Wrong MyAnimeList account');
    expect(res.body).toContain('mallory&lt;b&gt;');
    await expectNothingStored(ctx);
  });

  it('MAL_USERNAME set but /users/@me fails: nothing stored', async () => {
    const ctx = setup({ expectedUser: 'alice' });
    ctx.oauth.whoAmIFailure = new NetworkError('timeout');
    const res = await handleOAuthCallback(ctx.deps, (await ctx.approvedQuery()).query);
    expect(res.statusCode).toBe(502);
    await expectNothingStored(ctx);
  });

  it('exchange rejected (invalid_grant) → 400; MAL unreachable → 502; nothing stored', async () => {
    const ctx = setup();
    ctx.oauth.exchangeFailure = new FakeOAuthError('invalid_grant', 400);
    const rejected = await handleOAuthCallback(ctx.deps, (await ctx.approvedQuery()).query);
    expect(rejected.statusCode).toBe(400);
    expect(rejected.body).toContain('rejected the authorization code');
    ctx.oauth.exchangeFailure = new NetworkError('ECONNRESET');
    const down = await handleOAuthCallback(ctx.deps, (await ctx.approvedQuery()).query);
    expect(down.statusCode).toBe(502);
    await expectNothingStored(ctx);
  });

  it('a code issued for another verifier is rejected by MAL and nothing is stored', async () => {
    const ctx = setup();
    const a = await ctx.issueLink();
    const b = await ctx.issueLink();
    const { code } = ctx.oauth.approve(a.url);
    const res = await handleOAuthCallback(ctx.deps, `code=${code}&state=${b.state}`);
    expect(res.statusCode).toBe(400);
    await expectNothingStored(ctx);
  });
});

describe('handleOAuthCallback: concurrency', () => {
  it('two concurrent requests with the same state: only one exchange', async () => {
    const ctx = setup();
    const { query, state } = await ctx.approvedQuery();
    const bothRead = gate();
    let reads = 0;
    ctx.store.hooks.beforeGet = (key) => {
      if (key === KEYS.pendingAuth(state) && ++reads === 2) bothRead.open();
    };
    ctx.store.hooks.beforePut = async (key) => {
      if (key === KEYS.pendingAuth(state)) await bothRead.promise;
    };
    const results = await Promise.all([handleOAuthCallback(ctx.deps, query), handleOAuthCallback(ctx.deps, query)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    expect(ctx.oauth.calls.exchange).toBe(1);
    expect(ctx.events.completed).toHaveLength(1);
  });
});

describe('parseCallbackQuery', () => {
  it('decodes + and percent escapes and ignores unknown parameters', () => {
    expect(parseCallbackQuery('error=x&error_description=a+b%21&utm=1&utm=2')).toEqual({
      ok: true,
      params: { error: 'x', error_description: 'a b!' },
    });
  });

  it('accepts a realistic MAL code length (encrypted, ~1.3 kB) but not beyond the cap', () => {
    expect(parseCallbackQuery(`code=def50200${'a1'.repeat(700)}`)).toMatchObject({ ok: true });
    expect(parseCallbackQuery(`code=${'a'.repeat(4097)}`)).toMatchObject({ ok: false });
  });

  it('rejects control characters in free-text parameters', () => {
    expect(parseCallbackQuery('error=x&message=a%0Ab')).toMatchObject({ ok: false });
  });
});
