import { htmlDocument, PAGE_STYLE, styleSource } from '../../../shared/auth/pages';
import { formatUtc, html, SafeHtml } from '../../../shared/mail/html';
import { html as htmlReply, type Reply, text } from './http';

/**
 * The pages a person opens on a sandbox (landing pages, list pages, consent pages): the callback
 * pages' look (`PAGE_STYLE`) plus the few rules tables, links and buttons need, in both colour schemes.
 */
const SANDBOX_RULES = `
main.wide{max-width:960px}
h2{font-size:18px;margin:20px 0 8px}
a{color:#0969da}
.tag{display:inline-block;font-size:12px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:#9a6700;border:1px solid currentColor;border-radius:999px;padding:0 8px;margin-bottom:8px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0 0 16px}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
.table{overflow-x:auto;margin:0 0 12px}
table{border-collapse:collapse;width:100%;font-size:15px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #d8dde3;vertical-align:top}
th{font-size:13px;color:#57606a}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.private{font-size:12px;color:#57606a;border:1px solid #d8dde3;border-radius:4px;padding:0 4px;margin-left:6px}
form{margin:16px 0 0}
button{font:inherit;padding:8px 20px;margin-right:12px;border-radius:6px;border:1px solid #d8dde3;background:#f6f8fa;color:inherit;cursor:pointer}
button[value="approve"]{background:#1a7f37;border-color:#1a7f37;color:#fff}
@media (prefers-color-scheme:dark){a{color:#4493f8}.tag{color:#d29922}th,td{border-color:#30363d}th,.private{color:#8d96a0}.private{border-color:#30363d}button{background:#21262d;border-color:#30363d}button[value="approve"]{background:#238636;border-color:#238636}}
`.trim();

/** The one style block of every sandbox page; the CSP allows exactly this block by its hash. */
export const SANDBOX_PAGE_STYLE = `${PAGE_STYLE}\n${SANDBOX_RULES}`;
const STYLE_SOURCE = styleSource(SANDBOX_PAGE_STYLE);

/**
 * No script at all, this style block only. A page with a form leaves `form-action` out: the consent
 * form's answer redirects to the app's callback on another port, which `form-action 'self'` would block.
 */
function csp(hasForm: boolean): string {
  const formAction = hasForm ? '' : " form-action 'none';";
  return `default-src 'none'; style-src ${STYLE_SOURCE}; base-uri 'none';${formAction} frame-ancestors 'none'`;
}

export interface SandboxPage {
  readonly title: string;
  /** The card's content, escaped already (built with `html` or the kit's `escapeHtml`). */
  readonly body: SafeHtml;
  /** Room for a table. */
  readonly wide?: boolean;
  readonly hasForm?: boolean;
  readonly status?: number;
}

/** A complete HTML page of a sandbox, with its security headers. */
export function sandboxPage(page: SandboxPage): Reply {
  const main = html`<main${page.wide ? new SafeHtml(' class="wide"') : ''}><div class="card">
<div class="tag">Local sandbox</div>
${page.body}
</div></main>
`;
  const body = htmlDocument({ title: page.title, style: SANDBOX_PAGE_STYLE, main });
  return htmlReply(page.status ?? 200, body, {
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': csp(page.hasForm === true),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
}

/** "Last changed": one date format everywhere (`formatUtc`), or plain words when nothing changed yet. */
export function changedText(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? 'no entries yet' : formatUtc(new Date(ms));
}

/** "1 entry" / "27 entries". */
export function countText(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** What a sandbox says about itself at the top of its landing page. */
export function standInIntro(service: string, realSite: string): SafeHtml {
  return html`<h1>${service} sandbox</h1>
<p>A local stand-in for ${service} (<code>${realSite}</code>), started by the mirror on this computer so you can try it without an account. Nothing here leaves this machine: no request reaches the real ${service}, and the list lives in memory until the sandbox stops.</p>`;
}

/** Browsers ask every server for an icon; the sandboxes have none, and the request must not reach their APIs. */
export function isFaviconRequest(method: string, path: string): boolean {
  return method === 'GET' && path === '/favicon.ico';
}

export const NO_FAVICON: Reply = text(404, 'no icon');

/** A browser navigating asks for `text/html`; API clients ask for JSON or anything (`*\/*`). */
export function wantsHtml(accept: string | undefined): boolean {
  return /\btext\/html\b/i.test(accept ?? '');
}

/** GET or HEAD: the methods a page answers. */
export function isPageRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}
