import { systemClock } from '../../../shared/clock';
import { createFaultQueue, withControlEndpoints } from '../kit/faults';
import { type SandboxServer, startSandboxServer } from '../kit/http';
import type { TokenInfo } from '../kit/oauth';
import { createTraktContext, type Origins, type TraktContext } from './context';
import { decideUserCode, type UserCodeOutcome } from './device-routes';
import { isTraktFaultRoute, type TraktFaults } from './faults';
import { parseHistoryItems, parseRatingItems, type TraktHistoryItemInput, type TraktRatingItemInput } from './fixture';
import { historyItem, newestFirst } from './history-read';
import { ACTIVATE_PATH, AUTHORIZE_PATH } from './oauth-common';
import type { TraktSandboxOptions, TraktUser } from './options';
import { ratingItem, sortedRatings } from './ratings-routes';
import { emptyCounters, resetCounters, type TraktHost, type TraktSandboxCounters, traktHandler } from './routing';
import type { ActivityField } from './store';

/** Tokens as a client stores them (`issueTokensDirectly`). */
export interface TraktTokenSet {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresIn: number;
  readonly tokenType: 'bearer';
  /** Epoch seconds. */
  readonly createdAt: number;
}

export interface TraktTokenInfo extends TokenInfo {
  /** Client ids of the apps the user has connected, first connected first. */
  readonly connectedApps: readonly string[];
}

export interface EpisodePlays {
  readonly show: string;
  readonly season: number;
  readonly number: number;
  readonly traktId: number;
  readonly plays: number;
}

/** The sandbox's data and OAuth state, for tests and the demo (nothing here goes over HTTP). */
export interface TraktSandboxState {
  readonly user: TraktUser;
  /** Every play, shaped like `GET /sync/history` items, newest first. */
  history(): Record<string, unknown>[];
  /** Every rating, shaped like `GET /sync/ratings/all` items, most recent first. */
  ratings(): Record<string, unknown>[];
  /** Plays of one episode; `show` is a Trakt id, slug or IMDb id. */
  playsOf(show: string | number, season: number, episode: number): number;
  playsOfMovie(movie: {
    readonly trakt?: number;
    readonly slug?: string;
    readonly tmdb?: number;
    readonly imdb?: string;
  }): number;
  /** Every episode with at least one play. */
  episodePlays(): EpisodePlays[];
  /** Replaces the history with `GET /sync/history`-shaped items (throws `TraktFixtureError`). */
  setHistory(items: readonly TraktHistoryItemInput[]): void;
  /** Replaces the ratings with `GET /sync/ratings`-shaped items (throws `TraktFixtureError`). */
  setRatings(items: readonly TraktRatingItemInput[]): void;
  /** The `GET /sync/last_activities` body. */
  lastActivities(): Record<string, unknown>;
  /** Tokens as if the user had just approved `clientId` (default: the main app). */
  issueTokensDirectly(clientId?: string): TraktTokenSet;
  tokens(): TraktTokenInfo;
  expireAccessTokens(): void;
  expireRefreshTokens(): void;
  revokeRefreshTokens(): void;
  /** Revokes every token of every app (the user disconnected them all). */
  revokeAllTokens(): void;
  /** The refresh tokens alive now answer 400 with an empty body, as pre-migration tokens do. */
  markRefreshTokensPreMigration(): void;
  /** What the user does on the activation page. */
  approveUserCode(userCode: string): UserCodeOutcome;
  denyUserCode(userCode: string): UserCodeOutcome;
  /** Forgets rate-limit windows and penalties. */
  resetRateLimits(): void;
}

export interface TraktSandbox {
  /** Base URL of the API host (stands in for `https://api.trakt.tv`). */
  readonly apiUrl: string;
  /** Base URL of the auth host (stands in for `https://auth.trakt.tv`): OAuth, consent and activation pages. */
  readonly authUrl: string;
  /** `authUrl` + `/oauth/authorize`. */
  readonly authorizeUrl: string;
  /** The device flow's `verification_url`. */
  readonly verificationUrl: string;
  /** `host:port` of the consent page (the auth host). */
  readonly consentHost: string;
  readonly apiPort: number;
  readonly authPort: number;
  readonly counters: TraktSandboxCounters;
  resetCounters(): void;
  /** Also over HTTP on either host: `/_sandbox/faults`, `/_sandbox/counters`. */
  readonly faults: TraktFaults;
  readonly state: TraktSandboxState;
  close(): Promise<void>;
}

function tokenSet(grant: {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  createdAt: number;
}): TraktTokenSet {
  return {
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    expiresIn: grant.expiresIn,
    tokenType: 'bearer',
    createdAt: grant.createdAt,
  };
}

