import { existsSync, readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import path from 'node:path';
import { parseEnv } from 'node:util';
import * as z from 'zod';
import { loadConfig } from '../shared/config';
import { DESTINATION_MODULES } from '../shared/destinations';
import { ConfigError } from '../shared/errors';
import { printable } from '../shared/text/printable';
import { describeUnknownSetting, FUNCTION_SETTINGS, findUnknownSettings } from '../shared/unknown-settings';

/**
 * The same bounds as the deployed schedule (infra/defaults.ts `minSyncIntervalMinutes` /
 * `maxSyncIntervalMinutes`; a unit test keeps them equal). Copied rather than imported so that
 * `npm start` does not load aws-cdk-lib. They also keep the scheduler's timer far from
 * setInterval's 2^31 ms limit, past which Node fires every millisecond.
 */
export const MIN_SYNC_INTERVAL_MINUTES = 2;
export const MAX_SYNC_INTERVAL_MINUTES = 24 * 60;

/** Settings of the local runtime itself (ports, data folder, sandbox switch). */
const port = z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65_535);

const syncIntervalMinutes = z.coerce
  .number({
    message: `must be a whole number of minutes from ${MIN_SYNC_INTERVAL_MINUTES} to ${MAX_SYNC_INTERVAL_MINUTES}, e.g. SYNC_INTERVAL_MINUTES=15`,
  })
  .check((ctx) => {
    const minutes = ctx.value;
    const range = `a whole number of minutes from ${MIN_SYNC_INTERVAL_MINUTES} to ${MAX_SYNC_INTERVAL_MINUTES}, as in AWS`;
    // One message per value, so that the user reads one reason, not three.
    const problem =
      minutes <= 0
        ? `must be above 0: ${range}`
        : !Number.isInteger(minutes)
          ? `must be ${range}`
          : minutes < MIN_SYNC_INTERVAL_MINUTES
            ? `must be at least ${MIN_SYNC_INTERVAL_MINUTES} (${range})`
            : minutes > MAX_SYNC_INTERVAL_MINUTES
              ? `must be at most ${MAX_SYNC_INTERVAL_MINUTES}, one day (${range})`
              : undefined;
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: minutes });
  });

/**
 * Where every local server listens; the URLs printed and put in emails use it too. An IP literal
 * (IPv6 is bracketed in URLs) or `localhost`; a hostname would make each server resolve it on its
 * own, and the callback URL registered with MAL must be one exact string.
 */
const localHost = z
  .string()
  .trim()
  .refine((host) => isIP(host) !== 0 || host === 'localhost', {
    message: 'must be an IP address to listen on, e.g. 127.0.0.1, ::1 or 0.0.0.0, or localhost',
  });

export const localConfigSchema = z.object({
  LOCAL_HOST: localHost.default('127.0.0.1'),
  LOCAL_CALLBACK_PORT: port.default(3000),
  LOCAL_S3_PORT: port.default(4569),
  LOCAL_SES_PORT: port.default(8005),
  SANDBOX_ANILIST_PORT: port.default(4100),
  SANDBOX_MAL_PORT: port.default(4200),
  /** The sandbox Trakt's API host; its OAuth host listens on the next port. */
  SANDBOX_TRAKT_PORT: port.default(4300),
  /** The sandbox id datasets (anime id mappings, Trakt's fallback), and every sandbox's counters in one answer. */
  SANDBOX_DATASETS_PORT: port.default(4400),
  SYNC_INTERVAL_MINUTES: syncIntervalMinutes.default(15),
  LOCAL_DATA_DIR: z.string().default('.local-data'),
  /**
   * Real mode on a LOCAL_HOST other machines can reach (0.0.0.0, ::, a LAN address) puts the
   * tokens and the authorization links within their reach: it takes this explicit `true`.
   */
  LOCAL_EXPOSE: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
  /** `auto`: sandbox unless a real destination (MAL_CLIENT_ID, TRAKT_CLIENT_ID) is configured. */
  SANDBOX: z.enum(['auto', 'true', 'false'], { message: 'must be auto, true or false' }).default('auto'),
  SANDBOX_ANILIST_FIXTURE: z.string().optional(),
  SANDBOX_MAL_FIXTURE: z.string().optional(),
  /** The body of MAL's `GET /users/@me/mangalist`: the sandbox MAL user's manga list (MIRROR_MANGA). */
  SANDBOX_MAL_MANGA_FIXTURE: z.string().optional(),
  /** `{"shows":[...],"movies":[...],"history":[...],"ratings":[...]}`: the sandbox Trakt's catalogue and the user's plays. */
  SANDBOX_TRAKT_FIXTURE: z.string().optional(),
  /** An anibridge v3 mapping file served in place of the bundled sample. */
  SANDBOX_ANIME_IDS_FIXTURE: z.string().optional(),
});

