import * as z from 'zod/mini';
import type { AniListEntry } from '../anilist/types';
import { AppError } from '../errors';
import { MAL_STATUSES } from '../mal/types';
import { KEYS, type ObjectStore } from '../store/store';
import type { ComparableMalState } from './mapping';
import '../zod-messages';

const fuzzyDate = z.object({
  year: z.nullable(z.number()),
  month: z.nullable(z.number()),
  day: z.nullable(z.number()),
});

const aniListEntrySchema = z.object({
  id: z.number(),
  mediaId: z.number(),
  idMal: z.nullable(z.number()),
  title: z.string(),
  status: z.string(),
  score: z.number(),
  progress: z.number(),
  repeat: z.number(),
  notes: z.nullable(z.string()),
  private: z.boolean(),
  startedAt: fuzzyDate,
  completedAt: fuzzyDate,
  updatedAt: z.number(),
  // States saved before entries carried these lack them.
  episodes: z._default(z.nullable(z.number()), null),
  format: z._default(z.nullable(z.string()), null),
});

const comparableSchema = z.object({
  status: z.enum(MAL_STATUSES),
  is_rewatching: z.boolean(),
  score: z.number(),
  num_watched_episodes: z.number(),
  num_times_rewatched: z.number(),
  comments: z.string(),
  start_date: z.string(),
  finish_date: z.string(),
});

/** What this system knows about one MAL entry it manages. */
const mirroredSchema = z.object({
  title: z.string(),
  anilistEntryId: z.number(),
  /** AniList media id: lets prune ask AniList whether the entry is really gone. Absent in older states. */
  mediaId: z.optional(z.number()),
  /** The MAL state as of the last write or full read: the baseline incremental runs diff against. */
  state: comparableSchema,
  /** True once this system has written the entry: only such entries are ever pruned. */
  written: z.boolean(),
});

const pendingSchema = z.object({
  entry: aniListEntrySchema,
  attempts: z.number(),
  lastError: z.string(),
  /** MAL rejected the write as invalid; retried only when the entry changes or a full run re-plans it. */
  permanent: z.boolean(),
});

export const syncStateSchema = z.object({
  version: z.literal(1),
  anilistUser: z.string(),
  /** AniList `updatedAt` (Unix seconds): every change at or below it has been applied or is in `pending`. */
  watermark: z.number(),
  lastFullSyncAt: z.nullable(z.number()),
  /** A full reconcile stopped early (time budget, faults) and must be completed by the next run. */
  fullSyncPending: z.boolean(),
  lastBackupAt: z.nullable(z.number()),
  mirrored: z.record(z.string(), mirroredSchema),
  pending: z.array(pendingSchema),
});

export type SyncState = z.infer<typeof syncStateSchema>;
export type MirroredRecord = z.infer<typeof mirroredSchema>;
export type PendingEntry = Omit<z.infer<typeof pendingSchema>, 'entry'> & { entry: AniListEntry };

export class SyncStateCorruptError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('sync_state_corrupt', message, options);
  }
}

export function initialState(anilistUser: string): SyncState {
  return {
    version: 1,
    anilistUser,
    watermark: 0,
    lastFullSyncAt: null,
    fullSyncPending: true,
    lastBackupAt: null,
    mirrored: {},
    pending: [],
  };
}

export async function loadSyncState(store: ObjectStore): Promise<{ state: SyncState; etag: string } | undefined> {
  const obj = await store.get(KEYS.syncState);
  if (!obj) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(obj.body);
  } catch (err) {
    throw new SyncStateCorruptError(`${KEYS.syncState} is not valid JSON; fix or delete it to start over`, {
      cause: err,
    });
  }
  const parsed = syncStateSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new SyncStateCorruptError(`${KEYS.syncState} does not match the expected shape (at "${where}")`, {
      cause: parsed.error,
    });
  }
  return { state: parsed.data, etag: obj.etag };
}

export async function saveSyncState(store: ObjectStore, state: SyncState): Promise<void> {
  await store.put(KEYS.syncState, JSON.stringify(state));
}

export function knownFromMirrored(state: SyncState): Map<number, ComparableMalState> {
  const known = new Map<number, ComparableMalState>();
  for (const [malId, record] of Object.entries(state.mirrored)) known.set(Number(malId), record.state);
  return known;
}
