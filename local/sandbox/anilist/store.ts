import { ANILIST_STATUSES, type AniListStatus, type FuzzyDate } from '../../../shared/anilist/types';
import type { Clock } from '../../../shared/clock';

/** AniList's `ScoreFormat` enum. */
export const SCORE_FORMATS = ['POINT_100', 'POINT_10_DECIMAL', 'POINT_10', 'POINT_5', 'POINT_3'] as const;
export type ScoreFormat = (typeof SCORE_FORMATS)[number];

export type TitleLanguage = 'ROMAJI' | 'ENGLISH' | 'NATIVE';

export interface SandboxMedia {
  readonly id: number;
  readonly idMal: number | null;
  readonly title: { readonly romaji: string | null; readonly english: string | null; readonly native: string | null };
  /** `MediaFormat`: TV, MOVIE, OVA, ONA, SPECIAL, TV_SHORT, MUSIC. */
  readonly format: string | null;
  readonly episodes: number | null;
  /** `MediaType`; absent means ANIME (every sandbox list before manga). */
  readonly type?: 'ANIME' | 'MANGA';
  /** Manga only. */
  readonly chapters?: number | null;
  readonly volumes?: number | null;
}

/** A list entry as the sandbox stores it. Scores are POINT_100 (0 = unscored), like AniList's storage. */
export interface SandboxEntry {
  readonly id: number;
  readonly mediaId: number;
  readonly status: AniListStatus;
  readonly score: number;
  readonly progress: number;
  /** Manga only: volumes read. */
  readonly progressVolumes?: number;
  readonly repeat: number;
  readonly priority: number;
  readonly private: boolean;
  readonly notes: string | null;
  /** Shown only in custom lists, not in its status list. */
  readonly hiddenFromStatusLists: boolean;
  /** Names of the custom lists the entry is in. */
  readonly customLists: readonly string[];
  readonly startedAt: FuzzyDate;
  readonly completedAt: FuzzyDate;
  /** Unix seconds. */
  readonly createdAt: number;
  /** Unix seconds; AniList bumps it on any edit. */
  readonly updatedAt: number;
  readonly media: SandboxMedia | null;
}

export interface SandboxUser {
  readonly id: number;
  readonly name: string;
  readonly scoreFormat: ScoreFormat;
  readonly titleLanguage: TitleLanguage;
  /** Custom list names, in display order. */
  readonly customLists: readonly string[];
  readonly splitCompletedSectionByFormat: boolean;
}

/** What `upsertEntry` accepts: the entry to change (by `id` or `mediaId`) and the fields to set. */
export type SandboxEntryInput = Partial<Omit<SandboxEntry, 'startedAt' | 'completedAt'>> & {
  readonly startedAt?: Partial<FuzzyDate> | null;
  readonly completedAt?: Partial<FuzzyDate> | null;
};

/** The list an entry belongs to (`MediaListCollection` / `Page.mediaList` `type`). */
export function mediaTypeOf(entry: SandboxEntry): 'ANIME' | 'MANGA' {
  return entry.media?.type === 'MANGA' ? 'MANGA' : 'ANIME';
}

export const EMPTY_DATE: FuzzyDate = { year: null, month: null, day: null };

export const DEFAULT_SANDBOX_USER: SandboxUser = {
  id: 1,
  name: 'SandboxUser',
  scoreFormat: 'POINT_100',
  titleLanguage: 'ROMAJI',
  customLists: [],
  splitCompletedSectionByFormat: false,
};

/** Converts a stored POINT_100 score into the format a query asks for. */
export type ScoreConverter = (point100: number, format: ScoreFormat) => number;

/**
 * AniList's own rounding for the coarse formats is undocumented (UNCERTAIN, docs/apis.md#anilist-scores), so
 * this follows the conversion well-used clients apply (MALSync: round, never below 1 when scored)
 * and the sandbox accepts a replacement through `scoreConverter`.
 */
export const defaultScoreConverter: ScoreConverter = (point100, format) => {
  if (point100 <= 0) return 0;
  switch (format) {
    case 'POINT_100':
      return Math.round(point100);
    case 'POINT_10_DECIMAL':
      return Math.round(point100) / 10;
    case 'POINT_10':
      return Math.max(1, Math.round(point100 / 10));
    case 'POINT_5':
      return Math.max(1, Math.round(point100 / 20));
    case 'POINT_3':
      return point100 <= 35 ? 1 : point100 <= 60 ? 2 : 3;
  }
};

/** Reads a score written in `format` (fixtures store the user's display format) back into POINT_100. */
export function scoreToPoint100(value: number, format: ScoreFormat): number {
  switch (format) {
    case 'POINT_100':
      return Math.round(value);
    case 'POINT_10_DECIMAL':
    case 'POINT_10':
      return Math.round(value * 10);
    case 'POINT_5':
      return Math.round(value * 20);
    case 'POINT_3':
      return [0, 35, 60, 85][Math.round(value)] ?? 0;
  }
}

/** Largest valid value per format, for fixture validation. */
export const SCORE_FORMAT_MAX: Readonly<Record<ScoreFormat, number>> = {
  POINT_100: 100,
  POINT_10_DECIMAL: 10,
  POINT_10: 10,
  POINT_5: 5,
  POINT_3: 3,
};

