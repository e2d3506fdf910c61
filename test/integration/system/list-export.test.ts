import { generateAniListEntries, generateAniListMangaEntries } from '../../../local/sandbox/anilist';
import { MAL_XML_STATUS_WORDS } from '../../../shared/destinations/mal/export-xml';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';
import { XmlParser } from '../../support/xml';

/**
 * The worker saves the list in MAL's import XML under `exports/` on full reconciles only: the file
 * holds what the same run wrote to the sandbox MAL, and steady state costs no extra S3 request.
 */
describe('MAL XML export in the worker', () => {
  let system: TestSystem;
  let parser: XmlParser;
  beforeAll(async () => {
    parser = await XmlParser.start();
  });
  afterAll(() => parser?.close());
  beforeEach(async () => {
    system = await startTestSystem();
  });
  afterEach(async () => {
    await system.close();
  });

  const exports = () => system.store.list('exports/');

  test('a full run saves the list it mirrored as MAL XML; an incremental run saves nothing and costs no S3 write', async () => {
    const report = await authorize(system);
    const keys = await exports();
    expect(keys).toEqual([expect.stringMatching(/^exports\/mal-animelist-\d{4}-\d\d-\d\dT[\d-]+Z\.xml$/)]);
    expect(sectionOf(report).notes).toContainEqual(
      expect.objectContaining({ kind: 'list_export', detail: expect.stringContaining(`saved: ${keys[0]}`) }),
    );

    const parsed = await parser.parseMalXml((await system.store.get(keys[0] ?? ''))?.body ?? '');
    expect(parsed.myinfo).toMatchObject({ user_name: system.anilist!.store.user.name, user_export_type: '1' });
    // Every entry the sync wrote to MAL is in the file, with the values it wrote.
    const mal = system.mal!.state.list();
    expect(parsed.anime.map((a) => Number(a.series_animedb_id)).sort((a, b) => a - b)).toEqual(
      mal.map((e) => e.animeId).sort((a, b) => a - b),
    );
    for (const e of mal) {
      const a = parsed.anime.find((x) => Number(x.series_animedb_id) === e.animeId);
      expect({ id: e.animeId, ...a }).toMatchObject({
        id: e.animeId,
        my_status: MAL_XML_STATUS_WORDS[e.listStatus.status],
        my_score: String(e.listStatus.score),
        my_watched_episodes: String(e.listStatus.num_episodes_watched),
        my_rewatching: e.listStatus.is_rewatching ? '1' : '0',
        my_times_watched: String(e.listStatus.num_times_rewatched ?? 0),
        my_comments: e.listStatus.comments ?? '',
      });
    }
    // What the run skipped is named in the file too.
    const skipped = sectionOf(report).skipped;
    expect(skipped.length).toBeGreaterThan(0);
    for (const s of skipped) expect(parsed.comments.join('\n')).toContain(`${s.mediaId}, `);

    system.counters.reset();
    const incremental = await system.runSync();
    expect(incremental).toMatchObject({ status: 'ok', source: { mode: 'incremental' } });
    // No export on an incremental run: its one PUT is the run's report (reports/, for npm run status).
    expect(system.counters.snapshot()).toEqual({ anilist: 1, s3_get: 1, s3_put: 1 });
    expect(await exports()).toEqual(keys);
  });

  test('every later full run saves a new one; a dry run saves none', async () => {
    await authorize(system);
    await system.runSync({ full: true, dryRun: true });
    expect(await exports()).toHaveLength(1);
    await system.runSync({ full: true });
    expect(await exports()).toHaveLength(2);
  });

  test('an entry excluded with EXCLUDE is not in the file, and its comment says so', async () => {
    await system.close();
    const cowboyBebop = 1;
    system = await startTestSystem({ env: { EXCLUDE: `[${cowboyBebop}]` } });
    await authorize(system);
    const [key] = await exports();
    const parsed = await parser.parseMalXml((await system.store.get(key ?? ''))?.body ?? '');
    const bebop = system.anilist!.store.entries().find((e) => e.media?.id === cowboyBebop);
    expect(bebop?.media?.idMal).toBeDefined();
    expect(parsed.anime.map((a) => Number(a.series_animedb_id))).not.toContain(bebop?.media?.idMal);
    expect(parsed.comments.join('\n')).toMatch(/\b1, Cowboy Bebop: excluded with EXCLUDE/);
  });

  test("MIRROR_MANGA=true: the manga list gets a file of its own, holding what the run wrote to MAL's manga list", async () => {
    await system.close();
    system = await startTestSystem({
      anilistEntries: [...generateAniListEntries(15, 3), ...generateAniListMangaEntries(12, 4)],
      env: { MIRROR_MANGA: 'true' },
    });
    await authorize(system);
    const keys = await exports();
    expect(keys).toEqual([
      expect.stringMatching(/^exports\/mal-animelist-.*\.xml$/),
      expect.stringMatching(/^exports\/mal-mangalist-.*\.xml$/),
    ]);
    const parsed = await parser.parseMalXml((await system.store.get(keys[1] ?? ''))?.body ?? '');
    expect(parsed.myinfo).toMatchObject({ user_export_type: '2' });
    const onMal = system.mal!.state.mangaList();
    expect(onMal.length).toBeGreaterThan(5);
    expect(parsed.manga.map((m) => Number(m.manga_mangadb_id)).sort((a, b) => a - b)).toEqual(
      onMal.map((e) => e.mangaId).sort((a, b) => a - b),
    );
    for (const e of onMal) {
      expect(parsed.manga.find((m) => Number(m.manga_mangadb_id) === e.mangaId)).toMatchObject({
        my_status: MAL_XML_STATUS_WORDS[e.listStatus.status],
        my_read_chapters: String(e.listStatus.num_chapters_read),
        my_read_volumes: String(e.listStatus.num_volumes_read),
        my_rereading: e.listStatus.is_rereading ? 'YES' : 'NO',
        my_score: String(e.listStatus.score),
      });
    }
    // The anime file holds no manga.
    const anime = await parser.parseMalXml((await system.store.get(keys[0] ?? ''))?.body ?? '');
    expect(anime.manga).toEqual([]);
    expect(anime.anime.map((a) => Number(a.series_animedb_id)).sort((a, b) => a - b)).toEqual(
      system
        .mal!.state.list()
        .map((e) => e.animeId)
        .sort((a, b) => a - b),
    );
  });
});
