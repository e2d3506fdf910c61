import type { DestinationReport, RunReport } from '../../../shared/sync/report';

/** A MyAnimeList section of a run report; the fields `npm run status` reads are set by `over`. */
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
