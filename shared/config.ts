import * as z from 'zod/mini';
import { ConfigError } from './errors';
import { type Exclusions, NO_EXCLUSIONS, parseExclusions } from './sync/exclusions';
import { quotedSetting } from './text/quote';
import './zod-messages';

/**
 * All runtime settings, read from environment variables (Lambda) or env + `.env` (local).
 * Validated once at start-up; a bad value fails fast with a message naming the key. This file
 * holds what every configuration shares; each destination adds its own keys (its `config.ts`), and
 * `shared/destinations/index.ts` composes them for the destinations that are enabled.
 */
export const bool = z.pipe(
  z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }),
  z.transform((v) => v === 'true' || v === '1' || v === 'yes'),
);
export const positiveInt = z.coerce
  .number({ message: 'must be a number' })
  .check(z.int('must be a whole number'), z.positive('must be above 0'));
export const nonNegative = z.coerce.number({ message: 'must be a number' }).check(z.nonnegative('must be 0 or more'));
/**
 * A whole number from `min` to `max`, with one message per bad value that names the fix (the value
 * itself is quoted in front by `loadConfig`, as for every setting).
 */
export function boundedInt(min: number, max: number, fix: string) {
  return z.coerce.number({ message: 'must be a number' }).check(
    z.superRefine((n, ctx) => {
      const problem = !Number.isInteger(n)
        ? 'must be a whole number'
        : n <= 0
          ? 'must be above 0'
          : n < min || n > max
            ? `must be from ${min} to ${max}: ${fix}`
            : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: n });
    }),
  );
}

/**
 * A request's timeout: Node's timers take at most 2^31−1 ms and fire after 1 ms for anything
 * larger, so an oversized value made every request time out at once. Five minutes is longer than
 * any API here should take; under 100 ms is a unit slip (seconds given as milliseconds).
 */
export const HTTP_TIMEOUT_RANGE_MS = { min: 100, max: 300_000 } as const;
/**
 * How long an authorization link works. Past about 2.4 billion hours its expiry is no longer a
 * valid date and the mailer crashed formatting it; a link is a credential, so a month is plenty.
 */
export const MAX_REAUTH_LINK_TTL_HOURS = 30 * 24;

/**
 * AniList user names: 2 to 20 characters (the limit AniList's sign-up enforces, as clients that
 * validate names use it, e.g. natekford/PlanningListFilterer's `^[a-zA-Z0-9]{2,20}$`). AniList
 * does not document it; names from before the rule may hold `_`, `-` or `.`, so those pass too.
 * Spaces, quotes, slashes and control characters never appear in one.
 */
export const ANILIST_USERNAME_RULE = { pattern: /^[\p{L}\p{N}_.-]{2,20}$/u, min: 2, max: 20 } as const;

/** Why `name` cannot be an AniList user name, or undefined. Never echoes a long value (a pasted secret). */
export function anilistUsernameProblem(name: string): string | undefined {
  if (ANILIST_USERNAME_RULE.pattern.test(name)) return undefined;
  const { min, max } = ANILIST_USERNAME_RULE;
  const fix = `set it to your AniList user name as in https://anilist.co/user/<name> (${min}–${max} letters or digits)`;
  if (name.length < min || name.length > max) return `is ${name.length} characters long: ${fix}`;
  const bad = [...new Set(name.match(/[^\p{L}\p{N}_.-]/gu) ?? [])].map((c) => JSON.stringify(c)).join(', ');
  return `contains ${bad}, which no AniList user name holds: ${fix}`;
}

const anilistUsername = z.string().check(
  z.trim(),
  z.minLength(1),
  z.superRefine((name, ctx) => {
    const problem = anilistUsernameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: name });
  }),
);

export const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const email = z.email({ message: 'must be an email address' });

/** The destinations a deployment mirrors to; each is wired from its folder under `shared/destinations/`. */
export const DESTINATION_KEYS = ['mal', 'trakt'] as const;
export type DestinationKey = (typeof DESTINATION_KEYS)[number];

