import { DESTINATION_MODULES, loadCallbackConfig, loadMailerConfig, loadWorkerConfig } from '../../shared/destinations';
import { ConfigError } from '../../shared/errors';
import { checkExposure, defaultCallbackUrl, describeMode, type LocalConfig, LocalConfigError } from '../config';
import { SANDBOX_STAND_INS } from './sandboxes';

export const LOCAL_BUCKET = 'anilist-mal-mirror-local';

export interface EnvOptions {
  readonly local: LocalConfig;
  /** Configuration as environment variables (the same keys the Lambdas read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly sandbox: boolean;
}

/** What the running servers contribute to the handlers' environment. */
export interface EnvWiring {
  readonly callbackUrl: string;
  readonly bucket: string;
  /** Sandbox mode: the sandbox AniList, and each sandboxed destination's settings. */
  readonly sandbox?: {
    readonly anilistUrl: string;
    readonly anilistUser: string;
    readonly destinations: Readonly<Record<string, string | undefined>>;
    /** The dataset server's URLs (anime ids, Trakt's fallback). */
    readonly datasets?: { readonly animeIds: string; readonly fallbackTv: string; readonly fallbackMovies: string };
  };
}

/** The environment the three handlers read, from the user's settings and the local wiring. */
export function handlerEnv(options: EnvOptions, wiring: EnvWiring): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    NOTIFY_EMAIL: 'you@example.com',
    SENDER_EMAIL: 'mirror@example.com',
    ...options.env,
    CALLBACK_URL: wiring.callbackUrl,
    STATE_BUCKET: wiring.bucket,
  };
  if (wiring.sandbox) {
    Object.assign(env, {
      DESTINATIONS: sandboxDestinationKeys(options.env).join(','),
      // SOURCE is the user's: with SOURCE=mal the list is read from the sandbox MyAnimeList.
      ANILIST_URL: wiring.sandbox.anilistUrl,
      // The sandbox serves exactly one user: the fixture's. An ANILIST_TOKEN set in sandbox mode
      // (any value) is that user's token there, so private entries, MIRROR_PRIVATE and PRUNE can be tried.
      ANILIST_USERNAME: wiring.sandbox.anilistUser,
      ANILIST_REQUESTS_PER_MINUTE: options.env.ANILIST_REQUESTS_PER_MINUTE ?? '0',
      ...(wiring.sandbox.datasets
        ? {
            ANIME_IDS_URL: wiring.sandbox.datasets.animeIds,
            TRAKT_FALLBACK_TV_URL: wiring.sandbox.datasets.fallbackTv,
            TRAKT_FALLBACK_MOVIES_URL: wiring.sandbox.datasets.fallbackMovies,
          }
        : {}),
      ...wiring.sandbox.destinations,
    });
  } else if (!options.env.DESTINATIONS?.trim()) {
    const configured = configuredDestinationKeys(options.env);
    if (configured.length > 0) env.DESTINATIONS = configured.join(',');
  }
  return env;
}

/**
 * Real mode without DESTINATIONS mirrors to every destination whose app is configured
 * (MAL_CLIENT_ID, TRAKT_CLIENT_ID), the source excepted: setting up Trakt alone must not make the
 * default destination, MAL, ask for its own client id.
 */
export function configuredDestinationKeys(env: Readonly<Record<string, string | undefined>>): string[] {
  const source = sourceKey(env);
  return Object.values(DESTINATION_MODULES)
    .filter((m) => m.key !== source && Boolean(env[m.credentialSetting]?.trim()))
    .map((m) => m.key);
}

/** Where the list is read from (SOURCE, default anilist), as the handlers will read the setting. */
export function sourceKey(env: Readonly<Record<string, string | undefined>>): string {
  return env.SOURCE?.trim() || 'anilist';
}

/**
 * The destinations a sandbox run mirrors to: DESTINATIONS when set, otherwise every one with a
 * sandbox except the source (SOURCE=mal: MyAnimeList is read, not written).
 */
export function sandboxDestinationKeys(env: Readonly<Record<string, string | undefined>>): string[] {
  const chosen = env.DESTINATIONS?.split(',')
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);
  if (chosen && chosen.length > 0) return chosen;
  const source = sourceKey(env);
  return Object.keys(SANDBOX_STAND_INS).filter((key) => key !== source);
}

/** The stand-ins a sandbox run starts (in SANDBOX_STAND_INS order): its destinations', and the source's when it has one (SOURCE=mal). */
export function sandboxStandInKeys(env: Readonly<Record<string, string | undefined>>): string[] {
  const wanted = new Set([...sandboxDestinationKeys(env), sourceKey(env)]);
  return Object.keys(SANDBOX_STAND_INS).filter((key) => wanted.has(key));
}

/**
 * Validates everything the handlers will read before any server starts or any folder is created,
 * with stand-ins for what only exists once the servers run (their URLs). Every bad key of the
 * three handlers is named at once; in real mode the error also says why real mode was chosen.
 */
export function checkLocalSystemConfig(options: EnvOptions): void {
  const { local } = options;
  checkExposure(local, options.sandbox);
  const placeholder = 'http://127.0.0.1/';
  const destinations = Object.assign(
    {},
    ...sandboxStandInKeys(options.env).map((key) => SANDBOX_STAND_INS[key]?.envFor(placeholder, options.env)),
  ) as Record<string, string | undefined>;
  const env = handlerEnv(options, {
    callbackUrl: defaultCallbackUrl(local),
    bucket: options.env.STATE_BUCKET ?? LOCAL_BUCKET,
    ...(options.sandbox ? { sandbox: { anilistUrl: placeholder, anilistUser: 'sandbox', destinations } } : {}),
  });
  const issues = new Set<string>();
  for (const load of [loadWorkerConfig, loadMailerConfig, loadCallbackConfig]) {
    try {
      load(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const issue of err.issues) issues.add(issue);
    }
  }
  if (issues.size === 0) return;
  const note = options.sandbox
    ? sandboxNote(options.env, env.DESTINATIONS)
    : `Real mode, because ${describeMode(local, options.env)}: these settings are needed to sync your real ` +
      'accounts (see .env.example). To run the offline sandbox instead, set SANDBOX=true.';
  throw new LocalConfigError([...issues], note);
}

/**
 * The way out of a sandbox configuration error the user can fix in one setting: a MAL source that
 * DESTINATIONS also names as a destination.
 */
function sandboxNote(
  env: Readonly<Record<string, string | undefined>>,
  destinations: string | undefined,
): string | undefined {
  if (sourceKey(env) !== 'mal' || !destinations?.split(',').includes('mal')) return undefined;
  const others = Object.keys(SANDBOX_STAND_INS).filter((key) => key !== 'mal');
  return (
    `With SOURCE=mal the sandbox MyAnimeList is the list that is read: set DESTINATIONS=${others.join(',')}, ` +
    `or leave DESTINATIONS unset (sandbox mode then mirrors to ${others.map((key) => SANDBOX_STAND_INS[key]?.label ?? key).join(' and ')}).`
  );
}
