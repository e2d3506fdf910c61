import { json, type Reply } from '../kit/http';
import { episodeObject, type Movie, movieObject, showObject } from './catalogue';
import { extendedOf } from './catalogue-routes';
import type { TraktContext } from './context';
import { parseDateTime, traktDateTime } from './dates';
import { empty, pageRequest, paginate } from './replies';
import type { Play } from './store';

/** `GET /sync/history[/{type}[/{id}]]` and `GET /sync/watched/{movies|shows}`. */

/** A play's date as history shows it; a play of unknown date as the sandbox is told to show it. */
function watchedAtText(ctx: TraktContext, watchedAt: number | null): string | null {
  if (watchedAt !== null) return traktDateTime(watchedAt);
  return ctx.settings.unknownWatchedAtShownAs === 'epoch' ? traktDateTime(0) : null;
}

/** Newest first; plays of unknown date last; the later recorded first among equals. */
export function newestFirst(a: Play, b: Play): number {
  const byDate = (b.watchedAt ?? Number.NEGATIVE_INFINITY) - (a.watchedAt ?? Number.NEGATIVE_INFINITY);
  return byDate !== 0 && !Number.isNaN(byDate) ? byDate : b.id - a.id;
}

/** One `GET /sync/history` item. */
export function historyItem(ctx: TraktContext, play: Play): Record<string, unknown> {
  const base = { id: play.id, watched_at: watchedAtText(ctx, play.watchedAt), action: play.action };
  const { target } = play;
  if (target.kind === 'movie') return { ...base, type: 'movie', movie: movieObject(target.movie) };
  return { ...base, type: 'episode', episode: episodeObject(target.ref.episode), show: showObject(target.ref.show) };
}

const HISTORY_TYPES: ReadonlySet<string> = new Set(['movies', 'shows', 'seasons', 'episodes']);

/** Which plays a history path selects; undefined for a type Trakt does not have. */
function historyFilter(type: string | undefined, id: string | undefined): ((play: Play) => boolean) | undefined {
  if (type === undefined) return () => true;
  if (!HISTORY_TYPES.has(type)) return undefined;
  if (type === 'movies') {
    return (play) => play.target.kind === 'movie' && (id === undefined || String(play.target.movie.ids.trakt) === id);
  }
  return (play) => {
    if (play.target.kind !== 'episode') return false;
    if (id === undefined) return true;
    const { show, season, episode } = play.target.ref;
    const ids = { shows: show.ids.trakt, seasons: season.ids.trakt, episodes: episode.ids.trakt };
    return String(ids[type as keyof typeof ids]) === id;
  };
}

export function history(
  ctx: TraktContext,
  type: string | undefined,
  id: string | undefined,
  params: URLSearchParams,
): Reply {
  const selects = historyFilter(type, id);
  if (!selects) return empty(404);
  const startAt = params.get('start_at');
  const endAt = params.get('end_at');
  const start = startAt === null ? undefined : parseDateTime(startAt);
  const end = endAt === null ? undefined : parseDateTime(endAt);
  if ((startAt !== null && start === undefined) || (endAt !== null && end === undefined)) return empty(400);
  const inRange = (play: Play): boolean => {
    if (start === undefined && end === undefined) return true;
    if (play.watchedAt === null) return false;
    return (start === undefined || play.watchedAt >= start) && (end === undefined || play.watchedAt <= end);
  };
  const plays = ctx.store
    .allPlays()
    .filter((play) => selects(play) && inRange(play))
    .sort(newestFirst);
  const request = pageRequest(params, ctx.settings.historyDefaultLimit, ctx.settings.maxPageLimit);
  const { page, headers } = paginate(plays, request);
  return json(
    200,
    page.map((play) => historyItem(ctx, play)),
    headers,
  );
}

// ---- watched ----

interface Tally {
  plays: number;
  last: number | null;
  updated: number;
}

