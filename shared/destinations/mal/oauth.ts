import type { AuthProvider, TokenSet } from '../../auth/provider';
import { type Clock, systemClock } from '../../clock';
import { AppError } from '../../errors';
import { type DeadlineSource, type HttpOptions, type RetryPolicy, sendWithPolicy } from '../../http/policy';
import { MAL_API_URL, MAL_RETRY_POLICY, trimSlash } from './client';
import { isInvalidTokenResponse, malErrorFromResponse, parseErrorBody } from './errors';
import { isRecord, parseJsonBody, parseUser } from './parse';
import type { MalUser } from './types';

export const MAL_OAUTH_URL = 'https://myanimelist.net/v1/oauth2';

/**
 * The token endpoint is not idempotent: an authorization code works once, and a refresh rotates
 * the refresh token. If a request reached MAL but its answer was lost, a retry would present a
 * spent code/token and turn a blip into "re-authorize". So transport failures are not retried;
 * only answers that say the request was not processed (throttling, gateway/outage statuses) are.
 */
export const MAL_OAUTH_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  doNotRetry: [400, 401, 403, 404, 409, 422],
  retryOn: [429, 502, 503, 504],
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
  budgetMs: 60_000,
  retryNetworkErrors: false,
};

export interface MalOAuthOptions {
  /** REFRESH_TOKEN_LIFETIME_DAYS: MAL documents "one month"; responses observed say 31 days. */
  readonly refreshTokenLifetimeDays?: number;
  readonly oauthUrl?: string;
  readonly apiUrl?: string;
  readonly clientId: string;
  /** Only MAL "web"-type apps have one; "other"-type apps (PKCE only) must not send it. */
  readonly clientSecret?: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /** Token endpoint policy; `whoAmI` uses the API policy. */
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
  /** The current invocation's deadline: the callback must answer before API Gateway gives up. */
  readonly deadline?: DeadlineSource;
}

/**
 * A refused OAuth request. `oauthError` is MAL's `error` (`invalid_grant`, `invalid_request`,
 * `invalid_client`, `unsupported_grant_type`, ...) or `invalid_response` when the answer was unusable.
 * The message never contains the code, verifier, tokens or secret that were sent.
 */
export class MalOAuthError extends AppError {
  readonly status: number;
  readonly oauthError: string;
  readonly malMessage?: string;
  readonly hint?: string;
  readonly retryable: boolean;
  constructor(
    message: string,
    details: { status: number; oauthError: string; malMessage?: string; hint?: string; retryable: boolean },
    options?: { cause?: unknown },
  ) {
    super('mal_oauth_error', message, options);
    this.status = details.status;
    this.oauthError = details.oauthError;
    if (details.malMessage !== undefined) this.malMessage = details.malMessage;
    if (details.hint !== undefined) this.hint = details.hint;
    this.retryable = details.retryable;
  }
}

/**
 * True when the grant itself is dead and only a new authorization helps: `invalid_grant` (spent or
 * unknown code, wrong verifier, revoked token), and MAL's 401 `invalid_request` "The refresh token
 * is invalid." that it sends for expired, revoked or foreign refresh tokens (docs/apis.md#mal-oauth).
 */
export function isInvalidGrant(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; oauthError?: unknown; status?: unknown; malMessage?: unknown };
  if (e.code !== 'mal_oauth_error') return false;
  if (e.oauthError === 'invalid_grant') return true;
  return (
    e.oauthError === 'invalid_request' &&
    e.status === 401 &&
    typeof e.malMessage === 'string' &&
    /refresh token is invalid/i.test(e.malMessage)
  );
}

/** MAL's access tokens live one hour: refresh a minute before, so no request starts with a dying one. */
const ACCESS_REFRESH_MARGIN_MS = 60_000;

