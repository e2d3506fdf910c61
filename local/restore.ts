import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createAwsPlatform } from '../lambdas/runtime';
import { awsCliTarget, describeMirrorStack, readOutputs, runCommand } from '../scripts/cdk-config';
import { loadWorkerConfig } from '../shared/destinations';
import {
  findMalBackup,
  listMalBackups,
  previewMalRestore,
  restoreMal,
  resumeMalSync,
} from '../shared/destinations/mal/restore';
import { RestoreError } from '../shared/destinations/mal/restore-plan';
import { guardConsoleOutput } from '../shared/text/terminal';
import { ephemeralLocalConfig, isSandboxMode, loadLocalEnvironment, quietSdkWarnings } from './config';
import { describeForConsole } from './console';
import { type AwsTarget, parseRestoreArgs, RESTORE_USAGE } from './restore/args';
import { type BaseRestoreDeps, restoreDeps } from './restore/deps';
import { formatBackupList, formatRestorePlan, formatRestoreResult } from './restore/format';
import { startLocalSystem } from './system';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

const noEvents = { publishReauthRequired: async () => {}, publishAuthorizationCompleted: async () => {} };

interface Target {
  readonly deps: BaseRestoreDeps;
  readonly note?: string;
  /** Saves refreshed tokens S3 did not take, then stops what was started. */
  close(): Promise<void>;
}

