import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PORT_KEYS } from '../../../local/config';
import type { RunReport } from '../../../shared/sync/report';

/*
 * `npm run sync` in sandbox mode with 200 new entries for MAL at 10 writes a second (a slow
 * enough pace to press Ctrl+C in the middle): progress lines appear while it writes (stdout is a
 * pipe, not a terminal), and Ctrl+C stops the run before its next write, prints the partial
 * report, which says so and counts truthfully, and exits with 130.
 */
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const ENTRIES = 200;
const PROGRESS = /^MyAnimeList: (\d+) of 200 written, (\d+) failed, (\d+) left, about \d+ s left$/gm;
const STOPPED =
  /^MyAnimeList: stopped with (\d+) of 200 written, (\d+) failed; (\d+) not attempted \(the next run makes them\)$/m;

function fixture(): object {
  const entries = Array.from({ length: ENTRIES }, (_, i) => ({
    id: i + 1,
    status: 'CURRENT',
    progress: 1,
    media: { id: 100_000 + i, idMal: 50_000 + i, title: { romaji: `Progress Test ${i + 1}` } },
  }));
  return {
    data: {
      MediaListCollection: {
        user: { name: 'progressTester', mediaListOptions: { scoreFormat: 'POINT_10' } },
        lists: [{ name: 'Watching', status: 'CURRENT', entries }],
      },
    },
  };
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The progress lines seen before Ctrl+C was pressed, as [written, failed, left]. */
  readonly before: number[][];
}

/** Runs `npm run sync` and presses Ctrl+C once it has shown progress with at least 25 writes made. */
async function syncAndPressCtrlC(dir: string, args: string[], progressOn: 'stdout' | 'stderr'): Promise<Finished> {
  const child: ChildProcess = spawn(process.execPath, [TSX, path.join(ROOT, 'local/sync-once.ts'), ...args], {
    cwd: dir,
    env: {
      ...process.env,
      ...Object.fromEntries(PORT_KEYS.map((k) => [k, '0'])),
      SANDBOX: 'true',
      SANDBOX_ANILIST_FIXTURE: path.join(dir, 'anilist.json'),
      DESTINATIONS: 'mal',
      MAL_REQUESTS_PER_MINUTE: '600',
    },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => {
    out.stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    out.stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const seen = () => [...out[progressOn].matchAll(PROGRESS)].map((m) => m.slice(1).map(Number));
  const deadline = Date.now() + 60_000;
  while (!seen().some(([written]) => written! >= 25) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const before = seen();
  child.kill('SIGINT');
  const code = await exited;
  return { code, ...out, before };
}

describe('npm run sync under Ctrl+C', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mirror-ctrl-c-'));
    writeFileSync(path.join(dir, 'anilist.json'), JSON.stringify(fixture()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('shows progress lines, then prints the partial report, stopped by you, and exits with 130', async () => {
    const run = await syncAndPressCtrlC(dir, [], 'stdout');
    expect(run.before.length).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^MyAnimeList: 200 writes to make, about 20 s at the configured pace$/m);
    expect(run.stdout).toContain(
      'Stopping: the sync makes no further write, saves where it got to and prints what it did.',
    );
    const stopped = STOPPED.exec(run.stdout);
    expect(stopped).not.toBeNull();
    const [written, failed, left] = stopped!.slice(1).map(Number) as [number, number, number];
    // Truthful: what was shown before Ctrl+C stays written, nothing is counted twice, and the rest waits.
    expect(written).toBeGreaterThanOrEqual(run.before.at(-1)![0]!);
    expect(written + failed + left).toBe(ENTRIES);
    expect(left).toBeGreaterThan(0);
    const report = run.stdout.slice(stopped!.index);
    expect(report).toContain('stopped by you (Ctrl+C)');
    expect(report).toMatch(new RegExp(`written: ${written}\\b`));
    expect(run.stderr).not.toContain('MyAnimeList');
    expect(run.code).toBe(130);
  }, 90_000);

  test('with --json, progress goes to stderr and stdout is the one JSON report, with an outcome per write', async () => {
    const run = await syncAndPressCtrlC(dir, ['--json'], 'stderr');
    expect(run.before.length).toBeGreaterThan(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(report.stopReason).toBe('interrupted');
    const mal = report.destinations[0]!;
    const outcomes = (o: string) => mal.writes.filter((w) => w.outcome === o).length;
    const [written, failed, left] = STOPPED.exec(run.stderr)!.slice(1).map(Number);
    expect([outcomes('applied'), outcomes('failed'), outcomes('not_attempted')]).toEqual([written, failed, left]);
    expect(mal.applied.written).toBe(written);
    expect(written).toBeGreaterThanOrEqual(run.before.at(-1)![0]!);
    expect(left).toBeGreaterThan(0);
    expect(run.code).toBe(130);
  }, 90_000);
});
