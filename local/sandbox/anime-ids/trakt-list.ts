import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { FuzzyDate } from '../../../shared/anilist/types';
import { seededRandom } from '../anilist/generate';
import type { SandboxEntry } from '../anilist/store';
import type {
  TraktFixture,
  TraktFixtureMovie,
  TraktFixtureShow,
  TraktHistoryItemInput,
  TraktRatingItemInput,
} from '../trakt/fixture';
import { generateAnibridge } from './generate';

/**
 * A consistent trio for Trakt benchmarks and large-list tests, deterministic for a seed:
 *
 * - an AniList list of `count` COMPLETED entries (full completion dates, most of them scored);
 * - the anibridge v3 members that map each of them (AniList ↔ MAL ↔ TMDB season ranges or TMDB movie, both
 *   directions, as the real release writes them), optionally after the synthetic generator's filler so that the
 *   file has the real one's size;
 * - the Trakt catalogue those TMDB ids resolve to (shows with their seasons and episodes, movies), and the plays
 *   and ratings the mirror must end up with (the ground truth), which also serve as a history that already
 *   holds them.
 *
 * Franchise shapes, each one TMDB show (or one movie):
 * - `tv`: one TV media → TMDB S1E1–N (a fifth of these shows also have unplaced specials);
 * - `seasons`: 2–4 TV media → TMDB seasons 1, 2, 3, … one each;
 * - `continued`: a second season TMDB keeps in season 1 with continued numbering (AniList S2E1–12 → S1E13–24);
 * - `split_cour`: a season's two cours on AniList (Part 1, Part 2) → one TMDB season (S3E1–12 and S3E13–22);
 * - `across_seasons`: one 24-episode AniList media that TMDB splits into S1E1–12 and S2E1–12;
 * - `special`: a TV media → S1, and an OVA → one of the show's specials (S0);
 * - `long_runner`: 100–300 episodes → several TMDB seasons;
 * - `movie`: a MOVIE → a TMDB movie.
 *
 * Ids live far above the synthetic filler's (`generate.ts`), so the two never collide: AniList media from
 * 1,000,000, MAL from 2,000,000, TMDB shows from 5,000,000 and movies from 6,000,000.
 */

export type TraktListShape =
  | 'tv'
  | 'seasons'
  | 'continued'
  | 'split_cour'
  | 'across_seasons'
  | 'special'
  | 'long_runner'
  | 'movie';

/** Franchise shapes and their weights (per franchise, not per entry). */
const SHAPES: readonly { shape: TraktListShape; weight: number }[] = [
  { shape: 'tv', weight: 45 },
  { shape: 'seasons', weight: 18 },
  { shape: 'continued', weight: 8 },
  { shape: 'split_cour', weight: 5 },
  { shape: 'across_seasons', weight: 4 },
  { shape: 'special', weight: 4 },
  { shape: 'long_runner', weight: 1 },
  { shape: 'movie', weight: 15 },
];

/** One play the mirror must add (and the only plays it may add). */
export interface ExpectedPlay {
  readonly entryId: number;
  readonly mediaId: number;
  /** Trakt show id, with `season` and `number`; or `movie`. */
  readonly show?: number;
  readonly season?: number;
  readonly number?: number;
  readonly movie?: number;
  /** `YYYY-MM-DDT12:00:00.000Z`: the completion date at noon UTC. */
  readonly watchedAt: string;
}

/** One rating the mirror must set: `show:<id>`, `season:<id>:<n>` or `movie:<id>` (Trakt ids). */
export interface ExpectedRating {
  readonly key: string;
  readonly rating: number;
  readonly entryId: number;
}

/** A play's key, the same for expected plays and sandbox history items: `<show>:<season>:<number>` or `movie:<id>`. */
export function playKey(play: { show?: number; season?: number; number?: number; movie?: number }): string {
  return play.movie !== undefined ? `movie:${play.movie}` : `${play.show}:${play.season}:${play.number}`;
}

