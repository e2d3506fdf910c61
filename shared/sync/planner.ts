import type { AniListEntry } from '../anilist/types';
import type { MalWriteFields } from '../mal/types';
import {
  type ComparableMalState,
  type DesiredMalState,
  diffFields,
  type MappingOptions,
  mapEntry,
  type SkipReason,
} from './mapping';

export interface PlannedUpdate {
  readonly kind: 'update';
  readonly malId: number;
  readonly title: string;
  readonly entry: AniListEntry;
  readonly desired: DesiredMalState;
  readonly fields: MalWriteFields;
  /** Human-readable reasons, e.g. `score 8 → 9`, `new on MAL`. */
  readonly reasons: readonly string[];
}

export interface PlannedDelete {
  readonly kind: 'delete';
  readonly malId: number;
  readonly title: string;
  readonly reason: string;
}

export type PlannedWrite = PlannedUpdate | PlannedDelete;

export interface SkippedEntry {
  readonly anilistEntryId: number;
  readonly mediaId: number;
  readonly title: string;
  readonly reason: SkipReason;
  readonly detail: string;
}

export interface PartialDateNote {
  readonly malId: number;
  readonly title: string;
  readonly field: 'start_date' | 'finish_date';
}

/** An AniList entry the plan accounts for, with the desired MAL state (written or already matching). */
export interface MirrorTarget {
  readonly malId: number;
  readonly entry: AniListEntry;
  readonly desired: DesiredMalState;
}

export interface Plan {
  readonly writes: readonly PlannedWrite[];
  readonly unchanged: readonly MirrorTarget[];
  readonly skipped: readonly SkippedEntry[];
  readonly partialDates: readonly PartialDateNote[];
  /** Entries the system mirrored earlier whose AniList entry is gone (full runs only). */
  readonly orphans: readonly { malId: number; title: string }[];
  /** Set when prune was requested but refused by the safety guard. */
  readonly pruneRefused?: string;
}

export interface PlanInput {
  readonly entries: readonly AniListEntry[];
  /** What MAL holds (full runs: the real list; incremental runs: the state this system last confirmed). */
  readonly known: ReadonlyMap<number, ComparableMalState>;
  readonly options: MappingOptions & { readonly prune: boolean };
  /**
   * Full runs only: the complete AniList list was read, so entries missing from it were deleted on AniList.
   * `previouslyWritten` are the MAL ids this system wrote at least once: the only ones prune may touch.
   * `present` adds MAL ids AniList entries outside `entries` still point at (e.g. entries that
   * failed to parse); `unknown` when the read held an entry that could be any of them.
   */
  readonly fullList?: {
    readonly previouslyWritten: ReadonlyMap<number, string>;
    readonly present?: ReadonlySet<number> | { readonly unknown: string };
  };
}

/** Refuse to prune more than this share of mirrored entries in one run: a wrong user name or a glitch looks like mass deletion. */
export const PRUNE_GUARD = { maxShare: 0.5, minEntries: 10 } as const;

/**
 * Pure: AniList entries + known MAL state → MAL writes with reasons. Writes only what differs;
 * an entry whose MAL state already matches costs nothing.
 */
