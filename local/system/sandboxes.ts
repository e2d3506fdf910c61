import type { TokenSet } from '../../shared/auth/provider';
import type { Clock } from '../../shared/clock';
import type { LocalConfig, PortKey } from '../config';
import { listeningAs } from '../net/ports';
import type { SandboxEntry } from '../sandbox/anilist';
import { SAMPLE_ANIME_IDS } from '../sandbox/datasets';
import type { SandboxManga } from '../sandbox/mal/manga';
import { type MalSandbox, startMalSandbox } from '../sandbox/mal/server';
import { startTraktSandbox, type TraktSandbox } from '../sandbox/trakt';
import { datasetMalIds, malCatalogueFrom, malListFromAniList } from './mal-seed';

export const SANDBOX_MAL_CLIENT_ID = 'sandbox-mal-client';

/** What every destination's stand-in is started with. */
export interface StandInContext {
  readonly host: string;
  readonly local: LocalConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly callbackUrl: string;
  /** The sandbox AniList's entries: the same anime exist on every sandbox, as on the real sites. */
  readonly anilistEntries: readonly SandboxEntry[];
  /**
   * This stand-in's service is where the list is read from (SOURCE), not (only) a destination: its
   * user's list must then exist before the first sync.
   */
  readonly asSource?: boolean;
  readonly clock?: Clock;
}

/** One address of a stand-in, named for a person (`npm run sandbox` lists them). */
export interface StandInLink {
  readonly name: string;
  readonly url: string;
}

export interface StartedStandIn<Handle> {
  readonly handle: Handle;
  /** Tokens as if the sandbox user had just approved (`npm run sync` in sandbox mode, benchmarks). */
  issueTokens(): { readonly tokens: TokenSet; readonly user: string };
  /** Where a person opens it (banner). */
  readonly url: string;
  /** What its user's list is, in words (banner, `npm run sandbox`), when that matters. */
  readonly note?: string;
  /** Every address a person or a client uses (API, OAuth pages, `/_sandbox/counters`), and the app it knows. */
  readonly links: readonly StandInLink[];
  /** What its `GET /_sandbox/counters` answers. */
  counters(): unknown;
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
    MAL_CLIENT_SECRET_PARAMETER: undefined,
    // The sandbox has one user of its own: a real account name from .env would refuse its tokens.
    MAL_USERNAME: undefined,
    MAL_API_URL: `${url.replace(/\/$/, '')}/v2`,
    MAL_OAUTH_URL: `${url.replace(/\/$/, '')}/v1/oauth2`,
    MAL_REQUESTS_PER_MINUTE: env.MAL_REQUESTS_PER_MINUTE ?? '0',
  }),
  async start(context) {
    const fixture = context.local.SANDBOX_MAL_FIXTURE;
    const mangaFixture = context.local.SANDBOX_MAL_MANGA_FIXTURE;
    // MAL's anime and manga ids are separate id spaces: only the anime make the anime catalogue.
    const animeEntries = context.anilistEntries.filter((e) => e.media?.type !== 'MANGA');
    // As the source, the anime AniList has no MAL id for get the one the id dataset gives, as the
    // MAL mirror that wrote the list did.
    const datasetIds = context.asSource
      ? await datasetMalIds(animeEntries, context.local.SANDBOX_ANIME_IDS_FIXTURE || SAMPLE_ANIME_IDS)
      : undefined;
    // The same anime exist on both sandboxes, as on the real sites: MAL shows them by title.
    const anime = malCatalogueFrom(animeEntries, datasetIds);
    const sandbox = await listeningAs('SANDBOX_MAL_PORT', context.host, context.local.SANDBOX_MAL_PORT, () =>
      startMalSandbox({
        host: context.host,
        port: context.local.SANDBOX_MAL_PORT,
        clientId: SANDBOX_MAL_CLIENT_ID,
        redirectUris: [context.callbackUrl],
        appName: context.asSource ? 'MAL → Trakt mirror (local)' : 'AniList → MAL mirror (local)',
        anime,
        // The user's MAL list: the fixture; as the source without one, what the MAL mirror would
        // have written from the sandbox AniList's list (an empty list would be nothing to read).
        ...(fixture
          ? { fixture }
          : context.asSource
            ? { fixture: malListFromAniList(animeEntries, anime, datasetIds) }
            : {}),
        ...(mangaFixture ? { mangaFixture } : {}),
        mangaCatalogue: mangaCatalogueFrom(context.anilistEntries),
        ...(context.clock ? { clock: context.clock } : {}),
      }),
    );
    const count = sandbox.state.list().length;
    return {
      handle: sandbox,
      issueTokens: () => ({ tokens: sandbox.state.issueTokensDirectly(), user: sandbox.state.user.name }),
      url: sandbox.url,
      ...(context.asSource
        ? {
            note:
              `user "${sandbox.state.user.name}", ${count} ${count === 1 ? 'entry' : 'entries'}` +
              (fixture ? ' from SANDBOX_MAL_FIXTURE' : ', seeded from the sandbox AniList list'),
          }
        : {}),
      links: [
        { name: 'API', url: sandbox.apiUrl },
        { name: 'authorize (consent page)', url: `${sandbox.oauthUrl}/authorize` },
        { name: 'token', url: `${sandbox.oauthUrl}/token` },
        {
          name: `list page of "${sandbox.state.user.name}"`,
          url: `${sandbox.url}/animelist/${sandbox.state.user.name}`,
        },
        { name: 'counters', url: `${sandbox.url}/_sandbox/counters` },
      ],
      counters: () => sandbox.counters,
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
    TRAKT_USERNAME: undefined,
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
      links: [
        { name: 'API', url: sandbox.apiUrl },
        { name: 'auth host', url: sandbox.authUrl },
        { name: 'authorize (consent page)', url: sandbox.authorizeUrl },
        { name: 'device code', url: `${sandbox.authUrl}/oauth/device/code` },
        { name: 'activation page', url: sandbox.verificationUrl },
        { name: 'counters', url: `${sandbox.apiUrl}/_sandbox/counters` },
      ],
      counters: () => sandbox.counters,
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

/** The manga on the sandbox AniList list as MAL knows them (by MAL manga id), so MAL shows their titles. */
function mangaCatalogueFrom(entries: readonly SandboxEntry[]): SandboxManga[] {
  return entries.flatMap((e) =>
    e.media?.type === 'MANGA' && e.media.idMal
      ? [
          {
            id: e.media.idMal,
            title: e.media.title.romaji ?? e.media.title.english ?? `Manga #${e.media.idMal}`,
            num_chapters: e.media.chapters ?? 0,
            num_volumes: e.media.volumes ?? 0,
          },
        ]
      : [],
  );
}
