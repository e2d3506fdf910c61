import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PORT_KEYS } from '../../../local/config';

/*
 * `npm run sync -- --dry-run` with a misspelled setting in the environment and another in .env:
 * each is named once on stderr with the setting meant, and the run goes on (warnings, not errors).
 */
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

describe('npm run sync with misspelled settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mirror-unknown-settings-'));
    writeFileSync(path.join(dir, '.env'), 'MIRROR_PRIVAT=true\nmirror_manga=false\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('warns on stderr, once each, naming the setting meant, and still runs', () => {
    const run = spawnSync(process.execPath, [TSX, path.join(ROOT, 'local/sync-once.ts'), '--dry-run'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        ...Object.fromEntries(PORT_KEYS.map((k) => [k, '0'])),
        SANDBOX: 'true',
        DESTINATIONS: 'mal',
        LOCAL_DATA_DIR: path.join(dir, 'data'),
        SYNC_INTERVAL_MINUTS: '60',
      },
    });
    const warnings = run.stderr.split('\n').filter((line) => line.startsWith('Warning: '));
    // The environment's keys first, then those .env adds, in its order.
    expect(warnings).toEqual([
      'Warning: SYNC_INTERVAL_MINUTS (in the environment) is not a setting and is ignored: did you mean SYNC_INTERVAL_MINUTES?',
      'Warning: MIRROR_PRIVAT (in .env) is not a setting and is ignored: did you mean MIRROR_PRIVATE?',
      'Warning: mirror_manga (in .env) is ignored: settings are upper case. Did you mean MIRROR_MANGA?',
    ]);
    expect(run.status).toBe(0);
    // The dry run's plan: the sandbox list would be written to MAL.
    expect(run.stdout).toMatch(/new on MAL/);
    expect(run.stdout).not.toContain('Warning');
  });
});
