import type { IncomingMessage } from 'node:http';
import { type Exchange, formBody, json, type Reply } from '../kit/http';
import {
  type CodeProblem,
  consentPage,
  decisionOf,
  isPkceString,
  type RefreshProblem,
  type TokenGrant,
} from '../kit/oauth';
import type { MalContext } from './context';
import { methodNotAllowed, notFound } from './replies';

/**
 * MAL's OAuth endpoints (`/v1/oauth2/authorize`, `/v1/oauth2/token`) on the kit's OAuth state
 * machine: form bodies, plain PKCE only, and MAL's (league/oauth2-server's) error bodies and hints.
 */

export const AUTHORIZE_PATH = '/v1/oauth2/authorize';
export const TOKEN_PATH = '/v1/oauth2/token';

const INVALID_REQUEST_MESSAGE =
  'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.';
const INVALID_GRANT_MESSAGE =
  'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';

function invalidRequest(parameter: string | undefined, hint?: string): Reply {
  return json(400, {
    error: 'invalid_request',
    message: INVALID_REQUEST_MESSAGE,
    hint: hint ?? `Check the \`${parameter}\` parameter`,
  });
}

function invalidGrant(hint: string): Reply {
  return json(400, { error: 'invalid_grant', message: INVALID_GRANT_MESSAGE, hint });
}

function invalidClient(): Reply {
  return json(401, { error: 'invalid_client', message: 'Client authentication failed' });
}

const CODE_PROBLEMS: Readonly<Record<CodeProblem, Reply>> = {
  unknown_code: invalidGrant('Cannot decrypt the authorization code'),
  expired_code: invalidGrant('Authorization code has expired'),
  used_code: invalidGrant('Authorization code has been revoked'),
  wrong_client: invalidRequest(undefined, 'Authorization code was not issued to this client'),
  missing_redirect_uri: invalidRequest('redirect_uri'),
  redirect_uri_mismatch: invalidRequest(undefined, 'Invalid redirect URI'),
  missing_verifier: invalidRequest('code_verifier'),
  malformed_verifier: invalidRequest(undefined, 'Code Verifier must follow the specifications of RFC-7636.'),
  verifier_mismatch: invalidGrant('Failed to verify `code_verifier`.'),
};

const REFRESH_HINTS: Readonly<Record<RefreshProblem, string>> = {
  unknown: 'Cannot decrypt the refresh token',
  wrong_client: 'Token is not linked to client',
  expired: 'Token has expired',
  revoked: 'Token has been revoked',
};

interface AuthorizeRequest {
  clientId: string;
  /** As given (undefined when omitted and the single registered URI is implied). */
  redirectUriParam: string | undefined;
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  codeChallengeMethod: string | undefined;
}

type Checked = { ok: true; request: AuthorizeRequest } | { ok: false; reply: Reply };

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The redirect URI the request names or implies; with none registered, any http(s) URL is accepted. */
function redirectOf(ctx: MalContext, clientId: string, given: string | undefined): string | Reply {
  const registered = ctx.options.redirectUris ?? [];
  if (given !== undefined) {
    const allowed = registered.length > 0 ? ctx.oauth.isRegisteredRedirect(clientId, given) : isHttpUrl(given);
    return allowed ? given : invalidClient();
  }
  return registered.length === 1 ? registered[0]! : invalidRequest('redirect_uri');
}

function checkChallenge(params: URLSearchParams): Reply | undefined {
  const codeChallenge = params.get('code_challenge');
  if (!codeChallenge) return invalidRequest('code_challenge');
  const method = params.get('code_challenge_method');
  // MAL: "Currently, only the plain method is supported." S256 requests fail.
  if (method !== null && method !== 'plain') {
    return invalidRequest(undefined, 'Code challenge method must be one of `plain`');
  }
  if (!isPkceString(codeChallenge)) {
    return invalidRequest(undefined, 'Code challenge must follow the specifications of RFC-7636.');
  }
  return undefined;
}

function checkAuthorize(ctx: MalContext, params: URLSearchParams): Checked {
  const clientId = params.get('client_id');
  if (!clientId) return { ok: false, reply: invalidRequest('client_id') };
  if (!ctx.oauth.client(clientId)) return { ok: false, reply: invalidClient() };
  const redirectUriParam = params.get('redirect_uri') ?? undefined;
  const redirectUri = redirectOf(ctx, clientId, redirectUriParam);
  if (typeof redirectUri !== 'string') return { ok: false, reply: redirectUri };
  if (params.get('response_type') !== 'code') {
    const reply = json(400, {
      error: 'unsupported_response_type',
      message: 'The authorization server does not support obtaining an authorization code using this method.',
      hint: 'Check the `response_type` parameter',
    });
    return { ok: false, reply };
  }
  const badChallenge = checkChallenge(params);
  if (badChallenge) return { ok: false, reply: badChallenge };
  const request: AuthorizeRequest = {
    clientId,
    redirectUriParam,
    redirectUri,
    state: params.get('state') ?? undefined,
    codeChallenge: params.get('code_challenge')!,
    codeChallengeMethod: params.get('code_challenge_method') ?? undefined,
  };
  return { ok: true, request };
}

