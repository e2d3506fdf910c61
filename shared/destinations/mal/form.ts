import { MalInvalidInputError } from './errors';
import {
  MAL_MANGA_STATUSES,
  MAL_MANGA_WRITE_FIELD_NAMES,
  MAL_STATUSES,
  MAL_WRITE_FIELD_NAMES,
  type MalMangaWriteFields,
  type MalWriteFields,
} from './types';

const WRITE_FIELDS: ReadonlySet<string> = new Set(MAL_WRITE_FIELD_NAMES);
const STATUSES: ReadonlySet<string> = new Set(MAL_STATUSES);
const MAL_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * Encodes `PATCH /anime/{id}/my_list_status` form fields. Only fields present (not `undefined`)
 * in `MAL_WRITE_FIELD_NAMES` are sent, because MAL answers 400 "This form should not contain
 * extra fields." to anything else and we would rather fail here, with the field named, than
 * burn a request. Values are checked against MAL's documented ranges for the same reason.
 */
export function encodeWriteFields(fields: MalWriteFields): URLSearchParams {
  if (fields === null || typeof fields !== 'object') {
    throw new MalInvalidInputError('MAL list update needs an object of fields');
  }
  const unknown = Object.keys(fields).filter((k) => !WRITE_FIELDS.has(k));
  if (unknown.length > 0) {
    const readName = unknown.includes('num_episodes_watched')
      ? ' (the write name of num_episodes_watched is num_watched_episodes)'
      : '';
    throw new MalInvalidInputError(
      `MAL list update has unsupported field(s) ${unknown.map((k) => `"${k}"`).join(', ')}${readName}; allowed: ${MAL_WRITE_FIELD_NAMES.join(', ')}`,
      unknown[0],
    );
  }
  const form = new URLSearchParams();
  // Fixed order keeps request bodies stable (logs, tests), whatever order the caller built.
  for (const name of MAL_WRITE_FIELD_NAMES) {
    const value = fields[name];
    if (value === undefined) continue;
    form.append(name, encodeValue(name, value));
  }
  if ([...form.keys()].length === 0) {
    throw new MalInvalidInputError('MAL list update has no fields to send');
  }
  return form;
}

function encodeValue(name: (typeof MAL_WRITE_FIELD_NAMES)[number], value: unknown): string {
  switch (name) {
    case 'status':
      if (typeof value !== 'string' || !STATUSES.has(value)) {
        throw invalid(name, value, `one of ${MAL_STATUSES.join(', ')}`);
      }
      return value;
    case 'is_rewatching':
      if (typeof value !== 'boolean') throw invalid(name, value, 'true or false');
      return value ? 'true' : 'false';
    case 'score':
      if (!isIntIn(value, 0, 10)) throw invalid(name, value, 'a whole number from 0 to 10');
      return String(value);
    case 'num_watched_episodes':
    case 'num_times_rewatched':
      if (!isIntIn(value, 0, Number.MAX_SAFE_INTEGER)) throw invalid(name, value, 'a whole number, 0 or more');
      return String(value);
    case 'comments':
      if (typeof value !== 'string') throw invalid(name, value, 'text');
      return value;
    case 'start_date':
    case 'finish_date':
      if (typeof value !== 'string' || (value !== '' && !isMalDate(value))) {
        throw invalid(name, value, 'a date YYYY-MM-DD (or YYYY-MM / YYYY), or "" to clear it');
      }
      return value;
  }
}

const MANGA_WRITE_FIELDS: ReadonlySet<string> = new Set(MAL_MANGA_WRITE_FIELD_NAMES);
const MANGA_STATUSES: ReadonlySet<string> = new Set(MAL_MANGA_STATUSES);

/** Encodes `PATCH /manga/{id}/my_list_status` form fields, checked as `encodeWriteFields` checks anime's. */
export function encodeMangaWriteFields(fields: MalMangaWriteFields): URLSearchParams {
  if (fields === null || typeof fields !== 'object') {
    throw new MalInvalidInputError('MAL manga list update needs an object of fields');
  }
  const unknown = Object.keys(fields).filter((k) => !MANGA_WRITE_FIELDS.has(k));
  if (unknown.length > 0) {
    throw new MalInvalidInputError(
      `MAL manga list update has unsupported field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: ${MAL_MANGA_WRITE_FIELD_NAMES.join(', ')}`,
      unknown[0],
    );
  }
  const form = new URLSearchParams();
  for (const name of MAL_MANGA_WRITE_FIELD_NAMES) {
    const value = fields[name];
    if (value === undefined) continue;
    form.append(name, encodeMangaValue(name, value));
  }
  if ([...form.keys()].length === 0) throw new MalInvalidInputError('MAL manga list update has no fields to send');
  return form;
}

function encodeMangaValue(name: (typeof MAL_MANGA_WRITE_FIELD_NAMES)[number], value: unknown): string {
  switch (name) {
    case 'status':
      if (typeof value !== 'string' || !MANGA_STATUSES.has(value)) {
        throw invalid(name, value, `one of ${MAL_MANGA_STATUSES.join(', ')}`);
      }
      return value;
    case 'is_rereading':
      if (typeof value !== 'boolean') throw invalid(name, value, 'true or false');
      return value ? 'true' : 'false';
    case 'score':
    case 'comments':
    case 'start_date':
    case 'finish_date':
      return encodeValue(name, value);
    case 'num_volumes_read':
    case 'num_chapters_read':
    case 'num_times_reread':
      if (!isIntIn(value, 0, Number.MAX_SAFE_INTEGER)) throw invalid(name, value, 'a whole number, 0 or more');
      return String(value);
  }
}

function invalid(name: string, value: unknown, expected: string): MalInvalidInputError {
  const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(value);
  return new MalInvalidInputError(`MAL list update field ${name} is ${shown}; expected ${expected}`, name);
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * `YYYY-MM-DD` naming a day that exists, or a partial `YYYY-MM` / `YYYY` (only sent when
 * PARTIAL_DATES=send: MAL's support for partial writes is undocumented).
 */
export function isMalDate(value: string): boolean {
  const m = MAL_DATE.exec(value);
  if (!m) return false;
  const year = Number(m[1]);
  if (m[2] === undefined) return year >= 1;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return false;
  if (m[3] === undefined) return year >= 1;
  const day = Number(m[3]);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
