import { AppError, NetworkError } from '../../errors';
import { retryAfterMs as parseRetryAfter } from '../../http/policy';

/**
 * Every failure the MAL client raises says whether trying again later could succeed, so the
 * sync applier can route a failed write to the retry list (`retryable: true`: network trouble,
 * throttling, outages, expired sessions) or report it as a permanent rejection (`false`:
 * MAL refused the content itself, e.g. `bad_request`, `invalid_content`).
 */
export interface MalErrorDetails {
  /** HTTP status; `0` when the error was raised before anything was sent. */
  readonly status: number;
  /** MAL's `error` field (`bad_request`, `invalid_token`, `forbidden`, `not_found`, ...) or a sandbox-side label. */
  readonly malError: string;
  /** MAL's `message` field. */
  readonly malMessage?: string;
  readonly hint?: string;
  readonly retryable: boolean;
}

/** An answer from the MAL API that is not the success we asked for. */
export class MalApiError extends AppError implements MalErrorDetails {
  readonly status: number;
  readonly malError: string;
  readonly malMessage?: string;
  readonly hint?: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, details: MalErrorDetails, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = details.status;
    this.malError = details.malError;
    if (details.malMessage !== undefined) this.malMessage = details.malMessage;
    if (details.hint !== undefined) this.hint = details.hint;
    this.retryable = details.retryable;
  }

  /** MAL's own words ("invalid score"): the report quotes them (`shared/sync/failure.ts`). */
  get serviceMessage(): string | undefined {
    return this.malMessage;
  }
}

/**
 * 401 (or a 403 naming `invalid_token`) that survived one refresh. Retryable: the write itself
 * was not rejected, only the session, which re-authorization fixes.
 */
export class MalAuthError extends MalApiError {
  constructor(message: string, details: Omit<MalErrorDetails, 'retryable'>, options?: { cause?: unknown }) {
    super('mal_auth_failed', message, { ...details, retryable: true }, options);
  }
}

/** 429, a 403 "forbidden"/DoS answer, or an HTML "Request blocked" page. */
export class MalRateLimitError extends MalApiError {
  /** From `Retry-After` when MAL sent one. */
  readonly retryAfterMs?: number;
  constructor(
    message: string,
    details: Omit<MalErrorDetails, 'retryable'> & { retryAfterMs?: number },
    options?: { cause?: unknown },
  ) {
    super('mal_rate_limited', message, { ...details, retryable: true }, options);
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

export class MalNotFoundError extends MalApiError {
  constructor(message: string, details: Omit<MalErrorDetails, 'retryable'>, options?: { cause?: unknown }) {
    super('mal_not_found', message, { ...details, retryable: false }, options);
  }
}

/**
 * A response we cannot use: not JSON, wrong shape, or values outside MAL's documented enums.
 * Never a crash: the caller gets this error and the data already read is untouched.
 */
export class MalResponseError extends MalApiError {
  constructor(message: string, details: MalErrorDetails, options?: { cause?: unknown }) {
    super('mal_bad_response', message, details, options);
  }
}

/** The caller asked for something MAL would reject; raised before anything is sent. */
export class MalInvalidInputError extends AppError {
  readonly retryable = false;
  /** The offending field, when there is one. */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super('mal_invalid_input', message);
    if (field !== undefined) this.field = field;
  }
}

/** True for failures a later attempt may get past; network failures included. */
export function isRetryableMalError(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  const flagged = (err as { retryable?: unknown } | null)?.retryable;
  return flagged === true;
}

/** The parts of a non-success response the error mapping needs. */
export interface ErrorResponseParts {
  readonly status: number;
  readonly headers: Headers;
  readonly bodyText: string;
}

export interface ParsedErrorBody {
  /** `error` from a JSON body, or the `error` attribute of `WWW-Authenticate`. */
  readonly error?: string;
  readonly message?: string;
  readonly hint?: string;
  /** The body was not JSON (an HTML page, plain text) or was empty. */
  readonly nonJson: boolean;
  /** The body looks like MAL's "Request blocked" / banned page. */
  readonly blocked: boolean;
  /** A short, safe description of a non-JSON body (its `<title>` or size). */
  readonly summary?: string;
}

const BLOCKED_PAGE = /request blocked|have been banned|ip (address )?(has been|is) (banned|blocked)/i;

/** Reads MAL's `{error, message, hint}` body; tolerates HTML, plain text and empty bodies. */
export function parseErrorBody(bodyText: string, headers?: Headers): ParsedErrorBody {
  const fromHeader = wwwAuthenticateError(headers);
  const trimmed = bodyText.trim();
  if (trimmed === '') {
    return { ...(fromHeader ? { error: fromHeader } : {}), nonJson: true, blocked: false, summary: 'empty body' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1]?.trim();
    const contentType = headers?.get('content-type')?.split(';')[0]?.trim();
    const summary = `non-JSON ${contentType ?? 'body'} (${trimmed.length} bytes${title ? `, title "${title.slice(0, 80)}"` : ''})`;
    return {
      ...(fromHeader ? { error: fromHeader } : {}),
      nonJson: true,
      blocked: BLOCKED_PAGE.test(trimmed),
      summary,
    };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ...(fromHeader ? { error: fromHeader } : {}), nonJson: false, blocked: false, summary: 'unexpected JSON' };
  }
  const body = parsed as Record<string, unknown>;
  const error = nonEmptyString(body.error) ?? fromHeader;
  const message = nonEmptyString(body.message) ?? nonEmptyString(body.error_description);
  const hint = nonEmptyString(body.hint);
  return {
    ...(error !== undefined ? { error } : {}),
    ...(message !== undefined ? { message } : {}),
    ...(hint !== undefined ? { hint } : {}),
    nonJson: false,
    blocked: false,
  };
}

