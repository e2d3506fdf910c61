import { json, type Reply, text } from '../kit/http';
import { type Json, MissingUnderShow, nestedObjects, noneNotFound, objects, Rejected } from './bodies';
import { episodeObject, episodeOf, movieObject, seasonObject, seasonOf, showObject } from './catalogue';
import type { TraktContext } from './context';
import { parseDateTime, traktDateTime } from './dates';
import { accountLimit, empty, hasPageParams, pageRequest, paginate } from './replies';
import { type ActivityField, type RatingSeed, type RatingTarget, ratingActivity, ratingKeyOf } from './store';

/**
 * `POST /sync/ratings` (whole numbers 1–10; rating an item again replaces its rating),
 * `POST /sync/ratings/remove` and `GET /sync/ratings[/{type}[/{rating}]]`.
 */

type Kind = RatingTarget['kind'];
type Counts = Record<`${Kind}s`, number>;

function zeroCounts(): Counts {
  return { movies: 0, shows: 0, seasons: 0, episodes: 0 };
}

function countKey(kind: Kind): keyof Counts {
  return `${kind}s`;
}

/**
 * Walks a ratings body: `visit` gets every item found with the object that named it; items not
 * found land in `notFound`. A show with `seasons` names those seasons (and their `episodes`); a
 * show with a `rating` (or, when removing, without `seasons`) names the show itself.
 */
function walk(ctx: TraktContext, body: Json, removing: boolean, visit: (target: RatingTarget, object: Json) => void) {
  const notFound = noneNotFound();
  const { catalogue } = ctx;
  for (const object of objects(body, 'movies')) {
    const movie = catalogue.findMovie(object.ids);
    if (movie) visit({ kind: 'movie', movie }, object);
    else notFound.movies.push(object);
  }
  for (const object of objects(body, 'shows')) {
    const show = catalogue.findShow(object.ids);
    const seasons = nestedObjects(object, 'seasons');
    if (!show) {
      notFound.shows.push(object);
      continue;
    }
    if (seasons === undefined || (!removing && object.rating !== undefined)) visit({ kind: 'show', show }, object);
    const missing = new MissingUnderShow(notFound, object, ctx.settings.missingNumbersReportedAs);
    for (const seasonObject of seasons ?? []) {
      const season = seasonOf(show, seasonObject.number);
      const episodes = nestedObjects(seasonObject, 'episodes');
      if (!season) {
        missing.season(seasonObject);
        continue;
      }
      if (episodes === undefined || (!removing && seasonObject.rating !== undefined)) {
        visit({ kind: 'season', ref: { show, season } }, seasonObject);
      }
      for (const episodeObject of episodes ?? []) {
        const episode = episodeOf(season, episodeObject.number);
        if (episode) visit({ kind: 'episode', ref: { show, season, episode } }, episodeObject);
        else missing.episode(episodeObject);
      }
    }
  }
  for (const object of objects(body, 'seasons')) {
    const ref = catalogue.findSeason(object.ids);
    if (ref) visit({ kind: 'season', ref }, object);
    else notFound.seasons.push(object);
  }
  for (const object of objects(body, 'episodes')) {
    const ref = catalogue.findEpisode(object.ids);
    if (ref) visit({ kind: 'episode', ref }, object);
    else notFound.episodes.push(object);
  }
  return notFound;
}

function ratingOf(ctx: TraktContext, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10) return value;
  throw new Rejected(
    text(ctx.settings.invalidRatingStatus, `rating ${JSON.stringify(value)} is not a whole number 1-10`),
  );
}

function ratedAtOf(value: unknown, now: number): number {
  if (value === undefined || value === null) return now;
  const ms = parseDateTime(value);
  if (ms === undefined) throw new Rejected(text(422, `rated_at ${JSON.stringify(value)} is not an ISO 8601 date-time`));
  return ms;
}

