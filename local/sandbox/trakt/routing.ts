import { type FaultQueue, serveWithFault } from '../kit/faults';
import { BodyTooLargeError, type Exchange, type Handler, type Reply, readBody, write } from '../kit/http';
import { type ApiMatch, apiReply, matchApiRoute } from './api-routes';
import type { TraktContext } from './context';
import { type TraktFaultRoute, traktFaultLook } from './faults';
import { traktPageReply } from './landing-page';
import {
  ACTIVATE_PATH,
  AUTHORIZE_PATH,
  DEVICE_CODE_PATH,
  DEVICE_TOKEN_PATH,
  REVOKE_PATH,
  TOKEN_PATH,
} from './oauth-common';
import { oauthReply } from './oauth-routes';
import { empty, withAppHeaders } from './replies';

/** Both hosts' requests: classified, counted, faulted or dispatched. */

export type TraktHost = 'api' | 'auth';

export interface TraktSandboxCounters {
  /** Every request but the `/_sandbox/*` control requests. */
  requests: number;
  api: number;
  auth: number;
  /** Calls refused by the rate limiter (not 429 faults). */
  rateLimited: number;
  /** Keyed like `POST /sync/history` or `GET /shows/:id/seasons`; OAuth on the API host ends in `(api host)`. */
  byRoute: Record<string, number>;
}

export function emptyCounters(): TraktSandboxCounters {
  return { requests: 0, api: 0, auth: 0, rateLimited: 0, byRoute: {} };
}

export function resetCounters(counters: TraktSandboxCounters): void {
  counters.requests = 0;
  counters.api = 0;
  counters.auth = 0;
  counters.rateLimited = 0;
  for (const key of Object.keys(counters.byRoute)) delete counters.byRoute[key];
}

const OAUTH_FAULTS: Readonly<Record<string, TraktFaultRoute>> = {
  [AUTHORIZE_PATH]: 'authorize',
  [TOKEN_PATH]: 'token',
  [REVOKE_PATH]: 'revoke',
  [DEVICE_CODE_PATH]: 'device_code',
  [DEVICE_TOKEN_PATH]: 'device_token',
};

interface Classified {
  readonly key: string;
  /** The faults that may take it, the route's own first. */
  readonly faults: readonly TraktFaultRoute[];
  readonly serve: 'oauth' | 'api' | 'none';
  readonly match?: ApiMatch;
}

function classify(host: TraktHost, method: string, path: string, legacyOAuth: boolean): Classified {
  const key = `${method} ${path}`;
  if (host === 'auth') {
    const fault = path === ACTIVATE_PATH ? 'activate' : OAUTH_FAULTS[path];
    return fault ? { key, faults: [fault, 'auth'], serve: 'oauth' } : { key, faults: ['auth'], serve: 'none' };
  }
  const legacy = legacyOAuth ? OAUTH_FAULTS[path] : undefined;
  if (legacy) return { key: `${key} (api host)`, faults: [legacy, 'api'], serve: 'oauth' };
  const match = matchApiRoute(method, path);
  if (!match.route) return { key, faults: ['api'], serve: 'api', match };
  return { key: match.route.key, faults: [match.route.fault, 'api'], serve: 'api', match };
}

const MAX_BODY_BYTES = 4_000_000;

function dispatch(
  ctx: TraktContext,
  exchange: Exchange,
  route: Classified,
  body: string,
  counters: TraktSandboxCounters,
): Reply {
  if (route.serve === 'oauth') return oauthReply(ctx, exchange, body);
  if (route.serve === 'none' || !route.match) return empty(404);
  return apiReply(ctx, exchange, route.match, body, () => {
    counters.rateLimited += 1;
  });
}

export function traktHandler(
  ctx: TraktContext,
  host: TraktHost,
  faults: FaultQueue<TraktFaultRoute>,
  counters: TraktSandboxCounters,
): Handler {
  const look = traktFaultLook(ctx);
  return async (exchange) => {
    // The landing page is for people, not Trakt's API: it neither counts nor meets faults.
    const page = traktPageReply(ctx, exchange.req, exchange.url.pathname);
    if (page) {
      write(exchange.res, page);
      return;
    }
    const route = classify(host, exchange.method, exchange.url.pathname, ctx.settings.legacyOAuthOnApiHost);
    counters.requests += 1;
    counters[host] += 1;
    counters.byRoute[route.key] = (counters.byRoute[route.key] ?? 0) + 1;
    let body: string;
    try {
      body = await readBody(exchange.req, MAX_BODY_BYTES);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      write(exchange.res, withAppHeaders(empty(413), ctx.requestIds));
      return;
    }
    const fault = faults.take(route.faults);
    await serveWithFault(exchange, fault, look, () =>
      withAppHeaders(dispatch(ctx, exchange, route, body, counters), ctx.requestIds),
    );
  };
}
