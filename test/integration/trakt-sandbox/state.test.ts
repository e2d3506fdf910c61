import { join } from 'node:path';
import { startTraktSandbox, TraktFixtureError } from '../../../local/sandbox/trakt';
import { AOT, catalogue, episodeId, JJK, JJK0, ONE_PIECE } from './fixtures';
import { closeSandboxes, START, startHarness } from './helpers';

/** The state API tests and the demo use: seeding history and ratings, reading them back, tokens. */

afterEach(closeSandboxes);

describe('Trakt sandbox state', () => {
  test('a fixture with history and ratings serves them in the GET shapes, ids kept or assigned', async () => {
    const fixture = catalogue({
      history: [
        {
          id: 7_000_000_000,
          watched_at: '2023-05-05T05:05:05.000Z',
          action: 'scrobble',
          type: 'episode',
          episode: { season: 1, number: 3 },
          show: { ids: { slug: JJK.slug } },
        },
        {
          watched_at: '2024-01-01T00:00:00.000Z',
          type: 'episode',
          episode: { ids: { trakt: episodeId(ONE_PIECE.trakt, 2, 62) } },
        },
        { watched_at: null, type: 'movie', movie: { ids: { tmdb: JJK0.tmdb } } },
      ],
      ratings: [
        {
          rated_at: '2024-02-02T00:00:00.000Z',
          rating: 9,
          type: 'season',
          season: { number: 1 },
          show: { ids: { trakt: AOT.trakt } },
        },
        { rated_at: '2024-03-03T00:00:00.000Z', rating: 10, type: 'show', show: { ids: { trakt: JJK.trakt } } },
      ],
    });
    const h = await startHarness({ fixture });
    const { status, body } = await h.json<Record<string, unknown>[]>('GET', '/sync/history');
    expect(status).toBe(200);
    expect(body).toEqual(h.sandbox.state.history());
    expect(body.map((i) => [i.id, i.watched_at, i.action])).toEqual([
      [9_000_000_001, '2024-01-01T00:00:00.000Z', 'watch'],
      [7_000_000_000, '2023-05-05T05:05:05.000Z', 'scrobble'],
      [9_000_000_002, null, 'watch'],
    ]);
    expect((await h.json('GET', '/sync/ratings')).body).toEqual(h.sandbox.state.ratings());
    expect(h.sandbox.state.ratings().map((r) => r.type)).toEqual(['show', 'season']);
  });

  test('setHistory / setRatings replace the data, move last_activities, and name bad items by path', async () => {
    const h = await startHarness();
    h.clock.advance(1000);
    h.sandbox.state.setHistory([
      {
        watched_at: '2022-01-01T00:00:00Z',
        type: 'episode',
        episode: { season: 1, number: 1 },
        show: { ids: { trakt: AOT.trakt } },
      },
      {
        watched_at: '2022-01-02T00:00:00Z',
        type: 'episode',
        episode: { season: 1, number: 1 },
        show: { ids: { trakt: AOT.trakt } },
      },
    ]);
    expect(h.sandbox.state.playsOf(AOT.trakt, 1, 1)).toBe(2);
    expect(h.sandbox.state.episodePlays()).toEqual([
      { show: AOT.slug, season: 1, number: 1, traktId: episodeId(AOT.trakt, 1, 1), plays: 2 },
    ]);
    expect((h.sandbox.state.lastActivities().episodes as Record<string, string>).watched_at).toBe(
      new Date(START + 1000).toISOString(),
    );
    h.sandbox.state.setRatings([
      { rated_at: '2022-01-01T00:00:00Z', rating: 8, type: 'movie', movie: { ids: { trakt: JJK0.trakt } } },
    ]);
    expect(h.sandbox.state.ratings()).toHaveLength(1);
    let error: unknown;
    try {
      h.sandbox.state.setHistory([
        {
          watched_at: 'soon',
          type: 'episode',
          episode: { season: 1, number: 99 },
          show: { ids: { trakt: AOT.trakt } },
        },
      ]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TraktFixtureError);
    expect((error as TraktFixtureError).problems).toEqual([
      '$[0].watched_at: is "soon", but must be an ISO 8601 date-time',
      '$[0].episode: attack-on-titan has no episode 1x99',
    ]);
    expect(h.sandbox.state.playsOf(AOT.trakt, 1, 1)).toBe(2);
  });

  test('issueTokensDirectly returns what a client stores; tokens() counts them', async () => {
    const h = await startHarness();
    const tokens = h.sandbox.state.issueTokensDirectly();
    expect(tokens).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 604_800,
      tokenType: 'bearer',
      createdAt: START / 1000,
    });
    expect(h.sandbox.state.tokens()).toMatchObject({
      activeAccessTokens: 2,
      connectedApps: ['sandbox-trakt-client-id'],
    });
  });

  test('a fixture file that cannot be read fails the start, naming the file', async () => {
    const missing = join(__dirname, 'no-such-fixture.json');
    await expect(startTraktSandbox({ fixture: missing })).rejects.toThrow(/no-such-fixture\.json[\s\S]*cannot be read/);
  });
});