export function addRatings(ctx: TraktContext, body: Json): Reply {
  const now = ctx.clock.now();
  const planned: RatingSeed[] = [];
  const notFound = walk(ctx, body, false, (target, object) => {
    planned.push({ target, rating: ratingOf(ctx, object.rating), ratedAt: ratedAtOf(object.rated_at, now) });
  });
  const { user, accountLimits } = ctx.settings;
  const cap = user.vip ? accountLimits.ratingsVip : accountLimits.ratingsFree;
  const fresh = new Set(planned.filter((p) => !ctx.store.ratingOf(p.target)).map((p) => ratingKeyOf(p.target)));
  if (ctx.store.ratingCount() + fresh.size > cap) return accountLimit(cap, user.vip);
  const added = zeroCounts();
  const touched = new Set<ActivityField>();
  for (const { target, rating, ratedAt } of planned) {
    ctx.store.rate(target, rating, ratedAt);
    added[countKey(target.kind)] += 1;
    touched.add(ratingActivity(target));
  }
  ctx.store.touch(touched, now);
  return json(201, { added, not_found: notFound });
}

export function removeRatings(ctx: TraktContext, body: Json): Reply {
  const deleted = zeroCounts();
  const touched = new Set<ActivityField>();
  const notFound = walk(ctx, body, true, (target) => {
    if (!ctx.store.unrate(target)) return;
    deleted[countKey(target.kind)] += 1;
    touched.add(ratingActivity(target));
  });
  ctx.store.touch(touched, ctx.clock.now());
  return json(200, { deleted, not_found: notFound });
}

// ---- GET ----

/** One `GET /sync/ratings` item. */
export function ratingItem(seed: RatingSeed): Record<string, unknown> {
  const base = { rated_at: traktDateTime(seed.ratedAt), rating: seed.rating };
  const { target } = seed;
  switch (target.kind) {
    case 'movie':
      return { ...base, type: 'movie', movie: movieObject(target.movie) };
    case 'show':
      return { ...base, type: 'show', show: showObject(target.show) };
    case 'season':
      return { ...base, type: 'season', season: seasonObject(target.ref.season), show: showObject(target.ref.show) };
    case 'episode':
      return {
        ...base,
        type: 'episode',
        episode: episodeObject(target.ref.episode),
        show: showObject(target.ref.show),
      };
  }
}

/** Most recently rated first. */
export function sortedRatings(seeds: readonly RatingSeed[]): RatingSeed[] {
  return [...seeds].sort((a, b) => b.ratedAt - a.ratedAt || ratingKeyOf(a.target).localeCompare(ratingKeyOf(b.target)));
}

const TYPES: Readonly<Record<string, Kind | 'all'>> = {
  movies: 'movie',
  shows: 'show',
  seasons: 'season',
  episodes: 'episode',
  all: 'all',
};

/** Everything, unless `page` or `limit` is sent: then one page, `limit` clamped. */
export function ratings(
  ctx: TraktContext,
  type: string | undefined,
  rating: string | undefined,
  params: URLSearchParams,
): Reply {
  const kind = TYPES[type ?? 'all'];
  if (!kind) return empty(404);
  let wanted: Set<number> | undefined;
  if (rating !== undefined) {
    const values = rating.split(',').map((r) => (/^\d+$/.test(r) ? Number(r) : Number.NaN));
    if (values.some((r) => !(r >= 1 && r <= 10))) return empty(400);
    wanted = new Set(values);
  }
  const items = sortedRatings(ctx.store.ratings())
    .filter((seed) => (kind === 'all' || seed.target.kind === kind) && (!wanted || wanted.has(seed.rating)))
    .map(ratingItem);
  if (!hasPageParams(params)) return json(200, items);
  const { page, headers } = paginate(
    items,
    pageRequest(params, ctx.settings.historyDefaultLimit, ctx.settings.maxPageLimit),
  );
  return json(200, page, headers);
}
