import { closeSync, openSync, writeSync } from 'node:fs';
import { seededRandom } from '../anilist/generate';

/**
 * A synthetic anibridge v3 file of realistic size and shape, for memory and speed measurements: ~40k AniList
 * media (default), each linked to its MAL, AniDB, TMDB/TVDB season(s) or TMDB movie, and IMDb descriptors, every
 * descriptor of a media pointing at every other (the release's transitive closure), so each edge appears in both
 * directions. Franchises share a TMDB show (seasons, continued numbering, absolute numbering for long runners);
 * a few ranges are open, carry ratios or comma segments, or are null. Deterministic for a seed.
 *
 *     npx tsx local/sandbox/anime-ids/generate.ts <out.json> [--anilist 40000] [--seed 1]
 */

export interface GenerateOptions {
  readonly anilist?: number;
  readonly seed?: number;
}

export interface GeneratedCounts {
  readonly anilist: number;
  readonly keys: number;
  readonly bytes: number;
}

type Ranges = Record<string, string | null>;

interface Descriptor {
  readonly key: string;
  /** From the media's (AniList) episode numbers to this descriptor's. */
  readonly ranges: Ranges;
}

interface Media {
  readonly descriptors: readonly Descriptor[];
}

const range = (a: number, b: number) => (a === b ? String(a) : `${a}-${b}`);

function buildMedia(count: number, seed: number): Media[] {
  const random = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const chance = (p: number) => random() < p;
  const media: Media[] = [];
  // Each provider's ids grow by a random step.
  const last = { anilist: 1, mal: 1, anidb: 1, tmdbShow: 1000, tmdbMovie: 5000, tvdb: 70000, imdb: 100000 };
  const next = (provider: keyof typeof last, maxStep: number): number => {
    last[provider] += int(1, maxStep);
    return last[provider];
  };
  while (media.length < count) {
    // A franchise: one TMDB/TVDB show for its TV media, movies on their own.
    const size = chance(0.6) ? 1 : int(2, 6);
    const show = next('tmdbShow', 40);
    const tvdbShow = next('tvdb', 30);
    const continued = chance(0.2);
    const longRunner = chance(0.01);
    let offset = 0;
    for (let j = 0; j < size && media.length < count; j++) {
      const anilist = next('anilist', 5);
      const isMovie = chance(0.15);
      const airing = !isMovie && chance(0.02);
      const episodes = isMovie ? 1 : longRunner ? int(200, 1100) : [12, 13, 24, 25, 26, 10, 11, 50][int(0, 7)]!;
      const all = range(1, episodes);
      const descriptors: Descriptor[] = [{ key: `anilist:${anilist}`, ranges: { [all]: all } }];
      if (chance(0.92)) descriptors.push({ key: `mal:${next('mal', 6)}`, ranges: { [all]: all } });
      if (chance(0.9)) descriptors.push({ key: `anidb:${next('anidb', 4)}:R`, ranges: { [all]: all } });
      if (chance(0.35)) descriptors.push({ key: `anidb:${last.anidb}:S`, ranges: { '1': '1' } });
      if (isMovie) {
        if (chance(0.8)) descriptors.push({ key: `tmdb_movie:${next('tmdbMovie', 90)}`, ranges: { '1': '1' } });
        if (chance(0.6)) descriptors.push({ key: `imdb_movie:tt${next('imdb', 999)}`, ranges: { '1': '1' } });
      } else {
        const source = airing ? '1-' : all;
        const season = continued ? 1 : j + 1;
        const first = continued || longRunner ? offset + 1 : 1;
        let target = airing ? `${first}-` : range(first, first + episodes - 1);
        if (chance(0.02)) target = `${range(first, first + Math.ceil(episodes / 2) - 1)}|-2`;
        else if (chance(0.01)) target = `${range(first, first + 1)},${range(first + 3, first + episodes)}`;
        if (chance(0.8)) {
          const ranges: Ranges = { [source]: target };
          if (chance(0.01)) ranges[String(episodes + 1)] = null;
          descriptors.push({ key: `tmdb_show:${show}:s${season}`, ranges });
          if (chance(0.15)) descriptors.push({ key: `tmdb_show:${show}:s0`, ranges: { '1': String(j + 1) } });
        }
        if (chance(0.8)) descriptors.push({ key: `tvdb_show:${tvdbShow}:s${j + 1}`, ranges: { [source]: all } });
        if (chance(0.15)) descriptors.push({ key: `tvdb_show:${tvdbShow}:s0`, ranges: { '1': String(j + 1) } });
        if (chance(0.55)) descriptors.push({ key: `imdb_show:tt${next('imdb', 999)}:s1`, ranges: { [all]: all } });
      }
      offset += episodes;
      media.push({ descriptors });
    }
  }
  return media;
}

const PROVIDERS = ['anidb', 'anilist', 'imdb_movie', 'imdb_show', 'mal', 'tmdb_movie', 'tmdb_show', 'tvdb_show'];