export class SandboxInputError extends Error {
  override readonly name = 'SandboxInputError';
}

/**
 * In-memory list of one AniList user. Tests change it directly, the dashboard through AniList's
 * `SaveMediaListEntry` / `DeleteMediaListEntry` (`./edits`); every edit bumps `updatedAt` to the
 * sandbox clock's "now", as AniList does for any edit.
 */
export class AniListSandboxStore {
  private readonly byId = new Map<number, SandboxEntry>();
  private currentUser: SandboxUser;
  /** Media seen so far, so an entry can be re-added by `mediaId` alone after a delete. */
  private readonly catalog = new Map<number, SandboxMedia>();
  /** Epoch ms of the last deletion: a list can change without any entry left to show it. */
  private lastDeletedAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    user: SandboxUser,
    entries: readonly SandboxEntry[],
  ) {
    this.currentUser = user;
    this.replaceAll(entries);
  }

  get user(): SandboxUser {
    return this.currentUser;
  }

  setUser(patch: Partial<SandboxUser>): SandboxUser {
    const next = { ...this.currentUser, ...patch };
    if (!SCORE_FORMATS.includes(next.scoreFormat))
      throw new SandboxInputError(`unknown scoreFormat ${next.scoreFormat}`);
    if (next.name.trim() === '') throw new SandboxInputError('user name must not be empty');
    this.currentUser = next;
    return next;
  }

  /** All entries, private ones included, ordered by id. */
  entries(): SandboxEntry[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  getEntry(id: number): SandboxEntry | undefined {
    return this.byId.get(id);
  }

  getMedia(mediaId: number): SandboxMedia | undefined {
    return this.catalog.get(mediaId);
  }

  /** Replaces the whole list without touching timestamps (seeding, benchmarks). */
  replaceAll(entries: readonly SandboxEntry[]): void {
    const mediaIds = new Set<number>();
    const next = new Map<number, SandboxEntry>();
    for (const entry of entries) {
      if (next.has(entry.id)) throw new SandboxInputError(`duplicate entry id ${entry.id}`);
      if (mediaIds.has(entry.mediaId)) throw new SandboxInputError(`two entries for media ${entry.mediaId}`);
      mediaIds.add(entry.mediaId);
      next.set(entry.id, entry);
    }
    this.byId.clear();
    this.lastDeletedAt = undefined;
    for (const [id, entry] of next) {
      this.byId.set(id, entry);
      if (entry.media) this.catalog.set(entry.mediaId, entry.media);
    }
  }

  /**
   * Creates or edits an entry, found by `id`, else by `mediaId` (AniList keeps one entry per media).
   * `updatedAt` becomes "now" unless the input sets it explicitly.
   */
  upsertEntry(input: SandboxEntryInput): SandboxEntry {
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    const existing =
      input.id !== undefined
        ? this.byId.get(input.id)
        : input.mediaId !== undefined
          ? [...this.byId.values()].find((e) => e.mediaId === input.mediaId)
          : undefined;
    if (existing === undefined && input.mediaId === undefined) {
      throw new SandboxInputError('a new entry needs a mediaId');
    }
    const mediaId = input.mediaId ?? existing!.mediaId;
    const clash = [...this.byId.values()].find((e) => e.mediaId === mediaId && e.id !== existing?.id);
    if (clash) throw new SandboxInputError(`media ${mediaId} is already on the list as entry ${clash.id}`);

    const base: SandboxEntry = existing ?? {
      id: input.id ?? this.nextId(),
      mediaId,
      status: 'PLANNING',
      score: 0,
      progress: 0,
      repeat: 0,
      priority: 0,
      private: false,
      notes: null,
      hiddenFromStatusLists: false,
      customLists: [],
      startedAt: EMPTY_DATE,
      completedAt: EMPTY_DATE,
      createdAt: nowSeconds,
      updatedAt: nowSeconds,
      media: this.catalog.get(mediaId) ?? placeholderMedia(mediaId),
    };
    const { startedAt, completedAt, ...rest } = input;
    const entry: SandboxEntry = {
      ...base,
      ...stripUndefined(rest),
      mediaId,
      startedAt: startedAt === undefined ? base.startedAt : toDate(startedAt),
      completedAt: completedAt === undefined ? base.completedAt : toDate(completedAt),
      updatedAt: input.updatedAt ?? nowSeconds,
    };
    validateEntry(entry);
    this.byId.set(entry.id, entry);
    if (entry.media) this.catalog.set(entry.mediaId, entry.media);
    return entry;
  }

  deleteEntry(id: number): boolean {
    const deleted = this.byId.delete(id);
    if (deleted) this.lastDeletedAt = this.clock.now();
    return deleted;
  }

  /** Epoch ms of the list's last change (an entry's `updatedAt` or a deletion); undefined for an empty, untouched list. */
  lastChangedAt(): number | undefined {
    const times = [...this.byId.values()].map((e) => e.updatedAt * 1000);
    if (this.lastDeletedAt !== undefined) times.push(this.lastDeletedAt);
    return times.length > 0 ? Math.max(...times) : undefined;
  }

  private nextId(): number {
    let max = 0;
    for (const id of this.byId.keys()) max = Math.max(max, id);
    return max + 1;
  }
}

