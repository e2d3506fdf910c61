import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { type Clock, systemClock } from '../../shared/clock';
import { loadConfig, storageConfigShape } from '../../shared/config';
import { TRAKT_CLIENT_SECRET } from '../../shared/destinations/trakt/auth';
import { type TraktCallbackConfig, traktCallbackSchema } from '../../shared/destinations/trakt/config';
import { createTraktAuth } from '../../shared/destinations/trakt/oauth';
import { ConfigError } from '../../shared/errors';
import { S3Store } from '../../shared/store/s3-store';
import {
  checkExposure,
  defaultCallbackUrl,
  describeMode,
  type LocalConfig,
  LocalConfigError,
  urlHost,
} from '../config';
import { SANDBOX_STAND_INS, SANDBOX_TRAKT_CLIENT_ID, type StartedStandIn } from '../system/sandboxes';
import { startStateStore } from '../system/servers';
import type { DeviceLoginDeps, DeviceLoginProvider } from './device-login';

/**
 * Where `npm run authorize -- trakt` logs in and stores the tokens, by mode.
 *
 * - Real mode: the real Trakt (TRAKT_CLIENT_ID, TRAKT_CLIENT_SECRET, TRAKT_AUTH_URL…), and the state
 *   store `npm start` uses: s3rver on LOCAL_S3_PORT over LOCAL_DATA_DIR. That port is taken on
 *   purpose while `npm start` runs, as for `npm run sync`: two runtimes must not share one folder.
 * - Sandbox mode: the sandbox Trakt of a running `npm run sandbox` or `npm start` when one answers
 *   on SANDBOX_TRAKT_PORT (so the activation page is the one already open in the browser),
 *   otherwise one of its own on free ports. The tokens go to a throwaway state store, as for
 *   `npm run sync` in sandbox mode: sandbox state never outlives its run.
 */

/** The destinations that have a device flow (the others are authorized from the emailed link). */
export const DEVICE_LOGIN_DESTINATIONS: readonly string[] = ['trakt'];

export interface LoginSetup {
  readonly mode: 'real' | 'sandbox';
  /** Sandbox mode: whose sandbox Trakt this is. */
  readonly sandbox?: {
    readonly source: 'running' | 'own';
    readonly apiUrl: string;
    readonly authUrl: string;
    /** The sandbox this command started (`own`). */
    readonly started?: StartedStandIn<unknown>;
  };
  /** The settings the login used (TRAKT_CLIENT_ID, TRAKT_AUTH_URL…), never shown with the secret. */
  readonly deps: Pick<
    DeviceLoginDeps,
    'provider' | 'store' | 'expectedUser' | 'credentialsHint' | 'authHost' | 'storeName'
  >;
  close(): Promise<void>;
}

export interface LoginSetupOptions {
  readonly local: LocalConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sandbox: boolean;
  readonly clock?: Clock;
  /** The state store's folder in real mode (default LOCAL_DATA_DIR, as `npm start`). */
  readonly dataDir?: string;
  /** How long to wait for a running sandbox Trakt to answer (default 1 s). */
  readonly probeTimeoutMs?: number;
}

