/** AniList list statuses the mirror understands. Anything else is reported as a skip, never guessed. */
export const ANILIST_STATUSES = ['CURRENT', 'PLANNING', 'COMPLETED', 'DROPPED', 'PAUSED', 'REPEATING'] as const;
export type AniListStatus = (typeof ANILIST_STATUSES)[number];

export interface FuzzyDate {
  readonly year: number | null;
  readonly month: number | null;
  readonly day: number | null;
}

/**
 * One anime list entry as the mirror needs it, normalised from AniList's `MediaList`.
 * `status` stays a string so that an enum value AniList adds tomorrow is carried to the
 * planner (and reported) instead of failing the whole page.
 */
export interface AniListEntry {
  /** `MediaList.id`: unique per list entry; the dedupe key across custom lists. */
  readonly id: number;
  readonly mediaId: number;
  readonly idMal: number | null;
  readonly title: string;
  readonly status: AniListStatus | (string & {});
  /** Always POINT_100 (0 = unscored). */
  readonly score: number;
  readonly progress: number;
  readonly repeat: number;
  readonly notes: string | null;
  readonly private: boolean;
  readonly startedAt: FuzzyDate;
  readonly completedAt: FuzzyDate;
  /** Unix seconds. */
  readonly updatedAt: number;
  /** `Media.episodes`: null while unknown (airing) or unusable. */
  readonly episodes: number | null;
  /** `Media.format` (`TV`, `MOVIE`, `OVA`, …) verbatim; null when absent or unusable. */
  readonly format: string | null;
  /**
   * Set only on entries of the manga list (read with MIRROR_MANGA=true); absent means anime, so
   * entries read with manga off are exactly what they always were.
   */
  readonly kind?: 'manga';
  /** Manga only: `MediaList.progressVolumes` (null → 0). `progress` counts chapters. */
  readonly progressVolumes?: number;
}

/** The lists a destination mirrors: `anime` always, `manga` with MIRROR_MANGA=true. */
export type MediaKind = 'anime' | 'manga';

/** The kind of list an entry came from. */
export function kindOf(entry: Pick<AniListEntry, 'kind'>): MediaKind {
  return entry.kind === 'manga' ? 'manga' : 'anime';
}

/** An entry AniList sent that could not be understood; it is reported, never guessed at. */
export interface AniListInvalidEntry {
  readonly entryId: number | null;
  readonly mediaId: number | null;
  /** Where the entry sat, e.g. `Page 2 mediaList[7]` or `chunk 1 lists[3] "Watching" entries[12]`. */
  readonly location: string;
  readonly reason: string;
}

export interface AniListRead {
  readonly entries: AniListEntry[];
  /** Malformed entries that were skipped so the rest of the page could be used. */
  readonly invalid: AniListInvalidEntry[];
  /**
   * AniList's clock (epoch ms, from the `Date` header) when it answered the read's first request.
   * Edits after that moment may have been missed, so the caller's watermark must stay below it.
   */
  readonly serverTime?: number;
  /** The read stopped at `maxEntries` changes; there are more. */
  readonly truncated?: boolean;
}

export interface ChangedSinceOptions {
  /** Stop once this many changed entries are found (`truncated`): beyond it a full read is cheaper. */
  readonly maxEntries?: number;
  /**
   * Read the manga list too, from this watermark (Unix seconds), in the same first request as the
   * anime list. Absent: the anime list only, exactly as without manga.
   */
  readonly mangaWatermark?: number;
}

export interface ReadAllOptions {
  /** Read the manga list too (after the anime list). */
  readonly manga?: boolean;
}

export interface FindListedOptions {
  /** The ids may be manga as well as anime: ask without a media type (one id space on AniList). */
  readonly anyType?: boolean;
}

/** What the sync engine needs from AniList. */
export interface AniListSource {
  /**
   * Entries changed after `watermark` (Unix seconds), newest first, from `Page.mediaList` sorted
   * `UPDATED_TIME_DESC`, until an entry at or below the watermark appears.
   */
  readChangedSince(userName: string, watermark: number, options?: ChangedSinceOptions): Promise<AniListRead>;
  /** The whole anime list via chunked `MediaListCollection`, deduplicated by `MediaList.id`. */
  readAll(userName: string, options?: ReadAllOptions): Promise<AniListRead>;
  /** Which of these AniList media ids are on the user's list now (checked before prune deletes). */
  findListedMedia(userName: string, mediaIds: readonly number[], options?: FindListedOptions): Promise<Set<number>>;
}
