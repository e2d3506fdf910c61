import * as z from 'zod/mini';
import { ConfigError } from './errors';
import { PARTIAL_DATE_MODES } from './sync/mapping';
import './zod-messages';

/**
 * All runtime settings, read from environment variables (Lambda) or env + `.env` (local).
 * Validated once at start-up; a bad value fails fast with a message naming the key.
 */
const bool = z.pipe(
  z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }),
  z.transform((v) => v === 'true' || v === '1' || v === 'yes'),
);
const positiveInt = z.coerce
  .number({ message: 'must be a number' })
  .check(z.int('must be a whole number'), z.positive('must be above 0'));
const nonNegative = z.coerce.number({ message: 'must be a number' }).check(z.nonnegative('must be 0 or more'));
const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });
const email = z.email({ message: 'must be an email address' });

/** AniList media id → MAL id, e.g. `{"21":21,"1535":1535}`: fixes wrong or missing `idMal`. */
const idOverrides = z._default(
  z.pipe(
    z.string(),
    z.transform((raw: string, ctx) => {
      try {
        const parsed: unknown = JSON.parse(raw);
        const map = z.record(z.string().check(z.regex(/^\d+$/)), z.number().check(z.int(), z.positive())).parse(parsed);
        return new Map(Object.entries(map).map(([k, v]) => [Number(k), v] as const));
      } catch {
        ctx.issues.push({
          code: 'custom',
          message: 'must be a JSON object of AniList media id → MAL id, e.g. {"21":21}',
          input: raw,
        });
        return z.NEVER;
      }
    }),
  ),
  new Map<number, number>() as never,
);

export const syncConfigShape = {
  ANILIST_USERNAME: z.string().check(z.trim(), z.minLength(1, 'is required: the AniList user whose list is mirrored')),
  ANILIST_TOKEN: z.optional(z.string().check(z.minLength(1))),
  ANILIST_URL: z._default(url, 'https://graphql.anilist.co'),
  /** AniList documents 90/min but currently runs degraded at 30/min. 0 disables pacing. */
  ANILIST_REQUESTS_PER_MINUTE: z._default(nonNegative, 30),
  MAL_CLIENT_ID: z.string().check(z.trim(), z.minLength(1, 'is required: the Client ID of your MAL API app')),
  MAL_API_URL: z._default(url, 'https://api.myanimelist.net/v2'),
  MAL_OAUTH_URL: z._default(url, 'https://myanimelist.net/v1/oauth2'),
  /** MAL has no documented limit; 2/s gets blocked, 1/s is safe. 0 disables pacing. */
  MAL_REQUESTS_PER_MINUTE: z._default(nonNegative, 60),
  HTTP_TIMEOUT_MS: z._default(positiveInt, 15_000),
  /** Attempts per request, first included, for 429/5xx/network failures. */
  HTTP_MAX_ATTEMPTS: z._default(positiveInt, 4),
  /** First backoff delay; doubles per attempt (with jitter) unless the server sends Retry-After. */
  HTTP_RETRY_BASE_DELAY_MS: z._default(positiveInt, 1_000),
  MIRROR_PRIVATE: z._default(bool, false),
  PRUNE: z._default(bool, false),
  /**
   * Partial AniList dates: `leave` MAL's date alone (default) or `send` it as YYYY / YYYY-MM.
   * Whether MAL's API accepts partial dates is undocumented (UNCERTAIN), hence a setting.
   */
  PARTIAL_DATES: z._default(z.enum(PARTIAL_DATE_MODES, { message: 'must be leave or send' }), 'leave'),
  ID_OVERRIDES: idOverrides,
  FULL_SYNC_INTERVAL_HOURS: z._default(nonNegative, 24),
  /** Writes between state checkpoints while applying. */
  CHECKPOINT_EVERY_WRITES: z._default(positiveInt, 10),
  /** …and at most once per this many ms (each checkpoint rewrites the whole state object). */
  CHECKPOINT_INTERVAL_MS: z._default(nonNegative, 15_000),
  /** The run stops this long before the Lambda deadline. */
  DEADLINE_SAFETY_MS: z._default(nonNegative, 20_000),
};

export const authConfigShape = {
  MAL_CLIENT_ID: syncConfigShape.MAL_CLIENT_ID,
  /** Only "web"-type MAL apps have a secret. In AWS it comes from SSM, never from plain env. */
  MAL_CLIENT_SECRET: z.optional(z.string().check(z.minLength(1))),
  MAL_API_URL: syncConfigShape.MAL_API_URL,
  MAL_OAUTH_URL: syncConfigShape.MAL_OAUTH_URL,
  /**
   * Where MAL sends the user back; must equal the redirect URL registered for the MAL app.
   * The callback function may leave it unset and derive it from the request it serves (its own URL),
   * which avoids a circular reference between the function and its API in CloudFormation.
   */
  MAL_REDIRECT_URI: url,
  /** Optional: refuse tokens for any other MAL account. */
  MAL_USERNAME: z.optional(z.string().check(z.trim(), z.minLength(1))),
  HTTP_TIMEOUT_MS: syncConfigShape.HTTP_TIMEOUT_MS,
  NOTIFY_EMAIL: email,
  SENDER_EMAIL: email,
  REAUTH_LINK_TTL_HOURS: z._default(positiveInt, 7 * 24),
  REAUTH_THROTTLE_HOURS: z._default(positiveInt, 24),
  /** MAL documents "one month"; token responses observed say 31 days. UNCERTAIN, so configurable. */
  REFRESH_TOKEN_LIFETIME_DAYS: z._default(positiveInt, 30),
  /** Send the proactive email this many days before the refresh token's expected end of life. */
  REAUTH_WARN_DAYS: z._default(positiveInt, 5),
};

