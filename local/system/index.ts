import { buildCallbackDeps, makeCallbackHandler } from '../../lambdas/oauth-callback/handler';
import { buildMailerDeps, type MailerEvent, makeMailerHandler } from '../../lambdas/reauth-mailer/handler';
import { createAwsPlatform, type Platform } from '../../lambdas/runtime';
import {
  buildSyncWorkerDeps,
  makeSyncHandler,
  type SyncWorkerEvent,
  type SyncWorkerResult,
} from '../../lambdas/sync-worker/handler';
import type { ReauthCheckResult } from '../../shared/auth/mailer';
import { saveTokensFromAuthorization } from '../../shared/auth/tokens';
import type { Clock } from '../../shared/clock';
import { loadCallbackConfig, loadMailerConfig, loadWorkerConfig, type WorkerConfig } from '../../shared/destinations';
import { RequestCounters } from '../../shared/http/counters';
import { createJsonLogger, type Logger } from '../../shared/log';
import { S3Store } from '../../shared/store/s3-store';
import type { ProgressListener } from '../../shared/sync/progress';
import type { RunReport } from '../../shared/sync/report';
import type { LocalConfig } from '../config';
import { mountDashboard } from '../dashboard/mount';
import type { S3Emulator, SesEmulator } from '../emulators';
import { LocalEventBus } from '../event-bus';
import type { AniListSandbox, SandboxEntry } from '../sandbox/anilist';
import type { DatasetServer } from '../sandbox/datasets';
import type { MalSandbox } from '../sandbox/mal/server';
import type { TraktSandbox } from '../sandbox/trakt';
import { IntervalScheduler } from '../scheduler';
import {
  type AuthorizationLink,
  type AuthorizationStatus,
  type AuthTarget,
  authorizationOf,
  ensureAuthorizationLink,
} from './authorization';
import { checkLocalSystemConfig, handlerEnv } from './env';
import { describeExposure } from './exposure';
import { sentLinksOf } from './inbox';
import { startServers } from './servers';

export type { AuthorizationLink, AuthorizationStatus } from './authorization';
export { checkLocalSystemConfig, LOCAL_BUCKET } from './env';
export { SANDBOX_MAL_CLIENT_ID } from './sandboxes';

/**
 * The remaining time a local sync run starts with. Locally nothing kills a run, so it is
 * effectively unlimited; it exists so that shutdown can drop it to 0 (see `close`).
 */
const LOCAL_RUN_BUDGET_MS = 365 * 24 * 3_600_000;
/** How many run reports the dashboard keeps (in memory: a restart starts the list afresh). */
const KEPT_RUNS = 20;

export interface LocalSystemOptions {
  readonly local: LocalConfig;
  /** Configuration as environment variables (the same keys the Lambdas read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sandbox: boolean;
  /** s3rver's folder; default: a fresh temporary folder in sandbox mode, LOCAL_DATA_DIR otherwise. */
  readonly dataDir?: string;
  /**
   * Keep the local inbox in this file across restarts (`npm start` in real mode), since the mailer's
   * memory of what it sent persists in S3. Default: the inbox starts empty.
   */
  readonly inboxFile?: string;
  /**
   * Deliver the worker's "Reauth Required" events to the mailer (default true). `npm run sync` turns
   * it off: its inbox is gone when it exits, and the mailer would record the email as sent.
   */
  readonly sendReauthMail?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Replaces the sandbox AniList list (tests, benchmarks). */
  readonly anilistEntries?: readonly SandboxEntry[];
  readonly onReport?: (report: RunReport) => void;
  /** How often the dashboard page reloads itself (default 5 s). */
  readonly dashboardRefreshSeconds?: number;
  /** Each sync run's progress as its writes settle (replaces the worker's structured progress log). */
  readonly onProgress?: ProgressListener;
  /** Every mailer run that sent an email, with its links (never a token). */
  readonly onMail?: (result: ReauthCheckResult, links: readonly { label: string; url: string }[]) => void;
  readonly onError?: (where: string, err: unknown) => void;
  /**
   * Sentences for the user about the machine's safety: LOCAL_DATA_DIR made owner-only, and what a
   * non-loopback LOCAL_HOST exposes. Default: the logger's warnings.
   */
  readonly onNotice?: (text: string) => void;
}

