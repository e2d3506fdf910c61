import type { RangePair, SeasonMapping } from './ranges';

/**
 * The compact AniList ↔ MAL ↔ TMDB index built from anibridge v3, in memory and in S3.
 *
 * Serialised form (UTF-8 text, what the S3 object holds; ~50-80 bytes per AniList id):
 *
 *     anime-ids index 1\t{"schemaVersion":…,"generatedOn":…,"stats":{…}}
 *     A\t<count>
 *     <anilist id>\t<mal ids, comma-separated>\t<seasons>\t<tmdb movie ids, comma-separated>
 *     M\t<count>
 *     <mal id>\t<anilist ids>
 *     T\t<count>
 *     <tmdb show id>\t<anilist ids>
 *
 * Lines of a section are in ascending id order. `<seasons>` is `;`-separated `<tmdb show>:<season>:<pairs>`, and
 * `<pairs>` space-separated `<source range>=<target range>` (`~` for an explicit null), by source start:
 * `145064\t51009\t95479:1:1-23=25-47\t`. Range strings are the dataset's own, checked on extraction, so they
 * never hold a separator.
 *
 * In memory the index keeps that one string plus, per section, a sorted `Int32Array` of ids and one of line
 * offsets (about 8 bytes per line); a lookup is a binary search and parses one short line. Loading is one pass
 * over the text, with no per-entry objects: ~40k AniList ids cost a few MB and load in milliseconds.
 */

export const INDEX_FORMAT = 'anime-ids index 1';

/** What the extractor saw in the file. */
export interface ExtractionStats {
  /** Top-level descriptor keys read (not `$meta`). */
  readonly keys: number;
  /** Descriptors of known providers this index does not need (anidb, tvdb_show, imdb_*, tmdb_movie sources). */
  readonly ignored: number;
  /** Keys that are not `provider:id[:scope]` of a known provider. */
  readonly unknown: number;
  /** Pieces skipped as malformed: a bad id, a value that is not an object, a bad range pair. */
  readonly malformed: number;
  /** Values over the scanner's size limit, skipped. */
  readonly oversized: number;
  /** Source keys seen more than once (the last one wins, as in `JSON.parse`). */
  readonly duplicates: number;
}

export interface IndexHeader {
  /** `$meta.schema_version` of the file, e.g. `3.2.1`. */
  readonly schemaVersion: string | null;
  /** `$meta.generated_on` of the file. */
  readonly generatedOn: string | null;
  readonly stats: ExtractionStats;
}

export interface IndexCounts {
  readonly anilist: number;
  readonly mal: number;
  readonly tmdbShows: number;
}

/** Where an index came from: the file's own header plus how it was fetched. */
export interface AnimeIdsMeta extends IndexHeader {
  /** The download URL (no query string), or null for a local file or string. */
  readonly sourceUrl: string | null;
  readonly etag: string | null;
  /** When the file was last downloaded or confirmed unchanged (epoch ms), or null when not downloaded. */
  readonly fetchedAt: number | null;
  readonly counts: IndexCounts;
}

/** What the dataset says about one AniList media. */
export interface AnilistMapping {
  readonly mal: readonly number[];
  /** TMDB seasons, by show then season, with the dataset's episode ranges. */
  readonly shows: readonly SeasonMapping[];
  readonly movies: readonly number[];
}

/** The cached text is not an index this code can read (older format, damaged). */
export class IndexFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexFormatError';
  }
}

interface Section {
  readonly ids: Int32Array;
  /** Offset in the text of each line's first byte after the id and its tab. */
  readonly starts: Int32Array;
}

const NO_NUMBERS: readonly number[] = Object.freeze([]);

export class AnimeIdIndex {
  private constructor(
    private readonly text: string,
    private readonly anilist: Section,
    private readonly malSection: Section,
    private readonly shows: Section,
    readonly meta: AnimeIdsMeta,
  ) {}

