import type { MailMessage, MailSender } from '../../../shared/auth/mailer';
import { pkceChallenge } from '../../../shared/auth/pkce';
import type { AuthProvider, PkceMethod, TokenSet } from '../../../shared/auth/provider';
import { writeTokenMeta } from '../../../shared/auth/token-meta';
import type { StoredTokens } from '../../../shared/auth/tokens';
import type { Clock } from '../../../shared/clock';
import type { MalUser } from '../../../shared/destinations/mal/types';
import type { AuthorizationCompletedDetail, EventPublisher, ReauthRequiredDetail } from '../../../shared/events';
import type { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';

/** MAL-style token endpoint error (`{error, message, hint}`). */
export class FakeOAuthError extends Error {
  constructor(
    readonly error: string,
    readonly status: number,
  ) {
    super(`MAL OAuth error ${status} ${error}`);
  }
}

export const isInvalidGrant = (err: unknown): boolean => err instanceof FakeOAuthError && err.error === 'invalid_grant';

/**
 * An in-memory MAL OAuth server, as the `AuthProvider` the auth lifecycle uses: codes bound to a
 * plain PKCE challenge and redirect URI, single use; refresh tokens rotate (the old one dies on
 * use), like MAL. `provider` plays another destination's OAuth (its key, name and PKCE method).
 */
export class FakeMalOAuth implements AuthProvider {
  readonly destination: string;
  readonly label: string;
  readonly verbs: { readonly first: string; readonly again: string };
  readonly pkceMethod: PkceMethod;
  readonly refreshTokenLifetimeDays = 30;
  /** Refresh a minute before the access token expires, like MAL's provider. */
  readonly accessRefreshMarginMs = 60_000;
  readonly isInvalidGrant = isInvalidGrant;
  readonly calls = { exchange: 0, refresh: 0, whoAmI: 0 };
  /** Runs at the start of `refresh`/`exchangeCode`, after the call is counted: lets tests interleave other writers. */
  beforeRefresh?: () => Promise<void> | void;
  beforeExchange?: () => Promise<void> | void;
  /** When set, the next calls throw this instead of answering. */
  refreshFailure?: Error;
  exchangeFailure?: Error;
  whoAmIFailure?: Error;
  expiresIn = 3600;
  private counter = 0;
  private readonly codes = new Map<string, { challenge: string; redirectUri: string; user: string }>();
  private readonly liveRefresh = new Map<string, string>();
  private readonly accessUsers = new Map<string, string>();

  constructor(
    provider: {
      destination?: string;
      label?: string;
      pkceMethod?: PkceMethod;
      verbs?: { first: string; again: string };
    } = {},
  ) {
    this.destination = provider.destination ?? 'mal';
    this.label = provider.label ?? 'MyAnimeList';
    this.pkceMethod = provider.pkceMethod ?? 'plain';
    this.verbs = provider.verbs ?? { first: 'Authorize', again: 'Re-authorize' };
  }

  authorizeUrl(params: { state: string; codeChallenge: string; redirectUri: string }): string {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: 'test-client',
      state: params.state,
      redirect_uri: params.redirectUri,
      code_challenge: params.codeChallenge,
      code_challenge_method: this.pkceMethod,
    });
    const host =
      this.destination === 'mal'
        ? 'https://myanimelist.net/v1/oauth2'
        : `https://${this.destination}.example.test/oauth`;
    return `${host}/authorize?${q.toString()}`;
  }

  /** The user approves on MAL: returns the code MAL would put in the redirect. */
  approve(authorizeUrl: string, user = 'alice'): { code: string; state: string; redirectUri: string } {
    const url = new URL(authorizeUrl);
    const state = url.searchParams.get('state') ?? '';
    const challenge = url.searchParams.get('code_challenge') ?? '';
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    const code = `code-${++this.counter}`;
    this.codes.set(code, { challenge, redirectUri, user });
    return { code, state, redirectUri };
  }

  /** Issues a token set for `user` directly, as if an earlier authorization had happened. */
  mint(user = 'alice'): TokenSet {
    const n = ++this.counter;
    const set: TokenSet = {
      accessToken: `access-${n}`,
      refreshToken: `refresh-${n}`,
      expiresIn: this.expiresIn,
      tokenType: 'Bearer',
    };
    this.liveRefresh.set(set.refreshToken, user);
    this.accessUsers.set(set.accessToken, user);
    return set;
  }

  async exchangeCode(params: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet> {
    this.calls.exchange++;
    await this.beforeExchange?.();
    if (this.exchangeFailure) throw this.exchangeFailure;
    const issued = this.codes.get(params.code);
    if (
      !issued ||
      issued.challenge !== pkceChallenge(params.codeVerifier, this.pkceMethod) ||
      issued.redirectUri !== params.redirectUri
    ) {
      throw new FakeOAuthError('invalid_grant', 400);
    }
    this.codes.delete(params.code);
    return this.mint(issued.user);
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    this.calls.refresh++;
    await this.beforeRefresh?.();
    if (this.refreshFailure) throw this.refreshFailure;
    const user = this.liveRefresh.get(refreshToken);
    if (user === undefined) throw new FakeOAuthError('invalid_grant', 400);
    this.liveRefresh.delete(refreshToken);
    return this.mint(user);
  }

  async whoAmI(accessToken: string): Promise<MalUser> {
    this.calls.whoAmI++;
    if (this.whoAmIFailure) throw this.whoAmIFailure;
    const name = this.accessUsers.get(accessToken);
    if (name === undefined) throw new FakeOAuthError('invalid_token', 401);
    return { id: 1, name };
  }
}

