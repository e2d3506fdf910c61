import { ClientError, GraphQLClient } from 'graphql-request';
import { type Clock, systemClock } from '../clock';
import { AppError } from '../errors';
import {
  DEFAULT_RETRY_POLICY,
  type HttpOptions,
  httpOptionsFrom,
  sendWithPolicy,
  type TransportOptions,
} from '../http/policy';
import {
  AniListApiError,
  AniListArgumentError,
  AniListMalformedResponseError,
  errorFromResponse,
  type RawAniListResponse,
} from './errors';
import {
  type PageEnvelope,
  type ParsedEntry,
  parseAliasedPages,
  parseCollectionEnvelope,
  parseEntry,
  parsePageEnvelope,
  rawMediaId,
  rawUpdatedAt,
} from './parse';
import {
  CHANGED_SINCE_MORE_QUERY,
  CHANGED_SINCE_QUERY,
  CHANGED_SINCE_WITH_MANGA_QUERY,
  FULL_LIST_QUERY,
  MANGA_CHANGED_SINCE_MORE_QUERY,
  MANGA_FULL_LIST_QUERY,
  PRESENT_MEDIA_ANY_TYPE_QUERY,
  PRESENT_MEDIA_QUERY,
} from './queries';
import type {
  AniListEntry,
  AniListInvalidEntry,
  AniListRead,
  AniListSource,
  ChangedSinceOptions,
  FindListedOptions,
  ReadAllOptions,
} from './types';

/** The documents of one list type. `label` prefixes the locations of manga entries in reports. */
interface ListKind {
  readonly kind: 'anime' | 'manga';
  readonly label: string;
  readonly changedSince: string;
  readonly changedSinceMore: string;
  readonly fullList: string;
}

const ANIME_LIST: ListKind = {
  kind: 'anime',
  label: '',
  changedSince: CHANGED_SINCE_QUERY,
  changedSinceMore: CHANGED_SINCE_MORE_QUERY,
  fullList: FULL_LIST_QUERY,
};

const MANGA_LIST: ListKind = {
  kind: 'manga',
  label: 'manga ',
  // Its first page always comes with the anime list's (CHANGED_SINCE_WITH_MANGA_QUERY).
  changedSince: CHANGED_SINCE_WITH_MANGA_QUERY,
  changedSinceMore: MANGA_CHANGED_SINCE_MORE_QUERY,
  fullList: MANGA_FULL_LIST_QUERY,
};

/** AniList signals overload with 429 (+ Retry-After) and outages with 5xx; 400/401/403/404 are final. */
export const ANILIST_RETRY_POLICY = DEFAULT_RETRY_POLICY;

export interface AniListClientOptions extends TransportOptions {
  /** GraphQL endpoint, e.g. `https://graphql.anilist.co` or a sandbox URL. */
  readonly url: string;
  /** Optional bearer token: lets the token owner read their own private entries. */
  readonly token?: string | undefined;
  /** Called for every malformed entry that was skipped (see shared/anilist/parse.ts). */
  readonly onInvalidEntry?: (issue: AniListInvalidEntry) => void;
  /** `Page.perPage`; AniList caps it at 50. */
  readonly perPage?: number;
  /** `MediaListCollection.perChunk`; AniList caps it at 500. */
  readonly perChunk?: number;
  /** Safety stop for a server that always claims there is more (11,000-entry lists need 22 chunks). */
  readonly maxRequestsPerRead?: number;
}

const MAX_PER_PAGE = 50;
const MAX_PER_CHUNK = 500;

/**
 * Reads a user's anime list from AniList through one graphql-request client, whose `fetch` is
 * `sendWithPolicy`, so pacing, timeouts, retries, `Retry-After` and the deadline apply to every
 * request. Failures surface as the typed errors in `./errors`.
 */
export class AniListClient implements AniListSource {
  private readonly graphql: GraphQLClient;
  private readonly clock: Clock;
  private readonly perPage: number;
  private readonly perChunk: number;
  private readonly maxRequests: number;

