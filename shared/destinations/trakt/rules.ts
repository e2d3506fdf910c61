import type { FuzzyDate } from '../../anilist/types';
import type { SourceEntry } from '../../sync/source';
import type { WatchedAt } from './types';

/**
 * The mirror rules for Trakt, as data: which entries become plays, at what time, and what rating.
 * Pure functions, table-tested.
 */

/** What to do when an entry that becomes plays has no full completion date. Never "now". */
export const UNKNOWN_DATE_MODES = ['unknown', 'release', 'skip'] as const;
export type UnknownDateMode = (typeof UNKNOWN_DATE_MODES)[number];

export interface TraktRules {
  /** TRAKT_UNKNOWN_DATE (default `unknown`: Trakt's "watched, date unknown"). */
  readonly unknownDate: UnknownDateMode;
  /** TRAKT_PROGRESS: also plays for episodes 1..progress of CURRENT, PAUSED and DROPPED entries. */
  readonly progress: boolean;
  /** TRAKT_REWATCHES: a rewatch count adds that many more plays of every episode. */
  readonly rewatches: boolean;
  /** MIRROR_PRIVATE */
  readonly mirrorPrivate: boolean;
}

export type PlaysWanted =
  /** Completed (or completed before and being rewatched): every episode of the media, or the movie. */
  | { readonly kind: 'completed'; readonly count: number; readonly times: number }
  /** TRAKT_PROGRESS: episodes 1..progress. */
  | { readonly kind: 'progress'; readonly count: number; readonly times: 1 }
  | { readonly kind: 'none' };

const PROGRESS_STATUSES = new Set(['CURRENT', 'PAUSED', 'DROPPED']);
const KNOWN_STATUSES = new Set(['CURRENT', 'PLANNING', 'COMPLETED', 'DROPPED', 'PAUSED', 'REPEATING']);

export function isKnownStatus(status: string): boolean {
  return KNOWN_STATUSES.has(status);
}

/** Episodes the whole media has: a movie is one play; a series, its episode count (or, unknown, how far the user got). */
export function fullEpisodeCount(entry: SourceEntry): number {
  return entry.format === 'MOVIE' ? 1 : (entry.episodes ?? 0) || entry.progress;
}

/** Which plays an entry should have on Trakt. */
export function playsWanted(entry: SourceEntry, rules: TraktRules): PlaysWanted {
  if (entry.status === 'COMPLETED' || entry.status === 'REPEATING') {
    return { kind: 'completed', count: fullEpisodeCount(entry), times: 1 + (rules.rewatches ? entry.repeat : 0) };
  }
  if (rules.progress && PROGRESS_STATUSES.has(entry.status) && entry.progress > 0) {
    return { kind: 'progress', count: entry.progress, times: 1 };
  }
  return { kind: 'none' };
}

/**
 * `watched_at` for an entry's plays: its completion date when AniList has the whole date (noon UTC,
 * so the calendar day is the same in every time zone from UTC−11 to UTC+11); otherwise what
 * TRAKT_UNKNOWN_DATE says. Undefined means "skip": the entry is reported, not written.
 */
export function watchedAtFor(
  entry: SourceEntry,
  wanted: PlaysWanted,
  rules: TraktRules,
  kind: 'show' | 'movie',
): WatchedAt | undefined {
  const full = wanted.kind === 'completed' ? fullDate(entry.completedAt) : undefined;
  if (full) return `${full}T12:00:00.000Z`;
  switch (rules.unknownDate) {
    case 'unknown':
      return 'unknown';
    case 'release':
      // Trakt documents "released" for episodes; a movie gets "unknown" rather than a guess.
      return kind === 'show' ? 'released' : 'unknown';
    case 'skip':
      return undefined;
  }
}

/** POINT_100 → Trakt's 1–10: half up, never below 1 (85 → 9, 84 → 8, 5 → 1); 0 = no rating. */
export function ratingFor(score: number): number | undefined {
  if (!(score > 0)) return undefined;
  return Math.min(10, Math.max(1, Math.floor(score / 10 + 0.5)));
}

function fullDate(date: FuzzyDate): string | undefined {
  const { year, month, day } = date;
  if (year === null || month === null || day === null) return undefined;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
