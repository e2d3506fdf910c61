import { html, type Reply, text } from '../kit/http';

/**
 * Trakt's answers: JSON (`application/json; charset=utf-8`), mostly empty bodies on errors, and
 * `X-Runtime` / `X-Request-Id` on everything Trakt's application served. Pages of the CDN in
 * front of it (blocked requests, origin errors) lack those two headers: that is how a client
 * tells them apart.
 */

/** A reply the CDN produced: no application headers. */
export interface TraktReply extends Reply {
  readonly edge?: true;
}

export function empty(status: number, headers: Readonly<Record<string, string>> = {}): Reply {
  return { status, headers, body: '' };
}

/** 403 for an unknown client id or a removed app: plain text, as Trakt sends it. */
export function forbidden(): Reply {
  return text(403, 'Forbidden');
}

export const UPGRADE_URL = 'https://trakt.tv/vip';

/** 420: an account limit (plays, ratings) would be exceeded. */
export function accountLimit(limit: number, vip: boolean): Reply {
  return empty(420, { 'X-Account-Limit': String(limit), 'X-VIP-User': String(vip), 'X-Upgrade-URL': UPGRADE_URL });
}

/** The CDN's request id on its pages; one fixed value keeps the pages deterministic. */
const RAY_ID = '8f1e2d3c4b5a6978-AMS';

function edgePage(status: number, title: string, message: string): TraktReply {
  const body = `<!DOCTYPE html>
<html lang="en-US">
<head><meta charset="UTF-8"><title>${title}</title></head>
<body>
  <div id="cf-wrapper">
    <h1>${title}</h1>
    <p>${message}</p>
    <p>Cloudflare Ray ID: <strong>${RAY_ID}</strong></p>
  </div>
</body>
</html>`;
  return { ...html(status, body, { Server: 'cloudflare', 'CF-RAY': RAY_ID }), edge: true };
}

/** The CDN's "you have been blocked" page (a request without User-Agent, a WAF rule). */
export function blockedPage(status = 403): TraktReply {
  return edgePage(
    status,
    'Attention Required! | Cloudflare',
    'Sorry, you have been blocked. This website is using a security service to protect itself from online attacks.',
  );
}

export const BLOCKED_PAGE_HTML = blockedPage().body!;

const EDGE_ERRORS: Readonly<Record<number, string>> = {
  502: 'Bad gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway time-out',
  520: 'Web server is returning an unknown error',
  521: 'Web server is down',
  522: 'Connection timed out',
  523: 'Origin is unreachable',
  524: 'A timeout occurred',
};

/** The CDN's page for an origin error (502–504, 520–524); undefined for other statuses. */
export function edgeErrorPage(status: number): TraktReply | undefined {
  const title = EDGE_ERRORS[status];
  return title
    ? edgePage(status, `Error ${status}: ${title}`, `${title}. Please try again in a few minutes.`)
    : undefined;
}

/** `X-Request-Id` values: deterministic, one per answer. */
export class RequestIds {
  private next = 0;
  take(): string {
    this.next += 1;
    return `00000000-0000-4000-8000-${this.next.toString(16).padStart(12, '0')}`;
  }
}

/** Adds what every answer of Trakt's application carries (not the CDN's pages). */
export function withAppHeaders(reply: TraktReply, ids: RequestIds): Reply {
  if (reply.edge) return reply;
  return {
    ...reply,
    headers: { Server: 'cloudflare', 'X-Runtime': '0.012345', 'X-Request-Id': ids.take(), ...reply.headers },
  };
}

// ---- pagination ----

export interface PageRequest {
  readonly page: number;
  readonly limit: number;
}

function wholeParam(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 ? n : undefined;
}

/** `page` from 1; `limit` defaulted, then clamped to `maxLimit` (Trakt clamps, it does not refuse). */
export function pageRequest(params: URLSearchParams, defaultLimit: number, maxLimit: number): PageRequest {
  const limit = Math.min(wholeParam(params.get('limit')) ?? defaultLimit, maxLimit);
  return { page: wholeParam(params.get('page')) ?? 1, limit };
}

export function hasPageParams(params: URLSearchParams): boolean {
  return params.has('page') || params.has('limit');
}

/** One page of `items` and its `X-Pagination-*` headers. */
export function paginate<T>(items: readonly T[], request: PageRequest): { page: T[]; headers: Record<string, string> } {
  const start = (request.page - 1) * request.limit;
  return {
    page: items.slice(start, start + request.limit),
    headers: {
      'X-Pagination-Page': String(request.page),
      'X-Pagination-Limit': String(request.limit),
      'X-Pagination-Page-Count': String(Math.ceil(items.length / request.limit)),
      'X-Pagination-Item-Count': String(items.length),
    },
  };
}
