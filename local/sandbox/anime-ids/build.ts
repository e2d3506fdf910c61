import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSourceRange, parseTargetRange } from '../../../shared/anime-ids/ranges';
import {
  FILLER_ANIME,
  type RangeMap,
  SAMPLE_LIST_ANIME,
  SAMPLE_MOVIES,
  SAMPLE_SHOWS,
  type SampleAnime,
  type SampleShow,
} from './sample-data';

/**
 * Builds the sandbox's id datasets from `sample-data.ts`:
 * - `mappings.min.json`: an anibridge v3 file (minified, `$meta` first) with edges in both directions, as the
 *   release adds them: `anilist:X → T` and `T → anilist:X`, plus `mal:Y → anilist:X` and MAL's transitive edges
 *   to X's other targets (and their reverses), ranges reversed (`"1-50": "1-25|-2"` ↔ `"1-25": "1-50|2"`);
 * - `trakt-sample.json`: the sandbox Trakt's catalogue, shaped like Trakt's `/shows/{id}/seasons?extended=episodes`
 *   and `/search` answers, with stable synthetic ids where the real ones are not known.
 *
 *     npx tsx local/sandbox/anime-ids/build.ts     # rewrites both files; a test checks they are up to date
 */

export const ANIME_IDS_DATA_DIR = path.join(__dirname, '..', 'data', 'anime-ids');
export const SAMPLE_MAPPINGS_FILE = path.join(ANIME_IDS_DATA_DIR, 'mappings.min.json');
export const TRAKT_SAMPLE_FILE = path.join(ANIME_IDS_DATA_DIR, 'trakt-sample.json');
export const RENSETSU_TV_SAMPLE_FILE = path.join(ANIME_IDS_DATA_DIR, 'rensetsu-tv.json');
export const RENSETSU_MOVIES_SAMPLE_FILE = path.join(ANIME_IDS_DATA_DIR, 'rensetsu-movies.json');

export const SAMPLE_META = { schema_version: '3.0.3', generated_on: '2026-12-01T00:00:00Z' } as const;

const PROVIDER_ORDER = ['anidb', 'anilist', 'imdb_movie', 'imdb_show', 'mal', 'tmdb_movie', 'tmdb_show', 'tvdb_show'];

/** anibridge's ordering: provider, then id (numerically when numeric), then scope (seasons numerically). */
export function compareDescriptors(a: string, b: string): number {
  const [pa = '', ia = '', sa = ''] = a.split(':');
  const [pb = '', ib = '', sb = ''] = b.split(':');
  if (pa !== pb) return PROVIDER_ORDER.indexOf(pa) - PROVIDER_ORDER.indexOf(pb) || (pa < pb ? -1 : 1);
  const na = Number(ia);
  const nb = Number(ib);
  if (ia !== ib) return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : ia < ib ? -1 : 1;
  const ma = /^s(\d+)$/.exec(sa);
  const mb = /^s(\d+)$/.exec(sb);
  if (ma && mb) return Number(ma[1]) - Number(mb[1]);
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

function formatSpan(start: number, end: number | null): string {
  if (end === null) return `${start}-`;
  return start === end ? String(start) : `${start}-${end}`;
}

/** The same mapping read from the target's side. Pairs that cannot be reversed exactly are left out. */
export function reverseRanges(ranges: RangeMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [sourceText, targetText] of Object.entries(ranges)) {
    if (targetText === null) continue;
    const source = parseSourceRange(sourceText);
    const target = parseTargetRange(targetText);
    if (!source || !target) continue;
    const sourceKey = formatSpan(source.start, source.end);
    if (target.segments.length === 1) {
      const [segment] = target.segments;
      const key = formatSpan(segment!.start, segment!.end);
      out[key] = target.ratio === 1 ? sourceKey : `${sourceKey}|${-target.ratio}`;
      continue;
    }
    // Comma segments without a ratio: each segment maps back onto its slice of the source.
    if (target.ratio !== 1) continue;
    let at = source.start;
    for (const segment of target.segments) {
      if (segment.end === null) break;
      const length = segment.end - segment.start + 1;
      out[formatSpan(segment.start, segment.end)] = formatSpan(at, at + length - 1);
      at += length;
    }
  }
  return out;
}

type Edges = Map<string, Map<string, Record<string, string | null>>>;

function addEdge(edges: Edges, source: string, target: string, ranges: RangeMap): void {
  if (Object.keys(ranges).length === 0 || source === target) return;
  let targets = edges.get(source);
  if (!targets) {
    targets = new Map();
    edges.set(source, targets);
  }
  targets.set(target, { ...targets.get(target), ...ranges });
}

export function mappingEdges(anime: readonly SampleAnime[]): Edges {
  const edges: Edges = new Map();
  for (const media of anime) {
    const source = `anilist:${media.anilist}`;
    const mal = Object.keys(media.targets).find((t) => t.startsWith('mal:'));
    for (const [target, ranges] of Object.entries(media.targets)) {
      addEdge(edges, source, target, ranges);
      addEdge(edges, target, source, reverseRanges(ranges));
      // The release's transitive closure: MAL reaches what AniList reaches (same episodes here).
      if (mal && target !== mal) {
        addEdge(edges, mal, target, ranges);
        addEdge(edges, target, mal, reverseRanges(ranges));
      }
    }
  }
  return edges;
}

