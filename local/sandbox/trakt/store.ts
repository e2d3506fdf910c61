import type { EpisodeRef, Movie, SeasonRef, Show } from './catalogue';
import { traktDateTime } from './dates';

/** The user's data in the Trakt sandbox: plays (history), ratings and the last-activity watermarks. */

export type HistoryAction = 'watch' | 'scrobble' | 'checkin';

export type PlayTarget =
  | { readonly kind: 'episode'; readonly ref: EpisodeRef }
  | { readonly kind: 'movie'; readonly movie: Movie };

export type RatingTarget =
  | { readonly kind: 'movie'; readonly movie: Movie }
  | { readonly kind: 'show'; readonly show: Show }
  | { readonly kind: 'season'; readonly ref: SeasonRef }
  | { readonly kind: 'episode'; readonly ref: EpisodeRef };

export interface PlaySeed {
  readonly id?: number;
  /** Epoch ms; null for a play without a known date. */
  readonly watchedAt: number | null;
  readonly action: HistoryAction;
  readonly target: PlayTarget;
}

export interface Play extends PlaySeed {
  readonly id: number;
  /** When the play was recorded (epoch ms). */
  readonly addedAt: number;
}

export interface RatingSeed {
  readonly rating: number;
  readonly ratedAt: number;
  readonly target: RatingTarget;
}

/** History ids are 64-bit on Trakt: the sandbox starts past 2^32 so that 32-bit parsing shows. */
const FIRST_HISTORY_ID = 9_000_000_001;

/** Every `GET /sync/last_activities` field, by group. */
const ACTIVITY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  movies: [
    'watched_at',
    'collected_at',
    'rated_at',
    'watchlisted_at',
    'favorited_at',
    'commented_at',
    'paused_at',
    'hidden_at',
  ],
  episodes: ['watched_at', 'collected_at', 'rated_at', 'watchlisted_at', 'commented_at', 'paused_at'],
  shows: ['rated_at', 'watchlisted_at', 'favorited_at', 'commented_at', 'hidden_at', 'dropped_at'],
  seasons: ['rated_at', 'watchlisted_at', 'commented_at', 'hidden_at'],
  comments: ['liked_at', 'blocked_at', 'reacted_at'],
  lists: ['liked_at', 'updated_at', 'commented_at', 'reacted_at'],
  watchlist: ['updated_at'],
  favorites: ['updated_at'],
  recommendations: ['updated_at'],
  collaborations: ['updated_at'],
  account: ['settings_at', 'followed_at', 'following_at', 'pending_at', 'requested_at'],
  saved_filters: ['updated_at'],
  notes: ['updated_at'],
};

/** `episodes.watched_at`, `seasons.rated_at`, ... */
export type ActivityField =
  | 'episodes.watched_at'
  | 'movies.watched_at'
  | 'episodes.rated_at'
  | 'movies.rated_at'
  | 'shows.rated_at'
  | 'seasons.rated_at';

export function ratingActivity(target: RatingTarget): ActivityField {
  return `${target.kind === 'movie' ? 'movies' : `${target.kind}s`}.rated_at` as ActivityField;
}

export function playActivity(target: PlayTarget): ActivityField {
  return target.kind === 'movie' ? 'movies.watched_at' : 'episodes.watched_at';
}

export function ratingKeyOf(target: RatingTarget): string {
  switch (target.kind) {
    case 'movie':
      return `movie:${target.movie.ids.trakt}`;
    case 'show':
      return `show:${target.show.ids.trakt}`;
    case 'season':
      return `season:${target.ref.season.ids.trakt}`;
    case 'episode':
      return `episode:${target.ref.episode.ids.trakt}`;
  }
}

export class TraktStore {
  private plays: Play[] = [];
  private nextId = FIRST_HISTORY_ID;
  private readonly ratingMap = new Map<string, RatingSeed>();
  private readonly activities = new Map<string, number>();

  /** Every activity starts at `startedAt` (epoch ms). */
  constructor(readonly startedAt: number) {
    this.activities.set('all', startedAt);
    for (const [group, fields] of Object.entries(ACTIVITY_FIELDS)) {
      for (const field of fields) this.activities.set(`${group}.${field}`, startedAt);
    }
  }

  // ---- plays ----

  /** In the order they were recorded. */
  allPlays(): readonly Play[] {
    return this.plays;
  }

  playCount(): number {
    return this.plays.length;
  }

  /** Always a new play: Trakt never de-duplicates. */
  addPlay(target: PlayTarget, watchedAt: number | null, now: number, action: HistoryAction = 'watch'): Play {
    const play: Play = { id: this.nextId, watchedAt, action, target, addedAt: now };
    this.nextId += 1;
    this.plays.push(play);
    return play;
  }

  /** Removes the plays `predicate` selects; returns them. */
  removePlays(predicate: (play: Play) => boolean): Play[] {
    const removed = this.plays.filter(predicate);
    if (removed.length > 0) this.plays = this.plays.filter((p) => !predicate(p));
    return removed;
  }

  replacePlays(seeds: readonly PlaySeed[], now: number): void {
    const given = seeds.map((s) => s.id).filter((id): id is number => id !== undefined);
    this.nextId = Math.max(this.nextId, FIRST_HISTORY_ID, ...given.map((id) => id + 1));
    this.plays = seeds.map((seed) => {
      const id = seed.id ?? this.nextId++;
      return { ...seed, id, addedAt: seed.watchedAt ?? now };
    });
  }

  // ---- ratings ----

  ratings(): RatingSeed[] {
    return [...this.ratingMap.values()];
  }

  ratingCount(): number {
    return this.ratingMap.size;
  }

  ratingOf(target: RatingTarget): RatingSeed | undefined {
    return this.ratingMap.get(ratingKeyOf(target));
  }

  /** One rating per item: rating again replaces it. */
  rate(target: RatingTarget, rating: number, ratedAt: number): void {
    this.ratingMap.set(ratingKeyOf(target), { rating, ratedAt, target });
  }

  unrate(target: RatingTarget): boolean {
    return this.ratingMap.delete(ratingKeyOf(target));
  }

  replaceRatings(seeds: readonly RatingSeed[]): void {
    this.ratingMap.clear();
    for (const seed of seeds) this.ratingMap.set(ratingKeyOf(seed.target), seed);
  }

  // ---- last activities ----

  /** Moves `fields` and `all` to `now`. */
  touch(fields: Iterable<ActivityField>, now: number): void {
    let any = false;
    for (const field of fields) {
      this.activities.set(field, now);
      any = true;
    }
    if (any) this.activities.set('all', now);
  }

  /** The `GET /sync/last_activities` body. */
  lastActivities(): Record<string, unknown> {
    const body: Record<string, unknown> = { all: traktDateTime(this.activities.get('all')!) };
    for (const [group, fields] of Object.entries(ACTIVITY_FIELDS)) {
      body[group] = Object.fromEntries(
        fields.map((field) => [field, traktDateTime(this.activities.get(`${group}.${field}`)!)]),
      );
    }
    return body;
  }
}
