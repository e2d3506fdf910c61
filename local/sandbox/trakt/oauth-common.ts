import { escapeHtml, html, json, type Reply } from '../kit/http';
import type { TokenGrant } from '../kit/oauth';
import type { TraktContext } from './context';
import { forbidden } from './replies';

/** What Trakt's OAuth endpoints share: paths, JSON bodies, token answers and errors, client checks, pages. */

export const AUTHORIZE_PATH = '/oauth/authorize';
export const TOKEN_PATH = '/oauth/token';
export const REVOKE_PATH = '/oauth/revoke';
export const DEVICE_CODE_PATH = '/oauth/device/code';
export const DEVICE_TOKEN_PATH = '/oauth/device/token';
export const ACTIVATE_PATH = '/activate';

const DOORKEEPER_TEXT = {
  invalid_grant:
    'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  invalid_client:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
} as const;

type TokenErrorCode = 'invalid_request' | 'invalid_grant' | 'invalid_client' | 'unsupported_grant_type';

/** A refused token request: 400 `{error, error_description}`, or the older 401 with `WWW-Authenticate`. */
export function tokenError(ctx: TraktContext, error: TokenErrorCode, description: string): Reply {
  if (ctx.settings.tokenErrorStatus === 401 && (error === 'invalid_grant' || error === 'invalid_client')) {
    const text = DOORKEEPER_TEXT[error];
    return json(
      401,
      { error, error_description: text },
      { 'WWW-Authenticate': `Bearer realm="Doorkeeper", error="${error}", error_description="${text}"` },
    );
  }
  return json(400, { error, error_description: description });
}

export function tokenBody(grant: TokenGrant): Reply {
  return json(
    200,
    {
      access_token: grant.accessToken,
      token_type: 'bearer',
      expires_in: grant.expiresIn,
      refresh_token: grant.refreshToken,
      scope: 'public',
      created_at: grant.createdAt,
    },
    { 'Cache-Control': 'no-store' },
  );
}

/** A JSON object body, or undefined. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An OAuth page in the same look as the consent page. */
export function oauthPage(status: number, title: string, paragraphs: readonly string[]): Reply {
  const body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Trakt (sandbox) - ${escapeHtml(title)}</title></head>
<body>
  <main>
    <h1>${escapeHtml(title)}</h1>
    ${paragraphs.map((p) => `<p>${p}</p>`).join('\n    ')}
    <p><small>Sandbox: nothing here talks to the real Trakt.</small></p>
  </main>
</body>
</html>`;
  return html(status, body, { 'Cache-Control': 'no-store' });
}

/** The app behind a JSON OAuth request: its reply when it is unknown, removed or its secret is wrong. */
export function authenticateClient(
  ctx: TraktContext,
  body: Record<string, unknown>,
  onBadClient: () => Reply,
): { ok: true; clientId: string } | { ok: false; reply: Reply } {
  const clientId = stringField(body, 'client_id');
  const app = ctx.apps.app(clientId);
  if (app && !app.vipOwner) return { ok: false, reply: forbidden() };
  if (!app || ctx.oauth.checkClient(app.clientId, stringField(body, 'client_secret')) !== 'ok') {
    return { ok: false, reply: onBadClient() };
  }
  return { ok: true, clientId: app.clientId };
}

export const BAD_CLIENT = 'Client authentication failed';
