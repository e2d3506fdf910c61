import { createHash } from 'node:crypto';
import { assertHttpUrl, formatUtc, html, SafeHtml } from '../mail/html';
import type { ConsumeFailureReason } from './pending';

/** What the callback Lambda returns (API Gateway HTTP API proxy result shape). */
export interface HtmlResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The page's heading, for the console line that says what a person was shown (never sent). */
  readonly title?: string;
}

/**
 * The look of every page a person sees from this system (callback pages; locally also the dashboard
 * and the sandbox pages, which add their own rules after it): readable, and dark-mode aware.
 */
export const PAGE_STYLE = `
:root{color-scheme:light dark}
body{margin:0;font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f4f5f7;color:#1f2328;line-height:1.5}
main{max-width:560px;margin:0 auto;padding:32px 16px}
.card{background:#fff;border:1px solid #d8dde3;border-radius:10px;padding:24px}
.badge{display:inline-block;width:40px;height:40px;border-radius:50%;text-align:center;line-height:40px;font-size:22px;font-weight:700;color:#fff;margin-bottom:8px}
.success .badge{background:#1a7f37}.error .badge{background:#cf222e}.warning .badge{background:#9a6700}
h1{font-size:22px;margin:0 0 12px}
p{margin:0 0 12px;font-size:16px}
.muted{color:#57606a;font-size:14px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px;word-break:break-all}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}.card{background:#161b22;border-color:#30363d}.muted{color:#8d96a0}}
`.trim();

/**
 * The CSP source that allows exactly one style block: each page carries one block and names its
 * hash, so no inline script or injected style runs.
 */
export function styleSource(style: string): string {
  return `'sha256-${createHash('sha256').update(style).digest('base64')}'`;
}

/**
 * The whole HTML document of a page a person sees, around its `<main>` (`main`, ending with a
 * newline): one shell for the callback pages, the local dashboard and the sandbox pages. `head`
 * goes before the title (the dashboard's meta refresh).
 */
