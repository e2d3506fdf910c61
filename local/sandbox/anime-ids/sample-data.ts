/**
 * The source of the sandbox's id datasets (`local/sandbox/data/anime-ids/`): which AniList media map where, and
 * the TMDB-structured catalogue the sandbox Trakt serves. `build.ts` turns it into the committed files; see
 * `local/sandbox/data/anime-ids/NOTICE.md` for what is copied from which dataset and what is approximated.
 *
 * - `origin: 'edits'`: the target descriptors and ranges are copied verbatim from anibridge-mappings'
 *   `mappings.edits.yaml` (MIT, commit 8018ef4); a `mal:` target is added where the edits have none (the
 *   release carries one for every media with a MAL id).
 * - `origin: 'written'`: not in the edits; written here to follow TMDB's structure as best known.
 * - `origin: 'synthetic'`: invented filler (ids in the 99,990,000 range) so the extractor meets every
 *   descriptor kind and an explicit null.
 */

export type RangeMap = Readonly<Record<string, string | null>>;

export interface SampleAnime {
  readonly anilist: number;
  readonly title: string;
  /** AniList's episode count (null while airing). */
  readonly episodes: number | null;
  readonly origin: 'edits' | 'written' | 'edits+written' | 'synthetic';
  /** Target descriptor → source range → target range, exactly as anibridge v3 writes `anilist:<id>`'s value. */
  readonly targets: Readonly<Record<string, RangeMap>>;
}

export interface SampleSeason {
  readonly number: number;
  readonly episodes: number;
  /** First episode number (TMDB numbers some long runners absolutely inside seasons). Default 1. */
  readonly first?: number;
  /** Real Trakt season ids (from rensetsu's extended data), else synthetic ones are assigned. */
  readonly ids?: { readonly trakt: number; readonly tvdb: number; readonly tmdb: number };
  /** Episode count (or the season itself) is an approximation, not checked against TMDB. */
  readonly approx?: boolean;
}

export interface SampleShow {
  readonly title: string;
  readonly year: number;
  /** Real Trakt show ids (rensetsu's extended data, MIT). */
  readonly ids: {
    readonly trakt: number;
    readonly slug: string;
    readonly tvdb: number;
    readonly imdb: string;
    readonly tmdb: number;
  };
  /** Episodes are numbered absolutely across seasons (`number_abs` = `number`). */
  readonly absolute?: boolean;
  readonly seasons: readonly SampleSeason[];
}

export interface SampleMovie {
  readonly title: string;
  readonly year: number;
  readonly ids: { readonly trakt: number; readonly slug: string; readonly imdb: string; readonly tmdb: number };
}

const whole = (n: number): RangeMap => ({ [n === 1 ? '1' : `1-${n}`]: n === 1 ? '1' : `1-${n}` });

/** One Piece in anibridge's edits: TMDB keeps absolute episode numbers inside its seasons. */
const ONE_PIECE_TMDB: Record<string, RangeMap> = Object.fromEntries(
  (
    [
      [1, '1-61'],
      [2, '62-77'],
      [3, '78-91'],
      [4, '92-130'],
      [5, '131-143'],
      [6, '144-195'],
      [7, '196-228'],
      [8, '229-263'],
      [9, '264-336'],
      [10, '337-381'],
      [11, '382-407'],
      [12, '408-421'],
      [13, '422-522'],
      [14, '523-580'],
      [15, '581-642'],
      [16, '643-692'],
      [17, '693-748'],
      [18, '749-803'],
      [19, '804-877'],
      [20, '878-891'],
      [21, '892-1088'],
      [22, '1089-'],
    ] as const
  ).map(([season, range]) => [`tmdb_show:37854:s${season}`, { [range]: range }]),
);

