import {
  type CompactEpisodes,
  compactEpisodes,
  describeEpisodes,
  describeNumbers,
  type EpisodeRef,
  episodeKey,
  expandEpisodes,
  expandNumbers,
  sameEpisodes,
} from '../../../shared/destinations/trakt/episodes';

const eps = (season: number, ...numbers: number[]): EpisodeRef[] => numbers.map((number) => ({ season, number }));
const range = (season: number, first: number, last: number): EpisodeRef[] =>
  Array.from({ length: last - first + 1 }, (_, i) => ({ season, number: first + i }));

describe('compactEpisodes / expandEpisodes / describeEpisodes', () => {
  const cases: [name: string, episodes: EpisodeRef[], compact: CompactEpisodes, words: string][] = [
    ['nothing', [], {}, ''],
    ['one episode', eps(1, 5), { 1: '5' }, 'S1E5'],
    ['continued numbering inside season 1 (JJK 2nd Season)', range(1, 25, 47), { 1: '25-47' }, 'S1E25–47'],
    [
      'absolute numbers across seasons (One Piece)',
      [...range(1, 1, 61), ...range(2, 62, 77)],
      { 1: '1-61', 2: '62-77' },
      'S1E1–61, S2E62–77',
    ],
    ['gaps become several ranges', eps(1, 1, 2, 3, 5, 7, 8), { 1: '1-3,5,7-8' }, 'S1E1–3, S1E5, S1E7–8'],
    ['specials are season 0', eps(0, 3), { 0: '3' }, 'S0E3'],
    ['a thousand episodes stay one range', range(21, 1, 1100), { 21: '1-1100' }, 'S21E1–1100'],
  ];

  test.each(cases)('%s', (_name, episodes, compact, words) => {
    expect(compactEpisodes(episodes)).toEqual(compact);
    expect(expandEpisodes(compact)).toEqual(episodes);
    expect(describeEpisodes(compact)).toBe(words);
  });

  test('unsorted input with repeats is sorted and de-duplicated, seasons ascending', () => {
    const compact = compactEpisodes([...eps(3, 9, 2, 2, 1), ...eps(1, 4, 3), ...eps(0, 1)]);
    expect(compact).toEqual({ 0: '1', 1: '3-4', 3: '1-2,9' });
    expect(Object.keys(compact)).toEqual(['0', '1', '3']);
    expect(expandEpisodes(compact)).toEqual([...eps(0, 1), ...eps(1, 3, 4), ...eps(3, 1, 2, 9)]);
  });

  test('seasons sort numerically (10 after 2)', () => {
    expect(describeEpisodes(compactEpisodes([...eps(10, 1), ...eps(2, 1)]))).toBe('S2E1, S10E1');
  });

  test('expanding nothing gives nothing; empty lists are skipped', () => {
    expect(expandEpisodes(undefined)).toEqual([]);
    expect(expandEpisodes({ 1: '' })).toEqual([]);
  });

  test('round trip over random sets', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run = 0; run < 50; run++) {
      const set = new Map<string, EpisodeRef>();
      for (let i = 0; i < 40; i++) {
        const e = { season: Math.floor(random() * 4), number: 1 + Math.floor(random() * 60) };
        set.set(episodeKey(e), e);
      }
      const sorted = [...set.values()].sort((a, b) => a.season - b.season || a.number - b.number);
      expect(expandEpisodes(compactEpisodes(sorted))).toEqual(sorted);
      expect(expandEpisodes(compactEpisodes([...sorted].reverse()))).toEqual(sorted);
    }
  });
});

describe('sameEpisodes', () => {
  test.each([
    ['equal sets', { 1: '1-12' }, { 1: '1-12' }, true],
    ['key order does not matter', { 1: '1-2', 2: '3' }, { 2: '3', 1: '1-2' }, true],
    ['both absent', undefined, undefined, true],
    ['absent equals empty', undefined, {}, true],
    ['a different range', { 1: '1-12' }, { 1: '1-11' }, false],
    ['an extra season', { 1: '1-12' }, { 1: '1-12', 2: '1' }, false],
    ['another season', { 1: '1-12' }, { 2: '1-12' }, false],
  ] as [string, CompactEpisodes | undefined, CompactEpisodes | undefined, boolean][])('%s', (_name, a, b, same) => {
    expect(sameEpisodes(a, b)).toBe(same);
    expect(sameEpisodes(b, a)).toBe(same);
  });
});

describe('describeNumbers / expandNumbers', () => {
  test.each([
    [[3], '3'],
    [[11, 12], '11–12'],
    [[7, 5, 6, 3, 3], '3, 5–7'],
    [[1, 2, 3, 10, 12, 13], '1–3, 10, 12–13'],
  ])('%p → %p', (numbers, words) => {
    expect(describeNumbers(numbers)).toBe(words);
  });

  test.each([
    ['25-47', Array.from({ length: 23 }, (_, i) => 25 + i)],
    ['1-3,5', [1, 2, 3, 5]],
    ['4', [4]],
    ['', []],
  ])('%p expands to its numbers', (list, numbers) => {
    expect(expandNumbers(list)).toEqual(numbers);
  });
});