function stateOf(ctx: TraktContext): TraktSandboxState {
  const { store, oauth, apps, catalogue } = ctx;
  const now = () => ctx.clock.now();
  return {
    user: ctx.settings.user,
    history: () => [...store.allPlays()].sort(newestFirst).map((play) => historyItem(ctx, play)),
    ratings: () => sortedRatings(store.ratings()).map(ratingItem),
    playsOf(show, season, episode) {
      const found = catalogue.showByPathId(String(show));
      return store
        .allPlays()
        .filter(
          ({ target }) =>
            target.kind === 'episode' &&
            target.ref.show === found &&
            target.ref.episode.season === season &&
            target.ref.episode.number === episode,
        ).length;
    },
    playsOfMovie(ids) {
      const movie = catalogue.findMovie(ids);
      return store.allPlays().filter(({ target }) => target.kind === 'movie' && target.movie === movie).length;
    },
    episodePlays() {
      const plays = new Map<number, EpisodePlays>();
      for (const { target } of store.allPlays()) {
        if (target.kind !== 'episode') continue;
        const { show, episode } = target.ref;
        const seen = plays.get(episode.ids.trakt);
        plays.set(episode.ids.trakt, {
          show: show.ids.slug,
          season: episode.season,
          number: episode.number,
          traktId: episode.ids.trakt,
          plays: (seen?.plays ?? 0) + 1,
        });
      }
      return [...plays.values()];
    },
    setHistory(items) {
      store.replacePlays(parseHistoryItems(items, catalogue, 'setHistory'), now());
      store.touch(['episodes.watched_at', 'movies.watched_at'], now());
    },
    setRatings(items) {
      store.replaceRatings(parseRatingItems(items, catalogue, 'setRatings'));
      const fields: ActivityField[] = ['movies.rated_at', 'shows.rated_at', 'seasons.rated_at', 'episodes.rated_at'];
      store.touch(fields, now());
    },
    lastActivities: () => store.lastActivities(),
    issueTokensDirectly(clientId = ctx.settings.mainApp.clientId) {
      if (!apps.app(clientId)) throw new Error(`issueTokensDirectly: no app with client id ${clientId}`);
      if (!apps.approve(clientId).ok) throw new Error('issueTokensDirectly: the connected-app limit refuses this app');
      return tokenSet(apps.record(oauth.issueTokens(clientId, 'direct')));
    },
    tokens: () => ({ ...oauth.tokenInfo(), connectedApps: apps.connected() }),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    expireRefreshTokens: () => oauth.expireRefreshTokens(),
    revokeRefreshTokens: () => oauth.revokeRefreshTokens(),
    revokeAllTokens() {
      for (const clientId of apps.connected()) apps.revokeApp(clientId);
    },
    markRefreshTokensPreMigration: () => apps.markPreMigration(),
    approveUserCode: (userCode) => decideUserCode(ctx, userCode, 'approve'),
    denyUserCode: (userCode) => decideUserCode(ctx, userCode, 'deny'),
    resetRateLimits: () => ctx.rateLimiter?.reset(),
  };
}

/**
 * A local stand-in for Trakt: an API host (`apiUrl`, for `https://api.trakt.tv`) and an auth host
 * (`authUrl`, for `https://auth.trakt.tv`) on two ports, with Trakt's required headers, OAuth
 * (S256 PKCE codes with a consent page, rotating refresh tokens, the device flow), rate limits,
 * the sync endpoints the mirror uses, and the kit's faults and `/_sandbox/*` control endpoints.
 */
export async function startTraktSandbox(options: TraktSandboxOptions = {}): Promise<TraktSandbox> {
  const origins: Origins = { api: '', auth: '' };
  const ctx = createTraktContext(options, options.clock ?? systemClock, origins);
  const faults = createFaultQueue(isTraktFaultRoute);
  const counters = emptyCounters();
  const start = (host: TraktHost, port: number | undefined): Promise<SandboxServer> =>
    startSandboxServer({
      host: options.host,
      port,
      handle: withControlEndpoints({ faults, counters: () => counters }, traktHandler(ctx, host, faults, counters)),
    });
  const auth = await start('auth', options.authPort);
  let api: SandboxServer;
  try {
    api = await start('api', options.apiPort);
  } catch (err) {
    await auth.close();
    throw err;
  }
  origins.api = api.origin;
  origins.auth = auth.origin;
  return {
    apiUrl: api.origin,
    authUrl: auth.origin,
    authorizeUrl: `${auth.origin}${AUTHORIZE_PATH}`,
    verificationUrl: `${auth.origin}${ACTIVATE_PATH}`,
    consentHost: new URL(auth.origin).host,
    apiPort: api.port,
    authPort: auth.port,
    counters,
    resetCounters: () => resetCounters(counters),
    faults,
    state: stateOf(ctx),
    close: async () => {
      await Promise.all([api.close(), auth.close()]);
    },
  };
}
