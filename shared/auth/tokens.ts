import * as z from 'zod/mini';
import type { Clock } from '../clock';
import { AppError, describeError, PreconditionFailedError, registerSecrets } from '../errors';
import { REAUTH_REASONS, type ReauthReason } from '../events';
import { backoff, DEFAULT_RETRY_POLICY, type DeadlineSource, type RetryPolicy, roomToWait } from '../http/policy';
import { type Logger, silentLogger } from '../log';
import { KEYS, type ObjectStore, type PutCondition } from '../store/store';
import type { AuthProvider, TokenSet } from './provider';
import { describeTokens, readTokenMeta, writeTokenMeta } from './token-meta';
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

/** The sync worker's provider for one run: it may hold refreshed tokens that S3 did not take yet. */
export interface RunTokenProvider extends AccessTokenProvider {
  /**
   * The end of the run: saves refreshed tokens whose save failed during it, one last time. Never
   * throws; if they are lost after all, it logs `TOKENS_LOST_LOG` (an alarm watches for it).
   */
  flush(): Promise<FlushOutcome>;
}

/** `nothing`: no unsaved tokens; `saved`: saved now; `superseded`: newer tokens were stored by another writer; `lost`. */
export type FlushOutcome = 'nothing' | 'saved' | 'superseded' | 'lost';

/** The message of the log line for refreshed tokens that could not be saved at all (the alarm's metric filter). */
export const TOKENS_LOST_LOG = 'refreshed tokens lost';

/** Refreshed tokens could not be saved, even at the end of the run: the next run will need a new authorization. */
export class TokensLostError extends AppError {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super('tokens_lost', message, options);
  }
}

/** How the save of refreshed tokens is retried when S3 fails (the SDK retries each attempt as well). */
export interface SaveRetry {
  /** Store writes, the first included. */
  readonly maxAttempts: number;
  /** The first wait; it doubles per attempt, with jitter (shared/http's `backoff`). */
  readonly baseDelayMs: number;
}

const DEFAULT_SAVE_RETRY: SaveRetry = { maxAttempts: 4, baseDelayMs: 1_000 };

export interface TokenProviderDeps {
  readonly store: ObjectStore;
  readonly provider: Pick<
    AuthProvider,
    'destination' | 'label' | 'refresh' | 'isInvalidGrant' | 'refreshTokenLifetimeDays' | 'accessRefreshMarginMs'
  >;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** The run's deadline: saves are retried only while there is time left before it. */
  readonly deadline?: DeadlineSource;
  readonly saveRetry?: SaveRetry;
  /** Jitter source of the save retries (tests pin it). */
  readonly random?: () => number;
}

interface Current {
  readonly tokens: StoredTokens;
  /** The stored record's ETag: these tokens' own, or, while they are unsaved, the one they replace. */
  readonly etag: string | undefined;
  /** Set while these tokens are not stored yet: the refresh token of the stored record they replace. */
  readonly unsavedOver?: string;
}

/** The refresh token of the record `current.etag` belongs to: what a conflicting writer is compared with. */
const storedRefreshToken = (current: Current) => current.unsavedOver ?? current.tokens.refreshToken;

type SaveOutcome =
  | { readonly kind: 'saved' | 'superseded'; readonly current: Current }
  | { readonly kind: 'failed'; readonly error: unknown; readonly etag: string | undefined };

/**
 * The sync worker's token source for one destination. One instance per run: the stored tokens are
 * read once and cached; refreshes are de-duplicated within the instance and rotation-safe across
 * processes (see `save`). Refreshed tokens are never dropped because S3 failed: the save is
 * retried with backoff within the run's deadline, then the tokens are kept in memory for the rest
 * of the run and `flush` tries once more at its end.
 */