function tally(into: Tally | undefined, play: Play): Tally {
  const next = into ?? { plays: 0, last: null, updated: 0 };
  next.plays += 1;
  if (play.watchedAt !== null && (next.last === null || play.watchedAt > next.last)) next.last = play.watchedAt;
  next.updated = Math.max(next.updated, play.addedAt);
  return next;
}

function tallyFields(ctx: TraktContext, t: Tally): Record<string, unknown> {
  return {
    plays: t.plays,
    last_watched_at: watchedAtText(ctx, t.last),
    last_updated_at: traktDateTime(t.updated),
  };
}

function byLastWatched(a: { tally: Tally }, b: { tally: Tally }): number {
  return (
    (b.tally.last ?? Number.NEGATIVE_INFINITY) - (a.tally.last ?? Number.NEGATIVE_INFINITY) ||
    b.tally.updated - a.tally.updated
  );
}

function watchedMovies(ctx: TraktContext): Record<string, unknown>[] {
  const movies = new Map<number, { movie: Movie; tally: Tally }>();
  for (const play of ctx.store.allPlays()) {
    if (play.target.kind !== 'movie') continue;
    const { movie } = play.target;
    movies.set(movie.ids.trakt, { movie, tally: tally(movies.get(movie.ids.trakt)?.tally, play) });
  }
  return [...movies.values()]
    .sort(byLastWatched)
    .map(({ movie, tally: t }) => ({ ...tallyFields(ctx, t), movie: movieObject(movie) }));
}

interface ShowTally {
  readonly show: Record<string, unknown>;
  tally: Tally;
  /** Season number → episode number → tally. */
  readonly seasons: Map<number, Map<number, Tally>>;
}

function watchedShows(ctx: TraktContext, withSeasons: boolean): Record<string, unknown>[] {
  const shows = new Map<number, ShowTally>();
  for (const play of ctx.store.allPlays()) {
    if (play.target.kind !== 'episode') continue;
    const { show, episode } = play.target.ref;
    let entry = shows.get(show.ids.trakt);
    if (!entry) {
      entry = { show: showObject(show), tally: tally(undefined, play), seasons: new Map() };
      shows.set(show.ids.trakt, entry);
    } else entry.tally = tally(entry.tally, play);
    const season = entry.seasons.get(episode.season) ?? new Map<number, Tally>();
    season.set(episode.number, tally(season.get(episode.number), play));
    entry.seasons.set(episode.season, season);
  }
  return [...shows.values()].sort(byLastWatched).map((entry) => ({
    ...tallyFields(ctx, entry.tally),
    reset_at: null,
    show: entry.show,
    ...(withSeasons
      ? {
          seasons: [...entry.seasons.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([number, episodes]) => ({
              number,
              episodes: [...episodes.entries()]
                .sort((a, b) => a[0] - b[0])
                .map(([n, t]) => ({ number: n, plays: t.plays, last_watched_at: watchedAtText(ctx, t.last) })),
            })),
        }
      : {}),
  }));
}

/** 2026: paginated, seasons only with `extended=progress` (then ≤100 a page); legacy: everything, seasons unless `noseasons`. */
export function watched(ctx: TraktContext, type: string, params: URLSearchParams): Reply {
  if (type !== 'movies' && type !== 'shows') return empty(404);
  const extended = extendedOf(params);
  if (ctx.settings.watchedMode === 'legacy') {
    return json(200, type === 'movies' ? watchedMovies(ctx) : watchedShows(ctx, !extended.has('noseasons')));
  }
  const progress = extended.has('progress');
  const items = type === 'movies' ? watchedMovies(ctx) : watchedShows(ctx, progress);
  const max = progress ? Math.min(100, ctx.settings.maxPageLimit) : ctx.settings.maxPageLimit;
  const { page, headers } = paginate(items, pageRequest(params, Math.min(100, max), max));
  return json(200, page, headers);
}
