import { createHash } from 'node:crypto';
import { generateAnibridge } from '../../../local/sandbox/anime-ids/generate';
import { animeIdsFrom } from '../../../shared/anime-ids/anibridge';

function generate(anilist: number, seed: number) {
  const pieces: string[] = [];
  const counts = generateAnibridge({ anilist, seed }, (text) => pieces.push(text));
  const text = pieces.join('');
  return { text, counts, hash: createHash('sha256').update(text).digest('hex') };
}

describe('synthetic anibridge v3 generator (for memory benchmarks)', () => {
  test('is deterministic per seed and differs across seeds', () => {
    expect(generate(300, 7).hash).toBe(generate(300, 7).hash);
    expect(generate(300, 8).hash).not.toBe(generate(300, 7).hash);
  });

  test('writes a well-formed v3 file in both directions that the extractor reads without a complaint', async () => {
    const { text, counts } = generate(2000, 3);
    const doc = JSON.parse(text) as Record<string, Record<string, Record<string, string | null>>>;
    expect(Object.keys(doc)[0]).toBe('$meta');
    const providers = new Set(Object.keys(doc).map((k) => k.split(':')[0]));
    expect(providers).toEqual(
      new Set(['$meta', 'anidb', 'anilist', 'imdb_movie', 'imdb_show', 'mal', 'tmdb_movie', 'tmdb_show', 'tvdb_show']),
    );
    const index = await animeIdsFrom(text);
    expect(index.meta.stats).toMatchObject({ unknown: 0, malformed: 0, oversized: 0, duplicates: 0 });
    expect(index.meta.counts.anilist).toBeGreaterThan(1900);
    expect(index.meta.counts.anilist).toBeLessThanOrEqual(counts.anilist);
    expect(counts.keys).toBeGreaterThan(4 * counts.anilist);
    // Both directions: every AniList → MAL and AniList → TMDB show edge has its reverse key.
    for (const [key, targets] of Object.entries(doc)) {
      if (!key.startsWith('anilist:')) continue;
      for (const target of Object.keys(targets))
        expect([target, doc[target]?.[key] !== undefined]).toEqual([target, true]);
    }
    // Ratios, open ranges and nulls occur.
    const ranges = Object.values(doc).flatMap((targets) => Object.values(targets).flatMap((r) => Object.values(r)));
    expect(ranges.some((r) => r?.includes('|'))).toBe(true);
    expect(ranges.some((r) => r?.endsWith('-'))).toBe(true);
    expect(ranges.some((r) => r?.includes(','))).toBe(true);
    expect(ranges.some((r) => r === null)).toBe(true);
  });
});