export interface TraktList {
  readonly entries: SandboxEntry[];
  /** The Trakt catalogue: every show and movie the mapping names, nothing else. */
  readonly catalogue: { readonly shows: TraktFixtureShow[]; readonly movies: TraktFixtureMovie[] };
  /** Top-level anibridge v3 members (`"anilist:1000001":{…}`), in key order, without separators. */
  readonly mapping: readonly string[];
  readonly expected: {
    readonly plays: readonly ExpectedPlay[];
    readonly ratings: readonly ExpectedRating[];
    /** Scored entries that get no rating: they cover only part of a season other AniList media share. */
    readonly notRated: number;
  };
  /** Entries per franchise shape. */
  readonly shapes: Readonly<Record<TraktListShape, number>>;
}

type Ranges = Record<string, string | null>;

interface ShowBuild {
  readonly tmdb: number;
  readonly trakt: number;
  readonly title: string;
  readonly year: number;
  /** Season number → episode count in the catalogue. */
  readonly seasons: Map<number, number>;
  /** AniList media placed on the show. */
  readonly media: number[];
}

interface MediaBuild {
  readonly entry: SandboxEntry;
  readonly show?: ShowBuild;
  readonly movie?: { readonly tmdb: number; readonly trakt: number };
  /** TMDB season → source range → target range (AniList episodes → TMDB episodes). */
  readonly ranges: Map<number, Ranges>;
  readonly episodes: { season: number; number: number }[];
  readonly mal: number;
}

const SYLLABLES = ['ka', 'shi', 'no', 'mi', 'ra', 'to', 'yu', 'ki', 'ha', 're', 'sora', 'hoshi', 'tsu', 'ne', 'ko'];
const WORDS = ['Sekai', 'Monogatari', 'Densetsu', 'Kiseki', 'Gakuen', 'Senki', 'Hanashi', 'Tabi', 'Yume', 'Kaze'];
/** 2025-06-01T00:00:00Z: completions fall in the ten years before. */
const END = Date.UTC(2025, 5, 1);
const SPAN_MS = 10 * 365 * 86_400_000;

const span = (a: number, b: number) => (a === b ? String(a) : `${a}-${b}`);

