/** The parts of Trakt's responses the destination reads (docs/apis.md#trakt). */

export interface TraktIds {
  readonly trakt: number;
  readonly slug?: string | null;
  readonly tmdb?: number | null;
  readonly tvdb?: number | null;
  readonly imdb?: string | null;
}

export interface TraktShow {
  readonly title: string;
  readonly year: number | null;
  readonly ids: TraktIds;
}

export type TraktMovie = TraktShow;

export interface TraktEpisode {
  readonly season: number;
  readonly number: number;
  readonly number_abs?: number | null;
  readonly title?: string | null;
  readonly ids?: Partial<TraktIds>;
}

export interface TraktSeason {
  readonly number: number;
  readonly ids?: Partial<TraktIds>;
  readonly episodes?: readonly TraktEpisode[];
}

export interface TraktSearchResult {
  readonly type: string;
  readonly show?: TraktShow;
  readonly movie?: TraktMovie;
}

/** One item of `GET /sync/history`. */
export interface TraktHistoryItem {
  readonly id: number;
  readonly watched_at: string | null;
  readonly action: string;
  readonly type: 'episode' | 'movie' | string;
  readonly episode?: TraktEpisode;
  readonly show?: TraktShow;
  readonly movie?: TraktMovie;
}

/** One item of `GET /sync/ratings/{type}`. */
export interface TraktRatingItem {
  readonly rated_at: string;
  readonly rating: number;
  readonly type: 'show' | 'season' | 'movie' | 'episode' | string;
  readonly show?: TraktShow;
  readonly season?: { readonly number: number; readonly ids?: Partial<TraktIds> };
  readonly movie?: TraktMovie;
  readonly episode?: TraktEpisode;
}

/** The timestamps of `GET /sync/last_activities` the destination compares. */
export interface TraktActivities {
  readonly episodesWatchedAt: string | null;
  readonly moviesWatchedAt: string | null;
  readonly ratedAt: string | null;
}

/** `watched_at` as Trakt takes it: an ISO time, or one of its two special values. */
export type WatchedAt = string | 'unknown' | 'released';

/** `POST /sync/history` (and `/remove`) body: explicit episodes of shows, and movies. */
export interface HistoryBody {
  readonly shows?: readonly {
    readonly ids: { readonly trakt: number };
    readonly seasons: readonly {
      readonly number: number;
      readonly episodes: readonly { readonly number: number; readonly watched_at?: WatchedAt }[];
    }[];
  }[];
  readonly movies?: readonly { readonly ids: { readonly trakt: number }; readonly watched_at?: WatchedAt }[];
  /** Removal only: history item ids (exactly those plays). */
  readonly ids?: readonly number[];
}

export interface HistoryWriteResult {
  readonly added: { readonly movies: number; readonly episodes: number };
  readonly notFound: { readonly shows: number[]; readonly movies: number[]; readonly episodes: number };
}

/** `POST /sync/ratings` (and `/remove`) body. */
export interface RatingsBody {
  readonly shows?: readonly {
    readonly ids: { readonly trakt: number };
    readonly rating?: number;
    readonly seasons?: readonly { readonly number: number; readonly rating?: number }[];
  }[];
  readonly movies?: readonly { readonly ids: { readonly trakt: number }; readonly rating?: number }[];
}
