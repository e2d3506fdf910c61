import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppError } from '../../../shared/errors';
import { shownValue } from '../../../shared/text/quote';
import { FixtureProblems, type Json } from '../kit/fixture-problems';
import {
  Catalogue,
  type Episode,
  type EpisodeRef,
  episodeOf,
  type Movie,
  type Season,
  type SeasonRef,
  type Show,
  seasonOf,
} from './catalogue';
import { parseDateTime } from './dates';
import { type HistoryAction, type PlaySeed, type RatingSeed, type RatingTarget, ratingKeyOf } from './store';

/**
 * The sandbox's data file: `{"shows": [...], "movies": [...], "history": [...], "ratings": [...]}`.
 * Shows and movies are shaped like Trakt's answers (`ids`, `title`, `year`; shows with `seasons[]`
 * of `{number, ids, episodes[]}`, episodes `{season, number, number_abs, title, ids}`); `history`
 * and `ratings` are the user's existing items, shaped like `GET /sync/history` and
 * `GET /sync/ratings` items. Every problem is reported with its JSON path.
 */

type Ids = Readonly<Record<string, unknown>>;

export interface TraktFixtureEpisode {
  /** Must equal the season's number when given. */
  readonly season?: number;
  readonly number: number;
  readonly number_abs?: number | null;
  readonly title?: string | null;
  readonly ids: {
    readonly trakt: number;
    readonly tvdb?: number | null;
    readonly imdb?: string | null;
    readonly tmdb?: number | null;
  };
  /** Absent: aired (time unknown). `null`: not aired yet. */
  readonly first_aired?: string | null;
  readonly runtime?: number | null;
}

export interface TraktFixtureSeason {
  readonly number: number;
  readonly ids: { readonly trakt: number; readonly tvdb?: number | null; readonly tmdb?: number | null };
  readonly title?: string | null;
  readonly episodes?: readonly TraktFixtureEpisode[];
}

export interface TraktFixtureShow {
  readonly title: string;
  readonly year?: number | null;
  readonly ids: {
    readonly trakt: number;
    readonly slug: string;
    readonly tvdb?: number | null;
    readonly imdb?: string | null;
    readonly tmdb?: number | null;
  };
  readonly runtime?: number | null;
  readonly seasons?: readonly TraktFixtureSeason[];
}

export interface TraktFixtureMovie {
  readonly title: string;
  readonly year?: number | null;
  readonly ids: {
    readonly trakt: number;
    readonly slug: string;
    readonly imdb?: string | null;
    readonly tmdb?: number | null;
  };
  /** `YYYY-MM-DD`. */
  readonly released?: string | null;
  readonly runtime?: number | null;
}

/** A `GET /sync/history` item: `id` is assigned when absent, `action` defaults to `watch`. */
export interface TraktHistoryItemInput {
  readonly id?: number;
  /** `null`: a play without a known date. */
  readonly watched_at: string | null;
  readonly action?: HistoryAction;
  readonly type: 'episode' | 'movie';
  /** By `ids.trakt` / `ids.tvdb`, or by `season` + `number` within `show`. */
  readonly episode?: { readonly season?: number; readonly number?: number; readonly ids?: Ids };
  readonly show?: { readonly ids: Ids };
  readonly movie?: { readonly ids: Ids };
}

/** A `GET /sync/ratings` item. */
export interface TraktRatingItemInput {
  readonly rated_at: string;
  readonly rating: number;
  readonly type: 'movie' | 'show' | 'season' | 'episode';
  readonly movie?: { readonly ids: Ids };
  readonly show?: { readonly ids: Ids };
  /** By `ids`, or by `number` within `show`. */
  readonly season?: { readonly number?: number; readonly ids?: Ids };
  readonly episode?: { readonly season?: number; readonly number?: number; readonly ids?: Ids };
}

export interface TraktFixture {
  readonly shows?: readonly TraktFixtureShow[];
  readonly movies?: readonly TraktFixtureMovie[];
  readonly history?: readonly TraktHistoryItemInput[];
  readonly ratings?: readonly TraktRatingItemInput[];
}

