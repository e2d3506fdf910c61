/**
 * What the Trakt sandbox knows about shows, seasons, episodes and movies: the normalized catalogue,
 * its id lookups (as write bodies and searches use them) and the minimal media objects Trakt
 * answers with.
 */

export interface ShowIds {
  trakt: number;
  slug: string;
  tvdb: number | null;
  imdb: string | null;
  tmdb: number | null;
}

export interface SeasonIds {
  trakt: number;
  tvdb: number | null;
  tmdb: number | null;
}

export interface EpisodeIds {
  trakt: number;
  tvdb: number | null;
  imdb: string | null;
  tmdb: number | null;
}

export interface MovieIds {
  trakt: number;
  slug: string;
  imdb: string | null;
  tmdb: number | null;
}

export interface Episode {
  readonly season: number;
  readonly number: number;
  /** Absolute number across the show (long runners keep it inside seasons). */
  readonly number_abs: number | null;
  readonly title: string | null;
  readonly ids: EpisodeIds;
  /** Absent: aired at an unknown time. `null`: not aired yet (to be announced). */
  readonly first_aired?: string | null;
  /** Minutes. */
  readonly runtime: number | null;
}

export interface Season {
  readonly number: number;
  readonly ids: SeasonIds;
  readonly title: string | null;
  readonly episodes: readonly Episode[];
}

export interface Show {
  readonly title: string;
  readonly year: number | null;
  readonly ids: ShowIds;
  /** Minutes per episode, for episodes without their own runtime. */
  readonly runtime: number | null;
  /** Ascending by number; season 0 holds the specials. */
  readonly seasons: readonly Season[];
}

export interface Movie {
  readonly title: string;
  readonly year: number | null;
  readonly ids: MovieIds;
  /** `YYYY-MM-DD`. */
  readonly released: string | null;
  readonly runtime: number | null;
}

export interface SeasonRef {
  readonly show: Show;
  readonly season: Season;
}

export interface EpisodeRef {
  readonly show: Show;
  readonly season: Season;
  readonly episode: Episode;
}

export type SearchIdType = 'trakt' | 'tmdb' | 'tvdb' | 'imdb';
export const SEARCH_ID_TYPES: readonly SearchIdType[] = ['trakt', 'tmdb', 'tvdb', 'imdb'];

export type SearchHit =
  | { readonly type: 'show'; readonly show: Show }
  | { readonly type: 'movie'; readonly movie: Movie }
  | { readonly type: 'episode'; readonly ref: EpisodeRef };

/** Which ids a write body may identify each kind of object with. */
const SHOW_KEYS = ['trakt', 'slug', 'imdb', 'tmdb', 'tvdb'] as const;
const MOVIE_KEYS = ['trakt', 'slug', 'imdb', 'tmdb'] as const;
const SEASON_KEYS = ['trakt', 'tvdb', 'tmdb'] as const;
const EPISODE_KEYS = ['trakt', 'tvdb'] as const;

function keyOf(kind: string, value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return `${kind}:${value}`;
  if (typeof value === 'string' && value !== '') return `${kind}:${value}`;
  return undefined;
}

/** Indexes `item` under each non-null id; the first item to claim an id keeps it. */
function index<T>(map: Map<string, T>, ids: object, item: T): void {
  for (const [kind, value] of Object.entries(ids)) {
    const key = keyOf(kind, value);
    if (key !== undefined && !map.has(key)) map.set(key, item);
  }
}

function find<T>(map: Map<string, T>, ids: unknown, keys: readonly string[]): T | undefined {
  if (ids === null || typeof ids !== 'object') return undefined;
  for (const kind of keys) {
    const key = keyOf(kind, (ids as Record<string, unknown>)[kind]);
    const found = key === undefined ? undefined : map.get(key);
    if (found) return found;
  }
  return undefined;
}

export class Catalogue {
  private readonly showIndex = new Map<string, Show>();
  private readonly movieIndex = new Map<string, Movie>();
  private readonly seasonIndex = new Map<string, SeasonRef>();
  private readonly episodeIndex = new Map<string, EpisodeRef>();

