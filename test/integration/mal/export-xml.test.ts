import { malAnimeExport, malMangaExport } from '../../../shared/destinations/mal/export';
import { MAL_XML_STATUS_WORDS, writeMalXml } from '../../../shared/destinations/mal/export-xml';
import { mapMangaEntry } from '../../../shared/destinations/mal/manga';
import { type MappingOptions, mapEntry } from '../../../shared/destinations/mal/mapping';
import type { MalStatus } from '../../../shared/destinations/mal/types';
import type { SourceEntry } from '../../../shared/sync/source';
import { printable } from '../../../shared/text/printable';
import { anilistEntry, NO_DATE } from '../../support/entries';
import { type ParsedMalXml, XmlParser } from '../../support/xml';

/**
 * The MAL XML export, read back by a strict XML 1.0 parser (Chromium's): it is well-formed, every
 * field the MAL mapping produces comes back as the mapping says, hostile titles and notes come back
 * as they were, and nothing is dropped without being named.
 */
const OPTIONS: MappingOptions = { mirrorPrivate: false, idOverrides: new Map([[90_001, 777]]) };

const HOSTILE = `Tom & Jerry <b>"quoted"</b> 'single' ]]> <![CDATA[ x ]]> -- &amp; end`;
const fixture: SourceEntry[] = [
  anilistEntry({ idMal: 1, status: 'CURRENT', score: 85, progress: 3, episodes: 12, format: 'TV' }),
  anilistEntry({ idMal: 2, status: 'PLANNING', score: 0, episodes: null, format: 'MOVIE' }),
  anilistEntry({
    idMal: 3,
    status: 'COMPLETED',
    score: 84,
    progress: 24,
    repeat: 2,
    startedAt: { year: 2020, month: 1, day: 5 },
    completedAt: { year: 2020, month: 3, day: 31 },
    notes: 'plain note',
  }),
  anilistEntry({ idMal: 4, status: 'DROPPED', score: 5, progress: 1, format: 'OVA' }),
  anilistEntry({ idMal: 5, status: 'PAUSED', score: 100, progress: 7, format: 'TV_SHORT' }),
  anilistEntry({
    idMal: 6,
    status: 'REPEATING',
    score: 72,
    progress: 4,
    repeat: 1,
    startedAt: { year: 2019, month: 4, day: null },
    completedAt: { year: 2021, month: null, day: null },
    format: 'ONA',
  }),
  anilistEntry({ idMal: 7, status: 'COMPLETED', title: HOSTILE, notes: `${HOSTILE}\r\nline two\u0085\u202e` }),
  anilistEntry({ idMal: 8, status: 'CURRENT', title: 'Bell\u0007 and escape\u001b[2J', notes: 'tab\tkept\u0001' }),
  anilistEntry({ mediaId: 90_001, idMal: null, status: 'COMPLETED', title: 'Override -- only' }),
  anilistEntry({ mediaId: 90_002, idMal: null, title: 'No id -- at all <x> & --->' }),
  anilistEntry({ mediaId: 90_003, idMal: 9, private: true, title: 'Private one' }),
];

const STATUS_OF_WORD = new Map<string, MalStatus>(
  (['watching', 'completed', 'on_hold', 'dropped', 'plan_to_watch'] as const).map((s) => [MAL_XML_STATUS_WORDS[s], s]),
);

/** What a C0 control (other than tab, LF, CR) becomes: XML 1.0 cannot hold one. */
const withoutC0 = (text: string) =>
  [...text].map((c) => (c.charCodeAt(0) < 0x20 && !'\t\n\r'.includes(c) ? '\ufffd' : c)).join('');

