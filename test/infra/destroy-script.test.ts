import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { awsCliTarget, type CommandResult, describeMirrorStack } from '../../scripts/cdk-config';
import { REPO_ROOT } from './support';

const DESCRIBED = JSON.stringify({
  Stacks: [
    {
      StackName: 'MirrorStack',
      StackStatus: 'UPDATE_COMPLETE',
      Outputs: [
        { OutputKey: 'StateBucketName', OutputValue: 'mirrorstack-statebucket1234abcd-0a1b2c3d4e5f' },
        { OutputKey: 'CallbackUrl', OutputValue: 'https://abc.execute-api.eu-west-1.amazonaws.com/callback' },
      ],
    },
  ],
});
const ABSENT =
  'An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id MirrorStack does not exist\n';

describe('describeMirrorStack (AWS CLI)', () => {
  const answer = (r: Partial<CommandResult>) => () => ({ status: 0, stdout: '', stderr: '', ...r });

  test('reads the status and outputs, asking for exactly the mirror stack where cdk would look', () => {
    const calls: string[][] = [];
    const found = describeMirrorStack(['--profile', 'me'], (cmd, args) => {
      calls.push([cmd, ...args]);
      return { status: 0, stdout: DESCRIBED, stderr: '' };
    });
    expect(found).toEqual({
      kind: 'found',
      status: 'UPDATE_COMPLETE',
      outputs: {
        StateBucketName: 'mirrorstack-statebucket1234abcd-0a1b2c3d4e5f',
        CallbackUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/callback',
      },
    });
    expect(calls).toEqual([
      [
        'aws',
        'cloudformation',
        'describe-stacks',
        '--stack-name',
        'MirrorStack',
        '--output',
        'json',
        '--profile',
        'me',
      ],
    ]);
  });

  test('"does not exist" means absent (a deleted stack is never returned by name)', () => {
    expect(describeMirrorStack([], answer({ status: 254, stderr: ABSENT }))).toEqual({ kind: 'absent' });
  });

  test('no AWS CLI, other errors and garbage are "unknown", never "absent"', () => {
    const enoent = Object.assign(new Error('spawnSync aws ENOENT'), { code: 'ENOENT' });
    expect(describeMirrorStack([], answer({ status: null, error: enoent }))).toEqual({
      kind: 'unknown',
      reason: 'the AWS CLI (aws) is not installed',
    });
    const denied = describeMirrorStack([], answer({ status: 254, stderr: 'An error occurred (ExpiredToken)\n' }));
    expect(denied).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('ExpiredToken') });
    expect(describeMirrorStack([], answer({ stdout: 'not json' }))).toMatchObject({ kind: 'unknown' });
  });

  test('the CLI target follows --profile and a pinned region (-c wins over cdk.json)', () => {
    expect(awsCliTarget(['--profile=me', '-c', 'region=eu-west-1'])).toEqual([
      '--profile',
      'me',
      '--region',
      'eu-west-1',
    ]);
    expect(awsCliTarget(['--force', '-c', 'region='])).toEqual([]);
  });
});

/**
 * The script itself, offline: `aws` and `npx` are stand-in scripts first on PATH (bash builtins only).
 * `aws` describes the stack until `npx cdk destroy` has run, then reports it gone (or still there).
 */
describe('npm run destroy', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  function run(args: string[], opts: { stdin?: string; aws?: 'deleted' | 'still-there' | 'absent' | 'none' } = {}) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'destroy-test-'));
    dirs.push(dir);
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const marker = path.join(dir, 'cdk-ran');
    fs.writeFileSync(path.join(bin, 'npx'), `#!/bin/bash\nprintf '%s\\n' "$@" > ${JSON.stringify(marker)}\nexit 0\n`, {
      mode: 0o755,
    });
    if ((opts.aws ?? 'deleted') !== 'none') {
      const afterwards =
        opts.aws === 'still-there'
          ? `printf '%s' ${JSON.stringify(DESCRIBED.replace('UPDATE_COMPLETE', 'DELETE_FAILED'))}; exit 0`
          : `printf '%s' ${JSON.stringify(ABSENT)} >&2; exit 254`;
      fs.writeFileSync(
        path.join(bin, 'aws'),
        [
          '#!/bin/bash',
          `if [[ -e ${JSON.stringify(marker)} || ${opts.aws === 'absent'} == true ]]; then ${afterwards}; fi`,
          `printf '%s' ${JSON.stringify(DESCRIBED)}`,
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
    }
    const result = spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(REPO_ROOT, 'scripts', 'destroy.ts'),
        ...args,
      ],
      {
        cwd: REPO_ROOT,
        input: opts.stdin ?? '',
        encoding: 'utf8',
        timeout: 60_000,
        env: { HOME: dir, PATH: bin, AWS_CONFIG_FILE: path.join(dir, 'none'), CDK_DISABLE_CLI_TELEMETRY: 'true' },
      },
    );
    const cdkArgs = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim().split('\n') : undefined;
    return { status: result.status, out: result.stdout + result.stderr, cdkArgs };
  }

  test('answering no deletes nothing and says nothing about a kept bucket', () => {
    const r = run([], { stdin: 'n\n' });
    expect(r.cdkArgs).toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.out).toContain('Cancelled: nothing was deleted.');
    expect(r.out).not.toContain('was kept');
  }, 60_000);

  test('no answer at all (end of input) is a no', () => {
    const r = run([]);
    expect(r.cdkArgs).toBeUndefined();
    expect(r.out).toContain('Cancelled');
  }, 60_000);

  test('yes: cdk destroys without asking again; the bucket is named from the live stack outputs', () => {
    const r = run(['--profile', 'me'], { stdin: 'yes\n' });
    expect(r.cdkArgs).toEqual(['cdk', 'destroy', 'MirrorStack', '--profile', 'me', '--force']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('MirrorStack is deleted.');
    expect(r.out).toContain('The state bucket mirrorstack-statebucket1234abcd-0a1b2c3d4e5f was kept');
  }, 60_000);

  test('--force skips the prompt', () => {
    const r = run(['--force']);
    expect(r.cdkArgs).toEqual(['cdk', 'destroy', 'MirrorStack', '--force']);
    expect(r.status).toBe(0);
  }, 60_000);

  test('a stack still there after cdk destroy is an error, not "kept"', () => {
    const r = run(['--force'], { aws: 'still-there' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('still exists (status DELETE_FAILED)');
    expect(r.out).not.toContain('was kept');
  }, 60_000);

  test('a stack that does not exist is reported as such, and cdk is not run', () => {
    const r = run(['--force'], { aws: 'absent' });
    expect(r.cdkArgs).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.out).toContain('MirrorStack does not exist in this account/region');
  }, 60_000);

  test('without the AWS CLI it relies on cdk (which waits for the deletion) and says it could not double-check', () => {
    const r = run(['--force'], { aws: 'none' });
    expect(r.status).toBe(0);
    expect(r.out).toContain('not double-checked: the AWS CLI (aws) is not installed');
  }, 60_000);
});