const ONE_PIECE_TVDB: Record<string, RangeMap> = {
  'tvdb_show:81797:s0': { '1': '39' },
  'tvdb_show:81797:s1': { '2-9': '1-8' },
  'tvdb_show:81797:s2': { '10-31': '1-22' },
  'tvdb_show:81797:s3': { '32-48': '1-17' },
  'tvdb_show:81797:s4': { '49-61': '1-13' },
  'tvdb_show:81797:s5': { '62-70': '1-9' },
  'tvdb_show:81797:s6': { '71-92': '1-22' },
  'tvdb_show:81797:s7': { '93-131': '1-39' },
  'tvdb_show:81797:s8': { '132-144': '1-13' },
  'tvdb_show:81797:s9': { '145-196': '1-52' },
  'tvdb_show:81797:s10': { '197-227': '1-31' },
  'tvdb_show:81797:s11': { '228-326': '1-99' },
  'tvdb_show:81797:s12': { '327-382': '1-56' },
  'tvdb_show:81797:s13': { '383-482': '1-100' },
  'tvdb_show:81797:s14': { '483-517': '1-35' },
  'tvdb_show:81797:s15': { '518-579': '1-62' },
  'tvdb_show:81797:s16': { '580-628': '1-49' },
  'tvdb_show:81797:s17': { '629-746': '1-118' },
  'tvdb_show:81797:s18': { '747-779': '1-33' },
  'tvdb_show:81797:s19': { '780-877': '1-98' },
  'tvdb_show:81797:s20': { '878-891': '1-14' },
  'tvdb_show:81797:s21': { '892-1085': '1-194' },
  'tvdb_show:81797:s22': { '1086-': '1-' },
};

