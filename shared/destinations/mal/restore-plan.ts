import { AppError } from '../../errors';
import type { MirroredRecord, PlannedWrite } from '../../sync/destination';
import { diffFields, toComparable } from './mapping';
import { parseListItem } from './parse';
import { describeChanges, type MalUpdatePayload, malKey } from './planner';
import type { MalListEntry } from './types';

/**
 * What restoring a backup of the MAL list would write, entry by entry:
 * - an entry in both: only the fields that differ from the backup (MAL's write fields; tags,
 *   priority and rewatch value are never written by the mirror, so they are left as they are);
 * - an entry in the backup but gone now: added back, with the backup's fields;
 * - an entry added since the backup: removed when this system wrote it (its sync record says so),
 *   left alone and listed when it was not (the user added it on MAL by hand).
 */
export interface RestorePlan {
  /** Field restores and re-adds (`put`), then removals (`remove`), each by title. */
  readonly writes: PlannedWrite[];
  /** Entries that already hold the backup's values. */
  readonly unchanged: number;
  /** Added since the backup, not by this system: left alone. */
  readonly keptHandAdded: readonly { readonly key: string; readonly title: string }[];
}

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
  const byTitle = (a: { title: string }, b: { title: string }) => a.title.localeCompare(b.title);
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
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (cause) {
    throw backupError(key, 'is not JSON', cause);
  }
  const data = (raw as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw backupError(key, 'has no "data" list (not a backup of a MAL list)');
  try {
    return data.map((item, index) => parseListItem(item, index));
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
