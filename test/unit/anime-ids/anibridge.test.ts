import {
  AnibridgeExtractor,
  AnimeIdsTruncatedError,
  animeIdsFrom,
  extractAnibridge,
} from '../../../shared/anime-ids/anibridge';
import { AnimeIdIndex, IndexFormatError } from '../../../shared/anime-ids/anime-id-index';
import { AnimeIdsFormatError } from '../../../shared/anime-ids/errors';

/** A small anibridge v3 file with every kind of piece the extractor meets, written out as the release writes it. */
const DOC = {
  $meta: { schema_version: '3.4.1', generated_on: '2026-11-30T03:12:45Z' },
  'anidb:17196:R': { 'anilist:145064': { '1-23': '1-23' }, 'tvdb_show:377543:s2': { '1-23': '1-23' } },
  'anilist:113415': {
    'anidb:15275:R': { '1-24': '1-24' },
    'mal:40748': { '1-24': '1-24' },
    'tmdb_show:95479:s1': { '1-24': '1-24' },
    'tvdb_show:377543:s1': { '1-24': '1-24' },
  },
  'anilist:145064': {
    'mal:51009': { '1-23': '1-23' },
    'tmdb_show:95479:s1': { '1-23': '25-47' },
    'imdb_show:tt12343534:s1': { '1-23': '25-47' },
  },
  'anilist:21': {
    'tmdb_show:37854:s2': { '62-77': '62-77' },
    'tmdb_show:37854:s1': { '1-61': '1-61' },
    'tmdb_show:37854:s22': { '1089-': '1089-' },
  },
  'anilist:5': { 'mal:5': { '1': '1' }, 'tmdb_movie:11299': { '1': '1' }, 'tvdb_show:76885:s0': { '1': '3' } },
  'anilist:900': { 'tmdb_show:7:s1': { '1-11': '1-11', '12': null, '13-14': '12|-2', 'x-y': '1', '15': 'bad' } },
  'anilist:901': { 'tvdb_show:1:s1': { '1': '1' } },
  'anilist:nope': { 'mal:1': { '1': '1' } },
  'anilist:902': ['not', 'an', 'object'],
  'anilist:903': {
    'tmdb_show:8': { '1': '1' },
    'mal:x': { '1': '1' },
    'tmdb_show:9:s1': 'oops',
    'mal:44': { '1': '1' },
  },
  'imdb_movie:tt5311514': { 'anilist:21519': { '1': '1' } },
  'mal:40748': { 'anilist:113415': { '1-24': '1-24' } },
  'mal:51009': { 'anilist:145064': { '1-23': '1-23' } },
  'mal:99999': { 'anilist:1234': { '1': '1' }, 'tmdb_show:1:s1': { '1': '1' } },
  'tmdb_movie:11299': { 'anilist:5': { '1': '1' } },
  'tmdb_show:95479:s1': { 'anilist:113415': { '1-24': '1-24' }, 'anilist:145064': { '25-47': '1-23' } },
  'tmdb_show:95479:s0': { 'anilist:131573': { '1': '1' } },
  'tmdb_show:1429:s3': { 'anilist:104578': { '13-22': '1-10' }, 'mal:38524': { '13-22': '1-10' } },
  'tvdb_show:377543:s1': { 'anilist:113415': { '1-24': '1-24' } },
  'kitsu:42': { 'anilist:1': { '1': '1' } },
  'not-a-descriptor': 1,
};
const TEXT = JSON.stringify(DOC);

