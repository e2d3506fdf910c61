import * as z from 'zod/mini';
import { AppError, describeError } from '../errors';
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
  /**
   * The media ids EXCLUDE kept from this destination when the state was saved. An id that has
   * left the setting since makes the next run a full one: its entry is mirrored at once, not
   * only once it changes on the source or at the next daily reconcile.
   */
  excluded: z.optional(z.array(z.number())),
  /**
   * The source lists the last full run covered, when more than the anime list (MIRROR_MANGA). A
   * list the destination mirrors now but did not then makes the next run a full one: its entries
   * older than the watermark would otherwise wait for the daily reconcile.
   */
  mediaKinds: z.optional(z.array(z.string())),
  /** Sync of this destination is paused by a person or a tool (see `pause.ts`); runs sit it out. */
  paused: z.optional(
    z.object({ reason: z.string(), since: z.number(), until: z.optional(z.number()), holder: z.optional(z.string()) }),
  ),
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
  /** The stored object was corrupt: what was used instead (forces a full reconcile, so the run saves over it). */
  readonly recovered?: StateRecovery;
}

/**
 * A corrupt state object (not JSON, or not the expected shape) never stops a destination: the
 * newest earlier version that is valid is used (the bucket is versioned), or, when none is, the
 * destination starts over. Either way its next reconcile is full, against the destination's real
 * list, so nothing is lost; the run report says which it was.
 */
export interface StateRecovery {
  readonly key: string;
  /** What was wrong with the current object. */
  readonly problem: string;
  /** `restored`: from an earlier version; `rebuilt`: no valid one, started over. */
  readonly how: 'restored' | 'rebuilt';
  /** `restored`: when that version was written (ISO 8601). */
  readonly restoredFrom?: string;
  /** `rebuilt`: records of targets this system wrote, kept from the corrupt object because each was still valid. */
  readonly salvagedRecords?: number;
  /** `rebuilt`: why no earlier version was used, when they could not even be read. */
  readonly versionsProblem?: string;
}

/** Earlier versions tried, newest first, before starting over (each costs one S3 read). */
export const MAX_VERSIONS_TRIED = 10;

/**
 * A destination's state, or undefined on its first run. MyAnimeList falls back to the version 1
 * object. `checkRecord` validates each record's destination-owned `state`. A corrupt object is
 * recovered from (see `StateRecovery`), never thrown; S3 trouble is thrown.
 */
export async function loadDestinationState(
  store: ObjectStore,
  destination: string,
  checkRecord: (state: unknown) => void,
): Promise<LoadedState | undefined> {
  const key = KEYS.syncState(destination);
  const context = (parse: (body: string) => DestinationState) => ({ destination, checkRecord, parse });
  const current = await readRecovering(
    store,
    key,
    context((body) => {
      const state = parseState(body, key, destinationStateSchema, checkRecord);
      if (state.destination !== destination) {
        throw new SyncStateCorruptError(`${key} belongs to destination "${state.destination}", not "${destination}"`);
      }
      return state as DestinationState;
    }),
  );
  if (current) return current;
  if (destination !== 'mal') return undefined;
  const legacy = await readRecovering(
    store,
    KEYS.legacySyncState,
    context((body) => {
      const { version: _v1, ...rest } = parseState(body, KEYS.legacySyncState, stateV1Schema, checkRecord);
      return { version: 2, destination, ...rest } as DestinationState;
    }),
  );
  return legacy && { ...legacy, migratedFrom: KEYS.legacySyncState };
}

export async function saveDestinationState(store: ObjectStore, state: DestinationState): Promise<void> {
  await store.put(KEYS.syncState(state.destination), JSON.stringify(state));
}

interface RecoveryContext {
  readonly destination: string;
  readonly checkRecord: (state: unknown) => void;
  /** The body as this destination's state; throws `SyncStateCorruptError`. */
  readonly parse: (body: string) => DestinationState;
}