export const storageConfigShape = {
  STATE_BUCKET: z
    .string()
    .check(z.trim(), z.minLength(3, 'must name the S3 bucket holding tokens and sync state (3+ characters)')),
  EVENT_BUS_NAME: z._default(z.string().check(z.minLength(1)), 'default'),
  /** s3rver and other emulators need path-style addressing. */
  S3_FORCE_PATH_STYLE: z._default(bool, false),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
};

/** Where the MAL client secret comes from in AWS: an SSM SecureString parameter name, read at runtime. */
export const secretSourceShape = {
  MAL_CLIENT_SECRET_PARAMETER: z.optional(z.string().check(z.minLength(1))),
  /** Optional AniList token (reads private entries), also an SSM SecureString in AWS. */
  ANILIST_TOKEN_PARAMETER: z.optional(z.string().check(z.minLength(1))),
};

export const syncWorkerConfigSchema = z
  .object({
    ...syncConfigShape,
    ...storageConfigShape,
    ...secretSourceShape,
    MAL_CLIENT_SECRET: authConfigShape.MAL_CLIENT_SECRET,
    REFRESH_TOKEN_LIFETIME_DAYS: authConfigShape.REFRESH_TOKEN_LIFETIME_DAYS,
  })
  .check(
    z.superRefine((config, ctx) => {
      // Anonymous AniList reads leave private entries out: they would look deleted to prune, and
      // mirroring them is impossible. Both settings need the list owner's token.
      if (config.ANILIST_TOKEN || config.ANILIST_TOKEN_PARAMETER) return;
      if (config.PRUNE) {
        ctx.addIssue({
          code: 'custom',
          path: ['PRUNE'],
          message:
            'needs ANILIST_TOKEN (or ANILIST_TOKEN_PARAMETER): without it private AniList entries are invisible, look deleted, and would be removed from MAL',
        });
      }
      if (config.MIRROR_PRIVATE) {
        ctx.addIssue({
          code: 'custom',
          path: ['MIRROR_PRIVATE'],
          message:
            'needs ANILIST_TOKEN (or ANILIST_TOKEN_PARAMETER): private AniList entries are only visible to their owner',
        });
      }
    }),
  );

/** The mailer builds authorize links and sends mail; it never needs the client secret. */
export const mailerConfigSchema = z.object({
  ...storageConfigShape,
  MAL_CLIENT_ID: authConfigShape.MAL_CLIENT_ID,
  MAL_OAUTH_URL: authConfigShape.MAL_OAUTH_URL,
  MAL_API_URL: authConfigShape.MAL_API_URL,
  MAL_REDIRECT_URI: authConfigShape.MAL_REDIRECT_URI,
  NOTIFY_EMAIL: authConfigShape.NOTIFY_EMAIL,
  SENDER_EMAIL: authConfigShape.SENDER_EMAIL,
  REAUTH_LINK_TTL_HOURS: authConfigShape.REAUTH_LINK_TTL_HOURS,
  REAUTH_THROTTLE_HOURS: authConfigShape.REAUTH_THROTTLE_HOURS,
  REFRESH_TOKEN_LIFETIME_DAYS: authConfigShape.REFRESH_TOKEN_LIFETIME_DAYS,
  REAUTH_WARN_DAYS: authConfigShape.REAUTH_WARN_DAYS,
  HTTP_TIMEOUT_MS: authConfigShape.HTTP_TIMEOUT_MS,
});

/** The callback exchanges codes; its redirect URI defaults to its own URL (see MAL_REDIRECT_URI). */
export const callbackConfigSchema = z.object({
  ...storageConfigShape,
  ...secretSourceShape,
  MAL_CLIENT_ID: authConfigShape.MAL_CLIENT_ID,
  MAL_CLIENT_SECRET: authConfigShape.MAL_CLIENT_SECRET,
  MAL_OAUTH_URL: authConfigShape.MAL_OAUTH_URL,
  MAL_API_URL: authConfigShape.MAL_API_URL,
  MAL_REDIRECT_URI: z.optional(authConfigShape.MAL_REDIRECT_URI),
  MAL_USERNAME: authConfigShape.MAL_USERNAME,
  REFRESH_TOKEN_LIFETIME_DAYS: authConfigShape.REFRESH_TOKEN_LIFETIME_DAYS,
  HTTP_TIMEOUT_MS: authConfigShape.HTTP_TIMEOUT_MS,
});

export const authConfigSchema = z.object({ ...authConfigShape, ...storageConfigShape, ...secretSourceShape });

export type SyncWorkerConfig = z.infer<typeof syncWorkerConfigSchema>;
export type MailerConfig = z.infer<typeof mailerConfigSchema>;
export type CallbackConfig = z.infer<typeof callbackConfigSchema>;
export type AuthConfig = z.infer<typeof authConfigSchema>;

/** Parses `env` with `schema`; throws `ConfigError` listing every bad key at once. Empty strings count as unset. */
export function loadConfig<S extends z.core.$ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') cleaned[k] = v;
  // The standalone `safeParse` takes classic and mini schemas alike (local/config.ts passes a classic one).
  const result = z.safeParse(schema, cleaned);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(config)';
    const given = cleaned[key];
    const message = given === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
    return `${key} ${message}`;
  });
  throw new ConfigError(issues);
}
