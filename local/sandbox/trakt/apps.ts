import type { Clock } from '../../../shared/clock';
import type { AccessCheck, OAuthServer, TokenGrant } from '../kit/oauth';
import type { TraktApp, TraktSettings } from './options';

/**
 * The apps the sandbox knows and which of them the user has connected. The kit's OAuth server
 * knows tokens, not whose they are: every grant passes through here, so that an access token can
 * be tied to its app, an app's tokens revoked together, and the connected-app limit applied.
 */

interface GrantRecord {
  readonly clientId: string;
  readonly accessToken: string;
  readonly refreshToken: string;
  revoked: boolean;
}

/** What an approval (consent page, activation page, direct issue) may run into. */
export type Approval = { readonly ok: true; readonly revokedApps: readonly string[] } | { readonly ok: false };

export type BearerCheck = AccessCheck | 'other_app';

export class AppRegistry {
  private readonly apps = new Map<string, TraktApp>();
  private readonly byRefresh = new Map<string, GrantRecord>();
  private readonly byAccess = new Map<string, GrantRecord>();
  /** Client id → when the user first connected it (while it stays connected). */
  private readonly connectedSince = new Map<string, number>();
  private readonly preMigration = new Set<string>();

  constructor(
    private readonly settings: TraktSettings,
    private readonly oauth: OAuthServer,
    private readonly clock: Clock,
  ) {
    for (const app of settings.apps) this.apps.set(app.clientId, app);
  }

  app(clientId: string | undefined): TraktApp | undefined {
    return clientId === undefined ? undefined : this.apps.get(clientId);
  }

  // ---- grants ----

  /** Call with every grant the OAuth server hands out. */
  record(grant: TokenGrant): TokenGrant {
    const record: GrantRecord = {
      clientId: grant.clientId,
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken,
      revoked: false,
    };
    this.byRefresh.set(grant.refreshToken, record);
    this.byAccess.set(grant.accessToken, record);
    if (!this.connectedSince.has(grant.clientId)) this.connectedSince.set(grant.clientId, this.clock.now());
    return grant;
  }

  /** A refresh token was used (rotation) or revoked: its pair is dead. */
  retire(token: string): void {
    const record = this.byRefresh.get(token) ?? this.byAccess.get(token);
    if (record) record.revoked = true;
    this.forgetIdleConnections();
  }

  /** The state of a bearer token presented with `clientId`'s API key. */
  checkBearer(token: string | undefined, clientId: string): BearerCheck {
    const check = this.oauth.checkAccess(token);
    if (check !== 'valid') return check;
    return this.byAccess.get(token!)?.clientId === clientId ? 'valid' : 'other_app';
  }

  isPreMigration(refreshToken: string): boolean {
    return this.settings.preMigrationRefreshTokens || this.preMigration.has(refreshToken);
  }

  /** Every refresh token alive now counts as issued before Trakt's auth migration. */
  markPreMigration(): void {
    for (const record of this.byRefresh.values()) if (!record.revoked) this.preMigration.add(record.refreshToken);
  }

  // ---- connected apps ----

  /** Connected apps, first connected first. */
  connected(): string[] {
    return [...this.connectedSince.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  }

  private forgetIdleConnections(): void {
    const live = new Set([...this.byRefresh.values()].filter((r) => !r.revoked).map((r) => r.clientId));
    for (const id of [...this.connectedSince.keys()]) if (!live.has(id)) this.connectedSince.delete(id);
  }

  /** Revokes every token of `clientId` (the user disconnected it, or the limit pushed it out). */
  revokeApp(clientId: string): void {
    for (const record of this.byRefresh.values()) {
      if (record.clientId !== clientId || record.revoked) continue;
      this.oauth.revoke(record.refreshToken);
      record.revoked = true;
    }
    this.connectedSince.delete(clientId);
  }

  /** The user approves `clientId`: within the connected-app limit, or as the limit's mode says. */
  approve(clientId: string): Approval {
    const { mode, freeLimit, vipLimit } = this.settings.connectedApps;
    if (mode === 'off' || this.connectedSince.has(clientId)) return { ok: true, revokedApps: [] };
    const limit = this.settings.user.vip ? vipLimit : freeLimit;
    const others = this.connected();
    if (others.length < limit) return { ok: true, revokedApps: [] };
    if (mode === 'refuse') return { ok: false };
    const revokedApps = others.slice(0, others.length - limit + 1);
    for (const id of revokedApps) this.revokeApp(id);
    return { ok: true, revokedApps };
  }
}
