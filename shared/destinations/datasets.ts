import type { AnimeIdIndex } from '../anime-ids/anime-id-index';
import { loadAnimeIds } from '../anime-ids/load';
import type { RensetsuIndex } from '../anime-ids/rensetsu';
import { loadRensetsu } from '../anime-ids/rensetsu';
import { describeError } from '../errors';
import type { TransportOptions } from '../http/policy';
import type { Logger } from '../log';
import type { ObjectStore } from '../store/store';

/** The id datasets, loaded on first use (and downloaded at most daily). */
export interface IdDatasets {
  readonly ids?: AnimeIdIndex;
  /** The Trakt fallback (MAL id → Trakt id), loaded only when asked for. */
  readonly fallback?: RensetsuIndex;
  /** A stale copy in use, a download that failed: said in the run's report. */
  readonly warnings: readonly string[];
}

export interface DatasetLoaderOptions extends TransportOptions {
  readonly store: ObjectStore;
  /** ANIME_IDS_URL: the anibridge-mappings v3 file. */
  readonly animeIdsUrl: string;
  readonly logger: Logger;
}

export type DatasetRequest = { readonly fallback?: { readonly tv: string; readonly movies: string } };

/**
 * The id datasets for one function instance: loaded on first use (the download itself happens at
 * most daily, cached in S3), then kept in memory for an hour so a warm worker does not read the
 * cache on every run. A dataset that cannot be had is reported, not fatal: entries it would have
 * placed are skipped with the reason, and the other destinations never notice.
 */
export function createDatasetLoader(options: DatasetLoaderOptions): (request?: DatasetRequest) => Promise<IdDatasets> {
  const keepMs = 3_600_000;
  let ids: { at: number; value: Promise<Pick<IdDatasets, 'ids' | 'warnings'>> } | undefined;
  let fallback: { at: number; key: string; value: Promise<Pick<IdDatasets, 'fallback' | 'warnings'>> } | undefined;
  const now = () => options.clock?.now() ?? Date.now();

  const loadIds = () =>
    loadAnimeIds({ ...options, url: options.animeIdsUrl }).then(
      (load) => ({ ids: load.index, warnings: [...load.warnings] }),
      (err: unknown) => {
        ids = undefined;
        options.logger.warn('anime id dataset unavailable', { error: describeError(err) });
        return { warnings: [`the anime id dataset could not be loaded: ${describeError(err)}`] };
      },
    );
  const loadFallback = (urls: { tv: string; movies: string }) =>
    loadRensetsu({ ...options, tvUrl: urls.tv, moviesUrl: urls.movies }).then(
      (load) => ({ fallback: load.index, warnings: [...load.warnings] }),
      (err: unknown) => {
        fallback = undefined;
        options.logger.warn('fallback id dataset unavailable', { error: describeError(err) });
        return { warnings: [`the fallback id dataset could not be loaded: ${describeError(err)}`] };
      },
    );

  return async (request = {}) => {
    if (!ids || now() - ids.at >= keepMs) ids = { at: now(), value: loadIds() };
    const want = request.fallback;
    const key = want ? `${want.tv} ${want.movies}` : '';
    if (want && (!fallback || fallback.key !== key || now() - fallback.at >= keepMs)) {
      fallback = { at: now(), key, value: loadFallback(want) };
    }
    const [a, b] = await Promise.all([
      ids.value,
      want && fallback ? fallback.value : Promise.resolve({ warnings: [] }),
    ]);
    return {
      ...(a.ids ? { ids: a.ids } : {}),
      ...('fallback' in b && b.fallback ? { fallback: b.fallback } : {}),
      warnings: [...a.warnings, ...b.warnings],
    };
  };
}
