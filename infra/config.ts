import * as z from 'zod';
import { ConfigError } from '../shared/errors';
import { PARTIAL_DATE_MODES } from '../shared/sync/mapping';
import { DEFAULTS, PLACEHOLDERS, RESERVED_EMAIL_DOMAINS } from './defaults';

/**
 * Deployment settings, read from CDK context: `cdk.json` → `context`, overridable per run with
 * `-c key=value`. Values given with `-c` always arrive as strings, so every schema below accepts
 * both the JSON type (from cdk.json) and its string spelling, and treats an empty string as unset
 * (`-c alarmEmail=` switches the alarm mail off).
 */

const unsetIfEmpty = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const text = z.preprocess(unsetIfEmpty, z.string({ message: 'is required' }).trim().min(1, 'is required'));
const optionalText = z.preprocess(unsetIfEmpty, z.string({ message: 'must be text' }).trim().min(1).optional());
const email = z.preprocess(unsetIfEmpty, z.email({ message: 'must be an email address' }));
const optionalEmail = z.preprocess(unsetIfEmpty, z.email({ message: 'must be an email address' }).optional());

const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => {
      const value = unsetIfEmpty(v);
      if (typeof value !== 'string') return value;
      const s = value.trim().toLowerCase();
      if (s === 'true' || s === '1' || s === 'yes') return true;
      if (s === 'false' || s === '0' || s === 'no') return false;
      return value;
    },
    z.boolean({ message: 'must be true or false' }).default(fallback),
  );

const wholeNumber = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => {
      const value = unsetIfEmpty(v);
      return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
    },
    z
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

/** SSM parameter names: plain (`name`) or hierarchical (`/a/b`); the value is never part of config. */
const ssmParameterName = z.preprocess(
  unsetIfEmpty,
  z
    .string({ message: 'must be an SSM parameter name' })
    .trim()
    .max(1011, 'is too long for an SSM parameter name')
    .regex(
      /^(?:(?:\/[A-Za-z0-9_.-]+)+|[A-Za-z0-9_.-]+)$/,
      'must be an SSM parameter name such as /anilist-mal-mirror/mal-client-secret (the NAME, never the secret itself)',
    )
    .optional(),
);

/** AniList media id → MAL id. cdk.json gives an object, `-c` gives JSON text; both end up as a map. */
const idOverrides = z.preprocess(
  (v) => {
    const value = unsetIfEmpty(v);
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
  z
    .record(z.string().regex(/^\d+$/), z.number().int().positive(), {
      message: 'must be a JSON object of AniList media id → MAL id, e.g. {"21":21}',
    })
    .optional(),
);

export const mirrorConfigSchema = z.object({
  /** The AniList user whose list is mirrored. */
  anilistUsername: text,
  /** Client ID of your MAL API app. Not a secret (it appears in every authorization URL). */
  malClientId: text,
  /** Optional: the callback refuses tokens for any other MAL account. */
  malUsername: optionalText,
  /** Where re-authorization reminders go. */
  notifyEmail: email,
  /** The From address of reminders; an SES identity. */
  senderEmail: email,
  /** `create`: the stack creates (and SES verifies by mail) the sender identity; `import`: it already exists. */
  sesIdentity: z.preprocess(
    unsetIfEmpty,
    z.enum(['create', 'import'], { message: 'must be "create" or "import"' }).default(DEFAULTS.sesIdentity),
  ),
  /**
   * With `sesIdentity: import`, the verified identity the sender belongs to: the address itself or
   * its domain (e.g. `example.org`). Sending permission is scoped to this identity.
   */
  sesIdentityName: optionalText,
  syncIntervalMinutes: wholeNumber(
    DEFAULTS.minSyncIntervalMinutes,
    DEFAULTS.maxSyncIntervalMinutes,
    DEFAULTS.syncIntervalMinutes,
  ),
  fullSyncIntervalHours: wholeNumber(0, 24 * 30, DEFAULTS.fullSyncIntervalHours),
  /** Name of an SSM SecureString holding the MAL client secret (web-type apps only). */
  malClientSecretParameter: ssmParameterName,
  /** Name of an SSM SecureString holding an AniList token (needed to read private entries). */
  anilistTokenParameter: ssmParameterName,
  /** Delete MAL entries this system wrote whose AniList entry was deleted. Needs `anilistTokenParameter`. */
  prune: bool(false),
  /** Also mirror entries marked private on AniList. Needs `anilistTokenParameter`. */
  mirrorPrivate: bool(false),
  /** Partial AniList dates: `leave` MAL's date alone, or `send` them as YYYY / YYYY-MM (MAL support undocumented). */
  partialDates: z.preprocess(
    unsetIfEmpty,
    z.enum(PARTIAL_DATE_MODES, { message: 'must be leave or send' }).default('leave'),
  ),
  idOverrides,
  /** Optional: CloudWatch alarms also notify this address (through an encrypted SNS topic). */
  alarmEmail: optionalEmail,
  reauthAlarmHours: wholeNumber(1, 24 * 30, DEFAULTS.reauthAlarmHours),
  logLevel: z.preprocess(
    unsetIfEmpty,
    z
      .enum(['debug', 'info', 'warn', 'error'], { message: 'must be debug, info, warn or error' })
      .default(DEFAULTS.logLevel),
  ),
  /** Optional: pin the target account; otherwise the CLI's credentials decide. */
  account: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
  ),
  /** Optional: pin the target region; otherwise the CLI's profile/AWS_REGION decides. */
  region: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1')
      .optional(),
  ),
});

