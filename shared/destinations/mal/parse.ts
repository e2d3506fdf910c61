import { MalRateLimitError, MalResponseError, parseErrorBody } from './errors';
import {
  MAL_MANGA_STATUSES,
  MAL_STATUSES,
  type MalListEntry,
  type MalListStatus,
  type MalMangaListEntry,
  type MalMangaListStatus,
  type MalMangaStatus,
  type MalStatus,
  type MalUser,
} from './types';

const STATUSES: ReadonlySet<string> = new Set(MAL_STATUSES);

/** One page of `GET /users/@me/animelist`, still raw, plus where the next page is. */
export interface MalRawListPage {
  readonly data: unknown[];
  readonly next?: string;
}

/**
 * Parses a success body as JSON. A body that is not JSON is never a crash: MAL's HTML
 * "Request blocked" page becomes a `MalRateLimitError`, anything else a `MalResponseError`.
 */
export function parseJsonBody(operation: string, status: number, bodyText: string, headers?: Headers): unknown {
  try {
    return JSON.parse(bodyText);
  } catch (cause) {
    const body = parseErrorBody(bodyText, headers);
    if (body.blocked) {
      return throwBlocked(operation, status, body.summary);
    }
    throw new MalResponseError(
      `MAL ${operation} answered HTTP ${status} with a body that is not JSON [${body.summary ?? 'unreadable'}]`,
      { status, malError: 'invalid_json', retryable: true },
      { cause },
    );
  }
}

function throwBlocked(operation: string, status: number, summary: string | undefined): never {
  throw new MalRateLimitError(`MAL ${operation} answered with a "Request blocked" page [${summary ?? ''}]`, {
    status,
    malError: 'request_blocked',
  });
}

export function parseListPage(operation: string, status: number, body: unknown): MalRawListPage {
  if (!isRecord(body) || !Array.isArray(body.data)) {
    throw shapeError(operation, status, 'a list page without a "data" array');
  }
  const paging = body.paging;
  if (paging !== undefined && !isRecord(paging)) throw shapeError(operation, status, '"paging" that is not an object');
  const next = paging?.next;
  if (next !== undefined && next !== null && typeof next !== 'string') {
    throw shapeError(operation, status, '"paging.next" that is not a URL string');
  }
  return { data: body.data, ...(typeof next === 'string' && next !== '' ? { next } : {}) };
}

/** `{node, list_status}` → `MalListEntry`; `index` only makes errors findable. */
export function parseListItem(item: unknown, index: number): MalListEntry {
  const where = `animelist data[${index}]`;
  if (!isRecord(item) || !isRecord(item.node)) throw valueError(`${where} has no "node" object`);
  const { id, title } = item.node;
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
    throw valueError(`${where}.node.id is ${describe(id)}, not a positive whole number`);
  }
  if (typeof title !== 'string') throw valueError(`${where}.node.title (anime ${id}) is not text`);
  if (!isRecord(item.list_status)) throw valueError(`${where} (anime ${id}) has no "list_status" object`);
  return { animeId: id, title, listStatus: parseListStatus(item.list_status, `${where}.list_status (anime ${id})`) };
}

/**
 * Validates a `list_status` object. Fields MAL only returns when asked (`num_times_rewatched`,
 * `comments`) default to their empty values; an unknown `status` is an error rather than a guess,
 * because mirroring onto a misread status would overwrite the user's data.
 */
export function parseListStatus(raw: unknown, where = 'list_status'): MalListStatus {
  if (!isRecord(raw)) throw valueError(`${where} is not an object`);
  const status = raw.status;
  if (typeof status !== 'string' || !STATUSES.has(status)) {
    throw valueError(`${where}.status is ${describe(status)}, not one of ${MAL_STATUSES.join(', ')}`);
  }
  const out: {
    -readonly [K in keyof MalListStatus]: MalListStatus[K];
  } = {
    status: status as MalStatus,
    score: count(raw.score, `${where}.score`, 0),
    num_episodes_watched: count(raw.num_episodes_watched, `${where}.num_episodes_watched`, 0),
    is_rewatching: bool(raw.is_rewatching, `${where}.is_rewatching`),
    num_times_rewatched: count(raw.num_times_rewatched, `${where}.num_times_rewatched`, 0),
    comments: text(raw.comments, `${where}.comments`) ?? '',
  };
  const shared = sharedListFields(raw, out.score, where);
  if (raw.rewatch_value !== undefined && raw.rewatch_value !== null) {
    out.rewatch_value = count(raw.rewatch_value, `${where}.rewatch_value`, 0);
  }
  return { ...out, ...shared };
}

/**
 * What anime's and manga's `list_status` share beyond their own counts: the score's range, the
 * dates, `updated_at`, `priority` and `tags`, each validated the same way for both lists.
 */
