import { bearerOf, checkApiHeaders, isJsonContentType } from '../../../local/sandbox/trakt/headers';
import type { TraktApp } from '../../../local/sandbox/trakt/options';
import { blockedPage, RequestIds, withAppHeaders } from '../../../local/sandbox/trakt/replies';

/** The API host's header checks, as pure functions. */

const app: TraktApp = { clientId: 'key', clientSecret: 's', redirectUris: [], name: 'App', vipOwner: true };
const removed: TraktApp = { ...app, clientId: 'removed', vipOwner: false };
const apps = (id: string) => [app, removed].find((a) => a.clientId === id);
const options = { requireUserAgent: true, app: apps };
const good = { 'user-agent': 'Test/1.0', 'trakt-api-key': 'key', 'trakt-api-version': '2' };

describe('Trakt API headers', () => {
  test('a good GET passes and names the app', () => {
    expect(checkApiHeaders('GET', good, options)).toEqual({ ok: true, app });
  });

  test('no User-Agent: the CDN page comes first, whatever else is wrong', () => {
    const verdict = checkApiHeaders('POST', { 'trakt-api-key': 'nope' }, options);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reply.status).toBe(403);
    expect(verdict.reply.contentType).toMatch(/^text\/html/);
    expect(verdict.reply.body).toContain('Sorry, you have been blocked');
    expect(checkApiHeaders('GET', { ...good, 'user-agent': '  ' }, options).ok).toBe(false);
    expect(
      checkApiHeaders('GET', { ...good, 'user-agent': undefined }, { ...options, requireUserAgent: false }).ok,
    ).toBe(true);
  });

  test('unknown, missing or removed app: 403 plain text', () => {
    for (const key of ['nope', undefined, 'removed']) {
      const verdict = checkApiHeaders('GET', { ...good, 'trakt-api-key': key }, options);
      expect(verdict).toEqual({ ok: false, reply: expect.objectContaining({ status: 403, body: 'Forbidden' }) });
    }
  });

  test('trakt-api-version other than 2: 400', () => {
    for (const version of ['1', undefined, '2.0']) {
      const verdict = checkApiHeaders('GET', { ...good, 'trakt-api-version': version }, options);
      expect(verdict.ok ? 200 : verdict.reply.status).toBe(400);
    }
  });

  test('writes want application/json (parameters allowed): 412 otherwise', () => {
    const status = (method: string, contentType: string | undefined) => {
      const verdict = checkApiHeaders(method, { ...good, 'content-type': contentType }, options);
      return verdict.ok ? 200 : verdict.reply.status;
    };
    expect(status('POST', 'application/json')).toBe(200);
    expect(status('POST', 'Application/JSON; charset=utf-8')).toBe(200);
    expect(status('POST', 'text/plain')).toBe(412);
    expect(status('DELETE', undefined)).toBe(412);
    expect(status('GET', undefined)).toBe(200);
    expect(isJsonContentType('application/jsonp')).toBe(false);
  });

  test('bearer tokens', () => {
    expect(bearerOf({ authorization: 'Bearer abc' })).toBe('abc');
    expect(bearerOf({ authorization: 'bearer abc ' })).toBe('abc');
    expect(bearerOf({ authorization: 'Basic abc' })).toBeUndefined();
    expect(bearerOf({ authorization: 'Bearer ' })).toBeUndefined();
    expect(bearerOf({})).toBeUndefined();
  });

  test("Trakt's own answers get X-Runtime and a fresh X-Request-Id; the CDN's pages do not", () => {
    const ids = new RequestIds();
    const first = withAppHeaders({ status: 200, body: '[]' }, ids);
    const second = withAppHeaders({ status: 200, body: '[]' }, ids);
    expect(first.headers).toMatchObject({ 'X-Runtime': expect.any(String), 'X-Request-Id': expect.any(String) });
    expect(first.headers?.['X-Request-Id']).not.toBe(second.headers?.['X-Request-Id']);
    const page = withAppHeaders(blockedPage(), ids);
    expect(page.headers).not.toHaveProperty('X-Runtime');
    expect(page.headers).not.toHaveProperty('X-Request-Id');
    expect(page.headers).toHaveProperty('CF-RAY');
  });
});