export function htmlDocument(page: { title: string; style: string; main: SafeHtml; head?: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${page.head ?? html``}<title>${page.title}</title>
<style>${new SafeHtml(page.style)}</style>
</head>
<body>
${page.main}</body>
</html>
`.value;
}

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': `default-src 'none'; style-src ${styleSource(PAGE_STYLE)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

type Tone = 'success' | 'error' | 'warning';
const BADGE: Record<Tone, string> = { success: '✓', error: '✕', warning: '!' };

function page(statusCode: number, tone: Tone, heading: string, paragraphs: readonly SafeHtml[]): HtmlResponse {
  const main = html`<main><div class="card ${tone}">
<div class="badge" aria-hidden="true">${BADGE[tone]}</div>
<h1>${heading}</h1>
${paragraphs.map((p) => html`<p>${p}</p>\n`)}</div></main>
`;
  const body = htmlDocument({ title: heading, style: PAGE_STYLE, main });
  return { statusCode, headers: { ...PAGE_HEADERS }, body, title: heading };
}

const newLinkHint = html`A new link is emailed automatically on the next check while re-authorization is still needed.`;
const newLinkHintLower = html`a new link is emailed automatically on the next check while re-authorization is still needed.`;
const muted = (text: string) => html`<span class="muted">${text}</span>`;

/** What the success page says comes next, and where a person can watch it. */
export interface NextSteps {
  /** False when the authorization-completed event could not be sent: the next scheduled run syncs. */
  readonly syncStarted: boolean;
  /** The local dashboard; without it (AWS), the page names `npm run status` and the worker's log. */
  readonly dashboardUrl?: string;
}

/** Where to watch the sync: the dashboard locally, `npm run status` or the logs when deployed. */
function whereToWatch(dashboardUrl: string | undefined): SafeHtml {
  if (dashboardUrl) {
    const url = assertHttpUrl(dashboardUrl).toString();
    return html`Watch it on the dashboard: <a href="${url}">${url}</a>`;
  }
  return html`To follow it, run <code>npm run status</code> in your copy of this project (with your AWS credentials), or read the sync worker's log in CloudWatch.`;
}

export function successPage(label: string, user: string | null, next: NextSteps = { syncStarted: true }): HtmlResponse {
  const who = user ? html` as <strong>${user}</strong>` : html``;
  const when = next.syncStarted
    ? html`A sync starts now. The first one copies your whole list to ${label}, so a long list takes a while.`
    : html`Syncing starts with the next scheduled run.`;
  return page(200, 'success', `Connected to ${label}`, [
    html`Connected to ${label}${who}.`,
    when,
    whereToWatch(next.dashboardUrl),
    muted('You can close this page. This link cannot be used again.'),
  ]);
}

/**
 * A link used again (browser history, a second click on the email's button) while the destination
 * is connected: there is nothing to do, and nothing is wrong.
 */
export function alreadyConnectedPage(label: string, user: string | null, dashboardUrl?: string): HtmlResponse {
  return page(200, 'success', `${label} is already connected`, [
    html`${label} is already connected; nothing to do.`,
    html`${user ? html`The mirror is connected as <strong>${user}</strong>. ` : ''}This link was used before, so it changed nothing.`,
    muted('You can close this page.'),
    ...(dashboardUrl ? [whereToWatch(dashboardUrl)] : []),
  ]);
}

export function declinedPage(label: string, linkExpiresAt: number | undefined): HtmlResponse {
  const until =
    linkExpiresAt === undefined
      ? html`If you change your mind, the link in the email keeps working until it expires. ${newLinkHint}`
      : html`If you change your mind, the link in the email still works until <strong>${formatUtc(new Date(linkExpiresAt))}</strong>. After that, ${newLinkHintLower}`;
  return page(400, 'warning', 'Authorization declined', [
    html`You declined access on ${label}, so nothing was changed.`,
    until,
  ]);
}

export function stateProblemPage(
  reason: ConsumeFailureReason,
  details: { expiresAt?: number; usedAt?: number } = {},
): HtmlResponse {
  const text: Record<ConsumeFailureReason, { heading: string; body: SafeHtml }> = {
    missing: {
      heading: 'Incomplete link',
      body: html`This address is missing its <code>state</code> parameter, so it cannot be matched to an email we sent. Open the link from the email again.`,
    },
    malformed: {
      heading: 'Invalid link',
      body: html`This link's <code>state</code> parameter is not one this mirror creates. Open the link from the email again, without changes.`,
    },
    unknown: {
      heading: 'Link not recognized',
      body: html`This link is not known here. It may have been issued before the mirror's local runtime restarted (a sandbox starts fresh each time), or it expired and was cleaned up.`,
    },
    expired: {
      heading: 'Link expired',
      body:
        details.expiresAt === undefined
          ? html`This authorization link has expired.`
          : html`This authorization link expired on <strong>${formatUtc(new Date(details.expiresAt))}</strong>.`,
    },
    used: {
      heading: 'Link already used',
      body:
        details.usedAt === undefined
          ? html`This authorization link has already been used; each link works only once.`
          : html`This authorization link was already used on <strong>${formatUtc(new Date(details.usedAt))}</strong>; each link works only once.`,
    },
  };
  const { heading, body } = text[reason];
  if (reason === 'unknown') {
    // Most often an honest link from before a restart: a warning with what to do, not an alarm.
    return page(400, 'warning', heading, [
      body,
      html`Nothing was changed. Open the link in the newest email from the mirror. If none works, ${newLinkHintLower} (Locally, <code>npm start</code> shows a working link when it starts.)`,
    ]);
  }
  return page(400, 'error', heading, [body, html`Nothing was changed. ${newLinkHint}`]);
}

/** A link made for a destination this mirror no longer syncs to (DESTINATIONS changed since it was sent). */
export function destinationDisabledPage(destination: string): HtmlResponse {
  return page(400, 'warning', 'Link for a destination no longer synced', [
    html`This link was made for <code>${destination}</code>, which this mirror no longer syncs to (its <code>DESTINATIONS</code> setting changed since the email was sent).`,
    html`Nothing was changed. If you want it synced again, add it back to the setting; the next email brings a new link.`,
  ]);
}

export function badRequestPage(problem: string): HtmlResponse {
  return page(400, 'error', 'Invalid request', [
    html`This address is not a valid authorization reply: ${problem}.`,
    html`Nothing was changed. Open the link from the email again.`,
  ]);
}

/**
 * The error codes of RFC 6749 §4.1.2.1 other than `access_denied` (which has its own page), each
 * explained in our words. The provider's `error_description` is never shown: anyone can put any
 * text there (bidi overrides, fake instructions) on a link that opens this trusted page.
 */
const PROVIDER_ERRORS = {
  invalid_request: (label: string) => html`${label} found the authorization request malformed.`,
  unauthorized_client: (label: string) =>
    html`${label} does not allow this app to ask for authorization this way. Check the app's settings on ${label}.`,
  unsupported_response_type: (label: string) =>
    html`${label} does not support the kind of authorization this mirror asks for.`,
  invalid_scope: (label: string) => html`${label} did not accept the access this mirror asks for.`,
  server_error: (label: string) =>
    html`${label} had an internal error. The link in the email still works: try it again later.`,
  temporarily_unavailable: (label: string) =>
    html`${label} is temporarily unavailable. The link in the email still works: try it again in a few minutes.`,
} as const;
export type ProviderErrorCode = keyof typeof PROVIDER_ERRORS;

/** The error as one of the codes above, or undefined for any other text. */
export function knownProviderError(error: string): ProviderErrorCode | undefined {
  return Object.hasOwn(PROVIDER_ERRORS, error) ? (error as ProviderErrorCode) : undefined;
}

export function providerErrorPage(label: string, error: ProviderErrorCode | undefined): HtmlResponse {
  const explanation = error
    ? html`${PROVIDER_ERRORS[error](label)} (error code <code>${error}</code>)`
    : html`${label} did not authorize access, and gave an error this mirror does not recognize.`;
  return page(400, 'error', `${label} reported an error`, [explanation, html`Nothing was changed. ${newLinkHint}`]);
}

export function exchangeFailedPage(label: string, kind: 'rejected' | 'unavailable'): HtmlResponse {
  return kind === 'rejected'
    ? page(400, 'error', 'Authorization rejected', [
        html`${label} rejected the authorization code (it may have expired or been used already).`,
        html`Nothing was stored. ${newLinkHint}`,
      ])
    : page(502, 'error', `${label} is not answering`, [
        html`The authorization could not be completed because ${label} did not respond properly.`,
        html`Nothing was stored. ${newLinkHint}`,
      ]);
}

export function userMismatchPage(label: string, actual: string, expected: string): HtmlResponse {
  return page(403, 'error', `Wrong ${label} account`, [
    html`You approved access as <strong>${actual}</strong>, but this mirror is set up for <strong>${expected}</strong>.`,
    html`Nothing was stored. Sign out of ${label}, sign in as ${expected}, and use the next link we email.`,
  ]);
}

export function verifyFailedPage(label: string): HtmlResponse {
  return page(502, 'error', 'Could not verify the account', [
    html`${label} did not say which account was authorized, and this mirror only accepts one specific account.`,
    html`Nothing was stored. ${newLinkHint}`,
  ]);
}

export function saveFailedPage(label: string): HtmlResponse {
  return page(500, 'error', 'Could not save the authorization', [
    html`${label} approved access, but the mirror could not save it.`,
    html`${newLinkHint}`,
  ]);
}