/** The bundled sample AniList list (`sample-anilist.json`), every real media on it. */
export const SAMPLE_LIST_ANIME: readonly SampleAnime[] = [
  {
    anilist: 21,
    title: 'ONE PIECE',
    episodes: null,
    origin: 'edits+written',
    targets: { 'mal:21': { '1-': '1-' }, ...ONE_PIECE_TMDB, ...ONE_PIECE_TVDB },
  },
  {
    anilist: 113415,
    title: 'Jujutsu Kaisen',
    episodes: 24,
    origin: 'written',
    targets: { 'mal:40748': whole(24), 'tmdb_show:95479:s1': whole(24) },
  },
  {
    anilist: 154587,
    title: 'Sousou no Frieren',
    episodes: 28,
    origin: 'written',
    targets: { 'mal:52991': whole(28), 'tmdb_show:209867:s1': whole(28) },
  },
  {
    anilist: 153518,
    title: 'Dungeon Meshi',
    episodes: 24,
    origin: 'written',
    targets: { 'mal:52701': whole(24), 'tmdb_show:207784:s1': whole(24) },
  },
  {
    anilist: 1,
    title: 'Cowboy Bebop',
    episodes: 26,
    origin: 'written',
    targets: { 'mal:1': whole(26), 'tmdb_show:30991:s1': whole(26) },
  },
  {
    anilist: 130003,
    title: 'Bocchi the Rock!',
    episodes: 12,
    origin: 'written',
    targets: { 'mal:47917': whole(12), 'tmdb_show:119100:s1': whole(12) },
  },
  {
    anilist: 5114,
    title: 'Hagane no Renkinjutsushi: FULLMETAL ALCHEMIST',
    episodes: 64,
    origin: 'written',
    targets: { 'mal:5114': whole(64), 'tmdb_show:31911:s1': whole(64) },
  },
  {
    anilist: 9253,
    title: 'Steins;Gate',
    episodes: 24,
    origin: 'written',
    targets: { 'mal:9253': whole(24), 'tmdb_show:42509:s1': whole(24) },
  },
  {
    anilist: 1535,
    title: 'DEATH NOTE',
    episodes: 37,
    origin: 'written',
    targets: { 'mal:1535': whole(37), 'tmdb_show:13916:s1': whole(37) },
  },
  {
    anilist: 16498,
    title: 'Shingeki no Kyojin',
    episodes: 25,
    origin: 'written',
    targets: { 'mal:16498': whole(25), 'tmdb_show:1429:s1': whole(25) },
  },
  {
    anilist: 1575,
    title: 'Code Geass: Hangyaku no Lelouch',
    episodes: 25,
    origin: 'written',
    targets: { 'mal:1575': whole(25), 'tmdb_show:31724:s1': whole(25) },
  },
  {
    anilist: 21519,
    title: 'Kimi no Na wa.',
    episodes: 1,
    origin: 'edits+written',
    targets: { 'mal:32281': { '1': '1' }, 'tmdb_movie:372058': { '1': '1' } },
  },
  {
    anilist: 199,
    title: 'Sen to Chihiro no Kamikakushi',
    episodes: 1,
    origin: 'edits+written',
    targets: { 'mal:199': { '1': '1' }, 'tmdb_movie:129': { '1': '1' } },
  },
  {
    anilist: 21507,
    title: 'Mob Psycho 100',
    episodes: 12,
    origin: 'written',
    targets: { 'mal:32182': whole(12), 'tmdb_show:67075:s1': whole(12) },
  },
  {
    anilist: 21827,
    title: 'Violet Evergarden',
    episodes: 13,
    origin: 'written',
    targets: { 'mal:33352': whole(13), 'tmdb_show:75214:s1': whole(13) },
  },
  {
    anilist: 20954,
    title: 'Koe no Katachi',
    episodes: 1,
    origin: 'edits',
    targets: { 'mal:28851': { '1': '1' }, 'tmdb_movie:378064': { '1': '1' } },
  },
  {
    anilist: 5680,
    title: 'K-On!',
    episodes: 13,
    origin: 'edits+written',
    targets: {
      'mal:5680': whole(13),
      'tmdb_show:42253:s0': { '1': '1' },
      'tmdb_show:42253:s1': { '2-13': '1-12' },
    },
  },
  {
    anilist: 11061,
    title: 'HUNTER×HUNTER (2011)',
    episodes: 148,
    origin: 'edits+written',
    targets: {
      'mal:11061': whole(148),
      'tmdb_show:46298:s1': { '1-62': '1-62' },
      'tmdb_show:46298:s2': { '63-136': '63-136' },
      'tmdb_show:46298:s3': { '137-148': '137-148' },
      'tvdb_show:252322:s1': { '1-58': '1-58' },
      'tvdb_show:252322:s2': { '59-136': '1-78' },
      'tvdb_show:252322:s3': { '137-148': '1-12' },
    },
  },
  {
    anilist: 101348,
    title: 'Vinland Saga',
    episodes: 24,
    origin: 'written',
    targets: { 'mal:37521': whole(24), 'tmdb_show:88803:s1': whole(24) },
  },
  {
    // The edits map Gintama onto TVDB only; the TMDB seasons here copy that split (an approximation).
    anilist: 918,
    title: 'Gintama',
    episodes: 201,
    origin: 'edits+written',
    targets: {
      'mal:918': whole(201),
      'tmdb_show:57041:s1': { '1-49': '1-49' },
      'tmdb_show:57041:s2': { '50-99': '1-50' },
      'tmdb_show:57041:s3': { '100-150': '1-51' },
      'tmdb_show:57041:s4': { '151-201': '1-51' },
      'tvdb_show:79895:s1': { '1-49': '1-49' },
      'tvdb_show:79895:s2': { '50-99': '1-50' },
      'tvdb_show:79895:s3': { '100-150': '1-51' },
      'tvdb_show:79895:s4': { '151-201': '1-51' },
    },
  },
  {
    anilist: 30,
    title: 'Shin Seiki Evangelion',
    episodes: 26,
    origin: 'written',
    targets: { 'mal:30': whole(26), 'tmdb_show:890:s1': whole(26) },
  },
  {
    anilist: 101922,
    title: 'Kimetsu no Yaiba',
    episodes: 26,
    origin: 'written',
    targets: { 'mal:38000': whole(26), 'tmdb_show:85937:s1': whole(26) },
  },
  {
    anilist: 140960,
    title: 'SPY×FAMILY',
    episodes: 12,
    origin: 'written',
    targets: { 'mal:50265': whole(12), 'tmdb_show:120089:s1': whole(12) },
  },
  {
    anilist: 127230,
    title: 'Chainsaw Man',
    episodes: 12,
    origin: 'written',
    targets: { 'mal:44511': whole(12), 'tmdb_show:114410:s1': whole(12) },
  },
  {
    anilist: 457,
    title: 'Mushishi',
    episodes: 26,
    origin: 'written',
    targets: { 'mal:457': whole(26), 'tmdb_show:26867:s1': whole(26) },
  },
  {
    anilist: 97986,
    title: 'Made in Abyss',
    episodes: 13,
    origin: 'written',
    targets: { 'mal:34599': whole(13), 'tmdb_show:72636:s1': whole(13) },
  },
  // Added to the sample list with this dataset.
  {
    anilist: 145064,
    title: 'Jujutsu Kaisen 2nd Season',
    episodes: 23,
    origin: 'edits+written',
    targets: { 'mal:51009': whole(23), 'tmdb_show:95479:s1': { '1-23': '25-47' } },
  },
  {
    // Split cour: Part 2 continues TMDB's season 3 (Kometa: TVDB season 3 offset 12; PlexAniSync: start 13).
    anilist: 104578,
    title: 'Shingeki no Kyojin Season 3 Part 2',
    episodes: 10,
    origin: 'written',
    targets: { 'mal:38524': whole(10), 'tmdb_show:1429:s3': { '1-10': '13-22' } },
  },
  {
    anilist: 20958,
    title: 'Shingeki no Kyojin Season 2',
    episodes: 12,
    origin: 'written',
    targets: { 'mal:25777': whole(12), 'tmdb_show:1429:s2': whole(12) },
  },
  {
    // idMal is null in the sample AniList list; the dataset knows it (Kometa: AniDB 13241 ↔ MAL 35760).
    anilist: 99147,
    title: 'Shingeki no Kyojin Season 3',
    episodes: 12,
    origin: 'written',
    targets: { 'mal:35760': whole(12), 'tmdb_show:1429:s3': whole(12) },
  },
];

