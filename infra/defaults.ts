import { Duration } from 'aws-cdk-lib';
import { Architecture, ParamsAndSecretsLogLevel, ParamsAndSecretsVersions, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * Every tunable default of the stack, in one place, so a reviewer can audit the security and cost
 * posture without reading each construct. Constructs take these as `@default`s of their props.
 */
export const DEFAULTS = {
  /** Newest Node.js runtime aws-cdk-lib knows; cdk-nag's LambdaLatestVersion/L1 rules check exactly this. */
  runtime: Runtime.NODEJS_24_X,
  /** Graviton is ~20% cheaper per GB-second and the handlers have no native dependencies. */
  architecture: Architecture.ARM_64,
  /** The sync is I/O bound (paced HTTP calls); 256 MB is plenty and keeps GB-seconds low. */
  workerMemoryMb: 256,
  mailerMemoryMb: 256,
  callbackMemoryMb: 256,
  /** Hard cap on a sync run, whatever the schedule: long runs checkpoint and resume on the next tick. */
  workerMaxTimeout: Duration.minutes(10),
  /** The worker stops this long before its deadline to write a checkpoint (DEADLINE_SAFETY_MS). */
  workerDeadlineSafety: Duration.seconds(20),
  mailerTimeout: Duration.minutes(1),
  /**
   * HTTP APIs give up on an integration after 30 s; the callback (S3 read, one token exchange, one
   * profile call, S3 write, one event) must answer before that.
   */
  callbackTimeout: Duration.seconds(28),
  syncIntervalMinutes: 15,
  /** EventBridge needs ≥ 1 minute, and the worker's timeout must stay below the interval. */
  minSyncIntervalMinutes: 2,
  maxSyncIntervalMinutes: 24 * 60,
  fullSyncIntervalHours: 24,
  /** One mail check a day at 08:00 UTC; the reauth event triggers the mailer immediately anyway. */
  mailerDailyHourUtc: 8,
  logRetention: RetentionDays.ONE_MONTH,
  logLevel: 'info' as const,
  /** Old object versions (sync state, caches) are kept this long for recovery, then expire. */
  noncurrentVersionExpiration: Duration.days(30),
  /**
   * Except under `auth/`: a replaced refresh token (and a consumed PKCE verifier) is a credential, so
   * old versions go after a day, the shortest S3 lifecycle allows.
   */
  authNoncurrentVersionExpiration: Duration.days(1),
  /** MAL list backups written by the worker expire after this. */
  backupExpiration: Duration.days(90),
  /**
   * Run reports (`reports/`, one per sync run, read by `npm run status`) expire after this: about
   * 2,900 small objects at the default 15-minute interval, and a month of history is plenty to look back on.
   */
  reportExpiration: Duration.days(30),
  /** Failed async invocations wait here for inspection; 14 days is SQS's maximum. */
  failureQueueRetention: Duration.days(14),
  /** The callback is hit once per re-authorization; anything above this is noise or abuse. */
  callbackThrottle: { burstLimit: 10, rateLimit: 5 },
  /** Alarm once the MAL authorization has been broken for this long (the mailer reminds the user meanwhile). */
  reauthAlarmHours: 72,
  /** Consecutive failing sync periods before the worker-errors alarm fires (one blip is not news). */
  workerErrorEvaluationPeriods: 2,
  /**
   * Failed invocations parked in the failure queue before its alarm fires: the same "one blip is not
   * news" rule (each failed sync run lands there, and stays until the queue is purged).
   */
  failedInvocationsBeforeAlarm: 2,
  /** Waiting period before the alarm topic's KMS key is deleted with the stack (7 days is the minimum). */
  alarmKeyPendingWindow: Duration.days(7),
  sesIdentity: 'create' as const,
  /**
   * The AWS Parameters and Secrets Lambda Extension, which functions with a secret parameter read it
   * through (shared/aws/parameters.ts): the newest version aws-cdk-lib knows. Its Parameter Store
   * calls give up before the function stops waiting for its answer (PARAMETER_READ_TIMEOUT_MS, 5 s),
   * so a slow SSM ends as an error answer that names the cause. Warnings only: the function reports
   * failed reads itself, and the extension's info lines would repeat at every cold start.
   */
  parametersExtension: {
    version: ParamsAndSecretsVersions.V1_0_103,
    parameterStoreTimeout: Duration.seconds(4),
    logLevel: ParamsAndSecretsLogLevel.WARN,
  },
} as const;

/**
 * Values in the committed cdk.json: valid, so `cdk synth` works out of the box, but obviously not
 * anyone's real settings. `scripts/deploy.ts` refuses to deploy while any of them is still in use.
 */
export const PLACEHOLDERS = {
  anilistUsername: 'your-anilist-name',
  'mal.clientId': 'your-mal-client-id',
  'trakt.clientId': 'your-trakt-client-id',
  notifyEmail: 'you@example.com',
  senderEmail: 'you@example.com',
} as const;

/** RFC 2606 reserved domains: an address there can never receive mail, so it is always a placeholder. */
export const RESERVED_EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;

/** Namespace of the custom CloudWatch metrics this stack emits from log metric filters. */
export const METRIC_NAMESPACE = 'AnilistMalMirror';

/**
 * esbuild settings of every function (NodejsFunction `bundling`). Exported so the benchmark builds
 * the very same bundles it measures.
 */
export const LAMBDA_BUNDLING = {
  minify: true,
  // Source maps without embedded sources: stack traces map to file:line, the bundle stays small.
  sourceMap: true,
  sourcesContent: false,
  // Minification would otherwise rename classes, and AppError uses the class name as `err.name`.
  keepNames: true,
  // Bundle AWS SDK v3 instead of using the runtime's copy: pinned versions, and esbuild
  // tree-shakes it, which also shortens cold starts.
  externalModules: [] as string[],
  // Prefer ESM entry points so esbuild can drop unused SDK code.
  mainFields: ['module', 'main'],
  // Lambda's credentials are always in the environment: the SDK's default credential chain is
  // swapped for the environment provider alone (lambdas/lambda-credentials.ts). CDK runs esbuild
  // in the project root, which the relative path is resolved against.
  esbuildArgs: { '--alias': '@aws-sdk/credential-provider-node=./lambdas/lambda-credentials.ts' },
} as const;

/** NODE_OPTIONS every function runs with. */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';
