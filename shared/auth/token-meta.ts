import * as z from 'zod/mini';
import { describeError, PreconditionFailedError } from '../errors';
import { REAUTH_REASONS } from '../events';
import { type Logger, silentLogger } from '../log';
import { KEYS, type ObjectStore, type PutCondition } from '../store/store';
import '../zod-messages';

/**
 * What the reauth mailer may know about a destination's tokens, without the tokens themselves
 * (`KEYS.tokenMeta`; its IAM grant reaches this object and not `KEYS.tokens`). Every writer of the
 * tokens writes it right after them, and the sync worker rewrites it whenever it finds it missing
 * or describing other tokens (an upgrade from before it existed, or a write that failed).
 *
 * Order: tokens first, then this. The ETag it records is only known once the tokens are written,
 * and a failure in between leaves metadata that is *older* than the tokens, which `tokensEtag`
 * exposes to the worker, rather than metadata claiming tokens the store does not hold.
 */
const factsFields = {
  /** The account, when known. */
  user: z.nullable(z.string()),
  refreshIssuedAt: z.number().check(z.int()),
  refreshExpiresAt: z.number().check(z.int()),
  invalid: z.optional(z.object({ reason: z.enum(REAUTH_REASONS), at: z.number().check(z.int()) })),
};
export const tokenMetaSchema = z.union([
  z.object({ version: z.literal(1), tokensEtag: z.string(), ...factsFields }),
  /** The tokens object exists but cannot be read: for the mailer, as good as missing. */
  z.object({ version: z.literal(1), tokensEtag: z.string(), unreadable: z.literal(true) }),
]);
export type TokenMeta = z.infer<typeof tokenMetaSchema>;

/** What the reauth decision needs to know about stored tokens (a stored token record is one too). */
const tokenFactsSchema = z.object(factsFields);
export type TokenFacts = z.infer<typeof tokenFactsSchema>;

/** Metadata describing `tokens` (or an unreadable tokens object) whose ETag is `tokensEtag`. */
export function tokenMetaOf(tokens: TokenFacts | undefined, tokensEtag: string): TokenMeta {
  if (!tokens) return { version: 1, tokensEtag, unreadable: true };
  const { user, refreshIssuedAt, refreshExpiresAt, invalid } = tokens;
  return { version: 1, tokensEtag, user, refreshIssuedAt, refreshExpiresAt, ...(invalid ? { invalid } : {}) };
}

export interface TokenMetaRead {
  readonly meta?: TokenMeta;
  readonly etag?: string;
}

/** The metadata of a destination's tokens; an unreadable object counts as none. */
export async function readTokenMeta(store: ObjectStore, destination: string): Promise<TokenMetaRead> {
  const obj = await store.get(KEYS.tokenMeta(destination));
  if (!obj) return {};
  try {
    return { meta: tokenMetaSchema.parse(JSON.parse(obj.body)), etag: obj.etag };
  } catch {
    return { etag: obj.etag };
  }
}

/**
 * Writes the metadata of tokens just written. Never throws: the tokens are what matters, and the
 * worker repairs metadata that lags behind them the next time it uses them.
 */
export async function writeTokenMeta(
  store: ObjectStore,
  destination: string,
  tokens: TokenFacts | undefined,
  tokensEtag: string,
  logger: Logger = silentLogger,
  condition?: PutCondition,
): Promise<void> {
  try {
    await store.put(KEYS.tokenMeta(destination), JSON.stringify(tokenMetaOf(tokens, tokensEtag)), condition);
  } catch (err) {
    // Lost to another writer's metadata: theirs describes tokens at least as new.
    if (err instanceof PreconditionFailedError) return;
    logger.warn('token metadata not written; the sync worker rewrites it when it next uses the tokens', {
      destination,
      error: describeError(err),
    });
  }
}

/**
 * The sync worker's repair (and the migration of token objects from before metadata existed):
 * when the metadata is missing, unreadable or describes other tokens than the ones just read
 * (ETag `tokensEtag`), it is rewritten, conditionally on what was there, so that a concurrent
 * writer's newer metadata is never replaced by this one.
 */
export async function describeTokens(
  store: ObjectStore,
  destination: string,
  read: { readonly tokens?: TokenFacts; readonly etag?: string },
  current: TokenMetaRead,
  logger: Logger = silentLogger,
): Promise<void> {
  if (read.etag === undefined) return;
  if (current.meta && current.meta.tokensEtag === read.etag) return;
  const condition: PutCondition = current.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: current.etag };
  await writeTokenMeta(store, destination, read.tokens, read.etag, logger, condition);
}
