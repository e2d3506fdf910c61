import {
  parseSourceRange,
  parseTargetRange,
  placeEpisodes,
  type RangePair,
  type SeasonMapping,
} from '../../../shared/anime-ids/ranges';

const season = (tmdbShowId: number, n: number, ranges: Record<string, string | null>): SeasonMapping => ({
  tmdbShowId,
  season: n,
  ranges: Object.entries(ranges).map(([source, target]): RangePair => ({ source, target })),
});
const span = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('parseSourceRange / parseTargetRange', () => {
  test.each([
    ['7', { start: 7, end: 7 }],
    ['1-23', { start: 1, end: 23 }],
    ['1089-', { start: 1089, end: null }],
    ['0', { start: 0, end: 0 }],
  ])('source %j', (text, expected) => {
    expect(parseSourceRange(text)).toEqual(expected);
  });

  test.each(['', '-3', '5-3', 'a', '1-2-3', '1,3', '1-6|2', ' 1', '1 ', '99999999'])('malformed source %j', (text) => {
    expect(parseSourceRange(text)).toBeUndefined();
  });

  test.each([
    ['25-47', { segments: [{ start: 25, end: 47 }], ratio: 1 }],
    [
      '1-6,8-13',
      {
        segments: [
          { start: 1, end: 6 },
          { start: 8, end: 13 },
        ],
        ratio: 1,
      },
    ],
    ['14-|2', { segments: [{ start: 14, end: null }], ratio: 2 }],
    ['1|-3', { segments: [{ start: 1, end: 1 }], ratio: -3 }],
    ['1-4|1', { segments: [{ start: 1, end: 4 }], ratio: 1 }],
    ['1-4|-1', { segments: [{ start: 1, end: 4 }], ratio: 1 }],
  ])('target %j', (text, expected) => {
    expect(parseTargetRange(text)).toEqual(expected);
  });

  test.each(['', '1-|', '1|0', '1-3|x', '5-,7', '1-6|2,8-9', '3-1', '1,,2', '|2'])('malformed target %j', (text) => {
    expect(parseTargetRange(text)).toBeUndefined();
  });
});