  /** Reads the serialised form; `fetch` adds how it was obtained. Throws `IndexFormatError`. */
  static parse(
    text: string,
    fetch: { sourceUrl: string | null; etag: string | null; fetchedAt: number | null } = {
      sourceUrl: null,
      etag: null,
      fetchedAt: null,
    },
  ): AnimeIdIndex {
    const headerEnd = text.indexOf('\n');
    const headerLine = headerEnd === -1 ? text : text.slice(0, headerEnd);
    const tab = headerLine.indexOf('\t');
    if (tab === -1 || headerLine.slice(0, tab) !== INDEX_FORMAT) {
      throw new IndexFormatError(`not an "${INDEX_FORMAT}" text`);
    }
    let header: IndexHeader;
    try {
      header = readHeader(JSON.parse(headerLine.slice(tab + 1)));
    } catch (err) {
      throw new IndexFormatError(`unreadable header: ${err instanceof Error ? err.message : String(err)}`);
    }
    const cursor = { at: headerEnd + 1 };
    const anilist = readSection(text, cursor, 'A');
    const mal = readSection(text, cursor, 'M');
    const shows = readSection(text, cursor, 'T');
    if (cursor.at < text.length) throw new IndexFormatError('unexpected text after the last section');
    return new AnimeIdIndex(text, anilist, mal, shows, {
      ...header,
      ...fetch,
      counts: { anilist: anilist.ids.length, mal: mal.ids.length, tmdbShows: shows.ids.length },
    });
  }

  /** The same index, saying where and when it was fetched. */
  withSource(fetch: { sourceUrl: string | null; etag: string | null; fetchedAt: number | null }): AnimeIdIndex {
    return new AnimeIdIndex(this.text, this.anilist, this.malSection, this.shows, { ...this.meta, ...fetch });
  }

  /** The serialised form (what `parse` reads). */
  toText(): string {
    return this.text;
  }

  /** The dataset's MAL ids, TMDB seasons and TMDB movies for an AniList media, or undefined if it is not in it. */
  byAnilist(anilistId: number): AnilistMapping | undefined {
    const line = this.line(this.anilist, anilistId);
    if (line === undefined) return undefined;
    const [mal = '', seasons = '', movies = ''] = line.split('\t');
    return { mal: numbers(mal), shows: parseSeasons(seasons), movies: numbers(movies) };
  }

  /** AniList media the dataset maps this MAL id to (usually one), ascending. */
  anilistForMal(malId: number): readonly number[] {
    const line = this.line(this.malSection, malId);
    return line === undefined ? NO_NUMBERS : numbers(line);
  }

  /** Every AniList media mapped onto a TMDB show (any season, either direction), ascending. */
  anilistOnTmdbShow(tmdbShowId: number): readonly number[] {
    const line = this.line(this.shows, tmdbShowId);
    return line === undefined ? NO_NUMBERS : numbers(line);
  }

  private line(section: Section, id: number): string | undefined {
    const i = search(section.ids, id);
    if (i < 0) return undefined;
    const start = section.starts[i]!;
    const end = this.text.indexOf('\n', start);
    return this.text.slice(start, end === -1 ? this.text.length : end);
  }
}

function readHeader(raw: unknown): IndexHeader {
  if (!raw || typeof raw !== 'object') throw new Error('not an object');
  const h = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const stats = (h.stats ?? {}) as Record<string, unknown>;
  const count = (k: string) => (typeof stats[k] === 'number' ? (stats[k] as number) : 0);
  return {
    schemaVersion: str(h.schemaVersion),
    generatedOn: str(h.generatedOn),
    stats: {
      keys: count('keys'),
      ignored: count('ignored'),
      unknown: count('unknown'),
      malformed: count('malformed'),
      oversized: count('oversized'),
      duplicates: count('duplicates'),
    },
  };
}

function readSection(text: string, cursor: { at: number }, name: string): Section {
  const titleEnd = text.indexOf('\n', cursor.at);
  const title = text.slice(cursor.at, titleEnd === -1 ? text.length : titleEnd);
  const m = /^([AMT])\t(\d+)$/.exec(title);
  if (!m || m[1] !== name) throw new IndexFormatError(`expected section ${name}, found "${title.slice(0, 40)}"`);
  const count = Number(m[2]);
  const ids = new Int32Array(count);
  const starts = new Int32Array(count);
  let at = titleEnd === -1 ? text.length : titleEnd + 1;
  let previous = 0;
  for (let i = 0; i < count; i++) {
    let id = 0;
    let j = at;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === 9) break;
      if (c < 48 || c > 57 || j - at > 9) throw new IndexFormatError(`section ${name}, line ${i + 1}: bad id`);
      id = id * 10 + (c - 48);
    }
    if (j === at || j === text.length || id > 0x7fffffff) {
      throw new IndexFormatError(`section ${name}, line ${i + 1}: bad id`);
    }
    if (i > 0 && id <= previous) throw new IndexFormatError(`section ${name}: ids not in ascending order`);
    previous = id;
    ids[i] = id;
    starts[i] = j + 1;
    const end = text.indexOf('\n', j);
    at = end === -1 ? text.length : end + 1;
  }
  cursor.at = at;
  return { ids, starts };
}

