/**
 * Episode-range math for anibridge v3 mappings (pure).
 *
 * A mapping between a source descriptor (an AniList media) and a target descriptor (one TMDB season) is a set of
 * `"<source range>": "<target range>" | null` pairs:
 * - source range: `x`, `x-y` or `x-` (open: up to the entry's last episode);
 * - target range: comma-separated segments of the same forms (only the last may be open), with an optional
 *   trailing `|ratio`: `n > 0` means each source episode spans n target episodes, `-n` that each spans 1/n of one
 *   (n source episodes make one target episode);
 * - `null`: the source range is explicitly unmapped on that target.
 * Episode k of a source range (counting from 0) lands on the k-th episode of the target segments laid end to end.
 */

/** Largest episode number or count this module accepts (One Piece is past 1,100; nothing is near this). */
export const MAX_EPISODE = 100_000;

export interface EpisodeSpan {
  readonly start: number;
  /** Inclusive; null = open-ended. */
  readonly end: number | null;
}

export interface TargetRange {
  readonly segments: readonly EpisodeSpan[];
  /** 1 when absent; n > 1: one source episode → n target episodes; -n: n source episodes → one target episode. */
  readonly ratio: number;
}

/** One `"<source>": "<target>" | null` pair as the dataset writes it. */
export interface RangePair {
  readonly source: string;
  readonly target: string | null;
}

/** An AniList media's mapping onto one TMDB season. */
export interface SeasonMapping {
  readonly tmdbShowId: number;
  readonly season: number;
  readonly ranges: readonly RangePair[];
}

/** Target episodes of one TMDB season, ascending, each once. */
export interface SeasonPlays {
  readonly tmdbShowId: number;
  readonly season: number;
  readonly episodes: readonly number[];
}

export interface Placement {
  /** What episodes 1..N land on, by show and season (ascending). Only episodes placed without doubt. */
  readonly plays: readonly SeasonPlays[];
  /** Source episodes the mapping says nothing about. */
  readonly unmapped: readonly number[];
  /** Source episodes the mapping explicitly leaves unmapped (`null`) and nothing else maps. */
  readonly explicitlyUnmapped: readonly number[];
  /**
   * Source episodes that map to only part of what they need: with `-n`, a target episode whose n source
   * episodes are not all within 1..N (or not all in the range); with `n`, a source episode whose n target
   * episodes run past a closed target range. Their targets are not in `plays`.
   */
  readonly partial: readonly number[];
  /** Source episodes that different pairs send to different targets. Their targets are not in `plays`. */
  readonly ambiguous: readonly number[];
  /** Every episode 1..N is placed: nothing unmapped, partial or ambiguous. */
  readonly complete: boolean;
}

const SPAN = /^(\d{1,7})(?:-(\d{0,7}))?$/;

function parseSpan(text: string): EpisodeSpan | undefined {
  const m = SPAN.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]);
  if (m[2] === undefined) return start <= MAX_EPISODE ? { start, end: start } : undefined;
  const end = m[2] === '' ? null : Number(m[2]);
  if (start > MAX_EPISODE || (end !== null && (end < start || end > MAX_EPISODE))) return undefined;
  return { start, end };
}

/** `x`, `x-y` or `x-`; undefined when malformed (including `y < x`). */
export function parseSourceRange(text: string): EpisodeSpan | undefined {
  return parseSpan(text);
}

/** Segments with an optional trailing `|ratio`; undefined when malformed (an open segment must be the last). */
export function parseTargetRange(text: string): TargetRange | undefined {
  const bar = text.indexOf('|');
  let ratio = 1;
  let body = text;
  if (bar !== -1) {
    const raw = text.slice(bar + 1);
    if (!/^-?\d{1,4}$/.test(raw)) return undefined;
    ratio = Number(raw);
    if (ratio === 0) return undefined;
    if (ratio === -1) ratio = 1; // "each source episode spans 1/1 of a target episode"
    body = text.slice(0, bar);
  }
  const segments: EpisodeSpan[] = [];
  const parts = body.split(',');
  for (let i = 0; i < parts.length; i++) {
    const span = parseSpan(parts[i]!);
    if (!span) return undefined;
    if (span.end === null && i !== parts.length - 1) return undefined;
    segments.push(span);
  }
  return { segments, ratio };
}

