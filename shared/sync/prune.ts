import type { DestinationPlan, MirroredRecord, Orphan } from './destination';
import type { SourceRead, SourceReader } from './source';

/** Refuse to prune more than this share of mirrored targets in one run: a wrong user name or a glitch looks like mass deletion. */
export const PRUNE_GUARD = { maxShare: 0.5, minEntries: 10 } as const;

/**
 * Full runs only: targets this system wrote that no current entry accounts for. A target is kept
 * when the plan claims its key, or when its entry was read but skipped (made private, unknown
 * status…) or sent unreadable: such an entry was not deleted. An unreadable entry that cannot
 * even be identified could be any of them, so it blocks pruning (`unknown`). A target `excluded`
 * names (EXCLUDE) is never an orphan: what the destination holds for it stays as it is.
 */
export function findOrphans(
  baseline: Readonly<Record<string, MirroredRecord>>,
  plan: DestinationPlan,
  read: SourceRead,
  excluded: (record: MirroredRecord) => boolean = () => false,
): { orphans: Orphan[]; unknown?: string } {
  const claimed = new Set<string>([...plan.writes.map((w) => w.key), ...plan.unchanged.map((u) => u.key)]);
  const keptEntries = new Set<number>(plan.skipped.map((s) => s.anilistEntryId));
  const keptMedia = new Set<number>(plan.skipped.map((s) => s.mediaId));
  let unknown: string | undefined;
  for (const bad of read.invalid) {
    if (bad.entryId === null && bad.mediaId === null) {
      unknown ??= `AniList sent an entry that could not be read or identified (${bad.location})`;
    }
    if (bad.entryId !== null) keptEntries.add(bad.entryId);
    if (bad.mediaId !== null) keptMedia.add(bad.mediaId);
  }
  const orphans: Orphan[] = [];
  for (const [key, record] of Object.entries(baseline)) {
    if (!record.written || claimed.has(key) || excluded(record)) continue;
    if (keptEntries.has(record.anilistEntryId)) continue;
    if (record.mediaId !== undefined && keptMedia.has(record.mediaId)) continue;
    orphans.push({ key, record });
  }
  return { orphans, ...(unknown ? { unknown } : {}) };
}

export interface PruneDecision {
  /** Orphans the source confirmed gone: the ones to remove. */
  readonly confirmed: readonly Orphan[];
  /** Why (some of) the orphans stay, in words. */
  readonly refused?: string;
}

/**
 * Applies the safety rules of prune to the orphans: nothing is removed when an unreadable entry
 * could be any of them, or when more than half the mirrored targets would go at once; otherwise
 * the source is asked, entry by entry, whether each is really gone (a full read can miss an entry
 * when a deletion shifts its chunks), and only the ones it confirms are removed.
 */
export async function decidePrune(
  orphans: readonly Orphan[],
  context: {
    readonly unknown?: string;
    readonly writtenCount: number;
    readonly source: SourceReader;
    readonly user: string;
    /** The destination's short name, for the refusal text. */
    readonly label: string;
    /** The destination mirrors manga too: ask AniList about both lists. */
    readonly anyType?: boolean;
  },
): Promise<PruneDecision> {
  if (orphans.length === 0) return { confirmed: [] };
  if (context.unknown) return { confirmed: [], refused: `refused to remove anything this run: ${context.unknown}` };
  if (orphans.length >= PRUNE_GUARD.minEntries && orphans.length > context.writtenCount * PRUNE_GUARD.maxShare) {
    return {
      confirmed: [],
      refused: `refused to remove ${orphans.length} of ${context.writtenCount} mirrored entries in one run; check ANILIST_USERNAME`,
    };
  }
  const checkable = orphans.flatMap((o) => (o.record.mediaId === undefined ? [] : [o.record.mediaId]));
  const listed =
    checkable.length === 0
      ? new Set()
      : context.anyType
        ? await context.source.findListedMedia(context.user, checkable, { anyType: true })
        : await context.source.findListedMedia(context.user, checkable);
  const kept = orphans.filter((o) => o.record.mediaId === undefined || listed.has(o.record.mediaId));
  const confirmed = orphans.filter((o) => !kept.includes(o));
  if (kept.length === 0) return { confirmed };
  const reasons = kept.map((o) =>
    o.record.mediaId === undefined
      ? `${o.record.title}: its AniList media id is not on record yet`
      : `${o.record.title}: still on AniList`,
  );
  return { confirmed, refused: `not removed from ${context.label}: ${reasons.join('; ')}` };
}
