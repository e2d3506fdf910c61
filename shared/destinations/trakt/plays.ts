import { KEYS, type ObjectStore } from '../../store/store';
import type { TraktClient } from './client';
import type { EpisodeRef } from './episodes';
import type { TraktActivities, TraktHistoryItem, TraktRatingItem } from './types';

/**
 * What the user's Trakt account holds, as far as the mirror needs it: plays per episode and per
 * movie, and ratings. Trakt never de-duplicates plays, so nothing is added without knowing these
 * counts first. Kept in S3 (`sync/trakt/plays.json`) with the `last_activities` it was read at:
 * while Trakt's timestamps have not moved, the counts are current and cost no request.
 */
export const PLAYS_KEY = `${KEYS.syncPrefix('trakt')}plays.json`;

interface PlaysData {
  version: 1;
  /** The activity timestamps the history (`watched`) and the ratings (`rated`) were read at; null = stale. */
  watched: { episodes: string | null; movies: string | null } | null;
  rated: string | null;
  /** show trakt id → season → episode → plays. */
  shows: Record<string, Record<string, Record<string, number>>>;
  movies: Record<string, number>;
  /** `show:<id>`, `season:<id>:<n>`, `movie:<id>` → rating 1–10. */
  ratings: Record<string, number>;
}

/** Which targets a refresh must make exact. */
export interface PlaysNeed {
  readonly shows: ReadonlySet<number>;
  readonly movies: ReadonlySet<number>;
  readonly ratings: boolean;
}

export interface RefreshResult {
  /** Pages of Trakt's lists read (history, ratings) and other GETs, for reports and benchmarks. */
  readonly requests: number;
  readonly how: 'current' | 'targeted' | 'full';
}

/**
 * Targets up to this many shows/movies are re-read one by one when the account changed since the
 * last read; beyond it the whole history is cheaper.
 */
const TARGETED_LIMIT = 20;

export class TraktPlays {
  private dirty = false;

  private constructor(
    private readonly store: ObjectStore,
    private readonly data: PlaysData,
  ) {}

  static async load(store: ObjectStore): Promise<TraktPlays> {
    const obj = await store.get(PLAYS_KEY);
    let data: PlaysData = { version: 1, watched: null, rated: null, shows: {}, movies: {}, ratings: {} };
    if (obj) {
      try {
        const parsed = JSON.parse(obj.body) as PlaysData;
        if (parsed?.version === 1) data = parsed;
      } catch {
        // An unreadable index is only stale: the next refresh reads Trakt again.
      }
    }
    return new TraktPlays(store, data);
  }

  episodePlays(show: number, e: EpisodeRef): number {
    return this.data.shows[String(show)]?.[String(e.season)]?.[String(e.number)] ?? 0;
  }

  moviePlays(movie: number): number {
    return this.data.movies[String(movie)] ?? 0;
  }

  rating(key: string): number | undefined {
    return this.data.ratings[key];
  }

  /** Whether anything is known about the account at all (a full read has happened). */
  get everRead(): boolean {
    return this.data.watched !== null || Object.keys(this.data.shows).length > 0;
  }

  /**
   * Makes the counts `need` depends on exact: nothing when Trakt's activity timestamps have not
   * moved since the last read; otherwise the targets one by one (few), or the whole history and
   * ratings (many, or never read before).
   */
  async refresh(client: TraktClient, need: PlaysNeed): Promise<RefreshResult> {
    const activities = await client.lastActivities();
    let requests = 1;
    const watchedMoved = !this.watchedCurrent(activities);
    const ratedMoved = need.ratings && this.data.rated !== activities.ratedAt;
    if (!watchedMoved && !ratedMoved) return { requests, how: 'current' };
    const targets = need.shows.size + need.movies.size;
    if (!this.everRead || targets > TARGETED_LIMIT) {
      requests += await this.readAll(client, activities, watchedMoved, ratedMoved);
      return { requests, how: 'full' };
    }
    if (watchedMoved) {
      for (const show of need.shows) requests += await this.reread(client, { type: 'shows', id: show });
      for (const movie of need.movies) requests += await this.reread(client, { type: 'movies', id: movie });
    }
    if (ratedMoved) requests += await this.readRatings(client, activities.ratedAt);
    return { requests, how: 'targeted' };
  }

  /**
   * The whole history and ratings (full reconciles, backups), each item also handed to `collect`
   * (a backup keeps them). Returns the requests made.
   */
  async readAll(
    client: TraktClient,
    activities?: TraktActivities,
    history = true,
    ratings = true,
    collect: { history?: (item: TraktHistoryItem) => void; rating?: (item: TraktRatingItem) => void } = {},
  ): Promise<number> {
    const at = activities ?? (await client.lastActivities());
    let requests = activities ? 0 : 1;
    if (history) {
      this.data.shows = {};
      this.data.movies = {};
      for await (const page of client.history()) {
        requests++;
        for (const item of page) {
          this.count(item);
          collect.history?.(item);
        }
      }
      this.data.watched = { episodes: at.episodesWatchedAt, movies: at.moviesWatchedAt };
    }
    if (ratings) requests += await this.readRatings(client, at.ratedAt, collect.rating);
    this.dirty = true;
    return requests;
  }

