import type { AniListEntry } from '../../../shared/anilist/types';
import { AnimeIdIndex, INDEX_FORMAT } from '../../../shared/anime-ids/anime-id-index';
import { RensetsuIndex, type RensetsuMovie, type RensetsuShow } from '../../../shared/anime-ids/rensetsu';
import { ManualClock } from '../../../shared/clock';
import { TraktCatalog } from '../../../shared/destinations/trakt/catalog';
import type { TraktClient } from '../../../shared/destinations/trakt/client';
import { TraktApiError } from '../../../shared/destinations/trakt/errors';
import type { MappingContext, TraktOverride } from '../../../shared/destinations/trakt/mapping';
import { PLAYS_KEY, TraktPlays } from '../../../shared/destinations/trakt/plays';
import type { TraktRules } from '../../../shared/destinations/trakt/rules';
import type { TraktSearchResult, TraktSeason } from '../../../shared/destinations/trakt/types';
import { MemoryStore } from '../../../shared/store/memory-store';
import { anilistEntry } from '../../support/entries';

/**
 * A small, offline world for the Trakt destination's pure logic: an anibridge index (parsed from its
 * text form), a rensetsu fallback, and a Trakt catalogue served by a fake client. Ids are the real
 * ones where a real title is named (JJK, AoT, One Piece), made up elsewhere.
 */

export const RULES: TraktRules = { unknownDate: 'unknown', progress: false, rewatches: false, mirrorPrivate: false };

/** AniList media of the world (ids as in the dataset). */
export const MEDIA = {
  jjk1: 113415, // Jujutsu Kaisen, 24 eps → TMDB 95479 S1E1–24
  jjk2: 145064, // Jujutsu Kaisen 2nd Season, 23 eps → TMDB 95479 S1E25–47 (continued numbering)
  aot2: 20958, // Attack on Titan Season 2, 12 eps → TMDB 1429 S2E1–12 (a whole season)
  aot3a: 99147, // Attack on Titan S3, 12 eps → TMDB 1429 S3E1–12
  aot3b: 104578, // Attack on Titan S3 Part 2, 10 eps → TMDB 1429 S3E13–22 (split cour)
  aotOva: 20811, // Attack on Titan OVA, 3 eps → TMDB 1429 S0E1–3 (specials)
  onePiece: 21, // One Piece: absolute numbers inside TMDB seasons
  solo: 154587, // a one-season show no other media shares → TMDB 209867 S1E1–28
  movie: 20954, // a movie → TMDB movie 378064
  twoMovies: 30001, // the dataset names two TMDB movies
  tooLong: 30002, // 13 eps mapped, Trakt's season has 12
  halfMapped: 30003, // 12 eps, the dataset maps 1–10
  spread: 30004, // 24 eps over two TMDB shows
  tvdbOnly: 30005, // in the dataset, with nothing kept (TVDB only)
} as const;

/** Trakt ids of the world's shows and movies. */
export const TRAKT = {
  jjk: 1001,
  aot: 1002,
  onePiece: 1003,
  solo: 1004,
  fallbackShow: 1005,
  shortShow: 1006,
  movie: 2001,
  fallbackMovie: 2005,
  overrideMovie: 2009,
} as const;

const ANILIST_LINES: Record<number, string> = {
  [MEDIA.onePiece]: '21\t21\t37854:1:1-61=1-61;37854:2:62-77=62-77;37854:3:78-=78-\t',
  [MEDIA.aotOva]: '20811\t\t1429:0:1-3=1-3\t',
  [MEDIA.aot2]: '20958\t25777\t1429:2:1-12=1-12\t',
  [MEDIA.movie]: '20954\t28851\t\t378064',
  [MEDIA.twoMovies]: '30001\t\t\t111,222',
  [MEDIA.tooLong]: '30002\t\t7000:1:1-13=1-13\t',
  [MEDIA.halfMapped]: '30003\t\t7001:1:1-10=1-10\t',
  [MEDIA.spread]: '30004\t\t7002:1:1-12=1-12;7003:1:13-24=1-12\t',
  [MEDIA.tvdbOnly]: '30005\t\t\t',
  [MEDIA.aot3a]: '99147\t35760\t1429:3:1-12=1-12\t',
  [MEDIA.aot3b]: '104578\t38524\t1429:3:1-10=13-22\t',
  [MEDIA.jjk1]: '113415\t40748\t95479:1:1-24=1-24\t',
  [MEDIA.jjk2]: '145064\t51009\t95479:1:1-23=25-47\t',
  [MEDIA.solo]: '154587\t52991\t209867:1:1-28=1-28\t',
};

