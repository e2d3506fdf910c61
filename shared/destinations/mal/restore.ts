import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock';
import { formatUtc } from '../../mail/html';
import { KEYS, type ObjectStore } from '../../store/store';
import type { MirroredRecord, PlannedWrite, WriteOutcome } from '../../sync/destination';
import { isPauseActive, type SyncPause, updateDestinationState, withoutPause } from '../../sync/pause';
import { type DestinationState, loadDestinationState } from '../../sync/state';
import { ThrottleBreaker } from '../../sync/throttle';
import { type MalDestination, type MalList, toMalMangaResponseShape } from './destination';
import { isMangaKey, malMangaKey, toComparableManga } from './manga';
import { toComparable } from './mapping';
import { malKey } from './planner';
import {
  type MalBackupLists,
  parseMalBackupLists,
  planMalRestoreLists,
  RestoreError,
  type RestorePlan,
  restoreWrites,
} from './restore-plan';
import type { MalMangaListEntry } from './types';

/** MAL's backups: `backups/mal-animelist-<ISO time with : and . as ->.json`. */
const BACKUP_PREFIX = `${KEYS.backupPrefix}mal-animelist-`;

/** How long a running restore holds sync paused without a sign of life (each checkpoint renews it). */
export const RESTORE_LEASE_MS = 30 * 60_000;

export interface BackupInfo {
  readonly key: string;
  /** The file name without `backups/` and `.json`: what `npm run restore -- <backup>` takes. */
  readonly name: string;
  /** When it was taken (ISO 8601), from its key. */
  readonly takenAt: string;
  /** Entries in it; undefined when the object cannot be read as a MAL list. */
  readonly entries?: number;
  /** Entries of its manga list; undefined when it holds none (taken with MIRROR_MANGA off). */
  readonly mangaEntries?: number;
  readonly problem?: string;
}

export interface RestoreDeps {
  readonly store: ObjectStore;
  /** The MAL destination the worker uses: its list read and its paced, retrying writer. */
  readonly destination: MalDestination;
  readonly clock: Clock;
  /** Records are saved (and the pause renewed) after this many applied writes. */
  readonly checkpointEveryWrites: number;
  readonly leaseMs?: number;
  /** Epoch ms after which no write starts (Ctrl-C brings it forward): the restore stops cleanly there. */
  readonly stopAt?: () => number;
  /** After each settled write: how many of the plan's writes have settled. */
  readonly onProgress?: (
    settled: number,
    total: number,
    write: PlannedWrite,
    outcome: WriteOutcome,
  ) => void | Promise<void>;
}

/** Every MAL backup, oldest first, with its entry count (one S3 read per backup). */
export async function listMalBackups(store: ObjectStore): Promise<BackupInfo[]> {
  const keys = (await store.list(BACKUP_PREFIX)).filter((k) => k.endsWith('.json'));
  return Promise.all(
    keys.map(async (key) => {
      const info = { key, name: nameOf(key), takenAt: takenAtOf(key) };
      const obj = await store.get(key);
      if (!obj) return { ...info, problem: 'gone' };
      try {
        const lists = parseMalBackupLists(key, obj.body);
        return {
          ...info,
          entries: lists.anime.length,
          ...(lists.manga ? { mangaEntries: lists.manga.length } : {}),
        };
      } catch (err) {
        return { ...info, problem: (err as Error).message };
      }
    }),
  );
}

/**
 * The backup a person named: `latest`, its name as `--list` prints it, its file name, or its key.
 * An unknown name is refused with the closest one and where to see them all.
 */
