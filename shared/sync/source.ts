import { type AniListEntry, type AniListRead, type AniListSource, kindOf, type MediaKind } from '../anilist/types';

/**
 * The list the mirror reads from. AniList's entry shape is the common one: a MyAnimeList source
 * (`SOURCE=mal`) converts its entries into it, so destinations see one kind of entry.
 */
export type SourceEntry = AniListEntry;
export type SourceRead = AniListRead;
export type SourceReader = AniListSource;

/**
 * Beyond this many changed entries (10 pages of 50), an incremental read stops and the run reads
 * the whole list instead: 500 entries per request instead of 50, and a diff against each
 * destination's own list.
 */
export const INCREMENTAL_READ_LIMIT = 500;
/**
 * The watermark stays this far below the source's clock at the start of a read: the `Date` header
 * is written a moment after the query ran, and an edit in between must not fall under the watermark.
 */
const SERVER_CLOCK_MARGIN_S = 5;
/** Without a `Date` header, our own clock stands in, allowing for this much skew. */
export const LOCAL_CLOCK_SKEW_MS = 60_000;

export interface SourceReadResult {
  readonly read: SourceRead;
  /** The read covers the whole list (asked for, or an incremental read that found too many changes). */
  readonly full: boolean;
  /** An incremental read that became a full one: the changes it had found (at least this many). */
  readonly escalatedAfter?: number;
  /** The highest watermark this read allows (Unix seconds; see `watermarkCeiling`). */
  readonly ceiling: number;
}

/**
 * One read of the source for every destination: the whole list when `full`, otherwise what changed
 * after `watermark`, falling back to a whole read when more than INCREMENTAL_READ_LIMIT changed.
 */
export async function readSource(
  source: SourceReader,
  user: string,
  request: {
    readonly full: boolean;
    readonly watermark: number;
    /** Read the manga list too, from this watermark (some destination mirrors manga). */
    readonly mangaWatermark?: number | undefined;
    readonly now: () => number;
  },
): Promise<SourceReadResult> {
  const manga = request.mangaWatermark !== undefined;
  // With manga off, the calls are exactly what they were before manga existed.
  const readAll = () => (manga ? source.readAll(user, { manga: true }) : source.readAll(user));
  let startedAt = request.now();
  if (request.full) {
    const read = await readAll();
    return { read, full: true, ceiling: watermarkCeiling(read, startedAt) };
  }
  const changed = await source.readChangedSince(user, request.watermark, {
    maxEntries: INCREMENTAL_READ_LIMIT,
    ...(manga ? { mangaWatermark: request.mangaWatermark } : {}),
  });
  if (!changed.truncated) {
    return { read: changed, full: false, ceiling: watermarkCeiling(changed, startedAt) };
  }
  startedAt = request.now();
  const read = await readAll();
  return { read, full: true, escalatedAfter: changed.entries.length, ceiling: watermarkCeiling(read, startedAt) };
}

/**
 * The highest watermark a read allows (Unix seconds): every edit stamped at or below it had
 * happened when the read began. Later edits may have been missed (an entry edited again after
 * it was read is not read twice), so they must stay above the watermark for the next run.
 */
export function watermarkCeiling(read: SourceRead, readStartedAt: number): number {
  const serverNowMs = read.serverTime ?? readStartedAt - LOCAL_CLOCK_SKEW_MS;
  return Math.floor(serverNowMs / 1000) - SERVER_CLOCK_MARGIN_S;
}

/** The read as one destination sees it: only the entries of the lists it mirrors. */
export function readForKinds(result: SourceReadResult, kinds: readonly MediaKind[]): SourceReadResult {
  if (kinds.includes('manga') || result.read.entries.every((e) => kindOf(e) === 'anime')) return result;
  return { ...result, read: { ...result.read, entries: result.read.entries.filter((e) => kinds.includes(kindOf(e))) } };
}

/** The newest version of each entry of `a` and `b` (by `updatedAt`). */
export function mergeNewest(a: readonly SourceEntry[], b: readonly SourceEntry[]): SourceEntry[] {
  const byId = new Map<number, SourceEntry>();
  for (const e of [...a, ...b]) {
    const existing = byId.get(e.id);
    if (!existing || e.updatedAt >= existing.updatedAt) byId.set(e.id, e);
  }
  return [...byId.values()];
}
