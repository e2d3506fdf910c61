import type { Clock } from '../../../shared/clock';
import type { TraktFixture } from './fixture';

/**
 * Everything `startTraktSandbox` can be told, and the defaults. Where Trakt's behaviour is not
 * settled (it changed in 2025–2026, or sources disagree) the option says so and names the choice
 * the default makes; tests flip the option to prove a client copes with the other answer.
 */

export interface TraktAppOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Matched exactly and case-sensitively. */
  readonly redirectUris?: readonly string[];
  /** Shown on the consent page. */
  readonly name?: string;
  /**
   * Whether the app's owner is VIP (creating and keeping API apps needs it). false: Trakt has removed
   * the app, and every call with its client id is answered 403 in plain text. Default true.
   */
  readonly vipOwner?: boolean;
}

export interface TraktUserOptions {
  readonly username?: string;
  readonly name?: string;
  readonly vip?: boolean;
  readonly private?: boolean;
  readonly traktId?: number;
  readonly slug?: string;
  readonly uuid?: string;
}

export interface RateLimitRule {
  readonly limit: number;
  readonly periodSeconds: number;
}

export interface RateLimitOptions {
  /** Per user, POST/PUT/DELETE: default 1 per 1 s. */
  readonly authedWrite?: RateLimitRule;
  /** Per user, GET: default 1000 per 300 s. */
  readonly authedGet?: RateLimitRule;
  /** Per app, GET without a user token: default 1000 per 300 s. */
  readonly unauthedGet?: RateLimitRule;
  /** Send the `X-Ratelimit` JSON header on a 429 (default true; Trakt does not always). */
  readonly xRatelimitHeader?: boolean;
  /**
   * UNCERTAIN how general: after a violation, every call of that user (or that app, without a
   * user) is refused for this many seconds. Default 0 (off).
   */
  readonly penaltyBoxSeconds?: number;
}

export interface ConnectedAppsOptions {
  /**
   * UNCERTAIN what Trakt does when a free user authorizes a second community app: `refuse` the new
   * one, or `revoke_oldest` (the first app's tokens die). `off` (default): no limit.
   */
  readonly mode: 'off' | 'refuse' | 'revoke_oldest';
  /** Default 1. */
  readonly freeLimit?: number;
  /** Default 50. */
  readonly vipLimit?: number;
}

export interface AccountLimitOptions {
  /** Plays in the watched history, free and VIP alike (default 100 000). */
  readonly historyPlays?: number;
  /** Default 10 000. */
  readonly ratingsFree?: number;
  /** Default 20 000. */
  readonly ratingsVip?: number;
}

