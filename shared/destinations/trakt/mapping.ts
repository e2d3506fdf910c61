import type { AnimeIdIndex } from '../../anime-ids/anime-id-index';
import { placeEpisodes } from '../../anime-ids/ranges';
import type { RensetsuIndex } from '../../anime-ids/rensetsu';
import type { SourceEntry } from '../../sync/source';
import type { CatalogMovie, CatalogShow, TraktCatalog } from './catalog';
import {
  compactEpisodes,
  describeEpisodes,
  describeNumbers,
  type EpisodeRef,
  episodeKey,
  expandEpisodes,
  expandNumbers,
} from './episodes';

/**
 * Where an entry's plays go on Trakt: exactly these episodes of one show, or one movie. Found by
 * id, never by title, and validated against the show's real seasons before anything is written
 * (docs/apis.md#id-mapping-target): an entry that cannot be placed exactly is skipped with a reason.
 */
export type Placement =
  | { readonly kind: 'show'; readonly show: CatalogShow; readonly episodes: readonly EpisodeRef[]; readonly via: Via }
  | { readonly kind: 'movie'; readonly movie: CatalogMovie; readonly via: Via };

/** Where the placement came from: TRAKT_ID_OVERRIDES, the anibridge dataset, or the rensetsu fallback. */
export type Via = 'override' | 'anibridge' | 'rensetsu';

export type PlacementResult =
  | { readonly ok: true; readonly placement: Placement }
  | { readonly ok: false; readonly reason: UnplacedReason; readonly detail: string };

export type UnplacedReason = 'unmapped' | 'unplaceable' | 'not_on_trakt' | 'ambiguous' | 'override_skip';

export const UNPLACED_LABELS: Readonly<Record<UnplacedReason, string>> = {
  unmapped: 'not in the id datasets',
  unplaceable: 'not placeable exactly',
  not_on_trakt: 'not on Trakt',
  ambiguous: 'ambiguous mapping',
  override_skip: 'skipped by TRAKT_ID_OVERRIDES',
};

/** TRAKT_ID_OVERRIDES: AniList id (or `mal:<id>`) → a show's season and episode range, a movie, or null (skip). */
export type TraktOverride =
  | { readonly show: number; readonly season: number; readonly episodes: string }
  | { readonly movie: number }
  | null;

export interface MappingContext {
  /** `anilist`: entries' `mediaId` is an AniList id. `mal`: they come from a MAL list (`idMal`). */
  readonly source: 'anilist' | 'mal';
  readonly overrides: ReadonlyMap<string, TraktOverride>;
  readonly ids: AnimeIdIndex | undefined;
  readonly fallback: RensetsuIndex | undefined;
  readonly catalog: TraktCatalog;
}

/**
 * The placement of episodes 1..`count` of `entry` (count: the media's episode count for a
 * completed entry, the progress for a partial one).
 */
export async function placeEntry(entry: SourceEntry, count: number, ctx: MappingContext): Promise<PlacementResult> {
  const anilistId = anilistIdOf(entry, ctx);
  const override = overrideOf(entry, anilistId, ctx);
  if (override !== undefined) return placeOverride(override, count, ctx);
  const mapping = anilistId === undefined ? undefined : ctx.ids?.byAnilist(anilistId);
  if (mapping && (mapping.shows.length > 0 || mapping.movies.length > 0)) {
    // AniList calls some compilations and specials movies that TMDB keeps as episodes of a show.
    const isMovie = mapping.shows.length === 0 || (entry.format === 'MOVIE' && mapping.movies.length > 0);
    return isMovie ? placeMovie(mapping.movies, ctx) : placeShow(mapping.shows, count, ctx);
  }
  // The fallback checks the season against the entry's episode count, also when placing only its progress.
  const total = entry.format === 'MOVIE' ? count : (entry.episodes ?? 0) || count;
  const fallback = entry.idMal === null ? undefined : placeFallback(entry.idMal, count, ctx, total);
  if (fallback) return fallback;
  return {
    ok: false,
    reason: 'unmapped',
    detail: `neither the anibridge dataset nor the fallback knows ${anilistId ? `AniList ${anilistId}` : `MAL ${entry.idMal ?? '?'}`} (add it to TRAKT_ID_OVERRIDES)`,
  };
}

