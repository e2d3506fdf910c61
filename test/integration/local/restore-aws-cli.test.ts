import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateAniListEntries } from '../../../local/sandbox/anilist';
import { toComparable } from '../../../shared/destinations/mal/mapping';
import type { MalListEntry } from '../../../shared/destinations/mal/types';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { malState } from '../../support/state';

/**
 * `npm run restore -- … --aws` as a child process, with everything AWS stood in for: an `aws` on PATH
 * that answers `cloudformation describe-stacks` (the stack's outputs) and `lambda
 * get-function-configuration` (the worker's settings), the state bucket on s3rver reached with the
 * "user's own" credentials and AWS_ENDPOINT_URL_S3, and the sandbox MAL the worker's settings name.
 */
const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

describe('npm run restore -- --aws', () => {
  let system: TestSystem;
  let dir: string;
  let before: MalListEntry[];

  beforeAll(async () => {
    system = await startTestSystem({ anilistEntries: generateAniListEntries(12, 3) });
    const ids = system
      .anilist!.store.entries()
      .filter((e) => e.media?.idMal && !e.private && !e.hiddenFromStatusLists)
      .map((e) => e.media!.idMal!);
    system.mal!.state.setList(
      ids.slice(0, 2).map((animeId) => ({ animeId, listStatus: { status: 'dropped' as const, score: 3 } })),
    );
    before = system.mal!.state.list();
    await authorize(system);
    dir = mkdtempSync(path.join(os.tmpdir(), 'mal-restore-aws-'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    // The stack output names the bucket (as it would after a redeploy created a new one), not the settings read.
    const workerEnv = { ...system.env, S3_FORCE_PATH_STYLE: 'true', STATE_BUCKET: 'not-this-bucket' };
    writeFileSync(path.join(dir, 'worker-env.json'), JSON.stringify(workerEnv));
    writeFileSync(
      path.join(dir, 'stack.json'),
      JSON.stringify({
        Stacks: [
          {
            StackStatus: 'UPDATE_COMPLETE',
            Outputs: [
              { OutputKey: 'StateBucketName', OutputValue: system.s3.bucket },
              { OutputKey: 'SyncWorkerFunctionName', OutputValue: 'MirrorStack-SyncWorker-abc' },
            ],
          },
        ],
      }),
    );
    writeFileSync(
      path.join(bin, 'aws'),
      [
        '#!/bin/sh',
        `echo "$*" >> "${dir}/aws-calls.log"`,
        `case "$1 $2" in`,
        `  "cloudformation describe-stacks") cat "${dir}/stack.json" ;;`,
        `  "lambda get-function-configuration") cat "${dir}/worker-env.json" ;;`,
        '  *) echo "unexpected: $*" >&2; exit 1 ;;',
        'esac',
      ].join('\n'),
    );
    chmodSync(path.join(bin, 'aws'), 0o755);
  });
  afterAll(async () => {
    await system?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Asynchronously: the servers it talks to run in this process, which must keep answering. */
  function runRestore(args: readonly string[]): Promise<{ stdout: string; stderr: string; status: number }> {
    const env = {
      PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
      HOME: dir,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: system.s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: system.s3.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_S3: system.s3.endpoint,
    };
    const argv = [TSX, path.join(ROOT, 'local/restore.ts'), ...args, '--aws'];
    return new Promise((resolve) => {
      execFile(process.execPath, argv, { cwd: dir, env, timeout: 90_000 }, (err, stdout, stderr) => {
        const status = err ? ((err as { code?: unknown }).code as number) : 0;
        resolve({ stdout, stderr, status });
      });
    });
  }
  const comparable = (list: readonly MalListEntry[]) =>
    Object.fromEntries(list.map((e) => [e.animeId, toComparable(e.listStatus)]));

  test('--list reads the bucket named by the stack output', async () => {
    const run = await runRestore(['--list']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`(AWS: state bucket ${system.s3.bucket})`);
    expect(run.stdout).toMatch(
      /Backups of the MAL list \(1\), oldest first:\n {2}mal-animelist-\S+ {2}.+ UTC {2}2 entries/,
    );
    expect(readFileSync(path.join(dir, 'aws-calls.log'), 'utf8')).toContain(
      'lambda get-function-configuration --function-name MirrorStack-SyncWorker-abc',
    );
  });

  test('latest restores MAL with the worker settings, then --resume lifts the pause', async () => {
    const run = await runRestore(['latest']);
    expect(run.stdout).toContain('MAL restored:');
    expect(run.stdout).toContain('npm run restore -- --resume --aws');
    expect(run.status).toBe(0);
    expect(comparable(system.mal!.state.list())).toEqual(comparable(before));
    expect((await malState(system.store)).paused).toBeDefined();
    const resume = await runRestore(['--resume']);
    expect(resume.stdout).toContain('Sync of MAL resumed');
    expect((await malState(system.store)).paused).toBeUndefined();
  });
});
