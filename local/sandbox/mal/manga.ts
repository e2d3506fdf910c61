import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../../shared/clock';
import {
  MAL_MANGA_STATUSES,
  type MalMangaListEntry,
  type MalMangaStatus,
} from '../../../shared/destinations/mal/types';
import { shownValue } from '../../../shared/text/quote';
import { FixtureProblems } from '../kit/fixture-problems';
import { type Exchange, json, mediaType, type Reply } from '../kit/http';
import { parseFieldsParam } from './fields';
import { MalFixtureError } from './fixture';
import { badRequest, methodNotAllowed } from './replies';
import { malDateTime } from './store';

/**
 * MAL's manga list (MIRROR_MANGA): `GET /v2/users/@me/mangalist` and `PATCH` / `DELETE
 * /v2/manga/{id}/my_list_status`, with the same quirks as the anime list: form-encoded writes only,
 * 400 "This form should not contain extra fields." for any field MAL's reference does not list,
 * 400 "invalid <field>" for a bad value, and unset dates omitted on reads. Unlike anime, manga's
 * read and write names are the same (`num_chapters_read`, `num_volumes_read`).
 */
export const MANGA_LIST_PATH = '/v2/users/@me/mangalist';
export const MANGA_WRITE_PATH = /^\/v2\/manga\/([^/]+)\/my_list_status$/;

export interface SandboxMangaListStatus {
  status: MalMangaStatus;
  score: number;
  num_volumes_read: number;
  num_chapters_read: number;
  is_rereading: boolean;
  num_times_reread: number;
  comments: string;
  start_date?: string;
  finish_date?: string;
  updated_at: string;
  priority: number;
  reread_value: number;
  tags: string[];
}

export interface SandboxManga {
  readonly id: number;
  readonly title: string;
  readonly num_chapters: number;
  readonly num_volumes: number;
}

interface StoredManga {
  node: SandboxManga;
  listStatus: SandboxMangaListStatus;
}

/** Form fields `PATCH /manga/{id}/my_list_status` accepts (MAL's v2 reference). */
export const MAL_MANGA_FORM_FIELDS: ReadonlySet<string> = new Set([
  'status',
  'is_rereading',
  'score',
  'num_volumes_read',
  'num_chapters_read',
  'priority',
  'num_times_reread',
  'reread_value',
  'tags',
  'comments',
  'start_date',
  'finish_date',
]);

/** Always in a manga `list_status`; the rest only when asked for in `fields`. */
const ALWAYS = ['status', 'score', 'num_volumes_read', 'num_chapters_read', 'is_rereading', 'updated_at'] as const;
const ON_REQUEST = [
  'priority',
  'num_times_reread',
  'reread_value',
  'tags',
  'comments',
  'start_date',
  'finish_date',
] as const;

/** The user's manga list, in insertion order. */
export class SandboxMangaStore {
  readonly entries = new Map<number, StoredManga>();
  private readonly catalogue = new Map<number, SandboxManga>();

  /** `catalogue`: the manga MAL knows by id (titles, counts), so writes show them as MAL would. */
  constructor(
    private readonly clock: Clock,
    catalogue: readonly SandboxManga[] = [],
  ) {
    for (const manga of catalogue) this.catalogue.set(manga.id, manga);
  }

  /** A manga by id: the catalogue's, else a placeholder as MAL would show an id it knows nothing else of. */
  manga(id: number): SandboxManga {
    return this.catalogue.get(id) ?? { id, title: `Manga #${id}`, num_chapters: 0, num_volumes: 0 };
  }

  /** Replaces the list with the fixture's, or refuses it whole, naming every problem with its JSON path. */
  seed(body: unknown, source = 'MAL manga fixture'): void {
    if (!isRecord(body) || !Array.isArray(body.data)) {
      throw new MalFixtureError(
        `${source} must be the body of GET /users/@me/mangalist: an object with a "data" array of {node, list_status}`,
      );
    }
    const stamp = malDateTime(this.clock.now());
    const p = new FixtureProblems();
    const entries = new Map<number, StoredManga>();
    body.data.forEach((item, index) => {
      const where = `data[${index}]`;
      const entry = readMangaSeed(p, item, where, stamp);
      if (!entry) return;
      if (entries.has(entry.node.id)) p.add(`${where}.node.id`, `repeats manga ${entry.node.id}`);
      else entries.set(entry.node.id, entry);
    });
    if (p.list.length > 0) throw MalFixtureError.listing(source, p.list);
    this.entries.clear();
    for (const [id, entry] of entries) this.entries.set(id, entry);
  }

