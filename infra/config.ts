import * as z from 'zod';
import { anilistUsernameProblem } from '../shared/config';
import { ConfigError } from '../shared/errors';
import { type Exclusions, parseExclusions } from '../shared/sync/exclusions';
import { editDistance } from '../shared/text/suggest';
import { DEFAULTS, PLACEHOLDERS, RESERVED_EMAIL_DOMAINS } from './defaults';
import { authorizedKeys, DESTINATION_BLOCKS, type DestinationBlocks, LEGACY_KEYS } from './destinations';
import { bool, email, optionalEmail, optionalText, ssmParameterName, unsetIfEmpty, wholeNumber } from './settings';

/**
 * Deployment settings, read from CDK context: `cdk.json` → `context`, overridable per run with
 * `-c key=value`. Values given with `-c` always arrive as strings, so every schema below accepts
 * both the JSON type (from cdk.json) and its string spelling, and treats an empty string as unset
 * (`-c alarmEmail=` switches the alarm mail off).
 */

/** `destinations`: an array or a comma list of destination keys (`-c destinations=mal,trakt`). */
const destinations = z.preprocess(
  (v) => {
    const value = unsetIfEmpty(v);
    return typeof value === 'string'
      ? value
          .split(',')
          .map((k) => k.trim().toLowerCase())
          .filter(Boolean)
      : value;
  },
  z
    .array(
      z.enum(Object.keys(DESTINATION_BLOCKS) as [string, ...string[]], {
        message: `must list destinations among ${Object.keys(DESTINATION_BLOCKS).join(', ')}`,
      }),
      { message: `must list destinations among ${Object.keys(DESTINATION_BLOCKS).join(', ')}` },
    )
    .min(1, 'must name at least one destination')
    .refine((keys) => new Set(keys).size === keys.length, 'must name each destination once')
    .default(['mal']),
);

/**
 * `exclude`: AniList media ids the mirror leaves alone, as a list (every destination) or an object
 * of lists per destination; JSON text with `-c exclude='[1535]'`. Validated as the worker reads EXCLUDE.
 */
const exclude = z.preprocess(
  unsetIfEmpty,
  z.unknown().transform((given, ctx): Exclusions | undefined => {
    if (given === undefined) return undefined;
    const parsed = parseExclusions(given, Object.keys(DESTINATION_BLOCKS));
    if ('exclusions' in parsed) return parsed.exclusions;
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }),
);

