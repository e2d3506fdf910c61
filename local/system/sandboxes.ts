import type { TokenSet } from '../../shared/auth/provider';
import type { Clock } from '../../shared/clock';
import type { LocalConfig, PortKey } from '../config';
import { listeningAs } from '../net/ports';
import type { SandboxEntry } from '../sandbox/anilist';
import { type MalSandbox, startMalSandbox } from '../sandbox/mal/server';
import { startTraktSandbox, type TraktSandbox } from '../sandbox/trakt';

export const SANDBOX_MAL_CLIENT_ID = 'sandbox-mal-client';

/** What every destination's stand-in is started with. */
export interface StandInContext {
  readonly host: string;
  readonly local: LocalConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly callbackUrl: string;
  /** The sandbox AniList's entries: the same anime exist on every sandbox, as on the real sites. */
  readonly anilistEntries: readonly SandboxEntry[];
  readonly clock?: Clock;
}

export interface StartedStandIn<Handle> {
  readonly handle: Handle;
  /** Tokens as if the sandbox user had just approved (`npm run sync` in sandbox mode, benchmarks). */
  issueTokens(): { readonly tokens: TokenSet; readonly user: string };
  /** Where a person opens it (banner). */
  readonly url: string;
  /** The handler settings that point at it. */
  readonly env: Record<string, string | undefined>;
  close(): Promise<void>;
}

/** A destination's offline stand-in: how to start it, and the settings that point the handlers at it. */
export interface StandIn<Handle> {
  readonly label: string;
  readonly portSetting: PortKey;
  /** The handler settings for a stand-in listening at `url` (also used, with a placeholder, to validate config early). */
  envFor(url: string, env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined>;
  start(context: StandInContext): Promise<StartedStandIn<Handle>>;
}

const malStandIn: StandIn<MalSandbox> = {
  label: 'MyAnimeList',
  portSetting: 'SANDBOX_MAL_PORT',
  envFor: (url, env) => ({
    MAL_CLIENT_ID: SANDBOX_MAL_CLIENT_ID,
    MAL_CLIENT_SECRET: undefined,
    MAL_API_URL: `${url.replace(/\/$/, '')}/v2`,
    MAL_OAUTH_URL: `${url.replace(/\/$/, '')}/v1/oauth2`,
    MAL_REQUESTS_PER_MINUTE: env.MAL_REQUESTS_PER_MINUTE ?? '0',
  }),
  async start(context) {
    const sandbox = await listeningAs('SANDBOX_MAL_PORT', context.host, context.local.SANDBOX_MAL_PORT, () =>
      startMalSandbox({
        host: context.host,
        port: context.local.SANDBOX_MAL_PORT,
        clientId: SANDBOX_MAL_CLIENT_ID,
        redirectUris: [context.callbackUrl],
        appName: 'AniList → MAL mirror (local)',
        // The same anime exist on both sandboxes, as on the real sites: MAL shows them by title.
        anime: malCatalogueFrom(context.anilistEntries),
        ...(context.local.SANDBOX_MAL_FIXTURE ? { fixture: context.local.SANDBOX_MAL_FIXTURE } : {}),
        ...(context.clock ? { clock: context.clock } : {}),
      }),
    );
    return {
      handle: sandbox,
      issueTokens: () => ({ tokens: sandbox.state.issueTokensDirectly(), user: sandbox.state.user.name }),
      url: sandbox.url,
      env: {
        ...malStandIn.envFor(sandbox.url, context.env),
        // Built by the sandbox itself rather than from a placeholder: it knows its own API paths.
        MAL_API_URL: sandbox.apiUrl,
        MAL_OAUTH_URL: sandbox.oauthUrl,
      },
      close: () => sandbox.close(),
    };
  },
};

export const SANDBOX_TRAKT_CLIENT_ID = 'sandbox-trakt-client-id';
export const SANDBOX_TRAKT_CLIENT_SECRET = 'sandbox-trakt-client-secret';

/**
 * Trakt's stand-in: the API host on SANDBOX_TRAKT_PORT and its OAuth host (auth.trakt.tv) on the
 * next port. Its rate limits are Trakt's own, so the worker paces its POSTs as against the real
 * one (1 a second); GETs are not paced, the sandbox's 1,000 per 5 minutes being far away.
 */
const traktStandIn: StandIn<TraktSandbox> = {
  label: 'Trakt',
  portSetting: 'SANDBOX_TRAKT_PORT',
  envFor: (url, env) => ({
    TRAKT_CLIENT_ID: SANDBOX_TRAKT_CLIENT_ID,
    TRAKT_CLIENT_SECRET: SANDBOX_TRAKT_CLIENT_SECRET,
    TRAKT_CLIENT_SECRET_PARAMETER: undefined,
    TRAKT_API_URL: url,
    TRAKT_AUTH_URL: url,
    TRAKT_GETS_PER_MINUTE: env.TRAKT_GETS_PER_MINUTE ?? '0',
  }),
  async start(context) {
    const port = context.local.SANDBOX_TRAKT_PORT;
    const sandbox = await listeningAs('SANDBOX_TRAKT_PORT', context.host, port, () =>
      startTraktSandbox({
        host: context.host,
        apiPort: port,
        authPort: port === 0 ? 0 : port + 1,
        clientId: SANDBOX_TRAKT_CLIENT_ID,
        clientSecret: SANDBOX_TRAKT_CLIENT_SECRET,
        redirectUris: [context.callbackUrl, 'urn:ietf:wg:oauth:2.0:oob'],
        appName: 'AniList → Trakt mirror (local)',
        ...(context.local.SANDBOX_TRAKT_FIXTURE ? { fixture: context.local.SANDBOX_TRAKT_FIXTURE } : {}),
        ...(context.clock ? { clock: context.clock } : {}),
      }),
    );
    return {
      handle: sandbox,
      issueTokens: () => ({ tokens: sandbox.state.issueTokensDirectly(), user: sandbox.state.user.username }),
      url: sandbox.apiUrl,
      env: { ...traktStandIn.envFor(sandbox.apiUrl, context.env), TRAKT_AUTH_URL: sandbox.authUrl },
      close: () => sandbox.close(),
    };
  },
};

/** Every destination that has an offline stand-in, by destination key. */
export const SANDBOX_STAND_INS: Readonly<Record<string, StandIn<unknown>>> = {
  mal: malStandIn as StandIn<unknown>,
  trakt: traktStandIn as StandIn<unknown>,
};

function malCatalogueFrom(entries: readonly SandboxEntry[]) {
  const seen = new Map<number, { id: number; title: string; num_episodes: number }>();
  for (const { media } of entries) {
    if (!media?.idMal || seen.has(media.idMal)) continue;
    const title = media.title.romaji ?? media.title.english ?? media.title.native ?? `Anime #${media.idMal}`;
    seen.set(media.idMal, { id: media.idMal, title, num_episodes: media.episodes ?? 0 });
  }
  return [...seen.values()];
}