/** Prepares the Trakt login for the mode: its provider, its store, what its messages name. */
export async function prepareTraktLogin(options: LoginSetupOptions): Promise<LoginSetup> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  const clock = options.clock ?? systemClock;
  try {
    if (!options.sandbox) {
      checkExposure(options.local, false);
      const settings = realSettings(options);
      const s3 = await startStateStore({
        local: options.local,
        env: options.env,
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      });
      cleanups.push(() => s3.close());
      const folder = path.resolve(options.dataDir ?? options.local.LOCAL_DATA_DIR);
      return {
        mode: 'real',
        deps: {
          provider: traktProvider(settings, options.env, clock),
          store: new S3Store({ client: s3.client, bucket: s3.bucket }),
          ...(settings.TRAKT_USERNAME
            ? { expectedUser: { name: settings.TRAKT_USERNAME, setting: 'TRAKT_USERNAME' } }
            : {}),
          credentialsHint:
            'Check TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET in .env against your app at https://trakt.tv/oauth/applications.',
          authHost: settings.TRAKT_AUTH_URL,
          storeName: `the local state store in ${folder} (the one \`npm start\` uses)`,
        },
        close,
      };
    }

    const trakt = await sandboxTrakt(options, cleanups);
    const settings = loadConfig(traktCallbackSchema, { ...options.env, ...trakt.env, TRAKT_USERNAME: undefined });
    // A throwaway store on a free port: beside `npm start`, and gone at exit like every sandbox state.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mirror-authorize-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const s3 = await startStateStore({
      local: { ...options.local, LOCAL_S3_PORT: 0 },
      env: options.env,
      dataDir: dir,
    });
    cleanups.push(() => s3.close());
    return {
      mode: 'sandbox',
      sandbox: {
        source: trakt.started ? 'own' : 'running',
        apiUrl: settings.TRAKT_API_URL,
        authUrl: settings.TRAKT_AUTH_URL,
        ...(trakt.started ? { started: trakt.started } : {}),
      },
      deps: {
        provider: traktProvider(settings, options.env, clock),
        store: new S3Store({ client: s3.client, bucket: s3.bucket }),
        credentialsHint: `The sandbox Trakt knows the app ${SANDBOX_TRAKT_CLIENT_ID} only: is it a sandbox of this project?`,
        authHost: settings.TRAKT_AUTH_URL,
        storeName: 'a throwaway sandbox state store',
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

type TraktSettings = TraktCallbackConfig;

const httpTimeoutSchema = z.object({ HTTP_TIMEOUT_MS: storageConfigShape.HTTP_TIMEOUT_MS });

/** Real mode's Trakt settings; a missing one says why real mode and how to use the sandbox instead. */
function realSettings(options: LoginSetupOptions): TraktSettings {
  const issues: string[] = [];
  if (!options.env[TRAKT_CLIENT_SECRET.value]?.trim() && options.env[TRAKT_CLIENT_SECRET.parameter]?.trim()) {
    issues.push(
      `${TRAKT_CLIENT_SECRET.value} is required locally: ${TRAKT_CLIENT_SECRET.parameter} names an SSM parameter, which only AWS reads`,
    );
  }
  try {
    const settings = loadConfig(traktCallbackSchema, { ...options.env });
    if (issues.length === 0) return settings;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  throw new LocalConfigError(
    issues,
    `Real mode, because ${describeMode(options.local, options.env)}: connecting your real Trakt account needs ` +
      'TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET (see .env.example). To try the flow against the sandbox, set SANDBOX=true.',
  );
}

function traktProvider(
  settings: TraktSettings,
  env: Readonly<Record<string, string | undefined>>,
  clock: Clock,
): DeviceLoginProvider {
  // The same bounds as the Lambdas' (a huge value would make every request time out at once).
  const timeoutMs = loadConfig(httpTimeoutSchema, { ...env }).HTTP_TIMEOUT_MS;
  return createTraktAuth({
    fetch,
    timeoutMs,
    clock,
    authUrl: settings.TRAKT_AUTH_URL,
    apiUrl: settings.TRAKT_API_URL,
    clientId: settings.TRAKT_CLIENT_ID,
    refreshTokenLifetimeDays: settings.TRAKT_REFRESH_TOKEN_LIFETIME_DAYS,
    ...(settings.TRAKT_CLIENT_SECRET ? { clientSecret: settings.TRAKT_CLIENT_SECRET } : {}),
  });
}

/**
 * The sandbox Trakt to log in to: the one answering on SANDBOX_TRAKT_PORT (its auth host on the
 * next port), or a new one on free ports.
 */
async function sandboxTrakt(
  options: LoginSetupOptions,
  cleanups: (() => Promise<void> | void)[],
): Promise<{ env: Record<string, string | undefined>; started?: StartedStandIn<unknown> }> {
  const standIn = SANDBOX_STAND_INS.trakt;
  if (!standIn) throw new Error('this build has no Trakt sandbox');
  const { local } = options;
  const port = local.SANDBOX_TRAKT_PORT;
  const host = urlHost(local.LOCAL_HOST);
  if (port !== 0) {
    const apiUrl = `http://${host}:${port}`;
    if (await isTraktSandbox(apiUrl, options.probeTimeoutMs ?? 1_000)) {
      return { env: { ...standIn.envFor(apiUrl, options.env), TRAKT_AUTH_URL: `http://${host}:${port + 1}` } };
    }
  }
  const started = await standIn.start({
    host: local.LOCAL_HOST,
    local: { ...local, SANDBOX_TRAKT_PORT: 0 },
    env: options.env,
    callbackUrl: defaultCallbackUrl(local),
    anilistEntries: [],
    ...(options.clock ? { clock: options.clock } : {}),
  });
  cleanups.push(() => started.close());
  return { env: started.env, started };
}

/** Whether a sandbox Trakt (its API host) answers at `apiUrl`: its counters name both hosts. */
export async function isTraktSandbox(apiUrl: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${apiUrl}/_sandbox/counters`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) return false;
    const body = (await res.json()) as { api?: unknown; auth?: unknown };
    return typeof body.api === 'number' && typeof body.auth === 'number';
  } catch {
    return false;
  }
}
