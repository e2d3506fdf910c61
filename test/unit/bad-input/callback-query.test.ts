import { request } from 'node:http';
import { approveLatestEmail, latestAuthorizeLink } from '../../../local/story';
import { handleOAuthCallback, type OAuthCallbackDeps } from '../../../shared/auth/callback';
import { createPendingAuthorization } from '../../../shared/auth/pending';
import { createState } from '../../../shared/auth/pkce';
import { readTokens } from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { expectEscapedEcho, expectNoInjectedMarkup } from '../../support/html-safety';
import { startTestSystem, type TestSystem } from '../../support/local-system';
import { FakeEvents, FakeMalOAuth } from '../auth/fakes';

const e = encodeURIComponent;
const FORGED = createState();

interface Case {
  /** The raw query string, given the `state` of a real, unused emailed link. */
  readonly query: (state: string) => string;
  /** What the page must say (the problem, HTML-escaped as it appears in the page). */
  readonly says: RegExp;
  /** Input the page must never contain raw; `true` when it is expected to show it (escaped). */
  readonly payloads?: readonly [string, boolean][];
}

const SCRIPT = '<script>alert(1)</script>';
const BREAK_DOUBLE = '"><img src=x onerror=alert(1)>';
const BREAK_SINGLE = "' onmouseover='alert(1)";
/** What a phishing redirect could put in `error_description`: a bidi override and the longest text the parser allows. */
const SPOOF_WORDS = 'Your account is locked. Call support at';
const SPOOF = `\u202e${SPOOF_WORDS} ${'9'.repeat(2048)}`.slice(0, 2048);

/**
 * Hostile or broken callback query strings. For every one: a 400 HTML page with the standard
 * security headers and a specific explanation, nothing stored, the emailed link not used up, no
 * markup but the templates' own, and anything echoed HTML-escaped. (test/unit/auth/callback.test.ts
 * pins a few of these at the handler; this table adds the rest and runs all of them end to end.)
 */
const CASES: Record<string, Case> = {
  // injection attempts
  // The provider's error text is never shown: a known code is explained in our words, anything else generically.
  'script in error': {
    query: () => `error=${e(SCRIPT)}`,
    says: /MyAnimeList did not authorize access, and gave an error this mirror does not recognize/,
    payloads: [[SCRIPT, false]],
  },
  'attribute breaker (") in error_description': {
    query: () => `error=invalid_request&error_description=${e(BREAK_DOUBLE)}`,
    says: /found the authorization request malformed. \(error code <code>invalid_request<\/code>\)/,
    payloads: [[BREAK_DOUBLE, false]],
  },
  "attribute breaker (') in hint": {
    query: () => `error=server_error&hint=${e(BREAK_SINGLE)}`,
    says: /MyAnimeList had an internal error/,
    payloads: [[BREAK_SINGLE, false]],
  },
  'svg onload in message': {
    query: () => `error=x&message=${e('<svg/onload=alert(1)>')}`,
    says: /an error this mirror does not recognize/,
    payloads: [['<svg/onload=alert(1)>', false]],
  },
  'entity smuggling in error': {
    query: () => `error=${e('&lt;script&gt;')}`,
    says: /an error this mirror does not recognize/,
    payloads: [['&lt;script&gt;', false]],
  },
  'template syntax in error': {
    query: () => `error=${e('{{7*7}} #{7*7} <%= 7*7 %>')}`,
    says: /an error this mirror does not recognize/,
    payloads: [['{{7*7}} #{7*7} <%= 7*7 %>', false]],
  },
  'a right-to-left override and 2,048 characters of instructions in error_description': {
    query: () => `error=temporarily_unavailable&error_description=${e(SPOOF)}`,
    says: /MyAnimeList is temporarily unavailable/,
    payloads: [
      [SPOOF, false],
      [SPOOF_WORDS, false],
    ],
  },
  'a right-to-left override in error': {
    query: () => `error=${e('\u202eaccess_denied')}`,
    says: /an error this mirror does not recognize/,
    payloads: [['\u202eaccess_denied', false]],
  },
  'script as state, declining': {
    query: () => `error=access_denied&state=${e(SCRIPT)}`,
    says: /You declined access/,
    payloads: [[SCRIPT, false]],
  },
  'script as state, with a code': {
    query: () => `code=abc&state=${e(SCRIPT)}`,
    says: /Invalid link/,
    payloads: [[SCRIPT, false]],
  },
  'script as code, forged state': {
    query: () => `code=${e(SCRIPT)}&state=${FORGED}`,
    says: /Link not recognized/,
    payloads: [[SCRIPT, false]],
  },
  'path traversal as state': {
    query: () => `code=abc&state=${e('../../auth/tokens.json')}`,
    says: /Invalid link/,
  },
  'CRLF (header injection) in code': {
    query: (s) => `code=a%0D%0ASet-Cookie:%20session=evil&state=${s}`,
    says: /the parameter &quot;code&quot; contains invalid characters/,
  },
  'NUL byte in error': {
    query: () => 'error=a%00b',
    says: /the parameter &quot;error&quot; contains invalid characters/,
  },
  'Unicode line separator in error_description': {
    query: () => 'error=x&error_description=a%E2%80%A8b',
    says: /the parameter &quot;error_description&quot; contains invalid characters/,
  },
  'a space in code': {
    query: (s) => `code=a+b&state=${s}`,
    says: /the parameter &quot;code&quot; contains invalid characters/,
  },
  // oversized parameters
  'state of 2049 characters': {
    query: () => `code=abc&state=${'a'.repeat(2049)}`,
    says: /the parameter &quot;state&quot; is too long/,
  },
  'code of 4097 characters': {
    query: (s) => `code=${'c'.repeat(4097)}&state=${s}`,
    says: /the parameter &quot;code&quot; is too long/,
  },
  'error of 2049 characters': {
    query: () => `error=${'x'.repeat(2049)}`,
    says: /the parameter &quot;error&quot; is too long/,
  },
  'error_description of 5000 characters': {
    query: () => `error=x&error_description=${'d'.repeat(5000)}`,
    says: /the parameter &quot;error_description&quot; is too long/,
  },
  'hint of 2049 characters': {
    query: () => `error=x&hint=${'h'.repeat(2049)}`,
    says: /the parameter &quot;hint&quot; is too long/,
  },
  // duplicate parameters
  'state twice': {
    query: (s) => `code=abc&state=${s}&state=${FORGED}`,
    says: /the parameter &quot;state&quot; appears more than once/,
  },
  'code twice, once percent-encoded in the name': {
    query: (s) => `co%64e=abc&code=def&state=${s}`,
    says: /the parameter &quot;code&quot; appears more than once/,
  },
  'code twice, the first one empty': {
    query: (s) => `code=&code=abc&state=${s}`,
    says: /the parameter &quot;code&quot; appears more than once/,
  },
  'error twice': {
    query: () => 'error=access_denied&error=server_error',
    says: /the parameter &quot;error&quot; appears more than once/,
  },
  'error_description twice': {
    query: () => 'error=x&error_description=a&error_description=b',
    says: /the parameter &quot;error_description&quot; appears more than once/,
  },
  'hint twice': {
    query: () => 'error=x&hint=a&hint=b',
    says: /the parameter &quot;hint&quot; appears more than once/,
  },
  // malformed encoding
  'a lone % in error': {
    query: () => 'error=%',
    says: /it contains malformed percent-encoding/,
  },
  'a truncated UTF-8 escape in state': {
    query: () => 'code=abc&state=%E0%A4%A',
    says: /it contains malformed percent-encoding/,
  },
};

