import type { Clock } from '../../../shared/clock';
import type { MalUser } from '../../../shared/destinations/mal/types';
import { OAuthServer } from '../kit/oauth';
import type { SandboxAnime } from './catalogue';
import { loadMalFixture } from './fixture';
import { readMangaFixture, type SandboxManga, SandboxMangaStore } from './manga';
import { SandboxStore } from './store';

export interface MalSandboxOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly clientId: string;
  /** Set for a MAL "web" app: the token endpoint then requires it. "Other" apps have none. */
  readonly clientSecret?: string;
  /** Registered redirect URIs; when given, `redirect_uri` must match one exactly. */
  readonly redirectUris?: readonly string[];
  /** Shown on the consent page. */
  readonly appName?: string;
  /** Default 3600 (MAL documents one hour). */
  readonly accessTokenTtlSeconds?: number;
  /** Default 30 days (MAL documents "one month"). */
  readonly refreshTokenTtlSeconds?: number;
  /** What `expires_in` says; default = the access TTL. Real responses have said 2678400 (31 days). */
  readonly expiresInReported?: number;
  /** Authorization codes live this long (default 600 s). */
  readonly codeTtlSeconds?: number;
  readonly user?: MalUser;
  /** The user's existing manga list: a `GET /users/@me/mangalist` body or a path to one. */
  readonly mangaFixture?: string | object;
  /** Manga known by id (titles, chapter and volume counts), for manga written that the fixture does not hold. */
  readonly mangaCatalogue?: readonly SandboxManga[];
  /** The authorizing user's existing list: a `GET /users/@me/animelist` body or a path to one. */
  readonly fixture?: string | object;
  readonly clock?: Clock;
  /** Extra anime known by id (titles, episode counts, nsfw), on top of the built-in few. */
  readonly anime?: readonly SandboxAnime[];
  /**
   * Answer 400 to a Bearer call without `X-MAL-CLIENT-ID` (default false: MAL accepts the Bearer token
   * alone; the header is what identifies calls made without a user). A wrong id is refused either way.
   */
  readonly requireClientIdWithBearer?: boolean;
  /** UNCERTAIN at MAL: whether `list_status` appears when `fields` is absent (default true). */
  readonly listStatusWithoutFields?: boolean;
  /** UNCERTAIN at MAL: page size when `limit` is absent (default 100). */
  readonly defaultLimit?: number;
  /** UNCERTAIN at MAL: whether writes accept `YYYY` / `YYYY-MM` dates (default false: 400 invalid). */
  readonly acceptPartialDates?: boolean;
  /** UNCERTAIN at MAL: `num_watched_episodes` above the anime's known count (default 'accept'). */
  readonly episodeOverflow?: 'accept' | 'clamp' | 'reject';
  /** Writes to an id outside the catalogue: add it as `Anime #<id>` (default) or answer 404. */
  readonly unknownAnime?: 'create' | 'not_found';
}

/** What every part of the MAL sandbox reads: its settings, its list, its OAuth state. */
export interface MalContext {
  readonly options: MalSandboxOptions;
  readonly clock: Clock;
  readonly user: MalUser;
  readonly appName: string;
  readonly store: SandboxStore;
  /** The user's manga list (`/users/@me/mangalist`). */
  readonly manga: SandboxMangaStore;
  readonly oauth: OAuthServer;
  /** The server's origin, known once it listens (paging links are absolute). */
  origin(): string;
}

export function createMalContext(options: MalSandboxOptions, clock: Clock, origin: () => string): MalContext {
  const store = new SandboxStore({ clock, catalogue: options.anime ?? [] });
  store.seed(options.fixture === undefined ? [] : loadMalFixture(options.fixture));
  const manga = new SandboxMangaStore(clock, options.mangaCatalogue);
  if (options.mangaFixture !== undefined) {
    const { body, source } = readMangaFixture(options.mangaFixture);
    manga.seed(body, source);
  }
  const oauth = new OAuthServer({
    clock,
    clients: [{ id: options.clientId, secret: options.clientSecret, redirectUris: options.redirectUris ?? [] }],
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 30 * 24 * 3600,
    ...(options.expiresInReported === undefined ? {} : { expiresInReported: options.expiresInReported }),
    codeTtlSeconds: options.codeTtlSeconds ?? 600,
  });
  return {
    options,
    clock,
    user: options.user ?? { id: 1, name: 'sandbox_user' },
    appName: options.appName ?? 'Sandbox MAL App',
    store,
    manga,
    oauth,
    origin,
  };
}
