import type { Clock } from '../clock';
import type { EventPublisher } from '../events';
import type { RequestDeadline } from '../http/policy';
import type { Logger } from '../log';
import type { ObjectStore } from '../store/store';
import type { Destination } from './destination';
import type { Exclusions } from './exclusions';
import type { ProgressListener } from './progress';
import type { SourceReader } from './source';

/** What a sync run is given: the source, the destinations and the platform (store, events, clock, logger). */
export interface SyncSettings {
  /** `anilist` or `mal`: where the list is read from (reports and logs). */
  readonly sourceKind?: string;
  /** The source account whose list is mirrored. */
  readonly anilistUser: string;
  /** A full reconcile runs when a destination's last one is older than this. 0 = every run. */
  readonly fullSyncIntervalHours: number;
  readonly checkpointEveryWrites: number;
  /**
   * …and at most once per this many ms. A checkpoint rewrites the whole state object, so on a
   * first sync of thousands of entries with pacing off, count-only checkpoints would upload it
   * hundreds of times; at real API pace (1 write/s) the two limits are about the same. Default 0.
   */
  readonly checkpointIntervalMs?: number;
  /** No write starts later than this before the deadline. */
  readonly deadlineSafetyMs: number;
  /** A write failing this many times in a row stops holding the watermark back. */
  readonly maxAttempts?: number;
  /** EXCLUDE: source media ids each destination leaves alone (none when absent). */
  readonly exclude?: Exclusions;
}

/** One enabled destination, as a run uses it. */
export interface DestinationRuntime {
  readonly destination: Destination;
  /** Whether prune is on for this destination. */
  readonly prune: boolean;
}

export interface SyncDeps {
  readonly source: SourceReader;
  /**
   * The enabled destinations, built afresh for each run (their clients and token providers are
   * lazy: a run with nothing to write to a destination never touches it or reads its tokens).
   */
  readonly destinations: () => readonly DestinationRuntime[];
  readonly store: ObjectStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Live request counters, copied into the report. */
  readonly counters?: () => Record<string, number>;
  /** Read by the API clients: no request may run past it (set per run from `RunOptions.deadline`). */
  readonly requestDeadline?: RequestDeadline;
  /**
   * Called once at the end of every run, whatever its outcome, before the deadline is lifted. The
   * worker saves refreshed tokens there that S3 did not take during the run (`RunTokens.endRun`).
   * Never throws.
   */
  readonly endOfRun?: () => Promise<void>;
  /**
   * Live progress of each destination's writes (`progress.ts`): the terminal's bar, a line every few
   * writes, the Lambda's log. Called synchronously; what it throws is logged and ignored.
   */
  readonly onProgress?: ProgressListener;
}
