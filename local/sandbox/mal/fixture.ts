import { readFileSync } from 'node:fs';
import { MAL_STATUSES, type MalStatus } from '../../../shared/destinations/mal/types';
import { AppError } from '../../../shared/errors';
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

/** A fixture that is not a usable `GET /users/@me/animelist` body. Names the file and the bad path. */
export class MalFixtureError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('mal_fixture_invalid', message, options);
  }
}

const STATUSES: ReadonlySet<string> = new Set(MAL_STATUSES);
const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/**
 * Reads a MAL list fixture: the response body of `GET /users/@me/animelist`
 * (`{"data":[{"node":{...},"list_status":{...}}],"paging":{}}`), from a path or an object.
 * Each `list_status` may carry only MAL's default fields; the rest get MAL's empty values.
 */
export function loadMalFixture(pathOrObject: string | unknown): SandboxEntrySeed[] {
  let body: unknown = pathOrObject;
  let source = 'MAL fixture';
  if (typeof pathOrObject === 'string') {
    source = `MAL fixture ${pathOrObject}`;
    let text: string;
    try {
      text = readFileSync(pathOrObject, 'utf8');
    } catch (cause) {
      throw new MalFixtureError(`${source} cannot be read: ${(cause as Error).message}`, { cause });
    }
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new MalFixtureError(`${source} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  if (!isRecord(body) || !Array.isArray(body.data)) {
    throw new MalFixtureError(
      `${source} must be the body of GET /users/@me/animelist: an object with a "data" array of {node, list_status}`,
    );
  }
  const seen = new Set<number>();
  return body.data.map((item, index) => {
    const seed = parseSeed(item, `${source}: data[${index}]`);
    if (seen.has(seed.node.id)) {
      throw new MalFixtureError(`${source}: data[${index}] repeats anime ${seed.node.id}`);
    }
    seen.add(seed.node.id);
    return seed;
  });
}

/** One `{node, list_status}` item; also used by `state.setList`. */
export function parseSeed(item: unknown, where: string): SandboxEntrySeed {
  if (!isRecord(item) || !isRecord(item.node)) throw new MalFixtureError(`${where} has no "node" object`);
  const node = item.node;
  const id = node.id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) {
    throw new MalFixtureError(`${where}.node.id must be a positive whole number`);
  }
  if (typeof node.title !== 'string' || node.title === '') {
    throw new MalFixtureError(`${where}.node.title must be non-empty text`);
  }
  const numEpisodes = node.num_episodes ?? 0;
  if (!isCount(numEpisodes)) throw new MalFixtureError(`${where}.node.num_episodes must be a whole number`);
  const anime: SandboxAnime = {
    id,
    title: node.title,
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
  return { node: anime, listStatus: parseListStatusSeed(item.list_status, `${where}.list_status`) };
}

function parseListStatusSeed(raw: unknown, where: string): SandboxEntrySeed['listStatus'] {
  if (!isRecord(raw)) throw new MalFixtureError(`${where} must be an object`);
  if (typeof raw.status !== 'string' || !STATUSES.has(raw.status)) {
    throw new MalFixtureError(`${where}.status must be one of ${MAL_STATUSES.join(', ')}`);
  }
  const count = (key: string, max = Number.MAX_SAFE_INTEGER): number => {
    const value = raw[key] ?? 0;
    if (!isCount(value) || value > max) throw new MalFixtureError(`${where}.${key} must be a whole number 0–${max}`);
    return value;
  };
  const out: SandboxEntrySeed['listStatus'] & { start_date?: string; finish_date?: string; updated_at?: string } = {
    status: raw.status as MalStatus,
    score: count('score', 10),
    num_episodes_watched: count('num_episodes_watched'),
    is_rewatching: raw.is_rewatching === true,
    num_times_rewatched: count('num_times_rewatched'),
    comments: typeof raw.comments === 'string' ? raw.comments : '',
    priority: count('priority', 2),
    rewatch_value: count('rewatch_value', 5),
    tags: Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === 'string') : [],
  };
  if (raw.is_rewatching !== undefined && typeof raw.is_rewatching !== 'boolean') {
    throw new MalFixtureError(`${where}.is_rewatching must be true or false`);
  }
  for (const key of ['start_date', 'finish_date'] as const) {
    const value = raw[key];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string' || !DATE.test(value)) {
      throw new MalFixtureError(`${where}.${key} must be YYYY-MM-DD (or YYYY / YYYY-MM)`);
    }
    out[key] = value;
  }
  if (raw.updated_at !== undefined) {
    if (typeof raw.updated_at !== 'string' || Number.isNaN(Date.parse(raw.updated_at))) {
      throw new MalFixtureError(`${where}.updated_at must be an ISO date-time`);
    }
    out.updated_at = raw.updated_at;
  }
  return out;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
