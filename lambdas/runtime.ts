import { S3Client } from '@aws-sdk/client-s3';
import type { SESClient } from '@aws-sdk/client-ses';
import { createExtensionParameterReader, PARAMETER_READ_TIMEOUT_MS, resolveSecret } from '../shared/aws/parameters';
import { type Clock, systemClock } from '../shared/clock';
import type { SecretSetting } from '../shared/destinations/module';
import type { EventPublisher } from '../shared/events';
import { RequestCounters } from '../shared/http/counters';
import { createJsonLogger, type Logger, type LogLevel } from '../shared/log';
import { S3Store } from '../shared/store/s3-store';
import type { ObjectStore } from '../shared/store/store';

/**
 * Everything a handler needs from its surroundings. In AWS these are SDK clients; the local
 * runtime swaps in emulators and an in-process event bus, and runs the very same handlers.
 */
export interface Platform {
  readonly store: ObjectStore;
  readonly events: EventPublisher;
  readonly ses: SESClient;
  readonly readParameter: (name: string) => Promise<string>;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly counters: RequestCounters;
}

export interface PlatformConfig {
  readonly STATE_BUCKET: string;
  readonly EVENT_BUS_NAME: string;
  readonly LOG_LEVEL: LogLevel;
  readonly S3_FORCE_PATH_STYLE: boolean;
}

/**
 * AWS-backed platform. Every function needs the S3 store; the other clients are passed in by the
 * handlers that use them, so that each bundle carries only its own SDK clients. SDK clients honour
 * AWS_ENDPOINT_URL_* so emulators need no code change.
 */
export function createAwsPlatform(config: PlatformConfig, overrides: Partial<Platform> = {}): Platform {
  const counters = overrides.counters ?? new RequestCounters();
  const logger = overrides.logger ?? createJsonLogger({ level: config.LOG_LEVEL });
  return {
    store:
      overrides.store ??
      new S3Store({
        client: new S3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE }),
        bucket: config.STATE_BUCKET,
        onRequest: counters.onStoreRequest,
      }),
    events: overrides.events ?? unavailable('EventBridge'),
    ses: overrides.ses ?? (unavailable('SES') as unknown as SESClient),
    // Secrets come through the Parameters and Secrets extension (a layer the stack adds only to
    // functions with a parameter configured): no SSM client in any bundle.
    readParameter:
      overrides.readParameter ??
      createExtensionParameterReader({
        fetch: overrides.fetch ?? globalThis.fetch,
        env: process.env,
        timeoutMs: PARAMETER_READ_TIMEOUT_MS,
      }),
    fetch: overrides.fetch ?? globalThis.fetch,
    clock: overrides.clock ?? systemClock,
    logger,
    counters,
  };
}

/** A stand-in for a client this function was not given: using it is a wiring bug, said plainly. */
function unavailable(what: string): never & EventPublisher {
  const fail = () => {
    throw new Error(`${what} is not wired into this function`);
  };
  return new Proxy({} as never, { get: () => fail }) as never;
}

/**
 * Builds a handler once per cold start and reuses it on warm invocations. A failed build is not
 * cached, so a transient start-up error (e.g. SSM throttling) does not poison the container.
 */
export function lazyHandler<E, C, R>(build: () => Promise<(event: E, context: C) => Promise<R>>) {
  let ready: Promise<(event: E, context: C) => Promise<R>> | undefined;
  return async (event: E, context: C): Promise<R> => {
    ready ??= build().catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return (await ready)(event, context);
  };
}

/**
 * Reads a destination's secret (its client secret) from the function's environment: the value
 * itself (local runs), or the SSM parameter it names, through the platform's parameter reader.
 */
export function secretReader(readParameter: Platform['readParameter']) {
  return (setting: SecretSetting, env: Readonly<Record<string, unknown>>): Promise<string | undefined> =>
    resolveSecret(stringOf(env[setting.value]), stringOf(env[setting.parameter]), readParameter);
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
