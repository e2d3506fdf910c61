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

/** A MyAnimeList section of a run report built by hand (reports, status, dashboard tests); `over` sets the rest. */
export function destinationSection(over: Partial<DestinationReport> = {}): DestinationReport {
  return {
    destination: 'mal',
    label: 'MyAnimeList',
    shortLabel: 'MAL',
    pruneSetting: 'PRUNE',
    mode: 'incremental',
    status: 'ok',
    planned: { writes: 0, removals: 0 },
    applied: { written: 0, removed: 0 },
    unchanged: 0,
    writes: [],
    skipped: [],
    skipLabels: {},
    notes: [],
    failures: [],
    orphans: [],
    retryQueue: 0,
    stoppedEarly: false,
    watermark: { before: 0, after: 0 },
    ...over,
  };
}

/** A run report started at `startedAt` with the given destination sections. */
export function runReport(startedAt: string, over: Partial<RunReport> = {}): RunReport {
  return {
    version: 2,
    runId: `run-${startedAt}`,
    dryRun: false,
    startedAt,
    finishedAt: startedAt,
    durationMs: 12_300,
    status: 'ok',
    source: {
      kind: 'anilist',
      user: 'mirror-tester',
      mode: 'incremental',
      fetched: 0,
      invalid: [],
      watermark: { before: 0, after: 0 },
    },
    destinations: [destinationSection()],
    requests: {},
    ...over,
  };
}