/** The list, its mapping, its Trakt catalogue and the plays and ratings it must produce. */
export function generateTraktList(count: number, seed = 1): TraktList {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  const random = seededRandom(seed * 104_729 + 7);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const weighted = () => {
    let roll = random() * SHAPES.reduce((n, s) => n + s.weight, 0);
    for (const s of SHAPES) {
      roll -= s.weight;
      if (roll < 0) return s.shape;
    }
    return SHAPES.at(-1)!.shape;
  };
  const ids = { media: 1_000_000, mal: 2_000_000, tmdbShow: 5_000_000, tmdbMovie: 6_000_000 };
  const trakt = { show: 700_000, movie: 900_000 };
  const shows: ShowBuild[] = [];
  const media: MediaBuild[] = [];
  const shapes = Object.fromEntries(SHAPES.map((s) => [s.shape, 0])) as Record<TraktListShape, number>;

  const title = () => {
    const word = pick(SYLLABLES) + pick(SYLLABLES);
    return `${word.charAt(0).toUpperCase()}${word.slice(1)} no ${pick(WORDS)}`;
  };
  const newShow = (name: string, year: number): ShowBuild => {
    ids.tmdbShow += int(1, 30);
    const show = { tmdb: ids.tmdbShow, trakt: ++trakt.show, title: name, year, seasons: new Map(), media: [] };
    shows.push(show);
    return show;
  };
  const addEntry = (
    shape: TraktListShape,
    name: string,
    format: string,
    episodes: number,
    place: { show: ShowBuild; parts: { season: number; from: number; to: number; at: number }[] } | { movie: true },
  ) => {
    const i = media.length;
    ids.media += int(1, 3);
    ids.mal += int(1, 3);
    const completed = new Date(END - Math.floor(random() * SPAN_MS));
    const started = new Date(completed.getTime() - int(0, 120) * 86_400_000);
    const updatedAt = Math.floor(completed.getTime() / 1000) + int(0, 30 * 86_400);
    const entry: SandboxEntry = {
      id: 10_000_000 + i,
      mediaId: ids.media,
      status: 'COMPLETED',
      score: chance(0.1) ? 0 : pick([5, 50, 60, 70, 75, 80, 84, 85, 90, 100]) - (chance(0.3) ? int(0, 4) : 0),
      progress: episodes,
      repeat: 0,
      priority: 0,
      private: false,
      notes: null,
      hiddenFromStatusLists: false,
      customLists: [],
      startedAt: fuzzy(started),
      completedAt: fuzzy(completed),
      createdAt: Math.floor(started.getTime() / 1000),
      updatedAt,
      media: { id: ids.media, idMal: ids.mal, title: { romaji: name, english: null, native: null }, format, episodes },
    };
    shapes[shape]++;
    if ('movie' in place) {
      ids.tmdbMovie += int(1, 40);
      media.push({
        entry,
        movie: { tmdb: ids.tmdbMovie, trakt: ++trakt.movie },
        ranges: new Map(),
        episodes: [],
        mal: ids.mal,
      });
      return;
    }
    const ranges = new Map<number, Ranges>();
    const placed: { season: number; number: number }[] = [];
    for (const part of place.parts) {
      const length = part.to - part.from + 1;
      const target = ranges.get(part.season) ?? {};
      target[span(part.from, part.to)] = span(part.at, part.at + length - 1);
      ranges.set(part.season, target);
      for (let k = 0; k < length; k++) placed.push({ season: part.season, number: part.at + k });
      const seasons = place.show.seasons;
      seasons.set(part.season, Math.max(seasons.get(part.season) ?? 0, part.at + length - 1));
    }
    place.show.media.push(ids.media);
    media.push({ entry, show: place.show, ranges, episodes: placed, mal: ids.mal });
  };

  const tvLength = () => pick([12, 12, 13, 24, 25, 26, 10, 11]);
  while (media.length < count) {
    const left = count - media.length;
    const shape = weighted();
    const name = title();
    const year = 2000 + int(0, 25);
    switch (shape) {
      case 'tv': {
        const show = newShow(name, year);
        const n = tvLength();
        addEntry(shape, name, 'TV', n, { show, parts: [{ season: 1, from: 1, to: n, at: 1 }] });
        if (chance(0.2)) show.seasons.set(0, int(1, 3));
        break;
      }
      case 'seasons': {
        const show = newShow(name, year);
        const seasons = Math.min(left, int(2, 4));
        for (let s = 1; s <= seasons; s++) {
          const n = tvLength();
          addEntry(shape, s === 1 ? name : `${name} ${s}`, 'TV', n, {
            show,
            parts: [{ season: s, from: 1, to: n, at: 1 }],
          });
        }
        break;
      }
      case 'continued': {
        const show = newShow(name, year);
        const first = pick([12, 13]);
        addEntry(shape, name, 'TV', first, { show, parts: [{ season: 1, from: 1, to: first, at: 1 }] });
        if (left >= 2) {
          addEntry(shape, `${name} 2`, 'TV', 12, { show, parts: [{ season: 1, from: 1, to: 12, at: first + 1 }] });
        }
        break;
      }
      case 'split_cour': {
        // Seasons 1 and 2 are on TMDB (not on this list); season 3 comes in two cours.
        const show = newShow(name, year);
        show.seasons.set(1, 25);
        show.seasons.set(2, 12);
        addEntry(shape, `${name} 3`, 'TV', 12, { show, parts: [{ season: 3, from: 1, to: 12, at: 1 }] });
        if (left >= 2) {
          const second = pick([10, 12]);
          addEntry(shape, `${name} 3 Part 2`, 'TV', second, {
            show,
            parts: [{ season: 3, from: 1, to: second, at: 13 }],
          });
        }
        break;
      }
      case 'across_seasons': {
        const show = newShow(name, year);
        addEntry(shape, name, 'TV', 24, {
          show,
          parts: [
            { season: 1, from: 1, to: 12, at: 1 },
            { season: 2, from: 13, to: 24, at: 1 },
          ],
        });
        break;
      }
      case 'special': {
        const show = newShow(name, year);
        const n = tvLength();
        addEntry(shape, name, 'TV', n, { show, parts: [{ season: 1, from: 1, to: n, at: 1 }] });
        show.seasons.set(0, 3);
        if (left >= 2) {
          addEntry(shape, `${name} OVA`, 'OVA', 1, { show, parts: [{ season: 0, from: 1, to: 1, at: int(1, 3) }] });
        }
        break;
      }
      case 'long_runner': {
        const show = newShow(name, year);
        const total = int(100, 300);
        const parts: { season: number; from: number; to: number; at: number }[] = [];
        for (let from = 1, season = 1; from <= total; season++) {
          const to = Math.min(total, from + int(20, 60) - 1);
          parts.push({ season, from, to, at: 1 });
          from = to + 1;
        }
        addEntry(shape, name, 'TV', total, { show, parts });
        break;
      }
      case 'movie':
        addEntry(shape, `${name} Movie`, 'MOVIE', 1, { movie: true });
        break;
    }
  }

  return {
    entries: media.map((m) => m.entry),
    catalogue: catalogueOf(shows, media),
    mapping: mappingOf(media),
    expected: expectedOf(media),
    shapes,
  };
}

