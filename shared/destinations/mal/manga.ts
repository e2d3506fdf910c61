import type { AniListStatus } from '../../anilist/types';
import type { PlanNote, PlannedWrite, SkippedEntry, UnchangedTarget } from '../../sync/destination';
import type { SourceEntry } from '../../sync/source';
import { isMalDate } from './form';
import { invalidNumbers, type MappingOptions, malIdOf, mapDate, mapScore, type SkipReason } from './mapping';
import type { MalMangaListStatus, MalMangaStatus, MalMangaWriteFields } from './types';

/**
 * AniList manga → MAL's manga list (MIRROR_MANGA=true). Mapped as anime is (score, dates, notes,
 * private, ID_OVERRIDES), with MAL's manga fields: `progress` → chapters read, `progressVolumes`
 * → volumes read, `repeat` → times reread. Manga targets are keyed `manga:<MAL manga id>`, so they
 * never collide with anime keys (a bare MAL anime id), which stay as they always were.
 */

export const MANGA_STATUS_MAP: Readonly<Record<AniListStatus, { status: MalMangaStatus; rereading: boolean }>> = {
  CURRENT: { status: 'reading', rereading: false },
  PLANNING: { status: 'plan_to_read', rereading: false },
  COMPLETED: { status: 'completed', rereading: false },
  DROPPED: { status: 'dropped', rereading: false },
  PAUSED: { status: 'on_hold', rereading: false },
  // As for anime: MAL has no rereading status, a reread is "completed" with the flag.
  REPEATING: { status: 'completed', rereading: true },
};

/** What MAL should hold for one manga; `undefined` dates leave MAL's value alone (partial AniList date). */
export interface DesiredMangaState {
  readonly status: MalMangaStatus;
  readonly is_rereading: boolean;
  readonly score: number;
  readonly num_chapters_read: number;
  readonly num_volumes_read: number;
  readonly num_times_reread: number;
  readonly comments: string;
  readonly start_date: string | undefined;
  readonly finish_date: string | undefined;
}

export type ComparableMangaState = Omit<DesiredMangaState, 'start_date' | 'finish_date'> & {
  readonly start_date: string;
  readonly finish_date: string;
};

export const MANGA_KEY_PREFIX = 'manga:';
export const malMangaKey = (malId: number): string => `${MANGA_KEY_PREFIX}${malId}`;
export const isMangaKey = (key: string): boolean => key.startsWith(MANGA_KEY_PREFIX);
export const mangaIdOfKey = (key: string): number => Number(key.slice(MANGA_KEY_PREFIX.length));

export interface MalMangaPayload {
  readonly media: 'manga';
  readonly malId: number;
  readonly fields: MalMangaWriteFields;
}

type MangaMapping =
  | { readonly kind: 'mapped'; readonly malId: number; readonly desired: DesiredMangaState; readonly note?: string }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly detail: string; readonly partial?: never };

export function mapMangaEntry(entry: SourceEntry, options: MappingOptions): MangaMapping & { partial?: string[] } {
  // The anime id dataset knows no manga: ID_OVERRIDES and AniList's idMal only.
  const id = malIdOf(entry, { idOverrides: options.idOverrides });
  if (id === undefined) {
    return { kind: 'skipped', reason: 'no_mal_id', detail: 'AniList has no MyAnimeList id for this manga' };
  }
  if (!Number.isInteger(id.malId) || id.malId <= 0) {
    return { kind: 'skipped', reason: 'invalid_entry', detail: `MAL id ${String(id.malId)} is not a positive integer` };
  }
  if (entry.private && !options.mirrorPrivate) {
    return { kind: 'skipped', reason: 'private', detail: 'private on AniList (set MIRROR_PRIVATE=true to mirror it)' };
  }
  const mapped = Object.hasOwn(MANGA_STATUS_MAP, entry.status)
    ? MANGA_STATUS_MAP[entry.status as AniListStatus]
    : undefined;
  if (!mapped) return { kind: 'skipped', reason: 'unknown_status', detail: `unknown AniList status "${entry.status}"` };
  const volumes = entry.progressVolumes ?? 0;
  const invalid = invalidNumbers(entry, [
    ['chapters', entry.progress],
    ['volumes', volumes],
    ['reread count', entry.repeat],
  ]);
  if (invalid) return { kind: 'skipped', reason: 'invalid_entry', detail: invalid };
  const start = mapDate(entry.startedAt, options.partialDates);
  const finish = mapDate(entry.completedAt, options.partialDates);
  for (const [label, d] of [
    ['start', start],
    ['completion', finish],
  ] as const) {
    if (d.value && !isMalDate(d.value)) {
      return { kind: 'skipped', reason: 'invalid_entry', detail: `${label} date ${d.value} does not exist` };
    }
  }
  const partial = [start.partial ? 'start' : '', finish.partial ? 'finish' : ''].filter(Boolean);
  return {
    kind: 'mapped',
    malId: id.malId,
    ...(id.idSource === 'override' ? { note: `MAL id from ID_OVERRIDES: ${id.malId}` } : {}),
    partial,
    desired: {
      status: mapped.status,
      is_rereading: mapped.rereading,
      score: mapScore(entry.score),
      num_chapters_read: entry.progress,
      num_volumes_read: volumes,
      num_times_reread: entry.repeat,
      comments: entry.notes ?? '',
      start_date: start.value,
      finish_date: finish.value,
    },
  };
}

