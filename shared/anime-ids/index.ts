/**
 * AniList ↔ MAL ↔ TMDB/Trakt id datasets for the Trakt mirror (and MAL ids AniList lacks). See README.md here.
 */

export {
  AnibridgeExtractor,
  AnimeIdsTruncatedError,
  animeIdsFrom,
  type ByteSource,
  extractAnibridge,
} from './anibridge';
export {
  type AnilistMapping,
  AnimeIdIndex,
  type AnimeIdsMeta,
  type ExtractionStats,
  IndexFormatError,
} from './anime-id-index';
export { ANIME_IDS_KEYS, ANIME_IDS_PREFIX, DEFAULT_MAX_AGE_HOURS, type PartOutcome } from './cache';
export { ANIME_IDS_RETRY_POLICY, DownloadStatusError } from './download';
export { AnimeIdsFormatError, AnimeIdsUnavailableError } from './errors';
export {
  ANIBRIDGE_V3_URL,
  type AnimeIdsLoad,
  type AnimeIdsLoadOptions,
  loadAnimeIds,
  loadAnimeIdsFromFile,
} from './load';
export {
  type Placement,
  parseSourceRange,
  parseTargetRange,
  placeEpisodes,
  type RangePair,
  type SeasonMapping,
  type SeasonPlays,
} from './ranges';
export {
  loadRensetsu,
  loadRensetsuFromFiles,
  RENSETSU_MOVIES_URL,
  RENSETSU_TV_URL,
  RensetsuIndex,
  type RensetsuLoad,
  type RensetsuLoadOptions,
  type RensetsuMovie,
  type RensetsuShow,
  rensetsuFrom,
} from './rensetsu';