/** MyAnimeList's OAuth (authorization code with `plain` PKCE, rotating refresh tokens) as an `AuthProvider`. */
export function createMalAuth(options: MalOAuthOptions): AuthProvider {
  const oauthUrl = trimSlash(options.oauthUrl ?? MAL_OAUTH_URL);
  const apiUrl = trimSlash(options.apiUrl ?? MAL_API_URL);
  const clock = options.clock ?? systemClock;
  const tokenHttp: HttpOptions = {
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry ?? MAL_OAUTH_RETRY_POLICY,
    clock,
    ...(options.deadline ? { deadline: options.deadline } : {}),
  };
  const apiHttp: HttpOptions = { ...tokenHttp, retry: MAL_RETRY_POLICY, isFinal: isInvalidTokenResponse };

  async function tokenRequest(grant: string, params: Record<string, string>): Promise<TokenSet> {
    const form = new URLSearchParams({ client_id: options.clientId });
    if (options.clientSecret !== undefined && options.clientSecret !== '') {
      form.set('client_secret', options.clientSecret);
    }
    form.set('grant_type', grant);
    for (const [k, v] of Object.entries(params)) form.set(k, v);
    const operation = `token request (${grant})`;
    const response = await sendWithPolicy(
      'mal-oauth',
      `${oauthUrl}/token`,
      {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      },
      tokenHttp,
    );
    const bodyText = await response.text();
    if (response.status !== 200) throw oauthErrorFrom(operation, response.status, response.headers, bodyText);
    return parseTokenSet(operation, bodyText);
  }

  return {
    destination: 'mal',
    label: 'MyAnimeList',
    shortLabel: 'MAL',
    verbs: { first: 'Authorize', again: 'Re-authorize' },
    pkceMethod: 'plain',
    refreshTokenLifetimeDays: options.refreshTokenLifetimeDays ?? 30,
    accessRefreshMarginMs: ACCESS_REFRESH_MARGIN_MS,
    isInvalidGrant,

    authorizeUrl({ state, codeChallenge, redirectUri }) {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: options.clientId,
        state,
        redirect_uri: redirectUri,
        code_challenge: codeChallenge,
        code_challenge_method: 'plain',
      });
      return `${oauthUrl}/authorize?${query.toString()}`;
    },

    exchangeCode({ code, codeVerifier, redirectUri }) {
      return tokenRequest('authorization_code', { code, redirect_uri: redirectUri, code_verifier: codeVerifier });
    },

    refresh(refreshToken) {
      return tokenRequest('refresh_token', { refresh_token: refreshToken });
    },

    async whoAmI(accessToken: string): Promise<MalUser> {
      const operation = 'GET /users/@me';
      const response = await sendWithPolicy(
        'mal',
        `${apiUrl}/users/@me`,
        {
          method: 'GET',
          headers: {
            Accept: 'application/json',
            'X-MAL-CLIENT-ID': options.clientId,
            Authorization: `Bearer ${accessToken}`,
          },
        },
        apiHttp,
      );
      const bodyText = await response.text();
      if (response.status !== 200) {
        throw malErrorFromResponse(
          operation,
          { status: response.status, headers: response.headers, bodyText },
          clock.now(),
        );
      }
      return parseUser(operation, 200, parseJsonBody(operation, 200, bodyText, response.headers));
    },
  };
}

function oauthErrorFrom(operation: string, status: number, headers: Headers, bodyText: string): MalOAuthError {
  const body = parseErrorBody(bodyText, headers);
  const oauthError = body.error ?? 'invalid_response';
  const retryable = status === 429 || status >= 500;
  const message = `MAL ${operation} failed with HTTP ${status} ${oauthError}${body.message ? `: ${body.message}` : ''}${
    body.hint ? ` (hint: ${body.hint})` : ''
  }${body.nonJson && body.summary ? ` [${body.summary}]` : ''}`;
  return new MalOAuthError(message, {
    status,
    oauthError,
    ...(body.message !== undefined ? { malMessage: body.message } : {}),
    ...(body.hint !== undefined ? { hint: body.hint } : {}),
    retryable,
  });
}

function parseTokenSet(operation: string, bodyText: string): TokenSet {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // No `cause`: a JSON.parse error quotes the body, and this body holds tokens.
    throw invalidResponse(operation, 'a body that is not JSON');
  }
  if (!isRecord(body)) throw invalidResponse(operation, 'a body that is not an object');
  const { access_token, refresh_token, expires_in, token_type } = body;
  if (typeof access_token !== 'string' || access_token === '') throw invalidResponse(operation, 'no access_token');
  // MAL rotates refresh tokens; keeping the old one after a refresh would strand the user later.
  if (typeof refresh_token !== 'string' || refresh_token === '') throw invalidResponse(operation, 'no refresh_token');
  if (typeof expires_in !== 'number' || !Number.isFinite(expires_in) || expires_in <= 0) {
    throw invalidResponse(operation, 'no positive expires_in');
  }
  return {
    accessToken: access_token,
    refreshToken: refresh_token,
    expiresIn: expires_in,
    tokenType: typeof token_type === 'string' && token_type !== '' ? token_type : 'Bearer',
  };
}

function invalidResponse(operation: string, what: string): MalOAuthError {
  return new MalOAuthError(`MAL ${operation} succeeded but returned ${what}`, {
    status: 200,
    oauthError: 'invalid_response',
    retryable: false,
  });
}