  constructor(private readonly options: AniListClientOptions) {
    this.clock = options.clock ?? systemClock;
    const http = httpOptionsFrom(options, { retry: ANILIST_RETRY_POLICY, requestsPerMinute: 30 }, this.clock);
    this.graphql = new GraphQLClient(options.url, { headers: requestHeaders(options.token), fetch: policyFetch(http) });
    this.perPage = clampInt(options.perPage ?? MAX_PER_PAGE, 1, MAX_PER_PAGE);
    this.perChunk = clampInt(options.perChunk ?? MAX_PER_CHUNK, 1, MAX_PER_CHUNK);
    this.maxRequests = options.maxRequestsPerRead ?? 500;
  }

  /**
   * Entries with `updatedAt > watermark`, newest first, stopping at the first entry at or below
   * the watermark, so a quiet list costs exactly one request. Each further request asks for the
   * newest entries whose media were not read yet, so deletions while it reads cannot make it skip
   * an entry. An entry edited again after it was read is not re-read now: its new `updatedAt` is
   * after `serverTime`, which the caller's watermark stays below. With `maxEntries` the read stops
   * early (`truncated`) once that many changes are found: a full read is then cheaper.
   */
  async readChangedSince(userName: string, watermark: number, options: ChangedSinceOptions = {}): Promise<AniListRead> {
    const name = checkUserName(userName);
    checkWatermark(watermark);
    if (options.mangaWatermark === undefined) return this.readChangedOfList(name, ANIME_LIST, watermark, options);
    checkWatermark(options.mangaWatermark);
    // Both lists' first pages in one request: a quiet list still costs exactly one request.
    const { data, status, date } = await this.send(
      CHANGED_SINCE_WITH_MANGA_QUERY,
      { userName: name, perPage: this.perPage },
      name,
    );
    const first = parseAliasedPages(data, status);
    const anime = await this.readChangedOfList(name, ANIME_LIST, watermark, options, first.anime);
    const manga = await this.readChangedOfList(name, MANGA_LIST, options.mangaWatermark, options, first.manga);
    return {
      entries: [...anime.entries, ...manga.entries],
      invalid: [...anime.invalid, ...manga.invalid],
      ...(date ? { serverTime: date } : {}),
      ...(anime.truncated || manga.truncated ? { truncated: true } : {}),
    };
  }

  /** One list's incremental read; `firstPage` when its first page came with the other list's. */
  private async readChangedOfList(
    name: string,
    list: ListKind,
    watermark: number,
    options: ChangedSinceOptions,
    firstPage?: PageEnvelope,
  ): Promise<AniListRead> {
    const entries: AniListEntry[] = [];
    const invalid: AniListInvalidEntry[] = [];
    const seenEntries = new Set<number>();
    const seenMedia: number[] = [];
    let serverTime: number | undefined;
    let requests = 0;
    for (;;) {
      this.guard(requests, 'Page.mediaList');
      const first = seenMedia.length === 0;
      let envelope: PageEnvelope;
      let status = 200;
      if (requests === 0 && firstPage) {
        envelope = firstPage;
      } else {
        const answer = await this.send(
          first ? list.changedSince : list.changedSinceMore,
          first
            ? { userName: name, perPage: this.perPage }
            : { userName: name, perPage: this.perPage, seenMediaIds: seenMedia },
          name,
        );
        if (first) serverTime = answer.date;
        status = answer.status;
        envelope = parsePageEnvelope(answer.data, answer.status);
      }
      requests++;
      let reachedWatermark = false;
      let newMedia = 0;
      envelope.rawEntries.forEach((raw, index) => {
        if (reachedWatermark) return;
        const updatedAt = rawUpdatedAt(raw);
        if (updatedAt !== undefined && updatedAt <= watermark) {
          reachedWatermark = true;
          return;
        }
        const mediaId = rawMediaId(raw);
        if (mediaId !== undefined && !seenMedia.includes(mediaId)) {
          seenMedia.push(mediaId);
          newMedia++;
        }
        const parsed = parseEntry(raw, `${list.label}Page ${requests} mediaList[${index}]`, list.kind);
        if (parsed.ok && seenEntries.has(parsed.entry.id)) return;
        if (parsed.ok) seenEntries.add(parsed.entry.id);
        this.collect(parsed, entries, invalid);
      });
      if (reachedWatermark || !envelope.hasNextPage) break;
      if (newMedia === 0) {
        // Nothing new to exclude: asking again would return the same page forever.
        throw new AniListMalformedResponseError(
          `Page.mediaList claims more entries but its page ${requests} held none with a new mediaId`,
          { status },
        );
      }
      if (options.maxEntries !== undefined && seenMedia.length >= options.maxEntries) {
        return { entries, invalid, truncated: true, ...(serverTime ? { serverTime } : {}) };
      }
    }
    return { entries, invalid, ...(serverTime ? { serverTime } : {}) };
  }

