import { formatReport, type RunReport } from '../../../shared/sync/report';

/** Issue #11, "dates follow one format everywhere": a paused destination's start reads as the emails and pages do. */
function pausedReport(since: string): RunReport {
  return {
    version: 2,
    runId: 'r1',
    dryRun: false,
    startedAt: '2026-01-08T14:30:00.000Z',
    finishedAt: '2026-01-08T14:30:01.000Z',
    durationMs: 1000,
    status: 'ok',
    source: {
      kind: 'anilist',
      user: 'alice',
      mode: 'none',
      fetched: 0,
      invalid: [],
      watermark: { before: 0, after: 0 },
    },
    destinations: [
      {
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
        paused: { reason: 'a restore is running', since },
      },
    ],
    requests: {},
  } as unknown as RunReport;
}

test('a pause is dated in formatUtc, not as an ISO string', () => {
  const text = formatReport(pausedReport('2026-01-08T14:30:00.000Z'));
  expect(text).toContain('paused: a restore is running (since Thursday, 8 January 2026, 14:30 UTC)');
  expect(text).not.toContain('2026-01-08T14:30');
});