/** Not on the sample list: a realistic mix of other descriptors, ratios, comma segments, nulls. */
export const FILLER_ANIME: readonly SampleAnime[] = [
  {
    anilist: 5,
    title: 'Cowboy Bebop: Tengoku no Tobira',
    episodes: 1,
    origin: 'edits',
    targets: {
      'anidb:219:R': { '1': '1' },
      'mal:5': { '1': '1' },
      'tmdb_movie:11299': { '1': '1' },
      'tvdb_show:76885:s0': { '1': '3' },
    },
  },
  {
    anilist: 20,
    title: 'NARUTO',
    episodes: 220,
    origin: 'edits+written',
    targets: {
      'mal:20': whole(220),
      'tmdb_show:46260:s1': { '1-52': '1-52' },
      'tmdb_show:46260:s2': { '53-104': '53-104' },
      'tmdb_show:46260:s3': { '105-158': '105-158' },
      'tmdb_show:46260:s4': { '159-220': '159-220' },
      'tvdb_show:78857:s1': { '1-35': '1-35' },
      'tvdb_show:78857:s2': { '36-83': '1-48' },
      'tvdb_show:78857:s3': { '84-131': '1-48' },
      'tvdb_show:78857:s4': { '132-179': '1-48' },
      'tvdb_show:78857:s5': { '180-220': '1-41' },
    },
  },
  {
    anilist: 95,
    title: 'Turn A Gundam',
    episodes: 50,
    origin: 'edits+written',
    targets: { 'mal:95': whole(50), 'tmdb_show:37546:s1': { '1-50': '1-25|-2' } },
  },
  {
    anilist: 2385,
    title: 'a ONE PIECE special (AniList/MAL 2385)',
    episodes: 1,
    origin: 'edits',
    targets: { 'mal:2385': { '1': '1' }, 'tmdb_show:37854:s0': { '1': '1-39|39' } },
  },
  {
    anilist: 2814,
    title: 'Dondon Dommel to Ron (Wowser)',
    episodes: 52,
    origin: 'edits+written',
    targets: { 'mal:2814': whole(52), 'tmdb_show:8676:s1': { '1-52': '1-104|2' } },
  },
  {
    anilist: 6867,
    title: 'Halo Legends',
    episodes: 8,
    origin: 'edits+written',
    targets: {
      'mal:6867': whole(8),
      'tmdb_show:60879:s1': { '1-8': '1-8' },
      'tvdb_show:125441:s1': { '1-9': '1-7,8|2' },
    },
  },
  {
    anilist: 110277,
    title: 'Shingeki no Kyojin: The Final Season',
    episodes: 16,
    origin: 'written',
    targets: { 'mal:40028': whole(16), 'tmdb_show:1429:s4': whole(16) },
  },
  {
    anilist: 131681,
    title: 'Shingeki no Kyojin: The Final Season Part 2',
    episodes: 12,
    origin: 'written',
    targets: { 'mal:48583': whole(12), 'tmdb_show:1429:s4': { '1-12': '17-28' } },
  },
  {
    anilist: 146984,
    title: 'Shingeki no Kyojin: The Final Season - Kanketsu-hen',
    episodes: 2,
    origin: 'edits',
    targets: {
      'anidb:17303:R': { '1': '1' },
      'imdb_movie:tt2560140': { '1': '1' },
      'mal:51535': { '1': '1' },
      'tmdb_show:1429:s0': { '1': '36' },
      'tvdb_show:267440:s4': { '1': '29' },
    },
  },
  {
    anilist: 99990001,
    title: 'Synthetic filler with an explicit null',
    episodes: 12,
    origin: 'synthetic',
    targets: {
      'anidb:99990001:R': whole(12),
      'imdb_show:tt99990001:s1': whole(12),
      'mal:99990001': whole(12),
      'tvdb_show:99990001:s1': { '1-11': '1-11', '12': null },
    },
  },
  {
    anilist: 99990002,
    title: 'Synthetic filler: specials scope, comma segments, open range',
    episodes: null,
    origin: 'synthetic',
    targets: {
      'anidb:99990002:S': { '1-2': '1,3' },
      'tvdb_show:99990002:s1': { '1-': '5-' },
      'imdb_movie:tt99990002': { '1': '1' },
    },
  },
];