export function createTokenProvider(deps: TokenProviderDeps): RunTokenProvider {
  const logger = deps.logger ?? silentLogger;
  const { provider } = deps;
  const key = KEYS.tokens(provider.destination);
  const label = provider.label;
  const retry = retryPolicyOf(deps.saveRetry ?? DEFAULT_SAVE_RETRY);
  const random = deps.random ?? Math.random;
  let cache: Current | undefined;
  let inflight: Promise<string> | undefined;
  let described = false;

  /** Reads the tokens; the first read of the instance also repairs (or first writes) their metadata. */
  const read = async (): Promise<TokenRead> => {
    if (described) return readTokens(deps.store, provider.destination);
    const [tokens, meta] = await Promise.all([
      readTokens(deps.store, provider.destination),
      readTokenMeta(deps.store, provider.destination),
    ]);
    described = true;
    await describeTokens(deps.store, provider.destination, tokens, meta, logger);
    return tokens;
  };

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

  /** After a tokens write: their metadata, for the mailer. */
  const describe = (tokens: StoredTokens, etag: string) =>
    writeTokenMeta(deps.store, provider.destination, tokens, etag, logger);

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
      let written: { etag: string };
      try {
        written = await deps.store.put(key, JSON.stringify(marked), { ifMatch: read.etag });
      } catch (err) {
        if (err instanceof PreconditionFailedError) continue;
        throw err;
      }
      await describe(marked, written.etag);
      cache = undefined;
      logger.warn('refresh token rejected; tokens marked invalid', { destination: provider.destination });
      throw new ReauthRequiredError('invalid_grant', rejected, { cause });
    }
    throw new ReauthRequiredError('invalid_grant', rejected, { cause });
  };

  /**
   * Stores `fresh` over the record with ETag `etag`, whose refresh token was `replaces`, with
   * If-Match on that ETag. A lost race is re-read, never retried blindly: a different refresh
   * token stored means newer tokens (another refresh, a new authorization, or our own earlier
   * attempt whose answer was lost), which are used instead; the same one means the conflict was
   * about something else, and we write again. S3 trouble is retried with backoff while the
   * deadline allows; if it lasts, the outcome is `failed` and the caller decides.
   */
  const save = async (fresh: StoredTokens, etag: string | undefined, replaces: string): Promise<SaveOutcome> => {
    const started = deps.clock.now();
    let conflicts = 0;
    let failures = 0;
    for (;;) {
      let lastError: unknown;
      try {
        const written = await deps.store.put(key, JSON.stringify(fresh), conditionFor(etag));
        await describe(fresh, written.etag);
        return { kind: 'saved', current: { tokens: fresh, etag: written.etag } };
      } catch (err) {
        lastError = err;
      }
      if (lastError instanceof PreconditionFailedError && conflicts++ < MAX_WRITE_ATTEMPTS) {
        try {
          const read = await readTokens(deps.store, provider.destination);
          // Never overwrite a newer refresh token. An invalid-marked newer record is worthless,
          // though, while ours are known good: only then do we write over it.
          if (read.tokens && read.etag !== undefined && read.tokens.refreshToken !== replaces && !read.tokens.invalid) {
            return { kind: 'superseded', current: { tokens: read.tokens, etag: read.etag } };
          }
          etag = read.etag;
          continue;
        } catch (err) {
          lastError = err;
        }
      }
      failures++;
      const wait = backoff(retry, failures, random);
      if (failures >= retry.maxAttempts || !roomToWait(deps.clock.now(), wait, started, retry, deps.deadline?.())) {
        return { kind: 'failed', error: lastError, etag };
      }
      await deps.clock.sleep(wait);
    }
  };

  /** Rotation-safe refresh from `base` (stored tokens, or refreshed ones not saved yet). */
  const refreshFrom = async (base: Current): Promise<string> => {
    let set: TokenSet;
    try {
      set = await provider.refresh(base.tokens.refreshToken);
    } catch (err) {
      if (provider.isInvalidGrant(err)) return onInvalidGrant(storedRefreshToken(base), err);
      throw new TokenRefreshError(`Refreshing the ${label} access token failed: ${describeError(err)}`, {
        cause: err,
      });
    }
    // From here on the provider has spent the old refresh token: these tokens must not be dropped.
    const fresh = tokensFromSet(set, deps.clock.now(), provider.refreshTokenLifetimeDays, base.tokens.user);
    const outcome = await save(fresh, base.etag, storedRefreshToken(base));
    if (outcome.kind !== 'failed') {
      if (outcome.kind === 'superseded') return adopt(outcome.current, 'newer tokens stored during refresh');
      cache = outcome.current;
      return fresh.accessToken;
    }
    cache = { tokens: fresh, etag: outcome.etag, unsavedOver: storedRefreshToken(base) };
    logger.warn('refreshed tokens not saved yet; using them from memory and saving them again at the end of the run', {
      destination: provider.destination,
      error: describeError(outcome.error),
    });
    return fresh.accessToken;
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
      if (!cache) cache = usable(await read());
      const current = cache;
      if (!expiresSoon(current.tokens)) return current.tokens.accessToken;
      return single(() => refreshFrom(current));
    },

    async refresh(staleToken: string) {
      return single(async () => {
        // Refreshed tokens S3 has not taken yet are the only live ones: the stored refresh token is spent.
        // Otherwise read again: another process may already have refreshed, and its tokens are the ones to use.
        const current = cache?.unsavedOver !== undefined ? cache : usable(await read());
        if (current.tokens.accessToken !== staleToken && !expiresSoon(current.tokens)) {
          cache = current;
          return current.tokens.accessToken;
        }
        return refreshFrom(current);
      });
    },

    async flush() {
      await inflight?.catch(() => undefined);
      const unsaved = cache;
      if (unsaved?.unsavedOver === undefined) return 'nothing';
      const outcome = await save(unsaved.tokens, unsaved.etag, unsaved.unsavedOver);
      if (outcome.kind !== 'failed') {
        cache = outcome.current;
        logger.info('refreshed tokens saved at the end of the run', {
          destination: provider.destination,
          outcome: outcome.kind,
        });
        return outcome.kind;
      }
      const lost = new TokensLostError(
        `Refreshed ${label} tokens could not be saved (${describeError(outcome.error)}); ` +
          'the next run will need a new authorization',
        { cause: outcome.error },
      );
      // `errorCode`, not `code`: the logger redacts fields named like an OAuth code.
      logger.error(TOKENS_LOST_LOG, { destination: provider.destination, errorCode: lost.code, error: lost.message });
      return 'lost';
    },
  };
}

