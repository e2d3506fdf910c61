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
import { mailerStateSchema } from '../shared/auth/reauth';
import { readTokens } from '../shared/auth/tokens';
import type { Clock } from '../shared/clock';
import {
  callbackConfigSchema,
  loadConfig,
  mailerConfigSchema,
  type SyncWorkerConfig,
  syncWorkerConfigSchema,
} from '../shared/config';
import { ConfigError } from '../shared/errors';
import type { ReauthReason } from '../shared/events';
import { RequestCounters } from '../shared/http/counters';
import { createJsonLogger, type Logger } from '../shared/log';
import { S3Store } from '../shared/store/s3-store';
import { KEYS } from '../shared/store/store';
import type { RunReport } from '../shared/sync/report';
import { describeMode, type LocalConfig, LocalConfigError, urlHost } from './config';
import { type S3Emulator, type SesEmulator, startS3Emulator, startSesEmulator } from './emulators';
import { LocalEventBus } from './event-bus';
import { type HttpApiHandler, startHttpApiBridge } from './http-api-bridge';
import { listeningAs } from './net/ports';
import { type AniListSandbox, type SandboxEntry, startAniListSandbox } from './sandbox/anilist';
import { type MalSandbox, startMalSandbox } from './sandbox/mal/server';
import { IntervalScheduler } from './scheduler';
import { authorizeLinkOf } from './story';

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

/**
 * The remaining time a local sync run starts with. Locally nothing kills a run, so it is
 * effectively unlimited; it exists so that shutdown can drop it to 0 (see `close`).
 */
const LOCAL_RUN_BUDGET_MS = 365 * 24 * 3_600_000;

/** Whether MAL must be authorized before the worker can sync. */
export type AuthorizationStatus =
  | {
      readonly needed: false;
      readonly malUser: string | null;
      /** Epoch ms the refresh token is expected to stop working. */
      readonly refreshExpiresAt: number;
    }
  | {
      readonly needed: true;
      /** `no_tokens`: never authorized (or the tokens were removed); anything else: authorize again. */
      readonly reason: ReauthReason | 'unreadable';
    };

/** Where the user finds a working authorization link after `ensureAuthorizationLink`. */
export interface AuthorizationLink {
  /** `sent`: a new email now; `inbox`: the last email, still valid, is in the inbox; `missing`: neither. */
  readonly source: 'sent' | 'inbox' | 'missing' | 'not_needed';
  readonly link?: string;
  readonly linkExpiresAt?: string;
  /** The mailer's own words, for `missing`. */
  readonly why: string;
}

/** The environment the three handlers read, from the user's settings and the local wiring. */
function handlerEnv(
  options: LocalSystemOptions,
  wiring: {
    callbackUrl: string;
    bucket: string;
    sandbox?: { anilistUrl: string; anilistUser: string; malApiUrl: string; malOauthUrl: string };
  },
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    NOTIFY_EMAIL: 'you@example.com',
    SENDER_EMAIL: 'mirror@example.com',
    MAL_REDIRECT_URI: wiring.callbackUrl,
    ...options.env,
    STATE_BUCKET: wiring.bucket,
  };
  if (wiring.sandbox) {
    Object.assign(env, {
      ANILIST_URL: wiring.sandbox.anilistUrl,
      // The sandbox serves exactly one user: the fixture's. An ANILIST_TOKEN set in sandbox mode
      // (any value) is that user's token there, so private entries, MIRROR_PRIVATE and PRUNE can be tried.
      ANILIST_USERNAME: wiring.sandbox.anilistUser,
      ANILIST_REQUESTS_PER_MINUTE: options.env.ANILIST_REQUESTS_PER_MINUTE ?? '0',
      MAL_CLIENT_ID: SANDBOX_MAL_CLIENT_ID,
      MAL_CLIENT_SECRET: undefined,
      MAL_API_URL: wiring.sandbox.malApiUrl,
      MAL_OAUTH_URL: wiring.sandbox.malOauthUrl,
      MAL_REQUESTS_PER_MINUTE: options.env.MAL_REQUESTS_PER_MINUTE ?? '0',
      MAL_REDIRECT_URI: wiring.callbackUrl,
    });
  }
  return env;
}

/**
 * Validates everything the handlers will read before any server starts or any folder is created,
 * with stand-ins for what only exists once the servers run (their URLs). Every bad key of the
 * three handlers is named at once; in real mode the error also says why real mode was chosen.
 */