/** The state at `key`, or what a corrupt one is recovered to (see `StateRecovery`); undefined when absent. */
async function readRecovering(store: ObjectStore, key: string, how: RecoveryContext): Promise<LoadedState | undefined> {
  const obj = await store.get(key);
  if (!obj) return undefined;
  try {
    return { state: how.parse(obj.body) };
  } catch (err) {
    if (!(err instanceof SyncStateCorruptError)) throw err;
    return recover(store, key, err.message, obj.body, how);
  }
}

async function recover(
  store: ObjectStore,
  key: string,
  problem: string,
  corruptBody: string,
  how: RecoveryContext,
): Promise<LoadedState> {
  let versions: Awaited<ReturnType<ObjectStore['versions']>>;
  try {
    versions = await store.versions(key);
  } catch (err) {
    // The store keeps no versions (a local emulator) or will not list them: start over, and say so.
    return rebuilt(key, problem, corruptBody, how, describeError(err));
  }
  for (const version of versions.filter((v) => !v.isLatest).slice(0, MAX_VERSIONS_TRIED)) {
    const earlier = await store.getVersion(key, version.versionId);
    if (!earlier) continue;
    let state: DestinationState;
    try {
      state = how.parse(earlier.body);
    } catch {
      continue;
    }
    // An older state may be behind the destination: the next run compares the whole list.
    return {
      state: { ...state, fullSyncPending: true },
      recovered: { key, problem, how: 'restored', restoredFrom: new Date(version.lastModified).toISOString() },
    };
  }
  return rebuilt(key, problem, corruptBody, how);
}

/**
 * A fresh state whose first run is a full reconcile (and backs the destination up first). What
 * the corrupt object still knows about the targets this system wrote is kept, record by valid
 * record, so that prune can still undo them; every other record is rebuilt from the real list.
 */
function rebuilt(
  key: string,
  problem: string,
  corruptBody: string,
  how: RecoveryContext,
  versionsProblem?: string,
): LoadedState {
  const salvaged = salvage(corruptBody, how.checkRecord);
  return {
    // A user name that differs from the configured one is handled as for any state (engine's forUser).
    state: { ...initialState(how.destination, salvaged.anilistUser), mirrored: salvaged.mirrored },
    recovered: {
      key,
      problem,
      how: 'rebuilt',
      salvagedRecords: Object.keys(salvaged.mirrored).length,
      ...(versionsProblem ? { versionsProblem } : {}),
    },
  };
}

function parseState<S extends z.ZodMiniType>(
  body: string,
  key: string,
  schema: S,
  checkRecord: (state: unknown) => void,
): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw new SyncStateCorruptError(`${key} is not valid JSON`, { cause: err });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new SyncStateCorruptError(`${key} does not match the expected shape (at "${where}")`, {
      cause: parsed.error,
    });
  }
  checkRecords((parsed.data as { mirrored: Record<string, { state: unknown }> }).mirrored, key, checkRecord);
  return parsed.data;
}

/** From a corrupt body that is still JSON: its user, and each valid record of a target this system wrote. */
function salvage(
  body: string,
  checkRecord: (state: unknown) => void,
): { anilistUser: string; mirrored: Record<string, MirroredRecord> } {
  let raw: { anilistUser?: unknown; mirrored?: unknown } | undefined;
  try {
    raw = JSON.parse(body) as typeof raw;
  } catch {
    return { anilistUser: '', mirrored: {} };
  }
  const anilistUser = typeof raw?.anilistUser === 'string' ? raw.anilistUser : '';
  const records = raw?.mirrored;
  if (typeof records !== 'object' || records === null) return { anilistUser, mirrored: {} };
  const kept: [string, MirroredRecord][] = [];
  for (const [target, value] of Object.entries(records)) {
    const record = mirroredSchema.safeParse(value);
    if (!record.success || !record.data.written) continue;
    try {
      checkRecord(record.data.state);
    } catch {
      continue;
    }
    kept.push([target, record.data as MirroredRecord]);
  }
  // fromEntries defines own properties: a target named "__proto__" cannot reach the prototype.
  return { anilistUser, mirrored: Object.fromEntries(kept) };
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
