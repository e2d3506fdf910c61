/**
 * Episode sets, kept compactly: per season, sorted ranges of episode numbers. Shows run to a
 * thousand episodes and more (One Piece numbers its episodes absolutely inside TMDB seasons), so
 * "S1 1–61" beats a list of 61 numbers in the state, the index and the reports alike.
 */
export interface EpisodeRef {
  readonly season: number;
  readonly number: number;
}

/** `{"1":"1-61","2":"62-77"}`: season → comma list of `a-b` / `a` ranges. */
export type CompactEpisodes = Readonly<Record<string, string>>;

export function compactEpisodes(episodes: readonly EpisodeRef[]): CompactEpisodes {
  const bySeason = new Map<number, number[]>();
  for (const e of episodes) {
    const numbers = bySeason.get(e.season);
    if (numbers) numbers.push(e.number);
    else bySeason.set(e.season, [e.number]);
  }
  const out: Record<string, string> = {};
  for (const [season, numbers] of [...bySeason].sort(([a], [b]) => a - b)) {
    out[String(season)] = ranges([...new Set(numbers)].sort((a, b) => a - b));
  }
  return out;
}

export function expandEpisodes(compact: CompactEpisodes | undefined): EpisodeRef[] {
  const out: EpisodeRef[] = [];
  for (const [season, list] of Object.entries(compact ?? {})) {
    for (const part of list.split(',')) {
      if (part === '') continue;
      const [from, to] = part.split('-').map(Number) as [number, number | undefined];
      for (let n = from; n <= (to ?? from); n++) out.push({ season: Number(season), number: n });
    }
  }
  return out;
}

/** Plain words: `S1E25–47`, `S1E1–61, S2E62–77`, `S0E3`. */
export function describeEpisodes(compact: CompactEpisodes): string {
  return Object.entries(compact)
    .map(([season, list]) =>
      list
        .split(',')
        .map((part) => `S${season}E${part.replace('-', '–')}`)
        .join(', '),
    )
    .join(', ');
}

export function sameEpisodes(a: CompactEpisodes | undefined, b: CompactEpisodes | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a?.[k] === b?.[k]);
}

export const episodeKey = (e: EpisodeRef): string => `${e.season}:${e.number}`;

/** `3, 5–7`: episode numbers as ranges. */
export function describeNumbers(numbers: readonly number[]): string {
  return ranges([...new Set(numbers)].sort((a, b) => a - b))
    .split(',')
    .join(', ')
    .replace(/-/g, '–');
}

/** `1-12,14` → 1…12, 14. */
export function expandNumbers(list: string): number[] {
  return expandEpisodes({ 0: list }).map((e) => e.number);
}

function ranges(sorted: readonly number[]): string {
  const parts: string[] = [];
  let start = sorted[0];
  let prev = start;
  for (const n of [...sorted.slice(1), undefined]) {
    if (n !== undefined && prev !== undefined && n === prev + 1) {
      prev = n;
      continue;
    }
    if (start !== undefined) parts.push(start === prev ? String(start) : `${start}-${prev}`);
    start = n;
    prev = n;
  }
  return parts.join(',');
}
