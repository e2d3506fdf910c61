import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCallbackDeps, makeCallbackHandler } from '../lambdas/oauth-callback/handler';
import { buildMailerDeps, type MailerEvent, makeMailerHandler } from '../lambdas/reauth-mailer/handler';
import { createAwsPlatform, type Platform } from '../lambdas/runtime';
import {
  buildSyncWorkerDeps,
  makeSyncHandler,
  type SyncWorkerEvent,
  type SyncWorkerResult,
} from '../lambdas/sync-worker/handler';
import type { ReauthCheckResult } from '../shared/auth/mailer';
import type { Clock } from '../shared/clock';
import {
  callbackConfigSchema,
  loadConfig,
  mailerConfigSchema,
  type SyncWorkerConfig,
  syncWorkerConfigSchema,
} from '../shared/config';
import { RequestCounters } from '../shared/http/counters';
import { createJsonLogger, type Logger } from '../shared/log';
import { S3Store } from '../shared/store/s3-store';
import type { RunReport } from '../shared/sync/report';
import type { LocalConfig } from './config';
import { type S3Emulator, type SesEmulator, startS3Emulator, startSesEmulator } from './emulators';
import { LocalEventBus } from './event-bus';
import { type HttpApiHandler, startHttpApiBridge } from './http-api-bridge';
import { type AniListSandbox, type SandboxEntry, startAniListSandbox } from './sandbox/anilist';
import { type MalSandbox, startMalSandbox } from './sandbox/mal/server';
import { IntervalScheduler } from './scheduler';

function catalogueFrom(entries: readonly SandboxEntry[]) {
  const seen = new Map<number, { id: number; title: string; num_episodes: number }>();
  for (const { media } of entries) {
    if (!media?.idMal || seen.has(media.idMal)) continue;
    const title = media.title.romaji ?? media.title.english ?? media.title.native ?? `Anime #${media.idMal}`;
    seen.set(media.idMal, { id: media.idMal, title, num_episodes: media.episodes ?? 0 });
  }
  return [...seen.values()];
}

export const SANDBOX_MAL_CLIENT_ID = 'sandbox-mal-client';
export const LOCAL_BUCKET = 'anilist-mal-mirror-local';

export interface LocalSystemOptions {
  readonly local: LocalConfig;
  /** Configuration as environment variables (the same keys the Lambdas read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sandbox: boolean;
  /** s3rver's folder; default: a fresh temporary folder in sandbox mode, LOCAL_DATA_DIR otherwise. */
  readonly dataDir?: string;
  /** Start the interval schedules (sync every SYNC_INTERVAL_MINUTES, reauth check daily). */
  readonly schedule?: boolean;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Replaces the sandbox AniList list (tests, benchmarks). */
  readonly anilistEntries?: readonly SandboxEntry[];
  readonly onReport?: (report: RunReport) => void;
  readonly onMail?: (result: ReauthCheckResult) => void;
  readonly onError?: (where: string, err: unknown) => void;
}