/** A plain-words line for the mapping review: `title → Trakt show "X" [id] S1E25–47 (anibridge)`. */
export function describePlacement(entry: SourceEntry, result: PlacementResult, source: Source = 'anilist'): string {
  const who = whoIs(entry, source);
  if (!result.ok) return `${who} → skipped: ${result.detail}`;
  const p = result.placement;
  if (p.kind === 'movie') return `${who} → Trakt movie "${p.movie.title || entry.title}" [${p.movie.trakt}] (${p.via})`;
  const episodes = describeEpisodes(compactEpisodes(p.episodes));
  return `${who} → Trakt show "${p.show.title || entry.title}" [${p.show.trakt}] ${episodes} (${p.via})`;
}

/** `Title (AniList 145064)`, or `Title (MAL 51009)` for entries read from a MAL list. */
export function whoIs(entry: SourceEntry, source: Source): string {
  return source === 'mal'
    ? `${entry.title} (MAL ${entry.idMal ?? entry.mediaId})`
    : `${entry.title} (AniList ${entry.mediaId})`;
}

type Source = MappingContext['source'];

function anilistIdOf(entry: SourceEntry, ctx: MappingContext): number | undefined {
  if (ctx.source === 'anilist') return entry.mediaId;
  const candidates = entry.idMal === null ? [] : (ctx.ids?.anilistForMal(entry.idMal) ?? []);
  return candidates.length === 1 ? candidates[0] : undefined;
}

function overrideOf(entry: SourceEntry, anilistId: number | undefined, ctx: MappingContext): TraktOverride | undefined {
  if (anilistId !== undefined && ctx.overrides.has(String(anilistId))) return ctx.overrides.get(String(anilistId));
  if (entry.idMal !== null && ctx.overrides.has(`mal:${entry.idMal}`)) return ctx.overrides.get(`mal:${entry.idMal}`);
  return undefined;
}

async function placeOverride(override: TraktOverride, count: number, ctx: MappingContext): Promise<PlacementResult> {
  if (override === null) return { ok: false, reason: 'override_skip', detail: 'TRAKT_ID_OVERRIDES says to skip it' };
  if ('movie' in override) {
    return {
      ok: true,
      placement: {
        kind: 'movie',
        movie: { trakt: override.movie, title: '', year: null, fetchedAt: 0 },
        via: 'override',
      },
    };
  }
  const show = await ctx.catalog.showByTraktId(override.show);
  if (!show) return { ok: false, reason: 'not_on_trakt', detail: `Trakt has no show ${override.show}` };
  const all = expandNumbers(override.episodes).map((number) => ({ season: override.season, number }));
  if (all.length < count) {
    return {
      ok: false,
      reason: 'unplaceable',
      detail: `TRAKT_ID_OVERRIDES gives ${all.length} episodes (${override.episodes}) for ${count}`,
    };
  }
  return validated(show, all.slice(0, count), 'override');
}