export type MirrorConfig = z.infer<typeof mirrorConfigSchema>;

/** The context keys this app reads; anything else in camelCase is probably a typo. */
export const CONFIG_KEYS = Object.keys(mirrorConfigSchema.shape) as (keyof MirrorConfig)[];

/**
 * Validates the raw context. Collects every problem (bad values, missing keys, unknown camelCase
 * keys that look like misspelled settings) and throws one `ConfigError` naming each key.
 */
export function parseMirrorConfig(context: Record<string, unknown>): MirrorConfig {
  const picked: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) if (context[key] !== undefined) picked[key] = context[key];

  const issues: string[] = [];
  const result = mirrorConfigSchema.safeParse(picked);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '(config)');
      const missing = picked[key] === undefined;
      issues.push(`${key} ${missing && issue.code === 'invalid_type' ? 'is required' : issue.message}`);
    }
  }
  // CDK's own context keys contain ':' or '@' or '-'; a bare camelCase word is one of ours or a typo
  // (`github*` keys belong to the one-time infra/github-oidc app, which reads the same cdk.json).
  for (const key of Object.keys(context)) {
    if (/^[a-z][A-Za-z0-9]*$/.test(key) && !key.startsWith('github') && !(CONFIG_KEYS as string[]).includes(key)) {
      const near = CONFIG_KEYS.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
      issues.push(`${key} is not a known setting${near ? ` (did you mean ${near}?)` : ''}`);
    }
  }
  if (result.success) {
    const c = result.data;
    if (c.sesIdentityName !== undefined && c.sesIdentity !== 'import' && c.sesIdentityName !== c.senderEmail) {
      issues.push('sesIdentityName is only used with sesIdentity "import" (the stack creates the sender identity)');
    }
    // Without an AniList token the worker only sees public entries.
    if (c.mirrorPrivate && c.anilistTokenParameter === undefined) {
      issues.push(
        'mirrorPrivate needs anilistTokenParameter: without an AniList token private entries are invisible, so mirrorPrivate would have no effect',
      );
    }
    if (c.prune && c.anilistTokenParameter === undefined) {
      issues.push(
        'prune needs anilistTokenParameter: without an AniList token private entries are invisible and would look deleted, so prune would remove them from MAL',
      );
    }
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return result.data;
}

/** Keys still holding the committed placeholder values (or an address at a reserved example domain). */
export function findPlaceholders(config: MirrorConfig): string[] {
  const found: string[] = [];
  for (const [key, placeholder] of Object.entries(PLACEHOLDERS) as [keyof typeof PLACEHOLDERS, string][]) {
    if (config[key] === placeholder) found.push(key);
  }
  for (const key of ['notifyEmail', 'senderEmail', 'alarmEmail'] as const) {
    const domain = config[key]?.split('@')[1]?.toLowerCase();
    if (domain && (RESERVED_EMAIL_DOMAINS as readonly string[]).includes(domain) && !found.includes(key)) {
      found.push(key);
    }
  }
  return found;
}

/**
 * Sync worker timeout: one minute less than the schedule interval so two scheduled runs never
 * overlap (reserved concurrency 1 would throttle the second), capped at `DEFAULTS.workerMaxTimeout`
 * because a longer run only delays the checkpoint; the next tick resumes where it stopped.
 */
export function workerTimeoutMinutes(syncIntervalMinutes: number): number {
  return Math.max(1, Math.min(syncIntervalMinutes - 1, DEFAULTS.workerMaxTimeout.toMinutes()));
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}
