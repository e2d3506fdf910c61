import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { htmlDocument, PAGE_HEADERS, PAGE_STYLE, styleSource } from '../../shared/auth/pages';
import { html, type SafeHtml } from '../../shared/mail/html';

/** The callback pages' look, widened for tables, with the dashboard's own parts. */
export const DASHBOARD_STYLE = `${PAGE_STYLE}
main.wide{max-width:1120px}
section.card{margin:0 0 16px}
h2{font-size:18px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #d8dde3;vertical-align:top}
th.side{border-left:2px solid #d8dde3}td.side{border-left:2px solid #d8dde3}
td.diff{background:#fff1c2;font-weight:600}
.ok{color:#1a7f37}.bad{color:#cf222e}.warn{color:#9a6700}
.button,button{display:inline-block;padding:6px 14px;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;font-size:15px;text-decoration:none;cursor:pointer}
.button.plain,button.plain{background:transparent;color:#1f6feb}
button.danger{background:#cf222e;border-color:#cf222e}
form.inline{display:inline}
label{display:block;margin:0 0 8px;font-size:14px}
input,select,textarea{font:inherit;font-size:15px;padding:4px;max-width:100%}
textarea{width:100%;min-height:80px}
pre.report{white-space:pre-wrap;font-size:13px;background:#f6f8fa;padding:8px;border-radius:6px;overflow-x:auto}
details{margin:0 0 10px}summary{cursor:pointer}
.scroll{overflow-x:auto}
.notice{border-left:4px solid #1f6feb;padding:6px 10px;margin:0 0 16px}
@media (prefers-color-scheme:dark){th,td{border-color:#30363d}th.side,td.side{border-left-color:#30363d}td.diff{background:#3d2e00}pre.report{background:#0d1117}.ok{color:#3fb950}.bad{color:#f85149}.warn{color:#d29922}}
`;

/**
 * The callback pages' headers, with forms allowed back to this origin only. No script runs:
 * the page refreshes itself with a meta refresh.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  ...PAGE_HEADERS,
  // `no-referrer` would make the browser send `Origin: null` with the page's own forms, which the
  // Origin check refuses; `same-origin` still sends nothing to the inbox or sandbox pages it links to.
  'Referrer-Policy': 'same-origin',
  'Content-Security-Policy': `default-src 'none'; style-src ${styleSource(DASHBOARD_STYLE)}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
};

export type PageResult = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string>; body: string };

/**
 * A whole dashboard page; `refresh` reloads it on its own (its own URL, or `url`), so a page kept
 * open follows the runs. Links never carry a fragment: a refresh of a URL with one only scrolls.
 */
export function page(
  title: string,
  content: SafeHtml,
  options: { status?: number; refresh?: { seconds: number; url?: string }; setCookie?: string } = {},
): PageResult {
  const { refresh } = options;
  const meta =
    refresh === undefined
      ? html``
      : html`<meta http-equiv="refresh" content="${refresh.url ? `${refresh.seconds}; url=${refresh.url}` : refresh.seconds}">\n`;
  const main = html`<main class="wide">
${content}
</main>
`;
  const body = htmlDocument({ title, style: DASHBOARD_STYLE, main, head: meta });
  return {
    statusCode: options.status ?? 200,
    headers: { ...DASHBOARD_HEADERS, ...(options.setCookie ? { 'Set-Cookie': options.setCookie } : {}) },
    body,
  };
}

/** A plain page for a refused or failed request: what happened and the way back. */
export function problemPage(status: number, heading: string, text: string, back: string): PageResult {
  return page(
    heading,
    html`<section class="card error"><h1>${heading}</h1><p>${text}</p><p><a href="${back}">Back to the dashboard</a></p></section>`,
    { status },
  );
}

/** After a POST: back to the dashboard (303, so a reload does not send the form again). */
export function seeOther(location: string): PageResult {
  return { statusCode: 303, headers: { Location: location, 'Cache-Control': 'no-store' }, body: '' };
}
