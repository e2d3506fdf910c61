import { describeRefusal, handleOAuthCallback, type OAuthCallbackDeps } from '../../../shared/auth/callback';
import { createPendingAuthorization } from '../../../shared/auth/pending';
import { createState } from '../../../shared/auth/pkce';
import { ManualClock } from '../../../shared/clock';
import { createJsonLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { DAY, FakeEvents, FakeMalOAuth, storedTokens } from './fakes';

/**
 * Issue #11, "Callback pages": what a person reads after clicking a link. A link used again while
 * connected is a calm "nothing to do", an unknown link does not cry forgery, the success page says
 * what happens next and where to watch it, and every refusal reaches the log (or the console).
 */
const REDIRECT = 'https://cb.example.test/callback';
const DASHBOARD = 'http://127.0.0.1:8787/';

function setup(extra: Partial<OAuthCallbackDeps> = {}) {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const oauth = new FakeMalOAuth();
  const events = new FakeEvents();
  const logLines: string[] = [];
  const reads: string[] = [];
  const get = store.get.bind(store);
  store.get = (key: string) => {
    reads.push(key);
    return get(key);
  };
  const deps: OAuthCallbackDeps = {
    store,
    clock,
    destinations: { mal: { provider: oauth } },
    events,
    redirectUri: REDIRECT,
    logger: createJsonLogger({ level: 'debug', write: (l) => logLines.push(l) }),
    ...extra,
  };
  const approvedQuery = async () => {
    const p = await createPendingAuthorization({
      store,
      clock,
      linkTtlHours: 168,
      destination: 'mal',
      pkceMethod: 'plain',
    });
    const url = oauth.authorizeUrl({ state: p.state, codeChallenge: p.codeChallenge, redirectUri: REDIRECT });
    const { code, state } = oauth.approve(url, 'alice');
    return { query: `code=${code}&state=${state}`, code, state, verifier: p.codeVerifier };
  };
  return { store, clock, oauth, events, deps, logLines, reads, approvedQuery };
}

/** The page's words, without tags. */
const words = (body: string) => body.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');

describe('a link used again', () => {
  test('while connected: "already connected; nothing to do", a calm 200, nothing exchanged or written', async () => {
    const ctx = setup();
    const { query } = await ctx.approvedQuery();
    expect((await handleOAuthCallback(ctx.deps, query)).statusCode).toBe(200);
    const tokens = ctx.store.objects.get(KEYS.tokens('mal'));
    ctx.reads.length = 0;
    const again = await handleOAuthCallback(ctx.deps, query);
    expect(again.statusCode).toBe(200);
    expect(words(again.body)).toContain('MyAnimeList is already connected; nothing to do.');
    expect(words(again.body)).toContain(
      'The mirror is connected as alice. This link was used before, so it changed nothing.',
    );
    expect(again.body).toContain('class="card success"');
    expect(again.body).not.toContain('Link already used');
    expect(ctx.oauth.calls.exchange).toBe(1);
    expect(ctx.store.objects.get(KEYS.tokens('mal'))).toBe(tokens);
    expect(ctx.events.completed).toHaveLength(1);
    // The callback may write tokens but never read them: it knows from their metadata.
    expect(ctx.reads).toContain(KEYS.tokenMeta('mal'));
    expect(ctx.reads).not.toContain(KEYS.tokens('mal'));
  });

  test.each([
    ['the authorization was marked invalid since', { invalid: { reason: 'invalid_grant', at: 0 } }],
    ['the authorization has expired', { refreshExpiresAt: 1 }],
  ])('not when %s: "Link already used", with what to do', async (_name, change) => {
    const ctx = setup();
    const { query } = await ctx.approvedQuery();
    await handleOAuthCallback(ctx.deps, query);
    const meta = JSON.parse(ctx.store.objects.get(KEYS.tokenMeta('mal'))!.body);
    await ctx.store.put(KEYS.tokenMeta('mal'), JSON.stringify({ ...meta, ...change }));
    const again = await handleOAuthCallback(ctx.deps, query);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('Link already used');
    expect(again.body).toContain('A new link is emailed automatically');
  });

  test('metadata that cannot be read is no answer: "Link already used", and a warn line', async () => {
    const ctx = setup();
    const { query } = await ctx.approvedQuery();
    await handleOAuthCallback(ctx.deps, query);
    const get = ctx.store.get;
    ctx.store.get = (key) => (key === KEYS.tokenMeta('mal') ? Promise.reject(new Error('AccessDenied')) : get(key));
    const again = await handleOAuthCallback(ctx.deps, query);
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('Link already used');
    expect(ctx.logLines.join('\n')).toContain('could not read the token metadata');
  });
});

describe('a link not known here (e.g. from before a restart)', () => {
  test('says so and what to do, without suggesting forgery', async () => {
    const ctx = setup();
    const res = await handleOAuthCallback(ctx.deps, `code=abc&state=${createState()}`);
    expect(res.statusCode).toBe(400);
    const text = words(res.body);
    expect(text).toContain('Link not recognized');
    expect(text).toContain('This link is not known here');
    expect(text).toContain('local runtime restarted (a sandbox starts fresh each time)');
    expect(text).toContain('Open the link in the newest email from the mirror');
    expect(text).toContain('a new link is emailed automatically on the next check');
    expect(text).not.toMatch(/forg|someone/i);
    expect(res.body).toContain('class="card warning"');
    expect(ctx.oauth.calls.exchange).toBe(0);
    expect(ctx.store.objects.has(KEYS.tokens('mal'))).toBe(false);
  });
});

describe('the success page says what happens next', () => {
  test('locally: the sync starts now, watched on the dashboard', async () => {
    const ctx = setup({ dashboardUrl: DASHBOARD });
    const res = await handleOAuthCallback(ctx.deps, (await ctx.approvedQuery()).query);
    expect(res.statusCode).toBe(200);
    const text = words(res.body);
    expect(text).toContain('Connected to MyAnimeList as alice.');
    expect(text).toContain('A sync starts now. The first one copies your whole list to MyAnimeList');
    expect(text).toContain(`Watch it on the dashboard: ${DASHBOARD}`);
    expect(res.body).toContain(`<a href="${DASHBOARD}">`);
  });

  test('deployed: npm run status and the worker log', async () => {
    const ctx = setup();
    const res = await handleOAuthCallback(ctx.deps, (await ctx.approvedQuery()).query);
    const text = words(res.body);
    expect(text).toContain('A sync starts now.');
    expect(text).toContain('run npm run status in your copy of this project (with your AWS credentials)');
    expect(text).not.toContain('dashboard');
  });

  test('when the event could not be sent: the next scheduled run', async () => {
    const ctx = setup();
    ctx.events.failure = new Error('EventBridge down');
    const res = await handleOAuthCallback(ctx.deps, (await ctx.approvedQuery()).query);
    expect(res.statusCode).toBe(200);
    expect(storedTokens(ctx.store)).toBeDefined();
    expect(words(res.body)).toContain('Syncing starts with the next scheduled run.');
    expect(words(res.body)).not.toContain('A sync starts now');
  });

  test('a dashboard address that is not http(s) never becomes a link', async () => {
    const ctx = setup({ dashboardUrl: 'javascript:alert(1)' });
    await expect(handleOAuthCallback(ctx.deps, (await ctx.approvedQuery()).query)).rejects.toThrow(/non-http/);
  });
});

describe('every refusal is logged', () => {
  test('in Lambda: a warn line with the reason code, never the code, state or verifier', async () => {
    const ctx = setup();
    const { query, code, state, verifier } = await ctx.approvedQuery();
    ctx.clock.advance(8 * DAY);
    await handleOAuthCallback(ctx.deps, query);
    await handleOAuthCallback(ctx.deps, `code=${code}&state=${createState()}`);
    const refusals = ctx.logLines.map((l) => JSON.parse(l)).filter((l) => l.message === 'oauth callback refused');
    expect(refusals).toEqual([
      expect.objectContaining({ level: 'warn', outcome: 'state_expired', status: 400 }),
      expect.objectContaining({ level: 'warn', outcome: 'state_unknown', status: 400 }),
    ]);
    for (const line of ctx.logLines) {
      for (const secret of [code, state, verifier]) expect(line).not.toContain(secret);
    }
  });

  test('locally: a sentence for the console (onRefusal), and only an info line in the log', async () => {
    const said: string[] = [];
    const ctx = setup({ onRefusal: (text) => said.push(text) });
    const { query, code, state, verifier } = await ctx.approvedQuery();
    await handleOAuthCallback(ctx.deps, query);
    await handleOAuthCallback(ctx.deps, query);
    await handleOAuthCallback(ctx.deps, `code=${code}&state=${createState()}`);
    await handleOAuthCallback(ctx.deps, 'error=access_denied');
    expect(said).toEqual([
      '✓ MyAnimeList is already connected: a link was used again; nothing to do.',
      '✗ Authorization callback: "Link not recognized" (state_unknown). Nothing was stored; the page in the browser says what to do.',
      '✗ Authorization callback: "Authorization declined" (declined). Nothing was stored; the page in the browser says what to do.',
    ]);
    expect(ctx.logLines.filter((l) => l.includes('"warn"'))).toEqual([]);
    for (const text of [...said, ...ctx.logLines]) {
      for (const secret of [code, state, verifier]) expect(text).not.toContain(secret);
    }
  });

  test('describeRefusal without a page title', () => {
    expect(describeRefusal('bad_request', undefined)).toContain('"refused" (bad_request)');
  });
});
