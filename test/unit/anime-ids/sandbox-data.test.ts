import { readFileSync } from 'node:fs';
import { loadAniListFixture, SAMPLE_ANILIST_FIXTURE, seededRandom } from '../../../local/sandbox/anilist';
import {
  buildSampleMappings,
  formatTraktSample,
  RENSETSU_MOVIES_SAMPLE_FILE,
  RENSETSU_TV_SAMPLE_FILE,
  reverseRanges,
  SAMPLE_MAPPINGS_FILE,
  TRAKT_SAMPLE_FILE,
  type TraktSample,
  traktSample,
} from '../../../local/sandbox/anime-ids/build';
import { FILLER_ANIME, SAMPLE_LIST_ANIME } from '../../../local/sandbox/anime-ids/sample-data';
import { extractAnibridge } from '../../../shared/anime-ids/anibridge';
import type { AnimeIdIndex } from '../../../shared/anime-ids/anime-id-index';
import { loadAnimeIdsFromFile } from '../../../shared/anime-ids/load';
import { placeEpisodes } from '../../../shared/anime-ids/ranges';
import { loadRensetsuFromFiles } from '../../../shared/anime-ids/rensetsu';

const span = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const trakt = JSON.parse(readFileSync(TRAKT_SAMPLE_FILE, 'utf8')) as TraktSample;
const sample = loadAniListFixture(SAMPLE_ANILIST_FIXTURE);

/** Whether the sandbox Trakt has this TMDB season and episode. */
function hasEpisode(tmdbShowId: number, season: number, episode: number): boolean {
  const show = trakt.shows.find((s) => s.ids.tmdb === tmdbShowId);
  return !!show?.seasons.find((s) => s.number === season)?.episodes.some((e) => e.number === episode);
}

