import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { ANILIST_RETRY_POLICY, createAniListClient } from '../../shared/anilist/client';
import { RunTokens } from '../../shared/auth/tokens';
import { createEventBridgePublisher } from '../../shared/aws/eventbridge';
import { resolveSecret } from '../../shared/aws/parameters';
import { loadWorkerConfig, type WorkerConfig } from '../../shared/destinations';
import { createDatasetLoader } from '../../shared/destinations/datasets';
import type { WorkerContext } from '../../shared/destinations/module';
import { RequestDeadline } from '../../shared/http/policy';
import { type RunOptions, runLogLine, runSync, type SyncDeps, type SyncSettings } from '../../shared/sync/engine';
import type { RunReport } from '../../shared/sync/report';
import { saveRunReport } from '../../shared/sync/report-archive';
import { logUnknownSettings } from '../../shared/unknown-settings';
import { createAwsPlatform, lazyHandler, type Platform, secretReader } from '../runtime';
import { progressLog } from './progress-log';

export interface SyncWorkerDeps {
  readonly sync: SyncDeps;
  readonly settings: SyncSettings;
  /** Sees the full report of every run (the local runtime prints it). */
  readonly onReport?: (report: RunReport) => void;
}

/** What the worker accepts: EventBridge schedule/rule events, or a manual `{ "full": true }` invoke. */
export interface SyncWorkerEvent {
  readonly full?: boolean;
  readonly dryRun?: boolean;
  readonly 'detail-type'?: string;
  readonly detail?: { readonly full?: boolean } | null;
}

/** The Lambda's result: the run's log line (status, source, and each destination's counts). */
export type SyncWorkerResult = ReturnType<typeof runLogLine>;

export function parseSyncEvent(event: SyncWorkerEvent | null | undefined): RunOptions {
  const full = event?.full === true || event?.detail?.full === true;
  return { full, dryRun: event?.dryRun === true };
}

export function makeSyncHandler(deps: SyncWorkerDeps) {
  return async (
    event: SyncWorkerEvent | null | undefined,
    context?: Pick<Context, 'getRemainingTimeInMillis'> & { readonly interrupted?: () => boolean },
  ): Promise<SyncWorkerResult> => {
    const options = parseSyncEvent(event);
    // Read at every check rather than once: in Lambda the remaining time only runs down, but the
    // local runtime's context drops it to zero when the user stops the process.
    const deadline = context ? () => deps.sync.clock.now() + context.getRemainingTimeInMillis() : undefined;
    // Only the local runtime's context has it: the report then says the user stopped the run.
    const interrupted = typeof context?.interrupted === 'function' ? context.interrupted : undefined;
    const report = await runSync(deps.sync, deps.settings, {
      ...options,
      ...(deadline ? { deadline } : {}),
      ...(interrupted ? { interrupted } : {}),
    });
    deps.onReport?.(report);
    // Kept for `npm run status` (failed runs too, before the error below); never fails the run.
    await saveRunReport(deps.sync.store, report, deps.sync.logger);
    if (report.status === 'failed') {
      // Surface failure to Lambda (alarm on Errors); the state was left consistent for the next run.
      const why =
        report.error ?? report.destinations.flatMap((d) => (d.error ? [`${d.label}: ${d.error}`] : [])).join('; ');
      throw new Error(`sync run ${report.runId} failed: ${why || 'unknown error'}`);
    }
    return runLogLine(report);
  };
}

export async function buildSyncWorkerDeps(config: WorkerConfig, platform: Platform): Promise<SyncWorkerDeps> {
  const { base } = config;
  // Set by each run from the Lambda deadline: no request, retry or Retry-After wait outlives it.
  const requestDeadline = new RequestDeadline();
  const retryTuning = { maxAttempts: base.HTTP_MAX_ATTEMPTS, baseDelayMs: base.HTTP_RETRY_BASE_DELAY_MS };
  // One token provider per destination and run; a refresh whose save S3 refused is saved again at the run's end.
  const tokens = new RunTokens({
    store: platform.store,
    clock: platform.clock,
    logger: platform.logger,
    deadline: requestDeadline.get,
    saveRetry: retryTuning,
  });
  const context: WorkerContext = {
    fetch: platform.fetch,
    timeoutMs: base.HTTP_TIMEOUT_MS,
    clock: platform.clock,
    deadline: requestDeadline.get,
    onAttempt: platform.counters.onAttempt,
    logger: platform.logger,
    store: platform.store,
    base,
    readSecret: secretReader(platform.readParameter),
    retryTuning,
    tokens,
    datasets: createDatasetLoader({
      store: platform.store,
      fetch: platform.fetch,
      timeoutMs: base.HTTP_TIMEOUT_MS,
      clock: platform.clock,
      deadline: requestDeadline.get,
      onAttempt: platform.counters.onAttempt,
      animeIdsUrl: base.ANIME_IDS_URL,
      logger: platform.logger,
    }),
  };
  const fromDestination = config.auth.find((d) => d.module.key === base.SOURCE);
  // The secrets are read at once, not one after another: each is a round trip to SSM at a cold start.
  const [anilistToken, destinationSource, wirings] = await Promise.all([
    resolveSecret(base.ANILIST_TOKEN, base.ANILIST_TOKEN_PARAMETER, platform.readParameter),
    fromDestination?.module.source?.(fromDestination.config, context),
    Promise.all(config.destinations.map((d) => d.module.worker(d.config, context))),
  ]);
  const source =
    destinationSource ??
    createAniListClient({
      fetch: platform.fetch,
      timeoutMs: base.HTTP_TIMEOUT_MS,
      clock: platform.clock,
      deadline: requestDeadline.get,
      retry: { ...ANILIST_RETRY_POLICY, ...context.retryTuning },
      url: base.ANILIST_URL,
      ...(anilistToken ? { token: anilistToken } : {}),
      requestsPerMinute: base.ANILIST_REQUESTS_PER_MINUTE,
      onAttempt: platform.counters.onAttempt,
    });
  return {
    settings: {
      sourceKind: base.SOURCE,
      // The source account: state from another account is not diffed against (a MAL list is the token's own).
      anilistUser: base.SOURCE === 'anilist' ? (base.ANILIST_USERNAME ?? '') : `${base.SOURCE}:@me`,
      fullSyncIntervalHours: base.FULL_SYNC_INTERVAL_HOURS,
      checkpointEveryWrites: base.CHECKPOINT_EVERY_WRITES,
      checkpointIntervalMs: base.CHECKPOINT_INTERVAL_MS,
      deadlineSafetyMs: base.DEADLINE_SAFETY_MS,
      exclude: base.EXCLUDE,
    },
    sync: {
      source,
      destinations: () => wirings.map((w) => w.runtime()),
      store: platform.store,
      events: platform.events,
      clock: platform.clock,
      logger: platform.logger,
      counters: () => platform.counters.snapshot(),
      requestDeadline,
      endOfRun: () => tokens.endRun(),
      // A long first sync shows in CloudWatch as it goes: counts and the time left, every 50 writes or minute.
      onProgress: progressLog(platform.logger),
    },
  };
}

export const handler = lazyHandler(async () => {
  logUnknownSettings();
  const config = loadWorkerConfig();
  const platform = createAwsPlatform(config.base, {
    events: createEventBridgePublisher(new EventBridgeClient({}), config.base.EVENT_BUS_NAME),
  });
  const deps = await buildSyncWorkerDeps(config, platform);
  const run = makeSyncHandler(deps);
  return (event: SyncWorkerEvent, context: Context) => {
    // Counters are per invocation; the platform outlives it on warm starts.
    platform.counters.reset();
    return run(event, context);
  };
});