export function toComparableManga(status: MalMangaListStatus): ComparableMangaState {
  return {
    status: status.status,
    is_rereading: status.is_rereading,
    score: status.score,
    num_chapters_read: status.num_chapters_read,
    num_volumes_read: status.num_volumes_read,
    num_times_reread: status.num_times_reread ?? 0,
    comments: status.comments ?? '',
    start_date: status.start_date ?? '',
    finish_date: status.finish_date ?? '',
  };
}

const MANGA_FIELDS = [
  'status',
  'is_rereading',
  'score',
  'num_volumes_read',
  'num_chapters_read',
  'num_times_reread',
  'comments',
  'start_date',
  'finish_date',
] as const;

/** What MAL holds after `fields` were written over `base` (or over an empty entry). */
export function applyMangaFields(
  base: ComparableMangaState | undefined,
  fields: MalMangaWriteFields,
): ComparableMangaState {
  const from: ComparableMangaState = base ?? {
    status: fields.status ?? 'plan_to_read',
    is_rereading: false,
    score: 0,
    num_chapters_read: 0,
    num_volumes_read: 0,
    num_times_reread: 0,
    comments: '',
    start_date: '',
    finish_date: '',
  };
  const out: Record<string, unknown> = { ...from };
  for (const name of MANGA_FIELDS) if (fields[name] !== undefined) out[name] = fields[name];
  return out as unknown as ComparableMangaState;
}

/** The fields that turn `current` into `desired`; a new entry gets `status` always. */
export function diffMangaFields(
  desired: DesiredMangaState,
  current: ComparableMangaState | undefined,
): MalMangaWriteFields {
  const base = current ?? applyMangaFields(undefined, { status: desired.status });
  const fields: Record<string, unknown> = {};
  for (const name of MANGA_FIELDS) {
    const want = desired[name];
    if (want === undefined) continue;
    if (base[name] !== want || (name === 'status' && !current)) fields[name] = want;
  }
  return fields as MalMangaWriteFields;
}

export interface MangaPlan {
  readonly writes: PlannedWrite[];
  readonly unchanged: UnchangedTarget[];
  readonly skipped: SkippedEntry[];
  readonly notes: PlanNote[];
}

/** Manga entries + what MAL holds → MAL manga writes; the newest edit wins a shared MAL id. */
export function planMalManga(
  entries: readonly SourceEntry[],
  known: ReadonlyMap<string, unknown>,
  options: MappingOptions,
): MangaPlan {
  const plan: MangaPlan = { writes: [], unchanged: [], skipped: [], notes: [] };
  const claimed = new Map<number, SourceEntry>();
  const ordered = [...entries].sort((a, b) => b.updatedAt - a.updatedAt || a.id - b.id);
  for (const entry of ordered) {
    const mapped = mapMangaEntry(entry, options);
    if (mapped.kind === 'skipped') {
      plan.skipped.push(skip(entry, mapped.reason, mapped.detail));
      continue;
    }
    const first = claimed.get(mapped.malId);
    if (first) {
      if (first.id !== entry.id) {
        const detail = `MAL manga id ${mapped.malId} is also used by "${first.title}", edited later`;
        plan.skipped.push(skip(entry, 'duplicate_mal_id', detail));
      }
      continue;
    }
    claimed.set(mapped.malId, entry);
    if (mapped.note) plan.notes.push({ title: entry.title, kind: 'id_source', detail: mapped.note });
    for (const which of mapped.partial ?? []) {
      plan.notes.push({ title: entry.title, kind: 'partial_date', detail: `${which} date is incomplete on AniList` });
    }
    const key = malMangaKey(mapped.malId);
    const current = known.get(key) as ComparableMangaState | undefined;
    const fields = diffMangaFields(mapped.desired, current);
    if (Object.keys(fields).length === 0) {
      plan.unchanged.push({ key, entry, state: current });
      continue;
    }
    const payload: MalMangaPayload = { media: 'manga', malId: mapped.malId, fields };
    plan.writes.push({
      kind: 'put',
      key,
      title: entry.title,
      target: `MAL manga ${mapped.malId}`,
      entry,
      reasons: current ? describeMangaChanges(fields, current) : ['new on MAL manga list'],
      fields: { ...fields },
      payload,
    });
  }
  return plan;
}

export function describeMangaChanges(fields: MalMangaWriteFields, current: ComparableMangaState): string[] {
  return (Object.keys(fields) as (keyof MalMangaWriteFields)[]).map((name) => {
    if (name === 'comments') return fields.comments === '' ? 'comments cleared' : 'comments changed';
    const before = current[name];
    const after = fields[name];
    const show = (v: unknown) => (v === '' || v === undefined ? '(none)' : String(v));
    return `${name.replace(/_/g, ' ')} ${show(before)} → ${show(after)}`;
  });
}

function skip(entry: SourceEntry, reason: SkipReason, detail: string): SkippedEntry {
  return { anilistEntryId: entry.id, mediaId: entry.mediaId, title: entry.title, reason, detail };
}
