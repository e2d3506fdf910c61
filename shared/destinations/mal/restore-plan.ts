import { AppError } from '../../errors';
import type { MirroredRecord, PlannedWrite } from '../../sync/destination';
import {
  type DesiredMangaState,
  describeMangaChanges,
  diffMangaFields,
  type MalMangaPayload,
  malMangaKey,
  toComparableManga,
} from './manga';
import { diffFields, toComparable } from './mapping';
import { parseListItem, parseMangaListItem } from './parse';
import { describeChanges, type MalUpdatePayload, malKey } from './planner';
import type { MalListEntry, MalMangaListEntry } from './types';

/**
 * What restoring a backup of the MAL list would write, entry by entry:
 * - an entry in both: only the fields that differ from the backup (MAL's write fields; tags,
 *   priority and rewatch value are never written by the mirror, so they are left as they are);
 * - an entry in the backup but gone now: added back, with the backup's fields;
 * - an entry added since the backup: removed when this system wrote it (its sync record says so),
 *   left alone and listed when it was not (the user added it on MAL by hand).
 */
export interface RestoreListPlan {
  /** Field restores and re-adds (`put`), then removals (`remove`), each by title. */
  readonly writes: PlannedWrite[];
  /** Entries that already hold the backup's values. */
  readonly unchanged: number;
  /** Added since the backup, not by this system: left alone. */
  readonly keptHandAdded: readonly { readonly key: string; readonly title: string }[];
}

/** The anime list's plan, and the manga list's when the backup holds one (MIRROR_MANGA=true when it was taken). */
export interface RestorePlan extends RestoreListPlan {
  /** Absent: the manga list and its records are left as they are, for the reason in `mangaLeftAlone`. */
  readonly manga?: RestoreListPlan;
  readonly mangaLeftAlone?: string;
}

/** Both lists: the manga list only when the backup holds one and MAL's current manga list was read. */
export function planMalRestoreLists(
  backup: MalBackupLists,
  current: { readonly anime: readonly MalListEntry[]; readonly manga?: readonly MalMangaListEntry[] },
  mirrored: Readonly<Record<string, MirroredRecord>>,
): RestorePlan {
  const anime = planMalRestore(backup.anime, current.anime, mirrored);
  if (!backup.manga) {
    return { ...anime, mangaLeftAlone: 'the backup holds no manga list (taken with MIRROR_MANGA off)' };
  }
  if (!current.manga) return { ...anime, mangaLeftAlone: "MAL's manga list could not be read here" };
  return { ...anime, manga: planMalMangaRestore(backup.manga, current.manga, mirrored) };
}

/** Every write of the plan, anime first: what the MAL destination applies (it routes manga by payload). */
export function restoreWrites(plan: RestorePlan): PlannedWrite[] {
  return [...plan.writes, ...(plan.manga?.writes ?? [])];
}

/**
 * The manga list as `planMalRestore` plans the anime list: targets `manga:<id>`, MAL's manga write
 * fields, payloads the destination sends to `/manga/{id}/my_list_status`.
 */
export function planMalMangaRestore(
  backup: readonly MalMangaListEntry[],
  current: readonly MalMangaListEntry[],
  mirrored: Readonly<Record<string, MirroredRecord>>,
): RestoreListPlan {
  const now = new Map(current.map((e) => [malMangaKey(e.mangaId), e]));
  const puts: PlannedWrite[] = [];
  let unchanged = 0;
  const wantedKeys = new Set<string>();
  for (const entry of backup) {
    const key = malMangaKey(entry.mangaId);
    wantedKeys.add(key);
    const present = now.get(key);
    const currentState = present ? toComparableManga(present.listStatus) : undefined;
    const desired: DesiredMangaState = toComparableManga(entry.listStatus);
    const fields = diffMangaFields(desired, currentState);
    if (Object.keys(fields).length === 0) {
      unchanged++;
      continue;
    }
    const payload: MalMangaPayload = { media: 'manga', malId: entry.mangaId, fields };
    puts.push({
      kind: 'put',
      key,
      title: entry.title,
      target: `MAL manga ${entry.mangaId}`,
      reasons: currentState
        ? describeMangaChanges(fields, currentState)
        : [`back on MAL's manga list: ${describeMangaReAdd(fields)}`],
      fields: { ...fields },
      payload,
    });
  }
  const removals: PlannedWrite[] = [];
  const keptHandAdded: { key: string; title: string }[] = [];
  for (const [key, entry] of now) {
    if (wantedKeys.has(key)) continue;
    if (mirrored[key]?.written !== true) {
      keptHandAdded.push({ key, title: entry.title });
      continue;
    }
    const payload: MalMangaPayload = { media: 'manga', malId: entry.mangaId, fields: {} };
    removals.push({
      kind: 'remove',
      key,
      title: entry.title,
      target: `MAL manga ${entry.mangaId}`,
      reasons: ['added by this system since the backup'],
      payload,
    });
  }
  return { writes: [...puts.sort(byTitle), ...removals.sort(byTitle)], unchanged, keptHandAdded };
}