describe('sandbox id datasets', () => {
  let index: AnimeIdIndex;
  beforeAll(async () => {
    index = await loadAnimeIdsFromFile(SAMPLE_MAPPINGS_FILE);
  });

  test('the committed files are what build.ts produces from sample-data.ts', () => {
    expect(readFileSync(SAMPLE_MAPPINGS_FILE, 'utf8')).toBe(`${buildSampleMappings()}\n`);
    expect(readFileSync(TRAKT_SAMPLE_FILE, 'utf8')).toBe(formatTraktSample(traktSample()));
  });

  test('the mapping file is an anibridge v3 object with both directions', () => {
    const raw = JSON.parse(readFileSync(SAMPLE_MAPPINGS_FILE, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(raw)[0]).toBe('$meta');
    expect(raw.$meta).toEqual({ schema_version: '3.0.3', generated_on: '2026-12-01T00:00:00Z' });
    expect(raw['anilist:145064']?.['tmdb_show:95479:s1']).toEqual({ '1-23': '25-47' });
    expect(raw['tmdb_show:95479:s1']?.['anilist:145064']).toEqual({ '25-47': '1-23' });
    expect(raw['mal:51009']?.['anilist:145064']).toEqual({ '1-23': '1-23' });
    const providers = new Set(Object.keys(raw).map((k) => k.split(':')[0]));
    expect(providers).toEqual(
      new Set(['$meta', 'anidb', 'anilist', 'imdb_movie', 'imdb_show', 'mal', 'tmdb_movie', 'tmdb_show', 'tvdb_show']),
    );
    expect(index.meta.stats).toMatchObject({ malformed: 0, unknown: 0, oversized: 0, duplicates: 0 });
    expect(index.meta.stats.ignored).toBeGreaterThan(10);
  });

  test('adversarial chunking of the sample file changes nothing', async () => {
    const bytes = readFileSync(SAMPLE_MAPPINGS_FILE);
    const whole = (await extractAnibridge([bytes])).text;
    const random = seededRandom(11);
    for (const size of [1, 2, 3, 7, 64, 4096, 0]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = size || 1 + Math.floor(random() * 300);
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      expect((await extractAnibridge(chunks)).text).toBe(whole);
    }
  });

  test('every real sample entry is in the dataset; the fictional one is not', () => {
    for (const entry of sample.entries) {
      const mapping = index.byAnilist(entry.mediaId);
      if (entry.mediaId === 900001) expect(mapping).toBeUndefined();
      else expect([entry.mediaId, mapping?.mal]).toEqual([entry.mediaId, [entry.media?.idMal ?? 35760]]);
    }
    // Shingeki no Kyojin Season 3 has no idMal on the list: the dataset fills it in.
    expect(sample.entries.find((e) => e.mediaId === 99147)?.media?.idMal).toBeNull();
    expect(index.anilistForMal(35760)).toEqual([99147]);
  });

  test('every completed sample entry is placed exactly, onto episodes the sandbox Trakt has', () => {
    let checked = 0;
    for (const entry of sample.entries.filter((e) => e.status === 'COMPLETED')) {
      const mapping = index.byAnilist(entry.mediaId)!;
      if (mapping.movies.length > 0) {
        expect(trakt.movies.some((m) => m.ids.tmdb === mapping.movies[0])).toBe(true);
        checked++;
        continue;
      }
      const placement = placeEpisodes(mapping.shows, entry.media!.episodes!);
      expect([entry.mediaId, placement.complete]).toEqual([entry.mediaId, true]);
      for (const play of placement.plays) {
        for (const ep of play.episodes)
          expect([entry.mediaId, hasEpisode(play.tmdbShowId, play.season, ep)]).toEqual([entry.mediaId, true]);
      }
      checked++;
    }
    expect(checked).toBe(16);
  });

  test('the tricky ones land where TMDB has them', () => {
    const place = (anilist: number, n: number) => placeEpisodes(index.byAnilist(anilist)!.shows, n).plays;
    expect(place(145064, 23)).toEqual([{ tmdbShowId: 95479, season: 1, episodes: span(25, 47) }]);
    expect(place(104578, 10)).toEqual([{ tmdbShowId: 1429, season: 3, episodes: span(13, 22) }]);
    expect(place(99147, 12)).toEqual([{ tmdbShowId: 1429, season: 3, episodes: span(1, 12) }]);
    expect(place(20958, 12)).toEqual([{ tmdbShowId: 1429, season: 2, episodes: span(1, 12) }]);
    expect(place(5680, 13)).toEqual([
      { tmdbShowId: 42253, season: 0, episodes: [1] },
      { tmdbShowId: 42253, season: 1, episodes: span(1, 12) },
    ]);
    const onePiece = place(21, 1100);
    expect(onePiece.map((p) => p.season)).toEqual(span(1, 22));
    expect(onePiece[1]).toEqual({ tmdbShowId: 37854, season: 2, episodes: span(62, 77) });
    expect(onePiece[21]).toEqual({ tmdbShowId: 37854, season: 22, episodes: span(1089, 1100) });
    expect(place(11061, 148).map((p) => [p.season, p.episodes[0], p.episodes.at(-1)])).toEqual([
      [1, 1, 62],
      [2, 63, 136],
      [3, 137, 148],
    ]);
  });

  test('shared TMDB shows know all their AniList media (the rating rule), single ones only theirs', () => {
    expect(index.anilistOnTmdbShow(1429)).toEqual([16498, 20958, 99147, 104578, 110277, 131681, 146984]);
    expect(index.anilistOnTmdbShow(95479)).toEqual([113415, 145064]);
    expect(index.anilistOnTmdbShow(37854)).toEqual([21, 2385]);
    expect(index.anilistOnTmdbShow(30991)).toEqual([1]);
  });

  test('every TMDB target of every mapping, fillers included, exists in the sandbox Trakt', () => {
    for (const media of [...SAMPLE_LIST_ANIME, ...FILLER_ANIME]) {
      const mapping = index.byAnilist(media.anilist)!;
      for (const movie of mapping.movies)
        expect([media.anilist, trakt.movies.some((m) => m.ids.tmdb === movie)]).toEqual([media.anilist, true]);
      if (mapping.shows.length === 0) continue;
      const n = media.episodes ?? 1100;
      const placement = placeEpisodes(mapping.shows, n);
      for (const play of placement.plays) {
        for (const ep of play.episodes)
          expect([media.anilist, play.season, ep, hasEpisode(play.tmdbShowId, play.season, ep)]).toEqual([
            media.anilist,
            play.season,
            ep,
            true,
          ]);
      }
    }
    // Kanketsu-hen: the edits map only its first episode (onto the specials); the second is not placed.
    expect(placeEpisodes(index.byAnilist(146984)!.shows, 2)).toMatchObject({ unmapped: [2], complete: false });
  });

  test('the sandbox Trakt: unique ids everywhere, shaped like Trakt answers', () => {
    const showIds = trakt.shows.map((s) => s.ids.trakt);
    const seasonIds = trakt.shows.flatMap((s) => s.seasons.map((x) => x.ids.trakt));
    const episodes = trakt.shows.flatMap((s) => s.seasons.flatMap((x) => x.episodes));
    for (const ids of [showIds, seasonIds, episodes.map((e) => e.ids.trakt), episodes.map((e) => e.ids.tvdb)]) {
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(new Set(episodes.map((e) => e.ids.tmdb)).size).toBe(episodes.length);
    const jjk = trakt.shows.find((s) => s.ids.slug === 'jujutsu-kaisen')!;
    expect(jjk.seasons.map((s) => [s.number, s.episodes.length])).toEqual([[1, 47]]);
    const aot = trakt.shows.find((s) => s.ids.tmdb === 1429)!;
    expect(aot.seasons.map((s) => [s.number, s.episodes.length])).toEqual([
      [0, 37],
      [1, 25],
      [2, 12],
      [3, 22],
      [4, 28],
    ]);
    expect(aot.seasons[2]?.episodes[0]).toMatchObject({ season: 2, number: 1, number_abs: 26 });
    const onePiece = trakt.shows.find((s) => s.ids.tmdb === 37854)!;
    expect(onePiece.seasons.find((s) => s.number === 2)?.episodes[0]).toMatchObject({ number: 62, number_abs: 62 });
    expect(Object.keys(trakt)).toEqual(['shows', 'movies', 'history', 'ratings']);
    expect(Object.keys(jjk.ids)).toEqual(['trakt', 'slug', 'tvdb', 'imdb', 'tmdb']);
    expect(Object.keys(jjk.seasons[0]!.episodes[0]!)).toEqual(['season', 'number', 'number_abs', 'title', 'ids']);
    expect(Object.keys(jjk.seasons[0]!.episodes[0]!.ids)).toEqual(['trakt', 'tvdb', 'tmdb', 'imdb']);
    expect(Object.keys(trakt.movies[0]!.ids)).toEqual(['trakt', 'slug', 'imdb', 'tmdb']);
  });

  test('the rensetsu subsets agree with the sandbox Trakt, wrong hints included', async () => {
    const rensetsu = await loadRensetsuFromFiles(RENSETSU_TV_SAMPLE_FILE, RENSETSU_MOVIES_SAMPLE_FILE);
    expect(rensetsu.meta).toMatchObject({ tv: { shows: 11 }, movies: { movies: 4 } });
    expect(rensetsu.show(51009)).toEqual({
      traktShowId: 158594,
      slug: 'jujutsu-kaisen',
      season: null,
      splitCour: true,
      tmdbShowId: 95479,
    });
    // A season that exists on Trakt but is wrong for the entry: validation must catch it, not the lookup.
    expect(rensetsu.show(38524)).toMatchObject({ traktShowId: 1420, season: 4, splitCour: false });
    for (const mal of [1, 21, 918, 5114, 11061, 16498, 25777, 35760, 38524, 40748, 51009]) {
      const hint = rensetsu.show(mal)!;
      const show = trakt.shows.find((s) => s.ids.trakt === hint.traktShowId);
      expect([mal, show?.ids.slug, show?.ids.tmdb]).toEqual([mal, hint.slug, hint.tmdbShowId]);
      if (hint.season !== null) expect(show?.seasons.some((s) => s.number === hint.season)).toBe(true);
    }
    for (const mal of [5, 199, 28851, 32281]) {
      const movie = rensetsu.movie(mal)!;
      expect(trakt.movies.find((m) => m.ids.trakt === movie.traktMovieId)?.ids.tmdb).toBe(movie.tmdbMovieId);
    }
  });

  test('reversing ranges', () => {
    expect(reverseRanges({ '1-23': '25-47', '1089-': '1089-', '5': null })).toEqual({
      '25-47': '1-23',
      '1089-': '1089-',
    });
    expect(reverseRanges({ '1-50': '1-25|-2', '1': '1-39|39' })).toEqual({ '1-25': '1-50|2', '1-39': '1|-39' });
    expect(reverseRanges({ '1-2': '1,3', '1-9': '1-7,8|2' })).toEqual({ '1': '1', '3': '2' });
  });
});
