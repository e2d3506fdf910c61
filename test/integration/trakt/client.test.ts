import { ReauthRequiredError, readTokens } from '../../../shared/auth/tokens';
import { TRAKT_PAGE_LIMIT, TRAKT_RETRY_POLICY } from '../../../shared/destinations/trakt/client';
import { TRAKT_USER_AGENT } from '../../../shared/destinations/trakt/constants';
import { TraktApiError, TraktUncertainWriteError } from '../../../shared/destinations/trakt/errors';
import type { HistoryBody } from '../../../shared/destinations/trakt/types';
import { JJK, JJK0, ONE_PIECE, range } from '../trakt-sandbox/fixtures';
import { allPages, CLIENT_ID, closeRigs, episodePlay, failure, startRig } from './helpers';

/** The Trakt client over real HTTP against the Trakt sandbox: headers, pages, retries, writes, tokens, pace. */

afterEach(closeRigs);

const HISTORY = '/sync/history';
const POST_HISTORY = 'POST /sync/history';
const oneEpisode: HistoryBody = {
  shows: [
    {
      ids: { trakt: JJK.trakt },
      seasons: [{ number: 1, episodes: [{ number: 1, watched_at: '2025-05-05T10:00:00Z' }] }],
    },
  ],
};
const rateJjk = { shows: [{ ids: { trakt: JJK.trakt }, rating: 8 }] };

describe('Trakt client: what every request carries', () => {
  test('reads and writes pass the sandbox header checks, with the app named in User-Agent', async () => {
    const rig = await startRig();
    await expect(rig.client.settings()).resolves.toEqual({ username: 'sandbox_user', vip: false });
    await expect(rig.client.addHistory(oneEpisode)).resolves.toMatchObject({ added: { episodes: 1, movies: 0 } });
    // Public calls go without a token, and still pass.
    expect(await rig.client.searchTmdb(JJK.tmdb, 'show')).toEqual([
      expect.objectContaining({ type: 'show', show: expect.objectContaining({ ids: expect.objectContaining(JJK) }) }),
    ]);

    // Node's fetch would add "User-Agent: node" by itself, so the header is checked as sent, too.
    expect(rig.sent.length).toBe(3);
    for (const request of rig.sent) {
      expect(request.headers).toMatchObject({
        'Content-Type': 'application/json',
        'User-Agent': TRAKT_USER_AGENT,
        'trakt-api-key': CLIENT_ID,
        'trakt-api-version': '2',
      });
    }
    expect(rig.sent[0]!.headers.Authorization).toMatch(/^Bearer sbx_at_/);
    expect(rig.sent[2]!.headers.Authorization).toBeUndefined();
    expect(rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
  });

  test('a client with another app id is refused (403, blocked), proving the key is what the sandbox checks', async () => {
    const rig = await startRig();
    const stranger = rig.makeClient({ clientId: 'not-an-app' });
    const err = await failure(stranger.searchTmdb(JJK.tmdb, 'show'));
    expect(err).toBeInstanceOf(TraktApiError);
    expect(err).toMatchObject({ status: 403, retryable: false, code: 'trakt_blocked' });
    expect((err as TraktApiError).blockedBy).toMatch(/client id is unknown or the app is disabled/);
    expect(rig.sandbox.counters.byRoute['GET /search/:id_type/:id']).toBe(1);
  });
});

describe('Trakt client: paged reads', () => {
  /** One Piece's 77 episodes (S1E1–61, S2E62–77), watched over and over, a minute apart. */
  const plays = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const number = (i % 77) + 1;
      const at = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
      return episodePlay(ONE_PIECE.trakt, number <= 61 ? 1 : 2, number, at);
    });

  test('the whole history in pages of 250, walked to X-Pagination-Page-Count', async () => {
    const rig = await startRig();
    rig.sandbox.state.setHistory(plays(600));
    const pages = await allPages(rig.client.history());
    expect(pages.map((p) => p.length)).toEqual([250, 250, 100]);
    const requests = rig.sentTo('GET', HISTORY);
    expect(requests.map((r) => [r.url.searchParams.get('page'), r.url.searchParams.get('limit')])).toEqual([
      ['1', String(TRAKT_PAGE_LIMIT)],
      ['2', '250'],
      ['3', '250'],
    ]);
    // Every play once, newest first as Trakt lists them.
    const ids = pages.flat().map((item) => item.id);
    expect(new Set(ids).size).toBe(600);
    expect(pages.flat().map((i) => i.watched_at)).toEqual(rig.sandbox.state.history().map((i) => i.watched_at));
  });

  test('a server that clamps the limit lower is walked by the page count it states, not by 250', async () => {
    const rig = await startRig({ sandbox: { maxPageLimit: 100 } });
    rig.sandbox.state.setHistory(plays(530));
    const pages = await allPages(rig.client.history());
    expect(pages.map((p) => p.length)).toEqual([100, 100, 100, 100, 100, 30]);
    expect(rig.sandbox.counters.byRoute['GET /sync/history']).toBe(6);
  });

  test('one show only: /sync/history/shows/{id}, and ratings paged too', async () => {
    const rig = await startRig();
    rig.sandbox.state.setHistory([...plays(300), episodePlay(JJK.trakt, 1, 3, '2025-01-01T00:00:00.000Z')]);
    const jjk = (await allPages(rig.client.history({ type: 'shows', id: JJK.trakt }))).flat();
    expect(jjk.map((i) => [i.show?.ids.trakt, i.episode?.season, i.episode?.number])).toEqual([[JJK.trakt, 1, 3]]);
    expect(rig.sentTo('GET', `/sync/history/shows/${JJK.trakt}`)).toHaveLength(1);

    rig.sandbox.state.setRatings([
      { rated_at: '2025-01-01T00:00:00.000Z', rating: 9, type: 'show', show: { ids: { trakt: JJK.trakt } } },
      { rated_at: '2025-01-02T00:00:00.000Z', rating: 7, type: 'movie', movie: { ids: { trakt: JJK0.trakt } } },
    ]);
    const ratings = (await allPages(rig.client.ratings())).flat();
    expect(ratings.map((r) => [r.type, r.rating])).toEqual([
      ['movie', 7],
      ['show', 9],
    ]);
    expect(rig.sentTo('GET', '/sync/ratings/all')[0]!.url.searchParams.get('limit')).toBe('250');
  });
});

