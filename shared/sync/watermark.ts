import type { PlannedWrite } from './destination';
import type { PendingEntry } from './state';

export interface WatermarkInput {
  /** The destination's watermark before the run. */
  readonly before: number;
  /** The newest `updatedAt` this destination planned from. */
  readonly maxFetched: number;
  /** What the read allows (`watermarkCeiling`). */
  readonly ceiling: number;
  /** A full read: the watermark may move down to what the list says. */
  readonly full: boolean;
  /** The retry list after the run (or at this checkpoint). */
  readonly pending: readonly PendingEntry[];
  /**
   * Mid-run checkpoints and runs that stopped early: writes that were planned but have not
   * settled yet, which the watermark must not pass either.
   */
  readonly unsettled?: readonly PlannedWrite[];
}

/**
 * The new watermark of one destination: the newest entry read, but never past what the read
 * could see (`ceiling`), and held below every change that is still waiting to be applied.
 */
export function nextWatermark(input: WatermarkInput): number {
  let candidate = Math.min(input.maxFetched, input.ceiling);
  if (!input.full) candidate = Math.max(candidate, input.before);
  for (const p of input.pending) if (!p.permanent) candidate = Math.min(candidate, p.entry.updatedAt - 1);
  for (const w of input.unsettled ?? []) {
    if (w.entry) candidate = Math.min(candidate, w.entry.updatedAt - 1);
  }
  return Math.max(0, candidate);
}
