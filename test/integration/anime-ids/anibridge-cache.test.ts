import { readFileSync } from 'node:fs';
import { SAMPLE_MAPPINGS_FILE } from '../../../local/sandbox/anime-ids/build';
import { ANIME_IDS_KEYS, ANIME_IDS_PREFIX } from '../../../shared/anime-ids/cache';
import { ANIME_IDS_RETRY_POLICY } from '../../../shared/anime-ids/download';
import { AnimeIdsFormatError, AnimeIdsUnavailableError } from '../../../shared/anime-ids/errors';
import { type AnimeIdsLoadOptions, loadAnimeIds } from '../../../shared/anime-ids/load';
import { ManualClock } from '../../../shared/clock';
import { OutOfTimeError } from '../../../shared/http/policy';
import { MemoryStore } from '../../../shared/store/memory-store';
import { FileServer } from './file-server';

const HOUR = 3_600_000;
const PATH = '/anibridge/anibridge-mappings/releases/download/v3/mappings.min.json';
const SAMPLE = readFileSync(SAMPLE_MAPPINGS_FILE);
/** The sample with one more AniList media, as the next daily release might be. */
const NEXT_RELEASE = Buffer.from(
  SAMPLE.toString('utf8').replace(/}\s*$/, ',"anilist:999999":{"mal:999999":{"1":"1"}}}'),
);

/** Store calls by kind and key, to tell "read the cache" from "rewrote the index". */
function countingStore() {
  const store = new MemoryStore();
  const puts: string[] = [];
  const gets: string[] = [];
  store.hooks = { beforePut: (key) => void puts.push(key), beforeGet: (key) => void gets.push(key) };
  return { store, puts, gets };
}

