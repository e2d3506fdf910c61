import type { AccessTokenProvider } from '../../auth/tokens';
import { systemClock } from '../../clock';
import {
  DEFAULT_RETRY_POLICY,
  type HttpOptions,
  httpOptionsFrom,
  type RetryPolicy,
  sendWithPolicy,
  type TransportOptions,
} from '../../http/policy';
import { isInvalidTokenResponse, MalInvalidInputError, MalResponseError, malErrorFromResponse } from './errors';
import { encodeMangaWriteFields, encodeWriteFields } from './form';
import {
  parseJsonBody,
  parseListItem,
  parseListPage,
  parseListStatus,
  parseMangaListItem,
  parseMangaListStatus,
} from './parse';
import type {
  MalListEntry,
  MalListStatus,
  MalMangaListEntry,
  MalMangaListStatus,
  MalMangaWriteFields,
  MalTarget,
  MalWriteFields,
} from './types';

export const MAL_API_URL = 'https://api.myanimelist.net/v2';

/** Every `list_status` field the mirror compares or backs up. */
export const MAL_LIST_FIELDS =
  'list_status{status,score,num_episodes_watched,is_rewatching,num_times_rewatched,comments,start_date,finish_date,updated_at,priority,rewatch_value,tags}';

/** Every manga `list_status` field the mirror compares or backs up (MAL's v2 reference). */
export const MAL_MANGA_LIST_FIELDS =
  'list_status{status,score,num_volumes_read,num_chapters_read,is_rereading,num_times_reread,comments,start_date,finish_date,updated_at,priority,reread_value,tags}';
/** MAL's documented page maximum. */
export const MAL_PAGE_LIMIT = 1000;

/**
 * MAL documents no limit and sends no rate-limit headers. Its documented over-limit answer is
 * 403 "DoS detected"; 429 has been seen too. Both are retried, as are outages. 400/401/404 are
 * final, and so is a 403 naming `invalid_token` (`isFinal` below): 401/403 `invalid_token` are
 * handled above the policy, with one token refresh, then give up.
 */
export const MAL_RETRY_POLICY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  doNotRetry: [400, 401, 404, 405, 409, 412, 422],
  retryOn: [403, 408, 425, 429, 500, 502, 503, 504],
  baseDelayMs: 1_000,
};

/** MAL's throttling answers: 429, and 403 "forbidden"/DoS (a 403 naming `invalid_token` is final anyway). */
export const MAL_THROTTLE_STATUSES: readonly number[] = [403, 429];

/**
 * Writes are not retried when MAL throttles: the write fails at once (it stays in the retry list)
 * and the sync core's throttle breaker decides whether to go on, so that a throttling MAL gets a
 * few requests instead of four per write. Outages and network errors are still retried.
 */
export function withoutThrottleRetries(policy: RetryPolicy): RetryPolicy {
  return { ...policy, retryOn: policy.retryOn.filter((status) => !MAL_THROTTLE_STATUSES.includes(status)) };
}

/** A safety net against a server that keeps handing out `paging.next`: 200 pages = 200,000 entries. */
const MAX_PAGES = 200;

export interface MalClientOptions extends TransportOptions {
  readonly apiUrl?: string;
  readonly clientId: string;
  readonly tokens: AccessTokenProvider;
}

/** MAL's own response shape, several pages merged into one (backups, demo output). */
export interface MalRawAnimeList {
  readonly data: unknown[];
  readonly paging: Record<string, never>;
}

export interface MalClient extends Required<MalTarget> {
  /** Every page of `GET /users/@me/animelist` merged, exactly as MAL sent the items. */
  listAllRaw(): Promise<MalRawAnimeList>;
  /** Every page of `GET /users/@me/mangalist` merged, as MAL sent them (demo output). */
  listAllMangaRaw(): Promise<MalRawAnimeList>;
  /** The list page by page, as MAL sent it, with MAL's clock. */
  pages(query?: ListQuery): AsyncIterable<MalRawPage>;
}

export interface ListQuery {
  /** `list_updated_at`: the most recently updated entries first. */
  readonly sort?: 'list_updated_at';
  readonly limit?: number;
  readonly fields?: string;
}

