import { MAL_STATUSES, type MalStatus } from '../../../shared/destinations/mal/types';
import type { SandboxAnime } from './catalogue';
import type { SandboxListStatus } from './fixture';

/**
 * `fields=list_status{comments,tags},num_episodes` → `{ list_status: Set{comments,tags}, num_episodes: null }`.
 * A field named without braces maps to `null` ("the default sub-fields").
 */
export function parseFieldsParam(value: string | null): Map<string, Set<string> | null> {
  const out = new Map<string, Set<string> | null>();
  if (value === null) return out;
  let depth = 0;
  let name = '';
  let inner = '';
  const flush = () => {
    const key = name.trim();
    if (key !== '') {
      const subs = inner.trim() === '' ? null : splitTop(inner);
      const existing = out.get(key);
      if (subs && existing) for (const s of subs) existing.add(s);
      else out.set(key, subs ?? existing ?? null);
    }
    name = '';
    inner = '';
  };
  for (const ch of value) {
    if (ch === '{') {
      depth += 1;
      if (depth === 1) continue;
    } else if (ch === '}') {
      depth -= 1;
      if (depth === 0) continue;
    } else if (ch === ',' && depth === 0) {
      flush();
      continue;
    }
    if (depth === 0) name += ch;
    else inner += ch;
  }
  flush();
  return out;
}

function splitTop(inner: string): Set<string> {
  // Nested braces inside list_status are not meaningful to MAL; keep only top-level names.
  const names = new Set<string>();
  let depth = 0;
  let current = '';
  for (const ch of inner) {
    if (ch === '{') depth += 1;
    else if (ch === '}') depth -= 1;
    else if (ch === ',' && depth === 0) {
      if (current.trim()) names.add(current.trim());
      current = '';
    } else if (depth === 0) current += ch;
  }
  if (current.trim()) names.add(current.trim());
  return names;
}

/** Always present in `list_status`, whatever was asked for. */
const ALWAYS = ['status', 'score', 'num_episodes_watched', 'is_rewatching', 'updated_at'] as const;
const ON_REQUEST = [
  'priority',
  'num_times_rewatched',
  'rewatch_value',
  'tags',
  'comments',
  'start_date',
  'finish_date',
] as const;

/** `list_status` as a read returns it: defaults plus what was requested; unset dates omitted. */
export function projectListStatus(status: SandboxListStatus, requested: Set<string> | 'all'): Record<string, unknown> {
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

/**
 * An anime as a list item's `node` shows it. `media_type` only when asked for (`fields`), as MAL
 * sends it; `'all'` (backups, the list page) shows every field the sandbox knows.
 */
export function nodeOf(
  anime: SandboxAnime,
  requested: ReadonlyMap<string, unknown> | 'all' = 'all',
): Record<string, unknown> {
  const asked = (field: string) => requested === 'all' || requested.has(field);
  return {
    id: anime.id,
    title: anime.title,
    ...(anime.main_picture ? { main_picture: { ...anime.main_picture } } : {}),
    num_episodes: anime.num_episodes,
    ...(anime.media_type !== undefined && asked('media_type') ? { media_type: anime.media_type } : {}),
  };
}

/** Form fields `PATCH /anime/{id}/my_list_status` accepts (MAL's write names). */
export const MAL_FORM_FIELDS: ReadonlySet<string> = new Set([
  'status',
  'is_rewatching',
  'score',
  'num_watched_episodes',
  'priority',
  'num_times_rewatched',
  'rewatch_value',
  'tags',
  'comments',
  'start_date',
  'finish_date',
]);

export interface WriteValidationOptions {
  readonly acceptPartialDates: boolean;
}

export type WriteChanges = Partial<Omit<SandboxListStatus, 'updated_at' | 'start_date' | 'finish_date'>> & {
  start_date?: string;
  finish_date?: string;
};

/** Turns a validated form into changes, or names the first bad field (MAL answers 400 "invalid <field>"). */
export function readWriteForm(
  form: URLSearchParams,
  options: WriteValidationOptions,
): { ok: true; changes: WriteChanges } | { ok: false; message: string } {
  for (const key of form.keys()) {
    if (!MAL_FORM_FIELDS.has(key)) return { ok: false, message: 'This form should not contain extra fields.' };
  }
  const changes: WriteChanges = {};
  const bad = (field: string) => ({ ok: false as const, message: `invalid ${field}` });
  const int = (raw: string, min: number, max: number): number | undefined => {
    if (!/^\d+$/.test(raw)) return undefined;
    const n = Number(raw);
    return n >= min && n <= max ? n : undefined;
  };
  const status = form.get('status');
  if (status !== null) {
    if (!(MAL_STATUSES as readonly string[]).includes(status)) return bad('status');
    changes.status = status as MalStatus;
  }
  const rewatching = form.get('is_rewatching');
  if (rewatching !== null) {
    if (!['true', 'false', '1', '0'].includes(rewatching)) return bad('is_rewatching');
    changes.is_rewatching = rewatching === 'true' || rewatching === '1';
  }
  const numeric: [string, keyof WriteChanges, number][] = [
    ['score', 'score', 10],
    ['num_watched_episodes', 'num_episodes_watched', Number.MAX_SAFE_INTEGER],
    ['priority', 'priority', 2],
    ['num_times_rewatched', 'num_times_rewatched', Number.MAX_SAFE_INTEGER],
    ['rewatch_value', 'rewatch_value', 5],
  ];
  for (const [field, key, max] of numeric) {
    const raw = form.get(field);
    if (raw === null) continue;
    const n = int(raw, 0, max);
    if (n === undefined) return bad(field);
    (changes as Record<string, unknown>)[key] = n;
  }
  const tags = form.get('tags');
  if (tags !== null) {
    changes.tags = tags
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  }
  const comments = form.get('comments');
  if (comments !== null) changes.comments = comments;
  for (const field of ['start_date', 'finish_date'] as const) {
    const raw = form.get(field);
    if (raw === null) continue;
    if (raw !== '' && !isAcceptedDate(raw, options.acceptPartialDates)) return bad(field);
    changes[field] = raw;
  }
  return { ok: true, changes };
}

function isAcceptedDate(value: string, partial: boolean): boolean {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [
    Number(m[1]),
    m[2] === undefined ? undefined : Number(m[2]),
    m[3] === undefined ? undefined : Number(m[3]),
  ];
  if (day === undefined && !partial) return false;
  if (month !== undefined && (month < 1 || month > 12)) return false;
  if (day !== undefined && month !== undefined) {
    const d = new Date(Date.UTC(year, month - 1, day));
    return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
  }
  return true;
}
