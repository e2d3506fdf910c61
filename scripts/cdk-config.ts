import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findPlaceholders, type MirrorConfig, parseMirrorConfig } from '../infra/config';
import { DESTINATION_BLOCKS } from '../infra/destinations';
import { MIRROR_STACK_ID } from '../infra/mirror-stack';
import { ConfigError } from '../shared/errors';
import { consumerSenderWarning } from './mail-sender';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const OUTPUTS_FILE = path.join('cdk.out', 'outputs.json');
/**
 * Personal settings (your AniList name, email addresses, client ids) for local deploys, kept out of
 * the repository (.gitignore): the same keys as cdk.json's "context", at the top level.
 */
export const LOCAL_SETTINGS_FILE = 'cdk.local.json';

/** The local settings file as it is on disk, or `{}` when there is none. A broken file is an error. */
export function readLocalSettings(root = REPO_ROOT): Record<string, unknown> {
  const file = path.join(root, LOCAL_SETTINGS_FILE);
  if (!fs.existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`${LOCAL_SETTINGS_FILE} is not valid JSON (${err instanceof Error ? err.message : err})`]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError([`${LOCAL_SETTINGS_FILE} must hold one JSON object of settings, e.g. {"notifyEmail": "…"}`]);
  }
  if ('context' in json) {
    throw new ConfigError([
      `${LOCAL_SETTINGS_FILE}: write the settings at the top level, without the "context" wrapper cdk.json has`,
    ]);
  }
  return json as Record<string, unknown>;
}

/** A setting's value as `-c key=value` text: how the CDK app receives it (and validates it). */
function contextText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The local settings file as `key=value` context pairs, a destination block one pair per field. */
function localPairs(root: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(readLocalSettings(root))) {
    const isBlock = key in DESTINATION_BLOCKS && typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!isBlock) pairs.push([key, contextText(value)]);
    else for (const [field, v] of Object.entries(value)) pairs.push([`${key}.${field}`, contextText(v)]);
  }
  return pairs;
}

function safeLocalPairs(root: string): [string, string][] {
  try {
    return localPairs(root);
  } catch {
    return [];
  }
}

/**
 * The local settings file as `-c key=value` arguments, put before the command line's own so that
 * those still win. A destination block becomes one argument per field (`-c mal.clientId=…`), so it
 * overrides those fields of cdk.json's block and keeps the others. `cdk` itself never reads the
 * file: `npm run deploy` and `npm run destroy` pass it on, and validate exactly what they pass.
 */
export function localContextArgs(root = REPO_ROOT): string[] {
  return localPairs(root).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

/** The command line with the local settings file in front: what deploy and destroy hand to `cdk`. */
export function withLocalSettings(args: readonly string[], root = REPO_ROOT): string[] {
  return [...localContextArgs(root), ...args];
}

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
  /** `warnings`: deployable, but worth a look (e.g. a sender address that fails DMARC). */
  | { readonly ok: true; readonly config: MirrorConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly message: string };

/**
 * Validates the effective config (`args` as given to `cdk`, the local settings file included, see
 * `withLocalSettings`) and refuses the committed placeholders. A problem with a key that came from
 * the local settings file says so.
 */
export function checkDeployConfig(args: readonly string[], root = REPO_ROOT): ConfigCheck {
  let config: MirrorConfig;
  try {
    config = parseMirrorConfig(resolveContext(args, root));
  } catch (err) {
    if (!(err instanceof ConfigError)) return { ok: false, message: err instanceof Error ? err.message : String(err) };
    // A key whose effective value is the file's (not overridden by a later -c) came from the file.
    const local = new Map(safeLocalPairs(root));
    const resolved = resolveContext(args, root);
    const fromFile = (key: string) => local.has(key) && local.get(key) === resolved[key];
    const where = (issue: string) => (fromFile(issue.split(' ')[0] ?? '') ? ` (from ${LOCAL_SETTINGS_FILE})` : '');
    return { ok: false, message: `Invalid configuration:\n  - ${err.issues.map((i) => i + where(i)).join('\n  - ')}` };
  }
  const placeholders = findPlaceholders(config);
  if (placeholders.length > 0) {
    return {
      ok: false,
      message:
        `Refusing to deploy: these settings still hold the example values from cdk.json: ${placeholders.join(', ')}.\n` +
        `Put your own values in ${LOCAL_SETTINGS_FILE} (kept out of git), in cdk.json ("context"), or pass them with -c key=value (see README.md (Deploy to your AWS account)).`,
    };
  }
  const warning = consumerSenderWarning(config);
  return { ok: true, config, warnings: warning ? [warning] : [] };
}

export interface StackOutputs {
  /** Every output by name (the log groups' and others'); the ones below are always there. */
  readonly [name: string]: string | undefined;
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
  const region = pinnedRegion(args, root);
  if (region) target.push('--region', region);
  return target;
}

/**
 * The `region` setting when one is pinned (cdk.json, the local settings file or -c), else undefined.
 * The file is read here too, so that callers that do not pass it on (npm run restore) agree.
 */
export function pinnedRegion(args: readonly string[], root = REPO_ROOT): string | undefined {
  const region = resolveContext(withLocalSettings(args, root), root).region;
  return typeof region === 'string' && region.trim() !== '' ? region.trim() : undefined;
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
