import type { AuthProvider, DeviceFlow, DevicePoll, TokenSet } from '../../auth/provider';
import { type Clock, systemClock } from '../../clock';
import { AppError } from '../../errors';
import { type DeadlineSource, type HttpOptions, type RetryPolicy, sendWithPolicy } from '../../http/policy';
import { TRAKT_API_URL, TRAKT_AUTH_URL, TRAKT_USER_AGENT } from './constants';
import { traktErrorFromResponse } from './errors';

/**
 * Codes and refresh tokens work once: a request whose answer was lost must not be repeated with
 * the same (now spent) grant, so transport failures are not retried; only answers saying the
 * request was not processed (throttling, gateway errors) are.
 */
export const TRAKT_OAUTH_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  doNotRetry: [400, 401, 403, 404, 409, 410, 418, 422],
  retryOn: [429, 502, 503, 504, 520, 521, 522, 523, 524],
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
  budgetMs: 60_000,
  retryNetworkErrors: false,
};

/** The out-of-band redirect URI of OAuth's installed-app profile. */
const OUT_OF_BAND = 'urn:ietf:wg:oauth:2.0:oob';

export interface TraktOAuthOptions {
  readonly authUrl?: string;
  readonly apiUrl?: string;
  readonly clientId: string;
  /** Trakt requires the secret for the code exchange, the refresh and the device flow. */
  readonly clientSecret?: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly clock?: Clock;
  readonly deadline?: DeadlineSource;
  readonly userAgent?: string;
  /**
   * Trakt does not say how long a refresh token lives (they rotate at every refresh); unused ones
   * have been seen to last three months. UNCERTAIN, so configurable.
   */
  readonly refreshTokenLifetimeDays?: number;
  /**
   * The `redirect_uri` sent with a refresh, which Trakt requires: the callback URL, a URI the app
   * registers anyway. Out-of-band (`urn:ietf:wg:oauth:2.0:oob`) only when no callback is known.
   */
  readonly refreshRedirectUri?: string;
}

/** A refused OAuth request, with Trakt's `error` (`invalid_grant`, `invalid_request`…) when it sent one. */
export class TraktOAuthError extends AppError {
  readonly status: number;
  readonly oauthError: string;
  readonly retryable: boolean;
  constructor(message: string, details: { status: number; oauthError: string; retryable: boolean }) {
    super('trakt_oauth_error', message);
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.retryable = details.retryable;
  }
}

/**
 * True when only a new authorization helps: `invalid_grant` with 400 (the 2026 contract) or 401
 * (the older Doorkeeper answer), and the EMPTY 400 Trakt gives refresh tokens issued before its July
 * 2026 migration (docs/apis.md#trakt-tokens).
 */
export function isTraktInvalidGrant(err: unknown): boolean {
  if (!(err instanceof TraktOAuthError)) return false;
  if (err.status !== 400 && err.status !== 401) return false;
  return err.oauthError === 'invalid_grant' || err.oauthError === 'empty_response';
}

/** Refresh a day before the (7-day) access token ends: a run never starts with a dying token. */
const ACCESS_REFRESH_MARGIN_MS = 24 * 3_600_000;

