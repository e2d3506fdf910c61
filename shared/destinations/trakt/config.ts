import * as z from 'zod/mini';
import { bool, nonNegative, positiveInt, url } from '../../config';
import { TRAKT_API_URL, TRAKT_AUTH_URL } from './constants';
import type { TraktOverride } from './mapping';
import { UNKNOWN_DATE_MODES } from './rules';
import '../../zod-messages';

/** Trakt's settings. Only required when `trakt` is among DESTINATIONS. */

const clientId = z.string().check(z.trim(), z.minLength(1, 'is required: the Client ID of your Trakt API app'));

const override = z.union([
  z.null(),
  z.object({ movie: z.number().check(z.int(), z.positive()) }),
  z.object({
    show: z.number().check(z.int(), z.positive()),
    season: z.number().check(z.int(), z.nonnegative()),
    episodes: z.string().check(z.regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/)),
  }),
]);

/**
 * TRAKT_ID_OVERRIDES: AniList media id (or `mal:<id>`) → where its plays go, e.g.
 * `{"145064":{"show":158594,"season":1,"episodes":"25-47"},"21519":{"movie":254383},"900001":null}`.
 */
const overrides = z._default(
  z.pipe(
    z.string(),
    z.transform((raw: string, ctx) => {
      try {
        const parsed = z.record(z.string().check(z.regex(/^(mal:)?\d+$/)), override).parse(JSON.parse(raw));
        return new Map<string, TraktOverride>(Object.entries(parsed) as [string, TraktOverride][]);
      } catch {
        ctx.issues.push({
          code: 'custom',
          message:
            'must be a JSON object of AniList id (or "mal:<id>") → {"show": <Trakt id>, "season": <n>, "episodes": "<a-b>"}, {"movie": <Trakt id>} or null, e.g. {"145064":{"show":158594,"season":1,"episodes":"25-47"}}',
          input: raw,
        });
        return z.NEVER;
      }
    }),
  ),
  new Map<string, TraktOverride>() as never,
);

const oauth = {
  TRAKT_CLIENT_ID: clientId,
  TRAKT_API_URL: z._default(url, TRAKT_API_URL),
  /** Trakt serves OAuth from its own host since July 2026. */
  TRAKT_AUTH_URL: z._default(url, TRAKT_AUTH_URL),
  /** Trakt does not say how long an unused refresh token lasts (UNCERTAIN): the reminder goes out before this. */
  TRAKT_REFRESH_TOKEN_LIFETIME_DAYS: z._default(positiveInt, 90),
};

const secret = {
  /** Trakt requires the client secret for the code exchange and every refresh. In AWS it comes from SSM. */
  TRAKT_CLIENT_SECRET: z.optional(z.string().check(z.minLength(1))),
  TRAKT_CLIENT_SECRET_PARAMETER: z.optional(z.string().check(z.minLength(1))),
};

/** Optional: refuse tokens for any other Trakt account. */
const username = { TRAKT_USERNAME: z.optional(z.string().check(z.trim(), z.minLength(1))) };

const needsSecret = z.superRefine(
  (config: { TRAKT_CLIENT_SECRET?: string; TRAKT_CLIENT_SECRET_PARAMETER?: string }, ctx) => {
    if (config.TRAKT_CLIENT_SECRET || config.TRAKT_CLIENT_SECRET_PARAMETER) return;
    ctx.addIssue({
      code: 'custom',
      path: ['TRAKT_CLIENT_SECRET'],
      message:
        'is required (or TRAKT_CLIENT_SECRET_PARAMETER): Trakt needs the app secret to exchange codes and refresh tokens',
    });
  },
);

export const traktWorkerSchema = z
  .object({
    ...oauth,
    ...secret,
    /** When the completion date is not a full date: Trakt's "unknown" (default), "released", or skip the entry. */
    TRAKT_UNKNOWN_DATE: z._default(
      z.enum(UNKNOWN_DATE_MODES, { message: 'must be unknown, release or skip' }),
      'unknown',
    ),
    /** Also plays for episodes 1..progress of CURRENT, PAUSED and DROPPED entries. */
    TRAKT_PROGRESS: z._default(bool, false),
    /** A rewatch count adds that many more plays of each episode. */
    TRAKT_REWATCHES: z._default(bool, false),
    /** Remove plays this system added when their entry leaves COMPLETED or is deleted on AniList. */
    TRAKT_PRUNE: z._default(bool, false),
    TRAKT_ID_OVERRIDES: overrides,
    /** Plays per POST /sync/history. Trakt documents no body limit (UNCERTAIN). */
    TRAKT_BATCH_SIZE: z._default(
      z.coerce
        .number({ message: 'must be a number' })
        .check(
          z.int('must be a whole number'),
          z.minimum(1, 'must be at least 1'),
          z.maximum(1000, 'must be at most 1000'),
        ),
      250,
    ),
    /** Trakt allows 1 POST a second per user; 0 disables pacing (sandbox). */
    TRAKT_POSTS_PER_MINUTE: z._default(nonNegative, 60),
    /** Trakt allows 1,000 GETs per 5 minutes per user; 0 disables pacing (sandbox). */
    TRAKT_GETS_PER_MINUTE: z._default(nonNegative, 180),
    /** The fallback dataset (MAL id → Trakt id): rensetsu's extended anitrakt. */
    TRAKT_FALLBACK_TV_URL: z._default(
      url,
      'https://raw.githubusercontent.com/rensetsu/db.trakt.extended-anitrakt/main/json/output/tv_ex.json',
    ),
    TRAKT_FALLBACK_MOVIES_URL: z._default(
      url,
      'https://raw.githubusercontent.com/rensetsu/db.trakt.extended-anitrakt/main/json/output/movies_ex.json',
    ),
  })
  .check(needsSecret);

/** The mailer builds authorize links; it never needs the client secret. */
export const traktMailerSchema = z.object({ ...oauth, ...username });

export const traktCallbackSchema = z.object({ ...oauth, ...secret, ...username }).check(needsSecret);

export type TraktWorkerConfig = z.infer<typeof traktWorkerSchema>;
export type TraktMailerConfig = z.infer<typeof traktMailerSchema>;
export type TraktCallbackConfig = z.infer<typeof traktCallbackSchema>;