export interface LoadedFixture {
  readonly catalogue: Catalogue;
  readonly history: PlaySeed[];
  readonly ratings: RatingSeed[];
}

/** A fixture (or a `setHistory` / `setRatings` argument) that cannot be used; `problems` name JSON paths. */
export class TraktFixtureError extends AppError {
  constructor(
    source: string,
    readonly problems: readonly string[],
  ) {
    super('trakt_fixture_invalid', `${source} is not usable:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Where the sample catalogue lives; read only when a sandbox starts without a fixture. */
export function defaultTraktFixturePath(): string {
  return resolve(__dirname, '..', 'data', 'anime-ids', 'trakt-sample.json');
}

/** The shared checks (every problem with its JSON path, bad values quoted), plus Trakt's own. */
class Problems extends FixtureProblems {
  imdbOrNull(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' && /^tt\d+$/.test(value)) return value;
    this.expected(path, value, 'an IMDb id like "tt0903747", or null');
    return null;
  }

  dateTimeOrNull(value: unknown, path: string): number | null | undefined {
    if (value === null) return null;
    return parseDateTime(value) ?? this.expected(path, value, 'an ISO 8601 date-time');
  }
}

/** Unique trakt ids (and slugs) per kind of object. */
class Uniques {
  private readonly seen = new Map<string, string>();

  claim(problems: Problems, kind: string, value: unknown, path: string): void {
    if (value === undefined) return;
    const key = `${kind}:${String(value)}`;
    const first = this.seen.get(key);
    if (first) problems.add(path, `repeats the ${kind} of ${first}`);
    else this.seen.set(key, path);
  }
}

/** `seasonNumber` is undefined when the season's own number is bad (already reported). */
function parseEpisode(
  p: Problems,
  u: Uniques,
  raw: unknown,
  path: string,
  seasonNumber: number | undefined,
): Episode | undefined {
  const e = p.record(raw, path);
  if (!e) return undefined;
  if (seasonNumber !== undefined && e.season !== undefined && e.season !== seasonNumber) {
    p.expected(`${path}.season`, e.season, `${seasonNumber}, its season`);
  }
  const number = p.whole(e.number, `${path}.number`, 0);
  const ids = p.record(e.ids, `${path}.ids`);
  const trakt = ids && p.whole(ids.trakt, `${path}.ids.trakt`, 1);
  u.claim(p, 'episode ids.trakt', trakt, `${path}.ids.trakt`);
  const firstAired = e.first_aired;
  if (firstAired !== undefined && firstAired !== null && parseDateTime(firstAired) === undefined) {
    p.expected(`${path}.first_aired`, firstAired, 'an ISO 8601 date-time or null');
  }
  const episode: Episode = {
    season: seasonNumber ?? 0,
    number: number ?? 0,
    number_abs: p.wholeOrNull(e.number_abs, `${path}.number_abs`, 1),
    title: typeof e.title === 'string' ? e.title : p.textOrNull(e.title, `${path}.title`),
    ids: {
      trakt: trakt ?? 0,
      tvdb: ids ? p.wholeOrNull(ids.tvdb, `${path}.ids.tvdb`, 1) : null,
      imdb: ids ? p.imdbOrNull(ids.imdb, `${path}.ids.imdb`) : null,
      tmdb: ids ? p.wholeOrNull(ids.tmdb, `${path}.ids.tmdb`, 1) : null,
    },
    ...(firstAired === undefined ? {} : { first_aired: typeof firstAired === 'string' ? firstAired : null }),
    runtime: p.wholeOrNull(e.runtime, `${path}.runtime`, 0),
  };
  return number === undefined || trakt === undefined ? undefined : episode;
}

function parseSeason(p: Problems, u: Uniques, raw: unknown, path: string): Season | undefined {
  const s = p.record(raw, path);
  if (!s) return undefined;
  const number = p.whole(s.number, `${path}.number`, 0);
  const ids = p.record(s.ids, `${path}.ids`);
  const trakt = ids && p.whole(ids.trakt, `${path}.ids.trakt`, 1);
  u.claim(p, 'season ids.trakt', trakt, `${path}.ids.trakt`);
  const episodes: Episode[] = [];
  p.array(s.episodes, `${path}.episodes`).forEach((item, i) => {
    const episode = parseEpisode(p, u, item, `${path}.episodes[${i}]`, number);
    if (!episode) return;
    if (episodes.some((other) => other.number === episode.number)) {
      p.add(`${path}.episodes[${i}].number`, `repeats episode ${episode.number} of this season`);
    } else episodes.push(episode);
  });
  if (number === undefined || trakt === undefined) return undefined;
  return {
    number,
    ids: {
      trakt,
      tvdb: ids ? p.wholeOrNull(ids.tvdb, `${path}.ids.tvdb`, 1) : null,
      tmdb: ids ? p.wholeOrNull(ids.tmdb, `${path}.ids.tmdb`, 1) : null,
    },
    title: typeof s.title === 'string' ? s.title : null,
    episodes: episodes.sort((a, b) => a.number - b.number),
  };
}

function parseShow(p: Problems, u: Uniques, raw: unknown, path: string): Show | undefined {
  const s = p.record(raw, path);
  if (!s) return undefined;
  const title = p.text(s.title, `${path}.title`);
  const ids = p.record(s.ids, `${path}.ids`);
  const trakt = ids && p.whole(ids.trakt, `${path}.ids.trakt`, 1);
  const slug = ids && p.text(ids.slug, `${path}.ids.slug`);
  u.claim(p, 'show ids.trakt', trakt, `${path}.ids.trakt`);
  u.claim(p, 'show ids.slug', slug, `${path}.ids.slug`);
  if (slug !== undefined && /^\d+$/.test(slug))
    p.add(`${path}.ids.slug`, `is ${shownValue(slug)}, but must not be all digits (it would read as a Trakt id)`);
  const seasons: Season[] = [];
  p.array(s.seasons, `${path}.seasons`).forEach((item, i) => {
    const season = parseSeason(p, u, item, `${path}.seasons[${i}]`);
    if (!season) return;
    if (seasons.some((other) => other.number === season.number)) {
      p.add(`${path}.seasons[${i}].number`, `repeats season ${season.number} of this show`);
    } else seasons.push(season);
  });
  if (title === undefined || trakt === undefined || slug === undefined || !ids) return undefined;
  return {
    title,
    year: p.wholeOrNull(s.year, `${path}.year`, 1800),
    ids: {
      trakt,
      slug,
      tvdb: p.wholeOrNull(ids.tvdb, `${path}.ids.tvdb`, 1),
      imdb: p.imdbOrNull(ids.imdb, `${path}.ids.imdb`),
      tmdb: p.wholeOrNull(ids.tmdb, `${path}.ids.tmdb`, 1),
    },
    runtime: p.wholeOrNull(s.runtime, `${path}.runtime`, 0),
    seasons: seasons.sort((a, b) => a.number - b.number),
  };
}

function parseMovie(p: Problems, u: Uniques, raw: unknown, path: string): Movie | undefined {
  const m = p.record(raw, path);
  if (!m) return undefined;
  const title = p.text(m.title, `${path}.title`);
  const ids = p.record(m.ids, `${path}.ids`);
  const trakt = ids && p.whole(ids.trakt, `${path}.ids.trakt`, 1);
  const slug = ids && p.text(ids.slug, `${path}.ids.slug`);
  u.claim(p, 'movie ids.trakt', trakt, `${path}.ids.trakt`);
  u.claim(p, 'movie ids.slug', slug, `${path}.ids.slug`);
  let released: string | null = null;
  if (m.released !== undefined && m.released !== null) {
    if (typeof m.released === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(m.released)) released = m.released;
    else p.expected(`${path}.released`, m.released, 'YYYY-MM-DD or null');
  }
  if (title === undefined || trakt === undefined || slug === undefined || !ids) return undefined;
  return {
    title,
    year: p.wholeOrNull(m.year, `${path}.year`, 1800),
    ids: {
      trakt,
      slug,
      imdb: p.imdbOrNull(ids.imdb, `${path}.ids.imdb`),
      tmdb: p.wholeOrNull(ids.tmdb, `${path}.ids.tmdb`, 1),
    },
    released,
    runtime: p.wholeOrNull(m.runtime, `${path}.runtime`, 0),
  };
}

// ---- the user's items, resolved against the catalogue ----

function resolveShow(p: Problems, c: Catalogue, raw: unknown, path: string): Show | undefined {
  const show = p.record(raw, path);
  if (!show) return undefined;
  return c.findShow(show.ids) ?? p.add(`${path}.ids`, 'names no show of the catalogue');
}

function resolveEpisode(p: Problems, c: Catalogue, item: Json, path: string): EpisodeRef | undefined {
  const episode = p.record(item.episode, `${path}.episode`);
  if (!episode) return undefined;
  if (episode.ids !== undefined) {
    return c.findEpisode(episode.ids) ?? p.add(`${path}.episode.ids`, 'names no episode of the catalogue');
  }
  const show = resolveShow(p, c, item.show, `${path}.show`);
  if (!show) return undefined;
  const season = seasonOf(show, episode.season);
  const found = season && episodeOf(season, episode.number);
  if (!season || !found) {
    return p.add(
      `${path}.episode`,
      `${show.ids.slug} has no episode ${String(episode.season)}x${String(episode.number)}`,
    );
  }
  return { show, season, episode: found };
}

function resolveSeason(p: Problems, c: Catalogue, item: Json, path: string): SeasonRef | undefined {
  const season = p.record(item.season, `${path}.season`);
  if (!season) return undefined;
  if (season.ids !== undefined) {
    return c.findSeason(season.ids) ?? p.add(`${path}.season.ids`, 'names no season of the catalogue');
  }
  const show = resolveShow(p, c, item.show, `${path}.show`);
  if (!show) return undefined;
  const found = seasonOf(show, season.number);
  return found
    ? { show, season: found }
    : p.add(`${path}.season`, `${show.ids.slug} has no season ${String(season.number)}`);
}

function resolveMovie(p: Problems, c: Catalogue, raw: unknown, path: string): Movie | undefined {
  const movie = p.record(raw, path);
  if (!movie) return undefined;
  return c.findMovie(movie.ids) ?? p.add(`${path}.ids`, 'names no movie of the catalogue');
}

const ACTIONS: ReadonlySet<unknown> = new Set(['watch', 'scrobble', 'checkin']);

function parsePlay(p: Problems, c: Catalogue, raw: unknown, path: string, ids: Uniques): PlaySeed | undefined {
  const item = p.record(raw, path);
  if (!item) return undefined;
  const id = item.id === undefined ? undefined : p.whole(item.id, `${path}.id`, 1);
  ids.claim(p, 'history id', id, `${path}.id`);
  const watchedAt = p.dateTimeOrNull(item.watched_at, `${path}.watched_at`);
  const action = item.action ?? 'watch';
  if (!ACTIONS.has(action)) p.expected(`${path}.action`, action, 'watch, scrobble or checkin');
  let target: PlaySeed['target'] | undefined;
  if (item.type === 'episode') {
    const ref = resolveEpisode(p, c, item, path);
    target = ref && { kind: 'episode', ref };
  } else if (item.type === 'movie') {
    const movie = resolveMovie(p, c, item.movie, `${path}.movie`);
    target = movie && { kind: 'movie', movie };
  } else p.expected(`${path}.type`, item.type, '"episode" or "movie"');
  if (!target || watchedAt === undefined || (item.id !== undefined && id === undefined)) return undefined;
  return { ...(id === undefined ? {} : { id }), watchedAt, action: action as HistoryAction, target };
}

function ratingTarget(p: Problems, c: Catalogue, item: Json, path: string): RatingTarget | undefined {
  switch (item.type) {
    case 'movie': {
      const movie = resolveMovie(p, c, item.movie, `${path}.movie`);
      return movie && { kind: 'movie', movie };
    }
    case 'show': {
      const show = resolveShow(p, c, item.show, `${path}.show`);
      return show && { kind: 'show', show };
    }
    case 'season': {
      const ref = resolveSeason(p, c, item, path);
      return ref && { kind: 'season', ref };
    }
    case 'episode': {
      const ref = resolveEpisode(p, c, item, path);
      return ref && { kind: 'episode', ref };
    }
    default:
      return p.expected(`${path}.type`, item.type, 'movie, show, season or episode');
  }
}

function parseRating(p: Problems, c: Catalogue, raw: unknown, path: string, keys: Uniques): RatingSeed | undefined {
  const item = p.record(raw, path);
  if (!item) return undefined;
  const rating = p.whole(item.rating, `${path}.rating`, 1, 10);
  const ratedAt =
    parseDateTime(item.rated_at) ?? p.expected(`${path}.rated_at`, item.rated_at, 'an ISO 8601 date-time');
  const target = ratingTarget(p, c, item, path);
  if (target) keys.claim(p, 'rated item', ratingKeyOf(target), path);
  if (!target || ratedAt === undefined || rating === undefined) return undefined;
  return { rating, ratedAt, target };
}

/** `GET /sync/history`-shaped items against `catalogue`; throws with every problem's path. */
export function parseHistoryItems(items: unknown, catalogue: Catalogue, source: string, root = '$'): PlaySeed[] {
  const p = new Problems();
  const seeds = parsePlays(p, catalogue, items, root);
  if (p.list.length > 0) throw new TraktFixtureError(source, p.list);
  return seeds;
}

/** `GET /sync/ratings`-shaped items against `catalogue`; throws with every problem's path. */
export function parseRatingItems(items: unknown, catalogue: Catalogue, source: string, root = '$'): RatingSeed[] {
  const p = new Problems();
  const seeds = parseRatings(p, catalogue, items, root);
  if (p.list.length > 0) throw new TraktFixtureError(source, p.list);
  return seeds;
}

function parsePlays(p: Problems, c: Catalogue, items: unknown, path: string): PlaySeed[] {
  const ids = new Uniques();
  return p
    .array(items, path)
    .map((item, i) => parsePlay(p, c, item, `${path}[${i}]`, ids))
    .filter((s): s is PlaySeed => s !== undefined);
}

function parseRatings(p: Problems, c: Catalogue, items: unknown, path: string): RatingSeed[] {
  const keys = new Uniques();
  return p
    .array(items, path)
    .map((item, i) => parseRating(p, c, item, `${path}[${i}]`, keys))
    .filter((s): s is RatingSeed => s !== undefined);
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TraktFixtureError(`Trakt fixture ${path}`, [`cannot be read: ${(cause as Error).message}`]);
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new TraktFixtureError(`Trakt fixture ${path}`, [`is not valid JSON: ${(cause as Error).message}`]);
  }
}

/** Reads and checks a fixture from a path or an object; throws a `TraktFixtureError` listing every problem. */
export function loadTraktFixture(pathOrObject: string | TraktFixture | object): LoadedFixture {
  const source = typeof pathOrObject === 'string' ? `Trakt fixture ${pathOrObject}` : 'Trakt fixture';
  const body = typeof pathOrObject === 'string' ? readJson(pathOrObject) : pathOrObject;
  const p = new Problems();
  const root = p.record(body, '$') ?? {};
  for (const key of Object.keys(root)) {
    if (!['shows', 'movies', 'history', 'ratings'].includes(key)) p.add(`$.${key}`, 'is not a fixture key');
  }
  const u = new Uniques();
  const shows = p
    .array(root.shows, '$.shows')
    .map((raw, i) => parseShow(p, u, raw, `$.shows[${i}]`))
    .filter((s): s is Show => s !== undefined);
  const movies = p
    .array(root.movies, '$.movies')
    .map((raw, i) => parseMovie(p, u, raw, `$.movies[${i}]`))
    .filter((m): m is Movie => m !== undefined);
  const catalogue = new Catalogue(shows, movies);
  const history = parsePlays(p, catalogue, root.history, '$.history');
  const ratings = parseRatings(p, catalogue, root.ratings, '$.ratings');
  if (p.list.length > 0) throw new TraktFixtureError(source, p.list);
  return { catalogue, history, ratings };
}