/** The save retries as a shared/http retry policy (for `backoff` and `roomToWait`). */
function retryPolicyOf(saveRetry: SaveRetry): RetryPolicy {
  return {
    ...DEFAULT_RETRY_POLICY,
    maxAttempts: saveRetry.maxAttempts,
    baseDelayMs: saveRetry.baseDelayMs,
    maxDelayMs: 8 * saveRetry.baseDelayMs,
    budgetMs: 30 * saveRetry.baseDelayMs,
  };
}

/**
 * The sync worker's token providers: one per destination for the length of a run, shared by every
 * client of that destination in the run (its destination and, with SOURCE=mal, its source), so
 * that refreshed tokens kept in memory serve all of them. Built once per cold start; the engine
 * calls `endRun` at the end of every run.
 */
export class RunTokens {
  private readonly providers = new Map<string, RunTokenProvider>();

  constructor(private readonly deps: Omit<TokenProviderDeps, 'provider'>) {}

  /** This run's provider for `provider.destination`, created on first use. */
  for(provider: TokenProviderDeps['provider']): AccessTokenProvider {
    let existing = this.providers.get(provider.destination);
    if (!existing) {
      existing = createTokenProvider({ ...this.deps, provider });
      this.providers.set(provider.destination, existing);
    }
    return existing;
  }

  /** Saves what could not be saved during the run, then forgets every provider. Never throws. */
  async endRun(): Promise<void> {
    const providers = [...this.providers.values()];
    this.providers.clear();
    await Promise.all(providers.map((p) => p.flush()));
  }
}

/**
 * Whether a destination's stored tokens can be used now (present, readable, not marked invalid).
 * The sync worker asks; like its token provider, it repairs the tokens' metadata on the way.
 */
export async function hasUsableTokens(store: ObjectStore, destination: string, logger?: Logger): Promise<boolean> {
  const [read, meta] = await Promise.all([readTokens(store, destination), readTokenMeta(store, destination)]);
  await describeTokens(store, destination, read, meta, logger);
  return read.tokens !== undefined && read.tokens.invalid === undefined;
}

export interface SaveAuthorizationDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly logger?: Logger;
}

export interface SaveAuthorizationResult {
  readonly outcome: 'stored';
  readonly tokens: StoredTokens;
}

/**
 * Stores tokens from a fresh authorization (the callback, or a device login), then their
 * metadata. The user's latest decision always wins: whatever is stored (a refresh that raced
 * with it, a record marked invalid, unreadable, or dated in the future by a skewed clock) is
 * replaced, so the write is unconditional. A refresh racing with it loses its conditional write
 * and adopts these tokens (see `createTokenProvider`).
 */
export async function saveTokensFromAuthorization(
  deps: SaveAuthorizationDeps,
  provider: Pick<AuthProvider, 'destination' | 'refreshTokenLifetimeDays'>,
  set: TokenSet,
  user: string | null,
): Promise<SaveAuthorizationResult> {
  const tokens = tokensFromSet(set, deps.clock.now(), provider.refreshTokenLifetimeDays, user);
  const written = await deps.store.put(KEYS.tokens(provider.destination), JSON.stringify(tokens));
  await writeTokenMeta(deps.store, provider.destination, tokens, written.etag, deps.logger);
  return { outcome: 'stored', tokens };
}
