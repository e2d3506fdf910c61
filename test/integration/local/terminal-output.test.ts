import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PORT_KEYS } from '../../../local/config';

/*
 * `npm run sync` in sandbox mode, with an AniList list whose titles carry terminal escape
 * sequences: a screen clear, an OSC 8 hyperlink, a carriage return, an 8-bit CSI and bidi
 * overrides. The report names both entries (one written, one skipped), and nothing it prints may
 * carry a control sequence; the --json report keeps the titles intact, as JSON escapes.
 */
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

const WRITTEN =
  'One \x1b[2J\x1b[HPiece \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \rSpoof \u202eevil\u202c';
const SKIPPED = 'No \x1b[31mMAL\x1b[0m id \x9b2J\u2066isolated\u2069';
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function fixture(): object {
  const entry = (id: number, idMal: number | null, title: string) => ({
    id,
    status: 'CURRENT',
    progress: 1,
    media: { id: 100 + id, idMal, title: { romaji: title } },
  });
  return {
    data: {
      MediaListCollection: {
        user: { name: 'terminalTester', mediaListOptions: { scoreFormat: 'POINT_10' } },
        lists: [{ name: 'Watching', status: 'CURRENT', entries: [entry(1, 21, WRITTEN), entry(2, null, SKIPPED)] }],
      },
    },
  };
}

describe('npm run sync with escape sequences in AniList titles', () => {
  let dir: string;
  const sync = (args: string[]) =>
    spawnSync(process.execPath, [TSX, path.join(ROOT, 'local/sync-once.ts'), ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 90_000,
      env: {
        ...process.env,
        ...Object.fromEntries(PORT_KEYS.map((k) => [k, '0'])),
        SANDBOX: 'true',
        SANDBOX_ANILIST_FIXTURE: path.join(dir, 'anilist.json'),
        DESTINATIONS: 'mal',
      },
    });
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mirror-terminal-'));
    writeFileSync(path.join(dir, 'anilist.json'), JSON.stringify(fixture()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the report names both entries, with no control character in anything printed', () => {
    const run = sync([]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('One Piece click Spoof evil (MAL 21): new on MAL');
    expect(run.stdout).toContain('No MAL id isolated: AniList has no MyAnimeList id');
    expect(run.stdout).not.toContain('\x1b');
    expect(run.stdout).not.toMatch(UNPRINTABLE);
  });

  test('--json keeps the titles exact, escaped', () => {
    const run = sync(['--json']);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(UNPRINTABLE);
    expect(run.stdout).toContain('\\u001b[2J');
    const report = JSON.parse(run.stdout) as { destinations: { skipped: { title: string }[] }[] };
    expect(report.destinations[0]?.skipped.map((s) => s.title)).toEqual([SKIPPED]);
  });
});
