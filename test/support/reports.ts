import type { SyncWorkerResult } from '../../lambdas/sync-worker/handler';
import type { DestinationReport, RunReport } from '../../shared/sync/report';

/** One destination's section of a run report (default: MyAnimeList's); throws when it did not take part. */
export function sectionOf(report: RunReport, destination = 'mal'): DestinationReport {
  const section = report.destinations.find((d) => d.destination === destination);
  if (!section) {
    throw new Error(
      `no ${destination} section in the run report (${report.status}${report.error ? `: ${report.error}` : ''})`,
    );
  }
  return section;
}

/**
 * Everything a single-destination run reports as skipped, as the console shows it: the
 * destination's own skips plus the source entries that could not be read (`invalid_entry`).
 */
export function skippedOf(report: RunReport, destination = 'mal'): DestinationReport['skipped'] {
  return [
    ...sectionOf(report, destination).skipped,
    ...report.source.invalid.map((bad) => ({
      anilistEntryId: bad.entryId ?? 0,
      mediaId: bad.mediaId ?? 0,
      title: bad.entryId === null ? `AniList entry at ${bad.location}` : `AniList entry #${bad.entryId}`,
      reason: 'invalid_entry',
      detail: bad.reason,
    })),
  ];
}

/** One destination's counts in the worker's result (`runLogLine`). */
export interface DestinationLine {
  readonly mode: 'full' | 'incremental';
  readonly status: string;
  readonly written: number;
  readonly removed: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly retryQueue: number;
}

/** One destination's counts in the worker's Lambda result (its log line). */
export function resultOf(result: SyncWorkerResult | undefined, destination = 'mal'): DestinationLine {
  const line = (result?.destinations as Record<string, DestinationLine> | undefined)?.[destination];
  if (!line) throw new Error(`no ${destination} line in the worker result: ${JSON.stringify(result)}`);
  return line;
}
