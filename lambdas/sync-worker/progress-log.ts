import type { Logger } from '../../shared/log';
import {
  estimateMsLeft,
  type ProgressCadence,
  type ProgressListener,
  progressCadence,
} from '../../shared/sync/progress';

/**
 * In the Lambda a line per 50 writes (about a minute at MAL's default pace) or per minute: enough to
 * see a long first sync move in CloudWatch, not a log line per write.
 */
export const LAMBDA_PROGRESS_CADENCE: ProgressCadence = { everyWrites: 50, everyMs: 60_000 };

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
