import * as z from 'zod/mini';
import { AppError } from '../errors';
import { KEYS, type ObjectStore } from '../store/store';
import type { MirroredRecord } from './destination';
import type { SourceEntry } from './source';
import '../zod-messages';

/**
 * What the core remembers between runs, one object per destination (`sync/<destination>/state.json`),
 * so that a destination that is down, or waiting for the user, never holds another one back.
 * Version 1 (`sync/state.json`, one MAL-only object written by the first deployed worker) is read
 * as MAL's and migrated on load, with nothing lost.
 */
const fuzzyDate = z.object({
  year: z.nullable(z.number()),
  month: z.nullable(z.number()),
  day: z.nullable(z.number()),
});

const sourceEntrySchema = z.object({
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

const mirroredSchema = z.object({
  title: z.string(),
  anilistEntryId: z.number(),
  mediaId: z.optional(z.number()),
  state: z.unknown(),
  written: z.boolean(),
});

const pendingSchema = z.object({
  entry: sourceEntrySchema,
  attempts: z.number(),
  lastError: z.string(),
  /** The destination rejected the write as invalid: retried only when the entry changes or a full run re-plans it. */
  permanent: z.boolean(),
});

const common = {
  anilistUser: z.string(),
  /** Source `updatedAt` (Unix seconds): every change at or below it has been applied or is in `pending`. */
  watermark: z.number(),
  lastFullSyncAt: z.nullable(z.number()),
  /** A full reconcile stopped early (time budget, faults) and must be completed by the next run. */
  fullSyncPending: z.boolean(),
  lastBackupAt: z.nullable(z.number()),
  mirrored: z.record(z.string(), mirroredSchema),
  pending: z.array(pendingSchema),
};

const stateV1Schema = z.object({ version: z.literal(1), ...common });

export const destinationStateSchema = z.object({
  version: z.literal(2),
  destination: z.string(),
  ...common,
  /**
   * The last run found that the user must authorize this destination (again). While set, runs
   * skip it unless its tokens have become usable, and it does not decide how the source is read.
   */
  authBlocked: z.optional(z.object({ reason: z.string(), since: z.number() })),
  /** The destination was throttling: runs skip it for a while (see `throttle.ts`). */
  throttled: z.optional(z.object({ strikes: z.number(), skipRuns: z.number(), since: z.number() })),
});

export type DestinationState = Omit<z.infer<typeof destinationStateSchema>, 'mirrored' | 'pending'> & {
  mirrored: Record<string, MirroredRecord>;
  pending: PendingEntry[];
};
export interface PendingEntry {
  readonly entry: SourceEntry;
  readonly attempts: number;
  readonly lastError: string;
  readonly permanent: boolean;
}

export class SyncStateCorruptError extends AppError {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super('sync_state_corrupt', message, options);
  }
}

export function initialState(destination: string, anilistUser: string): DestinationState {
  return {
    version: 2,
    destination,
    anilistUser,
    watermark: 0,
    lastFullSyncAt: null,
    fullSyncPending: true,
    lastBackupAt: null,
    mirrored: {},
    pending: [],
  };
}

export interface LoadedState {
  readonly state: DestinationState;
  /** Read from the version 1 object: save it under the new key (and only then drop the old one). */
  readonly migratedFrom?: string;
}

/**
 * A destination's state, or undefined on its first run. MyAnimeList falls back to the version 1
 * object. `checkRecord` validates each record's destination-owned `state`.
 */
export async function loadDestinationState(
  store: ObjectStore,
  destination: string,
  checkRecord: (state: unknown) => void,
): Promise<LoadedState | undefined> {
  const key = KEYS.syncState(destination);
  const current = await readState(store, key, destinationStateSchema);
  if (current) {
    checkRecords(current.mirrored, key, checkRecord);
    if (current.destination !== destination) {
      throw new SyncStateCorruptError(`${key} belongs to destination "${current.destination}", not "${destination}"`);
    }
    return { state: current as DestinationState };
  }
  if (destination !== 'mal') return undefined;
  const legacy = await readState(store, KEYS.legacySyncState, stateV1Schema);
  if (!legacy) return undefined;
  checkRecords(legacy.mirrored, KEYS.legacySyncState, checkRecord);
  const { version: _v1, ...rest } = legacy;
  return { state: { version: 2, destination, ...rest } as DestinationState, migratedFrom: KEYS.legacySyncState };
}

export async function saveDestinationState(store: ObjectStore, state: DestinationState): Promise<void> {
  await store.put(KEYS.syncState(state.destination), JSON.stringify(state));
}

async function readState<S extends z.ZodMiniType>(
  store: ObjectStore,
  key: string,
  schema: S,
): Promise<z.infer<S> | undefined> {
  const obj = await store.get(key);
  if (!obj) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(obj.body);
  } catch (err) {
    throw new SyncStateCorruptError(`${key} is not valid JSON; fix or delete it to start over`, { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new SyncStateCorruptError(`${key} does not match the expected shape (at "${where}")`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function checkRecords(
  mirrored: Readonly<Record<string, { state: unknown }>>,
  key: string,
  checkRecord: (state: unknown) => void,
): void {
  for (const [target, record] of Object.entries(mirrored)) {
    try {
      checkRecord(record.state);
    } catch (err) {
      throw new SyncStateCorruptError(
        `${key} does not match the expected shape (at "mirrored.${target}.state": ${err instanceof Error ? err.message : String(err)})`,
        { cause: err },
      );
    }
  }
}
