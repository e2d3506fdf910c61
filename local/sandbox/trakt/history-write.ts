import { json, type Reply, text } from '../kit/http';
import { type Json, MissingUnderShow, nestedObjects, noneNotFound, objects, Rejected } from './bodies';
import {
  type Episode,
  type EpisodeRef,
  episodeOf,
  hasAired,
  type Movie,
  type Season,
  type Show,
  seasonOf,
} from './catalogue';
import type { TraktContext } from './context';
import { parseDateTime } from './dates';
import { accountLimit } from './replies';
import { type ActivityField, type Play, type PlayTarget, playActivity } from './store';

/**
 * `POST /sync/history` (add plays) and `POST /sync/history/remove`. Adding never de-duplicates:
 * every item of every request is a new play, whatever is already there.
 */

/** A `watched_at` as given, or as inherited from the show or season around it. */
type WatchedSpec =
  | { readonly kind: 'at'; readonly ms: number }
  | { readonly kind: 'released' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'now' };

interface PlannedPlay {
  readonly target: PlayTarget;
  readonly watchedAt: number | null;
}

function unprocessable(message: string): Rejected {
  return new Rejected(text(422, message));
}

function watchedSpec(ctx: TraktContext, value: unknown, inherited: WatchedSpec): WatchedSpec {
  if (value === undefined || value === null) return inherited;
  if (value === 'released') return { kind: 'released' };
  if (value === 'unknown') {
    if (ctx.settings.unknownWatchedAt === 'reject') throw unprocessable('watched_at "unknown" is not accepted');
    return { kind: 'unknown' };
  }
  const ms = parseDateTime(value);
  if (ms === undefined) throw unprocessable(`watched_at ${JSON.stringify(value)} is not an ISO 8601 date-time`);
  return { kind: 'at', ms };
}

/** "released": first aired plus runtime; without a known release, the play has no date. */
function releasedAt(target: PlayTarget): number | null {
  if (target.kind === 'movie') {
    const { released, runtime } = target.movie;
    return released === null ? null : Date.parse(`${released}T00:00:00.000Z`) + (runtime ?? 0) * 60_000;
  }
  const { episode, show } = target.ref;
  if (typeof episode.first_aired !== 'string') return null;
  return Date.parse(episode.first_aired) + (episode.runtime ?? show.runtime ?? 0) * 60_000;
}

function resolveWatched(spec: WatchedSpec, target: PlayTarget, now: number): number | null {
  switch (spec.kind) {
    case 'at':
      return spec.ms;
    case 'now':
      return now;
    case 'unknown':
      return null;
    case 'released': {
      const at = releasedAt(target);
      return at === null ? null : Math.floor(at / 1000) * 1000;
    }
  }
}

class AddPlan {
  readonly plays: PlannedPlay[] = [];
  readonly notFound = noneNotFound();
  private readonly now: number;

  constructor(private readonly ctx: TraktContext) {
    this.now = ctx.clock.now();
  }

  private play(target: PlayTarget, spec: WatchedSpec): void {
    this.plays.push({ target, watchedAt: resolveWatched(spec, target, this.now) });
  }

  private episodes(show: Show, season: Season, episodes: readonly Episode[], spec: WatchedSpec): void {
    for (const episode of episodes) this.play({ kind: 'episode', ref: { show, season, episode } }, spec);
  }

  /** A whole season, or a whole show: aired episodes only, unless the sandbox is told otherwise. */
  private expandable(episodes: readonly Episode[]): Episode[] {
    return this.ctx.settings.expandUnaired ? [...episodes] : episodes.filter((e) => hasAired(e, this.now));
  }

  movie(object: Json, root: WatchedSpec): void {
    const spec = watchedSpec(this.ctx, object.watched_at, root);
    const movie: Movie | undefined = this.ctx.catalogue.findMovie(object.ids);
    if (movie) this.play({ kind: 'movie', movie }, spec);
    else this.notFound.movies.push(object);
  }

  show(object: Json, root: WatchedSpec): void {
    const spec = watchedSpec(this.ctx, object.watched_at, root);
    const show = this.ctx.catalogue.findShow(object.ids);
    const seasons = nestedObjects(object, 'seasons');
    if (!show) {
      this.notFound.shows.push(object);
      return;
    }
    if (seasons === undefined) {
      for (const season of show.seasons) {
        if (season.number === 0 && !this.ctx.settings.expandSpecials) continue;
        this.episodes(show, season, this.expandable(season.episodes), spec);
      }
      return;
    }
    const missing = new MissingUnderShow(this.notFound, object, this.ctx.settings.missingNumbersReportedAs);
    for (const seasonObject of seasons) this.showSeason(show, seasonObject, spec, missing);
  }

  private showSeason(show: Show, object: Json, inherited: WatchedSpec, missing: MissingUnderShow): void {
    const spec = watchedSpec(this.ctx, object.watched_at, inherited);
    const episodes = nestedObjects(object, 'episodes');
    const season = seasonOf(show, object.number);
    if (!season) {
      if (episodes === undefined || this.ctx.settings.missingNumbersReportedAs === 'show') missing.season(object);
      else for (const episode of episodes) missing.episode(episode);
      return;
    }
    if (episodes === undefined) {
      this.episodes(show, season, this.expandable(season.episodes), spec);
      return;
    }
    for (const episodeObject of episodes) {
      const episodeSpec = watchedSpec(this.ctx, episodeObject.watched_at, spec);
      const episode = episodeOf(season, episodeObject.number);
      if (episode) this.episodes(show, season, [episode], episodeSpec);
      else missing.episode(episodeObject);
    }
  }

