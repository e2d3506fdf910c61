import { type Exchange, escapeHtml, formBody, json, type Reply } from '../kit/http';
import { type CodeProblem, consentPage, decisionOf, isPkceString } from '../kit/oauth';
import type { TraktContext } from './context';
import { activateReply, deviceCodeReply, deviceTokenReply } from './device-routes';
import {
  ACTIVATE_PATH,
  AUTHORIZE_PATH,
  authenticateClient,
  BAD_CLIENT,
  DEVICE_CODE_PATH,
  DEVICE_TOKEN_PATH,
  jsonObject,
  oauthPage,
  REVOKE_PATH,
  stringField,
  TOKEN_PATH,
  tokenBody,
  tokenError,
} from './oauth-common';
import { empty, forbidden } from './replies';

/**
 * Trakt's OAuth endpoints, served on the auth host (and, behind a flag, on the API host as before
 * the move): the authorization-code flow with S256 PKCE and a consent page, the token endpoint
 * (JSON bodies, rotating refresh tokens), revocation, and the device flow (`device-routes.ts`).
 */

/** The redirect URI of apps that show the code to the user instead of redirecting. */
const OOB_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob';

// ---- authorization-code flow ----

interface AuthorizeRequest {
  readonly clientId: string;
  readonly appName: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
  /** Undefined: the client sent no PKCE (allowed only without `pkceRequired`). */
  readonly challenge: string | undefined;
}

type Checked = { ok: true; request: AuthorizeRequest } | { ok: false; reply: Reply };

/** Back to the app with `params` (and `state`); an out-of-band app gets a page instead. */
function backToApp(redirectUri: string, params: Record<string, string>, state: string | undefined): Reply {
  if (redirectUri === OOB_REDIRECT) {
    if (params.code) {
      return oauthPage(200, 'Authorization code', [
        'Copy this code into the app:',
        `<code id="authorization-code">${escapeHtml(params.code)}</code>`,
      ]);
    }
    return oauthPage(400, 'Authorization failed', [escapeHtml(params.error_description ?? params.error ?? '')]);
  }
  const target = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  if (state !== undefined) target.searchParams.set('state', state);
  return { status: 302, headers: { Location: target.toString(), 'Cache-Control': 'no-store' } };
}

function checkAuthorize(ctx: TraktContext, params: URLSearchParams): Checked {
  const clientId = params.get('client_id') ?? undefined;
  const app = ctx.apps.app(clientId);
  if (!app) {
    const reply = oauthPage(400, 'An error has occurred', [
      'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
    ]);
    return { ok: false, reply };
  }
  if (!app.vipOwner) return { ok: false, reply: forbidden() };
  const redirectUri = params.get('redirect_uri') ?? '';
  if (!app.redirectUris.includes(redirectUri)) {
    const reply = oauthPage(400, 'An error has occurred', [
      "The requested redirect uri is malformed or doesn't match client redirect URI.",
    ]);
    return { ok: false, reply };
  }
  const state = params.get('state') ?? undefined;
  const refuse = (error: string, description: string): Checked => ({
    ok: false,
    reply: backToApp(redirectUri, { error, error_description: description }, state),
  });
  if (params.get('response_type') !== 'code') {
    return refuse('unsupported_response_type', 'The authorization server does not support this response type.');
  }
  const challenge = params.get('code_challenge') ?? undefined;
  if (challenge === undefined) {
    if (ctx.settings.pkceRequired) {
      return refuse('invalid_request', 'pkce is required when requesting offline_access scope');
    }
  } else {
    if (params.get('code_challenge_method') !== 'S256') {
      return refuse('invalid_request', 'code_challenge_method must be S256');
    }
    if (!isPkceString(challenge)) return refuse('invalid_request', 'code_challenge is malformed');
  }
  return { ok: true, request: { clientId: app.clientId, appName: app.name, redirectUri, state, challenge } };
}

function authorizePage(ctx: TraktContext, params: URLSearchParams): Reply {
  const checked = checkAuthorize(ctx, params);
  if (!checked.ok) return checked.reply;
  const { request } = checked;
  // `signup` and `prompt` change nothing here: the sandbox user is always signed in.
  return consentPage({
    service: 'Trakt',
    appName: request.appName,
    userName: ctx.settings.user.username,
    purpose: 'see and change your watched history and ratings',
    action: AUTHORIZE_PATH,
    fields: [
      ['response_type', 'code'],
      ['client_id', request.clientId],
      ['redirect_uri', request.redirectUri],
      ['state', request.state],
      ['code_challenge', request.challenge],
      ['code_challenge_method', request.challenge === undefined ? undefined : 'S256'],
    ],
  });
}

/** The consent form posted back: the same checks again, then the app gets a code or `access_denied`. */
function decide(ctx: TraktContext, form: URLSearchParams): Reply {
  const checked = checkAuthorize(ctx, form);
  if (!checked.ok) return checked.reply;
  const { request } = checked;
  const decision = decisionOf(form);
  if (!decision) return oauthPage(400, 'An error has occurred', ['Approve or deny the request.']);
  if (decision === 'deny') return backToApp(request.redirectUri, { error: 'access_denied' }, request.state);
  if (!ctx.apps.approve(request.clientId).ok) {
    const description = 'connected app limit reached: disconnect another app first';
    return backToApp(request.redirectUri, { error: 'access_denied', error_description: description }, request.state);
  }
  const code = ctx.oauth.issueCode({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    challenge: request.challenge,
    method: 'S256',
  });
  return backToApp(request.redirectUri, { code }, request.state);
}

