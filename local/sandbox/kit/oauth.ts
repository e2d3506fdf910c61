import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../../shared/clock';
import { SafeHtml } from '../../../shared/mail/html';
import { escapeHtml, type Reply } from './http';
import { sandboxPage } from './page';

/**
 * The state machine of a sandbox OAuth 2.0 authorization server: clients, authorization codes
 * with PKCE, rotating refresh tokens, revocation and the device flow (RFC 8628). It answers with
 * outcomes, never with HTTP: each sandbox turns them into its service's own status codes, bodies
 * and wording (MAL's form bodies and hints, Trakt's JSON and device-poll statuses).
 */

export interface OAuthClient {
  readonly id: string;
  /** Confidential clients must authenticate with it; public ones have none. */
  readonly secret?: string;
  /** Matched exactly and case-sensitively. */
  readonly redirectUris: readonly string[];
}

export interface OAuthServerOptions {
  readonly clock: Clock;
  readonly clients: readonly OAuthClient[];
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** What `expires_in` says (default: the access token TTL); real services have reported other values. */
  readonly expiresInReported?: number;
  readonly codeTtlSeconds: number;
  /** Device codes live this long (default 600 s). */
  readonly deviceCodeTtlSeconds?: number;
  /** The least time between two polls of one device code (default 5 s). */
  readonly devicePollIntervalSeconds?: number;
}

export type PkceMethod = 'plain' | 'S256';

/** RFC 7636: 43 to 128 unreserved characters, for verifiers and challenges alike. */
export function isPkceString(value: string): boolean {
  return /^[A-Za-z0-9._~-]{43,128}$/.test(value);
}

export function pkceMatches(challenge: string, method: PkceMethod, verifier: string): boolean {
  const derived = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return derived === challenge;
}

/** Tokens as a token endpoint reports them; each sandbox renders its own body. */
export interface TokenGrant {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  /** Epoch seconds (Trakt reports it as `created_at`). */
  readonly createdAt: number;
  readonly clientId: string;
}

export type ClientCheck = 'ok' | 'unknown_client' | 'bad_secret';
export type AccessCheck = 'valid' | 'missing' | 'unknown' | 'expired' | 'revoked';

/** Why a code exchange failed, in the order the checks run. */
export type CodeProblem =
  | 'unknown_code'
  | 'expired_code'
  | 'used_code'
  | 'wrong_client'
  | 'missing_redirect_uri'
  | 'redirect_uri_mismatch'
  | 'missing_verifier'
  | 'malformed_verifier'
  | 'verifier_mismatch';

export type RefreshProblem = 'unknown' | 'wrong_client' | 'expired' | 'revoked';

export type Outcome<Problem> = { ok: true; grant: TokenGrant } | { ok: false; problem: Problem };

export interface CodeRequest {
  readonly clientId: string;
  /** The redirect_uri the authorize request carried; when set, the exchange must repeat it exactly. */
  readonly redirectUri: string | undefined;
  /** Undefined: the client sent no PKCE, and the exchange ignores any verifier. */
  readonly challenge: string | undefined;
  readonly method: PkceMethod;
}

export interface CodeExchange {
  readonly code: string;
  readonly clientId: string;
  readonly redirectUri: string | undefined;
  readonly verifier: string | undefined;
}

export interface DeviceAuthorization {
  readonly deviceCode: string;
  /** 8 upper-case hex digits, as Trakt shows them. */
  readonly userCode: string;
  readonly verificationUrl: string;
  readonly expiresIn: number;
  readonly interval: number;
}

/**
 * A device-code poll: `slow_down` when polled sooner than `interval` after the previous poll (or
 * the code's issue), whatever the user did; `used` once tokens were handed out for the code.
 */
export type DevicePoll =
  | { status: 'approved'; grant: TokenGrant }
  | { status: 'pending' | 'slow_down' | 'denied' | 'expired' | 'used' | 'unknown' };