function expectRefusalPage(
  res: { status: number; headers: Record<string, string | undefined>; body: string },
  c: Case,
  state: string,
) {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  expect(res.headers['set-cookie']).toBeUndefined();
  expect(res.body).toMatch(c.says);
  expect(res.body).toMatch(/Nothing was changed|nothing was changed/);
  expectNoInjectedMarkup(res.body);
  for (const [payload, shown] of c.payloads ?? []) expectEscapedEcho(res.body, payload, shown);
  // The state of a real link is a secret of the email: never echoed.
  expect(res.body).not.toContain(state);
}

describe('callback query strings at the handler (handleOAuthCallback)', () => {
  function setup() {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const oauth = new FakeMalOAuth();
    const events = new FakeEvents();
    const deps: OAuthCallbackDeps = {
      store,
      clock,
      destinations: { mal: { provider: oauth } },
      events,
      redirectUri: 'https://cb.example.test/callback',
    };
    return { store, oauth, events, deps, clock };
  }

  test.each(Object.entries(CASES))('%s', async (_name, c) => {
    const { store, oauth, events, deps, clock } = setup();
    const link = await createPendingAuthorization({
      store,
      clock,
      linkTtlHours: 168,
      destination: 'mal',
      pkceMethod: 'plain',
    });
    const putsBefore = store.counters.put;
    const page = await handleOAuthCallback(deps, c.query(link.state));
    const headers = Object.fromEntries(Object.entries(page.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expectRefusalPage({ status: page.statusCode, headers, body: page.body }, c, link.state);
    expect(store.counters.put).toBe(putsBefore);
    expect(store.objects.has(KEYS.tokens('mal'))).toBe(false);
    expect(JSON.parse(store.objects.get(KEYS.pendingAuth(link.state))!.body).usedAt).toBeUndefined();
    expect(oauth.calls.exchange).toBe(0);
    expect(events.completed).toEqual([]);
  });

  test('a query string beyond 16 KiB is refused before anything is parsed', async () => {
    const { store, deps } = setup();
    const page = await handleOAuthCallback(deps, `utm=${'u'.repeat(16_400)}&code=a&state=${FORGED}`);
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('the address is far too long');
    expect(store.counters.get).toBe(0);
  });
});

/** Raw HTTP, so that the query reaches the bridge exactly as written (fetch would normalise it). */
function rawGet(
  base: string,
  query: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: `${url.pathname}?${query}`, method: 'GET' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('callback query strings through the local HTTP API bridge (system.urls.callback)', () => {
  let system: TestSystem;
  let state: string;
  beforeAll(async () => {
    system = await startTestSystem();
    expect((await system.runMailer()).sent).toBe(true);
    state = new URL((await latestAuthorizeLink(system)).url).searchParams.get('state')!;
  });
  afterAll(async () => {
    await system?.close();
  });

  test.each(Object.entries(CASES))('%s', async (_name, c) => {
    const res = await rawGet(system.urls.callback, c.query(state));
    expectRefusalPage(res, c, state);
    expect((await readTokens(system.store, 'mal')).tokens).toBeUndefined();
    expect(system.mal!.counters.byRoute['POST /v1/oauth2/token']).toBeUndefined();
  });

  test('afterwards the emailed link is still unused and authorizes normally', async () => {
    const pending = JSON.parse((await system.store.get(KEYS.pendingAuth(state)))!.body);
    expect(pending.usedAt).toBeUndefined();
    const story = await approveLatestEmail(system);
    expect(story.callbackStatus).toBe(200);
    expect(story.callbackPage).toContain('Connected to MyAnimeList');
    expect((await readTokens(system.store, 'mal')).tokens).toBeDefined();
    await system.settle();
  });
});