export interface MalRawPage {
  readonly data: readonly unknown[];
  /** MAL's clock when it answered (its `Date` header), epoch ms. */
  readonly serverTime?: number;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly bodyText: string;
}

export function createMalClient(options: MalClientOptions): MalClient {
  const apiUrl = trimSlash(options.apiUrl ?? MAL_API_URL);
  const apiOrigin = new URL(apiUrl).origin;
  const clock = options.clock ?? systemClock;
  const http: HttpOptions = {
    ...httpOptionsFrom(options, { retry: MAL_RETRY_POLICY, requestsPerMinute: 60 }, clock),
    // Waiting does not revive a dead access token; the refresh in `userCall` does.
    isFinal: isInvalidTokenResponse,
  };
  // Same pacer and deadline: only the retry policy differs.
  const writes: HttpOptions = { ...http, retry: withoutThrottleRetries(http.retry) };

  async function sendOnce(method: string, url: string, token: string, body?: URLSearchParams): Promise<RawResponse> {
    const policy = method === 'GET' ? http : writes;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-MAL-CLIENT-ID': options.clientId,
      Authorization: `Bearer ${token}`,
    };
    if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const response = await sendWithPolicy(
      'mal',
      url,
      { method, headers, ...(body ? { body: body.toString() } : {}) },
      policy,
    );
    return { status: response.status, headers: response.headers, bodyText: await response.text() };
  }

  /** A user call: on `invalid_token`, one refresh (rotation-safe in the provider) and one more try. */
  async function userCall(method: string, url: string, body?: URLSearchParams): Promise<RawResponse> {
    const token = await options.tokens.get();
    const first = await sendOnce(method, url, token, body);
    if (!isInvalidTokenResponse(first)) return first;
    const fresh = await options.tokens.refresh(token);
    return sendOnce(method, url, fresh, body);
  }

  function fail(operation: string, response: RawResponse): never {
    throw malErrorFromResponse(operation, response, clock.now());
  }

  /**
   * The pages of `GET /users/@me/animelist`, raw, each with MAL's clock (its `Date` header), so a
   * caller can stop early (the MAL source reads the newest changes only).
   */
  function pages(query: ListQuery = {}): AsyncIterable<MalRawPage> {
    return listPages('animelist', { fields: MAL_LIST_FIELDS, ...query });
  }

  /** The pages of `GET /users/@me/<list>` (`animelist` or `mangalist`). */
  async function* listPages(list: 'animelist' | 'mangalist', query: ListQuery): AsyncIterable<MalRawPage> {
    const first = new URL(`${apiUrl}/users/@me/${list}`);
    first.searchParams.set('fields', query.fields ?? MAL_LIST_FIELDS);
    first.searchParams.set('limit', String(query.limit ?? MAL_PAGE_LIMIT));
    if (query.sort) first.searchParams.set('sort', query.sort);
    // Without nsfw=true MAL silently leaves adult entries out, and the mirror would re-add them forever.
    first.searchParams.set('nsfw', 'true');
    const operation = `GET /users/@me/${list}`;
    const seen = new Set<string>();
    let url: string | undefined = first.toString();
    while (url !== undefined) {
      if (seen.size >= MAX_PAGES) {
        throw new MalResponseError(`MAL ${operation} kept paging past ${MAX_PAGES} pages`, {
          status: 200,
          malError: 'paging_runaway',
          retryable: false,
        });
      }
      seen.add(url);
      const response = await userCall('GET', url);
      if (response.status !== 200) fail(operation, response);
      const page = parseListPage(
        operation,
        response.status,
        parseJsonBody(operation, response.status, response.bodyText, response.headers),
      );
      const date = Date.parse(response.headers.get('date') ?? '');
      yield { data: page.data, ...(Number.isFinite(date) ? { serverTime: date } : {}) };
      url = page.next === undefined ? undefined : checkNext(page.next, seen, operation);
    }
  }

  async function listAllRaw(): Promise<MalRawAnimeList> {
    const data: unknown[] = [];
    for await (const page of pages()) data.push(...page.data);
    return { data, paging: {} };
  }

  async function listAllMangaRaw(): Promise<MalRawAnimeList> {
    const data: unknown[] = [];
    for await (const page of listPages('mangalist', { fields: MAL_MANGA_LIST_FIELDS })) data.push(...page.data);
    return { data, paging: {} };
  }

  /**
   * `paging.next` is followed verbatim (MAL owns its cursor format), but only on MAL's own origin:
   * the bearer token goes with it, so a hostile or broken `next` must not send it elsewhere.
   */
  function checkNext(next: string, seen: ReadonlySet<string>, operation: string): string {
    let parsed: URL;
    try {
      parsed = new URL(next);
    } catch (cause) {
      throw new MalResponseError(
        `MAL ${operation} returned a paging.next that is not a URL`,
        {
          status: 200,
          malError: 'unexpected_shape',
          retryable: false,
        },
        { cause },
      );
    }
    if (parsed.origin !== apiOrigin) {
      throw new MalResponseError(`MAL ${operation} paging.next points to ${parsed.origin}, not ${apiOrigin}`, {
        status: 200,
        malError: 'unexpected_shape',
        retryable: false,
      });
    }
    if (seen.has(next)) {
      throw new MalResponseError(`MAL ${operation} paging.next repeats a page already read`, {
        status: 200,
        malError: 'paging_loop',
        retryable: false,
      });
    }
    return next;
  }

  return {
    listAllRaw,
    listAllMangaRaw,
    pages,
    async listAllManga(): Promise<MalMangaListEntry[]> {
      const raw = await listAllMangaRaw();
      return raw.data.map((item, index) => parseMangaListItem(item, index));
    },
    async updateManga(mangaId: number, fields: MalMangaWriteFields): Promise<MalMangaListStatus> {
      checkId(mangaId, 'manga');
      const form = encodeMangaWriteFields(fields);
      const operation = `PATCH /manga/${mangaId}/my_list_status`;
      const response = await userCall('PATCH', `${apiUrl}/manga/${mangaId}/my_list_status`, form);
      if (response.status !== 200) fail(operation, response);
      const body = parseJsonBody(operation, response.status, response.bodyText, response.headers);
      return parseMangaListStatus(body, `${operation} reply`);
    },
    async removeManga(mangaId: number): Promise<void> {
      checkId(mangaId, 'manga');
      const operation = `DELETE /manga/${mangaId}/my_list_status`;
      const response = await userCall('DELETE', `${apiUrl}/manga/${mangaId}/my_list_status`);
      // 404: not on the list, which is what we wanted.
      if (response.status === 404 || (response.status >= 200 && response.status < 300)) return;
      fail(operation, response);
    },

    async listAll(): Promise<MalListEntry[]> {
      const raw = await listAllRaw();
      return raw.data.map((item, index) => parseListItem(item, index));
    },

    async update(animeId: number, fields: MalWriteFields): Promise<MalListStatus> {
      checkAnimeId(animeId);
      const form = encodeWriteFields(fields);
      const operation = `PATCH /anime/${animeId}/my_list_status`;
      const response = await userCall('PATCH', `${apiUrl}/anime/${animeId}/my_list_status`, form);
      if (response.status !== 200) fail(operation, response);
      const body = parseJsonBody(operation, response.status, response.bodyText, response.headers);
      return parseListStatus(body, `${operation} reply`);
    },

    async remove(animeId: number): Promise<void> {
      checkAnimeId(animeId);
      const operation = `DELETE /anime/${animeId}/my_list_status`;
      const response = await userCall('DELETE', `${apiUrl}/anime/${animeId}/my_list_status`);
      // 404: not on the list, which is what we wanted.
      if (response.status === 404 || (response.status >= 200 && response.status < 300)) return;
      fail(operation, response);
    },
  };
}

function checkId(id: number, what: 'manga'): void {
  if (!Number.isInteger(id) || id <= 0) {
    throw new MalInvalidInputError(`MAL ${what} id ${String(id)} is not a positive whole number`, `${what}Id`);
  }
}

function checkAnimeId(animeId: number): void {
  if (!Number.isInteger(animeId) || animeId <= 0) {
    throw new MalInvalidInputError(`MAL anime id ${String(animeId)} is not a positive whole number`, 'animeId');
  }
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