describe('Trakt client: retries of reads', () => {
  test('a 429 with Retry-After is waited out (on the clock) and the GET retried', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'last_activities', kind: 429, retryAfterSeconds: 7 });
    const before = rig.clock.now();
    await expect(rig.client.lastActivities()).resolves.toMatchObject({ episodesWatchedAt: expect.any(String) });
    expect(rig.attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(rig.clock.now() - before).toBe(7_000);
  });

  test('a 429 storm that outlasts the policy ends as a typed, retryable rate-limit error', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'history', kind: 429, retryAfterSeconds: 2, times: 20 });
    const err = await failure(allPages(rig.client.history()));
    expect(err).toBeInstanceOf(TraktApiError);
    expect(err).toMatchObject({ code: 'trakt_rate_limited', status: 429, retryable: true, retryAfterMs: 2_000 });
    expect(rig.sandbox.counters.byRoute['GET /sync/history']).toBe(TRAKT_RETRY_POLICY.maxAttempts);
  });

  test('a Retry-After longer than the policy waits is not waited out: back at once, typed', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'settings', kind: 429, retryAfterSeconds: 300 });
    const before = rig.clock.now();
    const err = await failure(rig.client.settings());
    expect(err).toMatchObject({ code: 'trakt_rate_limited', retryAfterMs: 300_000 });
    expect(rig.sandbox.counters.byRoute['GET /users/settings']).toBe(1);
    expect(rig.clock.now()).toBe(before);
  });

  test('500 and CDN HTML pages (502, 520) on a GET are retried, then it succeeds', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject([
      { route: 'seasons', kind: 500 },
      { route: 'seasons', kind: 502 },
      { route: 'seasons', kind: 520 },
    ]);
    const seasons = await rig.client.seasons(JJK.trakt);
    expect(seasons.map((s) => [s.number, s.episodes?.length])).toEqual([
      [0, 1],
      [1, 47],
    ]);
    expect(rig.attempts.map((a) => a.status)).toEqual([500, 502, 520, 200]);
  });

  test.each([520, 521, 522, 523, 524])('Cloudflare origin error %i on a GET is retried', async (status) => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'settings', kind: status });
    await expect(rig.client.settings()).resolves.toMatchObject({ username: 'sandbox_user' });
    expect(rig.attempts.map((a) => a.status)).toEqual([status, 200]);
  });

  test('a CDN page that never goes away ends as a typed, retryable error naming the page, not a JSON crash', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'settings', kind: 522, times: 20 });
    const err = await failure(rig.client.settings());
    expect(err).toBeInstanceOf(TraktApiError);
    expect(err).toMatchObject({ code: 'trakt_unavailable', status: 522, retryable: true });
    expect((err as Error).message).toContain('page "Error 522: Connection timed out"');
    expect(rig.sandbox.counters.byRoute['GET /users/settings']).toBe(TRAKT_RETRY_POLICY.maxAttempts);
  });

  test('an HTML page with status 200 is a retryable bad response, never parsed as data', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({
      route: 'last_activities',
      kind: 'body',
      status: 200,
      body: '<html><title>Maintenance</title></html>',
      contentType: 'text/html',
    });
    const err = await failure(rig.client.lastActivities());
    expect(err).toMatchObject({ code: 'trakt_bad_response', retryable: true });
  });

  test("Cloudflare's block page (403 HTML) is not retried, and says what to check", async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'history', kind: 'html' });
    const err = await failure(allPages(rig.client.history()));
    expect(err).toMatchObject({ status: 403, retryable: false, code: 'trakt_blocked' });
    expect((err as TraktApiError).blockedBy).toMatch(/Cloudflare/);
    expect(rig.sandbox.counters.byRoute['GET /sync/history']).toBe(1);
  });
});