export interface TokenInfo {
  readonly activeAccessTokens: number;
  readonly activeRefreshTokens: number;
  /** Epoch ms at which each unexpired, unrevoked access token expires. */
  readonly accessTokenExpiries: readonly number[];
  readonly issued: number;
  readonly codeExchanges: number;
  readonly refreshes: number;
  readonly deviceGrants: number;
}

interface CodeRecord extends CodeRequest {
  readonly expiresAt: number;
  used: boolean;
}

interface AccessRecord {
  expiresAt: number;
  revoked: boolean;
}

interface RefreshRecord {
  readonly clientId: string;
  readonly accessToken: string;
  expiresAt: number;
  revoked: boolean;
}

interface DeviceRecord {
  readonly clientId: string;
  readonly userCode: string;
  readonly expiresAt: number;
  lastPolledAt: number;
  decision: 'pending' | 'approved' | 'denied';
  used: boolean;
}

type GrantVia = 'code' | 'refresh' | 'device' | 'direct';

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export class OAuthServer {
  private readonly clients = new Map<string, OAuthClient>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly accessTokens = new Map<string, AccessRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly counts = { issued: 0, codeExchanges: 0, refreshes: 0, deviceGrants: 0 };

  constructor(private readonly options: OAuthServerOptions) {
    for (const client of options.clients) this.clients.set(client.id, client);
  }

  private now(): number {
    return this.options.clock.now();
  }

  // ---- clients ----

  client(id: string): OAuthClient | undefined {
    return this.clients.get(id);
  }

  /** A client with a secret must present it; a public client's presented secret is ignored. */
  checkClient(id: string, secret: string | undefined): ClientCheck {
    const client = this.clients.get(id);
    if (!client) return 'unknown_client';
    return client.secret === undefined || client.secret === secret ? 'ok' : 'bad_secret';
  }

  isRegisteredRedirect(clientId: string, redirectUri: string): boolean {
    return this.clients.get(clientId)?.redirectUris.includes(redirectUri) ?? false;
  }

  // ---- authorization codes ----

  issueCode(request: CodeRequest): string {
    const code = `sbx_code_${randomToken(24)}`;
    this.codes.set(code, { ...request, expiresAt: this.now() + this.options.codeTtlSeconds * 1000, used: false });
    return code;
  }

  /** Codes are single use; a failed attempt (wrong verifier, say) does not use the code up. */
  exchangeCode(exchange: CodeExchange): Outcome<CodeProblem> {
    const record = this.codes.get(exchange.code);
    const problem = record ? this.codeProblem(record, exchange) : 'unknown_code';
    if (problem) return { ok: false, problem };
    record!.used = true;
    return { ok: true, grant: this.issueTokens(exchange.clientId, 'code') };
  }

  private codeProblem(record: CodeRecord, exchange: CodeExchange): CodeProblem | undefined {
    if (record.expiresAt <= this.now()) return 'expired_code';
    if (record.used) return 'used_code';
    if (record.clientId !== exchange.clientId) return 'wrong_client';
    if (record.redirectUri !== undefined) {
      if (exchange.redirectUri === undefined) return 'missing_redirect_uri';
      if (exchange.redirectUri !== record.redirectUri) return 'redirect_uri_mismatch';
    }
    if (record.challenge !== undefined) {
      if (!exchange.verifier) return 'missing_verifier';
      if (!isPkceString(exchange.verifier)) return 'malformed_verifier';
      if (!pkceMatches(record.challenge, record.method, exchange.verifier)) return 'verifier_mismatch';
    }
    return undefined;
  }

  // ---- tokens ----

  /** Also for tests that skip the consent page (`via: 'direct'`). */
  issueTokens(clientId: string, via: GrantVia): TokenGrant {
    const now = this.now();
    const accessToken = `sbx_at_${randomToken(32)}`;
    const refreshToken = `sbx_rt_${randomToken(32)}`;
    this.accessTokens.set(accessToken, { expiresAt: now + this.options.accessTokenTtlSeconds * 1000, revoked: false });
    this.refreshTokens.set(refreshToken, {
      clientId,
      accessToken,
      expiresAt: now + this.options.refreshTokenTtlSeconds * 1000,
      revoked: false,
    });
    this.count(via);
    const expiresIn = this.options.expiresInReported ?? this.options.accessTokenTtlSeconds;
    return { accessToken, refreshToken, expiresIn, createdAt: Math.floor(now / 1000), clientId };
  }

  private count(via: GrantVia): void {
    this.counts.issued += 1;
    if (via === 'code') this.counts.codeExchanges += 1;
    if (via === 'refresh') this.counts.refreshes += 1;
    if (via === 'device') this.counts.deviceGrants += 1;
  }

  checkAccess(accessToken: string | undefined): AccessCheck {
    if (accessToken === undefined) return 'missing';
    const record = this.accessTokens.get(accessToken);
    if (!record) return 'unknown';
    if (record.revoked) return 'revoked';
    return record.expiresAt <= this.now() ? 'expired' : 'valid';
  }

  /**
   * Rotation: a refresh token works once. Using it revokes it and the access token issued with
   * it, so a replay (a second writer with the old token) fails as `revoked`.
   */
  refresh(refreshToken: string, clientId: string): Outcome<RefreshProblem> {
    const record = this.refreshTokens.get(refreshToken);
    // The order of league/oauth2-server, which MAL's token endpoint matches: client, expiry, revocation.
    if (!record) return { ok: false, problem: 'unknown' };
    if (record.clientId !== clientId) return { ok: false, problem: 'wrong_client' };
    if (record.expiresAt <= this.now()) return { ok: false, problem: 'expired' };
    if (record.revoked) return { ok: false, problem: 'revoked' };
    this.revokePair(record);
    return { ok: true, grant: this.issueTokens(clientId, 'refresh') };
  }

  private revokePair(record: RefreshRecord): void {
    record.revoked = true;
    const access = this.accessTokens.get(record.accessToken);
    if (access) access.revoked = true;
  }

  /** Revokes an access or a refresh token together with its pair; false when the token is unknown. */
  revoke(token: string): boolean {
    const pair = this.refreshTokens.get(token) ?? [...this.refreshTokens.values()].find((r) => r.accessToken === token);
    if (pair) this.revokePair(pair);
    return pair !== undefined;
  }

  // ---- test hooks ----

  expireAccessTokens(): void {
    const past = this.now() - 1;
    for (const record of this.accessTokens.values()) record.expiresAt = Math.min(record.expiresAt, past);
  }

  expireRefreshTokens(): void {
    const past = this.now() - 1;
    for (const record of this.refreshTokens.values()) record.expiresAt = Math.min(record.expiresAt, past);
  }

  revokeRefreshTokens(): void {
    for (const record of this.refreshTokens.values()) record.revoked = true;
  }

  tokenInfo(): TokenInfo {
    const now = this.now();
    const activeAccess = [...this.accessTokens.values()].filter((r) => !r.revoked && r.expiresAt > now);
    const activeRefresh = [...this.refreshTokens.values()].filter((r) => !r.revoked && r.expiresAt > now);
    return {
      activeAccessTokens: activeAccess.length,
      activeRefreshTokens: activeRefresh.length,
      accessTokenExpiries: activeAccess.map((r) => r.expiresAt),
      ...this.counts,
    };
  }

  // ---- device flow ----

  /** `verificationUrl` is the page where the user enters the user code (the sandbox knows its origin). */
  startDeviceAuthorization(clientId: string, verificationUrl: string): DeviceAuthorization {
    const now = this.now();
    const expiresIn = this.options.deviceCodeTtlSeconds ?? 600;
    const deviceCode = randomBytes(32).toString('hex');
    const userCode = this.freshUserCode();
    this.devices.set(deviceCode, {
      clientId,
      userCode,
      expiresAt: now + expiresIn * 1000,
      // The interval also applies before the first poll.
      lastPolledAt: now,
      decision: 'pending',
      used: false,
    });
    return { deviceCode, userCode, verificationUrl, expiresIn, interval: this.pollInterval() };
  }

  private pollInterval(): number {
    return this.options.devicePollIntervalSeconds ?? 5;
  }

  private freshUserCode(): string {
    const inUse = new Set([...this.devices.values()].map((d) => d.userCode));
    for (;;) {
      const code = randomBytes(4).toString('hex').toUpperCase();
      if (!inUse.has(code)) return code;
    }
  }

  /** A poll with another client's id is `unknown`, as if the device code did not exist. */
  pollDevice(deviceCode: string, clientId: string): DevicePoll {
    const record = this.devices.get(deviceCode);
    if (!record || record.clientId !== clientId) return { status: 'unknown' };
    if (record.used) return { status: 'used' };
    const now = this.now();
    if (record.expiresAt <= now) return { status: 'expired' };
    const tooSoon = now - record.lastPolledAt < this.pollInterval() * 1000;
    record.lastPolledAt = now;
    if (tooSoon) return { status: 'slow_down' };
    if (record.decision !== 'approved') return { status: record.decision };
    record.used = true;
    return { status: 'approved', grant: this.issueTokens(clientId, 'device') };
  }

  /** What the user does on the verification page; false when no live, undecided code matches. */
  approveUserCode(userCode: string): boolean {
    return this.decide(userCode, 'approved');
  }

  denyUserCode(userCode: string): boolean {
    return this.decide(userCode, 'denied');
  }

  /** The client that asked for a user code (however the user typed it), live or not; undefined when none did. */
  clientOfUserCode(userCode: string): string | undefined {
    return this.deviceOfUserCode(userCode)?.clientId;
  }

  private deviceOfUserCode(userCode: string): DeviceRecord | undefined {
    const wanted = userCode.trim().toUpperCase();
    return [...this.devices.values()].find((d) => d.userCode === wanted);
  }

  private decide(userCode: string, decision: 'approved' | 'denied'): boolean {
    const record = this.deviceOfUserCode(userCode);
    if (record?.decision !== 'pending' || record.expiresAt <= this.now()) return false;
    record.decision = decision;
    return true;
  }
}