export interface TraktSandboxOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly apiPort?: number;
  /** Default 0 (any free port). */
  readonly authPort?: number;
  /** Default the system clock; tests pass a `ManualClock` and move it. */
  readonly clock?: Clock;

  // ---- the app (API client) the sandbox knows; more with `otherApps` ----
  /** Default `sandbox-trakt-client-id`. */
  readonly clientId?: string;
  /** Default `sandbox-trakt-client-secret`. */
  readonly clientSecret?: string;
  /** Default `http://127.0.0.1:3000/callback` and `urn:ietf:wg:oauth:2.0:oob`. */
  readonly redirectUris?: readonly string[];
  /** Default `Sandbox Trakt App`. */
  readonly appName?: string;
  /** Default true. */
  readonly vipOwner?: boolean;
  /** Further apps the user may connect (the connected-app limit needs two). */
  readonly otherApps?: readonly TraktAppOptions[];

  /** The one user who authorizes apps. Default `sandbox_user`, not VIP, public. */
  readonly user?: TraktUserOptions;

  /**
   * The catalogue and the user's existing history and ratings: a path or an object (see
   * `TraktFixture`). Default: `local/sandbox/data/anime-ids/trakt-sample.json`, read when the
   * sandbox starts.
   */
  readonly fixture?: string | TraktFixture;

  // ---- OAuth ----
  /**
   * UNCERTAIN whether Trakt requires PKCE of every client. true (default): an authorize request
   * without an S256 `code_challenge` is redirected back with `error=invalid_request`. false: it
   * gets a consent page, and its code is exchanged without a verifier.
   */
  readonly pkceRequired?: boolean;
  /**
   * Access-token lifetime and the `expires_in` reported (default 604800, 7 days; Trakt announced
   * 24 hours in 2025 and documents 7 days since; tests use tiny values).
   */
  readonly expiresIn?: number;
  /** Default 90 days (Trakt does not say). */
  readonly refreshTokenTtlSeconds?: number;
  /** Authorization codes live this long (default 600 s). */
  readonly codeTtlSeconds?: number;
  /** Device codes live this long (default 600 s). */
  readonly deviceCodeTtlSeconds?: number;
  /** The device flow's polling `interval` (default 5 s). */
  readonly devicePollIntervalSeconds?: number;
  /**
   * UNCERTAIN: the bodies of the device-token poll's non-200 answers. `empty` (default), or
   * RFC 8628 JSON (`{"error":"authorization_pending"}`, `slow_down`, `expired_token`, `access_denied`).
   */
  readonly devicePollBodies?: 'empty' | 'rfc8628';
  /**
   * UNCERTAIN: how `/oauth/token` refuses a bad grant or client. 400 (default, `{error,
   * error_description}`), or 401 (the older style, with `WWW-Authenticate`).
   */
  readonly tokenErrorStatus?: 400 | 401;
  /**
   * Every refresh token counts as issued before Trakt's July 2026 auth migration: refreshing
   * answers 400 with an empty body (default false; `state.markRefreshTokensPreMigration()` does
   * it for the tokens alive at the time).
   */
  readonly preMigrationRefreshTokens?: boolean;
  /** UNCERTAIN: also serve `/oauth/*` on the API host, as before the move to the auth host (default false: 404). */
  readonly legacyOAuthOnApiHost?: boolean;
  /** Default `{mode: 'off'}`. */
  readonly connectedApps?: ConnectedAppsOptions;

  // ---- API host ----
  /** Answer requests without `User-Agent` with the CDN's HTML 403 (default true). */
  readonly requireUserAgent?: boolean;
  /** false turns rate limiting off; default on, with Trakt's published numbers. */
  readonly rateLimits?: false | RateLimitOptions;
  /** UNCERTAIN: `/sync/history` page size without `limit` (default 100). */
  readonly historyDefaultLimit?: number;
  /** Larger `limit` values are clamped to this (default 250). */
  readonly maxPageLimit?: number;
  /** UNCERTAIN: a bare show (or season) added to history includes season 0 (default true). */
  readonly expandSpecials?: boolean;
  /** UNCERTAIN: ... and episodes that have not aired yet (default false). */
  readonly expandUnaired?: boolean;
  /** UNCERTAIN whether `watched_at: "unknown"` is live: `accept` (default) or `reject` (422). */
  readonly unknownWatchedAt?: 'accept' | 'reject';
  /** UNCERTAIN: how history shows a play of unknown date: `null` (default) or `1970-01-01T00:00:00.000Z`. */
  readonly unknownWatchedAtShownAs?: 'null' | 'epoch';
  /**
   * UNCERTAIN: how `POST /sync/history` reports a season or episode number a known show lacks:
   * echoed under `not_found.episodes` (a missing whole season under `not_found.seasons`) (default
   * `episodes`), or as the parent show under `not_found.shows` (`show`). Found items are added either way.
   */
  readonly missingNumbersReportedAs?: 'episodes' | 'show';
  /** UNCERTAIN: the status refusing a rating that is not a whole number 1–10 (default 422). */
  readonly invalidRatingStatus?: 400 | 422;
  /** UNCERTAIN: an id search that finds nothing: `200 []` (default) or 404. */
  readonly searchNotFound?: 'empty' | '404';
  /**
   * `/sync/watched/{type}`: `2026` (default: paginated, seasons only with `extended=progress`,
   * at most 100 per page then) or `legacy` (everything at once, seasons unless `extended=noseasons`).
   */
  readonly watchedMode?: '2026' | 'legacy';
  /** 420 beyond these (defaults: Trakt's 2026 limits). */
  readonly accountLimits?: AccountLimitOptions;
}