  /**
   * Which of `mediaIds` are on the user's anime list right now (`Page.mediaList(mediaId_in:)`, 50
   * per request). Private entries count only when the client has the owner's token.
   */
  async findListedMedia(
    userName: string,
    mediaIds: readonly number[],
    options: FindListedOptions = {},
  ): Promise<Set<number>> {
    const name = checkUserName(userName);
    const listed = new Set<number>();
    for (let i = 0; i < mediaIds.length; i += this.perPage) {
      const batch = mediaIds.slice(i, i + this.perPage);
      const { data, status } = await this.send(
        options.anyType ? PRESENT_MEDIA_ANY_TYPE_QUERY : PRESENT_MEDIA_QUERY,
        { userName: name, mediaIds: batch, perPage: this.perPage },
        name,
      );
      for (const raw of parsePageEnvelope(data, status).rawEntries) {
        const mediaId = rawMediaId(raw);
        if (mediaId === undefined) {
          throw new AniListMalformedResponseError('Page.mediaList returned an entry without a usable mediaId', {
            status,
          });
        }
        listed.add(mediaId);
      }
    }
    return listed;
  }

  /** The whole anime list (and with `manga`, the manga list), deduplicated by `MediaList.id`, newest edit first. */
  async readAll(userName: string, options: ReadAllOptions = {}): Promise<AniListRead> {
    const name = checkUserName(userName);
    const anime = await this.readAllOfList(name, ANIME_LIST);
    if (!options.manga) return anime;
    const manga = await this.readAllOfList(name, MANGA_LIST);
    const entries = [...anime.entries, ...manga.entries].sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
    // The anime list's clock is the earlier one: the watermark stays below both reads.
    return { ...anime, entries, invalid: [...anime.invalid, ...manga.invalid] };
  }

  private async readAllOfList(name: string, list: ListKind): Promise<AniListRead> {
    const byId = new Map<number, AniListEntry>();
    const invalid: AniListInvalidEntry[] = [];
    const invalidSeen = new Set<string>();
    let requests = 0;
    let serverTime: number | undefined;
    for (let chunk = 1; ; chunk++) {
      this.guard(requests, 'MediaListCollection');
      const { data, status, date } = await this.send(
        list.fullList,
        { userName: name, chunk, perChunk: this.perChunk },
        name,
      );
      requests++;
      if (chunk === 1) serverTime = date;
      const envelope = parseCollectionEnvelope(data, status);
      envelope.lists.forEach((group, listIndex) => {
        group.rawEntries.forEach((raw, index) => {
          const where = `${list.label}chunk ${chunk} lists[${listIndex}] "${group.name}" entries[${index}]`;
          const parsed = parseEntry(raw, where, list.kind);
          if (parsed.ok) {
            if (!byId.has(parsed.entry.id)) byId.set(parsed.entry.id, parsed.entry);
            return;
          }
          // A custom list repeats the entry; report each broken entry once.
          const key = parsed.issue.entryId === null ? parsed.issue.location : `id:${parsed.issue.entryId}`;
          if (invalidSeen.has(key)) return;
          invalidSeen.add(key);
          invalid.push(parsed.issue);
        });
      });
      if (!envelope.hasNextChunk) break;
    }
    // A broken copy of an entry whose other copy parsed fine is not a loss.
    const stillInvalid = invalid.filter((i) => i.entryId === null || !byId.has(i.entryId));
    for (const issue of stillInvalid) this.options.onInvalidEntry?.(issue);
    const entries = [...byId.values()].sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
    return { entries, invalid: stillInvalid, ...(serverTime ? { serverTime } : {}) };
  }

