import { readFileSync } from 'node:fs';
import { MAL_STATUSES, type MalStatus } from '../../../shared/destinations/mal/types';
import { AppError } from '../../../shared/errors';
import { FixtureProblems, isRecord, type Json } from '../kit/fixture-problems';
import type { SandboxAnime } from './catalogue';

/** Everything MAL stores for a list entry (the sandbox always keeps all of it). */
export interface SandboxListStatus {
  status: MalStatus;
  score: number;
  num_episodes_watched: number;
  is_rewatching: boolean;
  num_times_rewatched: number;
  comments: string;
  start_date?: string;
  finish_date?: string;
  updated_at: string;
  priority: number;
  rewatch_value: number;
  tags: string[];
}

export interface SandboxEntrySeed {
  readonly node: SandboxAnime;
  /** `updated_at` may be missing: the sandbox stamps it with its clock. */
  readonly listStatus: Omit<SandboxListStatus, 'updated_at'> & { updated_at?: string };
}

/** A fixture that is not a usable `GET /users/@me/animelist` body. `problems` name each bad JSON path. */
export class MalFixtureError extends AppError {
  readonly problems: readonly string[];
  constructor(message: string, options?: { cause?: unknown; problems?: readonly string[] }) {
    super('mal_fixture_invalid', message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.problems = options?.problems ?? [message];
  }

  /** `MAL fixture x.json is not usable:` and one line per problem (the first 30). */
  static listing(source: string, problems: readonly string[]): MalFixtureError {
    const shown = problems.slice(0, 30);
    const more = problems.length > shown.length ? `\n  … and ${problems.length - shown.length} more` : '';
    return new MalFixtureError(`${source} is not usable:\n  - ${shown.join('\n  - ')}${more}`, { problems });
  }
}

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/**
 * Reads a MAL list fixture: the response body of `GET /users/@me/animelist`
 * (`{"data":[{"node":{...},"list_status":{...}}],"paging":{}}`), from a path or an object.
 * Each `list_status` may carry only MAL's default fields; the rest get MAL's empty values.
 * Every problem is reported at once, with its JSON path (`data[3].list_status.score: 11 is above 10`).
 */
export function loadMalFixture(pathOrObject: string | unknown): SandboxEntrySeed[] {
  const source = typeof pathOrObject === 'string' ? `MAL fixture ${pathOrObject}` : 'MAL fixture';
  const body = typeof pathOrObject === 'string' ? readJson(pathOrObject, source) : pathOrObject;
  if (!isRecord(body) || !Array.isArray(body.data)) {
    throw new MalFixtureError(
      `${source} must be the body of GET /users/@me/animelist: an object with a "data" array of {node, list_status}`,
    );
  }
  const p = new FixtureProblems();
  const seen = new Map<number, string>();
  const seeds = body.data.flatMap((item, index) => {
    const where = `data[${index}]`;
    const seed = readSeed(p, item, where);
    if (!seed) return [];
    const first = seen.get(seed.node.id);
    if (first !== undefined) {
      p.add(`${where}.node.id`, `repeats anime ${seed.node.id} of ${first}`);
      return [];
    }
    seen.set(seed.node.id, where);
    return [seed];
  });
  if (p.list.length > 0) throw MalFixtureError.listing(source, p.list);
  return seeds;
}

function readJson(path: string, source: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new MalFixtureError(`${source} cannot be read: ${(cause as Error).message}`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new MalFixtureError(`${source} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** One `{node, list_status}` item; also used by `state.setList`. Throws listing every problem under `where`. */
export function parseSeed(item: unknown, where: string): SandboxEntrySeed {
  const p = new FixtureProblems();
  const seed = readSeed(p, item, where);
  if (!seed || p.list.length > 0) throw MalFixtureError.listing('The MAL list entry', p.list);
  return seed;
}

function readSeed(p: FixtureProblems, item: unknown, where: string): SandboxEntrySeed | undefined {
  const entry = p.record(item, where);
  if (!entry) return undefined;
  const node = p.record(entry.node, `${where}.node`);
  const anime = node && readAnime(p, node, `${where}.node`);
  const listStatus = readListStatus(p, entry.list_status, `${where}.list_status`);
  return anime && listStatus && { node: anime, listStatus };
}

function readAnime(p: FixtureProblems, node: Json, where: string): SandboxAnime | undefined {
  const id = p.whole(node.id, `${where}.id`, 1);
  const title = p.text(node.title, `${where}.title`);
  const numEpisodes = p.wholeOrNull(node.num_episodes, `${where}.num_episodes`, 0) ?? 0;
  if (id === undefined || title === undefined) return undefined;
  return {
    id,
    title,
    num_episodes: numEpisodes,
    ...(typeof node.media_type === 'string' && node.media_type !== '' ? { media_type: node.media_type } : {}),
    ...(isRecord(node.main_picture) && typeof node.main_picture.medium === 'string'
      ? {
          main_picture: {
            medium: node.main_picture.medium,
            ...(typeof node.main_picture.large === 'string' ? { large: node.main_picture.large } : {}),
          },
        }
      : {}),
    // MAL's rating is white/gray/black; a plain boolean is accepted for hand-written fixtures.
    ...(node.nsfw === true || node.nsfw === 'gray' || node.nsfw === 'black' ? { nsfw: true } : {}),
  };
}

function readListStatus(p: FixtureProblems, value: unknown, where: string): SandboxEntrySeed['listStatus'] | undefined {
  const raw = p.record(value, where);
  if (!raw) return undefined;
  const before = p.list.length;
  const at = (key: string) => `${where}.${key}`;
  const given = (key: string) => raw[key] !== undefined && raw[key] !== null;
  // Absent or null is MAL's empty value (0); anything else must be a whole number in range.
  const count = (key: string, max?: number) => (given(key) ? (p.whole(raw[key], at(key), 0, max) ?? 0) : 0);
  const status = MAL_STATUSES.includes(raw.status as MalStatus)
    ? (raw.status as MalStatus)
    : p.expected(at('status'), raw.status, `one of ${MAL_STATUSES.join(', ')}`);
  const out: SandboxEntrySeed['listStatus'] = {
    status: status ?? 'watching',
    score: count('score', 10),
    num_episodes_watched: count('num_episodes_watched'),
    is_rewatching: given('is_rewatching') ? (boolean(p, raw.is_rewatching, at('is_rewatching')) ?? false) : false,
    num_times_rewatched: count('num_times_rewatched'),
    comments: given('comments') ? (text(p, raw.comments, at('comments')) ?? '') : '',
    priority: count('priority', 2),
    rewatch_value: count('rewatch_value', 5),
    tags: given('tags') ? (tags(p, raw.tags, at('tags')) ?? []) : [],
  };
  for (const key of ['start_date', 'finish_date'] as const) {
    const date = raw[key];
    if (date === undefined || date === null || date === '') continue;
    if (typeof date === 'string' && DATE.test(date)) out[key] = date;
    else p.expected(at(key), date, 'YYYY-MM-DD (or YYYY / YYYY-MM)');
  }
  if (raw.updated_at !== undefined) {
    if (typeof raw.updated_at === 'string' && !Number.isNaN(Date.parse(raw.updated_at)))
      out.updated_at = raw.updated_at;
    else p.expected(at('updated_at'), raw.updated_at, 'an ISO date-time');
  }
  return p.list.length > before ? undefined : out;
}

function boolean(p: FixtureProblems, value: unknown, path: string): boolean | undefined {
  return typeof value === 'boolean' ? value : p.expected(path, value, 'true or false');
}

function text(p: FixtureProblems, value: unknown, path: string): string | undefined {
  return typeof value === 'string' ? value : p.expected(path, value, 'text');
}

function tags(p: FixtureProblems, value: unknown, path: string): string[] | undefined {
  return Array.isArray(value) && value.every((t) => typeof t === 'string')
    ? value
    : p.expected(path, value, 'a list of text, e.g. ["rewatch"]');
}