/** Trakt's OAuth (authorization code with S256 PKCE, rotating refresh tokens, device code) as an `AuthProvider`. */
export function createTraktAuth(options: TraktOAuthOptions): AuthProvider & { readonly device: DeviceFlow } {
  const authUrl = (options.authUrl ?? TRAKT_AUTH_URL).replace(/\/+$/, '');
  const apiUrl = (options.apiUrl ?? TRAKT_API_URL).replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const http: HttpOptions = {
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: TRAKT_OAUTH_RETRY_POLICY,
    clock,
    ...(options.deadline ? { deadline: options.deadline } : {}),
  };
  const userAgent = options.userAgent ?? TRAKT_USER_AGENT;
  // A device poll's 429 means "slow down" (docs/apis.md#trakt-oauth-device): the caller waits longer, so the
  // transport must not poll again sooner.
  const devicePoll: HttpOptions = {
    ...http,
    retry: { ...TRAKT_OAUTH_RETRY_POLICY, retryOn: TRAKT_OAUTH_RETRY_POLICY.retryOn.filter((s) => s !== 429) },
  };

  async function post(path: string, body: Record<string, string>, sendOptions: HttpOptions = http) {
    const response = await sendWithPolicy(
      'trakt-oauth',
      `${authUrl}${path}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': userAgent },
        body: JSON.stringify(body),
      },
      sendOptions,
    );
    return { status: response.status, headers: response.headers, bodyText: await response.text() };
  }

  const secret = () => {
    if (!options.clientSecret) {
      throw new TraktOAuthError('Trakt needs the client secret for this (set TRAKT_CLIENT_SECRET)', {
        status: 0,
        oauthError: 'missing_client_secret',
        retryable: false,
      });
    }
    return options.clientSecret;
  };

  async function token(grant: Record<string, string>): Promise<TokenSet> {
    const operation = `token request (${grant.grant_type})`;
    const response = await post('/oauth/token', { client_id: options.clientId, client_secret: secret(), ...grant });
    if (response.status !== 200) throw oauthError(operation, response.status, response.bodyText);
    return parseTokens(operation, response.bodyText);
  }

  const device: DeviceFlow = {
    async start() {
      const response = await post('/oauth/device/code', { client_id: options.clientId });
      if (response.status !== 200) throw oauthError('device code request', response.status, response.bodyText);
      const body = JSON.parse(response.bodyText) as Record<string, unknown>;
      const { device_code, user_code, verification_url, expires_in, interval } = body;
      if (typeof device_code !== 'string' || typeof user_code !== 'string' || typeof verification_url !== 'string') {
        throw oauthError('device code request', response.status, '');
      }
      return {
        deviceCode: device_code,
        userCode: user_code,
        verificationUrl: verification_url,
        expiresIn: typeof expires_in === 'number' ? expires_in : 600,
        interval: typeof interval === 'number' ? interval : 5,
      };
    },

    async poll(deviceCode): Promise<DevicePoll> {
      const response = await post(
        '/oauth/device/token',
        { code: deviceCode, client_id: options.clientId, client_secret: secret() },
        devicePoll,
      );
      switch (response.status) {
        case 200:
          return { status: 'approved', tokens: parseTokens('device token request', response.bodyText) };
        case 400:
          return { status: 'pending' };
        case 404:
          return { status: 'invalid' };
        case 409:
          return { status: 'used' };
        case 410:
          return { status: 'expired' };
        case 418:
          return { status: 'denied' };
        case 429:
          return { status: 'slow_down' };
        default:
          throw oauthError('device token request', response.status, response.bodyText);
      }
    },
  };

  return {
    destination: 'trakt',
    label: 'Trakt',
    verbs: { first: 'Connect', again: 'Reconnect' },
    pkceMethod: 'S256',
    refreshTokenLifetimeDays: options.refreshTokenLifetimeDays ?? 90,
    accessRefreshMarginMs: ACCESS_REFRESH_MARGIN_MS,
    isInvalidGrant: isTraktInvalidGrant,
    device,

    authorizeUrl({ state, codeChallenge, redirectUri }) {
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: options.clientId,
        redirect_uri: redirectUri,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      });
      return `${authUrl}/oauth/authorize?${query.toString()}`;
    },

    exchangeCode: ({ code, codeVerifier, redirectUri }) =>
      token({ grant_type: 'authorization_code', code, code_verifier: codeVerifier, redirect_uri: redirectUri }),

    // Trakt's refresh wants a registered redirect_uri too (docs/apis.md#trakt-tokens).
    refresh: (refreshToken) =>
      token({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        redirect_uri: options.refreshRedirectUri ?? OUT_OF_BAND,
      }),

    async whoAmI(accessToken) {
      const response = await sendWithPolicy(
        'trakt',
        `${apiUrl}/users/settings`,
        {
          method: 'GET',
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': userAgent,
            'trakt-api-key': options.clientId,
            'trakt-api-version': '2',
            Authorization: `Bearer ${accessToken}`,
          },
        },
        { ...http, retry: { ...TRAKT_OAUTH_RETRY_POLICY, retryNetworkErrors: true } },
      );
      const bodyText = await response.text();
      const parts = { status: response.status, headers: response.headers, bodyText };
      if (response.status !== 200) throw traktErrorFromResponse('GET /users/settings', parts, clock.now());
      const username = (JSON.parse(bodyText) as { user?: { username?: unknown } })?.user?.username;
      if (typeof username !== 'string') throw oauthError('GET /users/settings', 200, '');
      return { name: username };
    },
  };
}

function oauthError(operation: string, status: number, bodyText: string): TraktOAuthError {
  let error = bodyText.trim() === '' ? 'empty_response' : 'invalid_response';
  let description = '';
  try {
    const body = JSON.parse(bodyText) as { error?: unknown; error_description?: unknown };
    if (typeof body.error === 'string') error = body.error;
    if (typeof body.error_description === 'string') description = body.error_description;
  } catch {
    // Not JSON: the code above says what kind of body it was.
  }
  return new TraktOAuthError(
    `Trakt ${operation} failed with HTTP ${status} ${error}${description ? `: ${description.slice(0, 200)}` : ''}`,
    { status, oauthError: error, retryable: status === 429 || status >= 500 },
  );
}

function parseTokens(operation: string, bodyText: string): TokenSet {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(bodyText) as Record<string, unknown>;
  } catch {
    // No cause: the parse error would quote the body, and this body holds tokens.
    throw new TraktOAuthError(`Trakt ${operation} answered a body that is not JSON`, {
      status: 200,
      oauthError: 'invalid_response',
      retryable: false,
    });
  }
  const { access_token, refresh_token, expires_in, token_type } = body;
  if (
    typeof access_token !== 'string' ||
    access_token === '' ||
    typeof refresh_token !== 'string' ||
    refresh_token === ''
  ) {
    throw new TraktOAuthError(`Trakt ${operation} returned no access or refresh token`, {
      status: 200,
      oauthError: 'invalid_response',
      retryable: false,
    });
  }
  // Trakt's lifetime has changed twice (3 months, 24 hours, 7 days): always use what it says.
  return {
    accessToken: access_token,
    refreshToken: refresh_token,
    expiresIn: typeof expires_in === 'number' && expires_in > 0 ? expires_in : 86_400,
    tokenType: typeof token_type === 'string' && token_type !== '' ? token_type : 'bearer',
  };
}
