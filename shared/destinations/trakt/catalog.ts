import type { Clock } from '../../clock';
import { type ObjectStore, PREFIXES } from '../../store/store';
import type { TraktClient } from './client';
import { type CompactEpisodes, compactEpisodes, type EpisodeRef, episodeKey, expandEpisodes } from './episodes';
import { TraktApiError } from './errors';

/**
 * What Trakt keeps for the TMDB ids the mapping dataset names: the Trakt show (with its seasons
 * and episodes, which every placement is validated against) or movie. Public catalogue data, so
 * it is cached apart from the user's state (`cache/trakt-catalog.json`) and survives a reset of
 * it: each show costs Trakt requests once, not on every full reconcile.
 */
export const CATALOG_KEY = `${PREFIXES.cache}trakt-catalog.json`;
/** Seasons are looked up again after this long: airing shows grow, and Trakt follows TMDB's edits. */
const SHOW_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** A show whose placement asks for an episode Trakt lacks is looked up again at most this often. */
const MISSING_EPISODE_RECHECK_MS = 24 * 3_600_000;
/** "Not on Trakt" is remembered this long before asking again. */
const MISSING_MAX_AGE_MS = 7 * 24 * 3_600_000;

export interface CatalogShow {
  readonly trakt: number;
  /** The TMDB id it was looked up by (absent for shows named by Trakt id). */
  readonly tmdb?: number;
  readonly title: string;
  readonly year: number | null;
  readonly seasons: CompactEpisodes;
  readonly fetchedAt: number;
}

export interface CatalogMovie {
  readonly trakt: number;
  readonly title: string;
  readonly year: number | null;
  readonly fetchedAt: number;
}

interface Missing {
  readonly missing: true;
  readonly fetchedAt: number;
}

interface CatalogData {
  version: 1;
  shows: Record<string, CatalogShow | Missing>;
  movies: Record<string, CatalogMovie | Missing>;
}

export interface CatalogDeps {
  readonly store: ObjectStore;
  readonly client: () => TraktClient;
  readonly clock: Clock;
}

/** Show and movie lookups, cached; `save()` writes what changed. */
export class TraktCatalog {
  private dirty = false;

  private constructor(
    private readonly deps: CatalogDeps,
    private readonly data: CatalogData,
  ) {}

  static async load(deps: CatalogDeps): Promise<TraktCatalog> {
    const obj = await deps.store.get(CATALOG_KEY);
    let data: CatalogData = { version: 1, shows: {}, movies: {} };
    if (obj) {
      try {
        const parsed = JSON.parse(obj.body) as CatalogData;
        if (parsed?.version === 1 && parsed.shows && parsed.movies) data = parsed;
      } catch {
        // A cache that cannot be read is only a cache: it is rebuilt.
      }
    }
    return new TraktCatalog(deps, data);
  }

  /**
   * The Trakt show Trakt keeps for TMDB show `tmdbId`, or null when Trakt has none. `episodes` are
   * the placement's: a cached show lacking one of them is looked up again (at most daily).
   */
  async show(tmdbId: number, episodes: readonly EpisodeRef[] = []): Promise<CatalogShow | null> {
    const key = String(tmdbId);
    const cached = this.data.shows[key];
    if (!this.stale(cached, episodes)) return cached && !('missing' in cached) ? cached : null;
    const now = this.deps.clock.now();
    const trakt = await this.search(tmdbId, 'show');
    if (trakt === undefined) return this.remember(this.data.shows, key, { missing: true, fetchedAt: now });
    const seasons = await this.deps.client().seasons(trakt.id);
    const all = seasons.flatMap((s) => (s.episodes ?? []).map((e) => ({ season: s.number, number: e.number })));
    return this.remember(this.data.shows, key, {
      trakt: trakt.id,
      tmdb: tmdbId,
      title: trakt.title,
      year: trakt.year,
      seasons: compactEpisodes(all),
      fetchedAt: now,
    });
  }

  async movie(tmdbId: number): Promise<CatalogMovie | null> {
    const key = String(tmdbId);
    const cached = this.data.movies[key];
    if (!this.stale(cached, [])) return cached && !('missing' in cached) ? cached : null;
    const now = this.deps.clock.now();
    const trakt = await this.search(tmdbId, 'movie');
    if (trakt === undefined) return this.remember(this.data.movies, key, { missing: true, fetchedAt: now });
    return this.remember(this.data.movies, key, {
      trakt: trakt.id,
      title: trakt.title,
      year: trakt.year,
      fetchedAt: now,
    });
  }

  /** A show by Trakt id, as cached (for placements that name the Trakt show directly). */
  async showByTraktId(traktId: number): Promise<CatalogShow | null> {
    for (const entry of Object.values(this.data.shows)) {
      if (!('missing' in entry) && entry.trakt === traktId && !this.stale(entry, [])) return entry;
    }
    const seasons = await this.deps
      .client()
      .seasons(traktId)
      .catch((err: unknown) => {
        // A Trakt id that names no show (a typo in TRAKT_ID_OVERRIDES, a show Trakt removed).
        if (err instanceof TraktApiError && err.status === 404) return null;
        throw err;
      });
    if (seasons === null) return null;
    const all = seasons.flatMap((s) => (s.episodes ?? []).map((e) => ({ season: s.number, number: e.number })));
    const show: CatalogShow = {
      trakt: traktId,
      title: `Trakt show ${traktId}`,
      year: null,
      seasons: compactEpisodes(all),
      fetchedAt: this.deps.clock.now(),
    };
    this.data.shows[`trakt:${traktId}`] = show;
    this.dirty = true;
    return show;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await this.deps.store.put(CATALOG_KEY, JSON.stringify(this.data));
    this.dirty = false;
  }

  private stale(cached: CatalogShow | CatalogMovie | Missing | undefined, episodes: readonly EpisodeRef[]): boolean {
    if (!cached) return true;
    const age = this.deps.clock.now() - cached.fetchedAt;
    if ('missing' in cached) return age >= MISSING_MAX_AGE_MS;
    if (age >= SHOW_MAX_AGE_MS) return true;
    if (episodes.length === 0 || !('seasons' in cached)) return false;
    const known = new Set(expandEpisodes(cached.seasons).map(episodeKey));
    return episodes.some((e) => !known.has(episodeKey(e))) && age >= MISSING_EPISODE_RECHECK_MS;
  }

  private remember<T extends CatalogShow | CatalogMovie>(
    table: Record<string, T | Missing>,
    key: string,
    value: T | Missing,
  ): T | null {
    table[key] = value;
    this.dirty = true;
    return 'missing' in value ? null : value;
  }

  private async search(
    tmdbId: number,
    type: 'show' | 'movie',
  ): Promise<{ id: number; title: string; year: number | null } | undefined> {
    const results = await this.deps.client().searchTmdb(tmdbId, type);
    // Always by type: TMDB ids of shows and movies collide. Exactly one match, or none is taken.
    const matches = results.flatMap((r) => {
      const item = type === 'show' ? r.show : r.movie;
      return r.type === type && item && item.ids.tmdb === tmdbId ? [item] : [];
    });
    const only = matches.length === 1 ? matches[0] : undefined;
    return only ? { id: only.ids.trakt, title: only.title, year: only.year ?? null } : undefined;
  }
}