export type LocalConfig = z.infer<typeof localConfigSchema>;

/** The env keys naming each port the local runtime listens on. */
export const PORT_KEYS = [
  'LOCAL_CALLBACK_PORT',
  'LOCAL_S3_PORT',
  'LOCAL_SES_PORT',
  'SANDBOX_ANILIST_PORT',
  'SANDBOX_MAL_PORT',
  'SANDBOX_TRAKT_PORT',
  'SANDBOX_DATASETS_PORT',
] as const;
export type PortKey = (typeof PORT_KEYS)[number];

/** Local settings with every port left to the OS: for the demo, one-off runs, tests and benchmarks. */
export function ephemeralLocalConfig(env: Record<string, string | undefined> = {}): LocalConfig {
  return loadConfig(localConfigSchema, {
    ...env,
    ...Object.fromEntries(PORT_KEYS.map((key) => [key, '0'])),
  });
}

/**
 * `host` as it goes into a URL: IPv6 literals in brackets, and a wildcard listen address replaced
 * by loopback, which is where a browser on this machine reaches it.
 */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** Loopback: 127.0.0.0/8 and ::1 (also written out, or as an IPv4-mapped address). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether only this machine can reach servers listening on `host`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Refuses, before anything listens, a real-mode LOCAL_HOST other machines can reach unless
 * LOCAL_EXPOSE=true: s3rver holds the tokens and the inbox every authorization link. The sandbox
 * holds no real secret, so it may listen anywhere (e.g. to be tried from a phone).
 */
export function checkExposure(local: Pick<LocalConfig, 'LOCAL_HOST' | 'LOCAL_EXPOSE'>, sandbox: boolean): void {
  if (sandbox || local.LOCAL_EXPOSE === 'true' || isLoopbackHost(local.LOCAL_HOST)) return;
  throw new LocalConfigError([
    `LOCAL_HOST=${local.LOCAL_HOST} lets other machines reach the local S3 (your tokens) and the local inbox ` +
      '(your authorization links) in real mode: set LOCAL_HOST=127.0.0.1, or LOCAL_EXPOSE=true if you mean it',
  ]);
}

/**
 * The callback URL `npm start` serves, on LOCAL_HOST and LOCAL_CALLBACK_PORT (3000 when that is 0,
 * the OS's choice): what the sandbox OAuth apps accept, and what the handlers expect before the
 * bridge listens.
 */
export function defaultCallbackUrl(local: Pick<LocalConfig, 'LOCAL_HOST' | 'LOCAL_CALLBACK_PORT'>): string {
  return `http://${urlHost(local.LOCAL_HOST)}:${local.LOCAL_CALLBACK_PORT || 3000}/callback`;
}

/**
 * The SDK warns on every process under Node 20 that future releases need Node 22. Lambda runs 22;
 * locally the warning is noise in front of the instructions the user needs to read.
 */
