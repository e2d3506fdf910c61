import type { MediaKind } from '../anilist/types';
import type { SourceEntry } from './source';

/**
 * The seam between the sync core and one destination (MyAnimeList, Trakt, …). The core reads the
 * source once, and for each destination: asks it for a plan, applies the plan through it with
 * checkpoints, keeps its retry list and watermark, and reports. Everything that knows a
 * destination's API, ids and data model sits behind this interface, in its own folder under
 * `shared/destinations/`; the core imports none of it.
 *
 * A destination mirrors each source entry into 0, 1 or several *targets*, each named by a string
 * key that is stable across runs (MAL: the MAL anime id; Trakt: the plays of one entry, or one
 * rating). The core keeps, per target key, what it last knew the destination to hold
 * (`MirroredRecord.state`, owned and validated by the destination) and whether this system wrote it.
 */
export interface Destination<List extends DestinationList = DestinationList> {
  /** Stable key: state keys, config and events use it (`mal`, `trakt`). */
  readonly key: string;
  /** The name a person knows it by (`MyAnimeList`). */
  readonly label: string;
  /** The short name for lines about single targets (`MAL`). */
  readonly shortLabel: string;
  /** The setting that turns prune on (`PRUNE`); prune only runs when the core is told it is on. */
  readonly pruneSetting: string;
  /** Labels of the skip reasons its plans use, for reports (`no_mal_id` → `no MAL id`). */
  readonly skipLabels: Readonly<Record<string, string>>;
  /**
   * The source lists it mirrors; absent means `['anime']`. The core reads the manga list only for
   * a destination that asks for it (MAL with MIRROR_MANGA=true), and hands each destination only
   * the entries of its lists.
   */
  readonly mediaKinds?: readonly MediaKind[];
  /**
   * What a person does about each skip reason (`no_mal_id` → the ID_OVERRIDES setting to add),
   * printed beside the skip counts. A reason without one is a skip that needs nothing.
   */
  readonly skipFixes?: Readonly<Record<string, string>>;
  /** What its counts count, when that is not one target per entry (Trakt: plays and ratings). */
  readonly countsNote?: string;
  /**
   * The configured time between two writes, in ms, when the destination paces them (MAL: 60000 /
   * MAL_REQUESTS_PER_MINUTE): live progress estimates the time left from it.
   */
  readonly writePaceMs?: number;
  /** Validates one stored record state (from S3); throws a message naming the problem. */
  checkRecordState(state: unknown): void;
  /** Whether this destination can be used now (its tokens are present and not marked invalid). */
  authorized(): Promise<boolean>;
  /** The destination's whole current list: read for full reconciles and for backups. */
  readList(): Promise<List>;
  /** Mapping and diff: what must be written so that the destination mirrors `entries`. */
  plan(request: PlanRequest<List>): Promise<DestinationPlan>;
  /** Prune: the writes that remove what this system wrote for targets whose source entry is gone. */
  planRemovals?(orphans: readonly Orphan[]): PlannedWrite[];
  /** Applies a batch of planned writes, reporting an outcome per write as it settles. */
  apply(writes: readonly PlannedWrite[], context: ApplyContext): Promise<ApplyResult>;
}

/** What `readList` returns: opaque to the core except for the backup. */
export interface DestinationList {
  /** The list in the shape of the destination's own GET responses, saved to `backups/`. */
  backupBody(): unknown;
}

/** What this system last knew one target to hold. */
export interface MirroredRecord {
  readonly title: string;
  /** The source list entry the target belongs to (AniList `MediaList.id`). */
  readonly anilistEntryId: number;
  /** The source media id: lets prune ask the source whether the entry is really gone. Absent in v1 states. */
  readonly mediaId?: number | undefined;
  /** The destination's state of the target as of the last write or full read (destination-owned). */
  readonly state: unknown;
  /** True once this system wrote the target: only such targets are ever pruned. */
  readonly written: boolean;
}

export interface PlanRequest<List extends DestinationList = DestinationList> {
  /** Source entries to plan: the whole list (full runs) or what changed plus the retry list. */
  readonly entries: readonly SourceEntry[];
  readonly full: boolean;
  /** What the core remembers per target key. */
  readonly mirrored: Readonly<Record<string, MirroredRecord>>;
  /** Full runs: the destination's list, read just before. */
  readonly list?: List;
  readonly dryRun: boolean;
  /**
   * Full runs: the entries EXCLUDE keeps from this destination (not in `entries`), so a destination
   * that saves a copy of the list can say what it left out and why. Never planned.
   */
  readonly excluded?: readonly SourceEntry[];
  /** Epoch ms after which planning should stop looking things up (see `DestinationPlan.deferred`). */
  readonly stopAt?: () => number;
}