export async function findMalBackup(store: ObjectStore, wanted: string): Promise<string> {
  const keys = (await store.list(BACKUP_PREFIX)).filter((k) => k.endsWith('.json'));
  if (keys.length === 0)
    throw new RestoreError('there is no backup of the MAL list yet (one is taken before the first write)');
  if (wanted === 'latest') return keys[keys.length - 1] as string;
  const name = wanted.replace(/^backups\//, '').replace(/\.json$/, '');
  const found = keys.find((k) => nameOf(k) === name);
  if (found) return found;
  const closest = keys.map(nameOf).sort((a, b) => sharedPrefix(b, name) - sharedPrefix(a, name))[0];
  throw new RestoreError(
    `there is no backup named "${wanted}"; did you mean ${closest}? (npm run restore -- --list shows them all)`,
  );
}

export interface RestorePreview {
  readonly backupKey: string;
  readonly plan: RestorePlan;
  readonly state: DestinationState;
}

/** What restoring `backupKey` would write now, against MAL's current list. Writes nothing. */
export async function previewMalRestore(deps: RestoreDeps, backupKey: string): Promise<RestorePreview> {
  const state = await currentState(deps);
  const { plan } = await planAgainstMal(deps, backupKey, state);
  return { backupKey, plan, state };
}

/** The backup against MAL's lists now: the manga list is read only when the backup holds one. */
async function planAgainstMal(
  deps: Pick<RestoreDeps, 'store' | 'destination'>,
  backupKey: string,
  state: DestinationState,
): Promise<{ plan: RestorePlan; list: MalList }> {
  const backup = await readBackup(deps.store, backupKey);
  const read = await deps.destination.readList();
  const manga = backup.manga ? await currentManga(deps.destination, read) : undefined;
  const list: MalList = manga && !read.manga ? withManga(read, manga) : read;
  const plan = planMalRestoreLists(backup, { anime: list.entries, ...(manga ? { manga } : {}) }, state.mirrored);
  return { plan, list };
}

/** The manga list as MAL holds it: read with the anime list (MIRROR_MANGA=true), or on its own. */
async function currentManga(
  destination: MalDestination,
  list: MalList,
): Promise<readonly MalMangaListEntry[] | undefined> {
  return list.manga ?? (await destination.readMangaList?.());
}

/** The list read with MIRROR_MANGA off, with the manga list read on its own: backed up and known to the writer too. */
function withManga(list: MalList, manga: readonly MalMangaListEntry[]): MalList {
  return {
    ...list,
    manga,
    backupBody: () => ({ ...(list.backupBody() as object), manga: toMalMangaResponseShape(manga) }),
  };
}

export interface RestoreResult {
  readonly backupKey: string;
  /** The backup of the list as it was before this restore wrote anything. */
  readonly savedBackupKey: string;
  readonly plan: RestorePlan;
  readonly applied: { written: number; removed: number };
  readonly failures: readonly { title: string; target: string; error: string }[];
  /** Why it stopped before the end, if it did: MAL throttling, the user must authorize again. */
  readonly stoppedBy?: 'throttled' | 'reauth_required' | 'deadline' | 'blocked';
  readonly complete: boolean;
}

/**
 * Writes MAL back to the backup's state through the MAL destination's writer (paced, retried,
 * stopped by the throttle breaker), while sync of MAL is paused:
 * 1. takes the pause (If-Match on the state; refused while another restore holds one);
 * 2. backs the current list up, so that the restore itself can be undone;
 * 3. applies the plan, saving the sync records every few writes and renewing the pause;
 * 4. leaves sync paused, now without expiry, until `--resume`: AniList may still hold what the
 *    user restored away from, and the next full reconcile would write it again.
 * Interrupted, it is simply run again: it re-plans against MAL's list, so what was done is not redone.
 */
export async function restoreMal(
  deps: RestoreDeps,
  backupKey: string,
  options: { takeOver?: boolean } = {},
): Promise<RestoreResult> {
  const holder = randomUUID();
  const lease = deps.leaseMs ?? RESTORE_LEASE_MS;
  const running = (): SyncPause => ({
    reason: 'a restore from a backup is running (npm run restore)',
    since: deps.clock.now(),
    until: deps.clock.now() + lease,
    holder,
  });
  const state = await update(deps, (current) => {
    const held = current.paused;
    if (held?.holder !== undefined && isPauseActive(held, deps.clock.now()) && !options.takeOver) {
      throw new RestoreError(
        `another restore is running (since ${formatUtc(new Date(held.since))}); wait for it to finish. If it died (its process ` +
          `is gone), its pause expires at ${formatUtc(new Date(held.until ?? 0))}, or run this again with --take-over`,
      );
    }
    return { ...current, paused: running() };
  });

  const name = nameOf(backupKey);
  const progress: { records?: Record<string, MirroredRecord> } = {};
  try {
    return await applyRestore(deps, backupKey, state, holder, running, progress);
  } catch (err) {
    // Stopped by an error, not a dead process: sync stays paused, and the restore may be run again at once.
    await update(deps, (s) => ({
      ...ownPause(s, holder),
      ...(progress.records ? { mirrored: progress.records } : {}),
      fullSyncPending: true,
      paused: stoppedPause(name, deps.clock.now()),
    })).catch(() => undefined);
    throw err;
  }
}

function stoppedPause(name: string, now: number): SyncPause {
  return {
    reason: `a restore from backup ${name} stopped before it finished; run it again (it goes on where it stopped), or "npm run restore -- --resume"`,
    since: now,
  };
}

async function applyRestore(
  deps: RestoreDeps,
  backupKey: string,
  state: DestinationState,
  holder: string,
  running: () => SyncPause,
  progress: { records?: Record<string, MirroredRecord> },
): Promise<RestoreResult> {
  const { plan, list } = await planAgainstMal(deps, backupKey, state);
  const writes = restoreWrites(plan);
  const savedBackupKey = KEYS.backup('mal', iso(deps.clock.now()));
  await deps.store.put(savedBackupKey, JSON.stringify(list.backupBody()));

  // Planning nothing over the current list tells the writer what MAL holds now (for the records); as a
  // dry run, so that nothing a real full run saves on the side (the XML export) is saved.
  await deps.destination.plan({ entries: [], full: true, list, mirrored: {}, dryRun: true });
  const records = recordsFor(state.mirrored, list, plan.manga !== undefined);
  progress.records = records;
  const applied = { written: 0, removed: 0 };
  const failures: { title: string; target: string; error: string }[] = [];
  const breaker = new ThrottleBreaker(undefined);
  let settled = 0;
  let sinceCheckpoint = 0;
  const result = await deps.destination.apply(writes, {
    now: () => deps.clock.now(),
    stopAt: () => (breaker.tripped ? Number.NEGATIVE_INFINITY : (deps.stopAt?.() ?? Number.POSITIVE_INFINITY)),
    onSettled: async (write, outcome) => {
      breaker.record(outcome);
      settle(records, write, outcome, applied, failures);
      await deps.onProgress?.(++settled, writes.length, write, outcome);
      if (outcome.result !== 'applied' || ++sinceCheckpoint < deps.checkpointEveryWrites) return;
      sinceCheckpoint = 0;
      await update(deps, (s) => ({ ...ownPause(s, holder), mirrored: { ...records }, paused: running() }));
    },
  });
  const stoppedBy = breaker.tripped ? 'throttled' : result.stoppedBy;
  const complete = stoppedBy === undefined && failures.length === 0;
  await update(deps, (s) => ({
    ...ownPause(s, holder),
    mirrored: records,
    // After `--resume` the next run compares the whole list, so what it writes shows at once.
    fullSyncPending: true,
    paused: complete
      ? {
          reason: `MAL was restored from backup ${nameOf(backupKey)}; run "npm run restore -- --resume" to mirror AniList to it again`,
          since: deps.clock.now(),
        }
      : stoppedPause(nameOf(backupKey), deps.clock.now()),
  }));
  return {
    backupKey,
    savedBackupKey,
    plan,
    applied,
    failures,
    ...(stoppedBy ? { stoppedBy } : {}),
    complete,
  };
}

/** Lifts a pause so that sync runs write to MAL again; refused while a restore is running. */
export async function resumeMalSync(deps: Pick<RestoreDeps, 'store' | 'destination' | 'clock'>): Promise<SyncPause> {
  let lifted: SyncPause | undefined;
  await update(deps, (state) => {
    const held = state.paused;
    if (!held) throw new RestoreError('sync of MAL is not paused: nothing to resume');
    if (held.holder !== undefined && isPauseActive(held, deps.clock.now())) {
      throw new RestoreError(
        `a restore is still running (since ${formatUtc(new Date(held.since))}): let it finish first`,
      );
    }
    lifted = held;
    return withoutPause(state);
  });
  return lifted as SyncPause;
}

/**
 * The sync records as MAL's lists hold them now: entries gone from MAL are dropped, the rest take
 * MAL's values. The manga records are kept as they are when the manga list is not restored (a
 * backup without one), as are records of any other target.
 */
function recordsFor(
  mirrored: Readonly<Record<string, MirroredRecord>>,
  list: MalList,
  restoringManga: boolean,
): Record<string, MirroredRecord> {
  const actual = new Map<string, unknown>(list.entries.map((e) => [malKey(e.animeId), toComparable(e.listStatus)]));
  for (const e of list.manga ?? []) actual.set(malMangaKey(e.mangaId), toComparableManga(e.listStatus));
  const records: Record<string, MirroredRecord> = {};
  for (const [key, record] of Object.entries(mirrored)) {
    const restored = isAnimeKey(key) || (restoringManga && isMangaKey(key));
    const state = actual.get(key);
    if (!restored) records[key] = record;
    else if (state) records[key] = { ...record, state };
  }
  return records;
}

function settle(
  records: Record<string, MirroredRecord>,
  write: PlannedWrite,
  outcome: WriteOutcome,
  applied: { written: number; removed: number },
  failures: { title: string; target: string; error: string }[],
): void {
  if (outcome.result === 'failed') failures.push({ title: write.title, target: write.target, error: outcome.error });
  if (outcome.result !== 'applied') return;
  if (write.kind === 'remove') {
    applied.removed++;
    delete records[write.key];
    return;
  }
  applied.written++;
  // Only entries the records know are updated: an entry put back has no known AniList entry, and
  // is never taken for this system's (prune leaves it alone).
  const prior = records[write.key];
  if (prior) records[write.key] = { ...prior, state: outcome.state };
}

/** The state, as long as this restore still holds the pause; a sync run that saved over it stops the restore. */
function ownPause(state: DestinationState, holder: string): DestinationState {
  if (state.paused?.holder !== holder) {
    throw new RestoreError(
      'a sync run that had started before the restore saved its state over the pause, so the restore stopped ' +
        'rather than write alongside it; run the restore again (it goes on where it stopped)',
    );
  }
  return state;
}

async function currentState(deps: Pick<RestoreDeps, 'store' | 'destination'>): Promise<DestinationState> {
  const loaded = await loadDestinationState(deps.store, 'mal', (s) => deps.destination.checkRecordState(s));
  if (!loaded) throw noState();
  return loaded.state;
}

function noState(): RestoreError {
  return new RestoreError(
    'MAL has no sync state yet: this system has not written to it, so there is nothing to restore',
  );
}

function update(
  deps: Pick<RestoreDeps, 'store' | 'destination'>,
  change: (state: DestinationState) => DestinationState,
): Promise<DestinationState> {
  return updateDestinationState(
    deps.store,
    'mal',
    (s) => deps.destination.checkRecordState(s),
    (state) => {
      if (!state) throw noState();
      return change(state);
    },
  );
}

async function readBackup(store: ObjectStore, key: string): Promise<MalBackupLists> {
  const obj = await store.get(key);
  if (!obj) throw new RestoreError(`backup ${key} is gone`);
  return parseMalBackupLists(key, obj.body);
}

/** An anime's target key is its bare MAL id (`malKey`); other targets carry a prefix. */
function isAnimeKey(key: string): boolean {
  return /^\d+$/.test(key);
}

function nameOf(key: string): string {
  return key.slice(KEYS.backupPrefix.length).replace(/\.json$/, '');
}

/** `mal-animelist-2026-12-02T08-55-46-123Z` → `2026-12-02T08:55:46.123Z`. */
function takenAtOf(key: string): string {
  const stamp = nameOf(key).slice(BACKUP_PREFIX.length - KEYS.backupPrefix.length);
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(stamp);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z` : stamp;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function sharedPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