function sharedListFields(raw: Record<string, unknown>, score: number, where: string): SharedListFields {
  if (score > 10) throw valueError(`${where}.score is ${score}, outside MAL's 0–10`);
  const out: { -readonly [K in keyof SharedListFields]: SharedListFields[K] } = {};
  const startDate = date(raw.start_date, `${where}.start_date`);
  if (startDate !== undefined) out.start_date = startDate;
  const finishDate = date(raw.finish_date, `${where}.finish_date`);
  if (finishDate !== undefined) out.finish_date = finishDate;
  const updatedAt = text(raw.updated_at, `${where}.updated_at`);
  if (updatedAt !== undefined) out.updated_at = updatedAt;
  if (raw.priority !== undefined && raw.priority !== null) out.priority = count(raw.priority, `${where}.priority`, 0);
  if (raw.tags !== undefined && raw.tags !== null) {
    if (!Array.isArray(raw.tags) || raw.tags.some((t) => typeof t !== 'string')) {
      throw valueError(`${where}.tags is not a list of text`);
    }
    out.tags = raw.tags as string[];
  }
  return out;
}

type SharedListFields = Pick<MalListStatus, 'start_date' | 'finish_date' | 'updated_at' | 'priority' | 'tags'>;

/** `{node, list_status}` of `GET /users/@me/mangalist` → `MalMangaListEntry`. */
export function parseMangaListItem(item: unknown, index: number): MalMangaListEntry {
  const where = `mangalist data[${index}]`;
  if (!isRecord(item) || !isRecord(item.node)) throw valueError(`${where} has no "node" object`);
  const { id, title } = item.node;
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
    throw valueError(`${where}.node.id is ${describe(id)}, not a positive whole number`);
  }
  if (typeof title !== 'string') throw valueError(`${where}.node.title (manga ${id}) is not text`);
  if (!isRecord(item.list_status)) throw valueError(`${where} (manga ${id}) has no "list_status" object`);
  return {
    mangaId: id,
    title,
    listStatus: parseMangaListStatus(item.list_status, `${where}.list_status (manga ${id})`),
  };
}

/** A manga `list_status`, validated as `parseListStatus` validates anime's. */
export function parseMangaListStatus(raw: unknown, where = 'list_status'): MalMangaListStatus {
  if (!isRecord(raw)) throw valueError(`${where} is not an object`);
  const status = raw.status;
  if (typeof status !== 'string' || !MANGA_STATUSES.has(status)) {
    throw valueError(`${where}.status is ${describe(status)}, not one of ${MAL_MANGA_STATUSES.join(', ')}`);
  }
  const out: { -readonly [K in keyof MalMangaListStatus]: MalMangaListStatus[K] } = {
    status: status as MalMangaStatus,
    score: count(raw.score, `${where}.score`, 0),
    num_volumes_read: count(raw.num_volumes_read, `${where}.num_volumes_read`, 0),
    num_chapters_read: count(raw.num_chapters_read, `${where}.num_chapters_read`, 0),
    is_rereading: bool(raw.is_rereading, `${where}.is_rereading`),
    num_times_reread: count(raw.num_times_reread, `${where}.num_times_reread`, 0),
    comments: text(raw.comments, `${where}.comments`) ?? '',
  };
  const shared = sharedListFields(raw, out.score, where);
  if (raw.reread_value !== undefined && raw.reread_value !== null) {
    out.reread_value = count(raw.reread_value, `${where}.reread_value`, 0);
  }
  return { ...out, ...shared };
}

const MANGA_STATUSES: ReadonlySet<string> = new Set(MAL_MANGA_STATUSES);

export function parseUser(operation: string, status: number, body: unknown): MalUser {
  if (!isRecord(body)) throw shapeError(operation, status, 'a user that is not an object');
  const { id, name } = body;
  if (typeof id !== 'number' || !Number.isInteger(id) || typeof name !== 'string' || name === '') {
    throw shapeError(operation, status, 'a user without a numeric "id" and a "name"');
  }
  return { id, name };
}

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function date(value: unknown, where: string): string | undefined {
  // MAL omits unset dates; some clients have seen null or "" after a clear.
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !DATE.test(value)) {
    throw valueError(`${where} is ${describe(value)}, not YYYY, YYYY-MM or YYYY-MM-DD`);
  }
  return value;
}

function count(value: unknown, where: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw valueError(`${where} is ${describe(value)}, not a whole number`);
  }
  return value;
}

function bool(value: unknown, where: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw valueError(`${where} is ${describe(value)}, not true/false`);
  return value;
}

function text(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw valueError(`${where} is ${describe(value)}, not text`);
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value.slice(0, 40)}"`;
  if (value === undefined) return 'missing';
  try {
    return JSON.stringify(value)?.slice(0, 40) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Values MAL sent that we do not understand: the same data will fail again, so not retryable. */
function valueError(message: string): MalResponseError {
  return new MalResponseError(`MAL returned ${message}`, {
    status: 200,
    malError: 'unexpected_value',
    retryable: false,
  });
}

function shapeError(operation: string, status: number, what: string): MalResponseError {
  return new MalResponseError(`MAL ${operation} returned ${what}`, {
    status,
    malError: 'unexpected_shape',
    retryable: false,
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
