/**
 * Every GraphQL document the mirror sends to AniList. test/unit/anilist/queries-schema.test.ts
 * validates each exported one against AniList's schema, so a typo fails CI instead of failing at 3 a.m.
 *
 * Scores are always requested as POINT_100 so the mirror never depends on the user's display
 * format or on AniList's undocumented rounding for the coarser formats.
 */

const MEDIA_LIST_ENTRY_FRAGMENT = /* GraphQL */ `
fragment MirrorEntry on MediaList {
  id
  mediaId
  status
  score(format: POINT_100)
  progress
  repeat
  private
  notes
  startedAt { year month day }
  completedAt { year month day }
  updatedAt
  media {
    id
    idMal
    title { romaji english userPreferred }
    format
    episodes
  }
}
`;

/**
 * Incremental read: newest edits first. `Page.mediaList` has no `updatedAt` filter, so the client
 * reads until it meets an entry at or below its watermark. Instead of page numbers it always asks
 * for the first page of what it has not seen yet (`mediaId_not_in`): with page numbers, an entry
 * deleted while the client pages shifts the rest up by one and the entry at the page boundary is
 * never read. The first request has no exclusions, so it is a separate document rather than an
 * empty list, whose meaning AniList does not document.
 */
export const CHANGED_SINCE_QUERY = /* GraphQL */ `
query MirrorChangedSince($userName: String!, $perPage: Int!) {
  Page(page: 1, perPage: $perPage) {
    pageInfo { hasNextPage }
    mediaList(userName: $userName, type: ANIME, sort: [UPDATED_TIME_DESC]) {
      ...MirrorEntry
    }
  }
}
${MEDIA_LIST_ENTRY_FRAGMENT}`;

/** The next "page" of an incremental read: the newest entries whose media were not read yet. */
export const CHANGED_SINCE_MORE_QUERY = /* GraphQL */ `
query MirrorChangedSinceMore($userName: String!, $perPage: Int!, $seenMediaIds: [Int]!) {
  Page(page: 1, perPage: $perPage) {
    pageInfo { hasNextPage }
    mediaList(userName: $userName, type: ANIME, sort: [UPDATED_TIME_DESC], mediaId_not_in: $seenMediaIds) {
      ...MirrorEntry
    }
  }
}
${MEDIA_LIST_ENTRY_FRAGMENT}`;

/**
 * Which of these media are still on the user's list: asked before prune removes anything from
 * MAL, so an entry a full read missed (a concurrent deletion shifts `MediaListCollection` chunks
 * too) is never mistaken for a deleted one.
 */
export const PRESENT_MEDIA_QUERY = /* GraphQL */ `
query MirrorPresentMedia($userName: String!, $mediaIds: [Int]!, $perPage: Int!) {
  Page(page: 1, perPage: $perPage) {
    pageInfo { hasNextPage }
    mediaList(userName: $userName, type: ANIME, mediaId_in: $mediaIds) {
      mediaId
    }
  }
}
`;

/**
 * Full read in chunks of up to 500 entries. Custom lists repeat entries (and entries hidden from
 * status lists appear only there), so all groups are read and deduplicated by `MediaList.id`.
 */
export const FULL_LIST_QUERY = /* GraphQL */ `
query MirrorFullList($userName: String!, $chunk: Int!, $perChunk: Int!) {
  MediaListCollection(
    userName: $userName
    type: ANIME
    chunk: $chunk
    perChunk: $perChunk
    forceSingleCompletedList: true
  ) {
    hasNextChunk
    lists {
      name
      isCustomList
      status
      entries { ...MirrorEntry }
    }
  }
}
${MEDIA_LIST_ENTRY_FRAGMENT}`;

// ---- manga (MIRROR_MANGA=true) ---------------------------------------------------------------

/**
 * A manga entry: the anime fields plus `progressVolumes`, and the media's `chapters` and `volumes`.
 * A separate fragment, so that the anime documents stay exactly as they were when manga is off.
 */
const MANGA_ENTRY_FRAGMENT = /* GraphQL */ `
fragment MirrorMangaEntry on MediaList {
  id
  mediaId
  status
  score(format: POINT_100)
  progress
  progressVolumes
  repeat
  private
  notes
  startedAt { year month day }
  completedAt { year month day }
  updatedAt
  media {
    id
    idMal
    title { romaji english userPreferred }
    format
    chapters
    volumes
  }
}
`;

/**
 * The incremental read of both lists in ONE request: two aliased `Page` fields, newest edits
 * first, so a quiet list still costs one AniList request. The client applies each list's own
 * watermark to its page; each list then pages on alone (`CHANGED_SINCE_MORE_QUERY` /
 * `MANGA_CHANGED_SINCE_MORE_QUERY`), which only happens when that list changed a lot.
 */
export const CHANGED_SINCE_WITH_MANGA_QUERY = /* GraphQL */ `
query MirrorChangedSinceWithManga($userName: String!, $perPage: Int!) {
  anime: Page(page: 1, perPage: $perPage) {
    pageInfo { hasNextPage }
    mediaList(userName: $userName, type: ANIME, sort: [UPDATED_TIME_DESC]) {
      ...MirrorEntry
    }
  }
  manga: Page(page: 1, perPage: $perPage) {
    pageInfo { hasNextPage }
    mediaList(userName: $userName, type: MANGA, sort: [UPDATED_TIME_DESC]) {
      ...MirrorMangaEntry
    }
  }
}
${MEDIA_LIST_ENTRY_FRAGMENT}
${MANGA_ENTRY_FRAGMENT}`;

/** The next "page" of the manga list's incremental read (see `CHANGED_SINCE_MORE_QUERY`). */
export const MANGA_CHANGED_SINCE_MORE_QUERY = /* GraphQL */ `
query MirrorMangaChangedSinceMore($userName: String!, $perPage: Int!, $seenMediaIds: [Int]!) {
  Page(page: 1, perPage: $perPage) {
    pageInfo { hasNextPage }
    mediaList(userName: $userName, type: MANGA, sort: [UPDATED_TIME_DESC], mediaId_not_in: $seenMediaIds) {
      ...MirrorMangaEntry
    }
  }
}
${MANGA_ENTRY_FRAGMENT}`;

/** The whole manga list, in chunks, as `FULL_LIST_QUERY` reads the anime list. */
export const MANGA_FULL_LIST_QUERY = /* GraphQL */ `
query MirrorMangaFullList($userName: String!, $chunk: Int!, $perChunk: Int!) {
  MediaListCollection(
    userName: $userName
    type: MANGA
    chunk: $chunk
    perChunk: $perChunk
    forceSingleCompletedList: true
  ) {
    hasNextChunk
    lists {
      name
      isCustomList
      status
      entries { ...MirrorMangaEntry }
    }
  }
}
${MANGA_ENTRY_FRAGMENT}`;

/**
 * Prune's check when manga is mirrored too: AniList media ids are one id space for anime and
 * manga, so leaving out `type` asks about both lists at once.
 */
export const PRESENT_MEDIA_ANY_TYPE_QUERY = /* GraphQL */ `
query MirrorPresentMediaAnyType($userName: String!, $mediaIds: [Int]!, $perPage: Int!) {
  Page(page: 1, perPage: $perPage) {
    pageInfo { hasNextPage }
    mediaList(userName: $userName, mediaId_in: $mediaIds) {
      mediaId
    }
  }
}
`;