/** `npm run restore -- --list | <backup> [--dry-run] | --resume [--aws …]` (see RESTORE_USAGE). */
async function main(): Promise<number> {
  quietSdkWarnings();
  const request = parseRestoreArgs(process.argv.slice(2));
  if (request.kind === 'help') {
    console.log(RESTORE_USAGE);
    return 0;
  }
  if (request.kind === 'usage_error') {
    console.error(`${request.message}\n\n${RESTORE_USAGE}`);
    return 2;
  }
  const target = request.aws ? await awsTarget(request.aws) : await localTarget();
  let stopping = false;
  const onInterrupt = () => {
    // The restore stops before its next write and saves what it did; a second Ctrl-C kills it.
    if (stopping) process.exit(130);
    stopping = true;
    console.error('\nStopping after the write in progress…');
  };
  process.on('SIGINT', onInterrupt);
  try {
    if (target.note) console.log(`${target.note}\n`);
    const { deps } = target;
    if (request.kind === 'list') {
      console.log(formatBackupList(await listMalBackups(deps.store)));
      return 0;
    }
    if (request.kind === 'resume') {
      const lifted = await resumeMalSync(deps);
      console.log(
        `Sync of MAL resumed (it was paused: ${lifted.reason}).\nThe next run compares the whole list with AniList and writes what differs.`,
      );
      return 0;
    }
    const key = await findMalBackup(deps.store, request.backup);
    const name = key.replace(/^backups\//, '').replace(/\.json$/, '');
    if (request.dryRun) {
      const preview = await previewMalRestore(deps, key);
      console.log(`Dry run: nothing was written.\n${formatRestorePlan(name, preview.plan, true)}`);
      return 0;
    }
    const result = await restoreMal(
      {
        ...deps,
        stopAt: () => (stopping ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY),
        onProgress: (settled, total, write, outcome) => {
          const what = outcome.result === 'applied' ? 'done' : outcome.result.replace('_', ' ');
          console.log(`[${settled}/${total}] ${write.kind === 'remove' ? 'remove' : 'set'} ${write.title}: ${what}`);
        },
      },
      key,
      { takeOver: request.takeOver },
    );
    console.log(
      `${formatRestorePlan(name, result.plan, false)}\n\n${formatRestoreResult(result, request.aws !== undefined)}`,
    );
    return result.complete ? 0 : 1;
  } finally {
    process.off('SIGINT', onInterrupt);
    await target.close();
  }
}

/** The local store of `npm start` (real mode), or a fresh sandbox synced once so that it has a backup. */
async function localTarget(): Promise<Target> {
  const { env, local } = loadLocalEnvironment();
  const sandbox = isSandboxMode(local, env);
  const system = await startLocalSystem({
    // Real mode: `npm start`'s S3 port on purpose, as `npm run sync` does: the two cannot share the state folder.
    local: { ...ephemeralLocalConfig(env), ...(sandbox ? {} : { LOCAL_S3_PORT: local.LOCAL_S3_PORT }) },
    env,
    sandbox,
    sendReauthMail: false,
  });
  try {
    if (sandbox) {
      await system.authorizeSandboxes();
      await system.runSync({ full: true });
    }
    const platform = createAwsPlatform(loadWorkerConfig(system.env).base, {
      store: system.store,
      events: system.bus,
      readParameter: async (name) => {
        throw new Error(`SSM parameters are not available locally (${name}); set the value in .env instead`);
      },
    });
    const deps = await restoreDeps(system.env, platform);
    return {
      deps: deps.restore,
      ...(sandbox
        ? {
            note:
              '(sandbox mode: a fresh sandbox AniList and MyAnimeList, synced once, so that there is a backup: ' +
              'the sandbox MAL list from before that first sync)',
          }
        : {}),
      close: async () => {
        await deps.endOfRun();
        await system.close();
      },
    };
  } catch (err) {
    await system.close();
    throw err;
  }
}

/**
 * The deployed stack, with the user's own credentials: the bucket and the worker's settings are
 * read with the AWS CLI (no CloudFormation or Lambda SDK client is a dependency), the MAL client
 * secret from SSM, the tokens from the bucket.
 */
async function awsTarget(aws: AwsTarget): Promise<Target> {
  const cliTarget = awsCliTarget(aws.profile ? ['--profile', aws.profile] : []);
  if (aws.profile) process.env.AWS_PROFILE = aws.profile;
  const region = cliTarget[cliTarget.indexOf('--region') + 1];
  if (cliTarget.includes('--region') && region) process.env.AWS_REGION = region;
  const stack = describeMirrorStack(cliTarget);
  const outputs = (stack.kind === 'found' ? stack.outputs : undefined) ?? readOutputs();
  const functionName = outputs?.SyncWorkerFunctionName;
  if (!functionName) {
    const why = stack.kind === 'unknown' ? stack.reason : 'the stack has no SyncWorkerFunctionName output';
    throw new RestoreError(`cannot find the deployed sync worker (${why}); deploy first (npm run deploy)`);
  }
  const read = runCommand('aws', [
    'lambda',
    'get-function-configuration',
    '--function-name',
    functionName,
    '--query',
    'Environment.Variables',
    '--output',
    'json',
    ...cliTarget,
  ]);
  if (read.error || read.status !== 0) {
    const line = read.error?.message ?? read.stderr.trim().split('\n').pop();
    throw new RestoreError(`could not read the sync worker's settings with the AWS CLI: ${line}`);
  }
  const env = JSON.parse(read.stdout) as Record<string, string>;
  const bucket = aws.bucket ?? outputs?.StateBucketName ?? env.STATE_BUCKET;
  if (bucket) env.STATE_BUCKET = bucket;
  const ssm = new SSMClient({});
  const platform = createAwsPlatform(loadWorkerConfig(env).base, {
    events: noEvents,
    readParameter: async (name) => {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value ?? '';
    },
  });
  const deps = await restoreDeps(env, platform);
  return {
    deps: deps.restore,
    note: `(AWS: state bucket ${bucket})`,
    close: async () => {
      await deps.endOfRun();
      ssm.destroy();
    },
  };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`Restore failed: ${describeForConsole(err)}`);
    if ((err as { key?: unknown }).key === 'LOCAL_S3_PORT') {
      console.error('`npm start` uses the same state store: stop it first.');
    }
    process.exit(1);
  },
);