/** `Bearer error="invalid_token",error_description="..."` → `invalid_token`. */
export function wwwAuthenticateError(headers: Headers | undefined): string | undefined {
  const value = headers?.get('www-authenticate');
  if (!value) return undefined;
  return /\berror="?([A-Za-z0-9_.-]+)"?/.exec(value)?.[1];
}

/** MAL rejected the bearer token itself (as opposed to the client or the request). */
export function isInvalidTokenResponse(parts: ErrorResponseParts): boolean {
  if (parts.status !== 401 && parts.status !== 403) return false;
  if (wwwAuthenticateError(parts.headers) === 'invalid_token') return true;
  return parseErrorBody(parts.bodyText).error === 'invalid_token';
}

/**
 * Maps a non-success MAL response to a typed error. `operation` (e.g. `PATCH /anime/21/my_list_status`)
 * names the call in the message; it must not contain a query string.
 */
export function malErrorFromResponse(operation: string, parts: ErrorResponseParts, nowMs: number): MalApiError {
  const body = parseErrorBody(parts.bodyText, parts.headers);
  const { status } = parts;
  const describe = (label: string) =>
    `MAL ${operation} failed with HTTP ${status} ${label}${body.message ? `: ${body.message}` : ''}${
      body.hint ? ` (hint: ${body.hint})` : ''
    }${body.nonJson && body.summary ? ` [${body.summary}]` : ''}`;
  const base = {
    status,
    ...(body.message !== undefined ? { malMessage: body.message } : {}),
    ...(body.hint !== undefined ? { hint: body.hint } : {}),
  };

  if (body.blocked) {
    const waitMs = parseRetryAfter(parts.headers, nowMs);
    return new MalRateLimitError(describe('request_blocked'), {
      ...base,
      malError: 'request_blocked',
      ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
    });
  }
  const malError = body.error ?? (body.nonJson ? 'non_json_response' : `http_${status}`);
  if (status === 401 || (status === 403 && malError === 'invalid_token')) {
    return new MalAuthError(describe(malError), { ...base, malError });
  }
  if (status === 429 || status === 403) {
    const waitMs = parseRetryAfter(parts.headers, nowMs);
    return new MalRateLimitError(describe(malError), {
      ...base,
      malError,
      ...(waitMs !== undefined ? { retryAfterMs: waitMs } : {}),
    });
  }
  if (status === 404) return new MalNotFoundError(describe(malError), { ...base, malError });
  const transient = status >= 500 || status === 408 || status === 425;
  return new MalApiError(transient ? 'mal_unavailable' : 'mal_request_rejected', describe(malError), {
    ...base,
    malError,
    retryable: transient,
  });
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
