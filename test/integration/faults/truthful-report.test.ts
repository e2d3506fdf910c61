import { ManualClock } from '../../../shared/clock';
import { createJsonLogger } from '../../../shared/log';
import { formatReport, type RunReport } from '../../../shared/sync/report';
import { buildWorker, differingMalIds, PATCH_ROUTE, patchCount, type TestWorker } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';

/*
 * A run stopped early, over real HTTP against the sandbox MAL: its report says which writes were
 * applied, which failed (kept for retry) and which were not attempted yet, and the sandbox agrees.
 * The oracle is the sandbox itself: the MAL entries that still differ from AniList after the run
 * must be exactly the failed and the not-attempted ones, and the next run applies those once each.
 */
const EDITS = 8;

/** Edits `count` mirrored entries on AniList (new notes), so each needs exactly one MAL write. */
function editEntries(system: TestSystem, count: number, tag: string): void {
  const candidates = system
    .anilist!.store.entries()
    .filter((e) => e.media?.idMal && !e.private)
    .slice(0, count);
  for (const e of candidates) system.anilist!.store.upsertEntry({ id: e.id, notes: `${tag} ${e.id}` });
}

/**
 * A worker whose clock jumps past the run's deadline as the `stopAt`th PATCH goes out (the time
 * budget running out during that write), optionally with MAL answering that write 503.
 */
async function stoppingWorker(
  system: TestSystem,
  stopAt: number,
  options: { outage: boolean },
): Promise<{ worker: TestWorker; deadline: number; debug: string[] }> {
  const clock = new ManualClock(Date.now());
  const deadline = clock.now() + 600_000;
  let patches = 0;
  const fetchThrough: typeof fetch = (input, init) => {
    if ((init?.method ?? 'GET').toUpperCase() === 'PATCH' && ++patches === stopAt) {
      clock.set(deadline + 1);
      if (options.outage) system.mal!.faults.inject({ route: 'write', kind: 503 });
    }
    return globalThis.fetch(input, init);
  };
  const debug: string[] = [];
  const logger = createJsonLogger({ level: 'debug', write: (line) => debug.push(line) });
  const worker = await buildWorker(system, { fetch: fetchThrough, clock, logger });
  return { worker, deadline, debug };
}

function keysWith(report: RunReport, outcome: string): number[] {
  return sectionOf(report)
    .writes.filter((w) => w.outcome === outcome)
    .map((w) => Number(w.key))
    .sort((a, b) => a - b);
}

describe('a run stopped early reports applied, failed and not attempted truthfully (sandbox MAL over HTTP)', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
    await authorize(system);
  });
  afterAll(async () => {
    await system?.close();
  });

  test('MAL unavailable on the third write as time runs out: 2 applied, 1 failed, 5 not attempted; the sandbox agrees', async () => {
    editEntries(system, EDITS, 'outage');
    const differing = await differingMalIds(system);
    expect(differing).toHaveLength(EDITS);
    const before = patchCount(system);
    const { worker, deadline, debug } = await stoppingWorker(system, 3, { outage: true });

    const report = await worker.run({ deadline });
    const mal = sectionOf(report);
    expect(report.status).toBe('partial');
    expect(keysWith(report, 'applied')).toHaveLength(2);
    expect(keysWith(report, 'failed')).toHaveLength(1);
    expect(keysWith(report, 'not_attempted')).toHaveLength(EDITS - 3);
    expect(mal).toMatchObject({
      applied: { written: 2 },
      notAttempted: EDITS - 3,
      retryQueue: EDITS - 2,
      stopReason: 'unavailable',
      failures: [{ error: 'MyAnimeList was unavailable (HTTP 503)', code: 'mal_unavailable', permanent: false }],
    });
    // The sandbox saw one PATCH per attempted write, and what still differs is what the report left.
    expect(patchCount(system) - before).toBe(3);
    const left = [...keysWith(report, 'failed'), ...keysWith(report, 'not_attempted')].sort((a, b) => a - b);
    expect(await differingMalIds(system)).toEqual(left);
    for (const id of keysWith(report, 'applied')) expect(differing).toContain(id);

    const printed = formatReport(report, { maxLines: Number.POSITIVE_INFINITY });
    expect(printed).toMatch(/written: 2\n/);
    expect(printed).toContain(`failed writes: 1 (kept for the next run: ${EDITS - 2})`);
    expect(printed).toMatch(/✗ .* \(MAL \d+\): MyAnimeList was unavailable \(HTTP 503\)/);
    expect(printed).toContain(`not attempted yet: ${EDITS - 3}; the next run continues with them`);
    expect(printed).toContain('stopped early: MAL unavailable; the next run continues');
    expect(printed).not.toMatch(/PATCH|https?:\/\/|my_list_status/);
    // The method and URL are in the debug log, for whoever needs them.
    expect(debug.join('\n')).toMatch(/"level":"debug".*PATCH \/anime\/\d+\/my_list_status failed with HTTP 503/);

    // The next run applies exactly what was left, once each.
    const next = await worker.run();
    expect(sectionOf(next)).toMatchObject({ status: 'ok', applied: { written: EDITS - 2 }, notAttempted: 0 });
    expect(system.mal!.counters.byRoute[PATCH_ROUTE]! - before).toBe(3 + EDITS - 2);
    expect(await differingMalIds(system)).toEqual([]);
  });

  test('stopped by you (Ctrl+C) after two writes: the rest not attempted, and the report says who stopped it', async () => {
    editEntries(system, EDITS, 'ctrl-c');
    const { worker, deadline } = await stoppingWorker(system, 2, { outage: false });
    const report = await worker.run({ deadline, interrupted: () => true });
    expect(sectionOf(report)).toMatchObject({
      applied: { written: 2 },
      failures: [],
      notAttempted: EDITS - 2,
      stopReason: 'interrupted',
    });
    expect(report.stopReason).toBe('interrupted');
    expect(await differingMalIds(system)).toEqual(keysWith(report, 'not_attempted'));
    const printed = formatReport(report);
    expect(printed).toMatch(/^Sync stopped by you \(Ctrl\+C\), with work left for the next run/);
    expect(printed).toContain('stopped early: stopped by you (Ctrl+C); the next run continues');
    await worker.run();
    expect(await differingMalIds(system)).toEqual([]);
  });
});
