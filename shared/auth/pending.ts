import * as z from 'zod/mini';
import type { Clock } from '../clock';
import { PreconditionFailedError } from '../errors';
import { type Logger, silentLogger } from '../log';
import { KEYS, type ObjectStore } from '../store/store';
import { createPkceVerifier, createState, isValidState, pkceChallenge } from './pkce';
import type { PkceMethod } from './provider';
import '../zod-messages';

/**
 * A pending authorization: the server side of one emailed link. Times are epoch milliseconds.
 * It is kept (marked used) after the callback consumed it so a replay gets a precise answer,
 * and deleted by the mailer's housekeeping some time after it expired. `destination` says which
 * provider the link was for, so the one callback route completes whichever it belongs to; links
 * made before there were several destinations have none and are MyAnimeList's.
 */
export const pendingAuthorizationSchema = z.object({
  state: z.string(),
  destination: z._default(z.string().check(z.regex(/^[a-z][a-z0-9-]*$/)), 'mal'),
  codeVerifier: z.string().check(z.minLength(43), z.maxLength(128)),
  createdAt: z.number().check(z.int()),
  expiresAt: z.number().check(z.int()),
  usedAt: z.optional(z.number().check(z.int())),
});
export type PendingAuthorization = z.infer<typeof pendingAuthorizationSchema>;

export interface PendingDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
}

export interface NewPendingAuthorization {
  readonly destination: string;
  readonly state: string;
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  readonly expiresAt: number;
}

/** Creates and stores a fresh state + PKCE verifier pair for `destination`, valid for `linkTtlHours`. */
export async function createPendingAuthorization(
  deps: PendingDeps & { readonly linkTtlHours: number; readonly destination: string; readonly pkceMethod: PkceMethod },
): Promise<NewPendingAuthorization> {
  const now = deps.clock.now();
  const state = createState();
  const codeVerifier = createPkceVerifier();
  const record: PendingAuthorization = {
    state,
    destination: deps.destination,
    codeVerifier,
    createdAt: now,
    expiresAt: now + deps.linkTtlHours * 3_600_000,
  };
  // If-None-Match: a 256-bit collision is not going to happen, but never overwrite a link someone holds.
  await deps.store.put(KEYS.pendingAuth(state), JSON.stringify(record), { ifNoneMatch: '*' });
  return {
    destination: deps.destination,
    state,
    codeVerifier,
    codeChallenge: pkceChallenge(codeVerifier, deps.pkceMethod),
    expiresAt: record.expiresAt,
  };
}

export type ConsumeFailureReason = 'missing' | 'malformed' | 'unknown' | 'expired' | 'used';

export interface ConsumeFailure {
  readonly ok: false;
  readonly reason: ConsumeFailureReason;
  /** Known once the record was found (`expired`, `used`): pages name the destination. */
  readonly destination?: string;
  /** Set for `expired` and `used`, so pages can say when. */
  readonly expiresAt?: number;
  readonly usedAt?: number;
}

export type ConsumeResult =
  | { readonly ok: true; readonly destination: string; readonly codeVerifier: string; readonly expiresAt: number }
  | ConsumeFailure;
export type PeekResult =
  | { readonly ok: true; readonly destination: string; readonly expiresAt: number }
  | ConsumeFailure;

type Lookup =
  | { readonly kind: 'failed'; readonly result: ConsumeFailure }
  | { readonly kind: 'found'; readonly record: PendingAuthorization; readonly etag: string };

async function lookup(store: ObjectStore, state: string | undefined): Promise<Lookup> {
  if (state === undefined || state === '') return { kind: 'failed', result: { ok: false, reason: 'missing' } };
  if (!isValidState(state)) return { kind: 'failed', result: { ok: false, reason: 'malformed' } };
  const obj = await store.get(KEYS.pendingAuth(state));
  if (!obj) return { kind: 'failed', result: { ok: false, reason: 'unknown' } };
  let record: PendingAuthorization;
  try {
    record = pendingAuthorizationSchema.parse(JSON.parse(obj.body));
  } catch {
    // A record we cannot read cannot vouch for anything; treat it like a link we never issued.
    return { kind: 'failed', result: { ok: false, reason: 'unknown' } };
  }
  if (record.state !== state) return { kind: 'failed', result: { ok: false, reason: 'unknown' } };
  return { kind: 'found', record, etag: obj.etag };
}

function unusable(record: PendingAuthorization, now: number): ConsumeFailure | undefined {
  const { destination } = record;
  if (record.usedAt !== undefined) {
    return { ok: false, reason: 'used', destination, usedAt: record.usedAt, expiresAt: record.expiresAt };
  }
  if (now >= record.expiresAt) return { ok: false, reason: 'expired', destination, expiresAt: record.expiresAt };
  return undefined;
}

/** Reads a pending authorization without consuming it (e.g. to tell a user who declined how long the link lasts). */
export async function peekPendingAuthorization(deps: PendingDeps, state: string | undefined): Promise<PeekResult> {
  const found = await lookup(deps.store, state);
  if (found.kind === 'failed') return found.result;
  const { record } = found;
  return (
    unusable(record, deps.clock.now()) ?? { ok: true, destination: record.destination, expiresAt: record.expiresAt }
  );
}

/**
 * Single use, race-safe: the record is marked used with an If-Match write BEFORE the caller
 * exchanges the code. Of two concurrent callbacks with the same state, only one conditional write
 * can succeed; the other sees the conflict, re-reads and reports `used`.
 */
export async function consumePendingAuthorization(
  deps: PendingDeps,
  state: string | undefined,
): Promise<ConsumeResult> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await lookup(deps.store, state);
    if (found.kind === 'failed') return found.result;
    const now = deps.clock.now();
    const blocked = unusable(found.record, now);
    if (blocked) return blocked;
    const used: PendingAuthorization = { ...found.record, usedAt: now };
    try {
      await deps.store.put(KEYS.pendingAuth(found.record.state), JSON.stringify(used), { ifMatch: found.etag });
      const { destination, codeVerifier, expiresAt } = found.record;
      return { ok: true, destination, codeVerifier, expiresAt };
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      // Someone else changed the record between our read and write: look again; normally it is now `used`.
    }
  }
  return { ok: false, reason: 'used' };
}

/**
 * Housekeeping for the mailer: deletes pending authorizations that expired more than
 * `retainHours` ago (kept a while so a late click still gets "expired" rather than "unknown").
 * Unreadable records are deleted too: they can never be consumed. There are only a handful of
 * records (at most one per throttle window), so list + get each is cheap.
 */
export async function deleteExpiredPendingAuthorizations(
  deps: PendingDeps & { readonly retainHours?: number; readonly logger?: Logger; readonly maxDeletes?: number },
): Promise<{ deleted: number; kept: number }> {
  const logger = deps.logger ?? silentLogger;
  const cutoff = deps.clock.now() - (deps.retainHours ?? 72) * 3_600_000;
  const maxDeletes = deps.maxDeletes ?? 100;
  let deleted = 0;
  let kept = 0;
  for (const key of await deps.store.list(KEYS.pendingAuthPrefix)) {
    if (deleted >= maxDeletes) break;
    const obj = await deps.store.get(key);
    if (!obj) continue;
    let expiresAt: number | undefined;
    try {
      expiresAt = pendingAuthorizationSchema.parse(JSON.parse(obj.body)).expiresAt;
    } catch {
      logger.warn('deleting an unreadable pending authorization', { key: '[pending]' });
    }
    if (expiresAt === undefined || expiresAt < cutoff) {
      await deps.store.delete(key);
      deleted++;
    } else {
      kept++;
    }
  }
  return { deleted, kept };
}
