import { bearerOf, type Exchange, type Reply } from '../kit/http';
import { type Json, Rejected } from './bodies';
import { search, seasons } from './catalogue-routes';
import type { TraktContext } from './context';
import type { TraktFaultRoute } from './faults';
import { checkApiHeaders } from './headers';
import { history, watched } from './history-read';
import { addHistory, removeHistory } from './history-write';
import { jsonObject } from './oauth-common';
import type { LimitName } from './rate-limit';
import { addRatings, ratings, removeRatings } from './ratings-routes';
import { empty } from './replies';
import { lastActivities, userSettings } from './user-routes';

/** The API host's routes, and the checks every call meets before its route serves it. */

interface ApiCall {
  /** The pattern's captures (undefined where an optional segment is absent). */
  readonly params: readonly (string | undefined)[];
  readonly query: URLSearchParams;
  /** POST bodies; `{}` for GET. */
  readonly body: Json;
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  /** How counters name it. */
  readonly key: string;
  readonly fault: TraktFaultRoute;
  /** Needs the user's token. */
  readonly locked: boolean;
  readonly serve: (ctx: TraktContext, call: ApiCall) => Reply;
}

const SEGMENT = '([^/]+)';

const API_ROUTES: readonly ApiRoute[] = [
  {
    method: 'GET',
    pattern: new RegExp(`^/search/${SEGMENT}/${SEGMENT}$`),
    key: 'GET /search/:id_type/:id',
    fault: 'search',
    locked: false,
    serve: (ctx, { params, query }) => search(ctx, params[0]!, decodeURIComponent(params[1]!), query),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/shows/${SEGMENT}/seasons$`),
    key: 'GET /shows/:id/seasons',
    fault: 'seasons',
    locked: false,
    serve: (ctx, { params, query }) => seasons(ctx, params[0]!, query),
  },
  {
    method: 'GET',
    pattern: /^\/users\/settings$/,
    key: 'GET /users/settings',
    fault: 'settings',
    locked: true,
    serve: (ctx) => userSettings(ctx),
  },
  {
    method: 'GET',
    pattern: /^\/sync\/last_activities$/,
    key: 'GET /sync/last_activities',
    fault: 'last_activities',
    locked: true,
    serve: (ctx) => lastActivities(ctx),
  },
  {
    method: 'POST',
    pattern: /^\/sync\/history$/,
    key: 'POST /sync/history',
    fault: 'history_add',
    locked: true,
    serve: (ctx, { body }) => addHistory(ctx, body),
  },
  {
    method: 'POST',
    pattern: /^\/sync\/history\/remove$/,
    key: 'POST /sync/history/remove',
    fault: 'history_remove',
    locked: true,
    serve: (ctx, { body }) => removeHistory(ctx, body),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/sync/history(?:/${SEGMENT}(?:/${SEGMENT})?)?$`),
    key: 'GET /sync/history',
    fault: 'history',
    locked: true,
    serve: (ctx, { params, query }) => history(ctx, params[0], params[1], query),
  },
  {
    method: 'POST',
    pattern: /^\/sync\/ratings$/,
    key: 'POST /sync/ratings',
    fault: 'ratings_add',
    locked: true,
    serve: (ctx, { body }) => addRatings(ctx, body),
  },
  {
    method: 'POST',
    pattern: /^\/sync\/ratings\/remove$/,
    key: 'POST /sync/ratings/remove',
    fault: 'ratings_remove',
    locked: true,
    serve: (ctx, { body }) => removeRatings(ctx, body),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/sync/ratings(?:/${SEGMENT}(?:/${SEGMENT})?)?$`),
    key: 'GET /sync/ratings',
    fault: 'ratings',
    locked: true,
    serve: (ctx, { params, query }) => ratings(ctx, params[0], params[1], query),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/sync/watched/${SEGMENT}$`),
    key: 'GET /sync/watched/:type',
    fault: 'watched',
    locked: true,
    serve: (ctx, { params, query }) => watched(ctx, params[0]!, query),
  },
];

export type ApiMatch =
  | { readonly route: ApiRoute; readonly params: readonly (string | undefined)[] }
  | {
      readonly route: undefined /** Some route has this path, with another method (405). */;
      readonly pathKnown: boolean;
    };

export function matchApiRoute(method: string, path: string): ApiMatch {
  let pathKnown = false;
  for (const route of API_ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method === method) return { route, params: match.slice(1) };
    pathKnown = true;
  }
  return { route: undefined, pathKnown };
}

const TOKEN_PROBLEMS: Readonly<Record<string, string>> = {
  unknown: 'The access token is invalid',
  expired: 'The access token expired',
  revoked: 'The access token was revoked',
  other_app: 'The access token was issued to another application',
};

function unauthorized(problem: string): Reply {
  const description = TOKEN_PROBLEMS[problem];
  const challenge = description
    ? `Bearer realm="Trakt API", error="invalid_token", error_description="${description}"`
    : 'Bearer realm="Trakt API"';
  return empty(401, { 'WWW-Authenticate': challenge });
}

function rateLimitName(method: string, user: boolean): LimitName {
  if (method !== 'GET') return 'AUTHED_API_POST_LIMIT';
  return user ? 'AUTHED_API_GET_LIMIT' : 'UNAUTHED_API_GET_LIMIT';
}

/** A call on the API host: headers, route, token, rate limit, body, then the route. */
export function apiReply(
  ctx: TraktContext,
  exchange: Exchange,
  match: ApiMatch,
  body: string,
  onRateLimited: () => void,
): Reply {
  const { method, req } = exchange;
  const verdict = checkApiHeaders(method, req.headers, {
    requireUserAgent: ctx.settings.requireUserAgent,
    app: (clientId) => ctx.apps.app(clientId),
  });
  if (!verdict.ok) return verdict.reply;
  if (exchange.url.pathname === '/') return empty(412);
  if (!match.route) return empty(match.pathKnown ? 405 : 404);
  const { route } = match;

  const bearer = bearerOf(req.headers);
  // A token sent to a public route must be good too: it personalises the answer.
  const user = bearer !== undefined || route.locked;
  if (user) {
    const check = ctx.apps.checkBearer(bearer, verdict.app.clientId);
    if (check !== 'valid') return unauthorized(check);
  }

  if (ctx.rateLimiter) {
    const identity = user ? `user:${ctx.settings.user.ids.slug}` : `app:${verdict.app.clientId}`;
    const decision = ctx.rateLimiter.take(rateLimitName(method, user), identity);
    if (!decision.ok) {
      onRateLimited();
      const report = ctx.settings.rateLimits?.xRatelimitHeader && decision.report;
      return empty(429, {
        'Retry-After': String(decision.retryAfterSeconds),
        ...(report ? { 'X-Ratelimit': JSON.stringify(report) } : {}),
      });
    }
  }

  let parsed: Json = {};
  if (route.method === 'POST') {
    const object = jsonObject(body);
    if (!object) return empty(400);
    parsed = object;
  }
  try {
    return route.serve(ctx, { params: match.params, query: exchange.url.searchParams, body: parsed });
  } catch (err) {
    if (err instanceof Rejected) return err.reply;
    throw err;
  }
}