function search(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function numbers(list: string): readonly number[] {
  if (list === '') return NO_NUMBERS;
  return list.split(',').map(Number);
}

function parseSeasons(text: string): SeasonMapping[] {
  if (text === '') return [];
  return text.split(';').map((season) => {
    const [show = '', number = '', pairs = ''] = season.split(':');
    return {
      tmdbShowId: Number(show),
      season: Number(number),
      ranges: pairs.split(' ').map((pair): RangePair => {
        const eq = pair.indexOf('=');
        const target = pair.slice(eq + 1);
        return { source: pair.slice(0, eq), target: target === '~' ? null : target };
      }),
    };
  });
}

/** One AniList media's line, as the extractor builds it. */
export interface AnilistLine {
  readonly mal: readonly number[];
  readonly shows: readonly SeasonMapping[];
  readonly movies: readonly number[];
}

export function formatAnilistLine(line: AnilistLine): string {
  const seasons = line.shows
    .map((s) => `${s.tmdbShowId}:${s.season}:${s.ranges.map((r) => `${r.source}=${r.target ?? '~'}`).join(' ')}`)
    .join(';');
  return `${line.mal.join(',')}\t${seasons}\t${line.movies.join(',')}`;
}

/** The serialised index from its three sections' lines (`<id>\t…`, ids ascending). */
export function formatIndex(
  header: IndexHeader,
  anilist: readonly string[],
  malToAnilist: readonly string[],
  showToAnilist: readonly string[],
): string {
  return [
    `${INDEX_FORMAT}\t${JSON.stringify(header)}`,
    `A\t${anilist.length}`,
    ...anilist,
    `M\t${malToAnilist.length}`,
    ...malToAnilist,
    `T\t${showToAnilist.length}`,
    ...showToAnilist,
    '',
  ].join('\n');
}

function grow(array: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  if (length < array.length) return array;
  const next = new Int32Array(array.length * 2);
  next.set(array);
  return next;
}

/**
 * Growable (key, value) id pairs: the extractor's reverse maps (MAL → AniList, TMDB show → AniList) as two
 * flat arrays instead of a `Map` of `Set`s (an object and a hash table per key: several times the memory).
 */
export class IdPairs {
  private keys = new Int32Array(1024);
  private values = new Int32Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(key: number, value: number): void {
    this.keys = grow(this.keys, this.count);
    this.values = grow(this.values, this.count);
    this.keys[this.count] = key;
    this.values[this.count++] = value;
  }

  /** `<key>\t<values>` lines: keys ascending, each key's values ascending and distinct. */
  lines(): string[] {
    const { keys, values } = this;
    const order = new Uint32Array(this.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => keys[a]! - keys[b]! || values[a]! - values[b]!);
    const out: string[] = [];
    let i = 0;
    while (i < order.length) {
      const key = keys[order[i]!]!;
      const list: number[] = [];
      for (; i < order.length && keys[order[i]!] === key; i++) {
        const value = values[order[i]!]!;
        if (list[list.length - 1] !== value) list.push(value);
      }
      out.push(`${key}\t${list.join(',')}`);
    }
    return out;
  }
}

/** AniList lines as they are extracted (any order, repeats possible), sorted at the end. */
export class IdLines {
  private ids = new Int32Array(1024);
  private readonly texts: string[] = [];

  get length(): number {
    return this.texts.length;
  }

  push(id: number, line: string): void {
    this.ids = grow(this.ids, this.texts.length);
    this.ids[this.texts.length] = id;
    this.texts.push(line);
  }

  /** `<id>\t<line>`, ids ascending; of a repeated id the last one pushed (as `JSON.parse` keeps the last key). */
  sorted(): { lines: string[]; duplicates: number } {
    const { ids } = this;
    const order = new Uint32Array(this.texts.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => ids[a]! - ids[b]! || a - b);
    const lines: string[] = [];
    let duplicates = 0;
    for (let i = 0; i < order.length; i++) {
      const at = order[i]!;
      if (i + 1 < order.length && ids[order[i + 1]!] === ids[at]) {
        duplicates++;
        continue;
      }
      lines.push(`${ids[at]}\t${this.texts[at]}`);
    }
    return { lines, duplicates };
  }
}
