import { startTraktSandbox } from '../../../local/sandbox/trakt';
import { catalogue } from './fixtures';
import { apiHeaders, CLIENT_ID, closeSandboxes, rawRequest, startHarness, USER_AGENT } from './helpers';

/** The API host's required headers, the CDN's block page, and what every Trakt answer carries. */

afterEach(closeSandboxes);

describe('Trakt sandbox headers', () => {
  test('a request without User-Agent gets the CDN block page: HTML 403, no X-Runtime, no X-Request-Id', async () => {
    const { sandbox, token } = await startHarness();
    const headers = apiHeaders(token);
    delete headers['User-Agent'];
    const res = await rawRequest(`${sandbox.apiUrl}/users/settings`, { headers });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('Sorry, you have been blocked');
    expect(res.headers['x-runtime']).toBeUndefined();
    expect(res.headers['x-request-id']).toBeUndefined();
  });

  test('the User-Agent requirement can be switched off', async () => {
    const { sandbox, token } = await startHarness({ requireUserAgent: false });
    const headers = apiHeaders(token);
    delete headers['User-Agent'];
    expect((await rawRequest(`${sandbox.apiUrl}/users/settings`, { headers })).status).toBe(200);
  });

  test("Trakt's answers carry X-Runtime, X-Request-Id and JSON in UTF-8, with .000Z timestamps", async () => {
    const h = await startHarness();
    const first = await h.api('GET', '/sync/last_activities');
    const second = await h.api('GET', '/sync/last_activities');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(first.headers.get('x-runtime')).toMatch(/^\d+\.\d+$/);
    expect(first.headers.get('x-request-id')).toBeTruthy();
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    const body = (await first.json()) as { all: string };
    expect(body.all).toBe('2026-03-01T12:00:00.000Z');
  });

  test('an unknown trakt-api-key, or none, is refused 403 in plain text', async () => {
    const h = await startHarness();
    for (const key of ['not-a-client', '']) {
      const res = await h.api('GET', '/search/tmdb/1429', { headers: { 'trakt-api-key': key } });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('Forbidden');
    }
  });

  test('an app whose owner is not VIP (a removed app) gets 403 plain text on every call, even with a good token', async () => {
    const h = await startHarness({ vipOwner: false });
    for (const path of ['/users/settings', '/search/tmdb/1429', '/shows/one-piece/seasons']) {
      const res = await h.api('GET', path);
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('Forbidden');
    }
  });

  test('trakt-api-version must be 2', async () => {
    const h = await startHarness();
    expect((await h.api('GET', '/users/settings', { headers: { 'trakt-api-version': '1' } })).status).toBe(400);
    expect((await h.api('GET', '/users/settings')).status).toBe(200);
  });

  test('a write without a JSON content type is refused 412; so is GET /', async () => {
    const h = await startHarness();
    const form = await h.api('POST', '/sync/history', {
      body: 'movies=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(412);
    expect(h.sandbox.state.history()).toEqual([]);
    expect((await h.api('GET', '/')).status).toBe(412);
  });

  test('locked routes want a bearer token: 401 with WWW-Authenticate when it is missing, unknown, expired or revoked', async () => {
    const h = await startHarness();
    const missing = await h.api('GET', '/sync/history', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    const unknown = await h.api('GET', '/sync/history', { token: 'made-up' });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    h.sandbox.state.revokeAllTokens();
    const revoked = await h.api('GET', '/sync/history');
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('revoked');
    const fresh = h.sandbox.state.issueTokensDirectly().accessToken;
    h.sandbox.state.expireAccessTokens();
    const expired = await h.api('GET', '/sync/history', { token: fresh });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('expired');
  });

  test('public routes answer without a token; a token issued to another app is refused', async () => {
    const h = await startHarness({ otherApps: [{ clientId: 'second-app', clientSecret: 'second-secret' }] });
    expect((await h.api('GET', '/shows/one-piece/seasons', { token: null })).status).toBe(200);
    const other = h.sandbox.state.issueTokensDirectly('second-app').accessToken;
    expect((await h.api('GET', '/users/settings', { token: other })).status).toBe(401);
    const own = await h.api('GET', '/users/settings', { token: other, headers: { 'trakt-api-key': 'second-app' } });
    expect(own.status).toBe(200);
  });

  test('unknown paths are 404, known paths with another method 405', async () => {
    const h = await startHarness();
    expect((await h.api('GET', '/sync/collection/shows')).status).toBe(404);
    expect((await h.api('POST', '/sync/last_activities', { body: {} })).status).toBe(405);
    expect((await h.api('GET', '/sync/history/remove')).status).toBe(404);
  });

  test('/oauth/* is not served on the API host unless the legacy flag is set', async () => {
    const sandbox = await startTraktSandbox({ fixture: catalogue() });
    try {
      const res = await fetch(`${sandbox.apiUrl}/oauth/token`, {
        method: 'POST',
        headers: { ...apiHeaders(), 'User-Agent': USER_AGENT },
        body: JSON.stringify({ client_id: CLIENT_ID }),
      });
      expect(res.status).toBe(404);
    } finally {
      await sandbox.close();
    }
  });
});
