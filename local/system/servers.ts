import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../shared/clock';
import type { LocalConfig } from '../config';
import { type S3Emulator, type SesEmulator, startS3Emulator, startSesEmulator } from '../emulators';
import { type HttpApiHandler, startHttpApiBridge } from '../http-api-bridge';
import { listeningAs } from '../net/ports';
import { type AniListSandbox, type SandboxEntry, startAniListSandbox } from '../sandbox/anilist';
import { type DatasetServer, startDatasetServer } from '../sandbox/datasets';
import { LOCAL_BUCKET, sandboxStandInKeys, sourceKey } from './env';
import { keepDataPrivate } from './private-data';
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
  /** A sentence for the user (e.g. LOCAL_DATA_DIR made owner-only). */
  readonly onNotice?: ((text: string) => void) | undefined;
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
  const s3 = await startStateStore({
    local,
    env: options.env,
    ...(dataDir ? { dataDir } : {}),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
  });
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

  const sandboxes = await startSandboxServices({ ...options, callbackUrl }, cleanups);
  return { routes, callbackUrl, s3, ses, ...sandboxes };
}

/**
 * The state store the handlers use: s3rver on LOCAL_S3_PORT over `<dataDir>/s3` (default
 * LOCAL_DATA_DIR), with the state bucket. In real mode that port is taken on purpose: two runtimes
 * must not share one state folder, so a second one stops with the line naming LOCAL_S3_PORT.
 * `<dataDir>` is made owner-only first (see keepDataPrivate); `onNotice` (default: stderr) hears
 * when an existing one had to be tightened.
 */
export function startStateStore(options: {
  readonly local: LocalConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dataDir?: string;
  readonly onNotice?: (text: string) => void;
}): Promise<S3Emulator> {
  const { local } = options;
  const host = local.LOCAL_HOST;
  const dataDir = path.resolve(options.dataDir ?? local.LOCAL_DATA_DIR);
  const notice = keepDataPrivate(dataDir);
  if (notice) (options.onNotice ?? console.warn)(notice);
  return listeningAs('LOCAL_S3_PORT', host, local.LOCAL_S3_PORT, () =>
    startS3Emulator({
      bucket: options.env.STATE_BUCKET ?? LOCAL_BUCKET,
      directory: path.join(dataDir, 's3'),
      host,
      port: local.LOCAL_S3_PORT,
    }),
  );
}

export interface SandboxServiceOptions {
  readonly local: LocalConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The redirect URI the sandbox OAuth apps accept (the callback's). */
  readonly callbackUrl: string;
  readonly clock?: Clock | undefined;
  readonly anilistEntries?: readonly SandboxEntry[] | undefined;
}

/** The sandbox AniList, the dataset server and every sandboxed destination's stand-in, started. */
export interface SandboxServices {
  readonly anilist: AniListSandbox;
  readonly datasets: DatasetServer;
  /** By destination key: DESTINATIONS (or every destination that has a stand-in), and the source's (SOURCE=mal). */
  readonly standIns: Readonly<Record<string, StartedStandIn<unknown>>>;
}

/**
 * Starts the sandbox services on their configured ports (SANDBOX_*_PORT), with the fixtures the
 * settings name: the part of the local system that `npm run sandbox` runs alone. `cleanups`
 * receives a close for each, in start order. The dataset server's `/_sandbox/counters` also
 * answers every other sandbox's counters.
 */
export async function startSandboxServices(
  options: SandboxServiceOptions,
  cleanups: (() => Promise<void> | void)[],
): Promise<SandboxServices> {
  const { local } = options;
  const host = local.LOCAL_HOST;
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
  const standIns: Record<string, StartedStandIn<unknown>> = {};
  const datasets = await listeningAs('SANDBOX_DATASETS_PORT', host, local.SANDBOX_DATASETS_PORT, () =>
    startDatasetServer({
      host,
      port: local.SANDBOX_DATASETS_PORT,
      ...(local.SANDBOX_ANIME_IDS_FIXTURE ? { animeIds: local.SANDBOX_ANIME_IDS_FIXTURE } : {}),
      moreCounters: () => ({
        anilist: anilist.counters,
        ...Object.fromEntries(Object.entries(standIns).map(([key, standIn]) => [key, standIn.counters()])),
      }),
    }),
  );
  cleanups.push(() => datasets.close());
  const source = sourceKey(options.env);
  for (const key of sandboxStandInKeys(options.env)) {
    const standIn = SANDBOX_STAND_INS[key];
    if (!standIn) continue;
    const started = await standIn.start({
      host,
      local,
      env: options.env,
      callbackUrl: options.callbackUrl,
      anilistEntries: anilist.store.entries(),
      asSource: key === source,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    cleanups.push(() => started.close());
    standIns[key] = started;
  }
  return { anilist, datasets, standIns };
}
