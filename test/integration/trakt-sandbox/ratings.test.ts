import { AOT, episodeId, JJK, JJK0, ONE_PIECE, seasonId } from './fixtures';
import { closeSandboxes, type Harness, startHarness } from './helpers';

/** POST /sync/ratings (upsert), its removal, and GET /sync/ratings. */

afterEach(closeSandboxes);

interface RatingItem {
  rated_at: string;
  rating: number;
  type: string;
  show?: { ids: { trakt: number } };
  season?: { number: number };
  episode?: { number: number };
  movie?: { ids: { trakt: number } };
}

async function rate(h: Harness, body: unknown) {
  return h.json<{ added: Record<string, number>; not_found: Record<string, unknown[]> }>('POST', '/sync/ratings', {
    body,
  });
}

describe('Trakt sandbox ratings', () => {
  test('a show with seasons rates the season; a show alone rates the show; movies and episodes too', async () => {
    const h = await startHarness();
    const res = await rate(h, {
      shows: [
        { ids: { trakt: AOT.trakt }, seasons: [{ number: 3, rating: 9 }] },
        { ids: { trakt: JJK.trakt }, rating: 8, rated_at: '2024-02-02T02:02:02Z' },
        { ids: { trakt: ONE_PIECE.trakt }, seasons: [{ number: 1, episodes: [{ number: 1, rating: 10 }] }] },
      ],
      movies: [{ ids: { tmdb: JJK0.tmdb }, rating: 7 }],
      seasons: [{ ids: { trakt: seasonId(AOT.trakt, 1) }, rating: 6 }],
      episodes: [{ ids: { trakt: 1 }, rating: 5 }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      added: { movies: 1, shows: 1, seasons: 2, episodes: 1 },
      not_found: { movies: [], shows: [], seasons: [], episodes: [{ ids: { trakt: 1 }, rating: 5 }] },
    });
    const items = h.sandbox.state.ratings() as unknown as RatingItem[];
    expect(items.map((i) => [i.type, i.rating]).sort()).toEqual([
      ['episode', 10],
      ['movie', 7],
      ['season', 6],
      ['season', 9],
      ['show', 8],
    ]);
    expect(items.find((i) => i.type === 'show')?.rated_at).toBe('2024-02-02T02:02:02.000Z');
    expect(items.find((i) => i.type === 'season' && i.rating === 9)).toMatchObject({
      season: { number: 3, ids: { trakt: seasonId(AOT.trakt, 3) } },
      show: { ids: { trakt: AOT.trakt } },
    });
  });

  test('rating again replaces the rating (one per item)', async () => {
    const h = await startHarness();
    await rate(h, { movies: [{ ids: { trakt: JJK0.trakt }, rating: 7 }] });
    h.clock.advance(5000);
    await rate(h, { movies: [{ ids: { trakt: JJK0.trakt }, rating: 9 }] });
    const items = h.sandbox.state.ratings() as unknown as RatingItem[];
    expect(items).toEqual([
      expect.objectContaining({ type: 'movie', rating: 9, rated_at: '2026-03-01T12:00:05.000Z' }),
    ]);
  });

  test('a rating that is not a whole number 1–10 is refused 422 (or 400) and nothing is rated', async () => {
    for (const [options, status] of [
      [{}, 422],
      [{ invalidRatingStatus: 400 as const }, 400],
    ] as const) {
      const h = await startHarness(options);
      for (const rating of [0, 11, 7.5, '8', undefined]) {
        const body = {
          movies: [
            { ids: { trakt: JJK0.trakt }, rating: 5 },
            { ids: { trakt: JJK0.trakt }, rating },
          ],
        };
        expect((await h.api('POST', '/sync/ratings', { body })).status).toBe(status);
      }
      expect(h.sandbox.state.ratings()).toEqual([]);
    }
  });

  test('remove: deleted counts what was rated; unknown objects come back', async () => {
    const h = await startHarness();
    await rate(h, {
      shows: [
        {
          ids: { trakt: AOT.trakt },
          rating: 9,
          seasons: [
            { number: 1, rating: 8 },
            { number: 2, rating: 7 },
          ],
        },
      ],
    });
    const res = await h.json<Record<string, unknown>>('POST', '/sync/ratings/remove', {
      body: {
        shows: [{ ids: { trakt: AOT.trakt }, seasons: [{ number: 1 }, { number: 3 }] }],
        movies: [{ ids: { trakt: 1 } }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      deleted: { movies: 0, shows: 0, seasons: 1, episodes: 0 },
      not_found: { movies: [{ ids: { trakt: 1 } }], shows: [], seasons: [], episodes: [] },
    });
    const bare = await h.json<{ deleted: Record<string, number> }>('POST', '/sync/ratings/remove', {
      body: { shows: [{ ids: { trakt: AOT.trakt } }] },
    });
    expect(bare.body.deleted).toEqual({ movies: 0, shows: 1, seasons: 0, episodes: 0 });
    expect((h.sandbox.state.ratings() as unknown as RatingItem[]).map((i) => i.season?.number)).toEqual([2]);
  });

  test('GET by type and by rating (one or a list); everything unless page/limit, then pages clamped to 250', async () => {
    const h = await startHarness();
    const episodes = Array.from({ length: 47 }, (_, i) => ({ number: i + 1, rating: (i % 10) + 1 }));
    await rate(h, { shows: [{ ids: { trakt: JJK.trakt }, rating: 10, seasons: [{ number: 1, episodes }] }] });
    const all = await h.json<RatingItem[]>('GET', '/sync/ratings');
    expect(all.body).toHaveLength(48);
    expect(all.res.headers.get('x-pagination-page')).toBeNull();
    expect((await h.json<RatingItem[]>('GET', '/sync/ratings/shows')).body.map((i) => i.type)).toEqual(['show']);
    expect((await h.json<RatingItem[]>('GET', '/sync/ratings/episodes/10')).body).toHaveLength(4);
    // Episodes rated 9 or 10 (4 each), and the show.
    expect((await h.json<RatingItem[]>('GET', '/sync/ratings/all/9,10')).body).toHaveLength(9);
    const page = await h.json<RatingItem[]>('GET', '/sync/ratings/episodes?page=2&limit=20');
    expect(page.body).toHaveLength(20);
    expect(page.res.headers.get('x-pagination-page-count')).toBe('3');
    const clamped = await h.json<RatingItem[]>('GET', '/sync/ratings/all?limit=10000');
    expect(clamped.res.headers.get('x-pagination-limit')).toBe('250');
    expect((await h.api('GET', '/sync/ratings/all/11')).status).toBe(400);
    expect((await h.api('GET', '/sync/ratings/people')).status).toBe(404);
  });

  test('the ratings cap (10K free, 20K VIP by default) answers 420; re-rating does not count', async () => {
    const h = await startHarness({ accountLimits: { ratingsFree: 2 } });
    await rate(h, { episodes: [1, 2].map((n) => ({ ids: { trakt: episodeId(JJK.trakt, 1, n) }, rating: 5 })) });
    expect((await rate(h, { episodes: [{ ids: { trakt: episodeId(JJK.trakt, 1, 1) }, rating: 6 }] })).status).toBe(201);
    const res = await h.api('POST', '/sync/ratings', {
      body: { episodes: [{ ids: { trakt: episodeId(JJK.trakt, 1, 3) }, rating: 5 }] },
    });
    expect(res.status).toBe(420);
    expect(res.headers.get('x-account-limit')).toBe('2');
  });

  test('last_activities: each kind of rating moves its own rated_at and all', async () => {
    const h = await startHarness();
    h.clock.advance(60_000);
    await rate(h, { shows: [{ ids: { trakt: AOT.trakt }, seasons: [{ number: 1, rating: 8 }] }] });
    const body = (await h.json<Record<string, Record<string, string>>>('GET', '/sync/last_activities')).body;
    expect(body.seasons!.rated_at).toBe('2026-03-01T12:01:00.000Z');
    expect(body.shows!.rated_at).toBe('2026-03-01T12:00:00.000Z');
    expect(body.all as unknown).toBe('2026-03-01T12:01:00.000Z');
    h.clock.advance(60_000);
    await h.api('POST', '/sync/ratings/remove', { body: { seasons: [{ ids: { trakt: seasonId(AOT.trakt, 1) } }] } });
    const after = (await h.json<Record<string, Record<string, string>>>('GET', '/sync/last_activities')).body;
    expect(after.seasons!.rated_at).toBe('2026-03-01T12:02:00.000Z');
  });
});
