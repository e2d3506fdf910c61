import type { SyncWorkerEvent, SyncWorkerResult } from '../lambdas/sync-worker/handler';

/** What the parent sends the sync worker process: one invocation. */
export interface WorkerRequest {
  readonly event: SyncWorkerEvent;
  /** What `context.getRemainingTimeInMillis()` starts at: the deployed worker's timeout. */
  readonly budgetMs: number;
}

export type WorkerReply =
  | {
      readonly ok: true;
      readonly result: SyncWorkerResult;
      /** The worker's own request counters (anilist, mal, s3_get, s3_put, …), as in its run report. */
      readonly counters: Record<string, number>;
      /** Config, platform and clients built (the lazy part of a cold start). */
      readonly initMs: number;
      /** The handler invocation. */
      readonly wallMs: number;
      /** CPU time of the handler invocation. */
      readonly cpuMs: { readonly user: number; readonly system: number };
      /** CPU time of the whole process, module loading included. */
      readonly processCpuMs: { readonly user: number; readonly system: number };
      /** Peak resident set size of the process. */
      readonly maxRssBytes: number;
      /** Peak RSS once the bundle was loaded and the handler built, before the invocation. */
      readonly startRssBytes: number;
      readonly heapUsedBytes: number;
      readonly node: string;
    }
  | { readonly ok: false; readonly error: string };
