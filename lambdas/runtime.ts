import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createEventBridgePublisher } from '../shared/aws/eventbridge';
import { createParameterReader } from '../shared/aws/parameters';
import { type Clock, systemClock } from '../shared/clock';
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

/** AWS-backed platform. SDK clients honour AWS_ENDPOINT_URL_* so emulators need no code change. */
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
    events: overrides.events ?? createEventBridgePublisher(new EventBridgeClient({}), config.EVENT_BUS_NAME),
    ses: overrides.ses ?? new SESClient({}),
    readParameter: overrides.readParameter ?? createParameterReader(new SSMClient({})),
    fetch: overrides.fetch ?? globalThis.fetch,
    clock: overrides.clock ?? systemClock,
    logger,
    counters,
  };
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