export interface LocalSystem {
  readonly sandbox: boolean;
  /** The environment the handlers read (the same keys as in AWS). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly config: WorkerConfig;
  readonly notifyEmail: string;
  /** Every provider the user may have to authorize, in email order. */
  readonly authTargets: readonly AuthTarget[];
  /** `dashboard`: the page on the callback's origin that shows authorization, runs and (sandbox) both lists. */
  readonly urls: { inbox: string; callback: string; dashboard: string; anilist: string; s3: string; malApi?: string };
  readonly anilist?: AniListSandbox;
  readonly mal?: MalSandbox;
  readonly trakt?: TraktSandbox;
  /** The id dataset server (sandbox mode). */
  readonly datasets?: DatasetServer;
  /** Where each sandboxed destination's stand-in listens, by destination key. */
  readonly sandboxUrls: Readonly<Record<string, string>>;
  /** What a stand-in's user list is, in words, by destination key (the source's: SOURCE=mal). */
  readonly sandboxNotes: Readonly<Record<string, string>>;
  readonly s3: S3Emulator;
  readonly ses: SesEmulator;
  readonly bus: LocalEventBus;
  readonly store: S3Store;
  readonly counters: RequestCounters;
  /**
   * One sync run through the real handler (never overlapping another). `budgetMs` plays the
   * Lambda's remaining time, so the time-budget logic runs exactly as in AWS.
   */
  runSync(event?: SyncWorkerEvent, options?: { budgetMs?: number }): Promise<SyncWorkerResult | undefined>;
  /** The reauth mailer's handler, as the daily schedule (default) or a rule would invoke it. */
  runMailer(event?: MailerEvent): Promise<ReauthCheckResult>;
  /**
   * Sandbox mode: stores tokens for every sandboxed provider (the destinations, and MyAnimeList as
   * the source with SOURCE=mal) as if its user had approved, for runs with no one to click a link
   * (`npm run sync`, benchmarks).
   */
  authorizeSandboxes(): Promise<void>;
  /** Whether each provider has to be authorized (from its stored tokens), by destination key. */
  authorization(): Promise<Record<string, AuthorizationStatus>>;
  /**
   * Makes sure the local inbox holds links that work, when authorization is needed (see
   * `ensureAuthorizationLink` in ./authorization).
   */
  ensureAuthorizationLink(): Promise<AuthorizationLink>;
  /**
   * Starts the schedules: the sync every SYNC_INTERVAL_MINUTES (and at once with `syncNow`), the
   * reauth check daily (and at once with `mailNow`).
   */
  startSchedules(options: { syncNow: boolean; mailNow: boolean }): void;
  /** What is still running, in words (for "Stopping: waiting for …"). */
  activity(): string[];
  /** The last sync runs' reports (up to 20), newest first. */
  runs(): readonly RunReport[];
  /** Whether a sync run is in progress. */
  syncInProgress(): boolean;
  /** When the schedule starts the next sync (epoch ms); undefined before `startSchedules` and once stopping. */
  nextSyncAt(): number | undefined;
  /** Starts a sync now, or once more right after the run in progress (the dashboard's Sync now). */
  requestSync(): void;
  /** Waits for in-flight event deliveries (e.g. the sync triggered by a completed authorization). */
  settle(): Promise<void>;
  /**
   * Tells a running sync that its time is up, as `close` does, and stops nothing: the run stops at its
   * next safe point, checkpoints and reports (stopped by the user). `npm run sync`'s first Ctrl+C.
   */
  interrupt(): void;
  /**
   * Stops the schedules, tells a running sync that its time is up (it stops at its next safe
   * point and checkpoints), waits for what is running, then stops every server.
   */
  close(): Promise<void>;
}