  /** One show's or movie's plays, read again (after a write whose answer was lost, or before removing ours). */
  async reread(client: TraktClient, scope: { type: 'shows' | 'movies'; id: number }): Promise<number> {
    let requests = 0;
    this.forget(scope);
    for await (const page of client.history(scope)) {
      requests++;
      for (const item of page) this.count(item);
    }
    this.dirty = true;
    return requests;
  }

  /** One show's or movie's plays, counted again from its history as just read (`historyOf`). */
  recount(scope: { type: 'shows' | 'movies'; id: number }, history: readonly TraktHistoryItem[]): void {
    this.forget(scope);
    for (const item of history) this.count(item);
    this.dirty = true;
  }

  private forget(scope: { type: 'shows' | 'movies'; id: number }): void {
    if (scope.type === 'shows') delete this.data.shows[String(scope.id)];
    else delete this.data.movies[String(scope.id)];
  }

  /** The plays of `scope` as Trakt lists them (ids and times), for removing exactly the ones this system added. */
  async historyOf(client: TraktClient, scope: { type: 'shows' | 'movies'; id: number }): Promise<TraktHistoryItem[]> {
    const items: TraktHistoryItem[] = [];
    for await (const page of client.history(scope)) items.push(...page);
    return items;
  }

  /**
   * What this system just wrote, so the counts stay right without reading Trakt again: an episode
   * (or movie) now holds at least `count` plays.
   */
  raiseEpisode(show: number, e: EpisodeRef, count: number): void {
    const episodes = this.seasonCounts(show, e.season);
    episodes[String(e.number)] = Math.max(episodes[String(e.number)] ?? 0, count);
    this.touched();
  }

  raiseMovie(movie: number, count: number): void {
    this.data.movies[String(movie)] = Math.max(this.moviePlays(movie), count);
    this.touched();
  }

  /** Trakt's timestamps have moved with our own write: the next run checks them again. */
  private touched(): void {
    this.data.watched = null;
    this.dirty = true;
  }

  setRating(key: string, rating: number | undefined): void {
    if (rating === undefined) delete this.data.ratings[key];
    else this.data.ratings[key] = rating;
    this.data.rated = null;
    this.dirty = true;
  }

  /** The ratings in the shape of `GET /sync/ratings` items, and plays, for backups. */
  snapshot(): { shows: PlaysData['shows']; movies: PlaysData['movies']; ratings: PlaysData['ratings'] } {
    return { shows: this.data.shows, movies: this.data.movies, ratings: this.data.ratings };
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await this.store.put(PLAYS_KEY, JSON.stringify(this.data));
    this.dirty = false;
  }

  private watchedCurrent(activities: TraktActivities): boolean {
    const w = this.data.watched;
    return w !== null && w.episodes === activities.episodesWatchedAt && w.movies === activities.moviesWatchedAt;
  }

  private async readRatings(
    client: TraktClient,
    ratedAt: string | null,
    collect?: (item: TraktRatingItem) => void,
  ): Promise<number> {
    let requests = 0;
    this.data.ratings = {};
    for await (const page of client.ratings()) {
      requests++;
      for (const item of page) {
        const key = ratingKeyOf(item);
        if (key) this.data.ratings[key] = item.rating;
        collect?.(item);
      }
    }
    this.data.rated = ratedAt;
    this.dirty = true;
    return requests;
  }

  private count(item: TraktHistoryItem): void {
    if (item.type === 'movie' && item.movie) {
      const id = String(item.movie.ids.trakt);
      this.data.movies[id] = (this.data.movies[id] ?? 0) + 1;
    } else if (item.type === 'episode' && item.show && item.episode) {
      const episodes = this.seasonCounts(item.show.ids.trakt, item.episode.season);
      episodes[String(item.episode.number)] = (episodes[String(item.episode.number)] ?? 0) + 1;
    }
  }

  /** The play counts of one season of a show, created empty on first use. */
  private seasonCounts(show: number, season: number): Record<string, number> {
    const seasons = this.data.shows[String(show)] ?? {};
    this.data.shows[String(show)] = seasons;
    const episodes = seasons[String(season)] ?? {};
    seasons[String(season)] = episodes;
    return episodes;
  }
}

/** The rating key of a `GET /sync/ratings` item (`show:<id>`, `season:<id>:<n>`, `movie:<id>`). */
export function ratingKeyOf(item: TraktRatingItem): string | undefined {
  if (item.type === 'movie' && item.movie) return `movie:${item.movie.ids.trakt}`;
  if (item.type === 'show' && item.show) return `show:${item.show.ids.trakt}`;
  if (item.type === 'season' && item.show && item.season) return `season:${item.show.ids.trakt}:${item.season.number}`;
  return undefined;
}
