import { type AccessTokenProvider, ReauthRequiredError } from '../../auth/tokens';
import { systemClock } from '../../clock';
import { NetworkError } from '../../errors';
import {
  DEFAULT_RETRY_POLICY,
  type HttpOptions,
  httpOptionsFrom,
  type RetryPolicy,
  sendWithPolicy,
  type TransportOptions,
} from '../../http/policy';
import { TRAKT_API_URL, TRAKT_USER_AGENT } from './constants';
import { type ResponseParts, TraktApiError, TraktUncertainWriteError, traktErrorFromResponse } from './errors';
import type {
  HistoryBody,
  HistoryWriteResult,
  RatingsBody,
  TraktActivities,
  TraktHistoryItem,
  TraktRatingItem,
  TraktSearchResult,
  TraktSeason,
} from './types';

/** Trakt's page size maximum (larger values are clamped): fewest pages for a whole history. */
export const TRAKT_PAGE_LIMIT = 250;

/**
 * Reads and idempotent writes (ratings): 429 with Retry-After and outages are retried, Cloudflare's
 * 520–524 too. 401 goes back at once (one token refresh fixes it, waiting never does).
 */
export const TRAKT_RETRY_POLICY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  doNotRetry: [400, 401, 403, 404, 409, 412, 420, 422, 423, 426],
  retryOn: [408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524],
};

export interface TraktClientOptions extends TransportOptions {
  readonly apiUrl?: string;
  readonly clientId: string;
  /** The user's tokens (every 🔒 call); public calls (search, seasons) work without. */
  readonly tokens: AccessTokenProvider;
  readonly userAgent?: string;
  /** GET pace: Trakt allows 1,000 per 5 minutes per user; 0 disables pacing. */
  readonly getsPerMinute?: number;
  /** POST pace: Trakt allows 1 per second per user; 0 disables pacing. */
  readonly postsPerMinute?: number;
}

export interface TraktClient {
  /** `GET /search/tmdb/{id}?type=…`: the show or movie Trakt keeps for a TMDB id. */
  searchTmdb(tmdbId: number, type: 'show' | 'movie'): Promise<TraktSearchResult[]>;
  /** `GET /shows/{id}/seasons?extended=episodes`: every season with its episodes (TMDB structure). */
  seasons(showId: number): Promise<TraktSeason[]>;
  /** `GET /users/settings`: the account the token belongs to. */
  settings(): Promise<{ username: string; vip: boolean }>;
  lastActivities(): Promise<TraktActivities>;
  /** Every play, newest first, page by page (`GET /sync/history[/{type}/{id}]`, 250 a page). */
  history(scope?: { type: 'shows' | 'movies'; id: number }): AsyncIterable<TraktHistoryItem[]>;
  /** Every rating this account gave (`GET /sync/ratings/all`, paged). */
  ratings(): AsyncIterable<TraktRatingItem[]>;
  /** Adds plays. Throws `TraktUncertainWriteError` when the request may have been applied anyway. */
  addHistory(body: HistoryBody): Promise<HistoryWriteResult>;
  removeHistory(body: HistoryBody): Promise<HistoryWriteResult>;
  addRatings(body: RatingsBody): Promise<void>;
  removeRatings(body: RatingsBody): Promise<void>;
}

interface CallOptions {
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  readonly http: HttpOptions;
  /** Send the user's bearer token (and refresh it once on 401). */
  readonly auth: boolean;
}

