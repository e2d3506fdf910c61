import { AOT, COLLIDING_MOVIE, episodeId, JJK, ONE_PIECE, range, SPLIT } from './fixtures';
import { closeSandboxes, startHarness } from './helpers';

/** Id lookups and seasons: what a client validates its anime → Trakt mapping against. */

afterEach(closeSandboxes);

interface Hit {
  type: string;
  score: number | null;
  show?: { ids: { trakt: number } };
  movie?: { ids: { trakt: number } };
  episode?: { season: number; number: number };
}

interface SeasonBody {
  number: number;
  ids: { trakt: number };
  episode_count?: number;
  aired_episodes?: number;
  episodes?: { season: number; number: number; number_abs?: number | null; ids: { trakt: number } }[];
}

describe('Trakt sandbox search by id', () => {
  test('a TMDB id a show and a movie share: both without type, one with type', async () => {
    const h = await startHarness();
    const both = await h.json<Hit[]>('GET', `/search/tmdb/${AOT.tmdb}`, { token: null });
    expect(both.status).toBe(200);
    expect(both.body.map((hit) => [hit.type, hit.show?.ids.trakt ?? hit.movie?.ids.trakt]).sort()).toEqual([
      ['movie', COLLIDING_MOVIE.trakt],
      ['show', AOT.trakt],
    ]);
    const shows = await h.json<Hit[]>('GET', `/search/tmdb/${AOT.tmdb}?type=show`);
    expect(shows.body).toEqual([
      { type: 'show', score: null, show: { title: 'Attack on Titan', year: 2013, ids: AOT } },
    ]);
    const movies = await h.json<Hit[]>('GET', `/search/tmdb/${AOT.tmdb}?type=movie`);
    expect(movies.body.map((hit) => hit.movie?.ids.trakt)).toEqual([COLLIDING_MOVIE.trakt]);
  });

  test('by trakt, tvdb and imdb id; episodes by their own ids', async () => {
    const h = await startHarness();
    expect((await h.json<Hit[]>('GET', `/search/trakt/${JJK.trakt}?type=show`)).body[0]?.show?.ids.trakt).toBe(
      JJK.trakt,
    );
    expect((await h.json<Hit[]>('GET', `/search/tvdb/${ONE_PIECE.tvdb}?type=show`)).body[0]?.show?.ids.trakt).toBe(
      ONE_PIECE.trakt,
    );
    expect((await h.json<Hit[]>('GET', `/search/imdb/${JJK.imdb}`)).body.map((hit) => hit.type)).toEqual(['show']);
    const episode = await h.json<Hit[]>('GET', `/search/trakt/${episodeId(ONE_PIECE.trakt, 2, 62)}?type=episode`);
    expect(episode.body[0]).toMatchObject({ type: 'episode', episode: { season: 2, number: 62 } });
  });

  test('an unknown id is 200 [] (or 404 when told); an unknown id type is 404', async () => {
    const h = await startHarness();
    const none = await h.json<Hit[]>('GET', '/search/tmdb/999999?type=show');
    expect(none).toMatchObject({ status: 200, body: [] });
    expect((await h.api('GET', '/search/mal/1')).status).toBe(404);
    const strict = await startHarness({ searchNotFound: '404' });
    expect((await strict.api('GET', '/search/tmdb/999999?type=show')).status).toBe(404);
  });
});

describe('Trakt sandbox seasons', () => {
  test('seasons by slug or Trakt id, season 0 (specials) first', async () => {
    const h = await startHarness();
    const bySlug = await h.json<SeasonBody[]>('GET', `/shows/${AOT.slug}/seasons`, { token: null });
    expect(bySlug.body.map((s) => s.number)).toEqual([0, 1, 2, 3, 4]);
    expect(bySlug.body[0]).toEqual({ number: 0, ids: { trakt: 300300, tvdb: 7300300, tmdb: 9300300 } });
    const byId = await h.json<SeasonBody[]>('GET', `/shows/${AOT.trakt}/seasons`);
    expect(byId.body).toEqual(bySlug.body);
    expect((await h.api('GET', '/shows/no-such-show/seasons')).status).toBe(404);
  });

  test('extended=episodes embeds every episode: 47 in a JJK-like season 1', async () => {
    const h = await startHarness();
    const { body } = await h.json<SeasonBody[]>('GET', `/shows/${JJK.slug}/seasons?extended=episodes`);
    const season1 = body.find((s) => s.number === 1)!;
    expect(season1.episodes!.map((e) => e.number)).toEqual(range(1, 47));
    expect(season1.episodes![46]).toEqual({
      season: 1,
      number: 47,
      title: 'Episode 47',
      ids: {
        trakt: episodeId(JJK.trakt, 1, 47),
        tvdb: episodeId(JJK.trakt, 1, 47) + 500_000_000,
        imdb: null,
        tmdb: null,
      },
    });
  });

  test('extended=full,episodes: a long runner keeps absolute numbers inside seasons; counts exclude unaired episodes', async () => {
    const h = await startHarness();
    const { body } = await h.json<SeasonBody[]>('GET', `/shows/${ONE_PIECE.slug}/seasons?extended=full,episodes`);
    const season2 = body.find((s) => s.number === 2)!;
    expect(season2.episodes!.map((e) => [e.number, e.number_abs])).toEqual(range(62, 77).map((n) => [n, n]));
    expect(season2).toMatchObject({ episode_count: 16, aired_episodes: 16 });
    const split = await h.json<SeasonBody[]>('GET', `/shows/${SPLIT.slug}/seasons?extended=full`);
    expect(split.body.map((s) => [s.number, s.episode_count, s.aired_episodes])).toEqual([
      [1, 25, 25],
      [2, 2, 0],
    ]);
  });
});
