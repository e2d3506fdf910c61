import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run restore` as a user runs it from a fresh clone: a child process in sandbox mode, which
 * syncs a fresh sandbox once (so that there is a backup: the sandbox MAL list from before it) and
 * then works on it over real HTTP, like `npm run sync`.
 */
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

function runRestore(args: readonly string[], dir: string) {
  return spawnSync(process.execPath, [TSX, path.join(ROOT, 'local/restore.ts'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 90_000,
    env: { PATH: process.env.PATH, HOME: dir, SANDBOX: 'true' },
  });
}

describe('npm run restore', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mal-restore-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--list: the backup the first sync took, with its date and entry count', () => {
    const run = runRestore(['--list'], dir);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('(sandbox mode: a fresh sandbox');
    expect(run.stdout).toMatch(
      /Backups of the MAL list \(1\), oldest first:\n {2}mal-animelist-\S+ {2}\w+day, \d+ \w+ \d{4}, \d\d:\d\d UTC {2}\d+ entr/,
    );
    expect(run.status).toBe(0);
  });

  test('latest --dry-run: the plan, entry by entry, and nothing written', () => {
    const run = runRestore(['latest', '--dry-run'], dir);
    expect(run.stdout).toMatch(
      /Dry run: nothing was written\.\nRestoring mal-animelist-\S+ would change (\d+) MAL entries: /,
    );
    expect(run.stdout).toMatch(/ {2}− .+ \(MAL \d+\): added by this system since the backup/);
    expect(run.status).toBe(0);
  });

  test('an unknown option is refused with the one meant and the usage', () => {
    const run = runRestore(['latest', '--dryrun'], dir);
    expect(run.stderr).toContain('unknown option --dryrun (did you mean --dry-run?)');
    expect(run.stderr).toContain('usage: npm run restore -- --list');
    expect(run.status).toBe(2);
  });

  test('--help', () => {
    const run = runRestore(['--help'], dir);
    expect(run.stdout).toContain('stays paused after');
    expect(run.status).toBe(0);
  });
});
