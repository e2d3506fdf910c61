import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../shared/events';
import { KEYS, PREFIXES } from '../../shared/store/store';
import { workerTimeoutMinutes } from '../config';
import { DEFAULTS } from '../defaults';
import type { FunctionWiring } from '../wiring';
import { grantPublishProjectEvents } from './event-publishing';
import { MirrorFunction } from './mirror-function';
import type { SecureParameter } from './secure-parameter';
import type { StateStorage } from './state-storage';

export interface SyncWorkerProps {
  /** The state bucket: the worker reads and writes `sync/*` and the destinations' tokens, and writes backups. */
  readonly storage: StateStorage;
  /**
   * The bus the worker publishes "Reauth Required" on, and whose "Authorization Completed" events
   * start a run.
   */
  readonly eventBus: events.IEventBus;
  /**
   * Failed runs (on-failure destination) and undeliverable schedule/rule events go here.
   */
  readonly failureQueue: sqs.IQueue;
  /** Variables every function gets (bucket, bus, log level, destinations, source, NODE_OPTIONS). */
  readonly commonEnvironment: Readonly<Record<string, string>>;
  /** The enabled destinations' variables, secrets, tokens and caches (`wireDestinations`). */
  readonly destinations: FunctionWiring;
  /**
   * The AniList user whose list is mirrored (ANILIST_USERNAME).
   * @default - none: the source is a MyAnimeList list (SOURCE=mal)
   */
  readonly anilistUsername?: string;
  /**
   * Minutes between scheduled runs. The function timeout follows it (see `workerTimeoutMinutes`).
   * @default 15 (DEFAULTS.syncIntervalMinutes)
   */
  readonly syncIntervalMinutes?: number;
  /**
   * Hours between full comparisons of the whole list (instead of recent changes only); 0 = every run.
   * @default 24 (DEFAULTS.fullSyncIntervalHours)
   */
  readonly fullSyncIntervalHours?: number;
  /**
   * Also mirror entries marked private on AniList (only visible with `anilistToken`).
   * @default false
   */
  readonly mirrorPrivate?: boolean;
  /**
   * Also mirror the AniList manga list onto MAL's manga list.
   * @default false
   */
  readonly mirrorManga?: boolean;
  /**
   * SSM parameter with an AniList token (needed for private AniList lists).
   * @default - none: public list only
   */
  readonly anilistToken?: SecureParameter;
  /**
   * The OAuth callback's URL (CALLBACK_URL): Trakt requires a registered redirect URI with each refresh.
   * @default - none: refreshes name the out-of-band URI
   */
  readonly callbackUrl?: string;
  /**
   * EXCLUDE: media ids the mirror leaves alone, as JSON text (`[1535]`, `{"mal":[1535]}`).
   * @default - none excluded
   */
  readonly exclude?: string;
  /**
   * Memory of the function in MB.
   * @default 256 (DEFAULTS.workerMemoryMb)
   */
  readonly memorySize?: number;
}

/**
 * The sync worker: runs on a `rate(X minutes)` schedule and whenever the OAuth callback reports
 * "Authorization Completed", so a fresh authorization syncs at once instead of at the next tick.
 *
 * Reserved concurrency 1: two runs at once would race on the sync state and on token rotation.
 * No async retries: the next scheduled run is the retry, resuming from the last checkpoint.
 */
export class SyncWorker extends Construct {
  readonly handler: MirrorFunction;
  readonly schedule: events.Rule;
  readonly onAuthorizationCompleted: events.Rule;

  constructor(scope: Construct, id: string, props: SyncWorkerProps) {
    super(scope, id);
    const interval = props.syncIntervalMinutes ?? DEFAULTS.syncIntervalMinutes;
    const timeout = Duration.minutes(workerTimeoutMinutes(interval));

    const environment: Record<string, string> = {
      ...props.commonEnvironment,
      ...props.destinations.environment,
      ...(props.anilistUsername ? { ANILIST_USERNAME: props.anilistUsername } : {}),
      MIRROR_PRIVATE: String(props.mirrorPrivate ?? false),
      // Only when on: a stack without manga deploys exactly the environment it always had.
      ...(props.mirrorManga ? { MIRROR_MANGA: 'true' } : {}),
      FULL_SYNC_INTERVAL_HOURS: String(props.fullSyncIntervalHours ?? DEFAULTS.fullSyncIntervalHours),
      DEADLINE_SAFETY_MS: String(DEFAULTS.workerDeadlineSafety.toMilliseconds()),
    };
    if (props.anilistToken) environment.ANILIST_TOKEN_PARAMETER = props.anilistToken.parameterName;
    if (props.callbackUrl) environment.CALLBACK_URL = props.callbackUrl;
    if (props.exclude) environment.EXCLUDE = props.exclude;

    this.handler = new MirrorFunction(this, 'Handler', {
      handlerName: 'sync-worker',
      description: `Mirrors the ${props.anilistUsername ? `AniList list of ${props.anilistUsername}` : 'MyAnimeList list'} to ${props.destinations.names} every ${interval} minutes`,
      environment,
      timeout,
      memorySize: props.memorySize ?? DEFAULTS.workerMemoryMb,
      reservedConcurrentExecutions: 1,
      invocation: { kind: 'async', failureQueue: props.failureQueue, retryAttempts: 0 },
      secureParameters: [...props.destinations.secureParameters, ...(props.anilistToken ? [props.anilistToken] : [])],
    });
    const fn = this.handler.function;

    const { storage } = props;
    const { tokenKeys, tokenMetaKeys } = props.destinations;
    // sync/* holds every destination's state; cache/* the id datasets and Trakt's public catalogue. The
    // worker writes the tokens' metadata with them, and repairs it when it finds it missing or stale.
    const owned = [`${PREFIXES.sync}*`, `${PREFIXES.cache}*`, ...tokenKeys, ...tokenMetaKeys];
    storage.grantReadObjects(fn, ...owned);
    // Backups, and the list in MAL's import XML after full reconciles: written, never read back.
    storage.grantWriteObjects(fn, ...owned, `${KEYS.backupPrefix}*`, `${KEYS.listExportPrefix}*`);
    // Each run's report, for `npm run status`: written, never read back or listed by the worker.
    storage.grantWriteObjects(fn, `${KEYS.runReportPrefix}*`);
    // Version 1's state object is deleted once migrated (shared/sync/state.ts).
    storage.grantDeleteObjects(fn, KEYS.legacySyncState);
    storage.grantListKeys(fn, ...owned);
    // A corrupt sync state is recovered from its earlier versions (shared/sync/state.ts): those objects only.
    storage.grantReadVersions(fn, KEYS.syncState('*'), KEYS.legacySyncState);
    grantPublishProjectEvents(props.eventBus, fn);

    const target = () =>
      new targets.LambdaFunction(fn, {
        deadLetterQueue: props.failureQueue,
        // A tick that cannot be delivered within one interval is superseded by the next one.
        maxEventAge: Duration.minutes(Math.max(interval, 5)),
        retryAttempts: 2,
      });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Runs the sync worker every ${interval} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(interval)),
      targets: [target()],
    });

    this.onAuthorizationCompleted = new events.Rule(this, 'OnAuthorizationCompleted', {
      description: 'Runs the sync worker as soon as an authorization completes',
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DETAIL_TYPES.authorizationCompleted] },
      targets: [target()],
    });
  }
}