  list(): MalMangaListEntry[] {
    return [...this.entries.values()].map((e) => ({
      mangaId: e.node.id,
      title: e.node.title,
      listStatus: structuredClone(e.listStatus),
    }));
  }

  /** The whole list in MAL's `GET /users/@me/mangalist` shape, every field (demo output). */
  response(): { data: unknown[]; paging: object } {
    return {
      data: [...this.entries.values()].map((e) => ({ node: { ...e.node }, list_status: project(e.listStatus, 'all') })),
      paging: {},
    };
  }
}

/**
 * One `{node, list_status}` item of a manga fixture. Each list_status field is checked alone by
 * the write form's rules, so that every bad field is named, not only the first.
 */
function readMangaSeed(p: FixtureProblems, item: unknown, where: string, stamp: string): StoredManga | undefined {
  const entry = p.record(item, where);
  if (!entry) return undefined;
  const node = p.record(entry.node, `${where}.node`);
  const id = node && p.whole(node.id, `${where}.node.id`, 1);
  const title = node && p.text(node.title, `${where}.node.title`);
  const raw = p.record(entry.list_status, `${where}.list_status`);
  if (!raw) return undefined;
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'updated_at' || v === undefined || v === null) continue;
    const value = Array.isArray(v) ? v.join(',') : String(v);
    const alone = readMangaForm(new URLSearchParams({ [k]: value }), true);
    if (alone.ok) form.set(k, value);
    else if (MAL_MANGA_FORM_FIELDS.has(k))
      p.add(`${where}.list_status.${k}`, `is ${shownValue(v)}: MAL says ${alone.message}`);
    else p.add(`${where}.list_status.${k}`, 'is not a field of a MAL manga list entry');
  }
  const read = readMangaForm(form, true);
  if (read.ok && read.changes.status === undefined) {
    p.expected(`${where}.list_status.status`, raw.status, `one of ${MAL_MANGA_STATUSES.join(', ')}`);
  }
  if (!node || id === undefined || title === undefined || !read.ok || read.changes.status === undefined)
    return undefined;
  const status = { ...emptyStatus(read.changes.status), ...read.changes } as SandboxMangaListStatus;
  status.updated_at = typeof raw.updated_at === 'string' ? raw.updated_at : stamp;
  const counts = { num_chapters: countOr(node.num_chapters), num_volumes: countOr(node.num_volumes) };
  return { node: { id, title, ...counts }, listStatus: status };
}

/** A fixture body from a path or an object. */
export function readMangaFixture(pathOrObject: string | object): { body: unknown; source: string } {
  if (typeof pathOrObject !== 'string') return { body: pathOrObject, source: 'MAL manga fixture' };
  const source = `MAL manga fixture ${pathOrObject}`;
  try {
    return { body: JSON.parse(readFileSync(pathOrObject, 'utf8')), source };
  } catch (cause) {
    throw new MalFixtureError(`${source} cannot be read as JSON: ${(cause as Error).message}`, { cause });
  }
}

/** `mangaId` set for `/v2/manga/:id/my_list_status`; undefined for the list. */
export function mangaApiReply(
  store: SandboxMangaStore,
  clock: Clock,
  origin: string,
  exchange: Exchange,
  mangaId: number | undefined,
  body: string,
): Reply {
  const { method, req } = exchange;
  if (mangaId === undefined) {
    return method === 'GET' ? mangaList(store, exchange.url.searchParams, origin) : methodNotAllowed();
  }
  if (Number.isNaN(mangaId)) return badRequest('invalid manga_id');
  if (method === 'PATCH' || method === 'PUT') return writeManga(store, clock, req, mangaId, body);
  if (method === 'DELETE') {
    if (!store.entries.delete(mangaId)) return json(404, { error: 'not_found' });
    return json(200, []);
  }
  return methodNotAllowed();
}