const MAL_LINES: Record<number, string> = {
  21: '21\t21',
  25777: '25777\t20958',
  28851: '28851\t20954',
  35760: '35760\t99147',
  38524: '38524\t104578',
  40748: '40748\t113415',
  51009: '51009\t145064',
  52991: '52991\t154587',
  // One MAL id the dataset gives two AniList media: never picked from.
  60000: '60000\t113415,145064',
};

const TMDB_SHOW_LINES: Record<number, string> = {
  1429: '1429\t20811,20958,99147,104578',
  7000: '7000\t30002',
  7001: '7001\t30003',
  7002: '7002\t30004',
  7003: '7003\t30004',
  37854: '37854\t21',
  95479: '95479\t113415,145064',
  209867: '209867\t154587',
};

function section(name: string, lines: Record<number, string>): string[] {
  const sorted = Object.entries(lines)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, line]) => line);
  return [`${name}\t${sorted.length}`, ...sorted];
}

/** The anibridge index of the world, built from its text form. */
export function idIndex(extra: { anilist?: Record<number, string> } = {}): AnimeIdIndex {
  const text = [
    `${INDEX_FORMAT}\t{"schemaVersion":"3.0.0","generatedOn":null,"stats":{}}`,
    ...section('A', { ...ANILIST_LINES, ...extra.anilist }),
    ...section('M', MAL_LINES),
    ...section('T', TMDB_SHOW_LINES),
    '',
  ].join('\n');
  return AnimeIdIndex.parse(text);
}

/** rensetsu: MAL id → Trakt show with a season hint, or a movie. */
export const FALLBACK_MAL = {
  fits: 777, // season 2 of show 1005, 13 episodes
  splitCour: 778,
  noSeason: 779, // season hint null
  aotWrong: 38525, // AoT S3 Part 2 as rensetsu has it: season 4 (30 eps) instead of S3E13–22
  movie: 780,
} as const;

export function fallbackIndex(): RensetsuIndex {
  const show = (traktShowId: number, season: number | null, splitCour = false): RensetsuShow => ({
    traktShowId,
    slug: `show-${traktShowId}`,
    season,
    splitCour,
  });
  const tv = new Map<number, RensetsuShow>([
    [FALLBACK_MAL.fits, show(TRAKT.fallbackShow, 2)],
    [FALLBACK_MAL.splitCour, show(TRAKT.fallbackShow, 3, true)],
    [FALLBACK_MAL.noSeason, show(TRAKT.fallbackShow, null)],
    [FALLBACK_MAL.aotWrong, show(TRAKT.aot, 4)],
  ]);
  const movies = new Map<number, RensetsuMovie>([
    [FALLBACK_MAL.movie, { traktMovieId: TRAKT.fallbackMovie, slug: 'fallback-movie' }],
  ]);
  const none = { url: null, fetchedAt: null };
  return new RensetsuIndex(tv, movies, { tv: { ...none, shows: tv.size }, movies: { ...none, movies: movies.size } });
}

interface FakeShow {
  readonly trakt: number;
  readonly title: string;
  readonly tmdb?: number;
  /** season → its episode numbers (first–last). */
  readonly seasons: Record<number, readonly [number, number]>;
}

const SHOWS: readonly FakeShow[] = [
  { trakt: TRAKT.jjk, title: 'Jujutsu Kaisen', tmdb: 95479, seasons: { 0: [1, 2], 1: [1, 47] } },
  {
    trakt: TRAKT.aot,
    title: 'Attack on Titan',
    tmdb: 1429,
    seasons: { 0: [1, 3], 1: [1, 25], 2: [1, 12], 3: [1, 22], 4: [1, 30] },
  },
  { trakt: TRAKT.onePiece, title: 'One Piece', tmdb: 37854, seasons: { 1: [1, 61], 2: [62, 77], 3: [78, 92] } },
  { trakt: TRAKT.solo, title: 'Solo Show', tmdb: 209867, seasons: { 1: [1, 28] } },
  { trakt: TRAKT.fallbackShow, title: 'Fallback Show', seasons: { 1: [1, 12], 2: [1, 13] } },
  // Trakt's season is one episode shorter than what the dataset maps onto it.
  { trakt: TRAKT.shortShow, title: 'Short Show', tmdb: 7000, seasons: { 1: [1, 12] } },
];

