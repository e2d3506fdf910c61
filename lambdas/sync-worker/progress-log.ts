import type { Logger } from '../../shared/log';
import { estimateMsLeft, type ProgressListener, type SyncProgress } from '../../shared/sync/progress';

/** How often a stream of progress events is worth showing: every so many writes, and at least every so many ms. */
export interface ProgressCadence {
  readonly everyWrites: number;
  readonly everyMs: number;
}

/**
 * In the Lambda a line per 50 writes (about a minute at MAL's default pace) or per minute: enough to
 * see a long first sync move in CloudWatch, not a log line per write.
 */
export const LAMBDA_PROGRESS_CADENCE: ProgressCadence = { everyWrites: 50, everyMs: 60_000 };

/**
 * Decides which progress events to show: each destination's `start` and `end`, and a `write` once
 * `everyWrites` more writes have settled or `everyMs` has passed since the last one shown. A
 * destination with nothing to write is not shown at all (an incremental run with no change every
 * 15 minutes would otherwise print two empty lines each time).
 */
export function progressCadence(cadence: ProgressCadence): (p: SyncProgress) => boolean {
  const lastShown = new Map<string, { settled: number; at: number }>();
  return (p) => {
    if (p.total === 0) return false;
    const key = `${p.runId} ${p.destination}`;
    const settled = p.applied + p.failed;
    if (p.phase === 'end') {
      lastShown.delete(key);
      return true;
    }
    const last = lastShown.get(key);
    const due =
      p.phase === 'start' ||
      !last ||
      settled - last.settled >= cadence.everyWrites ||
      p.at - last.at >= cadence.everyMs;
    if (due) lastShown.set(key, { settled, at: p.at });
    return due;
  };
}

/**
 * The worker's progress in its structured log: counts and the estimated ms left, never a title, a
 * token or a URL (the event carries none).
 */
export function progressLog(logger: Logger, cadence: ProgressCadence = LAMBDA_PROGRESS_CADENCE): ProgressListener {
  const due = progressCadence(cadence);
  return (p) => {
    if (!due(p)) return;
    const msLeft = estimateMsLeft(p);
    logger.info('sync progress', {
      runId: p.runId,
      destination: p.destination,
      phase: p.phase,
      total: p.total,
      applied: p.applied,
      failed: p.failed,
      left: p.left,
      ...(msLeft !== undefined ? { estimatedMsLeft: msLeft } : {}),
    });
  };
}