export function quietSdkWarnings(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Loads `.env` (never overriding the real environment), then validates the local settings. */
export function loadLocalEnvironment(cwd = process.cwd()): { env: NodeJS.ProcessEnv; local: LocalConfig } {
  readDotEnv(cwd);
  return { env: process.env, local: loadConfig(localConfigSchema, process.env) };
}

/**
 * Loads `.env` into process.env without overriding what the real environment already sets, then
 * warns (on stderr, once per process) about keys that look meant for this project but are no
 * setting of it. Node's own parser reads it (`util.parseEnv`): an unquoted value ends at the first
 * `#` (`A=b#c` is `b`), a quoted one keeps it (`A="b#c"`). A byte-order mark, which some Windows
 * editors write, is dropped first: Node would make it part of the first key's name, and that
 * setting would vanish.
 */
export function readDotEnv(cwd = process.cwd(), warn: (line: string) => void = toStderr): void {
  const envFile = path.join(cwd, '.env');
  const fromFile = new Set<string>();
  if (existsSync(envFile)) {
    const text = readFileSync(envFile, 'utf8').replace(/^\uFEFF/, '');
    for (const [key, value] of Object.entries(parseEnv(text))) {
      fromFile.add(key);
      process.env[key] ??= value;
    }
  }
  if (warnedOnce) return;
  warnedOnce = true;
  for (const line of unknownSettingWarnings(process.env, fromFile)) warn(line);
}

let warnedOnce = false;
const toStderr = (line: string) => process.stderr.write(`${printable(line)}\n`);

/** Every key the local runtime reads: the handlers' settings, its own, and the sandbox's schema override. */
export const LOCAL_SETTINGS: readonly string[] = [
  ...FUNCTION_SETTINGS,
  ...Object.keys(localConfigSchema.shape),
  'ANILIST_SCHEMA_PATH',
];

/**
 * `Warning: SYNC_INTERVAL_MINUTS (in .env) is not a setting and is ignored: did you mean
 * SYNC_INTERVAL_MINUTES?`, one line per key of `env` that looks like a misspelled setting.
 * Warnings only: an unknown key never stops anything.
 */
export function unknownSettingWarnings(
  env: Readonly<Record<string, string | undefined>>,
  fromFile: ReadonlySet<string> = new Set(),
): string[] {
  return findUnknownSettings(Object.keys(env), LOCAL_SETTINGS).map(
    (setting) =>
      `Warning: ${describeUnknownSetting(setting, fromFile.has(setting.key) ? 'in .env' : 'in the environment')}`,
  );
}

/** The settings that make a destination real: its app's client id (MAL_CLIENT_ID, TRAKT_CLIENT_ID…). */
function credentialKeys(): string[] {
  return Object.values(DESTINATION_MODULES).map((m) => m.credentialSetting);
}

function configuredCredentials(env: Readonly<Record<string, string | undefined>>): string[] {
  return credentialKeys().filter((key) => Boolean(env[key]?.trim()));
}

/** Sandbox mode unless a real destination is configured (or SANDBOX says otherwise). */
export function isSandboxMode(local: LocalConfig, env: Readonly<Record<string, string | undefined>>): boolean {
  if (local.SANDBOX === 'true') return true;
  if (local.SANDBOX === 'false') return false;
  return configuredCredentials(env).length === 0;
}

/** Why the runtime runs in sandbox or real mode, in words the user can act on ("because …"). */
export function describeMode(local: LocalConfig, env: Readonly<Record<string, string | undefined>>): string {
  const configured = configuredCredentials(env);
  const named = configured.join(' and ');
  if (local.SANDBOX === 'true') {
    return configured.length > 0
      ? `SANDBOX=true, so your ${named} and other real-account settings are ignored`
      : 'SANDBOX=true';
  }
  if (local.SANDBOX === 'false') return 'SANDBOX=false';
  return configured.length > 0
    ? `${named} ${configured.length === 1 ? 'is' : 'are'} set, in .env or the environment`
    : `no ${credentialKeys().join(' or ')} is configured`;
}

/**
 * A configuration error of the local runtime: the keys at fault, plus which mode needed them and
 * how to switch, since in real mode a "missing" key is only missing because MAL_CLIENT_ID is set.
 */
export class LocalConfigError extends ConfigError {
  constructor(issues: readonly string[], note?: string) {
    super(issues);
    if (note) this.message = `${this.message}\n${note}`;
  }
}
