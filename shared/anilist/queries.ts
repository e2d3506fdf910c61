/**
 * Every GraphQL document the mirror sends to AniList. They are validated against the real schema
 * in test/unit/anilist/queries-schema.test.ts, so a typo fails CI instead of failing at 3 a.m.
 *
 * Scores are always requested as POINT_100 so the mirror never depends on the user's display
 * format or on AniList's undocumented rounding for the coarser formats.
 */

export const MEDIA_LIST_ENTRY_FRAGMENT = /* GraphQL */ `
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
  }
}
`;

/**
 * Incremental read: newest edits first. `Page.mediaList` has no `updatedAt` filter, so the client
 * pages until it meets an entry at or below its watermark.
 */
export const CHANGED_SINCE_QUERY = /* GraphQL */ `
query MirrorChangedSince($userName: String!, $page: Int!, $perPage: Int!) {
  Page(page: $page, perPage: $perPage) {
    pageInfo { hasNextPage }
    mediaList(userName: $userName, type: ANIME, sort: [UPDATED_TIME_DESC]) {
      ...MirrorEntry
    }
  }
}
${MEDIA_LIST_ENTRY_FRAGMENT}`;

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

/** Checks that a user exists and is readable (setup, health checks). */
export const USER_QUERY = /* GraphQL */ `
query MirrorUser($name: String!) {
  User(name: $name) {
    id
    name
    mediaListOptions { scoreFormat }
  }
}
`;

export interface NamedQuery {
  readonly name: string;
  readonly document: string;
}

export const ALL_ANILIST_QUERIES: readonly NamedQuery[] = [
  { name: 'MirrorChangedSince', document: CHANGED_SINCE_QUERY },
  { name: 'MirrorFullList', document: FULL_LIST_QUERY },
  { name: 'MirrorUser', document: USER_QUERY },
];
