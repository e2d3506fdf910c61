import type { FaultLook, FaultSpec, Faults } from '../kit/faults';
import type { Reply } from '../kit/http';
import type { TraktContext } from './context';
import { BLOCKED_PAGE_HTML, edgeErrorPage, empty, UPGRADE_URL, withAppHeaders } from './replies';

/**
 * Which requests a fault applies to (besides `'any'`): `api` and `auth` take every request of
 * their host; the others one route each.
 */
const TRAKT_FAULT_ROUTES = [
  'api',
  'auth',
  'search',
  'seasons',
  'settings',
  'last_activities',
  'history',
  'history_add',
  'history_remove',
  'ratings',
  'ratings_add',
  'ratings_remove',
  'watched',
  'authorize',
  'token',
  'revoke',
  'device_code',
  'device_token',
  'activate',
] as const;

export type TraktFaultRoute = (typeof TRAKT_FAULT_ROUTES)[number];

const ROUTES: ReadonlySet<string> = new Set(TRAKT_FAULT_ROUTES);

export function isTraktFaultRoute(route: string): route is TraktFaultRoute {
  return ROUTES.has(route);
}

/**
 * The kit's fault spec on Trakt's routes. Status kinds look like Trakt:
 * - `420`: `X-Account-Limit`, `X-VIP-User`, `X-Upgrade-URL`;
 * - `423`: a locked account, `X-Account-Locked: true` and `X-Account-Deactivated: false`;
 * - `426`: VIP only, `X-Upgrade-URL`;
 * - `429`: `Retry-After` (`retryAfterSeconds`, default 1) and the `X-Ratelimit` JSON header;
 * - `500`: `X-Error-Message` (`message`, default "Internal Server Error");
 * - `502`–`504`, `520`–`524`: the CDN's HTML error page, without Trakt's `X-Runtime`;
 * - any other status: an empty body.
 * `'html'` is the CDN's "Sorry, you have been blocked" page (default status 403). A `'lost'`
 * answer (the request applied first) is a reset, or one of the statuses above.
 */
export type TraktFaultSpec = FaultSpec<TraktFaultRoute>;
export type TraktFaults = Faults<TraktFaultRoute>;

function statusReply(ctx: TraktContext, status: number, fault: FaultSpec): Reply {
  const page = edgeErrorPage(status);
  if (page) return page;
  switch (status) {
    case 420:
      return empty(420, { 'X-Account-Limit': '100000', 'X-VIP-User': 'false', 'X-Upgrade-URL': UPGRADE_URL });
    case 423:
      return empty(423, { 'X-Account-Locked': 'true', 'X-Account-Deactivated': 'false' });
    case 426:
      return empty(426, { 'X-Upgrade-URL': UPGRADE_URL });
    case 429: {
      const retryAfter = fault.retryAfterSeconds ?? 1;
      const report = {
        name: 'AUTHED_API_POST_LIMIT',
        period: 1,
        limit: 1,
        remaining: 0,
        until: new Date(ctx.clock.now() + retryAfter * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      return empty(429, {
        'Retry-After': String(retryAfter),
        ...(ctx.settings.rateLimits?.xRatelimitHeader !== false ? { 'X-Ratelimit': JSON.stringify(report) } : {}),
      });
    }
    case 500:
      return empty(500, { 'X-Error-Message': fault.message ?? 'Internal Server Error' });
    default:
      return empty(status);
  }
}

export function traktFaultLook(ctx: TraktContext): FaultLook {
  return {
    statusReply: (status, fault) => withAppHeaders(statusReply(ctx, status, fault), ctx.requestIds),
    blockPage: BLOCKED_PAGE_HTML,
  };
}
