import * as z from 'zod/mini';
import { bool, nonNegative, positiveInt, url } from '../../config';
import { PARTIAL_DATE_MODES } from './mapping';
import '../../zod-messages';

/** MyAnimeList's settings. Only required when `mal` is among DESTINATIONS (or SOURCE=mal). */

const clientId = z.string().check(z.trim(), z.minLength(1, 'is required: the Client ID of your MAL API app'));

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

const oauth = {
  MAL_CLIENT_ID: clientId,
  MAL_API_URL: z._default(url, 'https://api.myanimelist.net/v2'),
  MAL_OAUTH_URL: z._default(url, 'https://myanimelist.net/v1/oauth2'),
  /** MAL documents "one month"; token responses observed say 31 days. UNCERTAIN, so configurable. */
  REFRESH_TOKEN_LIFETIME_DAYS: z._default(positiveInt, 30),
};

const secret = {
  /** Only "web"-type MAL apps have a secret. In AWS it comes from SSM, never from plain env. */
  MAL_CLIENT_SECRET: z.optional(z.string().check(z.minLength(1))),
  MAL_CLIENT_SECRET_PARAMETER: z.optional(z.string().check(z.minLength(1))),
};

/** Optional: refuse tokens for any other MAL account. */
const username = { MAL_USERNAME: z.optional(z.string().check(z.trim(), z.minLength(1))) };

export const malWorkerSchema = z.object({
  ...oauth,
  ...secret,
  /** MAL has no documented limit; 2/s gets blocked, 1/s is safe. 0 disables pacing. */
  MAL_REQUESTS_PER_MINUTE: z._default(nonNegative, 60),
  PRUNE: z._default(bool, false),
  /**
   * Partial AniList dates: `leave` MAL's date alone (default) or `send` it as YYYY / YYYY-MM.
   * Whether MAL's API accepts partial dates is undocumented (UNCERTAIN), hence a setting.
   */
  PARTIAL_DATES: z._default(z.enum(PARTIAL_DATE_MODES, { message: 'must be leave or send' }), 'leave'),
  ID_OVERRIDES: idOverrides,
});

/** The mailer builds authorize links; it never needs the client secret. */
export const malMailerSchema = z.object({ ...oauth, ...username });

export const malCallbackSchema = z.object({ ...oauth, ...secret, ...username });

export type MalWorkerConfig = z.infer<typeof malWorkerSchema>;
export type MalMailerConfig = z.infer<typeof malMailerSchema>;
export type MalCallbackConfig = z.infer<typeof malCallbackSchema>;
