import { AppError } from '../errors';
import {
  type AnilistLine,
  AnimeIdIndex,
  type ExtractionStats,
  formatAnilistLine,
  formatIndex,
  IdLines,
  IdPairs,
  type IndexHeader,
} from './anime-id-index';
import { AnimeIdsFormatError } from './errors';
import { type Entries, JsonScanError, parseTwoLevel, TopLevelScanner } from './json-scan';
import { parseSourceRange, parseTargetRange, type RangePair, type SeasonMapping } from './ranges';

/**
 * Streaming extraction of what this project needs from anibridge-mappings v3 (`mappings.min.json`, tens of MB):
 * - `anilist:<id>` → `mal:<id>`, `tmdb_show:<id>:s<N>` (with episode ranges), `tmdb_movie:<id>`;
 * - `mal:<id>` → `anilist:<id>` (MAL → AniList for lists that live on MAL);
 * - which AniList media sit on each TMDB show, from `anilist:` → `tmdb_show:` and `tmdb_show:` → `anilist:` keys.
 * Each wanted top-level value is captured alone and parsed alone; everything else is skipped as it streams by.
 * Malformed pieces are counted and skipped; only a body that is not an anibridge v3 object at all is an error.
 */

/** The document ended before its closing brace: a cut-short download. Retrying may help. */
export class AnimeIdsTruncatedError extends AppError {
  readonly retryable = true;
  constructor(message: string) {
    super('anime_ids_truncated', message);
  }
}

/** Bytes in any form the extractors accept: an HTTP body, a file stream, or the whole text. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array> | string;

const KNOWN_PROVIDERS = new Set([
  'anidb',
  'anilist',
  'mal',
  'imdb_movie',
  'imdb_show',
  'tmdb_movie',
  'tmdb_show',
  'tvdb_show',
  'tvdb_movie',
]);

const ID = /^\d{1,10}$/;
const SHOW_SCOPE = /^s(\d{1,4})$/;

function parseId(text: string): number | undefined {
  if (!ID.test(text)) return undefined;
  const id = Number(text);
  return id > 0 && id <= 0x7fffffff ? id : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Push chunks in, then `finish()`: the serialised index text plus what was seen. */
export class AnibridgeExtractor {
  private readonly stats = { keys: 0, ignored: 0, unknown: 0, malformed: 0, oversized: 0 };
  private readonly anilist = new IdLines();
  private readonly malToAnilist = new IdPairs();
  private readonly showToAnilist = new IdPairs();
  private schemaVersion: string | null = null;
  private generatedOn: string | null = null;
  private sawMeta = false;
  private readonly scanner: TopLevelScanner;

  constructor() {
    this.scanner = new TopLevelScanner({
      root: (kind) => {
        if (kind !== 'object') throw new AnimeIdsFormatError('not an anibridge v3 file: the JSON root is an array');
      },
      wantKey: (key) => this.want(key),
      value: (key, text) => this.take(key!, text),
      oversized: () => {
        this.stats.oversized++;
      },
    });
  }

  write(chunk: Uint8Array): void {
    try {
      this.scanner.write(chunk);
    } catch (err) {
      throw translate(err);
    }
  }

  finish(): { text: string; header: IndexHeader } {
    try {
      this.scanner.end();
    } catch (err) {
      throw translate(err);
    }
    if (!this.sawMeta && this.anilist.length + this.malToAnilist.length + this.showToAnilist.length === 0) {
      throw new AnimeIdsFormatError('not an anibridge v3 file: no "$meta" and no anilist/mal/tmdb_show descriptors');
    }
    const { lines, duplicates } = this.anilist.sorted();
    const header: IndexHeader = {
      schemaVersion: this.schemaVersion,
      generatedOn: this.generatedOn,
      stats: { ...this.stats, duplicates } satisfies ExtractionStats,
    };
    return {
      text: formatIndex(header, lines, this.malToAnilist.lines(), this.showToAnilist.lines()),
      header,
    };
  }

  private want(key: string): boolean {
    if (key === '$meta') return true;
    if (key.startsWith('$')) return false;
    this.stats.keys++;
    if (key.startsWith('anilist:') || key.startsWith('mal:') || key.startsWith('tmdb_show:')) return true;
    const colon = key.indexOf(':');
    if (colon > 0 && KNOWN_PROVIDERS.has(key.slice(0, colon))) this.stats.ignored++;
    else this.stats.unknown++;
    return false;
  }

  private take(key: string, text: string): void {
    if (key === '$meta') {
      let meta: unknown;
      try {
        meta = JSON.parse(text);
      } catch {
        throw new AnimeIdsFormatError('not an anibridge v3 file: "$meta" is not valid JSON');
      }
      this.takeMeta(meta);
      return;
    }
    const targets = targetsOf(text);
    if (!targets) {
      this.stats.malformed++;
      return;
    }
    const parts = key.split(':');
    if (parts[0] === 'anilist' && parts.length === 2) {
      const id = parseId(parts[1]!);
      if (id === undefined) this.stats.malformed++;
      else this.takeAnilist(id, targets);
    } else if (parts[0] === 'mal' && parts.length === 2) {
      const id = parseId(parts[1]!);
      if (id === undefined) this.stats.malformed++;
      else this.takeReverse(targets, (anilistId) => this.malToAnilist.push(id, anilistId));
    } else if (parts[0] === 'tmdb_show' && parts.length === 3) {
      const id = parseId(parts[1]!);
      if (id === undefined || !SHOW_SCOPE.test(parts[2]!)) this.stats.malformed++;
      else this.takeReverse(targets, (anilistId) => this.showToAnilist.push(id, anilistId));
    } else this.stats.malformed++;
  }