export interface TraktApp {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly name: string;
  readonly vipOwner: boolean;
}

export interface TraktUser {
  readonly username: string;
  readonly name: string;
  readonly vip: boolean;
  readonly private: boolean;
  readonly ids: { readonly slug: string; readonly trakt: number; readonly uuid: string };
}

export interface RateLimitSettings {
  readonly authedWrite: RateLimitRule;
  readonly authedGet: RateLimitRule;
  readonly unauthedGet: RateLimitRule;
  readonly xRatelimitHeader: boolean;
  readonly penaltyBoxSeconds: number;
}

/** The options with every default applied. */
export interface TraktSettings {
  readonly apps: readonly TraktApp[];
  /** The first app: what `issueTokensDirectly()` issues for by default. */
  readonly mainApp: TraktApp;
  readonly user: TraktUser;
  readonly pkceRequired: boolean;
  readonly expiresIn: number;
  readonly refreshTokenTtlSeconds: number;
  readonly codeTtlSeconds: number;
  readonly deviceCodeTtlSeconds: number;
  readonly devicePollIntervalSeconds: number;
  readonly devicePollBodies: 'empty' | 'rfc8628';
  readonly tokenErrorStatus: 400 | 401;
  readonly preMigrationRefreshTokens: boolean;
  readonly legacyOAuthOnApiHost: boolean;
  readonly connectedApps: Required<ConnectedAppsOptions>;
  readonly requireUserAgent: boolean;
  /** undefined: off. */
  readonly rateLimits: RateLimitSettings | undefined;
  readonly historyDefaultLimit: number;
  readonly maxPageLimit: number;
  readonly expandSpecials: boolean;
  readonly expandUnaired: boolean;
  readonly unknownWatchedAt: 'accept' | 'reject';
  readonly unknownWatchedAtShownAs: 'null' | 'epoch';
  readonly missingNumbersReportedAs: 'episodes' | 'show';
  readonly invalidRatingStatus: 400 | 422;
  readonly searchNotFound: 'empty' | '404';
  readonly watchedMode: '2026' | 'legacy';
  readonly accountLimits: Required<AccountLimitOptions>;
}

const DEFAULT_CLIENT_ID = 'sandbox-trakt-client-id';
const DEFAULT_CLIENT_SECRET = 'sandbox-trakt-client-secret';
const DEFAULT_REDIRECT_URIS: readonly string[] = ['http://127.0.0.1:3000/callback', 'urn:ietf:wg:oauth:2.0:oob'];

function app(options: TraktAppOptions, fallbackName: string): TraktApp {
  return {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUris: options.redirectUris ?? DEFAULT_REDIRECT_URIS,
    name: options.name ?? fallbackName,
    vipOwner: options.vipOwner ?? true,
  };
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`startTraktSandbox: ${name} must be a positive number`);
  return value;
}

function rateLimitSettings(options: false | RateLimitOptions | undefined): RateLimitSettings | undefined {
  if (options === false) return undefined;
  const rule = (name: string, given: RateLimitRule | undefined, fallback: RateLimitRule): RateLimitRule => {
    const chosen = given ?? fallback;
    positive(`rateLimits.${name}.limit`, chosen.limit);
    positive(`rateLimits.${name}.periodSeconds`, chosen.periodSeconds);
    return chosen;
  };
  return {
    authedWrite: rule('authedWrite', options?.authedWrite, { limit: 1, periodSeconds: 1 }),
    authedGet: rule('authedGet', options?.authedGet, { limit: 1000, periodSeconds: 300 }),
    unauthedGet: rule('unauthedGet', options?.unauthedGet, { limit: 1000, periodSeconds: 300 }),
    xRatelimitHeader: options?.xRatelimitHeader ?? true,
    penaltyBoxSeconds: options?.penaltyBoxSeconds ?? 0,
  };
}