describe('Trakt client: history writes are never resent blindly', () => {
  test.each([
    ['the connection is reset', { kind: 'lost' as const }],
    ['a 503 CDN page comes back', { kind: 'lost' as const, status: 503 }],
    ['a 429 comes back', { kind: 'lost' as const, status: 429, retryAfterSeconds: 3 }],
  ])('applied, then the answer is lost (%s): one POST, one play, TraktUncertainWriteError', async (_what, fault) => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'history_add', ...fault });
    const err = await failure(rig.client.addHistory(oneEpisode));
    expect(err).toBeInstanceOf(TraktUncertainWriteError);
    expect(err).toMatchObject({ code: 'trakt_write_uncertain', retryable: true });
    expect(rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
    expect(rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
    if ('retryAfterSeconds' in fault) expect((err as TraktUncertainWriteError).retryAfterMs).toBe(3_000);
  });

  test('a POST that times out (never answered) is not resent', async () => {
    const rig = await startRig({ client: { timeoutMs: 300 } });
    rig.sandbox.faults.inject({ route: 'history_add', kind: 'timeout' });
    await expect(rig.client.addHistory(oneEpisode)).rejects.toBeInstanceOf(TraktUncertainWriteError);
    expect(rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
  });

  test('a 5xx that did not land is not resent either: the client cannot tell it from a lost answer', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'history_add', kind: 500 });
    const err = await failure(rig.client.addHistory(oneEpisode));
    expect(err).toBeInstanceOf(TraktUncertainWriteError);
    expect(rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
    expect(rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(0);
  });

  test('a removal whose answer is lost is not resent either', async () => {
    const rig = await startRig();
    rig.sandbox.state.setHistory([episodePlay(JJK.trakt, 1, 1, '2025-01-01T00:00:00.000Z')]);
    rig.sandbox.faults.inject({ route: 'history_remove', kind: 'lost', status: 502 });
    const [item] = rig.sandbox.state.history() as { id: number }[];
    await expect(rig.client.removeHistory({ ids: [item!.id] })).rejects.toBeInstanceOf(TraktUncertainWriteError);
    expect(rig.sandbox.counters.byRoute['POST /sync/history/remove']).toBe(1);
    expect(rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(0);
  });

  test('ratings, which are idempotent, are retried after a 503', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'ratings_add', kind: 503 });
    await rig.client.addRatings(rateJjk);
    expect(rig.sandbox.counters.byRoute['POST /sync/ratings']).toBe(2);
    expect(rig.sandbox.state.ratings()).toEqual([expect.objectContaining({ type: 'show', rating: 8 })]);
  });

  test('the answer to a successful add is read: added counts and not_found ids', async () => {
    const rig = await startRig();
    const result = await rig.client.addHistory({
      shows: [
        {
          ids: { trakt: JJK.trakt },
          seasons: [{ number: 1, episodes: range(1, 3).map((number) => ({ number, watched_at: 'unknown' as const })) }],
        },
        { ids: { trakt: 999_999 }, seasons: [{ number: 1, episodes: [{ number: 1 }] }] },
      ],
      movies: [{ ids: { trakt: JJK0.trakt }, watched_at: '2022-01-01T00:00:00Z' }],
    });
    expect(result).toEqual({
      added: { episodes: 3, movies: 1 },
      notFound: { shows: [999_999], movies: [], episodes: 0 },
    });
  });
});

