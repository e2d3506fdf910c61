import type { Clock } from '../shared/clock';
import { defaultCallbackUrl, type LocalConfig } from './config';
import { SANDBOX_STAND_INS } from './system/sandboxes';
import { type SandboxServices, startSandboxServices } from './system/servers';

/**
 * `npm run sandbox`: the sandbox services alone (AniList, every destination's stand-in, the id
 * datasets) on their configured ports, with no emulators and no handlers, so that any client (a
 * script, another checkout, curl) can be tried against them.
 */

export interface SandboxRuntimeOptions {
  readonly local: LocalConfig;
  /** ANILIST_TOKEN (the sandbox user's token), MAL_REQUESTS_PER_MINUTE… as for `npm start`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
}

export interface SandboxRuntime extends SandboxServices {
  /** The AniList sandbox's GraphQL endpoint (`anilist.url`). */
  readonly anilistUrl: string;
  /** The redirect URI the sandbox OAuth apps accept: the callback `npm start` would use. */
  readonly callbackUrl: string;
  /** The dataset server's `/_sandbox/counters`: every sandbox's counters in one JSON answer. */
  readonly countersUrl: string;
  /** Settings (as in `.env`) that point a client, or the handlers, at these sandboxes. */
  readonly settings: Readonly<Record<string, string>>;
  /** Every address, by service, as `npm run sandbox` prints them. */
  readonly services: readonly SandboxServiceListing[];
  close(): Promise<void>;
}

export interface SandboxServiceListing {
  readonly label: string;
  readonly note?: string;
  readonly links: readonly { readonly name: string; readonly url: string }[];
}

/**
 * Starts every sandbox, whatever DESTINATIONS says (a port clash names its setting, see
 * `listeningAs`). The OAuth apps accept the callback URL `npm start` would use
 * (LOCAL_HOST, LOCAL_CALLBACK_PORT), so a link made for it works against these sandboxes.
 */
export async function startSandboxRuntime(options: SandboxRuntimeOptions): Promise<SandboxRuntime> {
  const { local } = options;
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  const callbackUrl = defaultCallbackUrl(local);
  try {
    // Every stand-in: DESTINATIONS chooses what a sync mirrors to, not which sandboxes exist.
    const env = { ...options.env, DESTINATIONS: undefined };
    const services = await startSandboxServices(
      { local, env, callbackUrl, ...(options.clock ? { clock: options.clock } : {}) },
      cleanups,
    );
    const { anilist, datasets, standIns } = services;
    const anilistUrl = anilist.url;
    const countersUrl = `${datasets.origin}/_sandbox/counters`;
    const settings: Record<string, string> = {
      ANILIST_URL: anilistUrl,
      ANILIST_USERNAME: anilist.store.user.name,
      ANIME_IDS_URL: datasets.urls.animeIds,
      TRAKT_FALLBACK_TV_URL: datasets.urls.fallbackTv,
      TRAKT_FALLBACK_MOVIES_URL: datasets.urls.fallbackMovies,
    };
    for (const standIn of Object.values(standIns)) {
      for (const [key, value] of Object.entries(standIn.env)) if (value !== undefined) settings[key] = value;
    }
    const entries = anilist.store.entries().length;
    const listing: SandboxServiceListing[] = [
      {
        label: 'AniList',
        note: `user "${anilist.store.user.name}", ${entries} ${entries === 1 ? 'entry' : 'entries'}`,
        links: [
          { name: 'GraphQL (POST)', url: anilistUrl },
          { name: 'counters', url: `${anilistUrl}_sandbox/counters` },
        ],
      },
      ...Object.entries(standIns).map(([key, standIn]) => ({
        label: SANDBOX_STAND_INS[key]?.label ?? key,
        ...(standIn.note ? { note: standIn.note } : {}),
        links: standIn.links,
      })),
      {
        label: 'Id datasets',
        links: [
          { name: 'anime ids (anibridge)', url: datasets.urls.animeIds },
          { name: 'Trakt fallback, TV', url: datasets.urls.fallbackTv },
          { name: 'Trakt fallback, movies', url: datasets.urls.fallbackMovies },
          { name: 'all counters (JSON)', url: countersUrl },
        ],
      },
    ];
    return { ...services, anilistUrl, callbackUrl, countersUrl, settings, services: listing, close };
  } catch (err) {
    await close();
    throw err;
  }
}

const RULE = '─'.repeat(72);

/** What `npm run sandbox` prints: every address, the apps' credentials, and how to use them. */
export function describeSandboxRuntime(runtime: SandboxRuntime): string {
  const lines = [RULE, ' Sandbox services only (no emulators, no handlers) · Ctrl+C to stop', RULE];
  for (const service of runtime.services) {
    lines.push(` ${service.label} (sandbox)${service.note ? `   ${service.note}` : ''}`);
    for (const link of service.links) lines.push(`   ${link.name.padEnd(30)} ${link.url}`);
  }
  const clients = Object.entries(runtime.settings).filter(([key]) => /_CLIENT_(ID|SECRET)$/.test(key));
  lines.push(
    '',
    ' OAuth apps the sandboxes know (a sandbox secret, not a real one):',
    ...clients.map(
      ([key, value]) =>
        `   ${key}=${value}${key === 'MAL_CLIENT_ID' && !runtime.settings.MAL_CLIENT_SECRET ? '   (no secret: an app of type "other")' : ''}`,
    ),
    `   Redirect URI accepted: ${runtime.callbackUrl}${
      runtime.standIns.trakt ? ' (Trakt also urn:ietf:wg:oauth:2.0:oob)' : ''
    }`,
    '',
    ' Settings that point a client at these sandboxes (.env syntax):',
    ...Object.entries(runtime.settings)
      .filter(([key]) => !/_CLIENT_(ID|SECRET)$/.test(key))
      .map(([key, value]) => `   ${key}=${value}`),
    '',
    ' Each sandbox also serves GET /_sandbox/counters, and POST / DELETE /_sandbox/faults',
    ' (a fault as JSON, e.g. {"route":"write","kind":503,"times":2}).',
    ...(runtime.standIns.trakt
      ? [' `npm run authorize -- trakt` in sandbox mode uses this Trakt sandbox while it runs.']
      : []),
    RULE,
  );
  return lines.join('\n');
}