  private takeMeta(value: unknown): void {
    this.sawMeta = true;
    const version = isObject(value) ? value.schema_version : undefined;
    if (typeof version !== 'string' || !/^3(\.|$)/.test(version)) {
      throw new AnimeIdsFormatError(
        `not an anibridge v3 file: $meta.schema_version is ${JSON.stringify(version ?? null)}, expected 3.x`,
      );
    }
    this.schemaVersion = version;
    const generated = isObject(value) ? value.generated_on : undefined;
    this.generatedOn = typeof generated === 'string' ? generated : null;
  }

  private takeAnilist(id: number, targets: Targets): void {
    const mal = new Set<number>();
    const movies = new Set<number>();
    const shows: SeasonMapping[] = [];
    for (const [target, ranges] of targets) {
      const parts = target.split(':');
      const provider = parts[0]!;
      if (provider === 'mal' || provider === 'tmdb_movie') {
        const targetId = parts.length === 2 ? parseId(parts[1]!) : undefined;
        if (targetId === undefined || !ranges) {
          this.stats.malformed++;
          continue;
        }
        if (provider === 'mal') {
          mal.add(targetId);
          this.malToAnilist.push(targetId, id);
        } else movies.add(targetId);
      } else if (provider === 'tmdb_show') {
        const showId = parts.length === 3 ? parseId(parts[1]!) : undefined;
        const season = SHOW_SCOPE.exec(parts[2] ?? '');
        const pairs = ranges ? this.pairs(ranges) : undefined;
        if (showId === undefined || !season || !pairs || pairs.length === 0) {
          if (!pairs || showId === undefined || !season) this.stats.malformed++;
          continue;
        }
        shows.push({ tmdbShowId: showId, season: Number(season[1]), ranges: pairs });
        this.showToAnilist.push(showId, id);
      }
    }
    shows.sort((a, b) => a.tmdbShowId - b.tmdbShowId || a.season - b.season);
    const line: AnilistLine = {
      mal: [...mal].sort((a, b) => a - b),
      shows,
      movies: [...movies].sort((a, b) => a - b),
    };
    this.anilist.push(id, formatAnilistLine(line));
  }

  /**
   * Valid pairs of a range map, by source start (the order does not matter, and `JSON.parse`, for a value read
   * through the fallback, would have put integer-like keys such as "12" first); each bad pair is counted and
   * left out.
   */
  private pairs(ranges: Entries): RangePair[] {
    const out: { pair: RangePair; start: number }[] = [];
    for (const [source, target] of ranges) {
      const span = parseSourceRange(source);
      const ok = span && (target === null || (typeof target === 'string' && parseTargetRange(target) !== undefined));
      if (ok) out.push({ pair: { source, target: target as string | null }, start: span.start });
      else this.stats.malformed++;
    }
    return out.sort((a, b) => a.start - b.start).map((p) => p.pair);
  }

  private takeReverse(targets: Targets, add: (anilistId: number) => void): void {
    for (const [target] of targets) {
      if (!target.startsWith('anilist:')) continue;
      const anilistId = parseId(target.slice('anilist:'.length));
      if (anilistId === undefined) this.stats.malformed++;
      else add(anilistId);
    }
  }
}

/** A source's targets: each with its range entries, or undefined when its value is not an object. */
type Targets = [string, Entries | undefined][];

/** The fast path for the usual shape, `JSON.parse` for anything else; undefined when not an object at all. */
function targetsOf(text: string): Targets | undefined {
  const fast = parseTwoLevel(text);
  if (fast) return fast;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  return Object.entries(value).map(([target, ranges]) => [
    target,
    isObject(ranges) ? Object.entries(ranges) : undefined,
  ]);
}

function translate(err: unknown): unknown {
  if (!(err instanceof JsonScanError)) return err;
  if (err.problem === 'truncated') return new AnimeIdsTruncatedError(`anibridge file cut short: ${err.message}`);
  return new AnimeIdsFormatError(`not an anibridge v3 file: ${err.message}`);
}

/** Feeds any byte source to `write`, chunk by chunk. */
export async function pump(source: ByteSource, write: (chunk: Uint8Array) => void): Promise<void> {
  if (typeof source === 'string') {
    write(new TextEncoder().encode(source));
    return;
  }
  if (isReadableStream(source)) {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) {
          done = true;
          return;
        }
        write(next.value);
      }
    } finally {
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  for await (const chunk of source as AsyncIterable<Uint8Array>) write(chunk);
}

function isReadableStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array>).getReader === 'function';
}

/** Extracts the index from a whole anibridge v3 file: HTTP body, file stream or text. */
export async function extractAnibridge(source: ByteSource): Promise<{ text: string; header: IndexHeader }> {
  const extractor = new AnibridgeExtractor();
  await pump(source, (chunk) => extractor.write(chunk));
  return extractor.finish();
}

/** An index straight from an anibridge v3 file (tests, the sandbox, a local copy). */
export async function animeIdsFrom(source: ByteSource): Promise<AnimeIdIndex> {
  const { text } = await extractAnibridge(source);
  return AnimeIdIndex.parse(text);
}
