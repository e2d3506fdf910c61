import { join, relative, resolve } from 'node:path';
import {
  defaultTraktFixturePath,
  loadTraktFixture,
  type TraktFixture,
  TraktFixtureError,
} from '../../../local/sandbox/trakt';

/** The fixture reader: from a path or an object, every problem reported with its JSON path. */

function problemsOf(fixture: unknown): readonly string[] {
  try {
    loadTraktFixture(fixture as TraktFixture);
  } catch (err) {
    if (err instanceof TraktFixtureError) return err.problems;
    throw err;
  }
  throw new Error('the fixture was accepted');
}

const show = (extra: Record<string, unknown> = {}) => ({
  title: 'Show',
  year: 2020,
  ids: { trakt: 1, slug: 'show' },
  seasons: [
    {
      number: 1,
      ids: { trakt: 101 },
      episodes: [
        { season: 1, number: 1, ids: { trakt: 10101 } },
        { season: 1, number: 2, ids: { trakt: 10102 } },
      ],
    },
  ],
  ...extra,
});

describe('Trakt fixture', () => {
  test('reads a file: catalogue, history and ratings resolved against it', () => {
    const loaded = loadTraktFixture(join(__dirname, 'mini-fixture.json'));
    expect(loaded.catalogue.findShow({ tvdb: 111 })?.title).toBe('Mini Show');
    expect(loaded.catalogue.findMovie({ tmdb: 1111 })?.title).toBe('Mini Movie');
    expect(loaded.history).toEqual([
      expect.objectContaining({ id: 5, watchedAt: Date.UTC(2024, 5, 1, 20), action: 'watch' }),
    ]);
    expect(loaded.history[0]!.target).toMatchObject({
      kind: 'episode',
      ref: { episode: { number: 2, number_abs: 2 } },
    });
    expect(loaded.ratings).toEqual([
      expect.objectContaining({ rating: 8, target: expect.objectContaining({ kind: 'movie' }) }),
    ]);
  });

  test('the default is the sample under local/sandbox/data/anime-ids, resolved without reading it', () => {
    const path = defaultTraktFixturePath();
    expect(relative(resolve(__dirname, '../../..'), path)).toBe(
      join('local', 'sandbox', 'data', 'anime-ids', 'trakt-sample.json'),
    );
  });

  test('an empty object is an empty catalogue', () => {
    const loaded = loadTraktFixture({});
    expect(loaded.catalogue.shows).toEqual([]);
    expect(loaded.history).toEqual([]);
  });

  test('every problem of the catalogue, with its JSON path', () => {
    expect(
      problemsOf({
        shows: [
          show(),
          show({ ids: { trakt: 1, slug: '123' }, title: '' }),
          {
            title: 'Bad seasons',
            ids: { trakt: 3, slug: 'bad-seasons', imdb: 'nm0001' },
            seasons: [
              { number: -1, ids: { trakt: 101 }, episodes: [{ season: 2, number: 1, ids: { trakt: 'x' } }] },
              { number: 3, ids: { trakt: 304 }, episodes: [{ season: 2, number: 1, ids: { trakt: 30401 } }] },
              {
                number: 2,
                ids: { trakt: 302 },
                episodes: [
                  { number: 1, ids: { trakt: 30201 }, first_aired: 'soon' },
                  { number: 1, ids: { trakt: 30202 } },
                ],
              },
              { number: 2, ids: { trakt: 303 } },
            ],
          },
        ],
        movies: [{ title: 'M', ids: { slug: 'm' }, released: '2020' }],
        extra: [],
      }),
    ).toEqual([
      '$.extra: is not a fixture key',
      '$.shows[1].title: is "", but must be non-empty text',
      '$.shows[1].ids.trakt: repeats the show ids.trakt of $.shows[0].ids.trakt',
      '$.shows[1].ids.slug: is "123", but must not be all digits (it would read as a Trakt id)',
      '$.shows[1].seasons[0].ids.trakt: repeats the season ids.trakt of $.shows[0].seasons[0].ids.trakt',
      '$.shows[1].seasons[0].episodes[0].ids.trakt: repeats the episode ids.trakt of $.shows[0].seasons[0].episodes[0].ids.trakt',
      '$.shows[1].seasons[0].episodes[1].ids.trakt: repeats the episode ids.trakt of $.shows[0].seasons[0].episodes[1].ids.trakt',
      '$.shows[2].seasons[0].number: -1 is below 0',
      '$.shows[2].seasons[0].ids.trakt: repeats the season ids.trakt of $.shows[0].seasons[0].ids.trakt',
      '$.shows[2].seasons[0].episodes[0].ids.trakt: is "x", but must be a whole number ≥ 1',
      '$.shows[2].seasons[1].episodes[0].season: is 2, but must be 3, its season',
      '$.shows[2].seasons[2].episodes[0].first_aired: is "soon", but must be an ISO 8601 date-time or null',
      '$.shows[2].seasons[2].episodes[1].number: repeats episode 1 of this season',
      '$.shows[2].seasons[3].number: repeats season 2 of this show',
      '$.shows[2].ids.imdb: is "nm0001", but must be an IMDb id like "tt0903747", or null',
      '$.movies[0].ids.trakt: is missing; it must be a whole number ≥ 1',
      '$.movies[0].released: is "2020", but must be YYYY-MM-DD or null',
    ]);
  });

  test('history and ratings items that name nothing in the catalogue, or carry bad values', () => {
    expect(
      problemsOf({
        shows: [show()],
        history: [
          {
            type: 'episode',
            watched_at: '2024-01-01T00:00:00Z',
            episode: { season: 1, number: 3 },
            show: { ids: { trakt: 1 } },
          },
          { type: 'episode', watched_at: 'yesterday', episode: { ids: { trakt: 999 } } },
          { type: 'movie', watched_at: null, movie: { ids: { trakt: 5 } }, action: 'binge', id: 0 },
          { type: 'season', watched_at: null },
          { id: 7, type: 'episode', watched_at: null, episode: { ids: { trakt: 10101 } } },
          { id: 7, type: 'episode', watched_at: null, episode: { ids: { trakt: 10102 } } },
        ],
        ratings: [
          { type: 'show', rating: 11, rated_at: '2024-01-01T00:00:00Z', show: { ids: { slug: 'show' } } },
          { type: 'season', rating: 5, season: { number: 4 }, show: { ids: { slug: 'show' } } },
          { type: 'show', rating: 6, rated_at: '2024-01-01T00:00:00Z', show: { ids: { trakt: 1 } } },
        ],
      }),
    ).toEqual([
      '$.history[0].episode: show has no episode 1x3',
      '$.history[1].watched_at: is "yesterday", but must be an ISO 8601 date-time',
      '$.history[1].episode.ids: names no episode of the catalogue',
      '$.history[2].id: 0 is below 1',
      '$.history[2].action: is "binge", but must be watch, scrobble or checkin',
      '$.history[2].movie.ids: names no movie of the catalogue',
      '$.history[3].type: is "season", but must be "episode" or "movie"',
      '$.history[5].id: repeats the history id of $.history[4].id',
      '$.ratings[0].rating: 11 is above 10',
      '$.ratings[1].rated_at: is missing; it must be an ISO 8601 date-time',
      '$.ratings[1].season: show has no season 4',
      '$.ratings[2]: repeats the rated item of $.ratings[0]',
    ]);
  });

  test('a fixture that is not an object, or whose lists are not lists', () => {
    expect(problemsOf([])).toEqual(['$: is [], but must be an object']);
    expect(problemsOf({ shows: {}, movies: 'none' })).toEqual([
      '$.shows: is {}, but must be an array',
      '$.movies: is "none", but must be an array',
    ]);
  });

  test('a file that is not JSON', () => {
    expect(() => loadTraktFixture(join(__dirname, 'fixture.test.ts'))).toThrow(/is not valid JSON/);
  });
});
