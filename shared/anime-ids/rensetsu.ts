import { createReadStream } from 'node:fs';
import { type ByteSource, pump } from './anibridge';
import { ANIME_IDS_KEYS, type CacheOptions, type DatasetPart, loadDataset, type PartOutcome } from './cache';
import { AnimeIdsFormatError } from './errors';
import { JsonScanError, TopLevelScanner } from './json-scan';

/**
 * The fallback for MAL ids anibridge cannot place: rensetsu/db.trakt.extended-anitrakt (MIT), MAL id → Trakt
 * show (with a season *hint*: AniTrakt's guess, verified only to exist; `is_split_cour` when it does not, i.e.
 * the episodes are likely under the previous season) or Trakt movie. The real files are JSON arrays of
 *
 *     tv_ex.json:     {"myanimelist":{"title","id"},"trakt":{"title","id","slug","type":"shows",
 *                      "season":{"id","number","externals":{…}}|null,"is_split_cour"},"release_year",
 *                      "externals":{"tvdb","tmdb","imdb","tvrage"}}
 *     movies_ex.json: {"myanimelist":{"title","id"},"trakt":{"title","id","slug","type":"movies"},"release_year",
 *                      "externals":{"tmdb","imdb","letterboxd"}}
 *
 * (`release_year` and `externals` at the top level, not under `trakt` as the project's README says). A few MB
 * each: streamed element by element, so only one element's text is held at a time; the compact form keeps
 * six fields per show and four per movie.
 */

export const RENSETSU_TV_URL =
  'https://raw.githubusercontent.com/rensetsu/db.trakt.extended-anitrakt/main/json/output/tv_ex.json';
export const RENSETSU_MOVIES_URL =
  'https://raw.githubusercontent.com/rensetsu/db.trakt.extended-anitrakt/main/json/output/movies_ex.json';

export interface RensetsuShow {
  readonly traktShowId: number;
  readonly slug: string;
  /** A hint, not a verified placement; null when AniTrakt's season does not exist on Trakt. */
  readonly season: number | null;
  /** The hinted season does not exist on Trakt: the episodes are likely under the previous season. */
  readonly splitCour: boolean;
  readonly tmdbShowId?: number;
}

export interface RensetsuMovie {
  readonly traktMovieId: number;
  readonly slug: string;
  readonly tmdbMovieId?: number;
}

export type RensetsuTable =
  | { readonly kind: 'tv'; readonly rows: ReadonlyMap<number, RensetsuShow> }
  | { readonly kind: 'movies'; readonly rows: ReadonlyMap<number, RensetsuMovie> };

type TvRow = [mal: number, trakt: number, slug: string, season: number | null, split: 0 | 1, tmdb: number | null];
type MovieRow = [mal: number, trakt: number, slug: string, tmdb: number | null];

export interface RensetsuMeta {
  readonly tv: { readonly url: string | null; readonly fetchedAt: number | null; readonly shows: number };
  readonly movies: { readonly url: string | null; readonly fetchedAt: number | null; readonly movies: number };
}

export class RensetsuIndex {
  constructor(
    private readonly tv: ReadonlyMap<number, RensetsuShow>,
    private readonly movieRows: ReadonlyMap<number, RensetsuMovie>,
    readonly meta: RensetsuMeta,
  ) {}

  show(malId: number): RensetsuShow | undefined {
    return this.tv.get(malId);
  }

