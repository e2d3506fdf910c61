/**
 * The sync process of one benchmark case. `bench/run.ts` bundles this file with the Lambda esbuild
 * settings and runs it with plain `node` in a fresh process, so the figures below are those of the
 * sync worker alone: the sandboxes and s3rver run in the parent process.
 *
 * It wires the handler exactly like the deployed sync worker (config from the environment,
 * `createAwsPlatform` with a real S3 client reaching s3rver through AWS_ENDPOINT_URL_S3), except
 * for EventBridge, which is a no-op here. It runs one invocation and replies over IPC.
 */
import type { Context } from 'aws-lambda';
import { createAwsPlatform } from '../lambdas/runtime';
import { buildSyncWorkerDeps, makeSyncHandler, type SyncWorkerResult } from '../lambdas/sync-worker/handler';
import { loadWorkerConfig } from '../shared/destinations';
import type { EventPublisher } from '../shared/events';
import type { WorkerReply, WorkerRequest } from './protocol';
import { peakRssBytes } from './rss';

const noEvents: EventPublisher = {
  async publishReauthRequired() {},
  async publishAuthorizationCompleted() {},
};

function cpuMs(usage: NodeJS.CpuUsage): { user: number; system: number } {
  return { user: usage.user / 1000, system: usage.system / 1000 };
}

async function runOnce(request: WorkerRequest): Promise<WorkerReply> {
  const initStarted = process.hrtime.bigint();
  const config = loadWorkerConfig(process.env);
  const platform = createAwsPlatform(config.base, { events: noEvents });
  const run = makeSyncHandler(await buildSyncWorkerDeps(config, platform));
  const initMs = Number(process.hrtime.bigint() - initStarted) / 1e6;
  // Bundle loaded, clients built: what every invocation of this process starts from.
  const startRssBytes = peakRssBytes();

  platform.counters.reset();
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const startedMs = Date.now();
  const context: Pick<Context, 'getRemainingTimeInMillis'> = {
    getRemainingTimeInMillis: () => request.budgetMs - (Date.now() - startedMs),
  };
  const result: SyncWorkerResult = await run(request.event, context);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = cpuMs(process.cpuUsage(cpuBefore));
  return {
    ok: true,
    result,
    counters: platform.counters.snapshot(),
    initMs,
    wallMs,
    cpuMs: cpu,
    processCpuMs: cpuMs(process.cpuUsage()),
    maxRssBytes: peakRssBytes(),
    startRssBytes,
    heapUsedBytes: process.memoryUsage().heapUsed,
    node: process.version,
  };
}

function reply(message: WorkerReply): void {
  if (!process.send) {
    console.log(JSON.stringify(message));
    process.exit(message.ok ? 0 : 1);
  }
  process.send(message, () => {
    process.disconnect?.();
    // Keep-alive sockets of the HTTP clients would hold the process open for a while.
    process.exit(message.ok ? 0 : 1);
  });
}

process.once('message', (request: WorkerRequest) => {
  runOnce(request).then(reply, (err: unknown) => {
    reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
});
