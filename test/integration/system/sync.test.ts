import { expectMalMirrorsAniList } from '../../support/expectations';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf, sectionOf } from '../../support/reports';

/** Sync over real HTTP: handlers ↔ sandbox AniList/MAL, state in s3rver, mail through the SES emulator. */
describe('sync worker against the sandbox services', () => {
  let system: TestSystem;
  beforeEach(async () => {
    system = await startTestSystem();
  });
  afterEach(async () => {
    await system.close();
  });

  test('authorizing triggers a full sync that mirrors the list by the rules, after a backup', async () => {
    const report = await authorize(system);
    expect(report).toMatchObject({ status: 'ok', source: { mode: 'full' } });
    const mal = sectionOf(report);
    expect(mal).toMatchObject({ mode: 'full', status: 'ok' });
    expect(mal.applied.written).toBeGreaterThan(20);
    expect(mal.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'no_mal_id' })]));
    expect(mal.notes.filter((n) => n.kind === 'partial_date').length).toBeGreaterThan(0);
    expect(await expectMalMirrorsAniList(system)).toBe(mal.applied.written);
    expect(await system.store.list('backups/')).toHaveLength(1);
  });

  test('steady state costs exactly 1 AniList request and 0 MAL requests (sandbox counters)', async () => {
    await authorize(system);
    system.anilist!.resetCounters();
    system.mal!.resetCounters();
    const result = await system.runSync();
    expect(result).toMatchObject({ status: 'ok', source: { mode: 'incremental' } });
    expect(resultOf(result)).toMatchObject({ mode: 'incremental', status: 'ok', written: 0 });
    expect(system.anilist!.counters.requests).toBe(1);
    expect(system.mal!.counters.requests).toBe(0);
    // The one PUT is the run's report (reports/, for npm run status); the state itself is not rewritten.
    expect(system.counters.snapshot()).toEqual({ anilist: 1, s3_get: 1, s3_put: 1 });
  });

  test('an AniList edit reaches MAL in the next incremental run with one PATCH of the changed fields', async () => {
    await authorize(system);
    const frieren = system.anilist!.store.entries().find((e) => e.media?.idMal === 52991)!;
    system.anilist!.store.upsertEntry({ id: frieren.id, score: 100, notes: 'Best of the decade' });
    system.mal!.resetCounters();
    const result = await system.runSync();
    expect(resultOf(result)).toMatchObject({ mode: 'incremental', written: 1 });
    expect(system.mal!.counters.byRoute).toEqual({ 'PATCH /v2/anime/:id/my_list_status': 1 });
    expect(system.mal!.state.getEntry(52991)?.listStatus).toMatchObject({ score: 10, comments: 'Best of the decade' });
    expect(sectionOf(system.reports.at(-1)!).writes[0]?.fields).toEqual({ score: 10, comments: 'Best of the decade' });
  });

  test('MAL faults: failed writes are retried next run and the list converges, nothing written twice', async () => {
    await authorize(system);
    const entries = system
      .anilist!.store.entries()
      .filter((e) => e.media?.idMal && !e.private)
      .slice(0, 6);
    for (const e of entries) system.anilist!.store.upsertEntry({ id: e.id, progress: e.progress + 1 });
    system.mal!.resetCounters();
    // More consecutive failures than one request's attempts: the first writes fail for good this run.
    system.mal!.faults.inject({ route: 'write', times: 5, kind: 503 });
    const first = await system.runSync();
    expect(first).toMatchObject({ status: 'partial' });
    expect(resultOf(first)).toMatchObject({ status: 'partial', failed: 1, retryQueue: 1 });
    const second = await system.runSync();
    expect(second).toMatchObject({ status: 'ok' });
    expect(resultOf(second)).toMatchObject({ status: 'ok', retryQueue: 0 });
    await expectMalMirrorsAniList(system);
    // 6 successful PATCHes + 5 injected failures, no extra write.
    expect(system.mal!.counters.byRoute['PATCH /v2/anime/:id/my_list_status']).toBe(6 + 5);
  });

  test('a run stops before its time budget and the next run finishes the job', async () => {
    await system.close();
    // Paced MAL (10 requests/s) so 25 writes cannot fit into a 1-second budget.
    system = await startTestSystem({ env: { MAL_REQUESTS_PER_MINUTE: '600' } });
    const approved = await system.runMailer();
    expect(approved.sent).toBe(true);
    // Authorize without letting the triggered run use an unlimited budget: run the first sync by hand.
    const { approveLatestEmail } = await import('../../../local/story');
    system.bus.route({ onAuthorizationCompleted: async () => {} });
    await approveLatestEmail(system);
    const first = await system.runSync({}, { budgetMs: 1000 });
    expect(first).toMatchObject({ status: 'partial' });
    // The Lambda result is the log line; the full report says why the run stopped.
    expect(sectionOf(system.reports.at(-1)!)).toMatchObject({ status: 'partial', stoppedEarly: true });
    expect(resultOf(first).written).toBeGreaterThan(0);
    const second = await system.runSync();
    expect(second).toMatchObject({ status: 'ok' });
    expect(resultOf(second)).toMatchObject({ status: 'ok', mode: 'full' });
    const total = resultOf(first).written + resultOf(second).written;
    expect(system.mal!.counters.byRoute['PATCH /v2/anime/:id/my_list_status']).toBe(total);
    expect(await expectMalMirrorsAniList(system)).toBe(total);
  });

  test('an AniList outage in the middle of a read changes nothing; the next run catches up', async () => {
    await authorize(system);
    const target = system.anilist!.store.entries().find((e) => e.media?.idMal === 9253)!;
    system.anilist!.store.upsertEntry({ id: target.id, score: 40 });
    system.anilist!.faults.inject({ route: 'any', times: 10, kind: 502 });
    await expect(system.runSync()).resolves.toBeUndefined();
    expect(system.errors).toHaveLength(1);
    expect(system.reports.at(-1)).toMatchObject({ status: 'failed' });
    system.anilist!.faults.clear();
    await system.runSync();
    expect(system.mal!.state.getEntry(9253)?.listStatus.score).toBe(4);
  });
});