export interface LocalSystem {
  readonly sandbox: boolean;
  readonly config: SyncWorkerConfig;
  readonly notifyEmail: string;
  readonly urls: { inbox: string; callback: string; anilist: string; malApi: string; s3: string };
  readonly anilist?: AniListSandbox;
  readonly mal?: MalSandbox;
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
  /** Waits for in-flight event deliveries (e.g. the sync triggered by a completed authorization). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the whole system on one machine: S3 and SES emulators, the sandbox AniList and MAL services
 * (sandbox mode), the callback route behind a tiny HTTP API stand-in, and the in-process event bus
 * that plays the part of the CDK stack's EventBridge rules. The handlers are the Lambda handlers.
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const { local } = options;
  const host = local.LOCAL_HOST;
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const counters = new RequestCounters();
    const logger = options.logger ?? createJsonLogger({ level: 'warn' });
    const onError = options.onError ?? ((where, err) => logger.error(`${where} failed`, { error: err }));
    const routes: Record<string, HttpApiHandler> = {};
    const bridge = await startHttpApiBridge({
      routes,
      port: local.LOCAL_CALLBACK_PORT,
      host,
      onError: (err) => onError('callback', err),
    });
    cleanups.push(() => bridge.close());
    const callbackUrl = `${bridge.url}/callback`;

    let dataDir = options.dataDir;
    if (!dataDir && options.sandbox) {
      // Sandbox services start empty each time, so their state store must too.
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'mirror-s3-'));
      const dir = dataDir;
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    }
    const s3 = await startS3Emulator({
      bucket: options.env.STATE_BUCKET ?? LOCAL_BUCKET,
      directory: path.resolve(dataDir ?? local.LOCAL_DATA_DIR, 's3'),
      host,
      port: local.LOCAL_S3_PORT,
    });
    cleanups.push(() => s3.close());
    const ses = await startSesEmulator({ host, port: local.LOCAL_SES_PORT });
    cleanups.push(() => ses.close());

    let anilist: AniListSandbox | undefined;
    let mal: MalSandbox | undefined;
    const env: Record<string, string | undefined> = {
      NOTIFY_EMAIL: 'you@example.com',
      SENDER_EMAIL: 'mirror@example.com',
      MAL_REDIRECT_URI: callbackUrl,
      ...options.env,
      STATE_BUCKET: s3.bucket,
    };
    if (options.sandbox) {
      anilist = await startAniListSandbox({
        host,
        port: local.SANDBOX_ANILIST_PORT,
        ...(local.SANDBOX_ANILIST_FIXTURE ? { fixture: local.SANDBOX_ANILIST_FIXTURE } : {}),
        ...(options.anilistEntries ? { entries: options.anilistEntries } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      });
      cleanups.push(() => anilist?.close());
      mal = await startMalSandbox({
        host,
        port: local.SANDBOX_MAL_PORT,
        clientId: SANDBOX_MAL_CLIENT_ID,
        redirectUris: [callbackUrl],
        appName: 'AniList → MAL mirror (local)',
        // The same anime exist on both sandboxes, as on the real sites: MAL shows them by title.
        anime: catalogueFrom(anilist.store.entries()),
        ...(local.SANDBOX_MAL_FIXTURE ? { fixture: local.SANDBOX_MAL_FIXTURE } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
      });
      cleanups.push(() => mal?.close());
      Object.assign(env, {
        ANILIST_URL: anilist.url,
        // The sandbox serves exactly one user: the fixture's.
        ANILIST_USERNAME: anilist.store.user.name,
        ANILIST_TOKEN: undefined,
        ANILIST_REQUESTS_PER_MINUTE: options.env.ANILIST_REQUESTS_PER_MINUTE ?? '0',
        MAL_CLIENT_ID: SANDBOX_MAL_CLIENT_ID,
        MAL_CLIENT_SECRET: undefined,
        MAL_API_URL: mal.apiUrl,
        MAL_OAUTH_URL: mal.oauthUrl,
        MAL_REQUESTS_PER_MINUTE: options.env.MAL_REQUESTS_PER_MINUTE ?? '0',
        MAL_REDIRECT_URI: callbackUrl,
      });
    }

    const syncConfig = loadConfig(syncWorkerConfigSchema, env);
    const mailerConfig = loadConfig(mailerConfigSchema, env);
    const bus = new LocalEventBus({ onError: (err) => onError('event delivery', err) });
    const store = new S3Store({ client: s3.client, bucket: s3.bucket, onRequest: counters.onStoreRequest });
    const platform: Platform = createAwsPlatform(syncConfig, {
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

    const syncHandler = makeSyncHandler({
      ...(await buildSyncWorkerDeps(syncConfig, platform)),
      ...(options.onReport ? { onReport: options.onReport } : {}),
    });
    const mailerHandler = makeMailerHandler(buildMailerDeps(mailerConfig, platform));
    const callbackHandler = makeCallbackHandler(
      await buildCallbackDeps(loadConfig(callbackConfigSchema, env), platform),
    );
    routes['GET /callback'] = callbackHandler;

    let lastSync: SyncWorkerResult | undefined;
    const syncSchedule = new IntervalScheduler(
      local.SYNC_INTERVAL_MINUTES * 60_000,
      async () => {
        counters.reset();
        lastSync = await syncHandler({});
      },
      (err) => onError('sync', err),
    );
    const runMailer = async (event: MailerEvent = { 'detail-type': 'Scheduled Event' }) => {
      const result = await mailerHandler(event);
      options.onMail?.(result);
      return result;
    };
    const mailSchedule = new IntervalScheduler(
      24 * 3_600_000,
      () => runMailer(),
      (err) => onError('reauth mailer', err),
    );
    bus.route({
      onReauthRequired: (detail) => runMailer({ 'detail-type': 'Reauth Required', detail }),
      onAuthorizationCompleted: () => syncSchedule.tick(),
    });
    if (options.schedule) {
      mailSchedule.start({ runNow: true });
      syncSchedule.start();
    }
    cleanups.push(async () => {
      await mailSchedule.stop();
      await syncSchedule.stop();
      await bus.drain();
    });

    return {
      sandbox: options.sandbox,
      config: syncConfig,
      notifyEmail: mailerConfig.NOTIFY_EMAIL,
      urls: {
        inbox: ses.inboxUrl,
        callback: callbackUrl,
        anilist: syncConfig.ANILIST_URL,
        malApi: syncConfig.MAL_API_URL,
        s3: s3.endpoint,
      },
      ...(anilist ? { anilist } : {}),
      ...(mal ? { mal } : {}),
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
          const started = Date.now();
          const context =
            budgetMs === undefined ? undefined : { getRemainingTimeInMillis: () => budgetMs - (Date.now() - started) };
          return syncHandler(event, context);
        }
        await syncSchedule.tick();
        return lastSync;
      },
      runMailer,
      settle: () => bus.drain(),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
