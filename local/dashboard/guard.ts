import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isLoopbackHost } from '../config';

/** The cookie that carries the dashboard's key once its link was opened (see `readAccess`). */
const KEY_COOKIE = 'mirror_dashboard_key';
/** The hidden form field every POST must carry. */
export const CSRF_FIELD = 'csrf';

/**
 * Who may use the dashboard. A page another site opens in the same browser must not press its
 * buttons: every POST carries this start's CSRF token (from the page's own forms) and an Origin that
 * is the dashboard's, on a Host the dashboard answers to (a rebound DNS name is refused). On a
 * LOCAL_HOST other machines can reach, reading the page needs a key too, as the inbox does: the
 * page links to the inbox with its key.
 */
export interface DashboardGuard {
  readonly csrfToken: string;
  /** The query string of the dashboard's link (`?key=…`), empty on loopback. */
  readonly linkQuery: string;
  /** Undefined: the request may read; otherwise why not. `setCookie` keeps the key for the page's links. */
  readRefusal(event: APIGatewayProxyEventV2): string | undefined;
  setCookie(event: APIGatewayProxyEventV2): string | undefined;
  /** Undefined: the POST may act; otherwise why it is refused, in words. */
  postRefusal(event: APIGatewayProxyEventV2, form: URLSearchParams): string | undefined;
}

export function createDashboardGuard(options: { host: string; port: number }): DashboardGuard {
  const csrfToken = randomBytes(24).toString('base64url');
  const loopback = isLoopbackHost(options.host);
  const key = loopback ? undefined : randomBytes(18).toString('base64url');
  const keyFromQuery = (event: APIGatewayProxyEventV2) => event.queryStringParameters?.key;
  const hasKey = (event: APIGatewayProxyEventV2) =>
    key === undefined ||
    sameSecret(keyFromQuery(event) ?? '', key) ||
    sameSecret(cookieOf(event, KEY_COOKIE) ?? '', key);
  const hostRefusal = (event: APIGatewayProxyEventV2) => {
    const host = event.headers.host ?? '';
    // On loopback the name must be a loopback one: a page on a rebound name (evil.example → 127.0.0.1) is refused.
    if (loopback && !isLoopbackHostHeader(host, options.port)) return `the Host "${host}" is not this machine`;
    return undefined;
  };
  return {
    csrfToken,
    linkQuery: key ? `?key=${key}` : '',
    readRefusal: (event) =>
      hostRefusal(event) ??
      (hasKey(event) ? undefined : 'this dashboard needs its key: open the link npm start printed'),
    setCookie: (event) =>
      key && sameSecret(keyFromQuery(event) ?? '', key)
        ? `${KEY_COOKIE}=${key}; HttpOnly; SameSite=Strict; Path=/`
        : undefined,
    postRefusal(event, form) {
      const hostProblem = hostRefusal(event);
      if (hostProblem) return hostProblem;
      if (!hasKey(event)) return 'this dashboard needs its key: open the link npm start printed';
      const origin = event.headers.origin;
      if (origin !== `http://${event.headers.host ?? ''}`) return 'the request did not come from this dashboard';
      if (!sameSecret(form.get(CSRF_FIELD) ?? '', csrfToken)) {
        return 'the form is from an earlier start of npm start, or not from this dashboard: reload the page and try again';
      }
      return undefined;
    },
  };
}

/** `127.0.0.1:3000`, `localhost:3000`, `[::1]:3000` at the dashboard's own port. */
function isLoopbackHostHeader(host: string, port: number): boolean {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(host);
  if (!match || Number(match[2]) !== port) return false;
  return isLoopbackHost(match[1]!.replace(/^\[|\]$/g, ''));
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieOf(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const header = [...(event.cookies ?? []), ...(event.headers.cookie ?? '').split(';')];
  for (const part of header) {
    const [k, ...value] = part.trim().split('=');
    if (k === name) return value.join('=');
  }
  return undefined;
}
