import type { IncomingMessage } from 'node:http';
import { type Exchange, json, mediaType, type Reply } from '../kit/http';
import type { MalContext } from './context';
import { nodeOf, parseFieldsParam, projectListStatus, readWriteForm } from './fields';
import { badRequest, methodNotAllowed, notFound } from './replies';
import { malDateTime, type StoredEntry } from './store';

/** MAL's API v2 (`/v2/...`): the user, the list reads, and the writes of one list entry. */

export const ME_PATH = '/v2/users/@me';
export const LIST_PATH = '/v2/users/@me/animelist';
const MAX_LIMIT = 1000;
const LIST_STATUSES = ['watching', 'completed', 'on_hold', 'dropped', 'plan_to_watch'];

const SORTS: Record<string, (a: StoredEntry, b: StoredEntry) => number> = {
  list_score: (a, b) => b.listStatus.score - a.listStatus.score || a.node.id - b.node.id,
  list_updated_at: (a, b) => b.listStatus.updated_at.localeCompare(a.listStatus.updated_at) || a.node.id - b.node.id,
  anime_title: (a, b) => a.node.title.localeCompare(b.node.title) || a.node.id - b.node.id,
  // The sandbox knows no start dates: keep list order.
  anime_start_date: () => 0,
  anime_id: (a, b) => a.node.id - b.node.id,
};

const ACCESS_DESCRIPTIONS = {
  expired: 'The access token expired',
  revoked: 'The access token has been revoked',
  missing: 'The access token is missing',
  unknown: 'The access token is invalid',
} as const;

/** Returns an error reply, or undefined when the caller may proceed. */
export function checkApiAuth(ctx: MalContext, req: IncomingMessage): Reply | undefined {
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  const clientId = req.headers['x-mal-client-id'];
  const clientIdNeeded = bearer === undefined || ctx.options.requireClientIdWithBearer === true;
  if (clientId === undefined ? clientIdNeeded : clientId !== ctx.options.clientId) {
    return badRequest('invalid client id');
  }
  const state = ctx.oauth.checkAccess(bearer === '' ? undefined : bearer);
  if (state === 'valid') return undefined;
  return json(
    401,
    { error: 'invalid_token' },
    { 'WWW-Authenticate': `Bearer error="invalid_token",error_description="${ACCESS_DESCRIPTIONS[state]}"` },
  );
}

function me(ctx: MalContext): Reply {
  return json(200, { id: ctx.user.id, name: ctx.user.name, location: '', joined_at: '2020-01-01T00:00:00+00:00' });
}

function pageUrl(ctx: MalContext, params: URLSearchParams, offset: number, limit: number): string {
  const next = new URLSearchParams(params);
  next.set('offset', String(offset));
  next.set('limit', String(limit));
  return `${ctx.origin()}${LIST_PATH}?${next.toString()}`;
}

interface ListQuery {
  readonly limit: number;
  readonly offset: number;
  readonly status: string | null;
  readonly comparator: ((a: StoredEntry, b: StoredEntry) => number) | undefined;
  readonly nsfw: boolean;
}

