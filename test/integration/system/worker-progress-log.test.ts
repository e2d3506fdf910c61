import { createJsonLogger } from '../../../shared/log';
import { startTestSystem, type TestSystem } from '../../support/local-system';

/**
 * The sync worker as built for AWS (`buildSyncWorkerDeps`) logs its progress: a `sync progress`
 * line when MAL's writes start and when they end, with counts and the estimated ms left, and
 * nothing a log reader should not see (no URL, no token).
 */
describe("the sync worker's progress in its log", () => {
  let system: TestSystem;
  afterAll(async () => {
    await system?.close();
  });

  test('a first sync logs its start and its end, counts only', async () => {
    const lines: string[] = [];
    system = await startTestSystem({ logger: createJsonLogger({ level: 'info', write: (l) => lines.push(l) }) });
    await system.authorizeSandboxes();
    await system.runSync();
    const mal = system.reports.at(-1)!.destinations[0]!;
    const progress = lines.filter((l) => l.includes('"sync progress"'));
    const fields = progress.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(
      fields.map(({ phase, destination, total, applied, left }) => ({ phase, destination, total, applied, left })),
    ).toEqual([
      { phase: 'start', destination: 'mal', total: mal.planned.writes, applied: 0, left: mal.planned.writes },
      { phase: 'end', destination: 'mal', total: mal.planned.writes, applied: mal.applied.written, left: 0 },
    ]);
    expect(mal.applied.written).toBeGreaterThan(20);
    for (const line of progress) expect(line).not.toMatch(/http|token|Bearer/i);
  });
});