describe('Trakt client: tokens', () => {
  test('a 401 costs one refresh through the token endpoint, then the call succeeds with the new token', async () => {
    const rig = await startRig();
    const before = (await readTokens(rig.store, 'trakt')).tokens!;
    rig.sandbox.state.expireAccessTokens();
    await expect(rig.client.settings()).resolves.toMatchObject({ username: 'sandbox_user' });
    expect(rig.sandbox.state.tokens().refreshes).toBe(1);
    expect(rig.sandbox.counters.byRoute['GET /users/settings']).toBe(2);
    expect(rig.sandbox.counters.byRoute['POST /oauth/token']).toBe(1);
    const after = (await readTokens(rig.store, 'trakt')).tokens!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(rig.sentTo('GET', '/users/settings')[1]!.headers.Authorization).toBe(`Bearer ${after.accessToken}`);
  });

  test('a history POST refused with 401 was not applied: after the refresh it is sent once more, one play', async () => {
    const rig = await startRig();
    rig.sandbox.state.expireAccessTokens();
    await expect(rig.client.addHistory(oneEpisode)).resolves.toMatchObject({ added: { episodes: 1 } });
    expect(rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(2);
    expect(rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
  });

  test('a second 401 after the refresh is ReauthRequiredError, with no second refresh', async () => {
    const rig = await startRig();
    rig.sandbox.faults.inject({ route: 'settings', kind: 401, times: 5 });
    const err = await failure(rig.client.settings());
    expect(err).toBeInstanceOf(ReauthRequiredError);
    expect(err).toMatchObject({ code: 'reauth_required', reason: 'invalid_grant', retryable: false });
    expect(rig.sandbox.state.tokens().refreshes).toBe(1);
    expect(rig.sandbox.counters.byRoute['GET /users/settings']).toBe(2);
  });

  test('a revoked grant: the refresh is refused, the call ends in ReauthRequiredError and the tokens are marked', async () => {
    const rig = await startRig();
    rig.sandbox.state.revokeAllTokens();
    const err = await failure(rig.client.lastActivities());
    expect(err).toBeInstanceOf(ReauthRequiredError);
    expect(err).toMatchObject({ reason: 'invalid_grant' });
    expect((await readTokens(rig.store, 'trakt')).tokens?.invalid?.reason).toBe('invalid_grant');
    expect(rig.sandbox.counters.byRoute['GET /sync/last_activities']).toBe(1);
  });
});

describe('Trakt client: answers a person must act on', () => {
  test.each([
    [420, /account limit is reached \(HTTP 420, limit 100000\)/],
    [423, /locked the account \(HTTP 423\)/],
    [426, /VIP only.*trakt\.tv\/vip/],
  ])('%i on a GET and on a POST: blockedBy, not retried', async (status, reason) => {
    const rig = await startRig();
    rig.sandbox.faults.inject([
      { route: 'history', kind: status },
      { route: 'ratings_add', kind: status },
      { route: 'history_add', kind: status },
    ]);
    for (const call of [
      () => allPages(rig.client.history()),
      () => rig.client.addRatings(rateJjk),
      () => rig.client.addHistory(oneEpisode),
    ]) {
      const err = await failure(call());
      expect(err).toBeInstanceOf(TraktApiError);
      expect(err).toMatchObject({ status, retryable: false, code: 'trakt_blocked' });
      expect((err as TraktApiError).blockedBy).toMatch(reason);
    }
    expect(rig.sandbox.counters.byRoute).toMatchObject({
      'GET /sync/history': 1,
      'POST /sync/ratings': 1,
      'POST /sync/history': 1,
    });
    expect(rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(0);
  });
});

describe('Trakt client: pace', () => {
  test('POSTs are spaced at postsPerMinute on the clock, so the sandbox (1 write a second) never answers 429', async () => {
    const rig = await startRig({ sandbox: { rateLimits: {} } });
    const client = rig.makeClient({ postsPerMinute: 60 });
    const before = rig.clock.now();
    for (let i = 0; i < 4; i++) await client.addRatings({ shows: [{ ids: { trakt: JJK.trakt }, rating: i + 1 }] });
    expect(rig.clock.now() - before).toBe(3_000);
    expect(rig.sandbox.counters.rateLimited).toBe(0);

    rig.clock.advance(1_000);
    const slow = rig.makeClient({ postsPerMinute: 20 });
    const start = rig.clock.now();
    await slow.addRatings(rateJjk);
    await slow.addRatings(rateJjk);
    expect(rig.clock.now() - start).toBe(3_000);
    expect(rig.sandbox.counters.rateLimited).toBe(0);
  });

  test('GETs have their own budget: reads between writes do not delay the next write', async () => {
    const rig = await startRig();
    const client = rig.makeClient({ postsPerMinute: 60, getsPerMinute: 0 });
    const before = rig.clock.now();
    await client.addRatings(rateJjk);
    await client.lastActivities();
    await client.settings();
    await client.addRatings(rateJjk);
    expect(rig.clock.now() - before).toBe(1_000);
  });

  test('without pacing the sandbox limit does bite (the pace test above can fail)', async () => {
    const rig = await startRig({ sandbox: { rateLimits: {} } });
    const client = rig.makeClient({ postsPerMinute: 0 });
    await client.addRatings(rateJjk);
    await client.addRatings(rateJjk);
    expect(rig.sandbox.counters.rateLimited).toBe(1);
  });
});
