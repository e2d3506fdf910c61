import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { ANILIST_RETRY_POLICY, createAniListClient } from '../../shared/anilist/client';
import { createTokenProvider } from '../../shared/auth/tokens';
import { createEventBridgePublisher } from '../../shared/aws/eventbridge';
import { resolveSecret } from '../../shared/aws/parameters';
import { loadConfig, type SyncWorkerConfig, syncWorkerConfigSchema } from '../../shared/config';
import { RequestDeadline } from '../../shared/http/policy';
import { createMalClient, MAL_RETRY_POLICY } from '../../shared/mal/client';
import { createMalOAuth, isInvalidGrant } from '../../shared/mal/oauth';
import { type RunOptions, runSync, type SyncDeps, type SyncSettings } from '../../shared/sync/engine';
import type { RunReport } from '../../shared/sync/report';
import { createAwsPlatform, lazyHandler, type Platform } from '../runtime';

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

export type SyncWorkerResult = Pick<
  RunReport,
  'runId' | 'mode' | 'status' | 'fetched' | 'applied' | 'unchanged' | 'retryQueue' | 'stoppedEarly' | 'requests'
> & { skipped: number; failed: number };

export function parseSyncEvent(event: SyncWorkerEvent | null | undefined): RunOptions {
  const full = event?.full === true || event?.detail?.full === true;
  return { full, dryRun: event?.dryRun === true };
}

export function makeSyncHandler(deps: SyncWorkerDeps) {
  return async (
    event: SyncWorkerEvent | null | undefined,
    context?: Pick<Context, 'getRemainingTimeInMillis'>,
  ): Promise<SyncWorkerResult> => {
    const options = parseSyncEvent(event);
    // Read at every check rather than once: in Lambda the remaining time only runs down, but the
    // local runtime's context drops it to zero when the user stops the process.
    const deadline = context ? () => deps.sync.clock.now() + context.getRemainingTimeInMillis() : undefined;
    const report = await runSync(deps.sync, deps.settings, { ...options, ...(deadline ? { deadline } : {}) });
    deps.onReport?.(report);
    if (report.status === 'failed') {
      // Surface failure to Lambda (alarm on Errors); the state was left consistent for the next run.
      throw new Error(`sync run ${report.runId} failed: ${report.error ?? 'unknown error'}`);
    }
    return {
      runId: report.runId,
      mode: report.mode,
      status: report.status,
      fetched: report.fetched,
      applied: report.applied,
      unchanged: report.unchanged,
      skipped: report.skipped.length,
      failed: report.failures.length,
      retryQueue: report.retryQueue,
      stoppedEarly: report.stoppedEarly,
      requests: report.requests,
    };
  };
}

export async function buildSyncWorkerDeps(config: SyncWorkerConfig, platform: Platform): Promise<SyncWorkerDeps> {
  const [clientSecret, anilistToken] = await Promise.all([
    resolveSecret(config.MAL_CLIENT_SECRET, config.MAL_CLIENT_SECRET_PARAMETER, platform.readParameter),
    resolveSecret(config.ANILIST_TOKEN, config.ANILIST_TOKEN_PARAMETER, platform.readParameter),
  ]);
  // Set by each run from the Lambda deadline: no request, retry or Retry-After wait outlives it.
  const requestDeadline = new RequestDeadline();
  const common = {
    fetch: platform.fetch,
    timeoutMs: config.HTTP_TIMEOUT_MS,
    clock: platform.clock,
    deadline: requestDeadline.get,
  };
  const retryTuning = { maxAttempts: config.HTTP_MAX_ATTEMPTS, baseDelayMs: config.HTTP_RETRY_BASE_DELAY_MS };
  const anilist = createAniListClient({
    ...common,
    retry: { ...ANILIST_RETRY_POLICY, ...retryTuning },
    url: config.ANILIST_URL,
    ...(anilistToken ? { token: anilistToken } : {}),
    requestsPerMinute: config.ANILIST_REQUESTS_PER_MINUTE,
    onAttempt: platform.counters.onAttempt,
  });
  const oauth = createMalOAuth({
    ...common,
    oauthUrl: config.MAL_OAUTH_URL,
    apiUrl: config.MAL_API_URL,
    clientId: config.MAL_CLIENT_ID,
    ...(clientSecret ? { clientSecret } : {}),
  });
  return {
    settings: {
      anilistUser: config.ANILIST_USERNAME,
      mirrorPrivate: config.MIRROR_PRIVATE,
      partialDates: config.PARTIAL_DATES,
      prune: config.PRUNE,
      idOverrides: config.ID_OVERRIDES,
      fullSyncIntervalHours: config.FULL_SYNC_INTERVAL_HOURS,
      checkpointEveryWrites: config.CHECKPOINT_EVERY_WRITES,
      checkpointIntervalMs: config.CHECKPOINT_INTERVAL_MS,
      deadlineSafetyMs: config.DEADLINE_SAFETY_MS,
    },
    sync: {
      anilist,
      // A fresh token provider per run: tokens are read from the store only when MAL is needed.
      mal: () =>
        createMalClient({
          ...common,
          apiUrl: config.MAL_API_URL,
          clientId: config.MAL_CLIENT_ID,
          retry: { ...MAL_RETRY_POLICY, ...retryTuning },
          requestsPerMinute: config.MAL_REQUESTS_PER_MINUTE,
          onAttempt: platform.counters.onAttempt,
          tokens: createTokenProvider({
            store: platform.store,
            oauth,
            clock: platform.clock,
            refreshTokenLifetimeDays: config.REFRESH_TOKEN_LIFETIME_DAYS,
            isInvalidGrant,
            logger: platform.logger,
          }),
        }),
      store: platform.store,
      events: platform.events,
      clock: platform.clock,
      logger: platform.logger,
      counters: () => platform.counters.snapshot(),
      requestDeadline,
    },
  };
}

export const handler = lazyHandler(async () => {
  const config = loadConfig(syncWorkerConfigSchema);
  const platform = createAwsPlatform(config, {
    events: createEventBridgePublisher(new EventBridgeClient({}), config.EVENT_BUS_NAME),
  });
  const deps = await buildSyncWorkerDeps(config, platform);
  const run = makeSyncHandler(deps);
  return (event: SyncWorkerEvent, context: Context) => {
    // Counters are per invocation; the platform outlives it on warm starts.
    platform.counters.reset();
    return run(event, context);
  };
});