export function checkLocalSystemConfig(options: LocalSystemOptions): void {
  const { local } = options;
  const placeholder = 'http://127.0.0.1/';
  const env = handlerEnv(options, {
    callbackUrl: `http://${urlHost(local.LOCAL_HOST)}:${local.LOCAL_CALLBACK_PORT || 3000}/callback`,
    bucket: options.env.STATE_BUCKET ?? LOCAL_BUCKET,
    ...(options.sandbox
      ? {
          sandbox: {
            anilistUrl: placeholder,
            anilistUser: 'sandbox',
            malApiUrl: placeholder,
            malOauthUrl: placeholder,
          },
        }
      : {}),
  });
  const issues = new Set<string>();
  for (const schema of [syncWorkerConfigSchema, mailerConfigSchema, callbackConfigSchema]) {
    try {
      loadConfig(schema, env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const issue of err.issues) issues.add(issue);
    }
  }
  if (issues.size === 0) return;
  const note = options.sandbox
    ? undefined
    : `Real mode, because ${describeMode(local, options.env)}: these settings are needed to sync your real ` +
      'accounts (see .env.example). To run the offline sandbox instead, set SANDBOX=true.';
  throw new LocalConfigError([...issues], note);
}

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
  /** Every mailer run; `link` is the authorization link when it sent one (never a token). */
  readonly onMail?: (result: ReauthCheckResult, link?: string) => void;
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
  /** Whether MAL has to be authorized (from the stored tokens). */
  authorization(): Promise<AuthorizationStatus>;
  /**
   * Makes sure the local inbox holds a link that works, when authorization is needed: the mailer
   * runs as its daily check would; if it is throttled and the email it sent last is not in this
   * inbox (a wiped inbox is not a spammed mailbox), it is asked to send regardless.
   */
  ensureAuthorizationLink(): Promise<AuthorizationLink>;
  /**
   * Starts the schedules: the sync every SYNC_INTERVAL_MINUTES (and at once with `syncNow`), the
   * reauth check daily (and at once with `mailNow`).
   */
  startSchedules(options: { syncNow: boolean; mailNow: boolean }): void;
  /** What is still running, in words (for "Stopping: waiting for …"). */
  activity(): string[];
  /** Waits for in-flight event deliveries (e.g. the sync triggered by a completed authorization). */
  settle(): Promise<void>;
  /**
   * Stops the schedules, tells a running sync that its time is up (it stops at its next safe
   * point and checkpoints), waits for what is running, then stops every server.
   */
  close(): Promise<void>;
}

