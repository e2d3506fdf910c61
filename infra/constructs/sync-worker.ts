import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../shared/events';
import { KEYS, PREFIXES } from '../../shared/store/store';
import type { PartialDateMode } from '../../shared/sync/mapping';
import { workerTimeoutMinutes } from '../config';
import { DEFAULTS } from '../defaults';
import { MirrorFunction } from './mirror-function';
import type { SecureParameter } from './secure-parameter';
import type { StateStorage } from './state-storage';

export interface SyncWorkerProps {
  /** The state bucket: the worker reads and writes `sync/*` and the MAL tokens, and writes backups. */
  readonly storage: StateStorage;
  /**
   * The bus the worker publishes "Reauth Required" on, and whose "Authorization Completed" events
   * start a run.
   */
  readonly eventBus: events.IEventBus;
  /**
   * Failed runs (on-failure destination) and undeliverable schedule/rule events (target DLQ) go here.
   */
  readonly failureQueue: sqs.IQueue;
  /** Variables every function gets (bucket, bus, log level, MAL client id, NODE_OPTIONS). */
  readonly commonEnvironment: Readonly<Record<string, string>>;
  /** The AniList user whose list is mirrored (ANILIST_USERNAME). */
  readonly anilistUsername: string;
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
   * Partial AniList dates: `leave` MAL's date alone, or `send` them as YYYY / YYYY-MM.
   * @default 'leave'
   */
  readonly partialDates?: PartialDateMode;
  /**
   * Delete MAL entries this system wrote whose AniList entry was deleted (needs `anilistToken`, or
   * private entries would look deleted).
   * @default false
   */
  readonly prune?: boolean;
  /**
   * AniList media id → MAL id corrections.
   * @default - none (ID_OVERRIDES unset)
   */
  readonly idOverrides?: Readonly<Record<string, number>>;
  /**
   * SSM parameter with the MAL client secret (used when refreshing tokens).
   * @default - none: a public ("other"-type) MAL app without a secret
   */
  readonly malClientSecret?: SecureParameter;
  /**
   * SSM parameter with an AniList token (needed for private AniList lists).
   * @default - none: public list only
   */
  readonly anilistToken?: SecureParameter;
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
      ANILIST_USERNAME: props.anilistUsername,
      MIRROR_PRIVATE: String(props.mirrorPrivate ?? false),
      PARTIAL_DATES: props.partialDates ?? 'leave',
      PRUNE: String(props.prune ?? false),
      FULL_SYNC_INTERVAL_HOURS: String(props.fullSyncIntervalHours ?? DEFAULTS.fullSyncIntervalHours),
      DEADLINE_SAFETY_MS: String(DEFAULTS.workerDeadlineSafety.toMilliseconds()),
    };
    if (props.idOverrides && Object.keys(props.idOverrides).length > 0) {
      environment.ID_OVERRIDES = JSON.stringify(props.idOverrides);
    }
    if (props.malClientSecret) environment.MAL_CLIENT_SECRET_PARAMETER = props.malClientSecret.parameterName;
    if (props.anilistToken) environment.ANILIST_TOKEN_PARAMETER = props.anilistToken.parameterName;

    this.handler = new MirrorFunction(this, 'Handler', {
      handlerName: 'sync-worker',
      description: `Mirrors the AniList list of ${props.anilistUsername} to MyAnimeList every ${interval} minutes`,
      environment,
      timeout,
      memorySize: props.memorySize ?? DEFAULTS.workerMemoryMb,
      reservedConcurrentExecutions: 1,
      invocation: { kind: 'async', failureQueue: props.failureQueue, retryAttempts: 0 },
      secureParameters: [props.malClientSecret, props.anilistToken].filter((p) => p !== undefined),
    });
    const fn = this.handler.function;

    const { storage } = props;
    storage.grantReadObjects(fn, `${PREFIXES.sync}*`, KEYS.tokens);
    storage.grantWriteObjects(fn, `${PREFIXES.sync}*`, KEYS.tokens, `${KEYS.backupPrefix}*`);
    storage.grantListKeys(fn, `${PREFIXES.sync}*`, KEYS.tokens);
    props.eventBus.grantPutEventsTo(fn);

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
      description: 'Runs the sync worker as soon as MAL authorization completes',
      eventBus: props.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [DETAIL_TYPES.authorizationCompleted] },
      targets: [target()],
    });
  }
}