function mangaList(store: SandboxMangaStore, params: URLSearchParams, origin: string): Reply {
  const limit = params.get('limit') === null ? 100 : Number(params.get('limit'));
  const offset = params.get('offset') === null ? 0 : Number(params.get('offset'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return badRequest('invalid limit');
  if (!Number.isInteger(offset) || offset < 0) return badRequest('invalid offset');
  const fields = parseFieldsParam(params.get('fields'));
  const requested = fields.get('list_status') ?? new Set<string>();
  const entries = [...store.entries.values()];
  const paging: { next?: string } = {};
  if (offset + limit < entries.length) {
    const next = new URLSearchParams(params);
    next.set('offset', String(offset + limit));
    next.set('limit', String(limit));
    paging.next = `${origin}${MANGA_LIST_PATH}?${next.toString()}`;
  }
  return json(200, {
    data: entries
      .slice(offset, offset + limit)
      .map((e) => ({ node: { ...e.node }, list_status: project(e.listStatus, requested) })),
    paging,
  });
}

function writeManga(
  store: SandboxMangaStore,
  clock: Clock,
  req: IncomingMessage,
  mangaId: number,
  body: string,
): Reply {
  if (mediaType(req.headers['content-type']) !== 'application/x-www-form-urlencoded') {
    return badRequest('invalid content type: send application/x-www-form-urlencoded');
  }
  const result = readMangaForm(new URLSearchParams(body), false);
  if (!result.ok) return badRequest(result.message);
  const entry = store.entries.get(mangaId) ?? {
    node: { ...store.manga(mangaId) },
    listStatus: emptyStatus('plan_to_read'),
  };
  const next: SandboxMangaListStatus = { ...entry.listStatus, ...result.changes };
  if (next.start_date === '') delete next.start_date;
  if (next.finish_date === '') delete next.finish_date;
  next.updated_at = malDateTime(clock.now());
  entry.listStatus = next;
  store.entries.set(mangaId, entry);
  return json(200, project(next, 'all'));
}

function emptyStatus(status: MalMangaStatus): SandboxMangaListStatus {
  return {
    status,
    score: 0,
    num_volumes_read: 0,
    num_chapters_read: 0,
    is_rereading: false,
    num_times_reread: 0,
    comments: '',
    updated_at: '',
    priority: 0,
    reread_value: 0,
    tags: [],
  };
}

function project(status: SandboxMangaListStatus, requested: ReadonlySet<string> | 'all'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ALWAYS) out[key] = status[key];
  for (const key of ON_REQUEST) {
    if (requested !== 'all' && !requested.has(key)) continue;
    const value = status[key];
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

type MangaChanges = Partial<Omit<SandboxMangaListStatus, 'updated_at'>>;

/** A validated form as changes, or MAL's message for the first bad field. */
function readMangaForm(
  form: URLSearchParams,
  lenientDates: boolean,
): { ok: true; changes: MangaChanges } | { ok: false; message: string } {
  for (const key of form.keys()) {
    if (!MAL_MANGA_FORM_FIELDS.has(key)) return { ok: false, message: 'This form should not contain extra fields.' };
  }
  const changes: Record<string, unknown> = {};
  const bad = (field: string) => ({ ok: false as const, message: `invalid ${field}` });
  const status = form.get('status');
  if (status !== null) {
    if (!(MAL_MANGA_STATUSES as readonly string[]).includes(status)) return bad('status');
    changes.status = status;
  }
  const rereading = form.get('is_rereading');
  if (rereading !== null) {
    if (!['true', 'false', '1', '0'].includes(rereading)) return bad('is_rereading');
    changes.is_rereading = rereading === 'true' || rereading === '1';
  }
  const numeric: [string, number][] = [
    ['score', 10],
    ['num_volumes_read', Number.MAX_SAFE_INTEGER],
    ['num_chapters_read', Number.MAX_SAFE_INTEGER],
    ['priority', 2],
    ['num_times_reread', Number.MAX_SAFE_INTEGER],
    ['reread_value', 5],
  ];
  for (const [field, max] of numeric) {
    const raw = form.get(field);
    if (raw === null) continue;
    if (!/^\d+$/.test(raw) || Number(raw) > max) return bad(field);
    changes[field] = Number(raw);
  }
  const tags = form.get('tags');
  if (tags !== null)
    changes.tags = tags
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  const comments = form.get('comments');
  if (comments !== null) changes.comments = comments;
  for (const field of ['start_date', 'finish_date'] as const) {
    const raw = form.get(field);
    if (raw === null) continue;
    const pattern = lenientDates ? /^\d{4}(-\d{2}(-\d{2})?)?$/ : /^\d{4}-\d{2}-\d{2}$/;
    if (raw !== '' && !pattern.test(raw)) return bad(field);
    changes[field] = raw;
  }
  return { ok: true, changes: changes as MangaChanges };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function countOr(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}