/**
 * Starts the whole system on one machine: S3 and SES emulators, the sandbox AniList and MAL services
 * (sandbox mode), the callback route behind a tiny HTTP API stand-in, and the in-process event bus
 * that plays the part of the CDK stack's EventBridge rules. The handlers are the Lambda handlers.
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  checkLocalSystemConfig(options);
  const { local } = options;
  const host = local.LOCAL_HOST;
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
    const routes: Record<string, HttpApiHandler> = {};
    const bridge = await listeningAs('LOCAL_CALLBACK_PORT', host, local.LOCAL_CALLBACK_PORT, () =>
      startHttpApiBridge({
        routes,
        port: local.LOCAL_CALLBACK_PORT,
        host,
        onError: (err) => onError('callback', err),
      }),
    );
    cleanups.push(() => bridge.close());
    const callbackUrl = `${bridge.url}/callback`;

    let dataDir = options.dataDir;
    if (!dataDir && options.sandbox) {
      // Sandbox services start empty each time, so their state store must too.
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'mirror-s3-'));
      const dir = dataDir;
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    }
    const s3 = await listeningAs('LOCAL_S3_PORT', host, local.LOCAL_S3_PORT, () =>
      startS3Emulator({
        bucket: options.env.STATE_BUCKET ?? LOCAL_BUCKET,
        directory: path.resolve(dataDir ?? local.LOCAL_DATA_DIR, 's3'),
        host,
        port: local.LOCAL_S3_PORT,
      }),
    );
    cleanups.push(() => s3.close());
    const ses = await listeningAs('LOCAL_SES_PORT', host, local.LOCAL_SES_PORT, () =>
      startSesEmulator({
        host,
        port: local.LOCAL_SES_PORT,
        ...(options.inboxFile ? { inboxFile: options.inboxFile } : {}),
      }),
    );
    cleanups.push(() => ses.close());

    let anilist: AniListSandbox | undefined;
    let mal: MalSandbox | undefined;
    let sandboxWiring: Parameters<typeof handlerEnv>[1]['sandbox'];
    if (options.sandbox) {
      anilist = await listeningAs('SANDBOX_ANILIST_PORT', host, local.SANDBOX_ANILIST_PORT, () =>
        startAniListSandbox({
          host,
          port: local.SANDBOX_ANILIST_PORT,
          ...(local.SANDBOX_ANILIST_FIXTURE ? { fixture: local.SANDBOX_ANILIST_FIXTURE } : {}),
          ...(options.anilistEntries ? { entries: options.anilistEntries } : {}),
          ...(options.clock ? { clock: options.clock } : {}),
          ...(options.env.ANILIST_TOKEN ? { validToken: options.env.ANILIST_TOKEN } : {}),
        }),
      );
      cleanups.push(() => anilist?.close());
      const anilistStore = anilist.store;
      mal = await listeningAs('SANDBOX_MAL_PORT', host, local.SANDBOX_MAL_PORT, () =>
        startMalSandbox({
          host,
          port: local.SANDBOX_MAL_PORT,
          clientId: SANDBOX_MAL_CLIENT_ID,
          redirectUris: [callbackUrl],
          appName: 'AniList → MAL mirror (local)',
          // The same anime exist on both sandboxes, as on the real sites: MAL shows them by title.
          anime: catalogueFrom(anilistStore.entries()),
          ...(local.SANDBOX_MAL_FIXTURE ? { fixture: local.SANDBOX_MAL_FIXTURE } : {}),
          ...(options.clock ? { clock: options.clock } : {}),
        }),
      );
      cleanups.push(() => mal?.close());
      sandboxWiring = {
        // Built here rather than taken from the sandbox, which does not bracket an IPv6 host.
        anilistUrl: `http://${urlHost(host)}:${anilist.port}/`,
        anilistUser: anilistStore.user.name,
        malApiUrl: mal.apiUrl,
        malOauthUrl: mal.oauthUrl,
      };
    }
    const env = handlerEnv(options, {
      callbackUrl,
      bucket: s3.bucket,
      ...(sandboxWiring ? { sandbox: sandboxWiring } : {}),
    });

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
    const now = () => platform.clock.now();

    const syncHandler = makeSyncHandler({
      ...(await buildSyncWorkerDeps(syncConfig, platform)),
      ...(options.onReport ? { onReport: options.onReport } : {}),
    });
    const mailerHandler = makeMailerHandler(buildMailerDeps(mailerConfig, platform));
    const callbackHandler = makeCallbackHandler(
      await buildCallbackDeps(loadConfig(callbackConfigSchema, env), platform),
    );
    routes['GET /callback'] = callbackHandler;

    /**
     * The Lambda context of a local run: the time left drops to 0 as soon as shutdown begins, so
     * that a worker reading it stops at its next safe point and checkpoints.
     */
    const runContext = (budgetMs = LOCAL_RUN_BUDGET_MS) => {
      const started = Date.now();
      return {
        getRemainingTimeInMillis: () => (stopping ? 0 : Math.max(0, budgetMs - (Date.now() - started))),
      };
    };
    let directRuns = 0;
    let lastSync: SyncWorkerResult | undefined;
    const syncSchedule = new IntervalScheduler(
      local.SYNC_INTERVAL_MINUTES * 60_000,
      async () => {
        counters.reset();
        lastSync = await syncHandler({}, runContext());
      },
      (err) => onError('sync', err),
    );

    const linkOf = async (messageId: string | undefined): Promise<string | undefined> => {
      const messages = await ses.messages();
      const mail = messages.find((m) => m.messageId === messageId) ?? messages.at(-1);
      return mail ? authorizeLinkOf(mail) : undefined;
    };
    const mail = async (event: MailerEvent, notify: boolean) => {
      const result = await mailerHandler(event);
      if (notify) options.onMail?.(result, result.sent ? await linkOf(result.messageId) : undefined);
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
      onAuthorizationCompleted: () => syncSchedule.tick(),
    });
    shutdown = async () => {
      await mailSchedule.stop();
      await syncSchedule.stop();
      await bus.drain();
    };

    /** The last email's link if it is in this inbox and still works. */
    const lastLinkInInbox = async (): Promise<{ link: string; expiresAt: number } | undefined> => {
      const obj = await store.get(KEYS.mailerState);
      const state = obj ? mailerStateSchema.safeParse(safeJson(obj.body)) : undefined;
      if (!state?.success || now() >= state.data.linkExpiresAt) return undefined;
      for (const message of (await ses.messages()).reverse()) {
        const link = authorizeLinkOf(message);
        if (link && stateOf(link) === state.data.lastState) return { link, expiresAt: state.data.linkExpiresAt };
      }
      return undefined;
    };

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
      async authorization() {
        const read = await readTokens(store);
        if (!read.tokens) return { needed: true, reason: read.corrupt ? 'unreadable' : 'no_tokens' };
        if (read.tokens.invalid) return { needed: true, reason: read.tokens.invalid.reason };
        // Tokens about to expire still work: the mailer's daily check sends the reminder.
        return { needed: false, malUser: read.tokens.malUser, refreshExpiresAt: read.tokens.refreshExpiresAt };
      },
      async ensureAuthorizationLink() {
        const first = await mail({ 'detail-type': 'Scheduled Event' }, false);
        const sent = async (result: ReauthCheckResult): Promise<AuthorizationLink> => {
          const link = await linkOf(result.messageId);
          return {
            source: 'sent',
            why: result.why,
            ...(link ? { link } : {}),
            ...(result.linkExpiresAt ? { linkExpiresAt: result.linkExpiresAt } : {}),
          };
        };
        if (first.sent) return sent(first);
        if (first.reason === null) return { source: 'not_needed', why: first.why };
        const inInbox = await lastLinkInInbox();
        if (inInbox) {
          return {
            source: 'inbox',
            link: inInbox.link,
            linkExpiresAt: new Date(inInbox.expiresAt).toISOString(),
            why: first.why,
          };
        }
        // The throttle protects a real mailbox from repeats; a local inbox that lost the email is not that.
        const second = await mail({ 'detail-type': 'Scheduled Event', force: true }, false);
        return second.sent ? sent(second) : { source: 'missing', why: second.why };
      },
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
      settle: () => bus.drain(),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stateOf(link: string): string | null {
  try {
    return new URL(link).searchParams.get('state');
  } catch {
    return null;
  }
}
