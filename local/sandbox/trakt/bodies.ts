import type { Reply } from '../kit/http';
import { empty } from './replies';

/** What the write routes (`/sync/history`, `/sync/ratings` and their `/remove`) share in reading bodies. */

export type Json = Record<string, unknown>;

/** Thrown while reading a body: the request is answered with `reply` and nothing is applied. */
export class Rejected extends Error {
  constructor(readonly reply: Reply) {
    super(`rejected with ${reply.status}`);
  }
}

export function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `body[key]` as an array of objects ([] when absent); anything else cannot be parsed (400). */
export function objects(body: Json, key: string): Json[] {
  const value = body[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isRecord)) throw new Rejected(empty(400));
  return value;
}

/** `object.seasons` / `object.episodes`: undefined when absent ("all of them"). */
export function nestedObjects(object: Json, key: string): Json[] | undefined {
  return object[key] === undefined ? undefined : objects(object, key);
}

export interface NotFound {
  movies: unknown[];
  shows: unknown[];
  seasons: unknown[];
  episodes: unknown[];
}

export function noneNotFound(): NotFound {
  return { movies: [], shows: [], seasons: [], episodes: [] };
}

/**
 * Where a season or episode number a known show lacks is reported: as itself (`episodes`; a whole
 * missing season under `seasons`), or as its show (`show`, once per show object).
 */
export class MissingUnderShow {
  private reported = false;

  constructor(
    private readonly notFound: NotFound,
    private readonly show: Json,
    private readonly mode: 'episodes' | 'show',
  ) {}

  season(season: Json): void {
    if (this.mode === 'show') this.reportShow();
    else this.notFound.seasons.push(season);
  }

  episode(episode: Json): void {
    if (this.mode === 'show') this.reportShow();
    else this.notFound.episodes.push(episode);
  }

  private reportShow(): void {
    if (this.reported) return;
    this.reported = true;
    this.notFound.shows.push(this.show);
  }
}
