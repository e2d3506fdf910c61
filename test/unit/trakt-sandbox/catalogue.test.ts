import { loadTraktFixture } from '../../../local/sandbox/trakt';
import { hasAired } from '../../../local/sandbox/trakt/catalogue';
import {
  AOT,
  COLLIDING_MOVIE,
  catalogue,
  episodeId,
  JJK,
  JJK0,
  ONE_PIECE,
  seasonId,
} from '../../integration/trakt-sandbox/fixtures';

/** Id lookups as write bodies and searches use them. */

const { catalogue: c } = loadTraktFixture(catalogue());

describe('Trakt catalogue', () => {
  test('shows by any one of trakt, slug, imdb, tmdb, tvdb; ids may come as numeric strings', () => {
    for (const ids of [
      { trakt: AOT.trakt },
      { slug: AOT.slug },
      { imdb: AOT.imdb },
      { tmdb: AOT.tmdb },
      { tvdb: AOT.tvdb },
      { tmdb: String(AOT.tmdb) },
    ]) {
      expect(c.findShow(ids)?.ids.trakt).toBe(AOT.trakt);
    }
    expect(c.findShow({ trakt: 424242, slug: JJK.slug })?.ids.trakt).toBe(JJK.trakt);
    expect(c.findShow({})).toBeUndefined();
    expect(c.findShow(undefined)).toBeUndefined();
  });

  test('movies never by TVDB; the TMDB id a show shares finds the movie among movies', () => {
    expect(c.findMovie({ tmdb: AOT.tmdb })?.ids.trakt).toBe(COLLIDING_MOVIE.trakt);
    expect(c.findMovie({ imdb: JJK0.imdb })?.ids.trakt).toBe(JJK0.trakt);
    expect(c.findMovie({ tvdb: AOT.tvdb })).toBeUndefined();
  });

  test('seasons by trakt, tvdb, tmdb; episodes by trakt or tvdb only', () => {
    expect(c.findSeason({ tmdb: seasonId(AOT.trakt, 2) + 9_000_000 })?.season.number).toBe(2);
    const ep = episodeId(ONE_PIECE.trakt, 2, 70);
    expect(c.findEpisode({ trakt: ep })?.episode).toMatchObject({ season: 2, number: 70, number_abs: 70 });
    expect(c.findEpisode({ tvdb: ep + 500_000_000 })?.episode.number).toBe(70);
    expect(c.findEpisode({ tmdb: 1 })).toBeUndefined();
  });

  test('search finds every kind carrying the id', () => {
    expect(c.search('tmdb', String(AOT.tmdb)).map((hit) => hit.type)).toEqual(['show', 'movie']);
    expect(c.search('imdb', JJK.imdb).map((hit) => hit.type)).toEqual(['show']);
    expect(c.search('tmdb', 'abc')).toEqual([]);
  });

  test('shows by path id: Trakt id, slug or IMDb id', () => {
    expect(c.showByPathId(String(ONE_PIECE.trakt))?.title).toBe('One Piece');
    expect(c.showByPathId(ONE_PIECE.slug)?.title).toBe('One Piece');
    expect(c.showByPathId(ONE_PIECE.imdb)?.title).toBe('One Piece');
  });

  test('aired: no first_aired counts as aired; null or a future date does not', () => {
    const now = Date.UTC(2026, 0, 1);
    const base = {
      season: 1,
      number: 1,
      number_abs: null,
      title: null,
      ids: { trakt: 1, tvdb: null, imdb: null, tmdb: null },
      runtime: null,
    };
    expect(hasAired(base, now)).toBe(true);
    expect(hasAired({ ...base, first_aired: null }, now)).toBe(false);
    expect(hasAired({ ...base, first_aired: '2025-12-31T00:00:00.000Z' }, now)).toBe(true);
    expect(hasAired({ ...base, first_aired: '2026-01-02T00:00:00.000Z' }, now)).toBe(false);
  });
});
