import type { AuthProvider, TokenSet } from '../../../shared/auth/provider';
import type { AccessTokenProvider } from '../../../shared/auth/tokens';

/**
 * A minimal AccessTokenProvider for tests: holds one token set and refreshes it through the real
 * OAuth client against the sandbox's token endpoint. Records how often refresh was asked for.
 */
export class SandboxTokenProvider implements AccessTokenProvider {
  refreshCalls = 0;
  readonly staleTokensSeen: string[] = [];

  constructor(
    private readonly oauth: Pick<AuthProvider, 'refresh'>,
    public current: TokenSet,
  ) {}

  async get(): Promise<string> {
    return this.current.accessToken;
  }

  async refresh(staleToken: string): Promise<string> {
    this.refreshCalls += 1;
    this.staleTokensSeen.push(staleToken);
    // Rotation-safe: another caller may already have refreshed past the stale token.
    if (staleToken !== this.current.accessToken) return this.current.accessToken;
    this.current = await this.oauth.refresh(this.current.refreshToken);
    return this.current.accessToken;
  }
}

/** A provider whose refresh hands back a token the server never issued (to prove "refresh once"). */
export class BrokenRefreshProvider implements AccessTokenProvider {
  refreshCalls = 0;
  constructor(private readonly token: string) {}
  async get(): Promise<string> {
    return this.token;
  }
  async refresh(): Promise<string> {
    this.refreshCalls += 1;
    return 'not-a-token-the-sandbox-issued';
  }
}

/** `<input type="hidden" name="x" value="y">` pairs of the consent page, unescaped. */
export function hiddenFields(html: string): URLSearchParams {
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    form.append(unescapeHtml(m[1]!), unescapeHtml(m[2]!));
  }
  return form;
}

function unescapeHtml(value: string): string {
  return value.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
}

/** A 43+ character plain-PKCE verifier (the challenge is the same string). */
export function verifier(seed: string): string {
  return `${seed}-${'v'.repeat(60)}`.slice(0, 64);
}
