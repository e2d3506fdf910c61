import { type FaultQueue, serveWithFault } from '../kit/faults';
import { BodyTooLargeError, type Exchange, type Handler, type Reply, readBody, write } from '../kit/http';
import { isFaviconRequest, isPageRead, NO_FAVICON } from '../kit/page';
import { apiReply, checkApiAuth, LIST_PATH, ME_PATH } from './api-routes';
import type { MalContext } from './context';
import { MAL_FAULT_LOOK, type MalFaultRoute } from './faults';
import { landingPage, listPagePath, publicListPage } from './list-page';
import { MANGA_LIST_PATH, MANGA_WRITE_PATH, mangaApiReply } from './manga';
import { AUTHORIZE_PATH, oauthReply, TOKEN_PATH } from './oauth-routes';
import { malError, notFound } from './replies';

export interface MalSandboxCounters {
  requests: number;
  api: number;
  oauth: number;
  /** Keyed like `PATCH /v2/anime/:id/my_list_status`. */
  byRoute: Record<string, number>;
}

const MAX_BODY_BYTES = 1_000_000;

/** What a request is, for counting, fault matching and dispatch. */
interface Route {
  readonly key: string;
  readonly area: 'api' | 'oauth' | 'other';
  readonly fault?: MalFaultRoute;
  /** For `/v2/anime/:id/my_list_status`: the id, NaN when it is not one. */
  readonly animeId?: number;
  /** The manga list: `list` for `/v2/users/@me/mangalist`, else the id of `/v2/manga/:id/my_list_status`. */
  readonly manga?: 'list' | number;
}

function writeFault(method: string): MalFaultRoute | undefined {
  if (method === 'DELETE') return 'delete';
  return method === 'PATCH' || method === 'PUT' ? 'write' : undefined;
}

export function classify(method: string, path: string): Route {
  const key = `${method} ${path}`;
  if (path === AUTHORIZE_PATH) return { key, area: 'oauth', fault: 'authorize' };
  if (path === TOKEN_PATH) return { key, area: 'oauth', fault: 'token' };
  if (path.startsWith('/v1/oauth2/')) return { key, area: 'oauth' };
  if (path === ME_PATH) return { key, area: 'api', fault: 'me' };
  if (path === LIST_PATH) return { key, area: 'api', fault: 'list' };
  if (path === MANGA_LIST_PATH) return { key, area: 'api', fault: 'list', manga: 'list' };
  const mangaWrite = MANGA_WRITE_PATH.exec(path);
  if (mangaWrite) {
    const mangaId = /^[1-9]\d{0,9}$/.test(mangaWrite[1]!) ? Number(mangaWrite[1]) : Number.NaN;
    return { key: `${method} /v2/manga/:id/my_list_status`, area: 'api', fault: writeFault(method), manga: mangaId };
  }
  const write = /^\/v2\/anime\/([^/]+)\/my_list_status$/.exec(path);
  if (write) {
    const animeId = /^[1-9]\d{0,9}$/.test(write[1]!) ? Number(write[1]) : Number.NaN;
    return { key: `${method} /v2/anime/:id/my_list_status`, area: 'api', fault: writeFault(method), animeId };
  }
  return { key, area: path.startsWith('/v2/') ? 'api' : 'other' };
}

export function emptyCounters(): MalSandboxCounters {
  return { requests: 0, api: 0, oauth: 0, byRoute: {} };
}

export function resetCounters(counters: MalSandboxCounters): void {
  counters.requests = 0;
  counters.api = 0;
  counters.oauth = 0;
  for (const key of Object.keys(counters.byRoute)) delete counters.byRoute[key];
}

function count(counters: MalSandboxCounters, route: Route): void {
  counters.requests += 1;
  if (route.area === 'api') counters.api += 1;
  if (route.area === 'oauth') counters.oauth += 1;
  counters.byRoute[route.key] = (counters.byRoute[route.key] ?? 0) + 1;
}

function dispatch(ctx: MalContext, exchange: Exchange, route: Route, body: string): Reply {
  if (route.area === 'oauth') return oauthReply(ctx, exchange, body);
  if (route.area === 'api' && route.manga !== undefined) {
    // Same authorization as every API call; then the manga list's own routes.
    const denied = checkApiAuth(ctx, exchange.req);
    if (denied) return denied;
    const mangaId = route.manga === 'list' ? undefined : route.manga;
    return mangaApiReply(ctx.manga, ctx.clock, ctx.origin(), exchange, mangaId, body);
  }
  if (route.area === 'api') return apiReply(ctx, exchange, route.animeId, body);
  return notFound();
}

/** Pages for people (not MAL's API): they neither count nor meet faults. Undefined for any other request. */
function pageReply(ctx: MalContext, exchange: Exchange): Reply | undefined {
  const { method } = exchange;
  const path = exchange.url.pathname;
  if (isFaviconRequest(method, path)) return NO_FAVICON;
  if (!isPageRead(method)) return undefined;
  if (path === '/') return landingPage(ctx);
  return path === listPagePath(ctx.user.name) ? publicListPage(ctx) : undefined;
}

/** Every MAL request: counted, its body read, then faulted or dispatched. */
export function malHandler(ctx: MalContext, faults: FaultQueue<MalFaultRoute>, counters: MalSandboxCounters): Handler {
  return async (exchange) => {
    const page = pageReply(ctx, exchange);
    if (page) {
      write(exchange.res, page);
      return;
    }
    const route = classify(exchange.method, exchange.url.pathname);
    count(counters, route);
    let body: string;
    try {
      body = await readBody(exchange.req, MAX_BODY_BYTES);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      write(exchange.res, malError(413, 'request body too large'));
      return;
    }
    const fault = faults.take(route.fault ? [route.fault] : []);
    await serveWithFault(exchange, fault, MAL_FAULT_LOOK, () => dispatch(ctx, exchange, route, body));
  };
}