function authorizePage(ctx: MalContext, params: URLSearchParams): Reply {
  const checked = checkAuthorize(ctx, params);
  if (!checked.ok) return checked.reply;
  const { request } = checked;
  return consentPage({
    service: 'MyAnimeList',
    appName: ctx.appName,
    userName: ctx.user.name,
    purpose: 'read and update your anime list',
    action: AUTHORIZE_PATH,
    fields: [
      ['response_type', 'code'],
      ['client_id', request.clientId],
      ['redirect_uri', request.redirectUriParam],
      ['state', request.state],
      ['code_challenge', request.codeChallenge],
      ['code_challenge_method', request.codeChallengeMethod],
    ],
  });
}

/** The consent form posted back: the same checks again, then a redirect with a code or `access_denied`. */
function decide(ctx: MalContext, form: URLSearchParams): Reply {
  const checked = checkAuthorize(ctx, form);
  if (!checked.ok) return checked.reply;
  const { request } = checked;
  const decision = decisionOf(form);
  if (!decision) return invalidRequest('decision');
  const target = new URL(request.redirectUri);
  if (decision === 'approve') {
    const code = ctx.oauth.issueCode({
      clientId: request.clientId,
      redirectUri: request.redirectUriParam,
      challenge: request.codeChallenge,
      method: 'plain',
    });
    target.searchParams.set('code', code);
  } else {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('message', 'The resource owner or authorization server denied the request.');
    target.searchParams.set('hint', 'The user denied the request');
  }
  if (request.state !== undefined) target.searchParams.set('state', request.state);
  return { status: 302, headers: { Location: target.toString(), 'Cache-Control': 'no-store' } };
}

function clientCredentials(req: IncomingMessage, form: URLSearchParams): { id: string | null; secret: string | null } {
  // MAL also accepts HTTP Basic client authentication.
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
    }
  }
  return { id: form.get('client_id'), secret: form.get('client_secret') };
}

function tokenReply(grant: TokenGrant): Reply {
  return json(
    200,
    {
      token_type: 'Bearer',
      expires_in: grant.expiresIn,
      access_token: grant.accessToken,
      refresh_token: grant.refreshToken,
    },
    { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  );
}

function codeGrant(ctx: MalContext, form: URLSearchParams, clientId: string): Reply {
  const code = form.get('code');
  if (!code) return invalidRequest('code');
  const outcome = ctx.oauth.exchangeCode({
    code,
    clientId,
    redirectUri: form.get('redirect_uri') ?? undefined,
    verifier: form.get('code_verifier') ?? undefined,
  });
  return outcome.ok ? tokenReply(outcome.grant) : CODE_PROBLEMS[outcome.problem];
}

function refreshGrant(ctx: MalContext, form: URLSearchParams, clientId: string): Reply {
  const refreshToken = form.get('refresh_token');
  if (!refreshToken) return invalidRequest('refresh_token');
  const outcome = ctx.oauth.refresh(refreshToken, clientId);
  if (outcome.ok) return tokenReply(outcome.grant);
  // MAL answers a dead refresh token with 401 invalid_request, not 400 invalid_grant.
  const hint = REFRESH_HINTS[outcome.problem];
  return json(401, { error: 'invalid_request', message: 'The refresh token is invalid.', hint });
}

function token(ctx: MalContext, req: IncomingMessage, form: URLSearchParams): Reply {
  const client = clientCredentials(req, form);
  if (!client.id) return invalidRequest('client_id');
  if (ctx.oauth.checkClient(client.id, client.secret ?? undefined) !== 'ok') return invalidClient();
  const grant = form.get('grant_type');
  if (!grant) return invalidRequest('grant_type');
  if (grant === 'authorization_code') return codeGrant(ctx, form, client.id);
  if (grant === 'refresh_token') return refreshGrant(ctx, form, client.id);
  return json(400, {
    error: 'unsupported_grant_type',
    message: 'The authorization grant type is not supported by the authorization server.',
    hint: 'Check that all required parameters have been provided',
  });
}

export function oauthReply(ctx: MalContext, exchange: Exchange, body: string): Reply {
  const { method, req } = exchange;
  const path = exchange.url.pathname;
  if (path === AUTHORIZE_PATH) {
    if (method === 'GET') return authorizePage(ctx, exchange.url.searchParams);
    if (method === 'POST') return decide(ctx, formBody(req, body));
    return methodNotAllowed();
  }
  if (path === TOKEN_PATH) return method === 'POST' ? token(ctx, req, formBody(req, body)) : methodNotAllowed();
  return notFound();
}