describe('MAL XML export', () => {
  let parser: XmlParser;
  let xml: string;
  let parsed: ParsedMalXml;

  beforeAll(async () => {
    parser = await XmlParser.start();
    xml = writeMalXml(malAnimeExport(fixture, OPTIONS, 'sandbox_user'));
    parsed = await parser.parseMalXml(xml);
  });
  afterAll(() => parser?.close());

  test('is a well-formed myanimelist document with myinfo totals and one anime per mapped entry', () => {
    expect(parsed.root).toBe('myanimelist');
    expect(parsed.myinfo).toEqual({
      user_name: 'sandbox_user',
      user_export_type: '1',
      user_total_anime: '9',
      user_total_watching: '2',
      user_total_completed: '4',
      user_total_onhold: '1',
      user_total_dropped: '1',
      user_total_plantowatch: '1',
    });
    expect(parsed.anime.map((a) => Number(a.series_animedb_id)).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 777,
    ]);
    for (const a of parsed.anime) expect(a.update_on_import).toBe('1');
  });

  test('round-trips every field the MAL mapping produces', () => {
    for (const entry of fixture) {
      const mapped = mapEntry(entry, OPTIONS);
      if (mapped.kind !== 'mapped') continue;
      const a = parsed.anime.find((x) => Number(x.series_animedb_id) === mapped.malId);
      const { desired } = mapped;
      expect({
        status: STATUS_OF_WORD.get(a?.my_status ?? ''),
        is_rewatching: a?.my_rewatching === '1',
        score: Number(a?.my_score),
        num_watched_episodes: Number(a?.my_watched_episodes),
        num_times_rewatched: Number(a?.my_times_watched),
        comments: a?.my_comments,
        title: a?.series_title,
      }).toEqual({
        status: desired.status,
        is_rewatching: desired.is_rewatching,
        score: desired.score,
        num_watched_episodes: desired.num_watched_episodes,
        num_times_rewatched: desired.num_times_rewatched,
        // XML 1.0 cannot hold C0 controls other than tab, LF and CR: they come back as U+FFFD.
        comments: withoutC0(desired.comments),
        title: withoutC0(entry.title),
      });
      // A full date is the mapping's own; none is 0000-00-00.
      if (desired.start_date !== undefined) expect(a?.my_start_date).toBe(desired.start_date || '0000-00-00');
      if (desired.finish_date !== undefined) expect(a?.my_finish_date).toBe(desired.finish_date || '0000-00-00');
    }
  });

  test('the rewatch, the scores, the media types and a partial date come out as MAL writes them', () => {
    const byId = new Map(parsed.anime.map((a) => [a.series_animedb_id, a]));
    expect(byId.get('6')).toMatchObject({
      my_status: 'Completed',
      my_rewatching: '1',
      my_times_watched: '1',
      my_start_date: '2019-04-00',
      my_finish_date: '2021-00-00',
      series_type: 'ONA',
    });
    expect(byId.get('3')).toMatchObject({ my_start_date: '2020-01-05', my_finish_date: '2020-03-31', my_score: '8' });
    expect(byId.get('1')).toMatchObject({
      my_status: 'Watching',
      my_score: '9',
      series_type: 'TV',
      series_episodes: '12',
    });
    expect(byId.get('2')).toMatchObject({ my_status: 'Plan to Watch', series_type: 'Movie', series_episodes: '0' });
    expect(byId.get('5')).toMatchObject({ my_status: 'On-Hold', my_score: '10', series_type: 'TV' });
    expect(byId.get('4')).toMatchObject({ my_status: 'Dropped', my_score: '1', my_rewatching: '0' });
  });

  test('titles and notes with XML metacharacters come back exactly; the file itself is safe to print', () => {
    const hostile = parsed.anime.find((a) => a.series_animedb_id === '7');
    expect(hostile?.series_title).toBe(HOSTILE);
    // CR, a C1 control and a bidi override survive as character references.
    expect(hostile?.my_comments).toBe(`${HOSTILE}\r\nline two\u0085\u202e`);
    expect(parsed.anime.find((a) => a.series_animedb_id === '8')?.my_comments).toBe('tab\tkept\ufffd');
    expect(printable(xml)).toBe(xml);
  });

  test('entries left out are each named in a comment with the reason and the fix', () => {
    expect(parsed.comments).toHaveLength(1);
    const comment = parsed.comments[0] ?? '';
    expect(comment).toContain('Not in this file: 2 AniList anime entries');
    expect(comment).toMatch(/90002, No id - - at all <x> & - - -> ?: no MAL id: .*add it to ID_OVERRIDES/);
    expect(comment).toMatch(/90003, Private one: private: .*MIRROR_PRIVATE=true/);
  });

  test('a list with nothing left out has no comment, and an empty list is still a document', async () => {
    const empty = await parser.parseMalXml(writeMalXml(malAnimeExport([], OPTIONS, 'someone')));
    expect(empty).toMatchObject({ anime: [], comments: [], myinfo: { user_total_anime: '0', user_export_type: '1' } });
  });

  test('a MAL id claimed twice is exported once, for the most recent edit, and the other is named', async () => {
    const older = anilistEntry({ idMal: 50, updatedAt: 1_000, title: 'Older', score: 10 });
    const newer = anilistEntry({ idMal: 50, updatedAt: 2_000, title: 'Newer', score: 90 });
    const doc = await parser.parseMalXml(writeMalXml(malAnimeExport([older, newer], OPTIONS, 'u')));
    expect(doc.anime).toEqual([expect.objectContaining({ series_title: 'Newer', my_score: '9' })]);
    expect(doc.comments[0]).toMatch(/Older: duplicate MAL id/);
  });

  test('dates: none, full, year only', () => {
    const one = (startedAt: SourceEntry['startedAt']) =>
      malAnimeExport([anilistEntry({ idMal: 1, startedAt })], OPTIONS, 'u').entries[0]?.startDate;
    expect([
      one(NO_DATE),
      one({ year: 1999, month: 12, day: 31 }),
      one({ year: 2001, month: null, day: null }),
    ]).toEqual(['0000-00-00', '1999-12-31', '2001-00-00']);
  });

  describe('the manga list', () => {
    const manga = (o: Partial<SourceEntry>) => anilistEntry({ kind: 'manga', progressVolumes: 0, ...o });
    const mangaFixture: SourceEntry[] = [
      manga({ idMal: 11, status: 'CURRENT', score: 85, progress: 120, progressVolumes: 12 }),
      manga({ idMal: 12, status: 'PLANNING' }),
      manga({
        idMal: 13,
        status: 'COMPLETED',
        score: 84,
        progress: 200,
        progressVolumes: 20,
        startedAt: { year: 2018, month: 6, day: 1 },
        completedAt: { year: 2019, month: 6, day: 30 },
      }),
      manga({ idMal: 14, status: 'DROPPED', score: 5, progress: 3 }),
      manga({ idMal: 15, status: 'PAUSED', progress: 40, progressVolumes: 4 }),
      manga({
        idMal: 16,
        status: 'REPEATING',
        progress: 9,
        progressVolumes: 1,
        repeat: 2,
        title: HOSTILE,
        notes: HOSTILE,
      }),
      manga({ mediaId: 95_001, idMal: null, title: 'Manga without an id' }),
      // An anime among them is not part of the manga file (nor a manga of the anime file).
      anilistEntry({ idMal: 99 }),
    ];
    let doc: ParsedMalXml;
    beforeAll(async () => {
      doc = await parser.parseMalXml(writeMalXml(malMangaExport(mangaFixture, OPTIONS, 'reader')));
    });

    test("is a manga file: export type 2, manga elements only, MAL's manga field names", () => {
      expect(doc.anime).toEqual([]);
      expect(doc.myinfo).toEqual({
        user_name: 'reader',
        user_export_type: '2',
        user_total_manga: '6',
        user_total_reading: '1',
        user_total_completed: '2',
        user_total_onhold: '1',
        user_total_dropped: '1',
        user_total_plantoread: '1',
      });
      expect(doc.manga.find((m) => m.manga_mangadb_id === '16')).toMatchObject({
        manga_title: HOSTILE,
        my_comments: HOSTILE,
        my_status: 'Completed',
        my_rereading: 'YES',
        my_times_read: '2',
        update_on_import: '1',
      });
      expect(doc.manga.find((m) => m.manga_mangadb_id === '12')).toMatchObject({
        my_status: 'Plan to Read',
        my_rereading: 'NO',
      });
      expect(doc.comments.join('\n')).toMatch(/95001, Manga without an id: no MAL id: .*ID_OVERRIDES/);
    });

    test('round-trips every field the MAL manga mapping produces', () => {
      const words = new Map<string, string>(Object.entries(MAL_XML_STATUS_WORDS).map(([k, v]) => [v, k]));
      for (const entry of mangaFixture.filter((e) => e.kind === 'manga')) {
        const mapped = mapMangaEntry(entry, OPTIONS);
        if (mapped.kind !== 'mapped') continue;
        const m = doc.manga.find((x) => Number(x.manga_mangadb_id) === mapped.malId);
        const { desired } = mapped;
        expect({
          status: words.get(m?.my_status ?? ''),
          is_rereading: m?.my_rereading === 'YES',
          score: Number(m?.my_score),
          num_chapters_read: Number(m?.my_read_chapters),
          num_volumes_read: Number(m?.my_read_volumes),
          num_times_reread: Number(m?.my_times_read),
          comments: m?.my_comments,
          start_date: m?.my_start_date,
          finish_date: m?.my_finish_date,
        }).toEqual({
          status: desired.status,
          is_rereading: desired.is_rereading,
          score: desired.score,
          num_chapters_read: desired.num_chapters_read,
          num_volumes_read: desired.num_volumes_read,
          num_times_reread: desired.num_times_reread,
          comments: desired.comments,
          start_date: desired.start_date || '0000-00-00',
          finish_date: desired.finish_date || '0000-00-00',
        });
      }
    });
  });
});