export function createTraktClient(options: TraktClientOptions): TraktClient {
  const apiUrl = (options.apiUrl ?? TRAKT_API_URL).replace(/\/+$/, '');
  const clock = options.clock ?? systemClock;
  const retry = options.retry ?? TRAKT_RETRY_POLICY;
  // Separate pacers: Trakt counts GETs and POSTs in separate budgets.
  const gets = httpOptionsFrom(options, { retry, requestsPerMinute: options.getsPerMinute ?? 180 }, clock);
  const posts = httpOptionsFrom(
    { ...options, retry },
    { retry, requestsPerMinute: options.postsPerMinute ?? 60 },
    clock,
  );
  // History writes are never retried by the transport: Trakt appends a play per request and never
  // de-duplicates, and a request whose answer was lost (or came back 429/5xx) may have been applied.
  // The destination re-reads the history before it sends anything again.
  const historyWrites: HttpOptions = { ...posts, retry: { ...retry, maxAttempts: 1 } };

  async function send(method: string, path: string, call: CallOptions, token?: string): Promise<ResponseParts> {
    const url = new URL(`${apiUrl}${path}`);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': options.userAgent ?? TRAKT_USER_AGENT,
      'trakt-api-key': options.clientId,
      'trakt-api-version': '2',
    };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init: RequestInit = {
      method,
      headers,
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    };
    const response = await sendWithPolicy('trakt', url.toString(), init, call.http);
    return { status: response.status, headers: response.headers, bodyText: await response.text() };
  }

  /** A call; a 401 on an authenticated one gets one token refresh and one more try. */
  async function call(method: string, path: string, options2: CallOptions): Promise<ResponseParts> {
    if (!options2.auth) return send(method, path, options2);
    const token = await options.tokens.get();
    const first = await send(method, path, options2, token);
    if (first.status !== 401) return first;
    const fresh = await options.tokens.refresh(token);
    const second = await send(method, path, options2, fresh);
    if (second.status !== 401) return second;
    // A token Trakt has just issued is refused too: access was revoked (or the app removed).
    throw new ReauthRequiredError('invalid_grant', 'Trakt refuses the freshly refreshed access token (HTTP 401)');
  }

  async function json<T>(operation: string, response: ResponseParts): Promise<T> {
    if (response.status < 200 || response.status > 299) {
      throw traktErrorFromResponse(operation, response, clock.now());
    }
    try {
      return (response.bodyText.trim() === '' ? null : JSON.parse(response.bodyText)) as T;
    } catch (cause) {
      throw new TraktApiError(
        'trakt_bad_response',
        `Trakt ${operation} answered HTTP ${response.status} with a body that is not JSON`,
        { status: response.status, retryable: true },
        { cause },
      );
    }
  }

  async function* paged<T>(path: string, query: Record<string, string> = {}): AsyncIterable<T[]> {
    for (let page = 1; ; page++) {
      const response = await call('GET', path, {
        query: { ...query, page: String(page), limit: String(TRAKT_PAGE_LIMIT) },
        http: gets,
        auth: true,
      });
      const items = await json<T[]>(`GET ${path}`, response);
      if (!Array.isArray(items)) {
        throw new TraktApiError('trakt_bad_response', `Trakt GET ${path} did not answer a list`, {
          status: response.status,
          retryable: true,
        });
      }
      yield items;
      // Walk the page count Trakt states for the limit it applied (it clamps larger limits).
      const pageCount = Number(response.headers.get('x-pagination-page-count') ?? '1');
      if (!Number.isFinite(pageCount) || page >= pageCount || items.length === 0) return;
    }
  }

  async function historyWrite(path: string, body: HistoryBody): Promise<HistoryWriteResult> {
    let response: ResponseParts;
    try {
      response = await call('POST', path, { body, http: historyWrites, auth: true });
    } catch (err) {
      if (err instanceof NetworkError) {
        throw new TraktUncertainWriteError(`Trakt POST ${path}: no answer, so it may have been applied`, {
          cause: err,
        });
      }
      throw err;
    }
    if (response.status === 429 || response.status >= 500) {
      const error = traktErrorFromResponse(`POST ${path}`, response, clock.now());
      // A 429 can come before or after the request was applied; so can a gateway error.
      throw new TraktUncertainWriteError(`${error.message}; it may have been applied`, {
        cause: error,
        ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
      });
    }
    return parseHistoryResult(await json<unknown>(`POST ${path}`, response));
  }

  return {
    async searchTmdb(tmdbId, type) {
      const path = `/search/tmdb/${tmdbId}`;
      const response = await call('GET', path, { query: { type }, http: gets, auth: false });
      if (response.status === 404) return [];
      return json<TraktSearchResult[]>(`GET ${path}`, response);
    },

    async seasons(showId) {
      const path = `/shows/${showId}/seasons`;
      const response = await call('GET', path, { query: { extended: 'episodes' }, http: gets, auth: false });
      return json<TraktSeason[]>(`GET ${path}`, response);
    },

    async settings() {
      const response = await call('GET', '/users/settings', { http: gets, auth: true });
      const body = await json<{ user?: { username?: unknown; vip?: unknown } }>('GET /users/settings', response);
      const username = body?.user?.username;
      if (typeof username !== 'string') {
        throw new TraktApiError('trakt_bad_response', 'Trakt GET /users/settings named no user', {
          status: response.status,
          retryable: true,
        });
      }
      return { username, vip: body?.user?.vip === true };
    },

    async lastActivities() {
      const response = await call('GET', '/sync/last_activities', { http: gets, auth: true });
      const body = await json<Record<string, Record<string, unknown> | undefined>>(
        'GET /sync/last_activities',
        response,
      );
      const at = (group: string, field: string) => {
        const value = body?.[group]?.[field];
        return typeof value === 'string' ? value : null;
      };
      const rated = ['shows', 'seasons', 'movies'].map((g) => at(g, 'rated_at') ?? '').sort();
      return {
        episodesWatchedAt: at('episodes', 'watched_at'),
        moviesWatchedAt: at('movies', 'watched_at'),
        ratedAt: rated.at(-1) || null,
      };
    },

    history: (scope) => paged<TraktHistoryItem>(scope ? `/sync/history/${scope.type}/${scope.id}` : '/sync/history'),

    ratings: () => paged<TraktRatingItem>('/sync/ratings/all'),

    addHistory: (body) => historyWrite('/sync/history', body),

    removeHistory: (body) => historyWrite('/sync/history/remove', body),

    async addRatings(body) {
      await json('POST /sync/ratings', await call('POST', '/sync/ratings', { body, http: posts, auth: true }));
    },

    async removeRatings(body) {
      await json(
        'POST /sync/ratings/remove',
        await call('POST', '/sync/ratings/remove', { body, http: posts, auth: true }),
      );
    },
  };
}

/**
 * `{added|deleted: {movies, episodes}, not_found: {shows, movies, episodes, …}}`: what Trakt says it
 * did, and the ids it did not know (the request objects echoed back).
 */
function parseHistoryResult(body: unknown): HistoryWriteResult {
  const b = (body ?? {}) as {
    added?: { movies?: unknown; episodes?: unknown };
    deleted?: { movies?: unknown; episodes?: unknown };
    not_found?: { shows?: unknown; movies?: unknown; episodes?: unknown };
  };
  const counts = b.added ?? b.deleted ?? {};
  const idsOf = (list: unknown) =>
    Array.isArray(list)
      ? list.flatMap((item) => {
          const id = (item as { ids?: { trakt?: unknown } })?.ids?.trakt;
          return typeof id === 'number' ? [id] : [];
        })
      : [];
  return {
    added: { movies: numberOr0(counts.movies), episodes: numberOr0(counts.episodes) },
    notFound: {
      shows: idsOf(b.not_found?.shows),
      movies: idsOf(b.not_found?.movies),
      episodes: Array.isArray(b.not_found?.episodes) ? b.not_found.episodes.length : 0,
    },
  };
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