describe('loadAnimeIds: download and S3 cache over real HTTP', () => {
  let server: FileServer;
  let clock: ManualClock;
  let s: ReturnType<typeof countingStore>;
  let options: AnimeIdsLoadOptions;

  beforeEach(async () => {
    server = await new FileServer().start();
    server.serve(PATH, SAMPLE, 'Mon, 30 Nov 2026 03:00:00 GMT');
    clock = new ManualClock(Date.UTC(2026, 11, 1, 6));
    s = countingStore();
    options = { store: s.store, fetch, timeoutMs: 5000, clock, url: `${server.url}${PATH}`, random: () => 0.5 };
  });
  afterEach(async () => {
    await server.close();
  });

  test('the first load downloads once, and keeps the compact index and its meta under the one prefix', async () => {
    const first = await loadAnimeIds(options);
    expect(first).toMatchObject({ source: 'downloaded', warnings: [] });
    expect(server.count()).toBe(1);
    expect(server.requests[0]?.headers['if-none-match']).toBeUndefined();
    expect(await s.store.list('')).toEqual([ANIME_IDS_KEYS.anibridgeIndex, ANIME_IDS_KEYS.anibridgeMeta]);
    expect(ANIME_IDS_KEYS.anibridgeIndex.startsWith(ANIME_IDS_PREFIX)).toBe(true);
    expect(first.index.byAnilist(145064)?.shows).toEqual([
      { tmdbShowId: 95479, season: 1, ranges: [{ source: '1-23', target: '25-47' }] },
    ]);
    expect(first.index.meta).toMatchObject({
      sourceUrl: `${server.url}${PATH}`,
      etag: server.files.get(PATH)?.etag,
      fetchedAt: clock.now(),
      schemaVersion: '3.0.3',
      generatedOn: '2026-12-01T00:00:00Z',
    });
    const meta = JSON.parse((await s.store.get(ANIME_IDS_KEYS.anibridgeMeta))!.body);
    expect(meta.parts.index).toMatchObject({
      url: `${server.url}${PATH}`,
      etag: server.files.get(PATH)?.etag,
      lastModified: 'Mon, 30 Nov 2026 03:00:00 GMT',
      fetchedAt: clock.now(),
      counts: { anilist: first.index.meta.counts.anilist, malformed: 0 },
    });
    // The compact form is a fraction of the file.
    expect((await s.store.get(ANIME_IDS_KEYS.anibridgeIndex))!.body.length).toBeLessThan(SAMPLE.length / 2);
  });

  test('a cache younger than maxAgeHours is used as is: no request, no write', async () => {
    await loadAnimeIds(options);
    clock.advance(23 * HOUR);
    s.puts.length = 0;
    const again = await loadAnimeIds(options);
    expect(again).toMatchObject({ source: 'cache', warnings: [] });
    expect(server.count()).toBe(1);
    expect(s.puts).toEqual([]);
    expect(again.index.anilistForMal(35760)).toEqual([99147]);
    expect(again.index.meta.fetchedAt).toBe(clock.now() - 23 * HOUR);
  });

  test('stale: one conditional request; 304 keeps the index, refreshes fetchedAt only', async () => {
    await loadAnimeIds(options);
    clock.advance(25 * HOUR);
    s.puts.length = 0;
    const stale = await loadAnimeIds(options);
    expect(stale).toMatchObject({ source: 'not_modified', warnings: [] });
    expect(server.count()).toBe(2);
    expect(server.requests[1]?.headers).toMatchObject({
      'if-none-match': server.files.get(PATH)?.etag,
      'if-modified-since': 'Mon, 30 Nov 2026 03:00:00 GMT',
    });
    expect(s.puts).toEqual([ANIME_IDS_KEYS.anibridgeMeta]);
    expect(stale.index.meta.fetchedAt).toBe(clock.now());
    expect(stale.index.byAnilist(104578)?.shows[0]).toMatchObject({ tmdbShowId: 1429, season: 3 });
    // Counted from the refresh: young again.
    clock.advance(23 * HOUR);
    expect((await loadAnimeIds(options)).source).toBe('cache');
    expect(server.count()).toBe(2);
  });

  test('stale and changed upstream: 200 replaces the index and the meta', async () => {
    await loadAnimeIds(options);
    const next = server.serve(PATH, NEXT_RELEASE);
    clock.advance(25 * HOUR);
    const fresh = await loadAnimeIds(options);
    expect(fresh.source).toBe('downloaded');
    expect(fresh.index.byAnilist(999999)?.mal).toEqual([999999]);
    expect(fresh.index.meta.etag).toBe(next.etag);
    clock.advance(HOUR);
    const cached = await loadAnimeIds(options);
    expect(cached.source).toBe('cache');
    expect(cached.index.byAnilist(999999)?.mal).toEqual([999999]);
  });

  test('maxAgeHours is honoured', async () => {
    await loadAnimeIds({ ...options, maxAgeHours: 2 });
    clock.advance(HOUR);
    expect((await loadAnimeIds({ ...options, maxAgeHours: 2 })).source).toBe('cache');
    clock.advance(2 * HOUR);
    expect((await loadAnimeIds({ ...options, maxAgeHours: 2 })).source).toBe('not_modified');
  });

  test('a release URL that redirects to another host (GitHub → its asset host) is followed, validators too', async () => {
    const assets = await new FileServer().start();
    try {
      assets.serve('/production/mappings.min.json', SAMPLE);
      server.redirects.set(PATH, `${assets.url}/production/mappings.min.json`);
      expect((await loadAnimeIds(options)).source).toBe('downloaded');
      clock.advance(25 * HOUR);
      expect((await loadAnimeIds(options)).source).toBe('not_modified');
      expect(server.count(PATH)).toBe(2);
      expect(assets.requests.map((r) => r.headers['if-none-match'])).toEqual([
        undefined,
        assets.files.get('/production/mappings.min.json')?.etag,
      ]);
    } finally {
      await assets.close();
    }
  });

  test('a failed download with a cache: the stale copy and a warning for the report; fetchedAt unchanged', async () => {
    await loadAnimeIds(options);
    const fetchedAt = clock.now();
    clock.advance(30 * HOUR);
    server.fail(PATH, 'status-503', 'status-503', 'status-503');
    const stale = await loadAnimeIds(options);
    expect(stale.source).toBe('stale');
    expect(server.count()).toBe(1 + ANIME_IDS_RETRY_POLICY.maxAttempts);
    expect(stale.warnings).toEqual([
      expect.stringMatching(
        /^anime ids \(anibridge\) index: download failed, using the copy fetched 2026-12-01T06:00:00\.000Z \(.*HTTP 503/,
      ),
    ]);
    expect(stale.index.meta.fetchedAt).toBe(fetchedAt);
    expect(stale.index.byAnilist(145064)?.mal).toEqual([51009]);
    // Still stale on the next run, so it tries again (and succeeds).
    const next = await loadAnimeIds(options);
    expect(next.source).toBe('not_modified');
  });

  test('a failed download with a cache, by connection reset: stale too', async () => {
    await loadAnimeIds(options);
    clock.advance(30 * HOUR);
    server.fail(PATH, 'reset', 'reset', 'reset');
    const stale = await loadAnimeIds(options);
    expect(stale.source).toBe('stale');
    expect(stale.warnings[0]).toMatch(/download failed/);
  });

  test('retryable statuses are retried within the run', async () => {
    server.fail(PATH, 'status-503');
    expect((await loadAnimeIds(options)).source).toBe('downloaded');
    expect(server.count()).toBe(2);
  });

  test('a failed download without a cache: a retryable AnimeIdsUnavailableError naming the URL, never its query', async () => {
    server.fail(PATH, 'status-404');
    const error = await loadAnimeIds({ ...options, url: `${server.url}${PATH}?access_token=s3cr3t&x=1` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AnimeIdsUnavailableError);
    expect(error).toMatchObject({ code: 'anime_ids_unavailable', retryable: true, url: `${server.url}${PATH}` });
    expect((error as Error).message).toContain(`${server.url}${PATH}`);
    expect((error as Error).message).toContain('HTTP 404');
    expect((error as Error).message).not.toContain('s3cr3t');
    expect(server.count()).toBe(1);
    expect(await s.store.list(ANIME_IDS_PREFIX)).toEqual([]);
  });

  test('unreachable without a cache: retryable too', async () => {
    await server.close();
    const error = await loadAnimeIds(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnimeIdsUnavailableError);
    expect(error).toMatchObject({ retryable: true });
  });

  test('a body that is not anibridge v3: a format error without a cache, the stale copy with one', async () => {
    server.fail(PATH, 'html');
    const error = await loadAnimeIds(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnimeIdsFormatError);
    expect((error as Error).message).toMatch(/mappings\.min\.json: not an anibridge v3 file: .*starts with "<"/);
    expect(server.count()).toBe(1);
    await loadAnimeIds(options);
    clock.advance(25 * HOUR);
    server.serve(PATH, '{"$meta":{"schema_version":"4.0.0"},"anilist:1":{}}');
    const stale = await loadAnimeIds(options);
    expect(stale.source).toBe('stale');
    expect(stale.warnings[0]).toMatch(/schema_version is "4\.0\.0"/);
  });

  test('a download with far fewer AniList ids than the cache is not trusted', async () => {
    await loadAnimeIds(options);
    clock.advance(25 * HOUR);
    server.serve(PATH, '{"$meta":{"schema_version":"3.0.3"},"anilist:1":{"mal:1":{"1":"1"}}}');
    const kept = await loadAnimeIds(options);
    expect(kept.source).toBe('stale');
    expect(kept.warnings[0]).toMatch(/has 1 AniList ids where the cached copy has \d+/);
    expect(kept.index.byAnilist(145064)).toBeDefined();
  });

  test('a body that stalls is cut by the idle timeout and retried', async () => {
    server.fail(PATH, 'stall');
    const loaded = await loadAnimeIds({ ...options, timeoutMs: 300 });
    expect(loaded.source).toBe('downloaded');
    expect(server.count()).toBe(2);
  });

  test('no time left in the run: nothing is sent; the stale copy if there is one', async () => {
    const error = await loadAnimeIds({ ...options, deadline: () => clock.now() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnimeIdsUnavailableError);
    expect((error as Error).cause).toBeInstanceOf(OutOfTimeError);
    expect(server.count()).toBe(0);
    await loadAnimeIds(options);
    clock.advance(25 * HOUR);
    const stale = await loadAnimeIds({ ...options, deadline: () => clock.now() - 1 });
    expect(stale.source).toBe('stale');
    expect(stale.warnings[0]).toMatch(/no time left/);
    expect(server.count()).toBe(1);
  });

  test('a cached index that is not the one its meta describes, or of another URL, is downloaded again in full', async () => {
    await loadAnimeIds(options);
    await s.store.put(ANIME_IDS_KEYS.anibridgeIndex, 'garbage');
    const again = await loadAnimeIds(options);
    expect(again.source).toBe('downloaded');
    expect(server.requests[1]?.headers['if-none-match']).toBeUndefined();

    server.serve('/elsewhere.json', SAMPLE);
    const moved = await loadAnimeIds({ ...options, url: `${server.url}/elsewhere.json` });
    expect(moved.source).toBe('downloaded');
    expect(server.requests[2]?.headers['if-none-match']).toBeUndefined();
  });

  test('unreadable meta: a warning, and a fresh download', async () => {
    await s.store.put(ANIME_IDS_KEYS.anibridgeMeta, '{"v":2}');
    const loaded = await loadAnimeIds(options);
    expect(loaded.source).toBe('downloaded');
    expect(loaded.warnings).toEqual(['anime ids (anibridge): cache metadata unreadable, downloading again']);
  });

  test('S3 refusing the write: the downloaded index is still used, with a warning', async () => {
    s.store.hooks.beforePut = () => {
      throw new Error('SlowDown');
    };
    const loaded = await loadAnimeIds(options);
    expect(loaded.source).toBe('downloaded');
    expect(loaded.warnings[0]).toMatch(/downloaded but not cached/);
    expect(loaded.index.byAnilist(21)).toBeDefined();
  });
});