  movie(malId: number): RensetsuMovie | undefined {
    return this.movieRows.get(malId);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0x7fffffff ? v : undefined;
}

/** One tv_ex.json element, or undefined when it lacks what the fallback needs. */
export function parseTvItem(item: unknown): [number, RensetsuShow] | undefined {
  if (!isObject(item) || !isObject(item.myanimelist) || !isObject(item.trakt)) return undefined;
  const mal = positiveInt(item.myanimelist.id);
  const trakt = item.trakt;
  const traktShowId = positiveInt(trakt.id);
  if (mal === undefined || traktShowId === undefined || typeof trakt.slug !== 'string') return undefined;
  if (trakt.type !== undefined && trakt.type !== 'shows') return undefined;
  let season: number | null = null;
  if (isObject(trakt.season)) {
    const n = trakt.season.number;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return undefined;
    season = n;
  } else if (trakt.season !== null && trakt.season !== undefined) return undefined;
  const splitCour = trakt.is_split_cour === true;
  const tmdbShowId = isObject(item.externals) ? positiveInt(item.externals.tmdb) : undefined;
  return [
    mal,
    { traktShowId, slug: trakt.slug, season, splitCour, ...(tmdbShowId === undefined ? {} : { tmdbShowId }) },
  ];
}

/** One movies_ex.json element, or undefined when it lacks what the fallback needs. */
export function parseMovieItem(item: unknown): [number, RensetsuMovie] | undefined {
  if (!isObject(item) || !isObject(item.myanimelist) || !isObject(item.trakt)) return undefined;
  const mal = positiveInt(item.myanimelist.id);
  const traktMovieId = positiveInt(item.trakt.id);
  if (mal === undefined || traktMovieId === undefined || typeof item.trakt.slug !== 'string') return undefined;
  if (item.trakt.type !== undefined && item.trakt.type !== 'movies') return undefined;
  const tmdbMovieId = isObject(item.externals) ? positiveInt(item.externals.tmdb) : undefined;
  return [mal, { traktMovieId, slug: item.trakt.slug, ...(tmdbMovieId === undefined ? {} : { tmdbMovieId }) }];
}

/** Streams a rensetsu array into its table and compact text. Malformed elements are counted and skipped. */
export async function extractRensetsu(
  kind: 'tv' | 'movies',
  source: ByteSource,
): Promise<{ table: RensetsuTable; text: string; counts: Record<string, number> }> {
  const rows = new Map<number, RensetsuShow | RensetsuMovie>();
  let malformed = 0;
  let duplicates = 0;
  const parseItem = kind === 'tv' ? parseTvItem : parseMovieItem;
  const scanner = new TopLevelScanner(
    {
      root: (root) => {
        if (root !== 'array') throw new AnimeIdsFormatError(`not a rensetsu ${kind} file: the JSON root is an object`);
      },
      value: (_key, text) => {
        let parsed: [number, RensetsuShow | RensetsuMovie] | undefined;
        try {
          parsed = parseItem(JSON.parse(text));
        } catch {
          parsed = undefined;
        }
        if (!parsed) malformed++;
        // The first entry for a MAL id wins (the real files have none twice).
        else if (rows.has(parsed[0])) duplicates++;
        else rows.set(parsed[0], parsed[1]);
      },
      oversized: () => {
        malformed++;
      },
    },
    { maxValueBytes: 64 * 1024 },
  );
  try {
    await pump(source, (chunk) => scanner.write(chunk));
    scanner.end();
  } catch (err) {
    if (err instanceof JsonScanError) throw new AnimeIdsFormatError(`not a rensetsu ${kind} file: ${err.message}`);
    throw err;
  }
  const table =
    kind === 'tv'
      ? { kind, rows: rows as Map<number, RensetsuShow> }
      : { kind, rows: rows as Map<number, RensetsuMovie> };
  return { table, text: formatTable(table), counts: { rows: rows.size, malformed, duplicates } };
}

/** Compact form: `{"v":1,"kind":…,"rows":[[…],…]}`, rows as positional arrays. */
export function formatTable(table: RensetsuTable): string {
  const rows: (TvRow | MovieRow)[] = [];
  if (table.kind === 'tv') {
    for (const [mal, s] of table.rows) {
      rows.push([mal, s.traktShowId, s.slug, s.season, s.splitCour ? 1 : 0, s.tmdbShowId ?? null]);
    }
  } else {
    for (const [mal, m] of table.rows) rows.push([mal, m.traktMovieId, m.slug, m.tmdbMovieId ?? null]);
  }
  return JSON.stringify({ v: 1, kind: table.kind, rows });
}

export function parseTable(text: string, kind: 'tv' | 'movies'): RensetsuTable {
  const raw = JSON.parse(text) as { v?: unknown; kind?: unknown; rows?: unknown };
  if (raw.v !== 1 || raw.kind !== kind || !Array.isArray(raw.rows))
    throw new Error(`not a cached rensetsu ${kind} table`);
  if (kind === 'tv') {
    const rows = new Map<number, RensetsuShow>();
    for (const [mal, trakt, slug, season, split, tmdb] of raw.rows as TvRow[]) {
      rows.set(mal, {
        traktShowId: trakt,
        slug,
        season,
        splitCour: split === 1,
        ...(tmdb ? { tmdbShowId: tmdb } : {}),
      });
    }
    return { kind, rows };
  }
  const rows = new Map<number, RensetsuMovie>();
  for (const [mal, trakt, slug, tmdb] of raw.rows as MovieRow[]) {
    rows.set(mal, { traktMovieId: trakt, slug, ...(tmdb ? { tmdbMovieId: tmdb } : {}) });
  }
  return { kind, rows };
}

export interface RensetsuLoadOptions extends CacheOptions {
  readonly tvUrl?: string;
  readonly moviesUrl?: string;
}

export interface RensetsuLoad {
  readonly index: RensetsuIndex;
  readonly source: { readonly tv: PartOutcome; readonly movies: PartOutcome };
  readonly warnings: readonly string[];
}

/** The rensetsu fallback, with the same download-and-cache discipline as `loadAnimeIds` (own keys, same prefix). */
export async function loadRensetsu(options: RensetsuLoadOptions): Promise<RensetsuLoad> {
  const part = (kind: 'tv' | 'movies', key: string, url: string): DatasetPart<RensetsuTable> => ({
    name: kind,
    key,
    url,
    async extract(body) {
      const { table, text, counts } = await extractRensetsu(kind, body);
      return { value: table, text, counts };
    },
    parse: (text) => parseTable(text, kind),
    implausible: (fresh, cached) =>
      (fresh.rows ?? 0) < (cached.rows ?? 0) / 2
        ? `has ${fresh.rows ?? 0} entries where the cached copy has ${cached.rows}`
        : undefined,
  });
  const { parts, warnings } = await loadDataset(
    'anime ids (rensetsu)',
    ANIME_IDS_KEYS.rensetsuMeta,
    [
      part('tv', ANIME_IDS_KEYS.rensetsuTv, options.tvUrl ?? RENSETSU_TV_URL),
      part('movies', ANIME_IDS_KEYS.rensetsuMovies, options.moviesUrl ?? RENSETSU_MOVIES_URL),
    ],
    options,
  );
  const [tv, movies] = parts as [(typeof parts)[0], (typeof parts)[0]];
  const index = indexOf(tv.value, movies.value, {
    tv: { url: tv.meta.url, fetchedAt: tv.meta.fetchedAt },
    movies: { url: movies.meta.url, fetchedAt: movies.meta.fetchedAt },
  });
  return { index, source: { tv: tv.outcome, movies: movies.outcome }, warnings };
}

function indexOf(
  tv: RensetsuTable,
  movies: RensetsuTable,
  fetch: {
    tv: { url: string | null; fetchedAt: number | null };
    movies: { url: string | null; fetchedAt: number | null };
  },
): RensetsuIndex {
  if (tv.kind !== 'tv' || movies.kind !== 'movies') throw new Error('rensetsu tables in the wrong order');
  return new RensetsuIndex(tv.rows, movies.rows, {
    tv: { ...fetch.tv, shows: tv.rows.size },
    movies: { ...fetch.movies, movies: movies.rows.size },
  });
}

/** The fallback index straight from the two files' contents (tests, the sandbox). */
export async function rensetsuFrom(tv: ByteSource, movies: ByteSource): Promise<RensetsuIndex> {
  const none = { url: null, fetchedAt: null };
  return indexOf((await extractRensetsu('tv', tv)).table, (await extractRensetsu('movies', movies)).table, {
    tv: none,
    movies: none,
  });
}

/** The fallback index from the two local files, streamed (the sandbox, a downloaded copy). */
export function loadRensetsuFromFiles(tvPath: string, moviesPath: string): Promise<RensetsuIndex> {
  return rensetsuFrom(createReadStream(tvPath), createReadStream(moviesPath));
}
