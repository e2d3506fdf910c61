import { kindOf } from '../../anilist/types';
import type { PlanNote, PlannedWrite, SkippedEntry, UnchangedTarget } from '../../sync/destination';
import type { SourceEntry } from '../../sync/source';
import { isMangaKey, type MalMangaPayload, mangaIdOfKey, planMalManga } from './manga';
import {
  type ComparableMalState,
  type DesiredMalState,
  diffFields,
  type MalIdSource,
  type MappingOptions,
  mapEntry,
  type SkipReason,
} from './mapping';
import type { MalWriteFields } from './types';

/** What `apply` needs to write one MAL entry. */
export interface MalUpdatePayload {
  readonly malId: number;
  readonly fields: MalWriteFields;
}

export interface MalPlan {
  readonly writes: PlannedWrite[];
  readonly unchanged: UnchangedTarget[];
  readonly skipped: SkippedEntry[];
  readonly notes: PlanNote[];
}

/** The target key of a MAL entry: its MAL anime id. */
export const malKey = (malId: number): string => String(malId);

export const MAL_SKIP_LABELS: Readonly<Record<SkipReason, string>> = {
  no_mal_id: 'no MAL id',
  private: 'private',
  unknown_status: 'unknown status',
  invalid_entry: 'invalid data',
  duplicate_mal_id: 'duplicate MAL id',
};

/** What a person does about each skip, printed beside the skip counts (README: Mapping rules). */
export const MAL_SKIP_FIXES: Readonly<Record<SkipReason, string>> = {
  no_mal_id:
    'add its MAL id to ID_OVERRIDES, a JSON object of AniList id → MAL id: ID_OVERRIDES={"<AniList id>":<MAL id>}, e.g. {"21":21} (the AniList id is the number in anilist.co/anime/<id>)',
  private: 'set MIRROR_PRIVATE=true to mirror private entries too',
  unknown_status:
    'give the entry one of the usual statuses on AniList (Watching, Planning, Completed, Dropped, Paused, Rewatching)',
  invalid_entry: 'correct the entry on AniList (the line names what is wrong); the next run reads it again',
  duplicate_mal_id:
    'two AniList entries name the same MAL id: correct the wrong one with ID_OVERRIDES={"<AniList id>":<MAL id>}, or remove the duplicate on AniList',
};

const ID_SOURCE_NOTES: Partial<Record<MalIdSource, string>> = {
  override: 'MAL id from ID_OVERRIDES',
  dataset: 'MAL id from the anime id dataset (AniList has none)',
};

/**
 * Pure: source entries + what MAL holds (the real list on full runs, the last confirmed state on
 * incremental ones) → MAL writes with reasons. Writes only what differs; an entry whose MAL state
 * already matches costs nothing.
 */
export function planMal(
  entries: readonly SourceEntry[],
  known: ReadonlyMap<string, ComparableMalState>,
  options: MappingOptions,
): MalPlan {
  const manga = entries.filter((e) => kindOf(e) === 'manga');
  if (manga.length === 0) return planMalAnime(entries, known, options);
  const anime = planMalAnime(
    entries.filter((e) => kindOf(e) === 'anime'),
    known,
    options,
  );
  const mangaPlan = planMalManga(manga, known, options);
  return {
    writes: [...anime.writes, ...mangaPlan.writes].sort((a, b) => a.title.localeCompare(b.title)),
    unchanged: [...anime.unchanged, ...mangaPlan.unchanged],
    skipped: [...anime.skipped, ...mangaPlan.skipped],
    notes: [...anime.notes, ...mangaPlan.notes],
  };
}

function planMalAnime(
  entries: readonly SourceEntry[],
  known: ReadonlyMap<string, ComparableMalState>,
  options: MappingOptions,
): MalPlan {
  const skipped: SkippedEntry[] = [];
  const notes: PlanNote[] = [];
  const byMalId = new Map<number, { entry: SourceEntry; desired: DesiredMalState }>();

  // Newest first, so that when two source entries claim one MAL id the most recent edit wins.
  const ordered = [...entries].sort((a, b) => b.updatedAt - a.updatedAt || a.id - b.id);
  const seenEntryIds = new Set<number>();
  for (const entry of ordered) {
    if (seenEntryIds.has(entry.id)) continue;
    seenEntryIds.add(entry.id);
    const mapped = mapEntry(entry, options);
    if (mapped.kind === 'skipped') {
      skipped.push(skip(entry, mapped.reason, mapped.detail));
      continue;
    }
    const claimed = byMalId.get(mapped.malId);
    if (claimed) {
      const detail = `MAL id ${mapped.malId} is also used by "${claimed.entry.title}", edited later`;
      skipped.push(skip(entry, 'duplicate_mal_id', detail));
      continue;
    }
    byMalId.set(mapped.malId, { entry, desired: mapped.desired });
    for (const field of mapped.partialDates) {
      notes.push({
        title: entry.title,
        kind: 'partial_date',
        detail: `${field === 'start_date' ? 'start' : 'finish'} date is incomplete on AniList`,
      });
    }
    const idNote = ID_SOURCE_NOTES[mapped.idSource];
    if (idNote) notes.push({ title: entry.title, kind: 'id_source', detail: `${idNote}: ${mapped.malId}` });
  }

  const writes: PlannedWrite[] = [];
  const unchanged: UnchangedTarget[] = [];
  for (const [malId, { entry, desired }] of byMalId) {
    const key = malKey(malId);
    const current = known.get(key);
    const fields = diffFields(desired, current);
    if (Object.keys(fields).length === 0) {
      unchanged.push({ key, entry, state: current });
      continue;
    }
    const payload: MalUpdatePayload = { malId, fields };
    writes.push({
      kind: 'put',
      key,
      title: entry.title,
      target: `MAL ${malId}`,
      entry,
      reasons: describeChanges(fields, current),
      fields: { ...fields },
      payload,
    });
  }
  // Stable, readable order: by title.
  writes.sort((a, b) => a.title.localeCompare(b.title));
  return { writes, unchanged, skipped, notes };
}

/** Prune's writes: remove the MAL entries of these (orphaned) keys, from the list each key belongs to. */
export function planMalRemovals(orphans: readonly { key: string; record: { title: string } }[]): PlannedWrite[] {
  return orphans.map((o) =>
    isMangaKey(o.key)
      ? {
          kind: 'remove' as const,
          key: o.key,
          title: o.record.title,
          target: `MAL manga ${mangaIdOfKey(o.key)}`,
          reasons: ['deleted on AniList'],
          payload: { media: 'manga', malId: mangaIdOfKey(o.key), fields: {} } satisfies MalMangaPayload,
        }
      : animeRemoval(o),
  );
}

function animeRemoval(o: { key: string; record: { title: string } }): PlannedWrite {
  return {
    kind: 'remove' as const,
    key: o.key,
    title: o.record.title,
    target: `MAL ${o.key}`,
    reasons: ['deleted on AniList'],
    payload: { malId: Number(o.key) },
  };
}

function skip(entry: SourceEntry, reason: SkipReason, detail: string): SkippedEntry {
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

export function describeChanges(fields: MalWriteFields, current: ComparableMalState | undefined): string[] {
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