describe('anibridge v3 extraction', () => {
  let index: AnimeIdIndex;
  beforeAll(async () => {
    index = await animeIdsFrom(TEXT);
  });

  test('AniList → MAL, TMDB seasons with their ranges (sorted by show and season), TMDB movies', () => {
    expect(index.byAnilist(145064)).toEqual({
      mal: [51009],
      shows: [{ tmdbShowId: 95479, season: 1, ranges: [{ source: '1-23', target: '25-47' }] }],
      movies: [],
    });
    expect(index.byAnilist(21)?.shows.map((s) => [s.season, s.ranges[0]])).toEqual([
      [1, { source: '1-61', target: '1-61' }],
      [2, { source: '62-77', target: '62-77' }],
      [22, { source: '1089-', target: '1089-' }],
    ]);
    expect(index.byAnilist(5)).toEqual({ mal: [5], shows: [], movies: [11299] });
  });

  test('known to the dataset without anything this index keeps: an empty mapping; unknown: undefined', () => {
    expect(index.byAnilist(901)).toEqual({ mal: [], shows: [], movies: [] });
    expect(index.byAnilist(21519)).toBeUndefined();
    expect(index.byAnilist(424242)).toBeUndefined();
  });

  test('bad pairs are dropped one by one; explicit nulls and ratios are kept', () => {
    expect(index.byAnilist(900)?.shows[0]?.ranges).toEqual([
      { source: '1-11', target: '1-11' },
      { source: '12', target: null },
      { source: '13-14', target: '12|-2' },
    ]);
    expect(index.byAnilist(903)).toEqual({ mal: [44], shows: [], movies: [] });
  });

  test('MAL → AniList from both directions', () => {
    expect(index.anilistForMal(51009)).toEqual([145064]);
    expect(index.anilistForMal(40748)).toEqual([113415]);
    expect(index.anilistForMal(5)).toEqual([5]);
    expect(index.anilistForMal(99999)).toEqual([1234]);
    expect(index.anilistForMal(38524)).toEqual([]);
  });

  test('AniList media on a TMDB show, from either direction and any season', () => {
    expect(index.anilistOnTmdbShow(95479)).toEqual([113415, 131573, 145064]);
    expect(index.anilistOnTmdbShow(1429)).toEqual([104578]);
    expect(index.anilistOnTmdbShow(37854)).toEqual([21]);
    expect(index.anilistOnTmdbShow(11299)).toEqual([]);
  });

  test('counts what it skipped, and carries $meta', () => {
    expect(index.meta).toMatchObject({
      schemaVersion: '3.4.1',
      generatedOn: '2026-11-30T03:12:45Z',
      sourceUrl: null,
      stats: { keys: 21, ignored: 4, unknown: 2, oversized: 0, duplicates: 0 },
      counts: { anilist: 7, mal: 5, tmdbShows: 4 },
    });
    // anilist:nope, anilist:902, x-y, 15, tmdb_show:8, mal:x, tmdb_show:9:s1 'oops'
    expect(index.meta.stats.malformed).toBe(7);
  });

  test('every chunk boundary, and one byte at a time, give the same index', async () => {
    const bytes = new TextEncoder().encode(TEXT);
    const whole = (await extractAnibridge(TEXT)).text;
    for (let cut = 0; cut <= bytes.length; cut++) {
      const extractor = new AnibridgeExtractor();
      extractor.write(bytes.subarray(0, cut));
      extractor.write(bytes.subarray(cut));
      expect(extractor.finish().text).toBe(whole);
    }
    const oneByOne = new AnibridgeExtractor();
    for (const byte of bytes) oneByOne.write(Uint8Array.of(byte));
    expect(oneByOne.finish().text).toBe(whole);
  });

  test('pretty-printed or minified, the same index', async () => {
    expect((await extractAnibridge(JSON.stringify(DOC, null, 2))).text).toBe((await extractAnibridge(TEXT)).text);
  });

  test('a repeated source key: the last one wins and is counted', async () => {
    const text = '{"$meta":{"schema_version":"3.0.0"},"anilist:1":{"mal:1":{"1":"1"}},"anilist:1":{"mal:2":{"1":"1"}}}';
    const repeated = await animeIdsFrom(text);
    expect(repeated.byAnilist(1)?.mal).toEqual([2]);
    expect(repeated.meta.stats.duplicates).toBe(1);
  });

  test.each([
    ['<!DOCTYPE html><html><body>Not Found</body></html>', /starts with "<"/],
    ['[{"myanimelist":{"id":1}}]', /root is an array/],
    ['{"message":"Not Found","documentation_url":"https://docs.github.com"}', /no "\$meta"/],
    ['{"$meta":{"schema_version":"4.0.0"},"anilist:1":{}}', /schema_version is "4\.0\.0", expected 3\.x/],
    ['{"$meta":[],"anilist:1":{}}', /schema_version is null/],
    ['', /empty/],
    ['{"$meta":{"schema_version":"3.0.0"},"anilist:1":{"mal:1":{"1":"1"}}} trailing', /expected the end/],
  ])('not an anibridge v3 file: %j', async (text, message) => {
    const error = await extractAnibridge(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnimeIdsFormatError);
    expect(error).toMatchObject({ code: 'anime_ids_invalid', retryable: false });
    expect((error as Error).message).toMatch(message);
  });

  test('a document cut short is a retryable truncation, not a format error', async () => {
    const error = await extractAnibridge(TEXT.slice(0, TEXT.length - 40)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnimeIdsTruncatedError);
    expect(error).toMatchObject({ code: 'anime_ids_truncated', retryable: true });
  });
});

describe('AnimeIdIndex serialised form', () => {
  test('round-trips, and an unreadable text is an IndexFormatError', async () => {
    const index = await animeIdsFrom(TEXT);
    const again = AnimeIdIndex.parse(index.toText());
    expect(again.toText()).toBe(index.toText());
    expect(again.byAnilist(900)).toEqual(index.byAnilist(900));
    expect(again.meta).toEqual(index.meta);
    const lines = index.toText().split('\n');
    expect(() => AnimeIdIndex.parse('')).toThrow(IndexFormatError);
    expect(() => AnimeIdIndex.parse('anime-ids index 0\t{}\n')).toThrow(IndexFormatError);
    expect(() => AnimeIdIndex.parse(lines.slice(0, 4).join('\n'))).toThrow(IndexFormatError);
    const swapped = [...lines];
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    expect(() => AnimeIdIndex.parse(swapped.join('\n'))).toThrow(/ascending/);
  });

  test('is a few dozen bytes per AniList id', async () => {
    const index = await animeIdsFrom(TEXT);
    const line = index
      .toText()
      .split('\n')
      .find((l) => l.startsWith('145064\t'));
    expect(line).toBe('145064\t51009\t95479:1:1-23=25-47\t');
  });
});
