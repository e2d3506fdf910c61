import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findPlaceholders, type MirrorConfig, parseMirrorConfig } from '../infra/config';
import { MIRROR_STACK_ID } from '../infra/mirror-stack';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const OUTPUTS_FILE = path.join('cdk.out', 'outputs.json');

/**
 * The context `cdk` itself would see: `cdk.json` → `context`, then `cdk.context.json`, then every
 * `-c key=value` / `--context key=value` among `args` (later wins, as in the CLI).
 */
export function resolveContext(args: readonly string[], root = REPO_ROOT): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const file of ['cdk.json', 'cdk.context.json']) {
    const full = path.join(root, file);
    if (!fs.existsSync(full)) continue;
    const json = JSON.parse(fs.readFileSync(full, 'utf8')) as { context?: Record<string, unknown> };
    Object.assign(context, file === 'cdk.json' ? json.context : json);
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let pair: string | undefined;
    if (arg === '-c' || arg === '--context') pair = args[++i];
    else if (arg.startsWith('--context=')) pair = arg.slice('--context='.length);
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    if (eq > 0) context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

/** Value of `--profile x` / `--profile=x` among the CLI args, so the SDK checks the same account. */
export function profileArg(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--profile') return args[i + 1];
    if (arg.startsWith('--profile=')) return arg.slice('--profile='.length);
  }
  return undefined;
}

export type ConfigCheck =
  | { readonly ok: true; readonly config: MirrorConfig }
  | { readonly ok: false; readonly message: string };

/** Validates the effective config and refuses the committed placeholders. */
export function checkDeployConfig(args: readonly string[], root = REPO_ROOT): ConfigCheck {
  let config: MirrorConfig;
  try {
    config = parseMirrorConfig(resolveContext(args, root));
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  const placeholders = findPlaceholders(config);
  if (placeholders.length > 0) {
    return {
      ok: false,
      message:
        `Refusing to deploy: these settings still hold the example values from cdk.json: ${placeholders.join(', ')}.\n` +
        'Put your own values in cdk.json ("context") or pass them with -c key=value (see README.md (Deploy to your AWS account)).',
    };
  }
  return { ok: true, config };
}

export interface StackOutputs {
  readonly CallbackUrl?: string;
  readonly StateBucketName?: string;
  readonly SyncWorkerFunctionName?: string;
}

/** Outputs of the mirror stack from the last `cdk deploy --outputs-file`, if any. */
export function readOutputs(root = REPO_ROOT): StackOutputs | undefined {
  const file = path.join(root, OUTPUTS_FILE);
  if (!fs.existsSync(file)) return undefined;
  const all = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, StackOutputs>;
  return all[MIRROR_STACK_ID];
}

/** Runs `npx cdk …` with the terminal attached; resolves with its exit code. */
export function runCdk(args: readonly string[], root = REPO_ROOT): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** What `aws cloudformation describe-stacks` says about the mirror stack. */
export type StackLookup =
  | { readonly kind: 'found'; readonly status: string; readonly outputs: StackOutputs }
  | { readonly kind: 'absent' }
  /** No AWS CLI, no credentials, or another error: the stack's existence is unknown. */
  | { readonly kind: 'unknown'; readonly reason: string };

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the command could not be started (e.g. ENOENT: not installed). */
  readonly error?: Error;
}

/** Runs a command to completion, capturing its output. Injectable so the lookups test offline. */
export type CommandRunner = (command: string, args: readonly string[]) => CommandResult;

export const runCommand: CommandRunner = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(r.error ? { error: r.error } : {}) };
};

/**
 * The AWS CLI options that point it where `cdk` goes: `--profile` from the CLI args, `--region` from
 * the `region` setting when pinned (otherwise both use AWS_REGION / the profile's region).
 */
export function awsCliTarget(args: readonly string[], root = REPO_ROOT): string[] {
  const target: string[] = [];
  const profile = profileArg(args);
  if (profile) target.push('--profile', profile);
  const region = resolveContext(args, root).region;
  if (typeof region === 'string' && region.trim() !== '') target.push('--region', region.trim());
  return target;
}

/**
 * Looks the mirror stack up with the AWS CLI (`aws` is optional: the CloudFormation SDK client is not a
 * dependency of this project, and none is added for a script). `describe-stacks` by name never returns
 * a deleted stack: it answers "does not exist" instead.
 */
export function describeMirrorStack(target: readonly string[], run: CommandRunner = runCommand): StackLookup {
  const r = run('aws', [
    'cloudformation',
    'describe-stacks',
    '--stack-name',
    MIRROR_STACK_ID,
    '--output',
    'json',
    ...target,
  ]);
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    return { kind: 'unknown', reason: missing ? 'the AWS CLI (aws) is not installed' : r.error.message };
  }
  if (r.status !== 0) {
    if (/does not exist/i.test(r.stderr)) return { kind: 'absent' };
    const line = r.stderr.trim().split('\n').pop() ?? '';
    return { kind: 'unknown', reason: `aws cloudformation describe-stacks failed: ${line || `exit ${r.status}`}` };
  }
  let stack: { StackStatus?: string; Outputs?: { OutputKey?: string; OutputValue?: string }[] } | undefined;
  try {
    stack = (JSON.parse(r.stdout) as { Stacks?: (typeof stack)[] }).Stacks?.[0];
  } catch {
    return { kind: 'unknown', reason: 'aws cloudformation describe-stacks printed something other than JSON' };
  }
  if (!stack) return { kind: 'absent' };
  const outputs: Record<string, string> = {};
  for (const o of stack.Outputs ?? [])
    if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
  return { kind: 'found', status: stack.StackStatus ?? 'UNKNOWN', outputs };
}