  private collect(parsed: ParsedEntry, entries: AniListEntry[], invalid: AniListInvalidEntry[]): void {
    if (parsed.ok) {
      entries.push(parsed.entry);
      return;
    }
    invalid.push(parsed.issue);
    this.options.onInvalidEntry?.(parsed.issue);
  }

  private guard(requests: number, what: string): void {
    if (requests >= this.maxRequests) {
      throw new AniListApiError(`AniList kept announcing more ${what} results after ${requests} requests; stopped`, {
        retryable: true,
      });
    }
  }

  /** One GraphQL request: its `data`, HTTP status and server time, or a typed error. */
  private async send(
    document: string,
    variables: Record<string, unknown>,
    userName: string,
  ): Promise<{ data: unknown; status: number; date: number | undefined }> {
    try {
      const { data, status, headers } = await this.graphql.rawRequest<unknown>(document, variables);
      return { data, status, date: httpDate(headers.get('date')) };
    } catch (err) {
      throw this.failure(err, userName);
    }
  }

  /** What a failed `rawRequest` means, as one of the typed errors in `./errors`. */
  private failure(err: unknown, userName: string): Error {
    // NetworkError and OutOfTimeError from sendWithPolicy: graphql-request lets `fetch` errors through.
    if (err instanceof AppError) return err;
    const context = { nowMs: this.clock.now(), userName, cause: err };
    // Any non-2xx answer, and a 2xx one whose `errors` is not empty, whatever the body holds.
    if (err instanceof ClientError) {
      const { status, headers, body } = err.response;
      return errorFromResponse({ status, headers, bodyText: body }, context);
    }
    if (err instanceof NotJsonAnswer) return errorFromResponse(err.response, context);
    // graphql-request's own errors: after an answer, only for a 2xx JSON body it cannot read (JSON's
    // SyntaxError, or its check that the body is a GraphQL result); before one, for a request it
    // cannot build (a malformed `url`). Neither carries the status.
    if (err instanceof SyntaxError || /execution result/i.test(errorMessage(err))) {
      const what = `a 2xx body that is not a GraphQL response (${errorMessage(err)})`;
      return new AniListMalformedResponseError(what, { cause: err });
    }
    return new AniListApiError(`AniList request could not be sent: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * A 2xx answer that is not JSON (a CDN page served with 200), caught by `policyFetch`. graphql-request
 * cannot report such a body with its status: for a 2xx it throws a bare parse error that carries
 * neither status nor headers (and, for HTML, quotes the whole page). Its supported extension point
 * is the `fetch` it is given, whose errors it passes through unchanged, so `policyFetch` throws this
 * with the response in hand and `failure` maps it like any other answer.
 */
class NotJsonAnswer extends Error {
  constructor(readonly response: RawAniListResponse) {
    super(`AniList answered HTTP ${response.status} with a non-JSON body`);
  }
}

/** The `fetch` graphql-request sends with: the retry/pacing policy, and no 2xx answer that is not JSON. */
function policyFetch(http: HttpOptions): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const response = await sendWithPolicy('anilist', url, init ?? {}, http);
    if (response.ok && !isJsonType(response.headers.get('content-type'))) {
      throw new NotJsonAnswer({ status: response.status, headers: response.headers, bodyText: await response.text() });
    }
    return response;
  };
}

/** The content types graphql-request parses as JSON; it reads anything else as a non-GraphQL body. */
function isJsonType(contentType: string | null): boolean {
  return contentType !== null && /application\/(graphql-response\+)?json/i.test(contentType);
}

function requestHeaders(token: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

export function createAniListClient(options: AniListClientOptions): AniListClient {
  return new AniListClient(options);
}

function checkWatermark(watermark: number): void {
  if (!Number.isFinite(watermark) || watermark < 0) {
    throw new AniListArgumentError(`watermark must be Unix seconds ≥ 0, got ${String(watermark)}`);
  }
}

function checkUserName(userName: string): string {
  const name = typeof userName === 'string' ? userName.trim() : '';
  if (name === '') throw new AniListArgumentError('AniList user name is empty');
  return name;
}

/** The server's clock from a `Date` header (epoch ms), if it sent a usable one. */
function httpDate(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function clampInt(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(value)));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : String(err);
}