async function placeShow(
  seasons: Parameters<typeof placeEpisodes>[0],
  count: number,
  ctx: MappingContext,
): Promise<PlacementResult> {
  if (count === 0) return { ok: false, reason: 'unplaceable', detail: 'no episode count to place' };
  const placed = placeEpisodes(seasons, count);
  if (!placed.complete) {
    const problems = [
      placed.unmapped.length ? `episodes ${describeNumbers(placed.unmapped)} are not mapped` : '',
      placed.explicitlyUnmapped.length
        ? `episodes ${describeNumbers(placed.explicitlyUnmapped)} are explicitly unmapped`
        : '',
      placed.partial.length ? `episodes ${describeNumbers(placed.partial)} map only in part` : '',
      placed.ambiguous.length ? `episodes ${describeNumbers(placed.ambiguous)} map to two places` : '',
    ].filter(Boolean);
    return {
      ok: false,
      reason: 'unplaceable',
      detail: `the dataset places ${count} episodes only partly: ${problems.join('; ')}`,
    };
  }
  const shows = [...new Set(placed.plays.map((p) => p.tmdbShowId))];
  if (shows.length !== 1) {
    return {
      ok: false,
      reason: 'ambiguous',
      detail: `the dataset spreads it over ${shows.length} TMDB shows (${shows.join(', ')})`,
    };
  }
  const tmdb = shows[0]!;
  const episodes = placed.plays.flatMap((p) => p.episodes.map((number) => ({ season: p.season, number })));
  const show = await ctx.catalog.show(tmdb, episodes);
  if (!show) return { ok: false, reason: 'not_on_trakt', detail: `Trakt has no show for TMDB ${tmdb}` };
  return validated(show, episodes, 'anibridge');
}

async function placeMovie(movies: readonly number[], ctx: MappingContext): Promise<PlacementResult> {
  if (movies.length !== 1) {
    return {
      ok: false,
      reason: 'ambiguous',
      detail: `the dataset names ${movies.length} TMDB movies (${movies.join(', ')})`,
    };
  }
  const movie = await ctx.catalog.movie(movies[0]!);
  if (!movie) return { ok: false, reason: 'not_on_trakt', detail: `Trakt has no movie for TMDB ${movies[0]}` };
  return { ok: true, placement: { kind: 'movie', movie, via: 'anibridge' } };
}

/**
 * The fallback knows a Trakt show and a season for a MAL id, but no episode range: accepted only
 * when that season exists, is not a split cour, and has exactly as many episodes as the entry.
 */
function placeFallback(
  malId: number,
  count: number,
  ctx: MappingContext,
  total = count,
): Promise<PlacementResult> | undefined {
  const movie = ctx.fallback?.movie(malId);
  if (movie) {
    return Promise.resolve({
      ok: true,
      placement: {
        kind: 'movie',
        movie: { trakt: movie.traktMovieId, title: '', year: null, fetchedAt: 0 },
        via: 'rensetsu',
      },
    });
  }
  const hint = ctx.fallback?.show(malId);
  if (!hint) return undefined;
  return (async (): Promise<PlacementResult> => {
    if (hint.splitCour || hint.season === null) {
      return {
        ok: false,
        reason: 'unplaceable',
        detail: `the fallback's season for MAL ${malId} is a split cour, with no episode range`,
      };
    }
    const show = await ctx.catalog.showByTraktId(hint.traktShowId);
    if (!show) return { ok: false, reason: 'not_on_trakt', detail: `Trakt has no show ${hint.traktShowId}` };
    const season = expandEpisodes(show.seasons).filter((e) => e.season === hint.season);
    if (season.length !== total || count > total) {
      return {
        ok: false,
        reason: 'unplaceable',
        detail: `the fallback says season ${hint.season} of Trakt show ${hint.traktShowId}, which has ${season.length} episodes, not ${Math.max(total, count)}`,
      };
    }
    return { ok: true, placement: { kind: 'show', show, episodes: season.slice(0, count), via: 'rensetsu' } };
  })();
}

/** Every placed episode must exist on Trakt: the dataset and Trakt can disagree, and nothing is guessed. */
function validated(show: CatalogShow, episodes: readonly EpisodeRef[], via: Via): PlacementResult {
  const known = new Set(expandEpisodes(show.seasons).map(episodeKey));
  const missing = episodes.filter((e) => !known.has(episodeKey(e)));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: 'not_on_trakt',
      detail: `Trakt's "${show.title || show.trakt}" has no ${describeEpisodes(compactEpisodes(missing))} (it has ${describeEpisodes(show.seasons) || 'no episodes'})`,
    };
  }
  return { ok: true, placement: { kind: 'show', show, episodes, via } };
}
