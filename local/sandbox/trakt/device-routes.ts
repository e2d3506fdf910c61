import { escapeHtml, html, json, type Reply } from '../kit/http';
import { decisionOf } from '../kit/oauth';
import type { TraktContext } from './context';
import {
  ACTIVATE_PATH,
  authenticateClient,
  jsonObject,
  oauthPage,
  stringField,
  tokenBody,
  tokenError,
} from './oauth-common';
import { empty, forbidden } from './replies';

/**
 * The device flow: `POST /oauth/device/code`, the polled `POST /oauth/device/token` with Trakt's
 * statuses (400 pending, 404 unknown code, 409 already used, 410 expired, 418 denied, 429 too
 * fast), and the activation page where the user types the code and approves or denies.
 */

export function deviceCodeReply(ctx: TraktContext, raw: string): Reply {
  const body = jsonObject(raw);
  if (!body) return tokenError(ctx, 'invalid_request', 'send a JSON object');
  const app = ctx.apps.app(stringField(body, 'client_id'));
  if (!app) return tokenError(ctx, 'invalid_client', 'Client authentication failed');
  if (!app.vipOwner) return forbidden();
  const auth = ctx.oauth.startDeviceAuthorization(app.clientId, `${ctx.authOrigin()}${ACTIVATE_PATH}`);
  return json(200, {
    device_code: auth.deviceCode,
    user_code: auth.userCode,
    verification_url: auth.verificationUrl,
    expires_in: auth.expiresIn,
    interval: auth.interval,
  });
}

/** The RFC 8628 body of each non-200 poll answer, for `devicePollBodies: 'rfc8628'`. */
const POLL_ANSWERS = {
  pending: [400, 'authorization_pending', 'The user has not approved the code yet'],
  unknown: [404, 'invalid_grant', 'Unknown device code'],
  used: [409, 'invalid_grant', 'The device code was already used'],
  expired: [410, 'expired_token', 'The device code expired'],
  denied: [418, 'access_denied', 'The user denied the code'],
  slow_down: [429, 'slow_down', 'Polling too quickly'],
} as const;

function pollAnswer(ctx: TraktContext, status: keyof typeof POLL_ANSWERS): Reply {
  const [code, error, description] = POLL_ANSWERS[status];
  return ctx.settings.devicePollBodies === 'rfc8628'
    ? json(code, { error, error_description: description })
    : empty(code);
}

export function deviceTokenReply(ctx: TraktContext, raw: string): Reply {
  const body = jsonObject(raw);
  if (!body) return tokenError(ctx, 'invalid_request', 'send a JSON object');
  // 401, whatever the token error style: a 400 here would read as "pending".
  const client = authenticateClient(ctx, body, () =>
    json(401, { error: 'invalid_client', error_description: 'Client authentication failed' }),
  );
  if (!client.ok) return client.reply;
  const code = stringField(body, 'code');
  if (!code) return pollAnswer(ctx, 'unknown');
  const poll = ctx.oauth.pollDevice(code, client.clientId);
  if (poll.status !== 'approved') return pollAnswer(ctx, poll.status);
  return tokenBody(ctx.apps.record(poll.grant));
}

export type UserCodeOutcome = 'approved' | 'denied' | 'refused' | 'unknown';

/**
 * What the user does on the activation page (and what the test hooks do). `refused`: the
 * connected-app limit keeps the app out; the code stays pending.
 */
export function decideUserCode(ctx: TraktContext, userCode: string, decision: 'approve' | 'deny'): UserCodeOutcome {
  const code = userCode.trim().toUpperCase();
  const clientId = ctx.oauth.clientOfUserCode(code);
  if (clientId === undefined) return 'unknown';
  if (decision === 'deny') return ctx.oauth.denyUserCode(code) ? 'denied' : 'unknown';
  if (!ctx.apps.approve(clientId).ok) return 'refused';
  return ctx.oauth.approveUserCode(code) ? 'approved' : 'unknown';
}

function activationForm(ctx: TraktContext, status: number, userCode: string, notice?: string): Reply {
  const body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Trakt (sandbox) - Activate your device</title></head>
<body>
  <main>
    <h1>Activate your device</h1>
    <p>Logged in as <strong id="user-name">${escapeHtml(ctx.settings.user.username)}</strong>.</p>
    ${notice ? `<p id="notice">${escapeHtml(notice)}</p>` : ''}
    <p>Enter the code your device shows.</p>
    <form method="post" action="${ACTIVATE_PATH}">
      <label>Code <input type="text" name="user_code" value="${escapeHtml(userCode)}" autocomplete="off"></label>
      <button type="submit" name="decision" value="approve">Approve</button>
      <button type="submit" name="decision" value="deny">Deny</button>
    </form>
    <p><small>Sandbox: nothing here talks to the real Trakt.</small></p>
  </main>
</body>
</html>`;
  return html(status, body, { 'Cache-Control': 'no-store' });
}

/** GET: the form (`?code=` fills it in, as QR links do); POST: the decision. */
export function activateReply(ctx: TraktContext, params: URLSearchParams, form: URLSearchParams | undefined): Reply {
  if (!form) return activationForm(ctx, 200, params.get('code') ?? '');
  const userCode = form.get('user_code') ?? '';
  const decision = decisionOf(form);
  if (!decision) return activationForm(ctx, 400, userCode, 'Approve or deny the code.');
  const outcome = decideUserCode(ctx, userCode, decision);
  const app = ctx.apps.app(ctx.oauth.clientOfUserCode(userCode))?.name ?? 'The app';
  switch (outcome) {
    case 'approved':
      return oauthPage(200, 'Device connected', [`${escapeHtml(app)} can now use your Trakt account.`]);
    case 'denied':
      return oauthPage(200, 'Access denied', [`${escapeHtml(app)} was not connected.`]);
    case 'refused':
      return activationForm(
        ctx,
        403,
        userCode,
        'You have reached your connected app limit: disconnect another app first.',
      );
    case 'unknown':
      return activationForm(ctx, 404, userCode, 'That code is not valid, or it has expired.');
  }
}
