import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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

const ACCOUNT = '123456789012';
const CALLER_ARN = `arn:aws:iam::${ACCOUNT}:user/mirror-tester`;

/**
 * A stand-in for AWS STS on loopback: GetCallerIdentity answers as STS does (query protocol, XML),
 * or with STS's own ExpiredToken error.
 */
async function startFakeSts(answer: 'identity' | 'expired'): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/xml');
      if (answer === 'expired') {
        res.statusCode = 403;
        res.end(
          '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
            '<Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message>' +
            '</Error><RequestId>r-1</RequestId></ErrorResponse>',
        );
        return;
      }
      res.end(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
          `<Arn>${CALLER_ARN}</Arn><UserId>AIDAEXAMPLE</UserId><Account>${ACCOUNT}</Account>` +
          '</GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on: any request to it would fail (none should be made). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a script with tsx, the environment given exactly (no inherited AWS settings), stdin fed. */
function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  stdin = '',
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(REPO_ROOT, 'scripts', script),
        ...args,
      ],
      { cwd: REPO_ROOT, env },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
    child.stdin.end(stdin);
  });
}

/**
 * The script itself, offline: `aws` and `npx` are stand-in scripts first on PATH (bash builtins only).
 * `aws` describes the stack until `npx cdk destroy` has run, then reports it gone (or still there).
 * STS (the credential check) is a stand-in on loopback, or a port nothing listens on.
 */
describe('npm run destroy', () => {
  const dirs: string[] = [];
  let sts: Awaited<ReturnType<typeof startFakeSts>>;
  let expiredSts: Awaited<ReturnType<typeof startFakeSts>>;
  beforeAll(async () => {
    sts = await startFakeSts('identity');
    expiredSts = await startFakeSts('expired');
  });
  afterAll(async () => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await sts.close();
    await expiredSts.close();
  });

  async function run(
    args: string[],
    opts: {
      stdin?: string;
      aws?: 'deleted' | 'still-there' | 'absent' | 'none';
      credentials?: 'valid' | 'expired' | 'none';
      region?: string;
    } = {},
  ) {
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
    const credentials = opts.credentials ?? 'valid';
    // The profile `--profile me` names, with the same stand-in keys as the environment.
    const awsConfig = path.join(dir, 'aws-config');
    const awsCredentials = path.join(dir, 'aws-credentials');
    fs.writeFileSync(awsConfig, '[profile me]\nregion = eu-west-1\n');
    if (credentials !== 'none') {
      fs.writeFileSync(
        awsCredentials,
        '[me]\naws_access_key_id = AKIAEXAMPLEEXAMPLE\naws_secret_access_key = not-a-real-secret\n',
      );
    }
    const env: Record<string, string> = {
      HOME: dir,
      PATH: bin,
      AWS_CONFIG_FILE: awsConfig,
      AWS_SHARED_CREDENTIALS_FILE: awsCredentials,
      // Never the machine's own instance role.
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      AWS_ENDPOINT_URL_STS:
        credentials === 'valid'
          ? sts.endpoint
          : credentials === 'expired'
            ? expiredSts.endpoint
            : `http://127.0.0.1:${await unusedPort()}`,
      ...(opts.region === '' ? {} : { AWS_REGION: opts.region ?? 'eu-west-1' }),
      ...(credentials === 'none'
        ? {}
        : { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret' }),
    };
    const result = await runScript('destroy.ts', args, env, opts.stdin ?? '');
    const cdkArgs = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim().split('\n') : undefined;
    return { ...result, cdkArgs };
  }

  test('answering no deletes nothing and says nothing about a kept bucket', async () => {
    const r = await run([], { stdin: 'n\n' });
    expect(r.cdkArgs).toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.out).toContain('Cancelled: nothing was deleted.');
    expect(r.out).not.toContain('was kept');
  }, 60_000);

  test('no answer at all (end of input) is a no', async () => {
    const r = await run([]);
    expect(r.cdkArgs).toBeUndefined();
    expect(r.out).toContain('Cancelled');
  }, 60_000);

  test('yes: cdk destroys without asking again; the bucket is named from the live stack outputs', async () => {
    const r = await run(['--profile', 'me'], { stdin: 'yes\n' });
    expect(r.cdkArgs).toEqual(['cdk', 'destroy', 'MirrorStack', '--profile', 'me', '--force']);
    expect(r.status).toBe(0);
    expect(r.out).toContain('MirrorStack is deleted.');
    expect(r.out).toContain('The state bucket mirrorstack-statebucket1234abcd-0a1b2c3d4e5f was kept');
  }, 60_000);

  test('--force skips the prompt', async () => {
    const r = await run(['--force']);
    expect(r.cdkArgs).toEqual(['cdk', 'destroy', 'MirrorStack', '--force']);
    expect(r.status).toBe(0);
  }, 60_000);

  test('a stack still there after cdk destroy is an error, not "kept"', async () => {
    const r = await run(['--force'], { aws: 'still-there' });
    expect(r.status).toBe(1);
    expect(r.out).toContain('still exists (status DELETE_FAILED)');
    expect(r.out).not.toContain('was kept');
  }, 60_000);

  test('a stack that does not exist is reported as such, and cdk is not run', async () => {
    const r = await run(['--force'], { aws: 'absent' });
    expect(r.cdkArgs).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.out).toContain('MirrorStack does not exist in this account/region');
  }, 60_000);

  test('without the AWS CLI it relies on cdk (which waits for the deletion) and says it could not double-check', async () => {
    const r = await run(['--force'], { aws: 'none' });
    expect(r.status).toBe(0);
    expect(r.out).toContain('not double-checked: the AWS CLI (aws) is not installed');
  }, 60_000);

  test('credentials are checked before anything is asked: it names the account and region in the question', async () => {
    const r = await run([], { stdin: 'n\n' });
    expect(r.out).toContain(`AWS account ${ACCOUNT}, region eu-west-1 (as ${CALLER_ARN}).`);
    expect(r.out).toContain(`Delete the stack MirrorStack from account ${ACCOUNT} in eu-west-1`);
    expect(r.out.indexOf(`AWS account ${ACCOUNT}`)).toBeLessThan(r.out.indexOf('Type "yes"'));
  }, 60_000);

  test('no credentials: it stops with the fix and never asks (even with "yes" waiting on stdin)', async () => {
    const r = await run([], { stdin: 'yes\n', credentials: 'none' });
    expect(r.status).toBe(1);
    expect(r.cdkArgs).toBeUndefined();
    expect(r.out).not.toContain('Type "yes"');
    expect(r.out).toContain('Nothing was deleted. No AWS credentials found');
    expect(r.out).toContain('aws sso login --profile <name>');
    expect(r.out).toContain('aws configure');
    expect(r.out).toContain('AWS_PROFILE');
  }, 60_000);

  test('expired credentials: it says they expired, names the fix, and never asks', async () => {
    const r = await run([], { stdin: 'yes\n', credentials: 'expired' });
    expect(r.status).toBe(1);
    expect(r.cdkArgs).toBeUndefined();
    expect(r.out).not.toContain('Type "yes"');
    expect(r.out).toContain('Your AWS credentials have expired or were refused (ExpiredToken');
    expect(r.out).toContain('aws sso login --profile <name>');
  }, 60_000);

  test('credentials for another account than the pinned "account" setting: it stops without asking', async () => {
    const r = await run(['-c', 'account=111111111111'], { stdin: 'yes\n' });
    expect(r.status).toBe(1);
    expect(r.cdkArgs).toBeUndefined();
    expect(r.out).not.toContain('Type "yes"');
    expect(r.out).toContain(
      `Nothing was deleted. The "account" setting pins account 111111111111, but your AWS credentials are for account ${ACCOUNT}.`,
    );
  }, 60_000);

  test('no region anywhere: it stops and says where to set one, without asking', async () => {
    const r = await run([], { stdin: 'yes\n', region: '' });
    expect(r.status).toBe(1);
    expect(r.cdkArgs).toBeUndefined();
    expect(r.out).not.toContain('Type "yes"');
    expect(r.out).toContain('No AWS region');
  }, 60_000);
});