function fuzzy(date: Date): FuzzyDate {
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function isoDay(date: FuzzyDate): string {
  const pad = (n: number | null, width: number) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

function catalogueOf(shows: readonly ShowBuild[], media: readonly MediaBuild[]): TraktList['catalogue'] {
  let seasonId = 30_000_000;
  let episodeId = 40_000_000;
  return {
    shows: shows.map((s) => ({
      title: s.title,
      year: s.year,
      ids: { trakt: s.trakt, slug: `bench-show-${s.trakt}`, tmdb: s.tmdb },
      seasons: [...s.seasons.entries()]
        .sort(([a], [b]) => a - b)
        .map(([number, episodes]) => ({
          number,
          ids: { trakt: ++seasonId },
          episodes: Array.from({ length: episodes }, (_, k) => ({ number: k + 1, ids: { trakt: ++episodeId } })),
        })),
    })),
    movies: media.flatMap((m) =>
      m.movie
        ? [
            {
              title: m.entry.media!.title.romaji ?? 'Movie',
              year: m.entry.completedAt.year,
              ids: { trakt: m.movie.trakt, slug: `bench-movie-${m.movie.trakt}`, tmdb: m.movie.tmdb },
            },
          ]
        : [],
    ),
  };
}

/**
 * The anibridge v3 members, every edge in both directions as the release has them: `anilist:` → `mal:` and
 * `tmdb_show:…:sN` (ranges) or `tmdb_movie:`; `mal:` → `anilist:` and the same TMDB targets; `tmdb_show:…:sN` →
 * each AniList media on that season (ranges reversed) and its MAL id; `tmdb_movie:` → `anilist:` and `mal:`.
 */
function mappingOf(media: readonly MediaBuild[]): string[] {
  const members = new Map<string, Record<string, Ranges>>();
  const add = (from: string, to: string, ranges: Ranges) => {
    const targets = members.get(from) ?? {};
    targets[to] = { ...targets[to], ...ranges };
    members.set(from, targets);
  };
  for (const m of media) {
    const anilist = `anilist:${m.entry.mediaId}`;
    const mal = `mal:${m.mal}`;
    const all = span(1, m.entry.media!.episodes ?? 1);
    add(anilist, mal, { [all]: all });
    add(mal, anilist, { [all]: all });
    if (m.movie) {
      const movie = `tmdb_movie:${m.movie.tmdb}`;
      for (const [from, to] of [
        [anilist, movie],
        [mal, movie],
        [movie, anilist],
        [movie, mal],
      ] as const) {
        add(from, to, { '1': '1' });
      }
      continue;
    }
    for (const [season, ranges] of m.ranges) {
      const key = `tmdb_show:${m.show!.tmdb}:s${season}`;
      const reversed = Object.fromEntries(Object.entries(ranges).map(([source, target]) => [target!, source]));
      add(anilist, key, ranges);
      add(mal, key, ranges);
      add(key, anilist, reversed);
      add(key, mal, reversed);
    }
  }
  return [...members.keys()].sort().map((key) => `${JSON.stringify(key)}:${JSON.stringify(members.get(key))}`);
}

/**
 * What the mirror must end up with. Plays: one per placed episode (or the movie) at the completion date, noon
 * UTC. Ratings (`score / 10`, half up, at least 1): the movie; or the show when no other AniList media of the
 * mapping sits on it; otherwise each season the entry covers in full, and none for seasons covered in part.
 */
function expectedOf(media: readonly MediaBuild[]): TraktList['expected'] {
  const plays: ExpectedPlay[] = [];
  const ratings: ExpectedRating[] = [];
  let notRated = 0;
  for (const m of media) {
    const { entry } = m;
    const watchedAt = `${isoDay(entry.completedAt)}T12:00:00.000Z`;
    const base = { entryId: entry.id, mediaId: entry.mediaId, watchedAt };
    const rating = entry.score > 0 ? Math.min(10, Math.max(1, Math.round(entry.score / 10))) : undefined;
    if (m.movie) {
      plays.push({ ...base, movie: m.movie.trakt });
      if (rating !== undefined) ratings.push({ key: `movie:${m.movie.trakt}`, rating, entryId: entry.id });
      continue;
    }
    const show = m.show!;
    for (const e of m.episodes) plays.push({ ...base, show: show.trakt, season: e.season, number: e.number });
    if (rating === undefined) continue;
    if (show.media.length === 1) {
      ratings.push({ key: `show:${show.trakt}`, rating, entryId: entry.id });
      continue;
    }
    for (const season of new Set(m.episodes.map((e) => e.season))) {
      const covered = m.episodes.filter((e) => e.season === season).length;
      if (covered === show.seasons.get(season)) {
        ratings.push({ key: `season:${show.trakt}:${season}`, rating, entryId: entry.id });
      } else notRated++;
    }
  }
  return { plays, ratings, notRated };
}

/** The Trakt sandbox fixture: the catalogue, and optionally a history and ratings that already hold the list. */
export function traktListFixture(list: TraktList, options: { holdsList: boolean }): TraktFixture {
  if (!options.holdsList) return { shows: list.catalogue.shows, movies: list.catalogue.movies };
  const history: TraktHistoryItemInput[] = list.expected.plays.map((p) =>
    p.movie !== undefined
      ? { watched_at: p.watchedAt, type: 'movie', movie: { ids: { trakt: p.movie } } }
      : {
          watched_at: p.watchedAt,
          type: 'episode',
          show: { ids: { trakt: p.show! } },
          episode: { season: p.season!, number: p.number! },
        },
  );
  const ratings: TraktRatingItemInput[] = list.expected.ratings.map((r) => {
    const [kind, id, season] = r.key.split(':');
    const ids = { trakt: Number(id) };
    const rated_at = '2025-06-01T12:00:00.000Z';
    if (kind === 'movie') return { rated_at, rating: r.rating, type: 'movie', movie: { ids } };
    if (kind === 'show') return { rated_at, rating: r.rating, type: 'show', show: { ids } };
    return { rated_at, rating: r.rating, type: 'season', show: { ids }, season: { number: Number(season) } };
  });
  return { ...list.catalogue, history, ratings };
}

/**
 * Writes an anibridge v3 file holding the list's mapping; with `filler`, after other media: the synthetic
 * generator's (`generate.ts`, e.g. 40,000 for the real file's size), generated here or read from a file it wrote.
 * Returns the file's size in bytes.
 */
export function writeTraktListMapping(
  file: string,
  list: TraktList,
  filler?: { readonly anilist: number; readonly seed: number } | { readonly file: string },
): number {
  const fd = openSync(file, 'w');
  let bytes = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    bytes += writeSync(fd, pending.join(''));
    pending = [];
    pendingLength = 0;
  };
  const put = (text: string) => {
    pending.push(text);
    pendingLength += text.length;
    if (pendingLength > 1 << 20) flush();
  };
  try {
    if (filler && 'file' in filler) {
      const text = readFileSync(filler.file, 'utf8').trimEnd();
      if (!text.startsWith('{') || !text.endsWith('}')) throw new Error(`${filler.file} is not a JSON object`);
      put(text.slice(0, -1));
    } else if (filler) {
      // The generator's last piece is the closing brace: the list's members go before it.
      let last: string | undefined;
      generateAnibridge(filler, (text) => {
        if (last !== undefined) put(last);
        last = text;
      });
      if (last !== '}') throw new Error('the anibridge generator did not end with a closing brace');
    } else {
      put('{"$meta":{"schema_version":"3.0.3","generated_on":"2026-12-01T00:00:00Z"}');
    }
    for (const member of list.mapping) put(`,${member}`);
    put('}');
    flush();
    return bytes;
  } finally {
    closeSync(fd);
  }
}