/** The query's paging, status filter and sort, or the 400 MAL gives for a bad one. */
function listQuery(ctx: MalContext, params: URLSearchParams): ListQuery | Reply {
  const limitRaw = params.get('limit');
  const offsetRaw = params.get('offset');
  const limit = limitRaw === null ? (ctx.options.defaultLimit ?? 100) : Number(limitRaw);
  const offset = offsetRaw === null ? 0 : Number(offsetRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return badRequest('invalid limit');
  if (!Number.isInteger(offset) || offset < 0) return badRequest('invalid offset');
  const status = params.get('status');
  if (status !== null && !LIST_STATUSES.includes(status)) return badRequest('invalid status');
  const sort = params.get('sort');
  const comparator = sort === null ? undefined : SORTS[sort];
  if (sort !== null && comparator === undefined) return badRequest('invalid sort');
  const nsfw = params.get('nsfw') === 'true' || params.get('nsfw') === '1';
  return { limit, offset, status, comparator, nsfw };
}

function animelist(ctx: MalContext, params: URLSearchParams): Reply {
  const query = listQuery(ctx, params);
  if (!('limit' in query)) return query;
  const { limit, offset, status, comparator, nsfw } = query;
  let entries = [...ctx.store.entries.values()].filter(
    (e) => (nsfw || !e.node.nsfw) && (status === null || e.listStatus.status === status),
  );
  if (comparator) entries = entries.sort(comparator);

  const fields = parseFieldsParam(params.get('fields'));
  const includeListStatus =
    fields.has('list_status') || (params.get('fields') === null && (ctx.options.listStatusWithoutFields ?? true));
  const requested = fields.get('list_status') ?? new Set<string>();
  const paging: { previous?: string; next?: string } = {};
  if (offset > 0) paging.previous = pageUrl(ctx, params, Math.max(0, offset - limit), limit);
  if (offset + limit < entries.length) paging.next = pageUrl(ctx, params, offset + limit, limit);
  return json(200, {
    data: entries.slice(offset, offset + limit).map((e) => ({
      node: nodeOf(e.node, fields),
      ...(includeListStatus ? { list_status: projectListStatus(e.listStatus, requested) } : {}),
    })),
    paging,
  });
}

function newEntry(ctx: MalContext, animeId: number): StoredEntry | undefined {
  const known = ctx.store.anime(animeId);
  if (!known && ctx.options.unknownAnime === 'not_found') return undefined;
  return {
    node: known ?? { id: animeId, title: `Anime #${animeId}`, num_episodes: 0 },
    // UNCERTAIN at MAL: the status of an entry created without one. plan_to_watch changes nothing watched.
    listStatus: {
      status: 'plan_to_watch',
      score: 0,
      num_episodes_watched: 0,
      is_rewatching: false,
      num_times_rewatched: 0,
      comments: '',
      updated_at: '',
      priority: 0,
      rewatch_value: 0,
      tags: [],
    },
  };
}

function writeListStatus(ctx: MalContext, req: IncomingMessage, animeId: number, body: string): Reply {
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    return badRequest('invalid content type: send application/x-www-form-urlencoded');
  }
  const result = readWriteForm(new URLSearchParams(body), {
    acceptPartialDates: ctx.options.acceptPartialDates ?? false,
  });
  if (!result.ok) return badRequest(result.message);
  const entry = ctx.store.entries.get(animeId) ?? newEntry(ctx, animeId);
  if (!entry) return notFound();
  const { changes } = result;
  const maxEpisodes = entry.node.num_episodes;
  if (changes.num_episodes_watched !== undefined && maxEpisodes > 0 && changes.num_episodes_watched > maxEpisodes) {
    if (ctx.options.episodeOverflow === 'reject') return badRequest('invalid num_watched_episodes');
    if (ctx.options.episodeOverflow === 'clamp') changes.num_episodes_watched = maxEpisodes;
  }
  const next = { ...entry.listStatus, ...changes };
  // An empty date clears it: MAL then omits the field on reads.
  if (next.start_date === '') delete next.start_date;
  if (next.finish_date === '') delete next.finish_date;
  next.updated_at = malDateTime(ctx.clock.now());
  entry.listStatus = next;
  ctx.store.entries.set(animeId, entry);
  return json(200, projectListStatus(next, 'all'));
}

function deleteListStatus(ctx: MalContext, animeId: number): Reply {
  if (!ctx.store.delete(animeId)) return json(404, { error: 'not_found' });
  return json(200, []);
}

/** `animeId` is set for `/v2/anime/:id/my_list_status` (NaN when the id is not a number). */
export function apiReply(ctx: MalContext, exchange: Exchange, animeId: number | undefined, body: string): Reply {
  const { method, req } = exchange;
  const path = exchange.url.pathname;
  const denied = checkApiAuth(ctx, req);
  if (denied) return denied;
  if (path === ME_PATH) return method === 'GET' ? me(ctx) : methodNotAllowed();
  if (path === LIST_PATH) return method === 'GET' ? animelist(ctx, exchange.url.searchParams) : methodNotAllowed();
  if (animeId === undefined) return notFound();
  if (Number.isNaN(animeId)) return badRequest('invalid anime_id');
  if (method === 'PATCH' || method === 'PUT') return writeListStatus(ctx, req, animeId, body);
  if (method === 'DELETE') return deleteListStatus(ctx, animeId);
  return methodNotAllowed();
}
