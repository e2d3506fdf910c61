import { createReadStream } from 'node:fs';
import { animeIdsFrom, extractAnibridge } from './anibridge';
import { AnimeIdIndex } from './anime-id-index';
import { ANIME_IDS_KEYS, type CacheOptions, type DatasetPart, loadDataset, type PartOutcome } from './cache';
import { safeUrl } from './errors';

/** The anibridge-mappings v3 release asset (GitHub redirects it to its asset host). */
export const ANIBRIDGE_V3_URL =
  'https://github.com/anibridge/anibridge-mappings/releases/download/v3/mappings.min.json';

export interface AnimeIdsLoadOptions extends CacheOptions {
  /** Default `ANIBRIDGE_V3_URL`. */
  readonly url?: string;
}

export interface AnimeIdsLoad {
  readonly index: AnimeIdIndex;
  /** `cache`: young enough, no request; `not_modified`: 304; `downloaded`: 200; `stale`: the download failed. */
  readonly source: PartOutcome;
  /** For the run report: a stale copy in use, a download not cached, an unreadable cache. */
  readonly warnings: readonly string[];
}

/**
 * The AniList ↔ MAL ↔ TMDB index, downloaded at most every `maxAgeHours` (default 24) and kept in S3 under
 * `ANIME_IDS_PREFIX`. Throws `AnimeIdsUnavailableError` (retryable) when it can neither download nor fall back
 * on a cached copy, `AnimeIdsFormatError` when the URL serves something that is not anibridge v3.
 */
export async function loadAnimeIds(options: AnimeIdsLoadOptions): Promise<AnimeIdsLoad> {
  const url = options.url ?? ANIBRIDGE_V3_URL;
  const part: DatasetPart<AnimeIdIndex> = {
    name: 'index',
    key: ANIME_IDS_KEYS.anibridgeIndex,
    url,
    async extract(body) {
      const { text } = await extractAnibridge(body);
      const index = AnimeIdIndex.parse(text);
      return { value: index, text, counts: { ...index.meta.counts, ...index.meta.stats } };
    },
    parse: (text) => AnimeIdIndex.parse(text),
    implausible: (fresh, cached) =>
      (fresh.anilist ?? 0) < (cached.anilist ?? 0) / 2
        ? `has ${fresh.anilist ?? 0} AniList ids where the cached copy has ${cached.anilist}`
        : undefined,
  };
  const { parts, warnings } = await loadDataset('anime ids (anibridge)', ANIME_IDS_KEYS.anibridgeMeta, [part], options);
  const [result] = parts;
  const index = result!.value.withSource({
    sourceUrl: safeUrl(url),
    etag: result!.meta.etag,
    fetchedAt: result!.meta.fetchedAt,
  });
  return { index, source: result!.outcome, warnings };
}

/** The index from a local anibridge v3 file, streamed (tests, the sandbox, a downloaded copy). */
export async function loadAnimeIdsFromFile(path: string): Promise<AnimeIdIndex> {
  return animeIdsFrom(createReadStream(path, { highWaterMark: 256 * 1024 }));
}