function sortKey(key: string): [number, number, number, string] {
  const [provider = '', id = '', scope = ''] = key.split(':');
  const numeric = Number(id.startsWith('tt') ? id.slice(2) : id);
  const season = /^s(\d+)$/.exec(scope);
  return [PROVIDERS.indexOf(provider), numeric, season ? Number(season[1]) : 0, scope];
}

function compare(a: string, b: string): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2] || (ka[3] < kb[3] ? -1 : ka[3] > kb[3] ? 1 : 0);
}

/** The ranges from descriptor `from` to descriptor `to` of the same media (exact from/to AniList). */
function edge(from: Descriptor, to: Descriptor, anilist: Descriptor): Ranges {
  if (from === anilist) return to.ranges;
  const fromPairs = Object.entries(from.ranges).filter((p): p is [string, string] => p[1] !== null);
  if (to === anilist) return Object.fromEntries(fromPairs.map(([source, target]) => [target, source]));
  const toPairs = Object.entries(to.ranges).filter((p) => p[1] !== null);
  const out: Ranges = {};
  fromPairs.forEach(([, target], i) => {
    const other = toPairs[Math.min(i, toPairs.length - 1)];
    if (other) out[target.replace(/\|.*$/, '').split(',')[0]!] = other[1];
  });
  return out;
}

/** Generates the file piece by piece into `emit` (the pieces concatenated are the file). */
export function generateAnibridge(
  options: GenerateOptions,
  emit: (text: string) => void,
): Omit<GeneratedCounts, 'bytes'> {
  const media = buildMedia(options.anilist ?? 40_000, options.seed ?? 1);
  // Every descriptor key → the media it belongs to (shared TMDB seasons belong to several).
  const owners = new Map<string, number[]>();
  media.forEach((m, i) => {
    for (const d of m.descriptors) {
      const list = owners.get(d.key);
      if (list) list.push(i);
      else owners.set(d.key, [i]);
    }
  });
  emit('{"$meta":{"schema_version":"3.0.3","generated_on":"2026-12-01T00:00:00Z"}');
  const keys = [...owners.keys()].sort(compare);
  for (const key of keys) {
    const targets = new Map<string, Ranges>();
    for (const i of owners.get(key)!) {
      const m = media[i]!;
      const from = m.descriptors.find((d) => d.key === key)!;
      for (const to of m.descriptors) {
        if (to.key === key) continue;
        const ranges = edge(from, to, m.descriptors[0]!);
        if (Object.keys(ranges).length > 0) targets.set(to.key, { ...targets.get(to.key), ...ranges });
      }
    }
    if (targets.size === 0) continue;
    const value = Object.fromEntries([...targets.keys()].sort(compare).map((t) => [t, targets.get(t)]));
    emit(`,${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  emit('}');
  return { anilist: media.length, keys: keys.length };
}

/** Writes the file and returns what it holds. */
export function writeAnibridgeFile(file: string, options: GenerateOptions = {}): GeneratedCounts {
  const fd = openSync(file, 'w');
  let bytes = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    const buffer = Buffer.from(pending.join(''));
    writeSync(fd, buffer);
    bytes += buffer.length;
    pending = [];
    pendingLength = 0;
  };
  try {
    const counts = generateAnibridge(options, (text) => {
      pending.push(text);
      pendingLength += text.length;
      if (pendingLength > 1 << 20) flush();
    });
    flush();
    return { ...counts, bytes };
  } finally {
    closeSync(fd);
  }
}

/**
 * A rensetsu `tv_ex.json` of `count` items built from a template item (e.g. one of the sandbox subset) with
 * fresh ids: the size of the real file (~5,400 items, ~3 MB) for measurements.
 */
export function writeRensetsuTvFile(file: string, template: Record<string, unknown>, count = 5400): number {
  const fd = openSync(file, 'w');
  let bytes = 0;
  try {
    const put = (text: string) => {
      bytes += writeSync(fd, text);
    };
    put('[\n');
    for (let i = 0; i < count; i++) {
      const item = structuredClone(template) as {
        myanimelist: { id: number };
        trakt: { id: number; season: { id: number } | null };
      };
      item.myanimelist.id = i + 1;
      item.trakt.id = 100_000 + i;
      if (item.trakt.season) item.trakt.season.id = 500_000 + i;
      put(`${JSON.stringify(item, null, 2)}${i < count - 1 ? ',\n' : '\n'}`);
    }
    put(']\n');
    return bytes;
  } finally {
    closeSync(fd);
  }
}

if (require.main === module) {
  const [out, ...rest] = process.argv.slice(2);
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i === -1 ? undefined : Number(rest[i + 1]);
  };
  if (!out) {
    console.error('usage: npx tsx local/sandbox/anime-ids/generate.ts <out.json> [--anilist 40000] [--seed 1]');
    process.exit(2);
  }
  const counts = writeAnibridgeFile(out, { anilist: flag('--anilist'), seed: flag('--seed') });
  console.log(`${out}: ${counts.anilist} AniList media, ${counts.keys} keys, ${(counts.bytes / 1e6).toFixed(1)} MB`);
}