/** `DESTINATIONS=mal,trakt`: a comma list of destination keys, each at most once. Default `mal`. */
export const destinationsSetting = z._default(
  z.pipe(
    z.string(),
    z.transform((raw: string, ctx) => {
      const keys = raw
        .split(',')
        .map((k) => k.trim().toLowerCase())
        .filter(Boolean);
      const unknown = keys.filter((k) => !(DESTINATION_KEYS as readonly string[]).includes(k));
      if (keys.length === 0 || unknown.length > 0 || new Set(keys).size !== keys.length) {
        ctx.issues.push({
          code: 'custom',
          message: `must be a comma list of ${DESTINATION_KEYS.join(', ')} (each once), e.g. mal or mal,trakt${
            unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''
          }`,
          input: raw,
        });
        return z.NEVER;
      }
      return keys as DestinationKey[];
    }),
  ),
  ['mal'] as never,
);

/**
 * `EXCLUDE=[1535]` (every destination) or `EXCLUDE={"mal":[1535],"trakt":[21]}`: media ids the
 * mirror leaves alone (see `shared/sync/exclusions.ts`). Unset: none.
 */
const exclusions = z._default(
  z.pipe(
    z.string(),
    z.transform((raw: string, ctx): Exclusions => {
      const parsed = parseExclusions(raw, DESTINATION_KEYS);
      if ('exclusions' in parsed) return parsed.exclusions;
      ctx.issues.push({ code: 'custom', message: parsed.problem, input: raw });
      return z.NEVER;
    }),
  ),
  NO_EXCLUSIONS as never,
);

/** Every function: where state lives and how it logs. */
export const storageConfigShape = {
  STATE_BUCKET: z
    .string()
    .check(z.trim(), z.minLength(3, 'must name the S3 bucket holding tokens and sync state (3+ characters)')),
  EVENT_BUS_NAME: z._default(z.string().check(z.minLength(1)), 'default'),
  /** s3rver and other emulators need path-style addressing. */
  S3_FORCE_PATH_STYLE: z._default(bool, false),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
  DESTINATIONS: destinationsSetting,
  /** `anilist` (default): the AniList list is the source. `mal`: a MyAnimeList list is (Trakt only). */
  SOURCE: z._default(z.enum(['anilist', 'mal'], { message: 'must be anilist or mal' }), 'anilist'),
  HTTP_TIMEOUT_MS: z._default(
    boundedInt(
      HTTP_TIMEOUT_RANGE_MS.min,
      HTTP_TIMEOUT_RANGE_MS.max,
      'a timeout in milliseconds per request, e.g. 15000 for 15 s',
    ),
    15_000,
  ),
};

/** The sync worker, whatever the destinations: the source, pacing, retries, the run's shape. */
export const syncConfigShape = {
  ...storageConfigShape,
  ANILIST_USERNAME: z.optional(anilistUsername),
  ANILIST_TOKEN: z.optional(z.string().check(z.minLength(1))),
  /** Where the AniList token comes from in AWS: an SSM SecureString parameter name, read at run time. */
  ANILIST_TOKEN_PARAMETER: z.optional(z.string().check(z.minLength(1))),
  ANILIST_URL: z._default(url, 'https://graphql.anilist.co'),
  /** The callback URL the apps register (the stack's `CallbackUrl`): Trakt's refreshes name it. */
  CALLBACK_URL: z.optional(url),
  /** AniList documents 90/min but currently runs degraded at 30/min. 0 disables pacing. */
  ANILIST_REQUESTS_PER_MINUTE: z._default(nonNegative, 30),
  /** Attempts per request, first included, for 429/5xx/network failures. */
  HTTP_MAX_ATTEMPTS: z._default(positiveInt, 4),
  /** First backoff delay; doubles per attempt (with jitter) unless the server sends Retry-After. */
  HTTP_RETRY_BASE_DELAY_MS: z._default(positiveInt, 1_000),
  MIRROR_PRIVATE: z._default(bool, false),
  /** Also mirror the AniList manga list onto MAL's manga list (MAL only: Trakt has no manga). */
  MIRROR_MANGA: z._default(bool, false),
  /** Entries never written, pruned or counted as differing, by source media id. */
  EXCLUDE: exclusions,
  FULL_SYNC_INTERVAL_HOURS: z._default(nonNegative, 24),
  /** Writes between state checkpoints while applying. */
  CHECKPOINT_EVERY_WRITES: z._default(positiveInt, 10),
  /** …and at most once per this many ms (each checkpoint rewrites the whole state object). */
  CHECKPOINT_INTERVAL_MS: z._default(nonNegative, 15_000),
  /** The run stops this long before the Lambda deadline. */
  DEADLINE_SAFETY_MS: z._default(nonNegative, 20_000),
  /** The anime id dataset (anibridge-mappings v3), downloaded at most daily and cached in S3. */
  ANIME_IDS_URL: z._default(
    url,
    'https://github.com/anibridge/anibridge-mappings/releases/download/v3/mappings.min.json',
  ),
};