  constructor(
    readonly shows: readonly Show[],
    readonly movies: readonly Movie[],
  ) {
    for (const show of shows) {
      index(this.showIndex, show.ids, show);
      for (const season of show.seasons) {
        index(this.seasonIndex, season.ids, { show, season });
        for (const episode of season.episodes) index(this.episodeIndex, episode.ids, { show, season, episode });
      }
    }
    for (const movie of movies) index(this.movieIndex, movie.ids, movie);
  }

  /** By any one of trakt, slug, imdb, tmdb, tvdb (tried in that order). */
  findShow(ids: unknown): Show | undefined {
    return find(this.showIndex, ids, SHOW_KEYS);
  }

  /** By trakt, slug, imdb or tmdb: movies have no TVDB id. */
  findMovie(ids: unknown): Movie | undefined {
    return find(this.movieIndex, ids, MOVIE_KEYS);
  }

  /** By trakt, tvdb or tmdb. */
  findSeason(ids: unknown): SeasonRef | undefined {
    return find(this.seasonIndex, ids, SEASON_KEYS);
  }

  /** By trakt or tvdb. */
  findEpisode(ids: unknown): EpisodeRef | undefined {
    return find(this.episodeIndex, ids, EPISODE_KEYS);
  }

  showByTraktId(id: number): Show | undefined {
    return this.showIndex.get(`trakt:${id}`);
  }

  movieByTraktId(id: number): Movie | undefined {
    return this.movieIndex.get(`trakt:${id}`);
  }

  seasonByTraktId(id: number): SeasonRef | undefined {
    return this.seasonIndex.get(`trakt:${id}`);
  }

  episodeByTraktId(id: number): EpisodeRef | undefined {
    return this.episodeIndex.get(`trakt:${id}`);
  }

  /** A show as a URL names it: Trakt id, slug or IMDb id. */
  showByPathId(id: string): Show | undefined {
    if (/^\d+$/.test(id)) return this.showIndex.get(`trakt:${Number(id)}`);
    if (/^tt\d+$/.test(id)) return this.showIndex.get(`imdb:${id}`);
    return this.showIndex.get(`slug:${id}`);
  }

  /** Everything carrying `id` as its `idType` id: ids of one type may collide across movies and shows. */
  search(idType: SearchIdType, id: string): SearchHit[] {
    const key = idType === 'imdb' ? `imdb:${id}` : /^\d+$/.test(id) ? `${idType}:${Number(id)}` : undefined;
    if (key === undefined) return [];
    const hits: SearchHit[] = [];
    const show = this.showIndex.get(key);
    if (show) hits.push({ type: 'show', show });
    const movie = this.movieIndex.get(key);
    if (movie) hits.push({ type: 'movie', movie });
    const ref = this.episodeIndex.get(key);
    if (ref) hits.push({ type: 'episode', ref });
    return hits;
  }
}

export function seasonOf(show: Show, number: unknown): Season | undefined {
  return show.seasons.find((s) => s.number === number);
}

export function episodeOf(season: Season, number: unknown): Episode | undefined {
  return season.episodes.find((e) => e.number === number);
}

/** An episode without `first_aired` counts as aired; `null` or a future date does not. */
export function hasAired(episode: Episode, now: number): boolean {
  if (episode.first_aired === undefined) return true;
  if (episode.first_aired === null) return false;
  return Date.parse(episode.first_aired) <= now;
}

// ---- minimal media objects, as Trakt embeds them in answers ----

export function showObject(show: Show): Record<string, unknown> {
  return { title: show.title, year: show.year, ids: { ...show.ids } };
}

export function seasonObject(season: Season): Record<string, unknown> {
  return { number: season.number, ids: { ...season.ids } };
}

export function episodeObject(episode: Episode): Record<string, unknown> {
  return { season: episode.season, number: episode.number, title: episode.title, ids: { ...episode.ids } };
}

export function movieObject(movie: Movie): Record<string, unknown> {
  return { title: movie.title, year: movie.year, ids: { ...movie.ids } };
}
