import * as z from 'zod/mini';
import type { Clock } from '../clock';
import { AppError, describeError, PreconditionFailedError, registerSecrets } from '../errors';
import { REAUTH_REASONS, type ReauthReason } from '../events';
import { type Logger, silentLogger } from '../log';
import { KEYS, type ObjectStore, type PutCondition } from '../store/store';
import type { AuthProvider, TokenSet } from './provider';
import '../zod-messages';

const DAY_MS = 86_400_000;
/** Used only if a provider's `expires_in` is missing or nonsense; MAL documents one hour. */
const FALLBACK_ACCESS_LIFETIME_S = 3600;
/** Bounded retries of a conditional write; a real conflict resolves within one or two rounds. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * One destination's stored tokens (`KEYS.tokens(destination)`). All times are epoch milliseconds.
 * `user` names the account; the first version stored it as `malUser`, which is still read.
 */
const storedTokensFields = {
  accessToken: z.string().check(z.minLength(1)),
  refreshToken: z.string().check(z.minLength(1)),
  accessExpiresAt: z.number().check(z.int()),
  refreshIssuedAt: z.number().check(z.int()),
  /** Estimated from the provider's refresh-token lifetime: providers do not say when a refresh token dies. */
  refreshExpiresAt: z.number().check(z.int()),
  /** Set when the provider rejected the refresh token; only a new authorization clears it. */
  invalid: z.optional(z.object({ reason: z.enum(REAUTH_REASONS), at: z.number().check(z.int()) })),
};
export const storedTokensSchema = z.pipe(
  z.union([
    z.object({ ...storedTokensFields, user: z.nullable(z.string()) }),
    // Version 1 (MyAnimeList only): the same record with `malUser`.
    z.object({ ...storedTokensFields, malUser: z.nullable(z.string()) }),
  ]),
  z.transform((t) => {
    if ('user' in t) return t;
    const { malUser, ...rest } = t;
    return { ...rest, user: malUser };
  }),
);
export type StoredTokens = z.output<typeof storedTokensSchema>;

/** The user has to authorize the destination again; the sync cannot continue with it. */
export class ReauthRequiredError extends AppError {
  readonly reason: ReauthReason;
  readonly retryable = false;
  constructor(reason: ReauthReason, message: string, options?: { cause?: unknown }) {
    super('reauth_required', message, options);
    this.reason = reason;
  }
}

/** Refreshing failed for a reason the next attempt may not have (network, provider 5xx, store trouble). */
export class TokenRefreshError extends AppError {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super('token_refresh_failed', message, options);
  }
}

export interface TokenRead {
  /** Undefined when no object exists or it is unreadable (`corrupt`). */
  readonly tokens?: StoredTokens;
  /** The object's ETag, also for a corrupt object (so a new authorization can replace it conditionally). */
  readonly etag?: string;
  readonly corrupt?: boolean;
}

/** Reads and validates a destination's tokens. A corrupt object is reported, never thrown, and never overwritten here. */
export async function readTokens(store: ObjectStore, destination: string): Promise<TokenRead> {
  const obj = await store.get(KEYS.tokens(destination));
  if (!obj) return {};
  try {
    const tokens = storedTokensSchema.parse(JSON.parse(obj.body));
    registerSecrets(tokens.accessToken, tokens.refreshToken);
    return { tokens, etag: obj.etag };
  } catch {
    return { etag: obj.etag, corrupt: true };
  }
}

function conditionFor(etag: string | undefined): PutCondition {
  return etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag };
}

function tokensFromSet(
  set: TokenSet,
  now: number,
  refreshTokenLifetimeDays: number,
  user: string | null,
): StoredTokens {
  const expiresIn = Number.isFinite(set.expiresIn) && set.expiresIn > 0 ? set.expiresIn : FALLBACK_ACCESS_LIFETIME_S;
  // Every token a provider issues (authorization, refresh) passes here.
  registerSecrets(set.accessToken, set.refreshToken);
  return {
    accessToken: set.accessToken,
    refreshToken: set.refreshToken,
    accessExpiresAt: now + Math.round(expiresIn * 1000),
    refreshIssuedAt: now,
    refreshExpiresAt: now + refreshTokenLifetimeDays * DAY_MS,
    user,
  };
}

