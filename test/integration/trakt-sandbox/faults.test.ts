import { episodeId, JJK } from './fixtures';
import { authPost, CLIENT_ID, closeSandboxes, type Harness, startHarness } from './helpers';

/** The kit's fault API on Trakt's routes, Trakt's error looks, and the /_sandbox/* control endpoints. */

afterEach(closeSandboxes);

const play = { episodes: [{ ids: { trakt: episodeId(JJK.trakt, 1, 1) }, watched_at: '2024-01-01T00:00:00Z' }] };
const plays = (h: Harness) => h.sandbox.state.playsOf(JJK.slug, 1, 1);

function injectOverHttp(base: string, spec: unknown): Promise<Response> {
  return fetch(`${base}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(spec),
  });
}

describe('Trakt sandbox faults', () => {
  test('a lost history POST is applied, though the client only sees the connection drop', async () => {
    const h = await startHarness();
    h.sandbox.faults.inject({ route: 'history_add', kind: 'lost' });
    await expect(h.api('POST', '/sync/history', { body: play })).rejects.toThrow();
    expect(plays(h)).toBe(1);
    // The client that retries blindly makes a second play.
    expect((await h.api('POST', '/sync/history', { body: play })).status).toBe(201);
    expect(plays(h)).toBe(2);
  });

  test('a lost history POST answered 503 or 429 is applied all the same', async () => {
    const h = await startHarness();
    h.sandbox.faults.inject([
      { route: 'history_add', kind: 'lost', status: 503 },
      { route: 'history_add', kind: 'lost', status: 429, retryAfterSeconds: 2 },
    ]);
    const gateway = await h.api('POST', '/sync/history', { body: play });
    expect(gateway.status).toBe(503);
    expect(gateway.headers.get('content-type')).toMatch(/^text\/html/);
    expect(gateway.headers.get('x-runtime')).toBeNull();
    const limited = await h.api('POST', '/sync/history', { body: play });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(plays(h)).toBe(2);
  });

  test("Trakt's looks: 423 locked, 426 VIP only, 500 with X-Error-Message, CDN pages for 502 and 520-522", async () => {
    const h = await startHarness();
    h.sandbox.faults.inject([
      { route: 'settings', kind: 423 },
      { route: 'settings', kind: 426 },
      { route: 'settings', kind: 500, message: 'database on fire' },
      { route: 'settings', kind: 502 },
      { route: 'settings', kind: 520 },
      { route: 'settings', kind: 521 },
      { route: 'settings', kind: 522 },
    ]);
    const locked = await h.api('GET', '/users/settings');
    expect([
      locked.status,
      locked.headers.get('x-account-locked'),
      locked.headers.get('x-account-deactivated'),
    ]).toEqual([423, 'true', 'false']);
    expect(locked.headers.get('x-runtime')).toBeTruthy();
    const vip = await h.api('GET', '/users/settings');
    expect([vip.status, vip.headers.get('x-upgrade-url')]).toEqual([426, 'https://trakt.tv/vip']);
    const crash = await h.api('GET', '/users/settings');
    expect([crash.status, crash.headers.get('x-error-message')]).toEqual([500, 'database on fire']);
    for (const status of [502, 520, 521, 522]) {
      const page = await h.api('GET', '/users/settings');
      expect(page.status).toBe(status);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain(`Error ${status}`);
      expect(page.headers.get('x-runtime')).toBeNull();
    }
    expect((await h.api('GET', '/users/settings')).status).toBe(200);
  });

  test("an 'html' fault is the CDN's block page; faults on one route leave the others alone", async () => {
    const h = await startHarness();
    h.sandbox.faults.inject({ route: 'search', kind: 'html' });
    expect((await h.api('GET', '/users/settings')).status).toBe(200);
    const blocked = await h.api('GET', '/search/tmdb/1429');
    expect(blocked.status).toBe(403);
    expect(await blocked.text()).toContain('Sorry, you have been blocked');
  });

  test('a timeout fault holds the request until the client gives up', async () => {
    const h = await startHarness();
    h.sandbox.faults.inject({ route: 'last_activities', kind: 'timeout' });
    await expect(
      fetch(`${h.sandbox.apiUrl}/sync/last_activities`, { signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
  });

  test("auth-host faults: 'token' fails the token endpoint, 'auth' any auth request", async () => {
    const h = await startHarness();
    h.sandbox.faults.inject([
      { route: 'token', kind: 503 },
      { route: 'auth', kind: 500 },
    ]);
    expect((await authPost(h.sandbox, '/oauth/token', {})).status).toBe(503);
    expect((await authPost(h.sandbox, '/oauth/device/code', { client_id: CLIENT_ID })).status).toBe(500);
    expect((await authPost(h.sandbox, '/oauth/device/code', { client_id: CLIENT_ID })).status).toBe(200);
  });
});

describe('Trakt sandbox control endpoints', () => {
  test('faults injected over HTTP on either host; a bad spec is 400; DELETE clears', async () => {
    const h = await startHarness();
    expect((await injectOverHttp(h.sandbox.apiUrl, { route: 'history_add', kind: 'lost' })).status).toBe(201);
    expect((await injectOverHttp(h.sandbox.authUrl, { route: 'nope', kind: 500 })).status).toBe(400);
    const pending = await (await fetch(`${h.sandbox.authUrl}/_sandbox/faults`)).json();
    expect(pending).toEqual({ pending: 1 });
    await expect(h.api('POST', '/sync/history', { body: play })).rejects.toThrow();
    expect(plays(h)).toBe(1);
    await injectOverHttp(h.sandbox.apiUrl, { kind: 500, times: 3 });
    expect((await fetch(`${h.sandbox.apiUrl}/_sandbox/faults`, { method: 'DELETE' })).status).toBe(200);
    expect(h.sandbox.faults.pending()).toBe(0);
  });

  test('counters over HTTP equal the sandbox counters, per host and per route, without control requests', async () => {
    const h = await startHarness();
    await h.api('POST', '/sync/history', { body: play });
    await h.api('GET', '/sync/history');
    await h.api('GET', '/shows/one-piece/seasons');
    await authPost(h.sandbox, '/oauth/device/code', { client_id: CLIENT_ID });
    await injectOverHttp(h.sandbox.apiUrl, { route: 'any', kind: 500 });
    const counters = await (await fetch(`${h.sandbox.authUrl}/_sandbox/counters`)).json();
    expect(counters).toEqual(h.sandbox.counters);
    expect(counters).toEqual({
      requests: 4,
      api: 3,
      auth: 1,
      rateLimited: 0,
      byRoute: {
        'POST /sync/history': 1,
        'GET /sync/history': 1,
        'GET /shows/:id/seasons': 1,
        'POST /oauth/device/code': 1,
      },
    });
    h.sandbox.resetCounters();
    expect(h.sandbox.counters).toEqual({ requests: 0, api: 0, auth: 0, rateLimited: 0, byRoute: {} });
  });
});