/** `npm run deploy` checks the same way, before the bootstrap check and the long cdk deploy. */
describe('npm run deploy: credentials', () => {
  const settings = [
    'anilistUsername=mirror-tester',
    'mal.clientId=abc123clientid',
    'notifyEmail=me@mail.test',
    'senderEmail=me@mail.test',
  ].flatMap((s) => ['-c', s]);

  test('without credentials it stops with the fix before running cdk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-test-'));
    const marker = path.join(dir, 'cdk-ran');
    fs.writeFileSync(path.join(dir, 'npx'), `#!/bin/bash\ntouch ${JSON.stringify(marker)}\n`, { mode: 0o755 });
    const r = await runScript('deploy.ts', settings, {
      HOME: dir,
      PATH: dir,
      AWS_CONFIG_FILE: path.join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${await unusedPort()}`,
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${await unusedPort()}`,
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain('No AWS credentials found');
    expect(r.out).toContain('aws configure');
    expect(fs.existsSync(marker)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test('with credentials it names the account and region before it goes on (here to the bootstrap check)', async () => {
    const sts = await startFakeSts('identity');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-test-'));
    const marker = path.join(dir, 'cdk-ran');
    fs.writeFileSync(path.join(dir, 'npx'), `#!/bin/bash\ntouch ${JSON.stringify(marker)}\n`, { mode: 0o755 });
    const r = await runScript('deploy.ts', settings, {
      HOME: dir,
      PATH: dir,
      AWS_CONFIG_FILE: path.join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      // Nothing answers there: the bootstrap check fails, and cdk never runs.
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${await unusedPort()}`,
    });
    await sts.close();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.out).toContain(`Deploying to AWS account ${ACCOUNT}, region eu-west-1 (as ${CALLER_ARN}).`);
    expect(r.status).toBe(1);
    expect(fs.existsSync(marker)).toBe(false);
  }, 60_000);

  test('credentials for another account than the pinned "account" setting: it stops, naming both', async () => {
    const sts = await startFakeSts('identity');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-test-'));
    const r = await runScript('deploy.ts', [...settings, '-c', 'account=111111111111'], {
      HOME: dir,
      PATH: dir,
      AWS_CONFIG_FILE: path.join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
      AWS_ENDPOINT_URL_STS: sts.endpoint,
    });
    await sts.close();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `The "account" setting pins account 111111111111, but your AWS credentials are for account ${ACCOUNT}.`,
    );
    expect(r.out).not.toContain('Deploying to AWS account');
  }, 60_000);
});