// ---- consent page ----

export interface ConsentPageOptions {
  /** The service as its name appears on the page, e.g. `MyAnimeList`. */
  readonly service: string;
  readonly appName: string;
  readonly userName: string;
  /** What the app may do, e.g. `read and update your anime list`. */
  readonly purpose: string;
  /** Where the form posts to (a path on the sandbox). */
  readonly action: string;
  /** Hidden inputs posted back with the decision; undefined values are left out. */
  readonly fields: readonly (readonly [string, string | undefined])[];
}

/**
 * The "Authorize <app>?" page: `<form method="post" action=...>` with hidden inputs and two
 * buttons named `decision` (`approve` / `deny`). `local/story.ts` and the browser test submit it.
 */
export function consentPage(page: ConsentPageOptions): Reply {
  const inputs = page.fields
    .filter((pair): pair is readonly [string, string] => pair[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n  ');
  const app = escapeHtml(page.appName);
  const service = escapeHtml(page.service);
  // Built with the kit's escapeHtml (numeric references), which the hidden fields have always used.
  const body = new SafeHtml(`<h1>Authorize ${app} to access your ${service} account?</h1>
<p>Logged in as <strong id="user-name">${escapeHtml(page.userName)}</strong>.</p>
<p>${app} will be able to ${escapeHtml(page.purpose)}.</p>
<p class="muted">Sandbox: nothing here talks to the real ${service}. Approve sends you back to the app with a code; Deny sends it a refusal.</p>
<form method="post" action="${escapeHtml(page.action)}">
  ${inputs}
  <button type="submit" name="decision" value="approve">Approve</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`);
  return sandboxPage({ title: `${page.service} (sandbox) - Authorize ${page.appName}`, body, hasForm: true });
}

/** The button the user pressed on the consent page. */
export function decisionOf(form: URLSearchParams): 'approve' | 'deny' | undefined {
  const decision = form.get('decision');
  return decision === 'approve' || decision === 'deny' ? decision : undefined;
}
