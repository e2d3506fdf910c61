import type { AniListStatus, FuzzyDate } from '../../anilist/types';
import type { SourceEntry } from '../../sync/source';
import { isMalDate } from './form';
import type { MalListStatus, MalStatus, MalWriteFields } from './types';

/**
 * The MAL list state an AniList entry should produce. `start_date`/`finish_date`:
 * `'YYYY-MM-DD'` sets, `''` clears, `undefined` means "leave MAL's value alone" (partial AniList date).
 */
export interface DesiredMalState {
  readonly status: MalStatus;
  readonly is_rewatching: boolean;
  readonly score: number;
  readonly num_watched_episodes: number;
  readonly num_times_rewatched: number;
  readonly comments: string;
  readonly start_date: string | undefined;
  readonly finish_date: string | undefined;
}

/** MAL state normalised for comparison: unset dates are `''`, as MAL omits them on reads. */
export type ComparableMalState = Omit<DesiredMalState, 'start_date' | 'finish_date'> & {
  readonly start_date: string;
  readonly finish_date: string;
};

export type SkipReason = 'no_mal_id' | 'private' | 'unknown_status' | 'invalid_entry' | 'duplicate_mal_id';

/** Where an entry's MAL id came from: AniList's `idMal`, ID_OVERRIDES, or the anime id dataset. */
export type MalIdSource = 'anilist' | 'override' | 'dataset';

export type MappingResult =
  | {
      readonly kind: 'mapped';
      readonly malId: number;
      readonly idSource: MalIdSource;
      readonly desired: DesiredMalState;
      /** Partial AniList dates that were left untouched on MAL. */
      readonly partialDates: readonly ('start_date' | 'finish_date')[];
    }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly detail: string };

/**
 * What to do with a partial AniList date (year, or year and month). `leave` (default): MAL's date
 * is left as it is and the run report counts it. `send`: write it as `YYYY` / `YYYY-MM`, which
 * MAL's website can show; whether MAL's API accepts such writes is undocumented (docs/apis.md#mal-write,
 * uncertain). Either way, no day or month is invented.
 */
export const PARTIAL_DATE_MODES = ['leave', 'send'] as const;
export type PartialDateMode = (typeof PARTIAL_DATE_MODES)[number];

export interface MappingOptions {
  readonly mirrorPrivate: boolean;
  /** AniList media id → MAL id; fixes wrong or missing `idMal`. */
  readonly idOverrides: ReadonlyMap<number, number>;
  /** AniList media id → MAL id from the anime id dataset, used only where AniList has no `idMal`. */
  readonly datasetIds?: ReadonlyMap<number, number>;
  /** @default 'leave' */
  readonly partialDates?: PartialDateMode;
}

export const STATUS_MAP: Readonly<Record<AniListStatus, { status: MalStatus; rewatching: boolean }>> = {
  CURRENT: { status: 'watching', rewatching: false },
  PLANNING: { status: 'plan_to_watch', rewatching: false },
  COMPLETED: { status: 'completed', rewatching: false },
  DROPPED: { status: 'dropped', rewatching: false },
  PAUSED: { status: 'on_hold', rewatching: false },
  // MAL has no rewatching status: a rewatch is "completed" with the rewatching flag.
  REPEATING: { status: 'completed', rewatching: true },
};

/** A generous ceiling; longer notes are almost certainly corrupt input and MAL's limit is undocumented. */
export const MAX_COMMENTS_LENGTH = 20_000;

/** POINT_100 → MAL 0–10: 0 stays "no score"; otherwise round half up, never below 1. 85→9, 84→8, 5→1. */
export function mapScore(point100: number): number {
  if (point100 === 0) return 0;
  return clamp(Math.floor(point100 / 10 + 0.5), 1, 10);
}

/**
 * A full AniList date becomes `YYYY-MM-DD`; an all-empty date clears (`''`); a partial one
 * (year, or year and month) returns `undefined` so that MAL's value is left alone rather than
 * invented, or, in `send` mode, `YYYY` / `YYYY-MM` as far as AniList knows it.
 */
