import { progressLog } from '../../../lambdas/sync-worker/progress-log';
import { createJsonLogger } from '../../../shared/log';
import type { SyncProgress } from '../../../shared/sync/progress';

/** 300 MAL writes at 1 s each; the nth settles n s in (or at `at`). */
function mal(phase: SyncProgress['phase'], applied: number, at = applied * 1_000): SyncProgress {
  return {
    runId: 'run-1',
    destination: 'mal',
    label: 'MyAnimeList',
    phase,
    total: 300,
    applied,
    failed: 0,
    left: 300 - applied,
    paceMs: 1_000,
    startedAt: 0,
    at,
  };
}

function logged(events: SyncProgress[]): Record<string, unknown>[] {
  const lines: string[] = [];
  const log = progressLog(createJsonLogger({ write: (l) => lines.push(l) }));
  for (const e of events) log(e);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("the sync worker's progress log", () => {
  test('one line at start, every 50 writes and at end, with the counts and the estimated ms left', () => {
    const writes = Array.from({ length: 120 }, (_, i) => mal('write', i + 1));
    const lines = logged([mal('start', 0), ...writes, mal('end', 120)]);
    expect(lines.map((l) => [l.phase, l.applied])).toEqual([
      ['start', 0],
      ['write', 50],
      ['write', 100],
      ['end', 120],
    ]);
    const { time, ...line } = lines[1]!;
    expect(line).toEqual({
      level: 'info',
      message: 'sync progress',
      runId: 'run-1',
      destination: 'mal',
      phase: 'write',
      total: 300,
      applied: 50,
      failed: 0,
      left: 250,
      estimatedMsLeft: 250_000,
    });
  });

  test('slow writes are logged at least once a minute', () => {
    // One write every 40 s (MAL answering slowly, retries): 50 writes would take over half an hour.
    const lines = logged([mal('start', 0), ...[1, 2, 3, 4].map((n) => mal('write', n, n * 40_000))]);
    expect(lines.map((l) => l.applied)).toEqual([0, 2, 4]);
  });

  test('a destination with nothing to write logs nothing (the run line says so)', () => {
    const none = { ...mal('start', 0), total: 0, left: 0 };
    expect(logged([none, { ...none, phase: 'end' }])).toEqual([]);
  });
});