/** Supplies bearer tokens to an API client and refreshes them (rotation-safe) when the API rejects one. */
export interface AccessTokenProvider {
  /** A current access token; refreshes first when the stored one expires soon. */
  get(): Promise<string>;
  /** Refreshes after the API rejected `staleToken`; returns the new access token. */
  refresh(staleToken: string): Promise<string>;
}

export interface TokenProviderDeps {
  readonly store: ObjectStore;
  readonly provider: Pick<
    AuthProvider,
    'destination' | 'label' | 'refresh' | 'isInvalidGrant' | 'refreshTokenLifetimeDays' | 'accessRefreshMarginMs'
  >;
  readonly clock: Clock;
  readonly logger?: Logger;
}

interface Current {
  readonly tokens: StoredTokens;
  readonly etag: string;
}

/**
 * The sync worker's token source for one destination. One instance per run: the stored tokens are
 * read once and cached; refreshes are de-duplicated within the instance and rotation-safe across
 * processes (see `refreshFrom`).
 */
export function createTokenProvider(deps: TokenProviderDeps): AccessTokenProvider {
  const logger = deps.logger ?? silentLogger;
  const { provider } = deps;
  const key = KEYS.tokens(provider.destination);
  const label = provider.label;
  let cache: Current | undefined;
  let inflight: Promise<string> | undefined;

  const usable = (read: TokenRead): Current => {
    if (!read.tokens || read.etag === undefined) {
      throw new ReauthRequiredError(
        'no_tokens',
        read.corrupt
          ? `Stored ${label} tokens are unreadable; a new authorization is needed`
          : `No ${label} tokens are stored yet`,
      );
    }
    if (read.tokens.invalid) {
      throw new ReauthRequiredError(
        read.tokens.invalid.reason,
        `Stored ${label} tokens were rejected; a new authorization is needed`,
      );
    }
    return { tokens: read.tokens, etag: read.etag };
  };

  const adopt = (current: Current, why: string): string => {
    cache = current;
    logger.info('using tokens stored by another writer', { destination: provider.destination, why });
    return current.tokens.accessToken;
  };

  /** The refresh token was rejected: mark the record invalid unless it has moved on meanwhile. */
  const onInvalidGrant = async (startRefreshToken: string, cause: unknown): Promise<string> => {
    const rejected = `${label} rejected the refresh token (invalid_grant)`;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const read = await readTokens(deps.store, provider.destination);
      if (!read.tokens || read.etag === undefined) {
        throw new ReauthRequiredError(
          'no_tokens',
          `${label} rejected the refresh token and no other tokens are stored`,
          {
            cause,
          },
        );
      }
      if (read.tokens.refreshToken !== startRefreshToken) {
        // Another refresh rotated the token, or the callback stored a new authorization: that is
        // exactly why ours was rejected. Use theirs.
        if (!read.tokens.invalid) return adopt({ tokens: read.tokens, etag: read.etag }, 'rotated concurrently');
        throw new ReauthRequiredError(read.tokens.invalid.reason, `Stored ${label} tokens were rejected`, { cause });
      }
      if (read.tokens.invalid) {
        throw new ReauthRequiredError(read.tokens.invalid.reason, `Stored ${label} tokens were rejected`, { cause });
      }
      const marked: StoredTokens = { ...read.tokens, invalid: { reason: 'invalid_grant', at: deps.clock.now() } };
      try {
        await deps.store.put(key, JSON.stringify(marked), { ifMatch: read.etag });
      } catch (err) {
        if (err instanceof PreconditionFailedError) continue;
        throw err;
      }
      cache = undefined;
      logger.warn('refresh token rejected; tokens marked invalid', { destination: provider.destination });
      throw new ReauthRequiredError('invalid_grant', rejected, { cause });
    }
    throw new ReauthRequiredError('invalid_grant', rejected, { cause });
  };

  /**
   * Rotation-safe refresh: refresh with the token we read, then write with If-Match on the ETag
   * we read. If that write loses a race we re-read: a different refresh token means someone
   * stored newer tokens (another refresh or a new authorization) and ours are dropped; the same
   * refresh token means the conflict was about something else and we write again.
   */
  const refreshFrom = async (base: Current): Promise<string> => {
    const startRefreshToken = base.tokens.refreshToken;
    let set: TokenSet;
    try {
      set = await provider.refresh(startRefreshToken);
    } catch (err) {
      if (provider.isInvalidGrant(err)) return onInvalidGrant(startRefreshToken, err);
      throw new TokenRefreshError(`Refreshing the ${label} access token failed: ${describeError(err)}`, {
        cause: err,
      });
    }
    const fresh = tokensFromSet(set, deps.clock.now(), provider.refreshTokenLifetimeDays, base.tokens.user);
    let etag: string | undefined = base.etag;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      try {
        const written = await deps.store.put(key, JSON.stringify(fresh), conditionFor(etag));
        cache = { tokens: fresh, etag: written.etag };
        return fresh.accessToken;
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) {
          // The provider has already rotated the refresh token, so the one still stored is probably dead now.
          logger.error('refreshed tokens could not be saved', {
            destination: provider.destination,
            error: describeError(err),
          });
          throw new TokenRefreshError(`Refreshed ${label} tokens could not be saved`, { cause: err });
        }
      }
      const read = await readTokens(deps.store, provider.destination);
      if (read.tokens && read.etag !== undefined && read.tokens.refreshToken !== startRefreshToken) {
        // Never overwrite a newer refresh token. An invalid-marked newer record is worthless,
        // though, while ours are known good: only then do we write over it.
        if (!read.tokens.invalid)
          return adopt({ tokens: read.tokens, etag: read.etag }, 'newer tokens stored during refresh');
      }
      etag = read.etag;
    }
    throw new TokenRefreshError(`Refreshed ${label} tokens could not be saved: the stored tokens kept changing`);
  };

  /** One refresh at a time per instance; concurrent callers share its result. */
  const single = (work: () => Promise<string>): Promise<string> => {
    if (!inflight) {
      inflight = work().finally(() => {
        inflight = undefined;
      });
    }
    return inflight;
  };

  const expiresSoon = (tokens: StoredTokens) =>
    tokens.accessExpiresAt - deps.clock.now() <= provider.accessRefreshMarginMs;

  return {
    async get() {
      if (inflight) return inflight;
      if (!cache) cache = usable(await readTokens(deps.store, provider.destination));
      const current = cache;
      if (!expiresSoon(current.tokens)) return current.tokens.accessToken;
      return single(() => refreshFrom(current));
    },

    async refresh(staleToken: string) {
      return single(async () => {
        // Read again: another process may already have refreshed, and its tokens are the ones to use.
        const current = usable(await readTokens(deps.store, provider.destination));
        if (current.tokens.accessToken !== staleToken && !expiresSoon(current.tokens)) {
          cache = current;
          return current.tokens.accessToken;
        }
        return refreshFrom(current);
      });
    },
  };
}