/** `status on_hold, score 6, num chapters read 4`: the backup's fields a re-added manga gets. */
function describeMangaReAdd(fields: object): string {
  return Object.entries(fields)
    .map(([name, value]) => `${name.replace(/_/g, ' ')} ${value === '' ? '(none)' : String(value)}`)
    .join(', ');
}

const byTitle = (a: { title: string }, b: { title: string }) => a.title.localeCompare(b.title);

export function planMalRestore(
  backup: readonly MalListEntry[],
  current: readonly MalListEntry[],
  mirrored: Readonly<Record<string, MirroredRecord>>,
): RestorePlan {
  const now = new Map(current.map((e) => [malKey(e.animeId), e]));
  const wanted = new Map(backup.map((e) => [malKey(e.animeId), e]));
  const puts: PlannedWrite[] = [];
  let unchanged = 0;
  for (const [key, entry] of wanted) {
    const present = now.get(key);
    const currentState = present ? toComparable(present.listStatus) : undefined;
    const fields = diffFields(toComparable(entry.listStatus), currentState);
    if (Object.keys(fields).length === 0) {
      unchanged++;
      continue;
    }
    const payload: MalUpdatePayload = { malId: entry.animeId, fields };
    puts.push({
      kind: 'put',
      key,
      title: entry.title,
      target: `MAL ${entry.animeId}`,
      reasons: present ? describeChanges(fields, currentState) : [`back on MAL: ${describeReAdd(entry)}`],
      fields: { ...fields },
      payload,
    });
  }
  const removals: PlannedWrite[] = [];
  const keptHandAdded: { key: string; title: string }[] = [];
  for (const [key, entry] of now) {
    if (wanted.has(key)) continue;
    if (mirrored[key]?.written !== true) {
      keptHandAdded.push({ key, title: entry.title });
      continue;
    }
    removals.push({
      kind: 'remove',
      key,
      title: entry.title,
      target: `MAL ${entry.animeId}`,
      reasons: ['added by this system since the backup'],
      payload: { malId: entry.animeId },
    });
  }
  return { writes: [...puts.sort(byTitle), ...removals.sort(byTitle)], unchanged, keptHandAdded };
}

function describeReAdd(entry: MalListEntry): string {
  return describeChanges(diffFields(toComparable(entry.listStatus), undefined), undefined)
    .join(', ')
    .replace(/^new on MAL: /, '');
}

/**
 * A backup body (MAL's `GET /users/@me/animelist` shape, pages merged) as list entries. A body
 * that is not such a list is refused with the key in the message: restoring from it would be a guess.
 */
export function parseMalBackup(key: string, body: string): MalListEntry[] {
  return parseMalBackupLists(key, body).anime;
}

export interface MalBackupLists {
  readonly anime: MalListEntry[];
  /** Present when the backup was taken with MIRROR_MANGA=true: MAL's mangalist shape under `manga`. */
  readonly manga?: MalMangaListEntry[];
}

/** Both lists of a backup: the anime list at the top, the manga list (when there is one) under `manga`. */
export function parseMalBackupLists(key: string, body: string): MalBackupLists {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw backupError(key, 'is not JSON', cause);
  }
  const data = (raw as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw backupError(key, 'has no "data" list (not a backup of a MAL list)');
  const manga = (raw as { manga?: unknown }).manga;
  const mangaData: unknown = manga === undefined ? undefined : (manga as { data?: unknown } | null)?.data;
  if (manga !== undefined && !Array.isArray(mangaData)) {
    throw backupError(key, 'has a "manga" member without a "data" list (not a backup of a MAL manga list)');
  }
  try {
    const anime = data.map((item, index) => parseListItem(item, index));
    if (!Array.isArray(mangaData)) return { anime };
    return { anime, manga: mangaData.map((item, index) => parseMangaListItem(item, index)) };
  } catch (cause) {
    throw backupError(key, `has an entry that cannot be read: ${(cause as Error).message}`, cause);
  }
}

/** A restore that cannot go ahead as asked (bad backup, no such backup, sync state missing …): a person decides. */
export class RestoreError extends AppError {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super('restore_refused', message, options);
  }
}

function backupError(key: string, problem: string, cause?: unknown): RestoreError {
  return new RestoreError(`backup ${key} ${problem}`, cause === undefined ? undefined : { cause });
}
