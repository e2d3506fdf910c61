import { AppError } from '../errors';
import { retryAfterMs } from '../http/policy';

/** One item of a GraphQL `errors` array, reduced to what AniList actually sends. */
export interface AniListErrorItem {
  readonly message: string;
  /** AniList mirrors the HTTP status here (`errors[].status`); absent on some errors. */
  readonly status?: number;
}

/**
 * Base of every AniList failure. `status` is the HTTP status of the final response (after retries).
 * `retryable` tells the sync engine whether trying again later can help (outage, rate limit) or
 * whether a person must fix something first (wrong user name, revoked token, broken query).
 */
export class AniListError extends AppError {
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    details: { status?: number | undefined; retryable: boolean; cause?: unknown },
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.retryable = details.retryable;
  }
}

/** The response carried a GraphQL `errors` array. This is a failure even with HTTP 200. */
export class AniListGraphQLError extends AniListError {
  readonly errors: readonly AniListErrorItem[];
  constructor(status: number, errors: readonly AniListErrorItem[]) {
    super('anilist_graphql_error', `AniList rejected the query (HTTP ${status}): ${summarise(errors)}`, {
      status,
      retryable: false,
    });
    this.errors = errors;
  }
}

/** AniList answered 404 "Not Found." for the user: wrong name, renamed or private profile. */
export class AniListUserNotFoundError extends AniListError {
  readonly userName: string | undefined;
  constructor(userName: string | undefined, status: number) {
    super(
      'anilist_user_not_found',
      userName === undefined
        ? 'AniList user not found (404 "Not Found.")'
        : `AniList user "${userName}" not found (404 "Not Found."): check the name, or the profile may be private`,
      { status, retryable: false },
    );
    this.userName = userName;
  }
}

/** AniList answered 400 "Invalid token": the bearer token is expired or revoked. Even public reads fail with it. */
export class AniListInvalidTokenError extends AniListError {
  constructor(status: number) {
    super(
      'anilist_invalid_token',
      `AniList refused the access token (HTTP ${status} "Invalid token"): it is expired or revoked; create a new one or unset it`,
      { status, retryable: false },
    );
  }
}

/** 429 "Too Many Requests." that outlasted the retry policy. `retryAfterMs` says when AniList will talk again. */
export class AniListRateLimitError extends AniListError {
  readonly retryAfterMs: number | undefined;
  constructor(status: number, retryAfter: number | undefined) {
    super(
      'anilist_rate_limited',
      `AniList rate limit hit (HTTP ${status})` +
        (retryAfter === undefined ? '' : `; it accepts requests again in ${Math.ceil(retryAfter / 1000)} s`),
      { status, retryable: true },
    );
    this.retryAfterMs = retryAfter;
  }
}

/** Any other failure: 5xx, 403 (API disabled / IP blocked), CDN pages and other non-GraphQL bodies. */
export class AniListApiError extends AniListError {
  constructor(
    message: string,
    details: { status?: number | undefined; cause?: unknown; retryable?: boolean },
    code = 'anilist_api_error',
  ) {
    super(code, message, {
      status: details.status,
      cause: details.cause,
      retryable: details.retryable ?? (details.status === undefined || details.status >= 500),
    });
  }
}

/** A 2xx response whose body is not the JSON shape the query asks for. */
export class AniListMalformedResponseError extends AniListApiError {
  constructor(message: string, details: { status?: number | undefined; cause?: unknown }) {
    super(
      `AniList sent a malformed response: ${message}`,
      { ...details, retryable: true },
      'anilist_malformed_response',
    );
  }
}

/** Bad arguments from our own caller (empty user name, negative watermark). */
export class AniListArgumentError extends AppError {
  constructor(message: string) {
    super('anilist_invalid_argument', message);
  }
}

export interface RawAniListResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly bodyText: string;
}

/**
 * Turns a failed AniList exchange into a typed error. Statuses are taken from the HTTP status and
 * from `errors[].status` alike, because AniList may report a failure inside an HTTP 200.
 * `cause` is whatever made the response unusable to graphql-request, kept for debugging.
 */
export function errorFromResponse(
  response: RawAniListResponse,
  context: { nowMs: number; userName?: string | undefined; cause?: unknown },
): AniListError {
  const { status, headers, bodyText } = response;
  const httpOk = status >= 200 && status < 300;
  const body = tryParseJson(bodyText);
  const errors = body.ok ? extractErrors(body.value) : [];
  const statuses = [status, ...errors.flatMap((e) => (e.status === undefined ? [] : [e.status]))];

  if (statuses.includes(429)) return new AniListRateLimitError(status, retryAfterMs(headers, context.nowMs));
  if (errors.some((e) => /invalid token/i.test(e.message))) return new AniListInvalidTokenError(status);
  if (statuses.includes(404)) return new AniListUserNotFoundError(context.userName, status);

  if (!body.ok) {
    const what = `HTTP ${status} with ${describeBody(headers, bodyText)}`;
    return httpOk
      ? new AniListMalformedResponseError(what, { status, cause: body.error })
      : new AniListApiError(`AniList answered ${what}`, { status, cause: context.cause });
  }
  if (errors.length === 0) {
    return httpOk
      ? new AniListMalformedResponseError(
          `HTTP ${status} JSON is not a GraphQL response (${describeCause(context.cause)})`,
          {
            status,
            cause: context.cause,
          },
        )
      : new AniListApiError(`AniList answered HTTP ${status} without a GraphQL error`, {
          status,
          cause: context.cause,
        });
  }
  // 5xx and 403 (API disabled, blocked) are service conditions, not problems with our query.
  if (status >= 500 || status === 403 || statuses.some((s) => s >= 500)) {
    // "The API has been temporarily disabled" (docs/apis.md#anilist-errors) passes; a block does not.
    const temporary = errors.some((e) => /temporarily disabled/i.test(e.message));
    return new AniListApiError(`AniList answered HTTP ${status}: ${summarise(errors)}`, {
      status,
      ...(temporary ? { retryable: true } : {}),
    });
  }
  return new AniListGraphQLError(status, errors);
}

function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false; error: unknown } {
  if (text.trim() === '') return { ok: false, error: new Error('empty body') };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error };
  }
}

function extractErrors(body: unknown): AniListErrorItem[] {
  if (typeof body !== 'object' || body === null) return [];
  const raw = (body as { errors?: unknown }).errors;
  if (!Array.isArray(raw)) return [];
  return raw.map((item: unknown) => {
    const obj = (typeof item === 'object' && item !== null ? item : {}) as { message?: unknown; status?: unknown };
    const message = typeof obj.message === 'string' ? obj.message : JSON.stringify(item);
    return typeof obj.status === 'number' ? { message, status: obj.status } : { message };
  });
}

function summarise(errors: readonly AniListErrorItem[]): string {
  const shown = errors
    .slice(0, 3)
    .map((e) => (e.status === undefined ? e.message : `${e.message} [${e.status}]`))
    .join('; ');
  return errors.length > 3 ? `${shown}; and ${errors.length - 3} more` : shown;
}

/** A short description of an unexpected body (CDN block pages are HTML): never the whole page. */
function describeBody(headers: Headers, text: string): string {
  if (text.trim() === '') return 'an empty body';
  const type = headers.get('content-type') ?? 'no content-type';
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
  const excerpt = (title ?? text.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim().slice(0, 120);
  return `a non-JSON body (${type}): "${excerpt}"`;
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message.slice(0, 200) : 'unexpected shape';
}