const MOVIES: readonly { trakt: number; title: string; tmdb: number }[] = [
  { trakt: TRAKT.movie, title: 'A Silent Voice', tmdb: 378064 },
];

/** The public half of Trakt (search by TMDB id, seasons), counting requests; the rest throws. */
export class FakeTraktCatalogClient {
  readonly calls: string[] = [];

  async searchTmdb(tmdbId: number, type: 'show' | 'movie'): Promise<TraktSearchResult[]> {
    this.calls.push(`search ${type} ${tmdbId}`);
    if (type === 'show') {
      const show = SHOWS.find((s) => s.tmdb === tmdbId);
      return show
        ? [{ type: 'show', show: { title: show.title, year: 2020, ids: { trakt: show.trakt, tmdb: tmdbId } } }]
        : [];
    }
    const movie = MOVIES.find((m) => m.tmdb === tmdbId);
    return movie
      ? [{ type: 'movie', movie: { title: movie.title, year: 2016, ids: { trakt: movie.trakt, tmdb: tmdbId } } }]
      : [];
  }

  async seasons(showId: number): Promise<TraktSeason[]> {
    this.calls.push(`seasons ${showId}`);
    const show = SHOWS.find((s) => s.trakt === showId);
    // As Trakt answers a show id it does not have.
    if (!show)
      throw new TraktApiError('trakt_not_found', `Trakt GET /shows/${showId}/seasons: 404`, {
        status: 404,
        retryable: false,
      });
    return Object.entries(show.seasons).map(([season, [first, last]]) => ({
      number: Number(season),
      episodes: Array.from({ length: last - first + 1 }, (_, i) => ({ season: Number(season), number: first + i })),
    }));
  }

  asClient(): TraktClient {
    const refuse = () => {
      throw new Error('the catalogue fake serves only search and seasons');
    };
    return {
      searchTmdb: (id, type) => this.searchTmdb(id, type),
      seasons: (id) => this.seasons(id),
      settings: refuse,
      lastActivities: refuse,
      history: refuse,
      ratings: refuse,
      addHistory: refuse,
      removeHistory: refuse,
      addRatings: refuse,
      removeRatings: refuse,
    };
  }
}

export interface World {
  readonly mapping: MappingContext;
  readonly client: FakeTraktCatalogClient;
}

/** A mapping context over the world: anibridge index, rensetsu fallback, fake Trakt catalogue. */
export async function world(
  options: {
    source?: 'anilist' | 'mal';
    overrides?: Record<string, TraktOverride>;
    ids?: AnimeIdIndex | undefined;
    fallback?: RensetsuIndex | undefined;
  } = {},
): Promise<World> {
  const client = new FakeTraktCatalogClient();
  const catalog = await TraktCatalog.load({
    store: new MemoryStore(),
    client: () => client.asClient(),
    clock: new ManualClock(),
  });
  const mapping: MappingContext = {
    source: options.source ?? 'anilist',
    overrides: new Map(Object.entries(options.overrides ?? {})),
    ids: 'ids' in options ? options.ids : idIndex(),
    fallback: 'fallback' in options ? options.fallback : fallbackIndex(),
    catalog,
  };
  return { mapping, client };
}

/** An AniList entry of the world's media (no MAL id unless given: the fallback is asked only when told). */
export function entryOf(mediaId: number, overrides: Partial<AniListEntry> = {}): AniListEntry {
  return anilistEntry({ mediaId, idMal: null, title: `Media ${mediaId}`, ...overrides });
}

/** What the user's Trakt account holds: plays per show/season/episode, per movie, and ratings. */
export interface AccountData {
  readonly shows?: Record<number, Record<number, Record<number, number>>>;
  readonly movies?: Record<number, number>;
  readonly ratings?: Record<string, number>;
}

/** A TraktPlays index holding `data`, as the destination loads it from S3. */
export async function playsOf(data: AccountData = {}): Promise<TraktPlays> {
  const store = new MemoryStore();
  await store.put(
    PLAYS_KEY,
    JSON.stringify({
      version: 1,
      watched: { episodes: null, movies: null },
      rated: null,
      shows: data.shows ?? {},
      movies: data.movies ?? {},
      ratings: data.ratings ?? {},
    }),
  );
  return TraktPlays.load(store);
}

/** `{season: {episode: plays}}` for episodes first..last of one season, `times` plays each. */
export function played(season: number, first: number, last: number, times = 1): Record<number, Record<number, number>> {
  const episodes: Record<number, number> = {};
  for (let n = first; n <= last; n++) episodes[n] = times;
  return { [season]: episodes };
}
