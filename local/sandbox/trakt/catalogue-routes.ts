import { json, type Reply } from '../kit/http';
import {
  episodeObject,
  hasAired,
  movieObject,
  SEARCH_ID_TYPES,
  type SearchHit,
  type SearchIdType,
  type Season,
  seasonObject,
  showObject,
} from './catalogue';
import type { TraktContext } from './context';
import { traktDateTime } from './dates';
import { empty, pageRequest, paginate } from './replies';

/** The public catalogue routes: id lookups (`/search/{id_type}/{id}`) and `/shows/{id}/seasons`. */

const SEARCH_TYPES: ReadonlySet<string> = new Set(['movie', 'show', 'episode', 'person', 'list']);

function hitObject(hit: SearchHit): Record<string, unknown> {
  // Trakt's id lookups answer score null.
  switch (hit.type) {
    case 'show':
      return { type: 'show', score: null, show: showObject(hit.show) };
    case 'movie':
      return { type: 'movie', score: null, movie: movieObject(hit.movie) };
    case 'episode':
      return { type: 'episode', score: null, episode: episodeObject(hit.ref.episode), show: showObject(hit.ref.show) };
  }
}

/** `GET /search/{trakt|tmdb|tvdb|imdb}/{id}[?type=movie,show,...]`: without `type`, every kind that has the id. */
export function search(ctx: TraktContext, idType: string, id: string, params: URLSearchParams): Reply {
  if (!SEARCH_ID_TYPES.includes(idType as SearchIdType)) return empty(404);
  const typeParam = params.get('type');
  const types = typeParam === null ? undefined : typeParam.split(',').map((t) => t.trim());
  if (types?.some((t) => !SEARCH_TYPES.has(t))) return empty(400);
  const hits = ctx.catalogue.search(idType as SearchIdType, id).filter((hit) => !types || types.includes(hit.type));
  if (hits.length === 0 && ctx.settings.searchNotFound === '404') return empty(404);
  const { page, headers } = paginate(hits.map(hitObject), pageRequest(params, 10, ctx.settings.maxPageLimit));
  return json(200, page, headers);
}

export function extendedOf(params: URLSearchParams): Set<string> {
  return new Set((params.get('extended') ?? '').split(',').map((e) => e.trim()));
}

function seasonBody(
  ctx: TraktContext,
  season: Season,
  runtime: number | null,
  extended: Set<string>,
): Record<string, unknown> {
  const body: Record<string, unknown> = seasonObject(season);
  const full = extended.has('full');
  const now = ctx.clock.now();
  if (full) {
    const aired = season.episodes.filter((e) => hasAired(e, now));
    const firstAired = season.episodes.find((e) => typeof e.first_aired === 'string')?.first_aired ?? null;
    Object.assign(body, {
      rating: 0,
      votes: 0,
      episode_count: season.episodes.length,
      aired_episodes: aired.length,
      title: season.title ?? (season.number === 0 ? 'Specials' : `Season ${season.number}`),
      overview: null,
      first_aired: firstAired,
      updated_at: traktDateTime(ctx.store.startedAt),
      network: null,
    });
  }
  if (extended.has('episodes')) {
    body.episodes = season.episodes.map((episode) => {
      const minimal = episodeObject(episode);
      if (!full) return minimal;
      return {
        ...minimal,
        number_abs: episode.number_abs,
        overview: null,
        rating: 0,
        votes: 0,
        comment_count: 0,
        first_aired: episode.first_aired ?? null,
        updated_at: traktDateTime(ctx.store.startedAt),
        available_translations: [],
        runtime: episode.runtime ?? runtime,
        episode_type: 'standard',
      };
    });
  }
  return body;
}

/** `GET /shows/{id}/seasons[?extended=full,episodes]`, id = Trakt id, slug or IMDb id. */
export function seasons(ctx: TraktContext, id: string, params: URLSearchParams): Reply {
  const show = ctx.catalogue.showByPathId(decodeURIComponent(id));
  if (!show) return empty(404);
  const extended = extendedOf(params);
  return json(
    200,
    show.seasons.map((season) => seasonBody(ctx, season, show.runtime, extended)),
  );
}