export function validateEntry(entry: SandboxEntry): void {
  const where = `entry ${entry.id}`;
  if (!Number.isInteger(entry.id) || entry.id <= 0)
    throw new SandboxInputError(`${where}: id must be a positive integer`);
  if (!Number.isInteger(entry.mediaId) || entry.mediaId <= 0) {
    throw new SandboxInputError(`${where}: mediaId must be a positive integer`);
  }
  if (!(ANILIST_STATUSES as readonly string[]).includes(entry.status)) {
    throw new SandboxInputError(`${where}: status must be one of ${ANILIST_STATUSES.join(', ')}`);
  }
  if (!(entry.score >= 0 && entry.score <= 100))
    throw new SandboxInputError(`${where}: score must be POINT_100 (0–100)`);
  for (const key of ['progress', 'repeat', 'priority', 'createdAt', 'updatedAt'] as const) {
    if (!Number.isInteger(entry[key]) || entry[key] < 0) {
      throw new SandboxInputError(`${where}: ${key} must be a whole number ≥ 0`);
    }
  }
  if (entry.media !== null && entry.media.id !== entry.mediaId) {
    throw new SandboxInputError(`${where}: media.id ${entry.media.id} differs from mediaId ${entry.mediaId}`);
  }
}

function placeholderMedia(mediaId: number): SandboxMedia {
  return {
    id: mediaId,
    idMal: null,
    title: { romaji: `Media ${mediaId}`, english: null, native: null },
    format: 'TV',
    episodes: null,
  };
}

function toDate(value: Partial<FuzzyDate> | null): FuzzyDate {
  return { year: value?.year ?? null, month: value?.month ?? null, day: value?.day ?? null };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---- list grouping, shared by the GraphQL resolvers and the fixture writer --------------------

/** AniList's default names for the status groups of an anime list. */
export const STATUS_LIST_NAMES: Readonly<Record<AniListStatus, string>> = {
  CURRENT: 'Watching',
  REPEATING: 'Rewatching',
  COMPLETED: 'Completed',
  PAUSED: 'Paused',
  DROPPED: 'Dropped',
  PLANNING: 'Planning',
};

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  TV: 'TV',
  TV_SHORT: 'TV Short',
  MOVIE: 'Movie',
  SPECIAL: 'Special',
  OVA: 'OVA',
  ONA: 'ONA',
  MUSIC: 'Music',
};

export interface SandboxListGroup {
  readonly name: string;
  readonly isCustomList: boolean;
  readonly isSplitCompletedList: boolean;
  readonly status: AniListStatus | null;
  readonly entries: readonly SandboxEntry[];
}

/**
 * Groups entries the way `MediaListCollection.lists` does: status lists (entries hidden from them
 * excluded; Completed split by format when the user asks and the query does not force a single
 * list), then custom lists, which repeat entries. Empty groups are left out.
 */
export function groupEntries(
  user: SandboxUser,
  entries: readonly SandboxEntry[],
  options: { forceSingleCompletedList: boolean },
): SandboxListGroup[] {
  const groups: SandboxListGroup[] = [];
  for (const status of ANILIST_STATUSES_IN_LIST_ORDER) {
    const inStatus = entries.filter((e) => e.status === status && !e.hiddenFromStatusLists);
    if (inStatus.length === 0) continue;
    if (status === 'COMPLETED' && user.splitCompletedSectionByFormat && !options.forceSingleCompletedList) {
      const formats = [...new Set(inStatus.map((e) => e.media?.format ?? 'TV'))];
      for (const format of formats) {
        groups.push({
          name: `Completed ${FORMAT_NAMES[format] ?? format}`,
          isCustomList: false,
          isSplitCompletedList: true,
          status,
          entries: inStatus.filter((e) => (e.media?.format ?? 'TV') === format),
        });
      }
      continue;
    }
    groups.push({
      name: STATUS_LIST_NAMES[status],
      isCustomList: false,
      isSplitCompletedList: false,
      status,
      entries: inStatus,
    });
  }
  const customNames = [...new Set([...user.customLists, ...entries.flatMap((e) => e.customLists)])];
  for (const name of customNames) {
    const inList = entries.filter((e) => e.customLists.includes(name));
    if (inList.length === 0) continue;
    groups.push({ name, isCustomList: true, isSplitCompletedList: false, status: null, entries: inList });
  }
  return groups;
}

const ANILIST_STATUSES_IN_LIST_ORDER: readonly AniListStatus[] = [
  'CURRENT',
  'REPEATING',
  'COMPLETED',
  'PAUSED',
  'DROPPED',
  'PLANNING',
];

export function preferredTitle(media: SandboxMedia, language: TitleLanguage): string | null {
  const { romaji, english, native } = media.title;
  if (language === 'ENGLISH') return english ?? romaji ?? native;
  if (language === 'NATIVE') return native ?? romaji ?? english;
  return romaji ?? english ?? native;
}