describe('placeEpisodes', () => {
  test('continued numbering: JJK 2nd Season is TMDB 95479 s1 e25-47', () => {
    const p = placeEpisodes([season(95479, 1, { '1-23': '25-47' })], 23);
    expect(p.plays).toEqual([{ tmdbShowId: 95479, season: 1, episodes: span(25, 47) }]);
    expect(p).toMatchObject({ unmapped: [], partial: [], ambiguous: [], complete: true });
  });

  test('absolute numbers inside seasons: One Piece up to episode 80', () => {
    const p = placeEpisodes(
      [
        season(37854, 1, { '1-61': '1-61' }),
        season(37854, 2, { '62-77': '62-77' }),
        season(37854, 3, { '78-91': '78-91' }),
      ],
      80,
    );
    expect(p.plays).toEqual([
      { tmdbShowId: 37854, season: 1, episodes: span(1, 61) },
      { tmdbShowId: 37854, season: 2, episodes: span(62, 77) },
      { tmdbShowId: 37854, season: 3, episodes: span(78, 80) },
    ]);
    expect(p.complete).toBe(true);
  });

  test('split cour: AoT Season 3 Part 2 is s3 e13-22; a progress count places only what was watched', () => {
    const mapping = [season(1429, 3, { '1-10': '13-22' })];
    expect(placeEpisodes(mapping, 10).plays).toEqual([{ tmdbShowId: 1429, season: 3, episodes: span(13, 22) }]);
    expect(placeEpisodes(mapping, 4).plays).toEqual([{ tmdbShowId: 1429, season: 3, episodes: [13, 14, 15, 16] }]);
  });

  test('open ranges are closed at N, on both sides', () => {
    expect(placeEpisodes([season(37854, 22, { '1089-': '1089-' })], 1100).plays).toEqual([
      { tmdbShowId: 37854, season: 22, episodes: span(1089, 1100) },
    ]);
    expect(placeEpisodes([season(1, 2, { '13-': '1-' })], 15).plays).toEqual([
      { tmdbShowId: 1, season: 2, episodes: [1, 2, 3] },
    ]);
    const p = placeEpisodes([season(1, 1, { '1-': '5-' })], 3);
    expect(p.plays).toEqual([{ tmdbShowId: 1, season: 1, episodes: [5, 6, 7] }]);
  });

  test('a special in season 0 and the rest in season 1 (K-On! in the anibridge edits)', () => {
    const p = placeEpisodes([season(42253, 0, { '1': '1' }), season(42253, 1, { '2-13': '1-12' })], 13);
    expect(p.plays).toEqual([
      { tmdbShowId: 42253, season: 0, episodes: [1] },
      { tmdbShowId: 42253, season: 1, episodes: span(1, 12) },
    ]);
    expect(p.complete).toBe(true);
  });

  test('comma segments skip target episodes', () => {
    const p = placeEpisodes([season(500, 1, { '1-12': '1-6,8-13' })], 12);
    expect(p.plays).toEqual([{ tmdbShowId: 500, season: 1, episodes: [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13] }]);
    expect(placeEpisodes([season(62568, 0, { '1-2': '1,3' })], 2).plays[0]?.episodes).toEqual([1, 3]);
  });

  test('positive ratio: each source episode spans n target episodes', () => {
    expect(placeEpisodes([season(7, 1, { '1': '1-4|4' })], 1).plays[0]?.episodes).toEqual([1, 2, 3, 4]);
    expect(placeEpisodes([season(7, 1, { '1-4': '1-8|2' })], 3).plays[0]?.episodes).toEqual(span(1, 6));
    expect(placeEpisodes([season(7, 1, { '13-': '14-|2' })], 14).plays[0]?.episodes).toEqual([14, 15, 16, 17]);
  });

  test('positive ratio running past a closed target: the short source episode is partial, the rest unmapped', () => {
    // anibridge edits, anilist:6867 on tvdb: 9 source episodes, 8 target episodes, ratio 2.
    const p = placeEpisodes([season(125441, 1, { '1-9': '1-7,8|2' })], 9);
    expect(p.plays[0]?.episodes).toEqual(span(1, 8));
    expect(p.unmapped).toEqual([5, 6, 7, 8, 9]);
    expect(placeEpisodes([season(9, 1, { '1-2': '1-3|2' })], 2)).toMatchObject({ partial: [2], complete: false });
  });

  test('negative ratio: n source episodes make one target episode, played once all n are in', () => {
    const mapping = [season(8, 1, { '1-50': '1-25|-2' })];
    expect(placeEpisodes(mapping, 50).plays[0]?.episodes).toEqual(span(1, 25));
    const half = placeEpisodes(mapping, 5);
    expect(half.plays[0]?.episodes).toEqual([1, 2]);
    expect(half).toMatchObject({ partial: [5], unmapped: [], complete: false });
    expect(placeEpisodes([season(8, 1, { '1-3': '1|-3' })], 3).plays[0]?.episodes).toEqual([1]);
    // The data's own range ends mid-group: episode 5 can never complete target 3.
    expect(placeEpisodes([season(8, 1, { '1-5': '1-3|-2' })], 5)).toMatchObject({ partial: [5] });
  });

  test('explicit nulls are reported apart from episodes the mapping says nothing about', () => {
    const p = placeEpisodes([season(3, 1, { '1-11': '1-11', '12': null })], 14);
    expect(p.plays[0]?.episodes).toEqual(span(1, 11));
    expect(p).toMatchObject({ explicitlyUnmapped: [12], unmapped: [13, 14], complete: false });
    // A null on one season does not hide the episode another season maps.
    const other = placeEpisodes([season(3, 1, { '1-2': null }), season(3, 0, { '1-2': '5-6' })], 2);
    expect(other).toMatchObject({ explicitlyUnmapped: [], complete: true });
  });

  test('overlapping pairs: identical targets merge, different targets are ambiguous and left out', () => {
    const same = placeEpisodes([season(4, 1, { '1-12': '1-12', '10-13': '10-13' })], 13);
    expect(same).toMatchObject({ ambiguous: [], complete: true });
    expect(same.plays[0]?.episodes).toEqual(span(1, 13));
    const clash = placeEpisodes([season(4, 1, { '1-12': '1-12' }), season(4, 2, { '10-13': '1-4' })], 13);
    expect(clash.ambiguous).toEqual([10, 11, 12]);
    expect(clash.plays).toEqual([
      { tmdbShowId: 4, season: 1, episodes: span(1, 9) },
      { tmdbShowId: 4, season: 2, episodes: [4] },
    ]);
    expect(clash.complete).toBe(false);
  });

  test('a mapping that stops short leaves the tail unmapped; ranges past N are ignored', () => {
    const p = placeEpisodes([season(5, 1, { '1-10': '1-10', '30-40': '30-40' })], 12);
    expect(p.plays[0]?.episodes).toEqual(span(1, 10));
    expect(p.unmapped).toEqual([11, 12]);
  });

  test('no mapping, zero episodes, unparseable pairs', () => {
    expect(placeEpisodes([], 3)).toMatchObject({ plays: [], unmapped: [1, 2, 3], complete: false });
    expect(placeEpisodes([season(1, 1, { '1-3': '1-3' })], 0)).toMatchObject({ plays: [], complete: true });
    expect(placeEpisodes([season(1, 1, { x: '1', '1': 'y' })], 1).unmapped).toEqual([1]);
    expect(() => placeEpisodes([], -1)).toThrow(RangeError);
    expect(() => placeEpisodes([], 1.5)).toThrow(RangeError);
  });
});
