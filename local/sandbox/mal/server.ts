import type { TokenSet } from '../../../shared/auth/provider';
import { systemClock } from '../../../shared/clock';
import type { MalListEntry, MalListStatus, MalMangaListEntry, MalUser } from '../../../shared/destinations/mal/types';
import { createFaultQueue, withControlEndpoints } from '../kit/faults';
import { json, startSandboxServer } from '../kit/http';
import type { TokenGrant, TokenInfo } from '../kit/oauth';
import { createMalContext, type MalContext, type MalSandboxOptions } from './context';
import { isMalFaultRoute, type MalFaults } from './faults';
import { nodeOf, projectListStatus } from './fields';
import { loadMalFixture, parseSeed, type SandboxEntrySeed } from './fixture';
import { emptyCounters, type MalSandboxCounters, malHandler, resetCounters } from './routing';

export type { TokenInfo } from '../kit/oauth';
export type { SandboxAnime } from './catalogue';
export { DEFAULT_MAL_CATALOGUE } from './catalogue';
export type { MalSandboxOptions } from './context';
export type { MalFaultRoute, MalFaultSpec, MalFaults } from './faults';
export { loadMalFixture, MalFixtureError, type SandboxEntrySeed, type SandboxListStatus } from './fixture';
export type { MalSandboxCounters } from './routing';

/** A MAL entry as tests hand it to `setList`: only `status` is required in `listStatus`. */
export interface MalListEntryInput {
  readonly animeId: number;
  readonly title?: string;
  readonly listStatus: Partial<MalListStatus> & Pick<MalListStatus, 'status'>;
}

export interface MalAnimeListResponse {
  data: { node: Record<string, unknown>; list_status: Record<string, unknown> }[];
  paging: { next?: string; previous?: string };
}

export interface MalSandboxState {
  readonly user: MalUser;
  /** Entries in list order, with every list_status field. */
  list(): MalListEntry[];
  /** Replaces the list: entries, or a `GET /users/@me/animelist` body. */
  setList(entries: readonly MalListEntryInput[] | object): void;
  getEntry(animeId: number): MalListEntry | undefined;
  tokens(): TokenInfo;
  expireAccessTokens(): void;
  expireRefreshTokens(): void;
  revokeRefreshTokens(): void;
  /** Tokens as if the user had just authorized, for tests that skip the consent page. */
  issueTokensDirectly(): TokenSet;
  /** The whole list in MAL's GET animelist shape with all list_status fields (demo output, backups). */
  listResponse(): MalAnimeListResponse;
  /** The manga list, in list order, with every list_status field. */
  mangaList(): MalMangaListEntry[];
  /** Replaces the manga list with a `GET /users/@me/mangalist` body. */
  setMangaList(body: object): void;
  /** The manga list in MAL's GET mangalist shape with all list_status fields (demo output). */
  mangaListResponse(): { data: unknown[]; paging: object };
}

export interface MalSandbox {
  /** Origin, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  readonly apiUrl: string;
  readonly oauthUrl: string;
  readonly port: number;
  readonly counters: MalSandboxCounters;
  resetCounters(): void;
  close(): Promise<void>;
  readonly state: MalSandboxState;
  /** Also over HTTP: `/_sandbox/faults`, `/_sandbox/counters`. */
  readonly faults: MalFaults;
}

function seedFromInput(ctx: MalContext, input: MalListEntryInput, index: number): SandboxEntrySeed {
  const known = ctx.store.anime(input.animeId);
  return parseSeed(
    {
      node: {
        ...(known ?? {}),
        id: input.animeId,
        title: input.title ?? known?.title ?? `Anime #${input.animeId}`,
        num_episodes: known?.num_episodes ?? 0,
      },
      list_status: input.listStatus,
    },
    `setList entries[${index}]`,
  );
}

function malTokenSet(grant: TokenGrant): TokenSet {
  return {
    accessToken: grant.accessToken,
    refreshToken: grant.refreshToken,
    expiresIn: grant.expiresIn,
    tokenType: 'Bearer',
  };
}

function stateOf(ctx: MalContext): MalSandboxState {
  const { store, oauth } = ctx;
  return {
    user: ctx.user,
    list: () => [...store.entries.values()].map((e) => store.toListEntry(e)),
    setList(entries) {
      store.seed(Array.isArray(entries) ? entries.map((e, i) => seedFromInput(ctx, e, i)) : loadMalFixture(entries));
    },
    getEntry(animeId) {
      const entry = store.entries.get(animeId);
      return entry ? store.toListEntry(entry) : undefined;
    },
    tokens: () => oauth.tokenInfo(),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    expireRefreshTokens: () => oauth.expireRefreshTokens(),
    revokeRefreshTokens: () => oauth.revokeRefreshTokens(),
    issueTokensDirectly: () => malTokenSet(oauth.issueTokens(ctx.options.clientId, 'direct')),
    mangaList: () => ctx.manga.list(),
    setMangaList: (body) => ctx.manga.seed(body),
    mangaListResponse: () => ctx.manga.response(),
    listResponse: () => ({
      data: [...store.entries.values()].map((e) => ({
        node: nodeOf(e.node),
        list_status: projectListStatus(e.listStatus, 'all'),
      })),
      paging: {},
    }),
  };
}

/**
 * A local stand-in for MyAnimeList: OAuth (`/v1/oauth2`), API v2 (`/v2`) and the user's public list
 * page, with MAL's quirks and the kit's faults and control endpoints. See
 * docs/apis.md#mal.
 */
export async function startMalSandbox(options: MalSandboxOptions): Promise<MalSandbox> {
  if (!options.clientId) throw new Error('startMalSandbox: clientId is required');
  let origin = '';
  const ctx = createMalContext(options, options.clock ?? systemClock, () => origin);
  const faults = createFaultQueue(isMalFaultRoute);
  const counters = emptyCounters();
  const server = await startSandboxServer({
    host: options.host,
    port: options.port,
    handle: withControlEndpoints({ faults, counters: () => counters }, malHandler(ctx, faults, counters)),
    crashReply: (err) =>
      json(500, { error: 'internal_server_error', message: `sandbox bug: ${(err as Error).message}` }),
  });
  origin = server.origin;
  return {
    url: origin,
    apiUrl: `${origin}/v2`,
    oauthUrl: `${origin}/v1/oauth2`,
    port: server.port,
    counters,
    resetCounters: () => resetCounters(counters),
    close: () => server.close(),
    state: stateOf(ctx),
    faults,
  };
}
