import { JJK } from './fixtures';
import { closeSandboxes, startHarness } from './helpers';

/** Rate limits on a ManualClock: nothing here waits; the clock moves by hand. */

afterEach(closeSandboxes);

const play = { episodes: [{ ids: { trakt: 10_011_001 } }] };

describe('Trakt sandbox rate limits', () => {
  test('one write per second per user: the second gets 429 with Retry-After and X-Ratelimit, and is not applied', async () => {
    const h = await startHarness({ rateLimits: {} });
    expect((await h.api('POST', '/sync/history', { body: play })).status).toBe(201);
    h.clock.advance(400);
    const refused = await h.api('POST', '/sync/history', { body: play });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(refused.headers.get('x-ratelimit')!)).toEqual({
      name: 'AUTHED_API_POST_LIMIT',
      period: 1,
      limit: 1,
      remaining: 0,
      until: '2026-03-01T12:00:01Z',
    });
    expect(h.sandbox.state.playsOf(JJK.slug, 1, 1)).toBe(1);
    expect(h.sandbox.counters.rateLimited).toBe(1);
    h.clock.advance(600);
    expect((await h.api('POST', '/sync/history', { body: play })).status).toBe(201);
    expect(h.sandbox.state.playsOf(JJK.slug, 1, 1)).toBe(2);
  });

  test('per-user GETs: a window of N calls per period, Retry-After until it ends; writes have their own bucket', async () => {
    const h = await startHarness({ rateLimits: { authedGet: { limit: 3, periodSeconds: 300 } } });
    for (let i = 0; i < 3; i += 1) expect((await h.api('GET', '/sync/last_activities')).status).toBe(200);
    h.clock.advance(100_000);
    const refused = await h.api('GET', '/sync/history');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('200');
    expect(JSON.parse(refused.headers.get('x-ratelimit')!)).toMatchObject({ name: 'AUTHED_API_GET_LIMIT', limit: 3 });
    expect((await h.api('POST', '/sync/history', { body: play })).status).toBe(201);
    h.clock.advance(200_000);
    expect((await h.api('GET', '/sync/history')).status).toBe(200);
  });

  test('GETs without a user token count against the app, apart from the user', async () => {
    const h = await startHarness({ rateLimits: { unauthedGet: { limit: 2, periodSeconds: 300 } } });
    expect((await h.api('GET', '/shows/one-piece/seasons', { token: null })).status).toBe(200);
    expect((await h.api('GET', '/search/tmdb/1429', { token: null })).status).toBe(200);
    const refused = await h.api('GET', '/shows/one-piece/seasons', { token: null });
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.headers.get('x-ratelimit')!)).toMatchObject({ name: 'UNAUTHED_API_GET_LIMIT' });
    expect((await h.api('GET', '/shows/one-piece/seasons')).status).toBe(200);
  });

  test('the X-Ratelimit header can be left out', async () => {
    const h = await startHarness({ rateLimits: { xRatelimitHeader: false } });
    await h.api('POST', '/sync/history', { body: play });
    const refused = await h.api('POST', '/sync/history', { body: play });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-ratelimit')).toBeNull();
  });

  test('penalty box: after a violation every call of the user is refused for its duration, GETs included', async () => {
    const h = await startHarness({ rateLimits: { penaltyBoxSeconds: 300 } });
    await h.api('POST', '/sync/history', { body: play });
    const violation = await h.api('POST', '/sync/history', { body: play });
    expect(violation.status).toBe(429);
    expect(violation.headers.get('retry-after')).toBe('300');
    h.clock.advance(60_000);
    const blocked = await h.api('GET', '/sync/last_activities');
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('240');
    h.clock.advance(240_000);
    expect((await h.api('GET', '/sync/last_activities')).status).toBe(200);
  });

  test('a 429 fault injected with retryAfterSeconds looks the same to a client', async () => {
    const h = await startHarness();
    h.sandbox.faults.inject({ route: 'history_add', kind: 429, retryAfterSeconds: 7 });
    const res = await h.api('POST', '/sync/history', { body: play });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('x-ratelimit')).toBeTruthy();
    expect(h.sandbox.state.playsOf(JJK.slug, 1, 1)).toBe(0);
  });
});