export const mirrorConfigSchema = z.object({
  /** The AniList user whose list is mirrored (not used with `source: "mal"`). */
  anilistUsername: optionalText.superRefine((name, ctx) => {
    const problem = name === undefined ? undefined : anilistUsernameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** Where the list is read from: `anilist` (default) or `mal` (a MyAnimeList list, mirrored to Trakt). */
  source: z.preprocess(
    unsetIfEmpty,
    z.enum(['anilist', 'mal'], { message: 'must be anilist or mal' }).default('anilist'),
  ),
  /** The destinations mirrored to; each has its own settings block (`mal`, `trakt`). */
  destinations,
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
  /** Name of an SSM SecureString holding an AniList token (needed to read private entries). */
  anilistTokenParameter: ssmParameterName,
  /** Also mirror entries marked private on AniList. Needs `anilistTokenParameter`. */
  mirrorPrivate: bool(false),
  /** Also mirror the AniList manga list onto MAL's manga list. */
  mirrorManga: bool(false),
  /** Optional: CloudWatch alarms also notify this address (through an encrypted SNS topic). */
  alarmEmail: optionalEmail,
  reauthAlarmHours: wholeNumber(1, 24 * 30, DEFAULTS.reauthAlarmHours),
  /** AniList media ids never written, pruned or counted as differing: `[1535]`, or `{"mal":[1535],"trakt":[21]}`. */
  exclude,
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

/** The validated settings: the common ones, and each enabled destination's block. */
export type MirrorConfig = z.infer<typeof mirrorConfigSchema> & DestinationBlocks;

/** The context keys this app reads (the destination blocks included); anything else in camelCase is probably a typo. */
export const CONFIG_KEYS = [...Object.keys(mirrorConfigSchema.shape), ...Object.keys(DESTINATION_BLOCKS)];

/**
 * Validates the raw context. Collects every problem (bad values, missing keys, unknown camelCase
 * keys that look like misspelled settings) and throws one `ConfigError` naming each key.
 */
export function parseMirrorConfig(context: Record<string, unknown>): MirrorConfig {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(mirrorConfigSchema.shape)) if (context[key] !== undefined) picked[key] = context[key];

  const issues: string[] = [];
  const result = mirrorConfigSchema.safeParse(picked);
  if (!result.success) issues.push(...issuesOf(result.error, picked));
  // A bad common key must not hide the others: the blocks (and the source's user) are checked with
  // whatever `destinations` and `source` say, so that one error names every bad key.
  const selection = result.success ? result.data : mirrorConfigSchema.pick(SELECTION).safeParse(picked).data;
  const blocks = selection ? parseBlocks(context, selection, issues) : {};
  // CDK's own context keys contain ':' or '@' or '-'; a bare camelCase word is one of ours or a typo
  // (`github*` keys belong to the one-time infra/github-oidc app, which reads the same cdk.json).
  for (const key of Object.keys(context)) {
    const legacy = LEGACY_KEYS[key];
    if (legacy) {
      issues.push(
        `${key} moved into the "${legacy.block}" block of cdk.json: "${legacy.block}": {"${legacy.field}": …}`,
      );
      continue;
    }
    const respelled = respelledSetting(key);
    if (respelled) {
      issues.push(`${key} is not a known setting (did you mean ${respelled}? Keys are spelled exactly, in camelCase)`);
      continue;
    }
    if (/^[a-z][A-Za-z0-9]*$/.test(key) && !key.startsWith('github') && !CONFIG_KEYS.includes(key)) {
      const near = CONFIG_KEYS.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
      issues.push(`${key} is not a known setting${near ? ` (did you mean ${near}?)` : ''}`);
    }
  }
  if (result.success) crossCheck({ ...result.data, ...blocks }, issues);
  else if (selection) requireSourceUser(selection.source, unsetIfEmpty(picked.anilistUsername), issues);
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return { ...result.data, ...blocks };
}

function issuesOf(error: z.ZodError, given: Record<string, unknown>, prefix = ''): string[] {
  return error.issues.map((issue) => {
    // The setting, not a path inside its value (`mal.idOverrides`, not `mal.idOverrides.abc`).
    const key = `${prefix}${issue.path[0] === undefined ? '(config)' : String(issue.path[0])}`;
    const missing = given[String(issue.path[0])] === undefined;
    return `${key} ${missing && issue.code === 'invalid_type' ? 'is required' : issue.message}`;
  });
}

/**
 * Each enabled destination's block (`"mal": {…}`), also taking `-c mal.clientId=…` overrides and a
 * block given as JSON text (`-c 'mal={"clientId":"…"}'`). A block must be valid when its
 * destination is enabled (or is the source); others are ignored.
 */
function parseBlocks(
  context: Record<string, unknown>,
  common: Pick<z.infer<typeof mirrorConfigSchema>, 'destinations' | 'source'>,
  issues: string[],
): DestinationBlocks {
  const needed = new Set<string>(authorizedKeys(common));
  const blocks: Record<string, unknown> = {};
  for (const [key, description] of Object.entries(DESTINATION_BLOCKS)) {
    if (!needed.has(key)) continue;
    const raw = blockOf(context, key, issues);
    const parsed = description.schema.safeParse(raw);
    if (!parsed.success) {
      issues.push(...issuesOf(parsed.error, raw, `${key}.`));
      continue;
    }
    for (const field of Object.keys(raw)) {
      if (!(field in description.schema.shape)) {
        const near = Object.keys(description.schema.shape).find((k) => editDistance(k, field) <= 2);
        issues.push(`${key}.${field} is not a known setting${near ? ` (did you mean ${key}.${near}?)` : ''}`);
      }
    }
    blocks[key] = parsed.data;
  }
  return blocks as DestinationBlocks;
}

function blockOf(context: Record<string, unknown>, key: string, issues: string[]): Record<string, unknown> {
  let block: unknown = context[key] ?? {};
  if (typeof block === 'string') {
    try {
      block = JSON.parse(block) as unknown;
    } catch {
      issues.push(`${key} must be an object of settings (JSON text with -c)`);
      block = {};
    }
  }
  const merged: Record<string, unknown> = typeof block === 'object' && block !== null ? { ...block } : {};
  for (const [name, value] of Object.entries(context)) {
    if (name.startsWith(`${key}.`)) merged[name.slice(key.length + 1)] = value;
  }
  return merged;
}

/** A key as spelled without case or separators: `anilist_username`, `AnilistUsername` → `anilistusername`. */
const spelling = (key: string): string => key.toLowerCase().replace(/[-_.\s]/g, '');

/** Every key a setting can be given as, a destination block's fields included (`mal.clientId`). */
const KNOWN_KEYS = [
  ...CONFIG_KEYS,
  ...Object.entries(DESTINATION_BLOCKS).flatMap(([block, d]) =>
    Object.keys(d.schema.shape).map((f) => `${block}.${f}`),
  ),
];

/**
 * The setting `key` means when it differs from one only in case or separators (`anilist_username`,
 * `AnilistUsername`, `anilist-username`, `MAL.clientId`): such a key would otherwise be ignored,
 * leaving the setting at its default. Fields of a block's exact name are checked with the block.
 */
function respelledSetting(key: string): string | undefined {
  if (Object.keys(DESTINATION_BLOCKS).some((block) => key.startsWith(`${block}.`))) return undefined;
  return KNOWN_KEYS.find((known) => known !== key && spelling(known) === spelling(key));
}

/** The settings that say which blocks are needed. */
const SELECTION = { destinations: true, source: true } as const;

/** An AniList source (the default) is one user's list: that user must be named. */
function requireSourceUser(source: string, anilistUsername: unknown, issues: string[]): void {
  if (source === 'anilist' && anilistUsername === undefined) issues.push('anilistUsername is required');
}

function crossCheck(c: MirrorConfig, issues: string[]): void {
  if (c.sesIdentityName !== undefined && c.sesIdentity !== 'import' && c.sesIdentityName !== c.senderEmail) {
    issues.push('sesIdentityName is only used with sesIdentity "import" (the stack creates the sender identity)');
  }
  requireSourceUser(c.source, c.anilistUsername, issues);
  if (c.source === 'mal' && c.destinations.includes('mal')) {
    issues.push('destinations cannot include mal while source is mal: the MyAnimeList list is the source');
  }
  // Without an AniList token the worker only sees public entries.
  if (c.source !== 'anilist' || c.anilistTokenParameter !== undefined) return;
  if (c.mirrorPrivate) {
    issues.push(
      'mirrorPrivate needs anilistTokenParameter: without an AniList token private entries are invisible, so mirrorPrivate would have no effect',
    );
  }
  for (const key of c.destinations) {
    if ((c[key as keyof DestinationBlocks] as { prune?: boolean } | undefined)?.prune) {
      issues.push(
        `${key}.prune needs anilistTokenParameter: without an AniList token private entries are invisible and would look deleted, so prune would remove them`,
      );
    }
  }
}

/** Keys still holding the committed placeholder values (or an address at a reserved example domain). */
export function findPlaceholders(config: MirrorConfig): string[] {
  const found: string[] = [];
  for (const [key, placeholder] of Object.entries(PLACEHOLDERS)) {
    const [block, field] = key.split('.') as [string, string | undefined];
    const value =
      field === undefined
        ? config[block as keyof MirrorConfig]
        : (config[block as keyof MirrorConfig] as Record<string, unknown> | undefined)?.[field];
    if (value === placeholder) found.push(key);
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
