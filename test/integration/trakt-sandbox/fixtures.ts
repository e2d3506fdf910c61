import type {
  TraktFixture,
  TraktFixtureEpisode,
  TraktFixtureSeason,
  TraktFixtureShow,
} from '../../../local/sandbox/trakt';

/**
 * Small catalogues for the Trakt sandbox tests, shaped like the anime Trakt actually carries
 * (season/episode structure from TMDB): a 47-episode season 1 (JJK-like), a long runner whose
 * seasons keep absolute episode numbers (One Piece-like), several real seasons with specials
 * (AoT-like), a split-cour season with a second season not aired yet, and movies, one of which
 * shares its TMDB id with a show. Ids are made up.
 */

export const JJK = { trakt: 1001, slug: 'jujutsu-kaisen', tmdb: 95479, tvdb: 377543, imdb: 'tt12343534' } as const;
export const ONE_PIECE = { trakt: 2002, slug: 'one-piece', tmdb: 37854, tvdb: 81797, imdb: 'tt0388629' } as const;
export const AOT = { trakt: 3003, slug: 'attack-on-titan', tmdb: 1429, tvdb: 267440, imdb: 'tt2560140' } as const;
export const SPLIT = { trakt: 4004, slug: 'split-cour-show', tmdb: 120089, tvdb: 405920, imdb: 'tt13706018' } as const;
export const JJK0 = { trakt: 5005, slug: 'jujutsu-kaisen-0-2021', tmdb: 810693, imdb: 'tt14331144' } as const;
/** A movie whose TMDB id is AoT's show TMDB id. */
export const COLLIDING_MOVIE = {
  trakt: 6006,
  slug: 'colliding-movie-2001',
  tmdb: AOT.tmdb,
  imdb: 'tt0000606',
} as const;

/** Deterministic ids: a show's season and episode ids derive from its Trakt id. */
export const seasonId = (show: number, season: number): number => show * 100 + season;
export const episodeId = (show: number, season: number, number: number): number =>
  show * 10_000 + season * 1000 + number;

function episodes(
  show: number,
  season: number,
  numbers: readonly number[],
  extra: (n: number) => Partial<TraktFixtureEpisode> = () => ({}),
): TraktFixtureEpisode[] {
  return numbers.map((number) => ({
    season,
    number,
    number_abs: null,
    title: `Episode ${number}`,
    ids: {
      trakt: episodeId(show, season, number),
      tvdb: episodeId(show, season, number) + 500_000_000,
      imdb: null,
      tmdb: null,
    },
    ...extra(number),
  }));
}

function season(show: number, number: number, eps: TraktFixtureEpisode[]): TraktFixtureSeason {
  return {
    number,
    ids: {
      trakt: seasonId(show, number),
      tvdb: seasonId(show, number) + 7_000_000,
      tmdb: seasonId(show, number) + 9_000_000,
    },
    episodes: eps,
  };
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const aired = (iso: string) => () => ({ first_aired: iso });

export function jjk(): TraktFixtureShow {
  return {
    title: 'Jujutsu Kaisen',
    year: 2020,
    ids: JJK,
    runtime: 24,
    seasons: [
      season(JJK.trakt, 0, episodes(JJK.trakt, 0, [1])),
      // TMDB's season 1 runs through the second cour: 47 episodes.
      season(
        JJK.trakt,
        1,
        episodes(JJK.trakt, 1, range(1, 47), (n) => ({
          number_abs: n,
          first_aired: n === 1 ? '2020-10-02T15:00:00.000Z' : undefined,
        })),
      ),
    ],
  };
}

export function onePiece(): TraktFixtureShow {
  const abs = (n: number) => ({ number_abs: n });
  return {
    title: 'One Piece',
    year: 1999,
    ids: ONE_PIECE,
    runtime: 24,
    seasons: [
      season(ONE_PIECE.trakt, 1, episodes(ONE_PIECE.trakt, 1, range(1, 61), abs)),
      // Absolute numbers inside seasons: season 2 starts at episode 62.
      season(ONE_PIECE.trakt, 2, episodes(ONE_PIECE.trakt, 2, range(62, 77), abs)),
    ],
  };
}

export function attackOnTitan(): TraktFixtureShow {
  return {
    title: 'Attack on Titan',
    year: 2013,
    ids: AOT,
    runtime: 24,
    seasons: [
      season(AOT.trakt, 0, episodes(AOT.trakt, 0, range(1, 3))),
      season(AOT.trakt, 1, episodes(AOT.trakt, 1, range(1, 25))),
      season(AOT.trakt, 2, episodes(AOT.trakt, 2, range(1, 12))),
      season(AOT.trakt, 3, episodes(AOT.trakt, 3, range(1, 22))),
      season(AOT.trakt, 4, episodes(AOT.trakt, 4, range(1, 30))),
    ],
  };
}

/** Season 1 in two cours (1–12 aired 2022-04, 13–25 aired 2022-10); season 2 announced, not aired. */
export function splitCour(): TraktFixtureShow {
  return {
    title: 'Split Cour Show',
    year: 2022,
    ids: SPLIT,
    runtime: 24,
    seasons: [
      season(
        SPLIT.trakt,
        1,
        episodes(SPLIT.trakt, 1, range(1, 25), (n) =>
          aired(n <= 12 ? '2022-04-09T15:00:00.000Z' : '2022-10-01T15:00:00.000Z')(),
        ),
      ),
      season(SPLIT.trakt, 2, [
        ...episodes(SPLIT.trakt, 2, [1], aired('2030-01-05T15:00:00.000Z')),
        ...episodes(SPLIT.trakt, 2, [2], () => ({ first_aired: null })),
      ]),
    ],
  };
}

export function movies(): NonNullable<TraktFixture['movies']> {
  return [
    { title: 'Jujutsu Kaisen 0', year: 2021, ids: JJK0, released: '2021-12-24', runtime: 105 },
    { title: 'Colliding Movie', year: 2001, ids: COLLIDING_MOVIE, released: '2001-05-05', runtime: 90 },
  ];
}

/** The whole catalogue, no history, no ratings. */
export function catalogue(extra: Partial<TraktFixture> = {}): TraktFixture {
  return { shows: [jjk(), onePiece(), attackOnTitan(), splitCour()], movies: movies(), ...extra };
}