/**
 * Starts the whole system on one machine: S3 and SES emulators, the sandbox AniList and every
 * destination's stand-in (sandbox mode), the callback route behind a tiny HTTP API stand-in, and the
 * in-process event bus that plays the part of the CDK stack's EventBridge rules. The handlers are
 * the Lambda handlers.
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  checkLocalSystemConfig(options);
  const cleanups: (() => Promise<void> | void)[] = [];
  let stopping = false;
  let shutdown: (() => Promise<void>) | undefined;
  const close = async () => {
    stopping = true;
    await shutdown?.();
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  try {
    const counters = new RequestCounters();
    const logger = options.logger ?? createJsonLogger({ level: 'warn' });
    const onError = options.onError ?? ((where, err) => logger.error(`${where} failed`, { error: err }));
    const onNotice = options.onNotice ?? ((text: string) => logger.warn(text));
    const servers = await startServers(
      { ...options, onNotice, onCallbackError: (err) => onError('callback', err) },
      cleanups,
    );
    const exposure = describeExposure(options.local.LOCAL_HOST, options.sandbox, {
      s3: servers.s3.endpoint,
      inbox: servers.ses.inboxUrl,
      callback: servers.callbackUrl,
    });
    if (exposure) onNotice(exposure);
    const standInEnv = Object.assign({}, ...Object.values(servers.standIns).map((s) => s.env));
    const env = handlerEnv(options, {
      callbackUrl: servers.callbackUrl,
      bucket: servers.s3.bucket,
      ...(servers.anilist
        ? {
            sandbox: {
              anilistUrl: servers.anilist.url,
              anilistUser: servers.anilist.store.user.name,
              destinations: standInEnv,
              ...(servers.datasets ? { datasets: servers.datasets.urls } : {}),
            },
          }
        : {}),
    });

    const workerConfig = loadWorkerConfig(env);
    const mailerConfig = loadMailerConfig(env);
    const bus = new LocalEventBus({ onError: (err) => onError('event delivery', err) });
    const { s3, ses } = servers;
    const store = new S3Store({ client: s3.client, bucket: s3.bucket, onRequest: counters.onStoreRequest });
    const platform: Platform = createAwsPlatform(workerConfig.base, {
      store,
      events: bus,
      ses: ses.client,
      counters,
      logger,
      ...(options.clock ? { clock: options.clock } : {}),
      readParameter: async (name) => {
        throw new Error(`SSM parameters are not available locally (${name}); set the value in .env instead`);
      },
    });
    const now = () => platform.clock.now();

    const runs: RunReport[] = [];
    const workerDeps = await buildSyncWorkerDeps(workerConfig, platform);
    const syncHandler = makeSyncHandler({
      ...workerDeps,
      ...(options.onProgress ? { sync: { ...workerDeps.sync, onProgress: options.onProgress } } : {}),
      onReport: (report) => {
        runs.unshift(report);
        runs.length = Math.min(runs.length, KEPT_RUNS);
        options.onReport?.(report);
      },
    });
    const mailerDeps = buildMailerDeps(mailerConfig, platform);
    const mailerHandler = makeMailerHandler(mailerDeps);
    // The success page points at the dashboard (`/` beside the callback); refusals reach the console.
    const callbackExtras = { dashboardUrl: `${new URL(servers.callbackUrl).origin}/`, onRefusal: onNotice };
    servers.routes['GET /callback'] = makeCallbackHandler(
      await buildCallbackDeps(loadCallbackConfig(env), platform, callbackExtras),
    );

    /**
     * The Lambda context of a local run: the time left drops to 0 as soon as shutdown begins, so
     * that a worker reading it stops at its next safe point and checkpoints.
     */
    const runContext = (budgetMs = LOCAL_RUN_BUDGET_MS) => {
      const started = Date.now();
      return {
        getRemainingTimeInMillis: () => (stopping ? 0 : Math.max(0, budgetMs - (Date.now() - started))),
        // The run's report says "stopped by you (Ctrl+C)" rather than "time budget".
        interrupted: () => stopping,
      };
    };
    let directRuns = 0;
    let lastSync: SyncWorkerResult | undefined;
    const syncSchedule = new IntervalScheduler(
      options.local.SYNC_INTERVAL_MINUTES * 60_000,
      async () => {
        counters.reset();
        lastSync = await syncHandler({}, runContext());
      },
      (err) => onError('sync', err),
    );

    const mail = async (event: MailerEvent, notify: boolean) => {
      const result = await mailerHandler(event);
      if (notify && result.sent) {
        const links = sentLinksOf(await ses.messages(), result.messageId);
        options.onMail?.(result, links);
      }
      return result;
    };
    const runMailer = (event: MailerEvent = { 'detail-type': 'Scheduled Event' }) => mail(event, true);
    const mailSchedule = new IntervalScheduler(
      24 * 3_600_000,
      () => runMailer(),
      (err) => onError('reauth mailer', err),
    );
    bus.route({
      onReauthRequired: (detail) =>
        options.sendReauthMail === false ? Promise.resolve() : runMailer({ 'detail-type': 'Reauth Required', detail }),
      // Approving a second destination while the first one's sync runs must still start its sync.
      onAuthorizationCompleted: () => syncSchedule.tick({ queueIfBusy: true }),
    });
    shutdown = async () => {
      await mailSchedule.stop();
      await syncSchedule.stop();
      await bus.drain();
    };
    const authTargets: AuthTarget[] = mailerDeps.destinations.map(({ provider }) => ({
      destination: provider.destination,
      label: provider.label,
      ...(provider.verbs ? { verbs: provider.verbs } : {}),
    }));
    const mal = servers.standIns.mal?.handle as MalSandbox | undefined;
    const trakt = servers.standIns.trakt?.handle as TraktSandbox | undefined;
    const urls: LocalSystem['urls'] = {
      inbox: ses.inboxUrl,
      callback: servers.callbackUrl,
      dashboard: '', // set once the dashboard is mounted below
      anilist: workerConfig.base.ANILIST_URL,
      s3: s3.endpoint,
      ...(env.MAL_API_URL ? { malApi: env.MAL_API_URL } : {}),
    };

    const system: LocalSystem = {
      sandbox: options.sandbox,
      env,
      config: workerConfig,
      notifyEmail: mailerConfig.base.NOTIFY_EMAIL,
      authTargets,
      urls,
      ...(servers.anilist ? { anilist: servers.anilist } : {}),
      ...(mal ? { mal } : {}),
      ...(trakt ? { trakt } : {}),
      ...(servers.datasets ? { datasets: servers.datasets } : {}),
      sandboxUrls: Object.fromEntries(Object.entries(servers.standIns).map(([key, s]) => [key, s.url])),
      sandboxNotes: Object.fromEntries(
        Object.entries(servers.standIns).flatMap(([key, s]) => (s.note ? [[key, s.note]] : [])),
      ),
      s3,
      ses,
      bus,
      store,
      counters,
      async runSync(event: SyncWorkerEvent = {}, runOptions: { budgetMs?: number } = {}) {
        lastSync = undefined;
        const budgetMs = runOptions.budgetMs;
        if (event.full || event.dryRun || budgetMs !== undefined) {
          counters.reset();
          directRuns++;
          try {
            return await syncHandler(event, runContext(budgetMs));
          } finally {
            directRuns--;
          }
        }
        await syncSchedule.tick();
        return lastSync;
      },
      runMailer,
      async authorizeSandboxes() {
        for (const [key, standIn] of Object.entries(servers.standIns)) {
          const provider = mailerDeps.destinations.find((d) => d.provider.destination === key)?.provider;
          if (!provider) continue;
          const { tokens, user } = standIn.issueTokens();
          await saveTokensFromAuthorization({ store, clock: platform.clock }, provider, tokens, user);
        }
      },
      authorization: () => authorizationOf(store, authTargets),
      ensureAuthorizationLink: () =>
        ensureAuthorizationLink({
          store,
          now,
          mail: (event) => mail(event, false),
          messages: () => ses.messages(),
        }),
      startSchedules({ syncNow, mailNow }) {
        mailSchedule.start({ runNow: mailNow });
        syncSchedule.start({ runNow: syncNow });
      },
      activity() {
        const busy: string[] = [];
        if (syncSchedule.busy || directRuns > 0) busy.push('the sync run in progress');
        if (mailSchedule.busy) busy.push('the reauth mailer');
        return busy;
      },
      runs: () => runs,
      syncInProgress: () => syncSchedule.busy || directRuns > 0,
      nextSyncAt: () => syncSchedule.nextRunAt,
      requestSync() {
        // Like an authorization: never lost while a run is going, it asks for one more after it.
        void syncSchedule.tick({ queueIfBusy: true });
      },
      settle: () => bus.drain(),
      interrupt() {
        stopping = true;
      },
      close,
    };
    urls.dashboard = mountDashboard(system, servers.routes, {
      host: options.local.LOCAL_HOST,
      ...(options.dashboardRefreshSeconds ? { refreshSeconds: options.dashboardRefreshSeconds } : {}),
    });
    return system;
  } catch (err) {
    await close();
    throw err;
  }
}