/** The sandbox anibridge v3 file: minified, `$meta` first, keys in anibridge's order. */
export function buildSampleMappings(anime: readonly SampleAnime[] = [...SAMPLE_LIST_ANIME, ...FILLER_ANIME]): string {
  const edges = mappingEdges(anime);
  const doc: Record<string, unknown> = { $meta: SAMPLE_META };
  for (const source of [...edges.keys()].sort(compareDescriptors)) {
    const targets = edges.get(source)!;
    doc[source] = Object.fromEntries(
      [...targets.keys()].sort(compareDescriptors).map((target) => [target, targets.get(target)]),
    );
  }
  return JSON.stringify(doc);
}

/** Synthetic ids for what the sources do not give: fixed ranges far from real Trakt/TVDB/TMDB ids. */
const SYNTHETIC = {
  seasonTrakt: 95_000_000,
  seasonTvdb: 85_000_000,
  seasonTmdb: 75_000_000,
  episodeTrakt: 90_000_000,
  episodeTvdb: 80_000_000,
  episodeTmdb: 70_000_000,
} as const;

export interface TraktEpisode {
  readonly season: number;
  readonly number: number;
  readonly number_abs: number | null;
  readonly title: string;
  readonly ids: { readonly trakt: number; readonly tvdb: number; readonly tmdb: number; readonly imdb: null };
}

export interface TraktSeason {
  readonly number: number;
  readonly ids: { readonly trakt: number; readonly tvdb: number; readonly tmdb: number };
  readonly episodes: readonly TraktEpisode[];
}

export interface TraktShow {
  readonly title: string;
  readonly year: number;
  readonly ids: SampleShow['ids'];
  readonly seasons: readonly TraktSeason[];
}

export interface TraktSample {
  readonly shows: readonly TraktShow[];
  readonly movies: readonly {
    readonly title: string;
    readonly year: number;
    readonly ids: { trakt: number; slug: string; imdb: string; tmdb: number };
  }[];
  readonly history: readonly unknown[];
  readonly ratings: readonly unknown[];
}

/** The sandbox Trakt catalogue. Deterministic: shows by TMDB id, seasons by number, ids counted in that order. */
export function traktSample(shows: readonly SampleShow[] = SAMPLE_SHOWS): TraktSample {
  const next = { ...SYNTHETIC };
  const out: TraktShow[] = [];
  for (const show of [...shows].sort((a, b) => a.ids.tmdb - b.ids.tmdb)) {
    let absolute = 0;
    const seasons: TraktSeason[] = [];
    for (const season of [...show.seasons].sort((a, b) => a.number - b.number)) {
      const first = season.first ?? 1;
      const episodes: TraktEpisode[] = [];
      for (let i = 0; i < season.episodes; i++) {
        const number = first + i;
        if (season.number > 0) absolute++;
        episodes.push({
          season: season.number,
          number,
          number_abs: season.number === 0 ? null : show.absolute ? number : absolute,
          title: season.number === 0 ? `Special ${number}` : `Episode ${number}`,
          ids: { trakt: ++next.episodeTrakt, tvdb: ++next.episodeTvdb, tmdb: ++next.episodeTmdb, imdb: null },
        });
      }
      seasons.push({
        number: season.number,
        ids: season.ids ?? { trakt: ++next.seasonTrakt, tvdb: ++next.seasonTvdb, tmdb: ++next.seasonTmdb },
        episodes,
      });
    }
    out.push({ title: show.title, year: show.year, ids: show.ids, seasons });
  }
  const movies = [...SAMPLE_MOVIES]
    .sort((a, b) => a.ids.tmdb - b.ids.tmdb)
    .map((m) => ({ title: m.title, year: m.year, ids: { ...m.ids } }));
  return { shows: out, movies, history: [], ratings: [] };
}

/** JSON with one episode per line: readable diffs, a third of the size of fully indented JSON. */
export function formatTraktSample(sample: TraktSample): string {
  const lines: string[] = ['{', '  "shows": ['];
  sample.shows.forEach((show, s) => {
    lines.push('    {');
    lines.push(`      "title": ${JSON.stringify(show.title)},`);
    lines.push(`      "year": ${show.year},`);
    lines.push(`      "ids": ${JSON.stringify(show.ids)},`);
    lines.push('      "seasons": [');
    show.seasons.forEach((season, n) => {
      lines.push('        {');
      lines.push(`          "number": ${season.number},`);
      lines.push(`          "ids": ${JSON.stringify(season.ids)},`);
      lines.push('          "episodes": [');
      season.episodes.forEach((episode, e) => {
        lines.push(`            ${JSON.stringify(episode)}${e < season.episodes.length - 1 ? ',' : ''}`);
      });
      lines.push('          ]');
      lines.push(`        }${n < show.seasons.length - 1 ? ',' : ''}`);
    });
    lines.push('      ]');
    lines.push(`    }${s < sample.shows.length - 1 ? ',' : ''}`);
  });
  lines.push('  ],');
  lines.push('  "movies": [');
  sample.movies.forEach((movie, m) => {
    lines.push(`    ${JSON.stringify(movie)}${m < sample.movies.length - 1 ? ',' : ''}`);
  });
  lines.push('  ],');
  lines.push('  "history": [],');
  lines.push('  "ratings": []');
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  writeFileSync(SAMPLE_MAPPINGS_FILE, `${buildSampleMappings()}\n`);
  writeFileSync(TRAKT_SAMPLE_FILE, formatTraktSample(traktSample()));
  console.log(`wrote ${SAMPLE_MAPPINGS_FILE} and ${TRAKT_SAMPLE_FILE}`);
}
