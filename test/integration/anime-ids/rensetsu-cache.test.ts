import { readFileSync } from 'node:fs';
import { RENSETSU_MOVIES_SAMPLE_FILE, RENSETSU_TV_SAMPLE_FILE } from '../../../local/sandbox/anime-ids/build';
import { ANIME_IDS_KEYS, ANIME_IDS_PREFIX } from '../../../shared/anime-ids/cache';
import { AnimeIdsFormatError, AnimeIdsUnavailableError } from '../../../shared/anime-ids/errors';
import {
  extractRensetsu,
  loadRensetsu,
  parseTable,
  type RensetsuLoadOptions,
} from '../../../shared/anime-ids/rensetsu';
import { ManualClock } from '../../../shared/clock';
import { MemoryStore } from '../../../shared/store/memory-store';
import { FileServer } from './file-server';

const HOUR = 3_600_000;
const TV = readFileSync(RENSETSU_TV_SAMPLE_FILE);
const MOVIES = readFileSync(RENSETSU_MOVIES_SAMPLE_FILE);
const TV_PATH = '/rensetsu/db.trakt.extended-anitrakt/main/json/output/tv_ex.json';
const MOVIES_PATH = '/rensetsu/db.trakt.extended-anitrakt/main/json/output/movies_ex.json';

describe('loadRensetsu: the MAL → Trakt fallback, downloaded and cached like anibridge', () => {
  let server: FileServer;
  let clock: ManualClock;
  let store: MemoryStore;
  let options: RensetsuLoadOptions;

  beforeEach(async () => {
    server = await new FileServer().start();
    server.serve(TV_PATH, TV);
    server.serve(MOVIES_PATH, MOVIES);
    clock = new ManualClock(Date.UTC(2026, 11, 1));
    store = new MemoryStore();
    options = {
      store,
      fetch,
      timeoutMs: 5000,
      clock,
      tvUrl: `${server.url}${TV_PATH}`,
      moviesUrl: `${server.url}${MOVIES_PATH}`,
    };
  });
  afterEach(async () => {
    await server.close();
  });

  test('downloads both files once, keeps them under the same prefix, answers lookups', async () => {
    const first = await loadRensetsu(options);
    expect(first).toMatchObject({ source: { tv: 'downloaded', movies: 'downloaded' }, warnings: [] });
    expect(await store.list(ANIME_IDS_PREFIX)).toEqual([
      ANIME_IDS_KEYS.rensetsuMeta,
      ANIME_IDS_KEYS.rensetsuMovies,
      ANIME_IDS_KEYS.rensetsuTv,
    ]);
    expect(first.index.show(51009)).toMatchObject({ traktShowId: 158594, season: null, splitCour: true });
    expect(first.index.show(38524)).toEqual({
      traktShowId: 1420,
      slug: 'attack-on-titan',
      season: 4,
      splitCour: false,
      tmdbShowId: 1429,
    });
    expect(first.index.movie(32281)).toEqual({ traktMovieId: 224301, slug: 'your-name-2016', tmdbMovieId: 372058 });
    expect(first.index.show(424242)).toBeUndefined();
    expect(first.index.meta).toMatchObject({
      tv: { url: `${server.url}${TV_PATH}`, fetchedAt: clock.now(), shows: 11 },
      movies: { fetchedAt: clock.now(), movies: 4 },
    });

    clock.advance(20 * HOUR);
    const cached = await loadRensetsu(options);
    expect(cached.source).toEqual({ tv: 'cache', movies: 'cache' });
    expect(cached.index.show(38524)).toEqual(first.index.show(38524));
    expect(server.count()).toBe(2);
  });

  test('each file is revalidated on its own: 304 for one, 200 for the other', async () => {
    await loadRensetsu(options);
    clock.advance(25 * HOUR);
    const movies = JSON.parse(MOVIES.toString('utf8')) as unknown[];
    server.serve(MOVIES_PATH, JSON.stringify(movies.slice(0, 3)));
    const next = await loadRensetsu(options);
    expect(next.source).toEqual({ tv: 'not_modified', movies: 'downloaded' });
    expect(next.index.movie(32281)).toBeUndefined();
    expect(next.index.show(51009)?.splitCour).toBe(true);
    expect(server.requests.slice(2).map((r) => r.headers['if-none-match'] !== undefined)).toEqual([true, true]);
  });

  test('a failed file with a cache: stale and a warning; without a cache: a retryable error', async () => {
    server.fail(MOVIES_PATH, 'status-404');
    const error = await loadRensetsu(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnimeIdsUnavailableError);
    expect((error as Error).message).toContain(`${server.url}${MOVIES_PATH}`);

    await loadRensetsu(options);
    clock.advance(25 * HOUR);
    server.fail(TV_PATH, 'status-503', 'status-503', 'status-503');
    const stale = await loadRensetsu(options);
    expect(stale.source).toEqual({ tv: 'stale', movies: 'not_modified' });
    expect(stale.warnings).toEqual([expect.stringMatching(/^anime ids \(rensetsu\) tv: download failed/)]);
    expect(stale.index.show(38524)?.season).toBe(4);
  });

  test('an object where an array is expected is a format error; malformed elements are counted and skipped', async () => {
    server.serve(TV_PATH, '{"myanimelist":{"id":1}}');
    await expect(loadRensetsu(options)).rejects.toBeInstanceOf(AnimeIdsFormatError);

    const items = JSON.parse(TV.toString('utf8')) as Record<string, unknown>[];
    const messy = JSON.stringify([
      ...items.slice(0, 2),
      { myanimelist: { id: 'x' } },
      { myanimelist: { id: 7 }, trakt: { id: 9, slug: 's', type: 'movies', season: null } },
      42,
      items[0],
    ]);
    const { table, counts } = await extractRensetsu('tv', messy);
    expect(counts).toEqual({ rows: 2, malformed: 3, duplicates: 1 });
    expect(table.rows.size).toBe(2);
  });

  test('the compact cached form round-trips', async () => {
    const { table, text } = await extractRensetsu('tv', TV.toString('utf8'));
    expect(parseTable(text, 'tv')).toEqual(table);
    expect(text.length).toBeLessThan(TV.length / 5);
    expect(() => parseTable(text, 'movies')).toThrow(/not a cached rensetsu movies table/);
  });
});