// ---- token endpoint ----

function codeProblem(ctx: TraktContext, problem: CodeProblem): Reply {
  switch (problem) {
    case 'missing_redirect_uri':
      return tokenError(ctx, 'invalid_request', 'redirect_uri is required');
    case 'redirect_uri_mismatch':
      return ctx.settings.tokenErrorStatus === 401
        ? tokenError(ctx, 'invalid_grant', 'redirect_uri mismatch')
        : tokenError(ctx, 'invalid_request', 'redirect_uri mismatch');
    case 'missing_verifier':
      return tokenError(ctx, 'invalid_request', 'code_verifier is required');
    case 'malformed_verifier':
    case 'verifier_mismatch':
      return tokenError(ctx, 'invalid_grant', 'code_verifier does not match the code_challenge');
    default:
      return tokenError(ctx, 'invalid_grant', 'The authorization code is invalid, expired or already used');
  }
}

function codeGrant(ctx: TraktContext, body: Record<string, unknown>, clientId: string): Reply {
  const code = stringField(body, 'code');
  if (!code) return tokenError(ctx, 'invalid_request', 'code is required');
  const outcome = ctx.oauth.exchangeCode({
    code,
    clientId,
    redirectUri: stringField(body, 'redirect_uri'),
    verifier: stringField(body, 'code_verifier'),
  });
  if (!outcome.ok) return codeProblem(ctx, outcome.problem);
  return tokenBody(ctx.apps.record(outcome.grant));
}

function refreshGrant(ctx: TraktContext, body: Record<string, unknown>, clientId: string): Reply {
  const refreshToken = stringField(body, 'refresh_token');
  if (!refreshToken) return tokenError(ctx, 'invalid_request', 'refresh_token is required');
  // Refresh tokens from before the auth migration: 400 and nothing else.
  if (ctx.apps.isPreMigration(refreshToken)) return empty(400);
  const outcome = ctx.oauth.refresh(refreshToken, clientId);
  if (!outcome.ok) return tokenError(ctx, 'invalid_grant', 'The refresh token is invalid, expired or already used');
  // The new pair first: between the two the app would look disconnected, and reconnect as the newest.
  const grant = ctx.apps.record(outcome.grant);
  ctx.apps.retire(refreshToken);
  return tokenBody(grant);
}

function token(ctx: TraktContext, raw: string): Reply {
  const body = jsonObject(raw);
  if (!body) return tokenError(ctx, 'invalid_request', 'send a JSON object');
  const client = authenticateClient(ctx, body, () => tokenError(ctx, 'invalid_client', BAD_CLIENT));
  if (!client.ok) return client.reply;
  const grantType = stringField(body, 'grant_type');
  if (grantType === 'authorization_code') return codeGrant(ctx, body, client.clientId);
  if (grantType === 'refresh_token') return refreshGrant(ctx, body, client.clientId);
  if (!grantType) return tokenError(ctx, 'invalid_request', 'grant_type is required');
  return tokenError(ctx, 'unsupported_grant_type', `grant_type ${grantType} is not supported`);
}

function revoke(ctx: TraktContext, raw: string): Reply {
  const body = jsonObject(raw);
  if (!body) return tokenError(ctx, 'invalid_request', 'send a JSON object');
  const client = authenticateClient(ctx, body, () => tokenError(ctx, 'invalid_client', BAD_CLIENT));
  if (!client.ok) return client.reply;
  const tokenValue = stringField(body, 'token');
  if (!tokenValue) return tokenError(ctx, 'invalid_request', 'token is required');
  // Unknown tokens too: revocation answers the same whatever the token was.
  ctx.oauth.revoke(tokenValue);
  ctx.apps.retire(tokenValue);
  return json(200, {});
}

/** `/oauth/*` (and the activation page, on the auth host). */
export function oauthReply(ctx: TraktContext, exchange: Exchange, body: string): Reply {
  const { method } = exchange;
  const path = exchange.url.pathname;
  const post = (serve: () => Reply): Reply => (method === 'POST' ? serve() : empty(405));
  switch (path) {
    case AUTHORIZE_PATH:
      if (method === 'GET') return authorizePage(ctx, exchange.url.searchParams);
      return post(() => decide(ctx, formBody(exchange.req, body)));
    case TOKEN_PATH:
      return post(() => token(ctx, body));
    case REVOKE_PATH:
      return post(() => revoke(ctx, body));
    case DEVICE_CODE_PATH:
      return post(() => deviceCodeReply(ctx, body));
    case DEVICE_TOKEN_PATH:
      return post(() => deviceTokenReply(ctx, body));
    case ACTIVATE_PATH:
      if (method === 'GET') return activateReply(ctx, exchange.url.searchParams, undefined);
      return post(() => activateReply(ctx, formBody(exchange.req, body), formBody(exchange.req, body)));
    default:
      return empty(404);
  }
}
