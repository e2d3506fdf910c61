import { makeSyncHandler } from '../../../lambdas/sync-worker/handler';
import { ManualClock } from '../../../shared/clock';
import { silentLogger } from '../../../shared/log';
import { KEYS } from '../../../shared/store/store';
import type { SyncDeps } from '../../../shared/sync/engine';
import type { RunReport } from '../../../shared/sync/report';
import { anilistEntry } from '../../support/entries';
import { FakeDestination } from '../../support/fake-destination';
import { FakeAniList, RecordingEvents } from '../../support/fakes';
import { describeWithMoto } from '../../support/moto';
import { useMotoS3 } from '../../support/moto-s3';

/** The sync worker's handler keeps each run's report in the state bucket (S3 on moto_server), for `npm run status`. */
describeWithMoto('sync worker: the run report in S3', () => {
  const s3 = useMotoS3();

  async function worker() {
    const store = await s3().newStore();
    const clock = new ManualClock(Date.UTC(2026, 11, 1, 10, 15));
    const anilist = new FakeAniList([
      anilistEntry({ id: 1, status: 'CURRENT', progress: 3, score: 70, updatedAt: 1000 }),
      anilistEntry({ id: 2, status: 'COMPLETED', progress: 12, score: 80, updatedAt: 1001 }),
    ]);
    anilist.now = () => clock.now();
    const destination = new FakeDestination('mal', 'MyAnimeList');
    const sync: SyncDeps = {
      source: anilist,
      destinations: () => [{ destination, prune: false }],
      store,
      events: new RecordingEvents(),
      clock,
      logger: silentLogger,
    };
    const reports: RunReport[] = [];
    const run = makeSyncHandler({
      sync,
      settings: { anilistUser: 'alice', fullSyncIntervalHours: 24, checkpointEveryWrites: 10, deadlineSafetyMs: 0 },
      onReport: (r) => reports.push(r),
    });
    return { store, run, reports };
  }

  test('after a run: the report, under reports/ by its start time and id', async () => {
    const { store, run, reports } = await worker();
    await run({});
    const [report] = reports;
    expect(report?.destinations[0]?.applied.written).toBe(2);
    expect(await store.list(KEYS.runReportPrefix)).toEqual([KEYS.runReport(report!.startedAt, report!.runId)]);
    const stored = await store.get(KEYS.runReport(report!.startedAt, report!.runId));
    expect(JSON.parse(stored!.body)).toEqual(JSON.parse(JSON.stringify(report)));
  });

  test('a dry run leaves no report', async () => {
    const { store, run } = await worker();
    await run({ dryRun: true });
    expect(await store.list(KEYS.runReportPrefix)).toEqual([]);
  });
});
