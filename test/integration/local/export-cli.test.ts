import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseExportArgs } from '../../../local/export/args';
import { type ParsedMalXml, XmlParser } from '../../support/xml';

/**
 * `npm run export` as a user runs it: a child process in sandbox mode, reading the sandbox AniList
 * over real HTTP (seeded from SANDBOX_ANILIST_FIXTURE), writing MAL's XML to a file or stdout.
 */
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const HOSTILE_TITLE = `Kiss & Tell <x> "it's" ]]> -- end`;
const HOSTILE_NOTES = 'a < b && c > d ]]> <!-- not a comment -->\r\nsecond line';

const fixture = {
  data: {
    anime: {
      user: { name: 'ExportUser', mediaListOptions: { scoreFormat: 'POINT_10' } },
      lists: [
        {
          name: 'Completed',
          status: 'COMPLETED',
          entries: [
            {
              id: 1,
              status: 'COMPLETED',
              score: 8,
              progress: 12,
              notes: HOSTILE_NOTES,
              startedAt: { year: 2021, month: 2, day: 3 },
              completedAt: { year: 2021, month: 4, day: 5 },
              media: { id: 101, idMal: 5001, title: { romaji: HOSTILE_TITLE }, format: 'TV', episodes: 12 },
            },
            {
              id: 2,
              status: 'REPEATING',
              score: 10,
              progress: 2,
              repeat: 3,
              media: { id: 102, idMal: 5002, title: { romaji: 'Rewatched' }, format: 'MOVIE', episodes: 1 },
            },
          ],
        },
        {
          name: 'Planning',
          status: 'PLANNING',
          entries: [
            { id: 3, status: 'PLANNING', media: { id: 999_001, idMal: null, title: { romaji: 'Nobody -- knows' } } },
          ],
        },
      ],
    },
    manga: {
      lists: [
        {
          name: 'Reading',
          status: 'CURRENT',
          entries: [
            {
              id: 11,
              status: 'CURRENT',
              score: 9,
              progress: 130,
              progressVolumes: 14,
              notes: HOSTILE_NOTES,
              media: { id: 30_013, idMal: 13, title: { romaji: 'One Piece' }, format: 'MANGA' },
            },
            {
              id: 12,
              status: 'REPEATING',
              repeat: 1,
              media: { id: 30_014, idMal: null, title: { romaji: 'Unknown to MAL' }, format: 'MANGA' },
            },
          ],
        },
      ],
    },
  },
};

function runExport(args: readonly string[], dir: string, env: Record<string, string> = { SANDBOX: 'true' }) {
  return spawnSync(process.execPath, [TSX, path.join(ROOT, 'local/export.ts'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      SANDBOX_ANILIST_FIXTURE: path.join(dir, 'anilist.json'),
      ...env,
    },
  });
}

describe('npm run export', () => {
  let dir: string;
  let parser: XmlParser;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mal-export-'));
    writeFileSync(path.join(dir, 'anilist.json'), JSON.stringify(fixture));
    parser = await XmlParser.start();
  });
  afterAll(async () => {
    await parser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--out FILE: the sandbox list as MAL XML, owner-only, with what was left out named', async () => {
    const out = path.join(dir, 'list.xml');
    const run = runExport(['--anime', '--out', out], dir);
    expect(run.stderr).toContain('Exported 2 anime entries of AniList user "ExportUser"');
    expect(run.stderr).toContain('1 entry left out');
    expect(run.status).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const parsed: ParsedMalXml = await parser.parseMalXml(readFileSync(out, 'utf8'));
    expect(parsed.myinfo).toMatchObject({ user_name: 'ExportUser', user_export_type: '1', user_total_anime: '2' });
    expect(parsed.anime).toEqual([
      expect.objectContaining({
        series_animedb_id: '5001',
        series_title: HOSTILE_TITLE,
        my_comments: HOSTILE_NOTES,
        my_status: 'Completed',
        my_score: '8',
        my_watched_episodes: '12',
        my_start_date: '2021-02-03',
        my_finish_date: '2021-04-05',
        my_rewatching: '0',
      }),
      expect.objectContaining({
        series_animedb_id: '5002',
        series_type: 'Movie',
        my_status: 'Completed',
        my_rewatching: '1',
        my_times_watched: '3',
        my_score: '10',
      }),
    ]);
    expect(parsed.comments.join('\n')).toMatch(/999001, Nobody - - knows: no MAL id/);
  });

  test('--manga: the manga list as a MAL manga file', async () => {
    const out = path.join(dir, 'manga.xml');
    const run = runExport(['--manga', `--out=${out}`], dir);
    expect(run.stderr).toContain('Exported 1 manga entry of AniList user "ExportUser"');
    expect(run.status).toBe(0);
    const parsed = await parser.parseMalXml(readFileSync(out, 'utf8'));
    expect(parsed.anime).toEqual([]);
    expect(parsed.myinfo).toMatchObject({ user_export_type: '2', user_total_manga: '1', user_total_reading: '1' });
    expect(parsed.manga).toEqual([
      expect.objectContaining({
        manga_mangadb_id: '13',
        my_read_chapters: '130',
        my_read_volumes: '14',
        my_score: '9',
        my_status: 'Reading',
        my_rereading: 'NO',
        my_comments: HOSTILE_NOTES,
      }),
    ]);
    expect(parsed.comments.join('\n')).toMatch(/30014, Unknown to MAL: no MAL id/);
  });

  test('without --out the same XML goes to standard output, and only the XML', () => {
    const run = runExport([], dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(readFileSync(path.join(dir, 'list.xml'), 'utf8'));
    expect(run.stderr).toContain('to standard output');
  });

  test('an unknown option is refused with the option meant, and nothing is read', () => {
    const run = runExport(['--mange'], dir);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown option --mange (did you mean --manga?)');
    expect(run.stdout).toBe('');
  });

  test('real mode without ANILIST_USERNAME names the setting, and reads nothing', () => {
    const run = runExport([], dir, { SANDBOX: 'false' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('ANILIST_USERNAME is required: the AniList user whose list is exported');
    expect(run.stdout).toBe('');
  });

  test.each([
    [['--help'], { kind: 'help' }],
    [['--out=a.xml', '--anime'], { kind: 'export', list: 'anime', out: 'a.xml' }],
    [['--anime', '--manga'], { kind: 'usage_error', message: 'choose one of --anime and --manga' }],
    [['--out'], { kind: 'usage_error', message: '--out needs a file name' }],
    [['--ouy', 'x'], { kind: 'usage_error', message: 'unknown option --ouy (did you mean --out?)' }],
    [['--verbose'], { kind: 'usage_error', message: 'unknown option --verbose' }],
  ])('arguments %j', (args, expected) => {
    expect(parseExportArgs(args)).toEqual(expected);
  });
});