  season(object: Json, root: WatchedSpec): void {
    const spec = watchedSpec(this.ctx, object.watched_at, root);
    const ref = this.ctx.catalogue.findSeason(object.ids);
    if (ref) this.episodes(ref.show, ref.season, this.expandable(ref.season.episodes), spec);
    else this.notFound.seasons.push(object);
  }

  episode(object: Json, root: WatchedSpec): void {
    const spec = watchedSpec(this.ctx, object.watched_at, root);
    const ref: EpisodeRef | undefined = this.ctx.catalogue.findEpisode(object.ids);
    if (ref) this.play({ kind: 'episode', ref }, spec);
    else this.notFound.episodes.push(object);
  }
}

/** Fails with the request's reply (400 / 422) when `body` cannot be read; see `Rejected`. */
export function addHistory(ctx: TraktContext, body: Json): Reply {
  const plan = new AddPlan(ctx);
  const root: WatchedSpec = { kind: 'now' };
  for (const movie of objects(body, 'movies')) plan.movie(movie, root);
  for (const show of objects(body, 'shows')) plan.show(show, root);
  for (const season of objects(body, 'seasons')) plan.season(season, root);
  for (const episode of objects(body, 'episodes')) plan.episode(episode, root);

  const cap = ctx.settings.accountLimits.historyPlays;
  if (ctx.store.playCount() + plan.plays.length > cap) return accountLimit(cap, ctx.settings.user.vip);
  const now = ctx.clock.now();
  const added = { movies: 0, episodes: 0 };
  const touched = new Set<ActivityField>();
  for (const { target, watchedAt } of plan.plays) {
    ctx.store.addPlay(target, watchedAt, now);
    if (target.kind === 'movie') added.movies += 1;
    else added.episodes += 1;
    touched.add(playActivity(target));
  }
  ctx.store.touch(touched, now);
  return json(201, { added, not_found: plan.notFound });
}

// ---- remove ----

/** Which plays a remove request selects. */
class RemoveSelection {
  readonly historyIds = new Set<number>();
  readonly episodeIds = new Set<number>();
  readonly movieIds = new Set<number>();
  readonly notFound = { ...noneNotFound(), ids: [] as unknown[] };

  constructor(private readonly ctx: TraktContext) {}

  private addEpisodes(episodes: readonly Episode[]): void {
    for (const episode of episodes) this.episodeIds.add(episode.ids.trakt);
  }

  ids(values: unknown): void {
    if (values === undefined) return;
    if (!Array.isArray(values)) throw new Rejected(text(400, 'ids must be an array of history ids'));
    const known = new Set(this.ctx.store.allPlays().map((p) => p.id));
    for (const id of values) {
      if (typeof id === 'number' && known.has(id)) this.historyIds.add(id);
      else this.notFound.ids.push(id);
    }
  }

  movie(object: Json): void {
    const movie = this.ctx.catalogue.findMovie(object.ids);
    if (movie) this.movieIds.add(movie.ids.trakt);
    else this.notFound.movies.push(object);
  }

  show(object: Json): void {
    const show = this.ctx.catalogue.findShow(object.ids);
    const seasons = nestedObjects(object, 'seasons');
    if (!show) {
      this.notFound.shows.push(object);
      return;
    }
    if (seasons === undefined) {
      for (const season of show.seasons) this.addEpisodes(season.episodes);
      return;
    }
    const missing = new MissingUnderShow(this.notFound, object, this.ctx.settings.missingNumbersReportedAs);
    for (const seasonObject of seasons) {
      const season = seasonOf(show, seasonObject.number);
      const episodes = nestedObjects(seasonObject, 'episodes');
      if (!season) missing.season(seasonObject);
      else if (episodes === undefined) this.addEpisodes(season.episodes);
      else {
        for (const episodeObject of episodes) {
          const episode = episodeOf(season, episodeObject.number);
          if (episode) this.addEpisodes([episode]);
          else missing.episode(episodeObject);
        }
      }
    }
  }

  season(object: Json): void {
    const ref = this.ctx.catalogue.findSeason(object.ids);
    if (ref) this.addEpisodes(ref.season.episodes);
    else this.notFound.seasons.push(object);
  }

  episode(object: Json): void {
    const ref = this.ctx.catalogue.findEpisode(object.ids);
    if (ref) this.addEpisodes([ref.episode]);
    else this.notFound.episodes.push(object);
  }

  selects(play: Play): boolean {
    if (this.historyIds.has(play.id)) return true;
    const { target } = play;
    return target.kind === 'movie'
      ? this.movieIds.has(target.movie.ids.trakt)
      : this.episodeIds.has(target.ref.episode.ids.trakt);
  }
}

export function removeHistory(ctx: TraktContext, body: Json): Reply {
  const selection = new RemoveSelection(ctx);
  selection.ids(body.ids);
  for (const movie of objects(body, 'movies')) selection.movie(movie);
  for (const show of objects(body, 'shows')) selection.show(show);
  for (const season of objects(body, 'seasons')) selection.season(season);
  for (const episode of objects(body, 'episodes')) selection.episode(episode);
  const removed = ctx.store.removePlays((play) => selection.selects(play));
  const deleted = { movies: 0, episodes: 0 };
  for (const play of removed) {
    if (play.target.kind === 'movie') deleted.movies += 1;
    else deleted.episodes += 1;
  }
  ctx.store.touch(new Set(removed.map((play) => playActivity(play.target))), ctx.clock.now());
  return json(200, { deleted, not_found: selection.notFound });
}
