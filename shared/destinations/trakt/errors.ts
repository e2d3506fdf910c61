import { AppError } from '../../errors';
import { retryAfterMs } from '../../http/policy';

/**
 * One taxonomy for Trakt's answers: a stable code, the HTTP status, and whether trying again
 * later can help (`retryable`). Answers a person must act on (a locked account, an app Trakt
 * refuses, a VIP-only feature, a full account) carry `blockedBy`, a sentence saying what to do:
 * the destination stops writing until then, and the report says it.
 */
export class TraktApiError extends AppError {
  readonly status: number;
  readonly retryable: boolean;
  /** What the person must do before Trakt accepts more calls (see `blockingReason`). */
  readonly blockedBy?: string;
  readonly retryAfterMs?: number;

  constructor(
    code: string,
    message: string,
    details: { status: number; retryable: boolean; blockedBy?: string; retryAfterMs?: number },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.status = details.status;
    this.retryable = details.retryable;
    if (details.blockedBy !== undefined) this.blockedBy = details.blockedBy;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * A history write whose outcome is unknown: the request may have been applied although its answer
 * was lost (timeout, reset, 429 or 5xx after the fact). Trakt never de-duplicates plays, so it must
 * not simply be sent again: the caller re-reads the history first.
 */
export class TraktUncertainWriteError extends AppError {
  readonly retryable = true;
  readonly retryAfterMs?: number;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super('trakt_write_uncertain', message, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export interface ResponseParts {
  readonly status: number;
  readonly headers: Headers;
  readonly bodyText: string;
}

/**
 * Trakt answers that need a person (docs/apis.md#trakt-errors). Each is final: retrying changes
 * nothing until the person acts.
 */
export function blockingReason(parts: ResponseParts): string | undefined {
  const { status, headers } = parts;
  if (status === 423) {
    const deactivated = headers.get('x-account-deactivated') === 'true';
    return deactivated
      ? 'Trakt says the account is deactivated (HTTP 423): nothing can be synced until it is reactivated.'
      : 'Trakt has locked the account (HTTP 423): contact Trakt support; syncing resumes once it is unlocked.';
  }
  if (status === 426) {
    return 'Trakt answers "VIP only" (HTTP 426): this needs a Trakt VIP account (trakt.tv/vip).';
  }
  if (status === 420) {
    const limit = headers.get('x-account-limit');
    return `Trakt's account limit is reached (HTTP 420${limit ? `, limit ${limit}` : ''}): remove items on Trakt or upgrade to VIP, then syncing resumes.`;
  }
  if (status === 403) {
    if (isCloudflarePage(parts)) {
      return 'Trakt\'s Cloudflare front blocked the request (HTTP 403 "Sorry, you have been blocked"): check the network the worker runs from; the request itself names the app with a User-Agent.';
    }
    return 'Trakt refused the app (HTTP 403): the client id is unknown or the app is disabled. Creating Trakt API apps needs a VIP account; check TRAKT_CLIENT_ID and the app at trakt.tv/oauth/applications.';
  }
  return undefined;
}

/** Cloudflare's own pages lack the headers Trakt's application adds to everything it answers. */
export function isCloudflarePage(parts: ResponseParts): boolean {
  const html = /text\/html/i.test(parts.headers.get('content-type') ?? '') || /^\s*</.test(parts.bodyText);
  return html && !parts.headers.has('x-runtime');
}

/** Maps a failed Trakt answer to a typed error. `operation` names the call (no query string). */
export function traktErrorFromResponse(operation: string, parts: ResponseParts, nowMs: number): TraktApiError {
  const { status } = parts;
  const blockedBy = blockingReason(parts);
  const summary = describeBody(parts);
  const message = `Trakt ${operation} failed with HTTP ${status}${summary ? ` (${summary})` : ''}`;
  if (blockedBy) return new TraktApiError('trakt_blocked', message, { status, retryable: false, blockedBy });
  if (status === 401) return new TraktApiError('trakt_unauthorized', message, { status, retryable: true });
  if (status === 404) return new TraktApiError('trakt_not_found', message, { status, retryable: false });
  const waitMs = retryAfterMs(parts.headers, nowMs);
  if (status === 429) {
    return new TraktApiError('trakt_rate_limited', message, {
      status,
      retryable: true,
      ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
    });
  }
  const retryable = status >= 500 || status === 408;
  return new TraktApiError(retryable ? 'trakt_unavailable' : 'trakt_request_rejected', message, { status, retryable });
}

/**
 * Trakt said "slow down" (429), directly or as the reason a history write's outcome is unknown:
 * the sync core's throttle breaker counts these.
 */
export function isTraktThrottle(err: unknown): boolean {
  const cause = err instanceof TraktUncertainWriteError ? err.cause : err;
  return cause instanceof TraktApiError && cause.status === 429;
}

/** A short, safe description of an error body: Trakt's `error_description`, an HTML title, or its size. */
function describeBody(parts: ResponseParts): string {
  const text = parts.bodyText.trim();
  if (text === '') return '';
  try {
    const body = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    const words = [body.error, body.error_description].filter((v) => typeof v === 'string').join(': ');
    return words.slice(0, 200);
  } catch {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    return title
      ? `page "${title.slice(0, 80)}"`
      : `${text.length} bytes of ${parts.headers.get('content-type') ?? 'text'}`;
  }
}
