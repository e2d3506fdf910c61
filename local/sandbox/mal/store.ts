import { randomBytes } from 'node:crypto';
import type { TokenSet } from '../../../shared/auth/provider';
import type { Clock } from '../../../shared/clock';
import type { MalListEntry } from '../../../shared/destinations/mal/types';
import { DEFAULT_MAL_CATALOGUE, type SandboxAnime } from './catalogue';
import type { SandboxEntrySeed, SandboxListStatus } from './fixture';

export interface StoredEntry {
  node: SandboxAnime;
  listStatus: SandboxListStatus;
}

interface AccessRecord {
  expiresAt: number;
  revoked: boolean;
}

interface RefreshRecord {
  clientId: string;
  expiresAt: number;
  revoked: boolean;
  accessToken: string;
}

export interface CodeRecord {
  clientId: string;
  /** The redirect_uri the authorize request carried, if it carried one (the token request must repeat it). */
  redirectUri: string | undefined;
  challenge: string;
  expiresAt: number;
  used: boolean;
}

export type AccessCheck = 'valid' | 'missing' | 'unknown' | 'expired' | 'revoked';
export type RefreshCheck =
  | { ok: true; record: RefreshRecord }
  | {
      ok: false;
      hint:
        | 'Cannot decrypt the refresh token'
        | 'Token is not linked to client'
        | 'Token has expired'
        | 'Token has been revoked';
    };

export interface TokenInfo {
  readonly activeAccessTokens: number;
  readonly activeRefreshTokens: number;
  /** Epoch ms at which each unexpired, unrevoked access token expires. */
  readonly accessTokenExpiries: readonly number[];
  readonly issued: number;
  readonly codeExchanges: number;
  readonly refreshes: number;
}

export interface StoreOptions {
  readonly clock: Clock;
  readonly clientId: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly expiresInReported: number;
  readonly codeTtlSeconds: number;
  readonly catalogue: readonly SandboxAnime[];
}

/** MAL's date-time format: `2021-03-15T09:00:58+00:00`. */
export function malDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The sandbox's data: one user's list (in insertion order, like a stable server-side sort), tokens and codes. */
export class SandboxStore {
  readonly entries = new Map<number, StoredEntry>();
  private readonly catalogue = new Map<number, SandboxAnime>();
  private readonly accessTokens = new Map<string, AccessRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  private counts = { issued: 0, codeExchanges: 0, refreshes: 0 };

  constructor(private readonly options: StoreOptions) {
    for (const anime of [...DEFAULT_MAL_CATALOGUE, ...options.catalogue]) this.catalogue.set(anime.id, anime);
  }

  now(): number {
    return this.options.clock.now();
  }

  // ---- list ----

  seed(seeds: readonly SandboxEntrySeed[]): void {
    this.entries.clear();
    const stamp = malDateTime(this.now());
    for (const seed of seeds) {
      this.catalogue.set(seed.node.id, { ...this.catalogue.get(seed.node.id), ...seed.node });
      this.entries.set(seed.node.id, {
        node: { ...seed.node },
        listStatus: {
          ...seed.listStatus,
          tags: [...seed.listStatus.tags],
          updated_at: seed.listStatus.updated_at ?? stamp,
        },
      });
    }
  }

  anime(id: number): SandboxAnime | undefined {
    return this.catalogue.get(id);
  }

  toListEntry(entry: StoredEntry): MalListEntry {
    return { animeId: entry.node.id, title: entry.node.title, listStatus: structuredClone(entry.listStatus) };
  }

  // ---- authorization codes ----

  issueCode(record: Omit<CodeRecord, 'expiresAt' | 'used'>): string {
    const code = `sbx_code_${token(24)}`;
    this.codes.set(code, { ...record, expiresAt: this.now() + this.options.codeTtlSeconds * 1000, used: false });
    return code;
  }

  code(code: string): CodeRecord | undefined {
    return this.codes.get(code);
  }

  // ---- tokens ----

  issueTokens(clientId: string, via: 'code' | 'refresh' | 'direct'): TokenSet {
    const now = this.now();
    const accessToken = `sbx_at_${token(32)}`;
    const refreshToken = `sbx_rt_${token(32)}`;
    this.accessTokens.set(accessToken, { expiresAt: now + this.options.accessTokenTtlSeconds * 1000, revoked: false });
    this.refreshTokens.set(refreshToken, {
      clientId,
      expiresAt: now + this.options.refreshTokenTtlSeconds * 1000,
      revoked: false,
      accessToken,
    });
    this.counts.issued += 1;
    if (via === 'code') this.counts.codeExchanges += 1;
    if (via === 'refresh') this.counts.refreshes += 1;
    return { accessToken, refreshToken, expiresIn: this.options.expiresInReported, tokenType: 'Bearer' };
  }

  checkAccess(accessToken: string | undefined): AccessCheck {
    if (accessToken === undefined) return 'missing';
    const record = this.accessTokens.get(accessToken);
    if (!record) return 'unknown';
    if (record.revoked) return 'revoked';
    return record.expiresAt <= this.now() ? 'expired' : 'valid';
  }

  checkRefresh(refreshToken: string, clientId: string): RefreshCheck {
    const record = this.refreshTokens.get(refreshToken);
    // Same order as league/oauth2-server, which MAL's token endpoint matches: client, expiry, revocation.
    if (!record) return { ok: false, hint: 'Cannot decrypt the refresh token' };
    if (record.clientId !== clientId) return { ok: false, hint: 'Token is not linked to client' };
    if (record.expiresAt <= this.now()) return { ok: false, hint: 'Token has expired' };
    if (record.revoked) return { ok: false, hint: 'Token has been revoked' };
    return { ok: true, record };
  }

  /** Rotation: the used refresh token and the access token issued with it stop working. */
  rotate(record: RefreshRecord): TokenSet {
    record.revoked = true;
    const access = this.accessTokens.get(record.accessToken);
    if (access) access.revoked = true;
    return this.issueTokens(record.clientId, 'refresh');
  }

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
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