export function resolveSettings(options: TraktSandboxOptions): TraktSettings {
  const mainApp = app(
    {
      clientId: options.clientId ?? DEFAULT_CLIENT_ID,
      clientSecret: options.clientSecret ?? DEFAULT_CLIENT_SECRET,
      ...(options.redirectUris ? { redirectUris: options.redirectUris } : {}),
      ...(options.appName ? { name: options.appName } : {}),
      ...(options.vipOwner === undefined ? {} : { vipOwner: options.vipOwner }),
    },
    'Sandbox Trakt App',
  );
  const apps = [mainApp, ...(options.otherApps ?? []).map((a, i) => app(a, `Sandbox Trakt App ${i + 2}`))];
  const ids = new Set(apps.map((a) => a.clientId));
  if (ids.size !== apps.length) throw new Error('startTraktSandbox: two apps share a client id');
  const u = options.user ?? {};
  const username = u.username ?? 'sandbox_user';
  const user: TraktUser = {
    username,
    name: u.name ?? 'Sandbox User',
    vip: u.vip ?? false,
    private: u.private ?? false,
    ids: {
      slug: u.slug ?? username.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      trakt: u.traktId ?? 1_000_001,
      uuid: u.uuid ?? '00000000-0000-4000-8000-000000000001',
    },
  };
  const limits = options.accountLimits ?? {};
  return {
    apps,
    mainApp,
    user,
    pkceRequired: options.pkceRequired ?? true,
    expiresIn: positive('expiresIn', options.expiresIn ?? 604_800),
    refreshTokenTtlSeconds: positive('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds ?? 90 * 86_400),
    codeTtlSeconds: positive('codeTtlSeconds', options.codeTtlSeconds ?? 600),
    deviceCodeTtlSeconds: positive('deviceCodeTtlSeconds', options.deviceCodeTtlSeconds ?? 600),
    devicePollIntervalSeconds: positive('devicePollIntervalSeconds', options.devicePollIntervalSeconds ?? 5),
    devicePollBodies: options.devicePollBodies ?? 'empty',
    tokenErrorStatus: options.tokenErrorStatus ?? 400,
    preMigrationRefreshTokens: options.preMigrationRefreshTokens ?? false,
    legacyOAuthOnApiHost: options.legacyOAuthOnApiHost ?? false,
    connectedApps: {
      mode: options.connectedApps?.mode ?? 'off',
      freeLimit: options.connectedApps?.freeLimit ?? 1,
      vipLimit: options.connectedApps?.vipLimit ?? 50,
    },
    requireUserAgent: options.requireUserAgent ?? true,
    rateLimits: rateLimitSettings(options.rateLimits),
    historyDefaultLimit: positive('historyDefaultLimit', options.historyDefaultLimit ?? 100),
    maxPageLimit: positive('maxPageLimit', options.maxPageLimit ?? 250),
    expandSpecials: options.expandSpecials ?? true,
    expandUnaired: options.expandUnaired ?? false,
    unknownWatchedAt: options.unknownWatchedAt ?? 'accept',
    unknownWatchedAtShownAs: options.unknownWatchedAtShownAs ?? 'null',
    missingNumbersReportedAs: options.missingNumbersReportedAs ?? 'episodes',
    invalidRatingStatus: options.invalidRatingStatus ?? 422,
    searchNotFound: options.searchNotFound ?? 'empty',
    watchedMode: options.watchedMode ?? '2026',
    accountLimits: {
      historyPlays: limits.historyPlays ?? 100_000,
      ratingsFree: limits.ratingsFree ?? 10_000,
      ratingsVip: limits.ratingsVip ?? 20_000,
    },
  };
}