/** The sandbox Trakt's shows: every TMDB show the mapping file references. */
export const SAMPLE_SHOWS: readonly SampleShow[] = [
  {
    title: 'One Piece',
    year: 1999,
    ids: { trakt: 37696, slug: 'one-piece', tvdb: 81797, imdb: 'tt0388629', tmdb: 37854 },
    absolute: true,
    seasons: [
      { number: 0, episodes: 45, approx: true },
      { number: 1, first: 1, episodes: 61, ids: { trakt: 50055, tvdb: 31893, tmdb: 49188 } },
      { number: 2, first: 62, episodes: 16 },
      { number: 3, first: 78, episodes: 14 },
      { number: 4, first: 92, episodes: 39 },
      { number: 5, first: 131, episodes: 13 },
      { number: 6, first: 144, episodes: 52 },
      { number: 7, first: 196, episodes: 33 },
      { number: 8, first: 229, episodes: 35 },
      { number: 9, first: 264, episodes: 73 },
      { number: 10, first: 337, episodes: 45 },
      { number: 11, first: 382, episodes: 26 },
      { number: 12, first: 408, episodes: 14 },
      { number: 13, first: 422, episodes: 101 },
      { number: 14, first: 523, episodes: 58 },
      { number: 15, first: 581, episodes: 62 },
      { number: 16, first: 643, episodes: 50 },
      { number: 17, first: 693, episodes: 56 },
      { number: 18, first: 749, episodes: 55 },
      { number: 19, first: 804, episodes: 74 },
      { number: 20, first: 878, episodes: 14 },
      { number: 21, first: 892, episodes: 197 },
      { number: 22, first: 1089, episodes: 67, approx: true },
    ],
  },
  {
    title: 'Jujutsu Kaisen',
    year: 2020,
    ids: { trakt: 158594, slug: 'jujutsu-kaisen', tvdb: 377543, imdb: 'tt12343534', tmdb: 95479 },
    seasons: [{ number: 1, episodes: 47, ids: { trakt: 219262, tvdb: 1823218, tmdb: 135856 } }],
  },
  {
    title: "Frieren: Beyond Journey's End",
    year: 2023,
    ids: { trakt: 198225, slug: 'frieren-beyond-journey-s-end', tvdb: 424536, imdb: 'tt22248376', tmdb: 209867 },
    seasons: [{ number: 1, episodes: 28, ids: { trakt: 303415, tvdb: 2018812, tmdb: 307972 } }],
  },
  {
    title: 'Delicious in Dungeon',
    year: 2024,
    ids: { trakt: 197382, slug: 'delicious-in-dungeon', tvdb: 423257, imdb: 'tt21621494', tmdb: 207784 },
    seasons: [{ number: 1, episodes: 24, ids: { trakt: 300840, tvdb: 2013527, tmdb: 304017 } }],
  },
  {
    title: 'Cowboy Bebop',
    year: 1998,
    ids: { trakt: 30857, slug: 'cowboy-bebop', tvdb: 76885, imdb: 'tt0213338', tmdb: 30991 },
    seasons: [
      { number: 0, episodes: 1, approx: true },
      { number: 1, episodes: 26, ids: { trakt: 43328, tvdb: 11636, tmdb: 42587 } },
    ],
  },
  {
    title: 'Bocchi the Rock!',
    year: 2022,
    ids: { trakt: 191883, slug: 'bocchi-the-rock', tvdb: 413522, imdb: 'tt17158756', tmdb: 119100 },
    seasons: [{ number: 1, episodes: 12, ids: { trakt: 281999, tvdb: 1971843, tmdb: 182218 } }],
  },
  {
    title: 'Fullmetal Alchemist: Brotherhood',
    year: 2009,
    ids: { trakt: 31771, slug: 'fullmetal-alchemist-brotherhood', tvdb: 85249, imdb: 'tt1355642', tmdb: 31911 },
    seasons: [
      { number: 0, episodes: 4, approx: true },
      { number: 1, episodes: 64, ids: { trakt: 44132, tvdb: 41193, tmdb: 43388 } },
    ],
  },
  {
    title: 'Steins;Gate',
    year: 2011,
    ids: { trakt: 42285, slug: 'steins-gate', tvdb: 244061, imdb: 'tt1910272', tmdb: 42509 },
    seasons: [
      { number: 0, episodes: 2, approx: true },
      { number: 1, episodes: 24, ids: { trakt: 53477, tvdb: 453391, tmdb: 52237 } },
    ],
  },
  {
    title: 'Death Note',
    year: 2006,
    ids: { trakt: 13855, slug: 'death-note', tvdb: 79481, imdb: 'tt0877057', tmdb: 13916 },
    seasons: [
      { number: 0, episodes: 2, approx: true },
      { number: 1, episodes: 37, ids: { trakt: 25719, tvdb: 16564, tmdb: 59776 } },
    ],
  },
  {
    title: 'Attack on Titan',
    year: 2013,
    ids: { trakt: 1420, slug: 'attack-on-titan', tvdb: 267440, imdb: 'tt2560140', tmdb: 1429 },
    seasons: [
      { number: 0, episodes: 37, approx: true },
      { number: 1, episodes: 25, ids: { trakt: 4141, tvdb: 514060, tmdb: 3788 } },
      { number: 2, episodes: 12, ids: { trakt: 115699, tvdb: 701272, tmdb: 84756 } },
      { number: 3, episodes: 22, ids: { trakt: 145892, tvdb: 743129, tmdb: 98013 } },
      { number: 4, episodes: 28, ids: { trakt: 193942, tvdb: 1846517, tmdb: 126952 }, approx: true },
    ],
  },
  {
    title: 'Code Geass: Lelouch of the Rebellion',
    year: 2006,
    ids: { trakt: 31586, slug: 'code-geass-lelouch-of-the-rebellion', tvdb: 79525, imdb: 'tt0994314', tmdb: 31724 },
    seasons: [
      { number: 1, episodes: 25, ids: { trakt: 43971, tvdb: 17760, tmdb: 43227 } },
      { number: 2, episodes: 25, approx: true },
    ],
  },
  {
    title: 'Mob Psycho 100',
    year: 2016,
    ids: { trakt: 105481, slug: 'mob-psycho-100', tvdb: 307375, imdb: 'tt5897304', tmdb: 67075 },
    seasons: [
      { number: 1, episodes: 12, ids: { trakt: 127360, tvdb: 667642, tmdb: 78421 } },
      { number: 2, episodes: 13, approx: true },
      { number: 3, episodes: 12, approx: true },
    ],
  },
  {
    title: 'Violet Evergarden',
    year: 2018,
    ids: { trakt: 120989, slug: 'violet-evergarden', tvdb: 330139, imdb: 'tt7078180', tmdb: 75214 },
    seasons: [
      { number: 0, episodes: 1, approx: true },
      { number: 1, episodes: 13, ids: { trakt: 145738, tvdb: 716288, tmdb: 95592 } },
    ],
  },
  {
    title: 'K-ON!',
    year: 2009,
    ids: { trakt: 60947, slug: 'k-on', tvdb: 87501, imdb: 'tt1410218', tmdb: 42253 },
    seasons: [
      { number: 0, episodes: 9, approx: true },
      { number: 1, episodes: 12, ids: { trakt: 62584, tvdb: 47331, tmdb: 52078 } },
      { number: 2, episodes: 24, approx: true },
    ],
  },
  {
    title: 'Hunter x Hunter',
    year: 2011,
    ids: { trakt: 64409, slug: 'hunter-x-hunter-2011', tvdb: 252322, imdb: 'tt2098220', tmdb: 46298 },
    absolute: true,
    seasons: [
      { number: 1, first: 1, episodes: 62, ids: { trakt: 67903, tvdb: 475390, tmdb: 54607 } },
      { number: 2, first: 63, episodes: 74 },
      { number: 3, first: 137, episodes: 12 },
    ],
  },
  {
    title: 'Vinland Saga',
    year: 2019,
    ids: { trakt: 143851, slug: 'vinland-saga', tvdb: 359274, imdb: 'tt10233448', tmdb: 88803 },
    seasons: [
      { number: 1, episodes: 24, ids: { trakt: 188742, tvdb: 807819, tmdb: 123005 } },
      { number: 2, episodes: 24, approx: true },
    ],
  },
  {
    title: 'Gintama',
    year: 2006,
    ids: { trakt: 56675, slug: 'gintama', tvdb: 79895, imdb: 'tt0988818', tmdb: 57041 },
    seasons: [
      { number: 1, episodes: 49, ids: { trakt: 59950, tvdb: 17423, tmdb: 58339 }, approx: true },
      { number: 2, episodes: 50, approx: true },
      { number: 3, episodes: 51, approx: true },
      { number: 4, episodes: 51, approx: true },
    ],
  },
  {
    title: 'Neon Genesis Evangelion',
    year: 1995,
    ids: { trakt: 885, slug: 'neon-genesis-evangelion', tvdb: 70350, imdb: 'tt0112159', tmdb: 890 },
    seasons: [{ number: 1, episodes: 26, ids: { trakt: 2844, tvdb: 96, tmdb: 51882 } }],
  },
  {
    title: 'Demon Slayer: Kimetsu no Yaiba',
    year: 2019,
    ids: { trakt: 131598, slug: 'demon-slayer-kimetsu-no-yaiba', tvdb: 348545, imdb: 'tt9335498', tmdb: 85937 },
    seasons: [
      { number: 1, episodes: 26, ids: { trakt: 169889, tvdb: 775298, tmdb: 116882 } },
      { number: 2, episodes: 18, approx: true },
      { number: 3, episodes: 11, approx: true },
      { number: 4, episodes: 8, approx: true },
    ],
  },
  {
    title: 'SPY x FAMILY',
    year: 2022,
    ids: { trakt: 190742, slug: 'spy-x-family', tvdb: 405920, imdb: 'tt13706018', tmdb: 120089 },
    seasons: [
      { number: 1, episodes: 25, ids: { trakt: 278690, tvdb: 1938867, tmdb: 184428 } },
      { number: 2, episodes: 12, approx: true },
      { number: 3, episodes: 13, approx: true },
    ],
  },
  {
    title: 'Chainsaw Man',
    year: 2022,
    ids: { trakt: 173241, slug: 'chainsaw-man', tvdb: 397934, imdb: 'tt13616990', tmdb: 114410 },
    seasons: [{ number: 1, episodes: 12, ids: { trakt: 242855, tvdb: 1937662, tmdb: 171559 } }],
  },
  {
    title: 'Mushi-Shi',
    year: 2005,
    ids: { trakt: 26750, slug: 'mushi-shi', tvdb: 79214, imdb: 'tt0807832', tmdb: 26867 },
    seasons: [
      { number: 1, episodes: 26, ids: { trakt: 38284, tvdb: 27518, tmdb: 37542 } },
      { number: 2, episodes: 20, approx: true },
    ],
  },
  {
    title: 'Made in Abyss',
    year: 2017,
    ids: { trakt: 117856, slug: 'made-in-abyss', tvdb: 326109, imdb: 'tt7222086', tmdb: 72636 },
    seasons: [
      { number: 1, episodes: 13, ids: { trakt: 143456, tvdb: 710434, tmdb: 90036 } },
      { number: 2, episodes: 12, approx: true },
    ],
  },
  {
    title: 'Naruto',
    year: 2002,
    ids: { trakt: 46003, slug: 'naruto', tvdb: 78857, imdb: 'tt0409591', tmdb: 46260 },
    absolute: true,
    seasons: [
      { number: 1, first: 1, episodes: 52, ids: { trakt: 55871, tvdb: 15770, tmdb: 54573 } },
      { number: 2, first: 53, episodes: 52 },
      { number: 3, first: 105, episodes: 54 },
      { number: 4, first: 159, episodes: 62 },
    ],
  },
  {
    title: 'Turn A Gundam',
    year: 1999,
    ids: { trakt: 37388, slug: 'turn-a-gundam', tvdb: 71585, imdb: 'tt0189318', tmdb: 37546 },
    seasons: [{ number: 1, episodes: 25, ids: { trakt: 49761, tvdb: 2535, tmdb: 48891 } }],
  },
  {
    title: 'Wowser',
    year: 1988,
    ids: { trakt: 8630, slug: 'wowser', tvdb: 82736, imdb: 'tt0414728', tmdb: 8676 },
    seasons: [{ number: 1, episodes: 104, ids: { trakt: 99912, tvdb: 469526, tmdb: 99463 } }],
  },
  {
    title: 'Halo Legends',
    year: 2009,
    ids: { trakt: 60432, slug: 'halo-legends', tvdb: 125441, imdb: 'tt1480660', tmdb: 60879 },
    seasons: [{ number: 1, episodes: 8, ids: { trakt: 61602, tvdb: 148601, tmdb: 61033 } }],
  },
];

/** The sandbox Trakt's movies: every TMDB movie the mapping file references (real ids, rensetsu). */
export const SAMPLE_MOVIES: readonly SampleMovie[] = [
  {
    title: 'Cowboy Bebop: The Movie',
    year: 2001,
    ids: { trakt: 6398, slug: 'cowboy-bebop-the-movie-2001', imdb: 'tt0275277', tmdb: 11299 },
  },
  { title: 'Spirited Away', year: 2001, ids: { trakt: 97, slug: 'spirited-away-2001', imdb: 'tt0245429', tmdb: 129 } },
  { title: 'Your Name.', year: 2016, ids: { trakt: 224301, slug: 'your-name-2016', imdb: 'tt5311514', tmdb: 372058 } },
  {
    title: 'A Silent Voice: The Movie',
    year: 2016,
    ids: { trakt: 225063, slug: 'a-silent-voice-the-movie-2016', imdb: 'tt5323662', tmdb: 378064 },
  },
];
