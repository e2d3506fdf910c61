import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../shared/clock';
import { type LocalConfig, urlHost } from '../config';
import { type S3Emulator, type SesEmulator, startS3Emulator, startSesEmulator } from '../emulators';
import { type HttpApiHandler, startHttpApiBridge } from '../http-api-bridge';
import { listeningAs } from '../net/ports';
import { type AniListSandbox, type SandboxEntry, startAniListSandbox } from '../sandbox/anilist';
import { type DatasetServer, startDatasetServer } from '../sandbox/datasets';
import { LOCAL_BUCKET, sandboxDestinationKeys } from './env';
import { SANDBOX_STAND_INS, type StartedStandIn } from './sandboxes';

export interface ServerOptions {
  readonly local: LocalConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sandbox: boolean;
  readonly dataDir?: string | undefined;
  readonly inboxFile?: string | undefined;
  readonly clock?: Clock | undefined;
  readonly anilistEntries?: readonly SandboxEntry[] | undefined;
  readonly onCallbackError: (err: unknown) => void;
}

/** Everything that listens on a port, with the routes the callback bridge serves. */
export interface Servers {
  readonly routes: Record<string, HttpApiHandler>;
  readonly callbackUrl: string;
  readonly s3: S3Emulator;
  readonly ses: SesEmulator;
  readonly anilist?: AniListSandbox;
  /** Serves the id datasets the worker downloads (sandbox mode). */
  readonly datasets?: DatasetServer;
  /** The sandboxed destinations' stand-ins, by destination key. */
  readonly standIns: Readonly<Record<string, StartedStandIn<unknown>>>;
  readonly anilistUrl?: string;
}

/**
 * Starts the servers of the local system: the callback bridge (API Gateway's stand-in), s3rver, the
 * SES emulator and, in sandbox mode, the AniList sandbox and every sandboxed destination's stand-in.
 * `cleanups` receives a close for each, in start order.
 */
export async function startServers(options: ServerOptions, cleanups: (() => Promise<void> | void)[]): Promise<Servers> {
  const { local } = options;
  const host = local.LOCAL_HOST;
  const routes: Record<string, HttpApiHandler> = {};
  const bridge = await listeningAs('LOCAL_CALLBACK_PORT', host, local.LOCAL_CALLBACK_PORT, () =>
    startHttpApiBridge({ routes, port: local.LOCAL_CALLBACK_PORT, host, onError: options.onCallbackError }),
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
  if (!options.sandbox) return { routes, callbackUrl, s3, ses, standIns: {} };

  const anilist = await listeningAs('SANDBOX_ANILIST_PORT', host, local.SANDBOX_ANILIST_PORT, () =>
    startAniListSandbox({
      host,
      port: local.SANDBOX_ANILIST_PORT,
      ...(local.SANDBOX_ANILIST_FIXTURE ? { fixture: local.SANDBOX_ANILIST_FIXTURE } : {}),
      ...(options.anilistEntries ? { entries: options.anilistEntries } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.env.ANILIST_TOKEN ? { validToken: options.env.ANILIST_TOKEN } : {}),
    }),
  );
  cleanups.push(() => anilist.close());
  const datasets = await startDatasetServer({
    host,
    ...(local.SANDBOX_ANIME_IDS_FIXTURE ? { animeIds: local.SANDBOX_ANIME_IDS_FIXTURE } : {}),
  });
  cleanups.push(() => datasets.close());
  const standIns: Record<string, StartedStandIn<unknown>> = {};
  for (const key of sandboxDestinationKeys(options.env)) {
    const standIn = SANDBOX_STAND_INS[key];
    if (!standIn) continue;
    const started = await standIn.start({
      host,
      local,
      env: options.env,
      callbackUrl,
      anilistEntries: anilist.store.entries(),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    cleanups.push(() => started.close());
    standIns[key] = started;
  }
  return {
    routes,
    callbackUrl,
    s3,
    ses,
    anilist,
    datasets,
    standIns,
    // Built here rather than taken from the sandbox, which does not bracket an IPv6 host.
    anilistUrl: `http://${urlHost(host)}:${anilist.port}/`,
  };
}