/** The k-th (0-based) episode of the segments laid end to end, or undefined past a closed end. */
function episodeAt(segments: readonly EpisodeSpan[], k: number): number | undefined {
  let rest = k;
  for (const s of segments) {
    if (s.end === null) return s.start + rest <= MAX_EPISODE ? s.start + rest : undefined;
    const length = s.end - s.start + 1;
    if (rest < length) return s.start + rest;
    rest -= length;
  }
  return undefined;
}

interface Resolution {
  readonly key: string;
  readonly season: SeasonMapping;
  readonly episodes: readonly number[];
}

/**
 * Where episodes 1..`episodeCount` of an AniList media land on TMDB, and which of them the mapping cannot place.
 * `episodeCount` is the media's episode count for a completed entry, or the progress for a partial one.
 * Pairs that do not parse are ignored (the index never holds any).
 */
export function placeEpisodes(seasons: readonly SeasonMapping[], episodeCount: number): Placement {
  if (!Number.isInteger(episodeCount) || episodeCount < 0 || episodeCount > MAX_EPISODE) {
    throw new RangeError(`episode count must be an integer from 0 to ${MAX_EPISODE}, got ${episodeCount}`);
  }
  const n = episodeCount;
  const resolved = new Map<number, Resolution>();
  const ambiguous = new Set<number>();
  const partial = new Set<number>();
  const nulls = new Set<number>();

  const place = (ep: number, season: SeasonMapping, episodes: readonly number[]) => {
    const key = `${season.tmdbShowId}:${season.season}:${episodes.join(',')}`;
    const existing = resolved.get(ep);
    if (!existing) resolved.set(ep, { key, season, episodes });
    else if (existing.key !== key) ambiguous.add(ep);
  };

  for (const season of seasons) {
    for (const pair of season.ranges) {
      const source = parseSourceRange(pair.source);
      if (!source) continue;
      const first = Math.max(source.start, 1);
      const last = source.end === null ? n : Math.min(source.end, n);
      if (pair.target === null) {
        for (let ep = first; ep <= last; ep++) nulls.add(ep);
        continue;
      }
      const target = parseTargetRange(pair.target);
      if (!target) continue;
      const { segments, ratio } = target;
      for (let ep = first; ep <= last; ep++) {
        const k = ep - source.start;
        if (ratio >= 1) {
          const episodes: number[] = [];
          for (let j = 0; j < ratio; j++) {
            const t = episodeAt(segments, k * ratio + j);
            if (t !== undefined) episodes.push(t);
          }
          if (episodes.length === ratio) place(ep, season, episodes);
          else if (episodes.length > 0) partial.add(ep);
        } else {
          const per = -ratio;
          const group = Math.floor(k / per);
          const t = episodeAt(segments, group);
          if (t === undefined) continue;
          // The target episode is watched only once every source episode that makes it is.
          const groupLast = source.start + group * per + per - 1;
          if ((source.end !== null && groupLast > source.end) || groupLast > n) partial.add(ep);
          else place(ep, season, [t]);
        }
      }
    }
  }

  const bySeason = new Map<string, { season: SeasonMapping; episodes: Set<number> }>();
  const unmapped: number[] = [];
  const explicitlyUnmapped: number[] = [];
  const partialOut: number[] = [];
  const ambiguousOut: number[] = [];
  for (let ep = 1; ep <= n; ep++) {
    const r = resolved.get(ep);
    if (ambiguous.has(ep)) ambiguousOut.push(ep);
    else if (r) {
      const key = `${r.season.tmdbShowId}:${r.season.season}`;
      let slot = bySeason.get(key);
      if (!slot) {
        slot = { season: r.season, episodes: new Set() };
        bySeason.set(key, slot);
      }
      for (const t of r.episodes) slot.episodes.add(t);
    } else if (partial.has(ep)) partialOut.push(ep);
    else if (nulls.has(ep)) explicitlyUnmapped.push(ep);
    else unmapped.push(ep);
  }
  const plays = [...bySeason.values()]
    .map(({ season, episodes }) => ({
      tmdbShowId: season.tmdbShowId,
      season: season.season,
      episodes: [...episodes].sort((a, b) => a - b),
    }))
    .sort((a, b) => a.tmdbShowId - b.tmdbShowId || a.season - b.season);
  return {
    plays,
    unmapped,
    explicitlyUnmapped,
    partial: partialOut,
    ambiguous: ambiguousOut,
    complete: unmapped.length + explicitlyUnmapped.length + partialOut.length + ambiguousOut.length === 0,
  };
}
