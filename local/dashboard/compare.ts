import type { FuzzyDate } from '../../shared/anilist/types';
import {
  diffFields,
  type MappingOptions,
  mapEntry,
  mapScore,
  toComparable,
} from '../../shared/destinations/mal/mapping';
import type { MalListEntry, MalWriteFields } from '../../shared/destinations/mal/types';
import { mediaTypeOf, type SandboxEntry } from '../sandbox/anilist';
import { sourceEntryOf } from '../system/mal-seed';

/** The columns both sides show; a difference in a MAL write field highlights its column. */
export type ComparedField = 'status' | 'score' | 'progress' | 'started' | 'finished' | 'notes' | 'rewatches';

const COLUMN_OF: Readonly<Record<keyof MalWriteFields, ComparedField>> = {
  status: 'status',
  is_rewatching: 'status',
  score: 'score',
  num_watched_episodes: 'progress',
  num_times_rewatched: 'rewatches',
  comments: 'notes',
  start_date: 'started',
  finish_date: 'finished',
};

export interface SideBySideRow {
  readonly anilist?: {
    readonly entryId: number;
    readonly title: string;
    readonly status: string;
    /** POINT_100, as AniList stores it, and what it becomes on MAL. */
    readonly score: number;
    readonly progress: number;
    readonly started: string;
    readonly finished: string;
  };
  readonly mal?: {
    readonly animeId: number;
    readonly title: string;
    readonly status: string;
    readonly score: number;
    readonly progress: number;
    readonly started: string;
    readonly finished: string;
  };
  /**
   * `match`: MAL holds what the mirror would write; `differs`: the next sync writes `differences`;
   * `missing`: the next sync adds it to MAL; `skipped`: the mirror leaves it out (`why`);
   * `mal_only`: on MAL but not on AniList.
   */
  readonly match: 'match' | 'differs' | 'missing' | 'skipped' | 'mal_only';
  readonly differences: readonly ComparedField[];
  readonly why?: string;
}

/**
 * The sandbox AniList's anime list beside the sandbox MAL's, decided by the mirror's own mapping
 * (`mapEntry` with the run's settings, then `diffFields`): "match" means the next sync would write
 * nothing for that entry. AniList's list order; MAL entries no AniList entry maps to come last.
 */
export function sideBySide(
  anilist: readonly SandboxEntry[],
  mal: readonly MalListEntry[],
  options: MappingOptions,
): SideBySideRow[] {
  const malById = new Map(mal.map((e) => [e.animeId, e]));
  const claimed = new Set<number>();
  const rows: SideBySideRow[] = [];
  for (const entry of anilist) {
    if (mediaTypeOf(entry) !== 'ANIME') continue;
    const source = sourceEntryOf(entry);
    const left = anilistSide(entry, source.title);
    const mapped = mapEntry(source, options);
    if (mapped.kind === 'skipped') {
      rows.push({ anilist: left, match: 'skipped', differences: [], why: mapped.detail });
      continue;
    }
    claimed.add(mapped.malId);
    const onMal = malById.get(mapped.malId);
    if (!onMal) {
      rows.push({ anilist: left, match: 'missing', differences: [] });
      continue;
    }
    const fields = Object.keys(diffFields(mapped.desired, toComparable(onMal.listStatus))) as (keyof MalWriteFields)[];
    const differences = [...new Set(fields.map((f) => COLUMN_OF[f]))];
    rows.push({ anilist: left, mal: malSide(onMal), match: differences.length ? 'differs' : 'match', differences });
  }
  for (const onMal of mal) {
    if (!claimed.has(onMal.animeId)) rows.push({ mal: malSide(onMal), match: 'mal_only', differences: [] });
  }
  return rows;
}

function anilistSide(entry: SandboxEntry, title: string): NonNullable<SideBySideRow['anilist']> {
  return {
    entryId: entry.id,
    title,
    status: entry.status,
    score: entry.score,
    progress: entry.progress,
    started: fuzzyDate(entry.startedAt),
    finished: fuzzyDate(entry.completedAt),
  };
}

function malSide(entry: MalListEntry): NonNullable<SideBySideRow['mal']> {
  const s = entry.listStatus;
  return {
    animeId: entry.animeId,
    title: entry.title,
    status: s.is_rewatching ? `${s.status} (rewatching)` : s.status,
    score: s.score,
    progress: s.num_episodes_watched,
    started: s.start_date ?? '',
    finished: s.finish_date ?? '',
  };
}

/** `2024-03-01`, `2024-03` or `2024`, as far as AniList knows the date; '' when unset. */
export function fuzzyDate(date: FuzzyDate): string {
  if (date.year === null) return '';
  const parts = [String(date.year).padStart(4, '0')];
  if (date.month !== null) parts.push(String(date.month).padStart(2, '0'));
  if (date.month !== null && date.day !== null) parts.push(String(date.day).padStart(2, '0'));
  return parts.join('-');
}

/** What MAL's 0–10 score for a POINT_100 AniList score is (the column the user compares). */
export const malScoreOf = mapScore;