export function mapDate(
  date: FuzzyDate | null | undefined,
  mode: PartialDateMode = 'leave',
): { value: string | undefined; partial: boolean } {
  const year = date?.year ?? null;
  const month = date?.month ?? null;
  const day = date?.day ?? null;
  if (year === null && month === null && day === null) return { value: '', partial: false };
  if (year !== null && month !== null && day !== null) {
    return { value: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`, partial: false };
  }
  if (mode === 'send' && year !== null) {
    return { value: month === null ? pad(year, 4) : `${pad(year, 4)}-${pad(month, 2)}`, partial: false };
  }
  return { value: undefined, partial: true };
}

/** The entry's MAL id and where it came from: ID_OVERRIDES first, then AniList, then the dataset. */
export function malIdOf(
  entry: SourceEntry,
  options: Pick<MappingOptions, 'idOverrides' | 'datasetIds'>,
): { malId: number; idSource: MalIdSource } | undefined {
  const override = options.idOverrides.get(entry.mediaId);
  if (override !== undefined) return { malId: override, idSource: 'override' };
  if (entry.idMal !== null && entry.idMal !== undefined) return { malId: entry.idMal, idSource: 'anilist' };
  const fromDataset = options.datasetIds?.get(entry.mediaId);
  return fromDataset === undefined ? undefined : { malId: fromDataset, idSource: 'dataset' };
}

export function mapEntry(entry: SourceEntry, options: MappingOptions): MappingResult {
  const id = malIdOf(entry, options);
  if (id === undefined) {
    return { kind: 'skipped', reason: 'no_mal_id', detail: 'AniList has no MyAnimeList id for this anime' };
  }
  const { malId, idSource } = id;
  if (!Number.isInteger(malId) || malId <= 0) {
    return { kind: 'skipped', reason: 'invalid_entry', detail: `MAL id ${String(malId)} is not a positive integer` };
  }
  if (entry.private && !options.mirrorPrivate) {
    return { kind: 'skipped', reason: 'private', detail: 'private on AniList (set MIRROR_PRIVATE=true to mirror it)' };
  }
  const mappedStatus = Object.hasOwn(STATUS_MAP, entry.status) ? STATUS_MAP[entry.status as AniListStatus] : undefined;
  if (!mappedStatus) {
    return { kind: 'skipped', reason: 'unknown_status', detail: `unknown AniList status "${entry.status}"` };
  }
  const invalid = invalidNumbers(entry, [
    ['progress', entry.progress],
    ['rewatch count', entry.repeat],
  ]);
  if (invalid) return { kind: 'skipped', reason: 'invalid_entry', detail: invalid };

  const start = mapDate(entry.startedAt, options.partialDates);
  const finish = mapDate(entry.completedAt, options.partialDates);
  const invalidDate = [
    start.value && !isMalDate(start.value) ? `start date ${start.value} does not exist` : undefined,
    finish.value && !isMalDate(finish.value) ? `completion date ${finish.value} does not exist` : undefined,
  ].find(Boolean);
  if (invalidDate) return { kind: 'skipped', reason: 'invalid_entry', detail: invalidDate };

  const partialDates: ('start_date' | 'finish_date')[] = [];
  if (start.partial) partialDates.push('start_date');
  if (finish.partial) partialDates.push('finish_date');
  return {
    kind: 'mapped',
    malId,
    idSource,
    partialDates,
    desired: {
      status: mappedStatus.status,
      is_rewatching: mappedStatus.rewatching,
      score: mapScore(entry.score),
      num_watched_episodes: entry.progress,
      num_times_rewatched: entry.repeat,
      comments: entry.notes ?? '',
      start_date: start.value,
      finish_date: finish.value,
    },
  };
}

/**
 * Why an entry's numbers cannot be written to MAL, or undefined: the score's range, each count
 * (named as the list calls it: progress, chapters, rewatch count …) and the notes' length.
 */
export function invalidNumbers(
  entry: SourceEntry,
  counts: ReadonlyArray<readonly [string, number]>,
): string | undefined {
  if (!Number.isFinite(entry.score) || entry.score < 0 || entry.score > 100) {
    return `score ${entry.score} is outside AniList's 0–100 range`;
  }
  for (const [label, value] of counts) {
    if (!Number.isInteger(value) || value < 0) return `${label} ${value} is not a count`;
  }
  if ((entry.notes?.length ?? 0) > MAX_COMMENTS_LENGTH) {
    return `notes are ${entry.notes?.length} characters long (limit ${MAX_COMMENTS_LENGTH})`;
  }
  return undefined;
}

export function toComparable(status: MalListStatus): ComparableMalState {
  return {
    status: status.status,
    is_rewatching: status.is_rewatching,
    score: status.score,
    num_watched_episodes: status.num_episodes_watched,
    num_times_rewatched: status.num_times_rewatched ?? 0,
    comments: status.comments ?? '',
    start_date: status.start_date ?? '',
    finish_date: status.finish_date ?? '',
  };
}

/** What MAL holds after `fields` were written over `base` (or over an empty entry). */
export function applyFields(base: ComparableMalState | undefined, fields: MalWriteFields): ComparableMalState {
  const from: ComparableMalState = base ?? {
    status: fields.status ?? 'plan_to_watch',
    is_rewatching: false,
    score: 0,
    num_watched_episodes: 0,
    num_times_rewatched: 0,
    comments: '',
    start_date: '',
    finish_date: '',
  };
  return {
    status: fields.status ?? from.status,
    is_rewatching: fields.is_rewatching ?? from.is_rewatching,
    score: fields.score ?? from.score,
    num_watched_episodes: fields.num_watched_episodes ?? from.num_watched_episodes,
    num_times_rewatched: fields.num_times_rewatched ?? from.num_times_rewatched,
    comments: fields.comments ?? from.comments,
    start_date: fields.start_date ?? from.start_date,
    finish_date: fields.finish_date ?? from.finish_date,
  };
}

/**
 * The minimal set of form fields that turns `current` into `desired`. For an entry MAL does not
 * have yet, every field that differs from MAL's defaults is sent, and `status` always.
 */
export function diffFields(desired: DesiredMalState, current: ComparableMalState | undefined): MalWriteFields {
  const fields: MalWriteFields = {};
  const base = current ?? applyFields(undefined, { status: desired.status });
  if (!current || base.status !== desired.status) fields.status = desired.status;
  if (base.is_rewatching !== desired.is_rewatching) fields.is_rewatching = desired.is_rewatching;
  if (base.score !== desired.score) fields.score = desired.score;
  if (base.num_watched_episodes !== desired.num_watched_episodes) {
    fields.num_watched_episodes = desired.num_watched_episodes;
  }
  if (base.num_times_rewatched !== desired.num_times_rewatched)
    fields.num_times_rewatched = desired.num_times_rewatched;
  if (base.comments !== desired.comments) fields.comments = desired.comments;
  if (desired.start_date !== undefined && base.start_date !== desired.start_date)
    fields.start_date = desired.start_date;
  if (desired.finish_date !== undefined && base.finish_date !== desired.finish_date) {
    fields.finish_date = desired.finish_date;
  }
  return fields;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
