import type { ReauthReason } from '../events';
import { assertHttpUrl, formatUtc, html, type SafeHtml } from './html';

/** One destination that needs the user, with its own link. */
export interface ReauthLink {
  /** The destination's name (`MyAnimeList`, `Trakt`). */
  readonly label: string;
  /** The provider's authorize URL (carries state and PKCE challenge). */
  readonly authorizeUrl: string;
  /** When the link stops working. */
  readonly expiresAt: Date;
  readonly reason: ReauthReason;
  /** The account the authorization is for, when known. */
  readonly user?: string | null;
  /** How long the provider's authorizations last (for the "expires soon" explanation). */
  readonly refreshTokenLifetimeDays?: number;
  /** The button's verb: `Authorize` (default) / `Re-authorize`, or `Connect` / `Reconnect`. */
  readonly verbs?: { readonly first: string; readonly again: string };
}

export interface ReauthEmailInput {
  readonly links: readonly ReauthLink[];
  readonly appName?: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const DEFAULT_APP_NAME = 'AniList → MAL mirror';
const DEFAULT_VERBS = { first: 'Authorize', again: 'Re-authorize' } as const;

/** Why a destination needs the user, in plain words. */
export function describeReauthReason(link: Pick<ReauthLink, 'label' | 'reason' | 'refreshTokenLifetimeDays'>): {
  headline: string;
  explanation: string;
} {
  const { label } = link;
  switch (link.reason) {
    case 'no_tokens':
      return {
        headline: `${label} is not connected yet`,
        explanation: `The mirror has no ${label} authorization (it was never given one, or it was removed), so it cannot update your ${label} list.`,
      };
    case 'invalid_grant':
      return {
        headline: `${label} access has stopped working`,
        explanation: `${label} rejected the stored authorization (it expired or was revoked), so syncing to ${label} is paused until you approve access again.`,
      };
    case 'refresh_token_expiring':
      return {
        headline: `${label} access expires soon`,
        explanation: `${label} authorizations last about ${describeDays(link.refreshTokenLifetimeDays ?? 30)} and the current one ends soon. Renew it now and syncing continues without a gap.`,
      };
    case 'user_mismatch':
      return {
        headline: `Wrong ${label} account`,
        explanation: `The last authorization was for a different ${label} account than the one this mirror is set up for. Please approve access while signed in to the right account.`,
      };
  }
}

/**
 * The reauth email, as plain text and HTML: one section and one button per destination that needs
 * the user. Every interpolated value is escaped in the HTML part.
 */
export function renderReauthEmail(input: ReauthEmailInput): RenderedEmail {
  const first = input.links[0];
  if (!first) throw new TypeError('renderReauthEmail needs at least one link');
  // Header values must stay on one line.
  const appName = oneLine(input.appName) || DEFAULT_APP_NAME;
  const sections = input.links.map((link) => section(link));
  const single = sections.length === 1 ? sections[0] : undefined;
  const subject = single
    ? `${appName}: ${single.headline} – please ${single.action.toLowerCase()}`
    : `${appName}: ${input.links.map((l) => oneLine(l.label)).join(' and ')} need you – please ${sections.every((s) => s.first) ? 'connect' : 'authorize'}`;

  const text = [
    ...sections.flatMap((s) => [
      `${s.headline}.`,
      '',
      s.explanation,
      '',
      `To approve access${s.account}, open this link and confirm on ${s.label}:`,
      '',
      s.url,
      '',
      `This link expires on ${s.expires} and works only once.`,
      '',
    ]),
    'If a link has expired, a new email is sent automatically on the next check.',
    '',
    `If you did not set up ${appName}, you can ignore this email: nothing changes unless you approve.`,
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
${sections.map((s) => s.html)}<div style="background:#ffffff;border-radius:8px;padding:16px 24px;border:1px solid #d8dde3;">
<p style="font-size:14px;line-height:1.5;margin:0 0 8px;">If a link has expired, a new email is sent automatically on the next check.</p>
<p style="font-size:12px;line-height:1.5;color:#57606a;margin:0;">If you did not set up ${appName}, you can ignore this email: nothing changes unless you approve.</p>
</div>
</div>
</body>
</html>`;

  return { subject, text, html: body.value };
}

interface Section {
  readonly label: string;
  readonly headline: string;
  readonly explanation: string;
  readonly action: string;
  readonly first: boolean;
  readonly account: string;
  readonly url: string;
  readonly expires: string;
  readonly html: SafeHtml;
}

function section(link: ReauthLink): Section {
  const url = assertHttpUrl(link.authorizeUrl).toString();
  const label = oneLine(link.label);
  const { headline, explanation } = describeReauthReason({ ...link, label });
  const expires = formatUtc(link.expiresAt);
  const account = link.user ? ` as ${oneLine(link.user)}` : '';
  const first = link.reason === 'no_tokens';
  const verbs = link.verbs ?? DEFAULT_VERBS;
  // The subject's "please authorize" / "please re-authorize"; the button says it with the label.
  const action = first ? verbs.first : verbs.again;
  const block = html`<div style="background:#ffffff;border-radius:8px;padding:24px;border:1px solid #d8dde3;margin:0 0 16px;">
<h1 style="font-size:20px;margin:0 0 12px;">${headline}</h1>
<p style="font-size:15px;line-height:1.5;margin:0 0 16px;">${explanation}</p>
<p style="font-size:15px;line-height:1.5;margin:0 0 20px;">To approve access${account}, open the link below and confirm on ${label}.</p>
<p style="margin:0 0 20px;"><a href="${url}" target="_blank" rel="noopener noreferrer" style="display:inline-block;background:#2e51a2;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600;">${buttonLabel({ ...link, label })}</a></p>
<p style="font-size:14px;line-height:1.5;margin:0 0 16px;"><strong>This link expires on ${expires}</strong> and works only once.</p>
<p style="font-size:12px;line-height:1.5;color:#57606a;margin:0 0 8px;">If the button does not work, copy this address into your browser:</p>
<p style="font-size:12px;line-height:1.4;color:#57606a;word-break:break-all;margin:0;">${url}</p>
</div>
`;
  return { label, headline, explanation, action, first, account, url, expires, html: block };
}

/**
 * The words on a destination's button ("Authorize MyAnimeList", "Re-authorize MyAnimeList",
 * "Connect Trakt", "Reconnect Trakt"). The console and the README quote them, so they are made
 * here only. The first authorization is not a "re-"authorization.
 */
export function buttonLabel(link: Pick<ReauthLink, 'label' | 'reason' | 'verbs'>): string {
  const verbs = link.verbs ?? DEFAULT_VERBS;
  return `${link.reason === 'no_tokens' ? verbs.first : verbs.again} ${oneLine(link.label)}`;
}

function oneLine(text: string | undefined): string {
  return text?.replace(/[\r\n]+/g, ' ').trim() ?? '';
}

function describeDays(days: number): string {
  if (days >= 28 && days <= 31) return 'a month';
  if (days >= 85 && days <= 92) return 'three months';
  if (days % 7 === 0) return days === 7 ? 'a week' : `${days / 7} weeks`;
  return `${days} days`;
}