/** A write the core asks a destination to apply. `payload` is the destination's own. */
export interface PlannedWrite {
  /** `put` makes the target hold what the source says; `remove` undoes what this system wrote. */
  readonly kind: 'put' | 'remove';
  readonly key: string;
  readonly title: string;
  /** How a person finds the target on the destination, e.g. `MAL 21` or `Trakt show 37696 S1E1–61`. */
  readonly target: string;
  /** The source entry the write comes from; absent for the removal of an entry that is gone. */
  readonly entry?: SourceEntry;
  /** Plain-words reasons, e.g. `score 8 → 9`, `new on MAL: …`. */
  readonly reasons: readonly string[];
  /** Destination fields written, for reports (MAL's form fields). */
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly payload: unknown;
}

/** A target that already holds what the source says: recorded, never written. */
export interface UnchangedTarget {
  readonly key: string;
  readonly entry: SourceEntry;
  readonly state: unknown;
}

export interface SkippedEntry {
  readonly anilistEntryId: number;
  readonly mediaId: number;
  readonly title: string;
  /** A code from `Destination.skipLabels` or the source's (`invalid_entry`). */
  readonly reason: string;
  readonly detail: string;
}

/** Something a person should know about a planned or skipped entry that is not a failure. */
export interface PlanNote {
  readonly title: string;
  /** Groups notes in reports, e.g. `partial_date`, `id_from_dataset`. */
  readonly kind: string;
  readonly detail: string;
}

export interface DestinationPlan {
  readonly writes: readonly PlannedWrite[];
  readonly unchanged: readonly UnchangedTarget[];
  readonly skipped: readonly SkippedEntry[];
  readonly notes: readonly PlanNote[];
  /**
   * Full runs: what the destination holds now for each target key it still has. Records of keys
   * missing here were removed on the destination by hand and are forgotten; the others keep their
   * "written by us" mark (prune needs it).
   */
  readonly actual?: ReadonlyMap<string, unknown>;
  /** A per-entry decision list a person can audit (Trakt's mapping review), in plain words. */
  readonly review?: readonly string[];
  /** Where the destination saved that review (dry runs save nothing). */
  readonly reviewKey?: string;
  /**
   * Entries the destination could not plan before the run's time was up (lookups it had no time
   * for): they wait in the retry list, and hold the watermark, as writes not attempted do.
   */
  readonly deferred?: readonly SourceEntry[];
  /**
   * Full runs: entries of the destination's list that no source entry (excluded ones included)
   * maps to, e.g. added there by hand. Left alone; the core reports the ones that are not this
   * system's own orphans.
   */
  readonly unmatched?: readonly { readonly key: string; readonly title: string }[];
}

/** A target this system wrote whose source entry is gone (full runs, prune). */
export interface Orphan {
  readonly key: string;
  readonly record: MirroredRecord;
}

export type WriteOutcome =
  | { readonly result: 'applied'; readonly state?: unknown }
  | {
      readonly result: 'failed';
      /** For a person: what happened, without HTTP methods or URLs (`writeFailure` in `failure.ts` builds it). */
      readonly error: string;
      /** The technical description (method, path, status, body summary): logged at debug level only. */
      readonly detail?: string;
      /** The error's stable code (`mal_unavailable`, `network_error`), for the JSON report. */
      readonly code?: string;
      readonly permanent: boolean;
      /**
       * The destination answered "slow down" (a 429, MAL's throttling 403): the core's throttle
       * breaker counts these and stops writing to it after a few in a row (see `sync/throttle.ts`).
       */
      readonly throttled?: boolean;
    }
  | { readonly result: 'not_attempted' };

export interface ApplyContext {
  /**
   * Epoch ms after which no new write may start, read before each write or batch. The core also
   * brings it forward to "now" once the destination is throttling (its breaker tripped).
   */
  readonly stopAt?: () => number;
  readonly now: () => number;
  /** The outcome of one write, as soon as it is known (the core checkpoints from here). */
  readonly onSettled: (write: PlannedWrite, outcome: WriteOutcome) => Promise<void>;
}

export interface ApplyResult {
  /**
   * Why applying stopped before the end: the run's time is up, the user must authorize again,
   * or the destination refuses all further calls for a reason a person must fix (`blockedBy`).
   */
  readonly stoppedBy?: 'deadline' | 'reauth_required' | 'blocked';
  readonly reauthError?: unknown;
  readonly blockedBy?: string;
}
