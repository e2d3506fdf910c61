/**
 * One destination's OAuth, as the auth lifecycle (mailer, callback, token refresh, device login)
 * uses it. Each destination implements it in its own folder; nothing here knows an API.
 */
export interface AuthProvider {
  /** The destination key (`mal`, `trakt`): tokens, pending links, mailer state and events carry it. */
  readonly destination: string;
  /** The name a person knows (`MyAnimeList`): pages and emails say it. */
  readonly label: string;
  /** A shorter name where one exists (`MAL`), for the app's name in email subjects. */
  readonly shortLabel?: string;
  /** The email button's verb, first time and again (`Authorize` / `Re-authorize`; `Connect` / `Reconnect`). */
  readonly verbs?: { readonly first: string; readonly again: string };
  /** The PKCE method the provider accepts (MAL: `plain` only; Trakt: `S256`). */
  readonly pkceMethod: PkceMethod;
  /**
   * Refresh tokens are not dated by the providers: how long one is expected to last, for the
   * reminder email that goes out before it dies.
   */
  readonly refreshTokenLifetimeDays: number;
  /** Refresh this long before the access token expires, so that no request starts with a dying token. */
  readonly accessRefreshMarginMs: number;
  authorizeUrl(params: { state: string; codeChallenge: string; redirectUri: string }): string;
  exchangeCode(params: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet>;
  /** Refresh tokens rotate: the returned set replaces the old one, whose refresh token is spent. */
  refresh(refreshToken: string): Promise<TokenSet>;
  /** The account the access token belongs to. */
  whoAmI(accessToken: string): Promise<{ readonly name: string }>;
  /** True when the grant itself is dead (spent, revoked, expired): only a new authorization helps. */
  isInvalidGrant(err: unknown): boolean;
  /** The device-code flow, for providers that offer one (signing in from a terminal). */
  readonly device?: DeviceFlow;
}

export type PkceMethod = 'plain' | 'S256';

export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds, from the token response. */
  readonly expiresIn: number;
  readonly tokenType: string;
}

export interface DeviceCode {
  readonly deviceCode: string;
  /** What the person types at `verificationUrl`. */
  readonly userCode: string;
  readonly verificationUrl: string;
  /** Seconds until the codes expire. */
  readonly expiresIn: number;
  /** Seconds to wait between polls. */
  readonly interval: number;
}

export type DevicePoll =
  | { readonly status: 'approved'; readonly tokens: TokenSet }
  /** Not approved yet: poll again after the interval. */
  | { readonly status: 'pending' }
  /** Polled too fast: wait longer before the next poll. */
  | { readonly status: 'slow_down' }
  /** The person said no. */
  | { readonly status: 'denied' }
  /** The codes expired (or were never valid): start over. */
  | { readonly status: 'expired' | 'invalid' }
  /** The code was already exchanged. */
  | { readonly status: 'used' };

export interface DeviceFlow {
  start(): Promise<DeviceCode>;
  poll(deviceCode: string): Promise<DevicePoll>;
}
