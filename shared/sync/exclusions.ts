import { editDistance } from '../text/suggest';
import type { MirroredRecord } from './destination';
import type { SourceEntry } from './source';

/**
 * EXCLUDE: source media ids (AniList's, which are global across anime and manga; MAL anime ids
 * with SOURCE=mal) that the mirror leaves alone, for every destination (`[1535]`) or per
 * destination (`{"mal":[1535],"trakt":[21]}`). An excluded entry is never planned, written,
 * pruned or counted as differing; what a destination already holds for it stays as it is.
 */
export interface Exclusions {
  /** Excluded from every destination. */
  readonly all: readonly number[];
  /** Excluded from one destination each, by destination key. */
  readonly byDestination: Readonly<Record<string, readonly number[]>>;
}

export const NO_EXCLUSIONS: Exclusions = { all: [], byDestination: {} };

/**
 * The EXCLUDE value that reads back as `exclusions` (the stack sets it from cdk.json), or undefined
 * when nothing is excluded. `parseExclusions` gives one form or the other, never both at once.
 */
export function exclusionsSetting(exclusions: Exclusions): string | undefined {
  const perDestination = Object.entries(exclusions.byDestination).filter(([, ids]) => ids.length > 0);
  if (perDestination.length > 0) return JSON.stringify(Object.fromEntries(perDestination));
  return exclusions.all.length > 0 ? JSON.stringify(exclusions.all) : undefined;
}

/** The media ids excluded from `destination`. */
export function excludedFor(exclusions: Exclusions | undefined, destination: string): ReadonlySet<number> {
  if (!exclusions) return new Set();
  return new Set([...exclusions.all, ...(exclusions.byDestination[destination] ?? [])]);
}

/**
 * One destination's exclusions as a run applies them: it takes excluded entries out of what the
 * destination plans, and keeps what the destination holds for them (its records) out of prune.
 */
export class ExclusionFilter {
  /** Excluded entries of the source list read this run (newest version of each). */
  private readonly matchedEntries = new Map<number, SourceEntry>();

  constructor(
    readonly mediaIds: ReadonlySet<number>,
    read: readonly SourceEntry[],
  ) {
    for (const entry of read) if (this.excludes(entry)) this.matchedEntries.set(entry.id, entry);
  }

  get empty(): boolean {
    return this.mediaIds.size === 0;
  }

  excludes(entry: Pick<SourceEntry, 'mediaId'>): boolean {
    return this.mediaIds.has(entry.mediaId);
  }

  /** `entries` without the excluded ones. */
  keep<E extends Pick<SourceEntry, 'mediaId'>>(entries: readonly E[]): E[] {
    return this.empty ? [...entries] : entries.filter((e) => !this.excludes(e));
  }

  /**
   * Whether a record belongs to an excluded entry: by its media id, or, for records of the first
   * version (which carry none), by the list entry an excluded media was read under.
   */
  holds(record: Pick<MirroredRecord, 'mediaId' | 'anilistEntryId'>): boolean {
    if (record.mediaId !== undefined) return this.mediaIds.has(record.mediaId);
    return this.matchedEntries.has(record.anilistEntryId);
  }

  /** The excluded entries of the list read this run. */
  entries(): SourceEntry[] {
    return [...this.matchedEntries.values()];
  }

  /**
   * For the report of a full run: each excluded entry read (title and media id), then the excluded
   * ids the list read does not hold (no title: a typo, or an entry not on the list).
   */
  report(): { mediaId: number; title?: string }[] {
    const found = [...this.matchedEntries.values()]
      .map((e) => ({ mediaId: e.mediaId, title: e.title }))
      .sort((a, b) => a.mediaId - b.mediaId);
    const foundIds = new Set(found.map((f) => f.mediaId));
    const missing = [...this.mediaIds].filter((id) => !foundIds.has(id)).sort((a, b) => a - b);
    return [...found, ...missing.map((mediaId) => ({ mediaId }))];
  }
}

const EXAMPLE = 'e.g. [1535] for every destination, or {"mal":[1535],"trakt":[21]} per destination';

/**
 * Reads an EXCLUDE value: JSON text (an env variable, `-c exclude=…`) or the parsed value (cdk.json).
 * Returns the exclusions, or a problem in words that quotes the bad part and says how to write it.
 * Duplicates are harmless and kept once. `destinations` are the keys the object form may use.
 */
export function parseExclusions(
  given: unknown,
  destinations: readonly string[],
): { exclusions: Exclusions } | { problem: string } {
  let value = given;
  if (typeof given === 'string') {
    try {
      value = JSON.parse(given) as unknown;
    } catch {
      return { problem: `must be JSON, not ${quote(given)}: a list of AniList media ids, ${EXAMPLE}` };
    }
  }
  if (Array.isArray(value)) {
    const ids = mediaIds(value, '');
    return 'problem' in ids ? ids : { exclusions: { all: ids.ids, byDestination: {} } };
  }
  if (typeof value !== 'object' || value === null) {
    return {
      problem: `must be a list of AniList media ids or an object of them per destination, not ${quote(value)}: ${EXAMPLE}`,
    };
  }
  const byDestination: Record<string, number[]> = {};
  for (const [key, list] of Object.entries(value)) {
    if (!destinations.includes(key)) return { problem: unknownDestination(key, destinations) };
    if (!Array.isArray(list)) {
      return { problem: `"${key}" must be a list of AniList media ids, not ${quote(list)}: e.g. {"${key}":[1535]}` };
    }
    const ids = mediaIds(list, `"${key}" `);
    if ('problem' in ids) return ids;
    byDestination[key] = ids.ids;
  }
  return { exclusions: { all: [], byDestination } };
}

function mediaIds(list: readonly unknown[], where: string): { ids: number[] } | { problem: string } {
  for (const id of list) {
    if (typeof id === 'number' && Number.isInteger(id) && id > 0) continue;
    const how =
      typeof id === 'string' && /^\d+$/.test(id.trim())
        ? `write it as a number, without quotes: ${id.trim()}`
        : 'each must be a whole number above 0, the <id> in https://anilist.co/anime/<id> or /manga/<id>';
    return { problem: `${where}holds ${quote(id)}, which is not an AniList media id: ${how}` };
  }
  return { ids: [...new Set(list as number[])] };
}

function unknownDestination(key: string, destinations: readonly string[]): string {
  const known = `destinations: ${destinations.join(', ')}`;
  if (['all', '*', 'any', 'every'].includes(key.toLowerCase())) {
    return `names "${key}", which is not a destination: to exclude from every destination, give a plain list, e.g. [1535] (${known})`;
  }
  const near = destinations.find((d) => d === key.toLowerCase() || editDistance(d, key.toLowerCase()) <= 2);
  return `names "${key}", which is not a destination${near ? ` (did you mean "${near}"?)` : ''} (${known})`;
}

/**
 * A value as the user wrote it, to find the slip by. Never a secret pasted into the wrong setting:
 * a long value, or one with a long run of letters and digits (a token, a key), is only measured.
 */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  if (text.length > 40 || /[A-Za-z0-9]{12,}/.test(text)) return `a value of ${text.length} characters (not shown)`;
  return text;
}
