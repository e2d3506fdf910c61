import { ManualClock } from '../../../shared/clock';
import { createMalDestination } from '../../../shared/destinations/mal/destination';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import { formatReport } from '../../../shared/sync/report';
import { saveDestinationState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeAniList, FakeMal, RecordingEvents } from '../../support/fakes';
import { malState } from '../../support/state';

const settings: SyncSettings = {
  anilistUser: 'alice',
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 2,
  deadlineSafetyMs: 0,
};

/** A synced MAL destination whose AniList entry then changes: a run that takes part writes it. */
async function setup() {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const anilist = new FakeAniList([
    anilistEntry({ id: 1, idMal: 101, status: 'COMPLETED', score: 70, updatedAt: 1000 }),
  ]);
  const mal = new FakeMal();
  const store = new MemoryStore();
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [
      {
        prune: false,
        destination: createMalDestination({
          mal: () => mal,
          mapping: { mirrorPrivate: false, idOverrides: new Map() },
          authorized: async () => true,
        }),
      },
    ],
    store,
    events: new RecordingEvents(),
    clock,
    logger: silentLogger,
  };
  await runSync(deps, settings);
  anilist.upsert(anilistEntry({ id: 1, idMal: 101, status: 'COMPLETED', score: 90, updatedAt: 2000 }));
  mal.requests = 0;
  const pause = async (until?: number) =>
    saveDestinationState(store, {
      ...(await malState(store)),
      paused: { reason: 'a restore is running', since: clock.now(), ...(until ? { until } : {}) },
    });
  return { clock, mal, store, deps, pause };
}

describe('a paused destination', () => {
  test('sits the run out: no MAL request, nothing saved, the report says why', async () => {
    const { mal, store, deps, pause, clock } = await setup();
    await pause(clock.now() + 60_000);
    const before = (await store.get(KEYS.syncState('mal')))?.body;
    const report = await runSync(deps, settings);
    expect(mal.requests).toBe(0);
    expect((await store.get(KEYS.syncState('mal')))?.body).toBe(before);
    expect(report.destinations[0]).toMatchObject({ status: 'ok', paused: { reason: 'a restore is running' } });
    expect(formatReport(report)).toContain('paused: a restore is running');
  });

  test('a pause without expiry holds until lifted', async () => {
    const { mal, deps, pause, clock } = await setup();
    await pause();
    clock.advance(30 * 24 * 3_600_000);
    await runSync(deps, settings);
    expect(mal.requests).toBe(0);
  });

  test('an expired pause (its holder died) is ignored and dropped by the run that takes part', async () => {
    const { mal, store, deps, pause, clock } = await setup();
    await pause(clock.now() + 60_000);
    clock.advance(60_001);
    const report = await runSync(deps, settings);
    expect(report.destinations[0]?.paused).toBeUndefined();
    expect(mal.list.get(101)?.listStatus.score).toBe(9);
    expect((await malState(store)).paused).toBeUndefined();
  });

  test('a dry run still plans it (it writes nothing)', async () => {
    const { mal, deps, pause } = await setup();
    await pause();
    const report = await runSync(deps, settings, { dryRun: true });
    expect(report.destinations[0]).toMatchObject({ status: 'dry_run', planned: { writes: 1 } });
    expect(mal.writes).toHaveLength(1);
  });
});