export class FakeMailSender implements MailSender {
  readonly sent: MailMessage[] = [];
  failure?: Error;
  async send(msg: MailMessage): Promise<{ messageId: string }> {
    if (this.failure) throw this.failure;
    this.sent.push(msg);
    return { messageId: `msg-${this.sent.length}` };
  }
}

export class FakeEvents implements EventPublisher {
  readonly reauth: ReauthRequiredDetail[] = [];
  readonly completed: AuthorizationCompletedDetail[] = [];
  failure?: Error;
  async publishReauthRequired(detail: ReauthRequiredDetail): Promise<void> {
    if (this.failure) throw this.failure;
    this.reauth.push(detail);
  }
  async publishAuthorizationCompleted(detail: AuthorizationCompletedDetail): Promise<void> {
    if (this.failure) throw this.failure;
    this.completed.push(detail);
  }
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * Stores tokens minted by `oauth` (under its destination's key) as if an authorization had happened at
 * `clock.now()`: the tokens, then their metadata, as every writer stores them.
 */
export async function seedTokens(
  store: MemoryStore,
  oauth: FakeMalOAuth,
  clock: Clock,
  overrides: Partial<StoredTokens> = {},
  user = 'alice',
): Promise<StoredTokens> {
  const set = oauth.mint(user);
  const now = clock.now();
  const tokens: StoredTokens = {
    accessToken: set.accessToken,
    refreshToken: set.refreshToken,
    accessExpiresAt: now + set.expiresIn * 1000,
    refreshIssuedAt: now,
    refreshExpiresAt: now + 30 * DAY,
    user,
    ...overrides,
  };
  const { etag } = await store.put(KEYS.tokens(oauth.destination), JSON.stringify(tokens));
  await writeTokenMeta(store, oauth.destination, tokens, etag);
  return tokens;
}

export function storedTokens(store: MemoryStore, destination = 'mal'): StoredTokens | undefined {
  const obj = store.objects.get(KEYS.tokens(destination));
  return obj ? (JSON.parse(obj.body) as StoredTokens) : undefined;
}

/** A promise plus its resolver, for interleaving concurrent operations step by step. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
