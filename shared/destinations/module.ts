import type * as z from 'zod/mini';
import type { CallbackDestination } from '../auth/callback';
import type { MailerDestination } from '../auth/mailer';
import type { AuthProvider } from '../auth/provider';
import type { RunTokens } from '../auth/tokens';
import type { Clock } from '../clock';
import type { SyncBaseConfig } from '../config';
import type { AttemptInfo, DeadlineSource } from '../http/policy';
import type { Logger } from '../log';
import type { ObjectStore } from '../store/store';
import type { DestinationRuntime } from '../sync/engine';
import type { SourceReader } from '../sync/source';
import type { DatasetRequest, IdDatasets } from './datasets';

/**
 * What the mailer and the callback need from one destination: its settings for them, its secrets,
 * and its OAuth. Kept apart from the worker's side so their bundles carry no sync code.
 */
export interface AuthModule<Mailer = unknown, Callback = unknown> {
  readonly key: string;
  readonly label: string;
  /** The setting that holds the app's client id: set means a real account is configured (local mode choice). */
  readonly credentialSetting: string;
  readonly config: {
    readonly mailer: z.ZodMiniType<Mailer>;
    readonly callback: z.ZodMiniType<Callback>;
  };
  /** Secret settings: a plain value (local runs) or the name of an SSM parameter holding it (AWS). */
  readonly secrets: readonly SecretSetting[];
  mailer(config: Mailer, context: TransportContext): MailerDestination;
  callback(config: Callback, context: TransportContext & SecretContext): Promise<CallbackDestination>;
}

/**
 * Everything the system needs from one destination: its auth side, plus the worker's settings and
 * how to build its sync destination. Adding a destination means one folder that exports one of
 * these (and its `AuthModule`), and one line in each registry (`./index.ts`, `./auth.ts`).
 */
export interface DestinationModule<Worker = unknown, Mailer = unknown, Callback = unknown>
  extends AuthModule<Mailer, Callback> {
  readonly workerConfig: z.ZodMiniType<Worker>;
  /** The setting that switches prune on (`PRUNE`, `TRAKT_PRUNE`). */
  readonly pruneSetting: string;
  /** Whether prune is switched on (cross-checked: prune needs the AniList token). */
  pruneEnabled(config: Worker): boolean;
  /** The worker's side, built once per cold start. */
  worker(config: Worker, context: WorkerContext): Promise<WorkerWiring>;
  /** For a destination whose list can also be the source (SOURCE=mal): that list, read. */
  source?(config: Worker, context: WorkerContext): Promise<SourceReader>;
}

export interface SecretSetting {
  /** The env key holding the value itself (local runs, `.env`). */
  readonly value: string;
  /** The env key naming the SSM SecureString that holds it (AWS). */
  readonly parameter: string;
  /** Which functions read it. */
  readonly functions: readonly ('worker' | 'callback')[];
}

/** How a destination's HTTP clients send, shared by all clients of one function. */
export interface TransportContext {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** The current invocation's deadline: no request, retry or wait outlives it. */
  readonly deadline?: DeadlineSource;
  readonly onAttempt?: (info: AttemptInfo) => void;
  readonly logger: Logger;
}

export interface SecretContext {
  /** The secret's value from plain config or from SSM; undefined when neither is set. */
  readonly readSecret: (setting: SecretSetting, env: Readonly<Record<string, unknown>>) => Promise<string | undefined>;
}

export interface WorkerContext extends TransportContext, SecretContext {
  readonly store: ObjectStore;
  readonly base: SyncBaseConfig;
  /** Retry tuning from HTTP_MAX_ATTEMPTS / HTTP_RETRY_BASE_DELAY_MS. */
  readonly retryTuning: { readonly maxAttempts: number; readonly baseDelayMs: number };
  /** The id datasets (anime ids, and the Trakt fallback when asked), loaded on first use and cached. */
  readonly datasets: (request?: DatasetRequest) => Promise<IdDatasets>;
  /** This run's token provider per destination (`tokens.for(auth)`), shared by all its clients. */
  readonly tokens: RunTokens;
}

export interface WorkerWiring {
  readonly auth: AuthProvider;
  /** The destination for one run (fresh token provider, lazy clients). */
  runtime(): DestinationRuntime;
}
