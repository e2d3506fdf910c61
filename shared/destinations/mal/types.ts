export const MAL_STATUSES = ['watching', 'completed', 'on_hold', 'dropped', 'plan_to_watch'] as const;
export type MalStatus = (typeof MAL_STATUSES)[number];

/** `list_status` as MAL returns it on reads (note the READ name `num_episodes_watched`). */
export interface MalListStatus {
  readonly status: MalStatus;
  readonly score: number;
  readonly num_episodes_watched: number;
  readonly is_rewatching: boolean;
  readonly num_times_rewatched: number;
  readonly comments: string;
  /** `YYYY-MM-DD`, or partial `YYYY` / `YYYY-MM`; absent when unset. */
  readonly start_date?: string;
  readonly finish_date?: string;
  readonly updated_at?: string;
  readonly priority?: number;
  readonly rewatch_value?: number;
  readonly tags?: readonly string[];
}

export interface MalListEntry {
  readonly animeId: number;
  readonly title: string;
  readonly listStatus: MalListStatus;
}

/**
 * Form fields of `PATCH /anime/{id}/my_list_status`. Only these are sent: MAL answers 400
 * "This form should not contain extra fields." to anything else. Note the WRITE name
 * `num_watched_episodes`. An empty date string clears the date.
 */
export interface MalWriteFields {
  status?: MalStatus;
  is_rewatching?: boolean;
  score?: number;
  num_watched_episodes?: number;
  num_times_rewatched?: number;
  comments?: string;
  start_date?: string;
  finish_date?: string;
}

export const MAL_WRITE_FIELD_NAMES = [
  'status',
  'is_rewatching',
  'score',
  'num_watched_episodes',
  'num_times_rewatched',
  'comments',
  'start_date',
  'finish_date',
] as const satisfies readonly (keyof MalWriteFields)[];

/** What the MAL destination needs from MAL's API, for one authorised user. */
export interface MalTarget {
  /** The authorised user's whole anime list (`/users/@me/animelist`, following `paging.next`). */
  listAll(): Promise<MalListEntry[]>;
  /** Returns the list status MAL stored. */
  update(animeId: number, fields: MalWriteFields): Promise<MalListStatus>;
  /** Removes an entry; an entry that is already gone (404) counts as removed. */
  remove(animeId: number): Promise<void>;
  /** MIRROR_MANGA=true: the same three for the manga list (`/users/@me/mangalist`, `/manga/{id}/my_list_status`). */
  listAllManga?(): Promise<MalMangaListEntry[]>;
  updateManga?(mangaId: number, fields: MalMangaWriteFields): Promise<MalMangaListStatus>;
  removeManga?(mangaId: number): Promise<void>;
}

// ---- manga (docs/apis.md#mal-manga) -----------------------------------------------------------

export const MAL_MANGA_STATUSES = ['reading', 'completed', 'on_hold', 'dropped', 'plan_to_read'] as const;
export type MalMangaStatus = (typeof MAL_MANGA_STATUSES)[number];

/** A manga's `list_status` as MAL returns it. Unlike anime, the read and write names are the same. */
export interface MalMangaListStatus {
  readonly status: MalMangaStatus;
  readonly score: number;
  readonly num_volumes_read: number;
  readonly num_chapters_read: number;
  readonly is_rereading: boolean;
  readonly num_times_reread: number;
  readonly comments: string;
  readonly start_date?: string;
  readonly finish_date?: string;
  readonly updated_at?: string;
  readonly priority?: number;
  readonly reread_value?: number;
  readonly tags?: readonly string[];
}

export interface MalMangaListEntry {
  readonly mangaId: number;
  readonly title: string;
  readonly listStatus: MalMangaListStatus;
}

/**
 * The form fields of `PATCH /manga/{id}/my_list_status` the mirror writes. MAL's reference also
 * lists `priority`, `reread_value` and `tags`, which AniList has no source for: never sent.
 */
export interface MalMangaWriteFields {
  status?: MalMangaStatus;
  is_rereading?: boolean;
  score?: number;
  num_volumes_read?: number;
  num_chapters_read?: number;
  num_times_reread?: number;
  comments?: string;
  start_date?: string;
  finish_date?: string;
}

export const MAL_MANGA_WRITE_FIELD_NAMES = [
  'status',
  'is_rereading',
  'score',
  'num_volumes_read',
  'num_chapters_read',
  'num_times_reread',
  'comments',
  'start_date',
  'finish_date',
] as const satisfies readonly (keyof MalMangaWriteFields)[];

export interface MalUser {
  readonly id: number;
  readonly name: string;
}