/** Whether a destination's stored tokens can be used now (present, readable, not marked invalid). */
export async function hasUsableTokens(store: ObjectStore, destination: string): Promise<boolean> {
  const read = await readTokens(store, destination);
  return read.tokens !== undefined && read.tokens.invalid === undefined;
}

export interface SaveAuthorizationDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
}

export interface SaveAuthorizationResult {
  readonly outcome: 'stored' | 'kept_newer';
  readonly tokens: StoredTokens;
}

/**
 * Stores tokens from a fresh authorization (the callback, or a device login). The write is
 * conditional on what was read (If-Match, or If-None-Match '*' when nothing exists). On a
 * conflict it re-reads and writes again unless the stored tokens are newer. `refreshIssuedAt` is
 * stamped at each attempt: the authorization is the user's latest decision, so it is newer than
 * any refresh it raced with (whose write landed before our re-read); only a future-dated record
 * (clock skew) is kept.
 */
export async function saveTokensFromAuthorization(
  deps: SaveAuthorizationDeps,
  provider: Pick<AuthProvider, 'destination' | 'refreshTokenLifetimeDays'>,
  set: TokenSet,
  user: string | null,
): Promise<SaveAuthorizationResult> {
  const key = KEYS.tokens(provider.destination);
  let read = await readTokens(deps.store, provider.destination);
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const ours = tokensFromSet(set, deps.clock.now(), provider.refreshTokenLifetimeDays, user);
    if (read.tokens && !read.tokens.invalid && read.tokens.refreshIssuedAt > ours.refreshIssuedAt) {
      return { outcome: 'kept_newer', tokens: read.tokens };
    }
    try {
      await deps.store.put(key, JSON.stringify(ours), conditionFor(read.etag));
      return { outcome: 'stored', tokens: ours };
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
    read = await readTokens(deps.store, provider.destination);
  }
  throw new PreconditionFailedError(key);
}