export function planSync(input: PlanInput): Plan {
  const skipped: SkippedEntry[] = [];
  const partialDates: PartialDateNote[] = [];
  const byMalId = new Map<number, MirrorTarget>();

  // Newest first, so that when two AniList entries claim one MAL id the most recent edit wins.
  const ordered = [...input.entries].sort((a, b) => b.updatedAt - a.updatedAt || a.id - b.id);
  const seenEntryIds = new Set<number>();
  for (const entry of ordered) {
    if (seenEntryIds.has(entry.id)) continue;
    seenEntryIds.add(entry.id);
    const mapped = mapEntry(entry, input.options);
    if (mapped.kind === 'skipped') {
      skipped.push(skip(entry, mapped.reason, mapped.detail));
      continue;
    }
    const claimed = byMalId.get(mapped.malId);
    if (claimed) {
      skipped.push(
        skip(
          entry,
          'duplicate_mal_id',
          `MAL id ${mapped.malId} is also used by "${claimed.entry.title}", edited later`,
        ),
      );
      continue;
    }
    byMalId.set(mapped.malId, { malId: mapped.malId, entry, desired: mapped.desired });
    for (const field of mapped.partialDates) partialDates.push({ malId: mapped.malId, title: entry.title, field });
  }

  const writes: PlannedWrite[] = [];
  const unchanged: MirrorTarget[] = [];
  for (const target of byMalId.values()) {
    const current = input.known.get(target.malId);
    const fields = diffFields(target.desired, current);
    if (Object.keys(fields).length === 0) {
      unchanged.push(target);
      continue;
    }
    writes.push({
      kind: 'update',
      malId: target.malId,
      title: target.entry.title,
      entry: target.entry,
      desired: target.desired,
      fields,
      reasons: describeChanges(fields, current),
    });
  }

  const orphans: { malId: number; title: string }[] = [];
  let pruneRefused: string | undefined;
  if (input.fullList) {
    // Any AniList entry pointing at a MAL id (even one skipped, e.g. made private) means it was not deleted.
    const given = input.fullList.present ?? new Set<number>();
    const present = new Set(input.entries.map((e) => input.options.idOverrides.get(e.mediaId) ?? e.idMal));
    if (given instanceof Set) for (const id of given) present.add(id);
    for (const [malId, title] of input.fullList.previouslyWritten) {
      if (!present.has(malId) && input.known.has(malId)) {
        orphans.push({ malId, title });
      }
    }
    if (input.options.prune && orphans.length > 0) {
      const mirroredCount = input.fullList.previouslyWritten.size;
      if ('unknown' in given) {
        pruneRefused = `refused to remove anything this run: ${given.unknown}`;
      } else if (orphans.length >= PRUNE_GUARD.minEntries && orphans.length > mirroredCount * PRUNE_GUARD.maxShare) {
        pruneRefused = `refused to remove ${orphans.length} of ${mirroredCount} mirrored entries in one run; check ANILIST_USERNAME`;
      } else {
        for (const o of orphans) {
          writes.push({ kind: 'delete', malId: o.malId, title: o.title, reason: 'deleted on AniList' });
        }
      }
    }
  }

  // Stable, readable order: updates by title, deletes last.
  writes.sort((a, b) => (a.kind === b.kind ? a.title.localeCompare(b.title) : a.kind === 'update' ? -1 : 1));
  return { writes, unchanged, skipped, partialDates, orphans, ...(pruneRefused ? { pruneRefused } : {}) };
}

function skip(entry: AniListEntry, reason: SkipReason, detail: string): SkippedEntry {
  return { anilistEntryId: entry.id, mediaId: entry.mediaId, title: entry.title, reason, detail };
}

const FIELD_LABELS: Record<keyof MalWriteFields, string> = {
  status: 'status',
  is_rewatching: 'rewatching',
  score: 'score',
  num_watched_episodes: 'episodes',
  num_times_rewatched: 'times rewatched',
  comments: 'comments',
  start_date: 'start date',
  finish_date: 'finish date',
};

const FIELD_TO_COMPARABLE: Record<keyof MalWriteFields, keyof ComparableMalState> = {
  status: 'status',
  is_rewatching: 'is_rewatching',
  score: 'score',
  num_watched_episodes: 'num_watched_episodes',
  num_times_rewatched: 'num_times_rewatched',
  comments: 'comments',
  start_date: 'start_date',
  finish_date: 'finish_date',
};

function describeChanges(fields: MalWriteFields, current: ComparableMalState | undefined): string[] {
  if (!current) return [`new on MAL: ${describeNew(fields)}`];
  return (Object.keys(fields) as (keyof MalWriteFields)[]).map((key) => {
    const label = FIELD_LABELS[key];
    if (key === 'comments') return fields.comments === '' ? 'comments cleared' : 'comments changed';
    const before = current[FIELD_TO_COMPARABLE[key]];
    const after = fields[key];
    if (after === '') return `${label} cleared`;
    return `${label} ${formatValue(before)} → ${formatValue(after)}`;
  });
}

function describeNew(fields: MalWriteFields): string {
  const parts = [`${fields.status?.replace(/_/g, ' ') ?? 'listed'}${fields.is_rewatching ? ' (rewatching)' : ''}`];
  if (fields.score) parts.push(`score ${fields.score}`);
  if (fields.num_watched_episodes) parts.push(`${fields.num_watched_episodes} ep`);
  if (fields.num_times_rewatched) parts.push(`rewatched ${fields.num_times_rewatched}×`);
  if (fields.start_date) parts.push(`started ${fields.start_date}`);
  if (fields.finish_date) parts.push(`finished ${fields.finish_date}`);
  if (fields.comments) parts.push('with comments');
  return parts.join(', ');
}

function formatValue(v: unknown): string {
  if (v === '' || v === undefined) return '(none)';
  return String(v);
}
