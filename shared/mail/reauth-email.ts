import type { ReauthReason } from '../events';
import { assertHttpUrl, formatUtc, html } from './html';

export interface ReauthEmailInput {
  /** MAL's authorize URL (carries state and PKCE challenge). */
  readonly authorizeUrl: string;
  /** When the link stops working. */
  readonly expiresAt: Date;
  readonly reason: ReauthReason;
  readonly malUser?: string | null;
  readonly appName?: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const DEFAULT_APP_NAME = 'AniList → MAL mirror';

/** Why the email was sent, in plain words. */
export function describeReauthReason(reason: ReauthReason): { headline: string; explanation: string } {
  switch (reason) {
    case 'no_tokens':
      return {
        headline: 'MyAnimeList is not connected yet',
        explanation:
          'The mirror has no MyAnimeList authorization (it was never given one, or it was removed), so it cannot update your MyAnimeList list.',
      };
    case 'invalid_grant':
      return {
        headline: 'MyAnimeList access has stopped working',
        explanation:
          'MyAnimeList rejected the stored authorization (it expired or was revoked), so syncing to MyAnimeList is paused until you approve access again.',
      };
    case 'refresh_token_expiring':
      return {
        headline: 'MyAnimeList access expires soon',
        explanation:
          'MyAnimeList authorizations last about a month and the current one ends soon. Renew it now and syncing continues without a gap.',
      };
    case 'user_mismatch':
      return {
        headline: 'Wrong MyAnimeList account',
        explanation:
          'The last authorization was for a different MyAnimeList account than the one this mirror is set up for. Please approve access while signed in to the right account.',
      };
  }
}

/** The reauth email, as plain text and HTML. Every interpolated value is escaped in the HTML part. */
export function renderReauthEmail(input: ReauthEmailInput): RenderedEmail {
  const url = assertHttpUrl(input.authorizeUrl).toString();
  // Header values must stay on one line.
  const appName = input.appName?.replace(/[\r\n]+/g, ' ').trim() || DEFAULT_APP_NAME;
  const { headline, explanation } = describeReauthReason(input.reason);
  const expires = formatUtc(input.expiresAt);
  const account = input.malUser ? ` as ${input.malUser.replace(/[\r\n]+/g, ' ')}` : '';
  // The first authorization is not a "re-"authorization.
  const action = input.reason === 'no_tokens' ? 'Authorize' : 'Re-authorize';
  const subject = `${appName}: ${headline} – please ${action.toLowerCase()}`;

  const text = [
    `${headline}.`,
    '',
    explanation,
    '',
    `To approve access${account}, open this link and confirm on MyAnimeList:`,
    '',
    url,
    '',
    `This link expires on ${expires} and works only once.`,
    'If it has expired, a new email is sent automatically on the next check.',
    '',
    `If you did not set up ${appName}, you can ignore this email: nothing changes unless you approve on MyAnimeList.`,
    '',
    `— ${appName}`,
  ].join('\n');

  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${subject}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1f2328;">
<div style="max-width:560px;margin:0 auto;padding:24px 16px;">
<div style="background:#ffffff;border-radius:8px;padding:24px;border:1px solid #d8dde3;">
<h1 style="font-size:20px;margin:0 0 12px;">${headline}</h1>
<p style="font-size:15px;line-height:1.5;margin:0 0 16px;">${explanation}</p>
<p style="font-size:15px;line-height:1.5;margin:0 0 20px;">To approve access${account}, open the link below and confirm on MyAnimeList.</p>
<p style="margin:0 0 20px;"><a href="${url}" target="_blank" rel="noopener noreferrer" style="display:inline-block;background:#2e51a2;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600;">${action} MyAnimeList</a></p>
<p style="font-size:14px;line-height:1.5;margin:0 0 16px;"><strong>This link expires on ${expires}</strong> and works only once. If it has expired, a new email is sent automatically on the next check.</p>
<p style="font-size:12px;line-height:1.5;color:#57606a;margin:0 0 8px;">If the button does not work, copy this address into your browser:</p>
<p style="font-size:12px;line-height:1.4;color:#57606a;word-break:break-all;margin:0 0 16px;">${url}</p>
<p style="font-size:12px;line-height:1.5;color:#57606a;margin:0;">If you did not set up ${appName}, you can ignore this email: nothing changes unless you approve on MyAnimeList.</p>
</div>
</div>
</body>
</html>`;

  return { subject, text, html: body.value };
}