/** The reauth mailer: where emails go and how often. */
export const mailerConfigShape = {
  ...storageConfigShape,
  /** The callback URL registered with every provider's app (the stack's `CallbackUrl`). */
  CALLBACK_URL: url,
  NOTIFY_EMAIL: email,
  SENDER_EMAIL: email,
  REAUTH_LINK_TTL_HOURS: z._default(
    boundedInt(1, MAX_REAUTH_LINK_TTL_HOURS, 'how many hours an authorization link works, e.g. 168 for a week'),
    7 * 24,
  ),
  REAUTH_THROTTLE_HOURS: z._default(positiveInt, 24),
  /** Send the proactive email this many days before a refresh token's expected end of life. */
  REAUTH_WARN_DAYS: z._default(positiveInt, 5),
};

/**
 * The callback: its redirect URI defaults to its own URL, taken from the request it serves, which
 * avoids a circular reference between the function and its API in CloudFormation.
 */
export const callbackConfigShape = {
  ...storageConfigShape,
  CALLBACK_URL: z.optional(url),
};

export const syncBaseSchema = z.object(syncConfigShape);
export const mailerBaseSchema = z.object(mailerConfigShape);
export const callbackBaseSchema = z.object(callbackConfigShape);
export type SyncBaseConfig = z.infer<typeof syncBaseSchema>;
export type MailerBaseConfig = z.infer<typeof mailerBaseSchema>;
export type CallbackBaseConfig = z.infer<typeof callbackBaseSchema>;

/** Parses `env` with `schema`; throws `ConfigError` listing every bad key at once. Empty strings count as unset. */
export function loadConfig<S extends z.core.$ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const cleaned = cleanEnv(env);
  // The standalone `safeParse` takes classic and mini schemas alike (local/config.ts passes a classic one).
  const result = z.safeParse(schema, cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => describeConfigIssue(issue, cleaned)));
}

/**
 * `SYNC_INTERVAL_MINUTES="fifteen" must be …`: the key, the value as given (so that the slip can be
 * found in .env), and what is wrong. A secret setting's value, or one that looks like a secret
 * pasted into the wrong setting, is never quoted; nor is a value the message already quotes.
 */
function describeConfigIssue(issue: z.core.$ZodIssue, cleaned: Record<string, string>): string {
  const key = issue.path.join('.') || '(config)';
  const given = issue.path.length > 0 ? cleaned[String(issue.path[0])] : undefined;
  if (given === undefined) return `${key} ${issue.code === 'invalid_type' ? 'is required' : issue.message}`;
  const shown = quotedSetting(key, given);
  return `${shown === undefined || issue.message.includes(shown) ? key : `${key}=${shown}`} ${issue.message}`;
}

/** Like `loadConfig`, but collects the issues into `issues` and returns undefined instead of throwing. */
export function collectConfig<S extends z.core.$ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  issues: string[],
): z.infer<S> | undefined {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
    return undefined;
  }
}

function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') cleaned[k] = v;
  return cleaned;
}
