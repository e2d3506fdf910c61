import { ManualClock } from '../../../shared/clock';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import type { MirroredRecord } from '../../../shared/sync/destination';
import { runLogLine, runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import { formatReport } from '../../../shared/sync/report';
import { LOCAL_CLOCK_SKEW_MS, watermarkCeiling } from '../../../shared/sync/source';
import {
  type DestinationState,
  initialState,
  loadDestinationState,
  saveDestinationState,
} from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeDestination } from '../../support/fake-destination';
import { FakeAniList, RecordingEvents } from '../../support/fakes';
import { sectionOf } from '../../support/reports';

/**
 * The sync core with several destinations, each a fake behind the real `Destination` seam: one
 * source read serves them all, each keeps its own state, watermark and retry list, and none holds
 * another back.
 */
const settings: SyncSettings = {
  anilistUser: 'alice',
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 2,
  deadlineSafetyMs: 0,
};

const T0 = Date.UTC(2026, 5, 1);

function setup(count = 4) {
  const clock = new ManualClock(T0);
  const entries = Array.from({ length: count }, (_, i) =>
    anilistEntry({ id: i + 1, status: 'CURRENT', progress: i + 1, score: 50, updatedAt: 1000 + i }),
  );
  const anilist = new FakeAniList(entries);
  anilist.now = () => clock.now();
  const alpha = new FakeDestination('alpha', 'Alpha');
  const beta = new FakeDestination('beta', 'Beta');
  const store = new MemoryStore();
  const events = new RecordingEvents();
  const prune = { alpha: false, beta: false };
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [
      { destination: alpha, prune: prune.alpha },
      { destination: beta, prune: prune.beta },
    ],
    store,
    events,
    clock,
    logger: silentLogger,
  };
  /** The watermarks `readChangedSince` was asked to read after. */
  const readsFrom: number[] = [];
  const readChangedSince = anilist.readChangedSince.bind(anilist);
  anilist.readChangedSince = (user, watermark, options) => {
    readsFrom.push(watermark);
    return readChangedSince(user, watermark, options);
  };
  return { clock, anilist, alpha, beta, store, events, deps, prune, readsFrom };
}

async function stateOf(store: MemoryStore, destination: FakeDestination): Promise<DestinationState> {
  const loaded = await loadDestinationState(store, destination.key, (s) => destination.checkRecordState(s));
  if (!loaded) throw new Error(`no state stored for ${destination.key}`);
  return loaded.state;
}

/** A state as a finished full run leaves it, with `watermark`, and records matching what `destination` holds. */
async function seedState(
  store: MemoryStore,
  destination: FakeDestination,
  anilist: FakeAniList,
  overrides: Partial<DestinationState>,
): Promise<void> {
  const mirrored: Record<string, MirroredRecord> = {};
  for (const e of anilist.entries.values()) {
    const key = FakeDestination.targetOf(e);
    const state = { progress: e.progress, score: e.score };
    destination.held.set(key, state);
    mirrored[key] = { title: e.title, anilistEntryId: e.id, mediaId: e.mediaId, state, written: true };
  }
  await saveDestinationState(store, {
    ...initialState(destination.key, 'alice'),
    lastFullSyncAt: T0,
    fullSyncPending: false,
    lastBackupAt: T0,
    mirrored,
    ...overrides,
  });
}

function edit(anilist: FakeAniList, id: number, changes: { progress: number; updatedAt: number }) {
  anilist.upsert({ ...anilist.entries.get(id)!, ...changes });
}

const reauth = (reason: string) => Object.assign(new Error(`${reason}`), { code: 'reauth_required', reason });

describe('several destinations, one source', () => {
  test('one source read serves every destination: the first full run, each edit, and the quiet steady state', async () => {
    const { deps, anilist, alpha, beta, store } = setup();
    const first = await runSync(deps, settings);
    expect(first.status).toBe('ok');
    expect(anilist.requests).toBe(1); // one whole-list read, not one per destination
    expect(first.source).toMatchObject({ mode: 'full', fetched: 4 });
    for (const d of [alpha, beta]) {
      expect(sectionOf(first, d.key)).toMatchObject({ mode: 'full', status: 'ok', applied: { written: 4 } });
      expect([...d.held.keys()].sort()).toEqual(['e1', 'e2', 'e3', 'e4']);
    }

    edit(anilist, 2, { progress: 9, updatedAt: 2000 });
    anilist.requests = 0;
    alpha.written.length = 0;
    beta.written.length = 0;
    const second = await runSync(deps, settings);
    expect(second.source).toMatchObject({ mode: 'incremental', fetched: 1 });
    expect(anilist.requests).toBe(1);
    expect(alpha.written).toEqual(['e2']);
    expect(beta.written).toEqual(['e2']);

    anilist.requests = 0;
    store.counters.get = 0;
    store.counters.put = 0;
    const quiet = await runSync(deps, settings);
    expect(quiet.status).toBe('ok');
    // One AniList request in all, one S3 read per destination, nothing written anywhere.
    expect(anilist.requests).toBe(1);
    expect(store.counters).toMatchObject({ get: 2, put: 0 });
    expect(alpha.written).toEqual(['e2']);
    expect(beta.written).toEqual(['e2']);
  });

  test('a destination that fails does not stop the other, and its own state stays as it was', async () => {
    const { deps, anilist, alpha, beta, store } = setup();
    await runSync(deps, settings);
    const alphaBefore = store.objects.get(KEYS.syncState('alpha'))!.body;
    edit(anilist, 3, { progress: 30, updatedAt: 2000 });
    // Alpha runs first (same watermark, listed first) and fails.
    alpha.failure = new Error('Alpha is down');

    const failed = await runSync(deps, settings);
    expect(failed.destinations.map((d) => d.destination)).toEqual(['alpha', 'beta']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toBeUndefined(); // the run itself did not fail, one destination did
    expect(sectionOf(failed, 'alpha')).toMatchObject({ status: 'failed', error: 'Error: Alpha is down' });
    expect(sectionOf(failed, 'beta')).toMatchObject({ status: 'ok', applied: { written: 1 } });
    expect(beta.held.get('e3')).toEqual({ progress: 30, score: 50 });
    expect(alpha.held.get('e3')).toEqual({ progress: 3, score: 50 });
    expect(store.objects.get(KEYS.syncState('alpha'))!.body).toBe(alphaBefore);
    expect((await stateOf(store, beta)).watermark).toBe(2000);

    // Alpha recovers: the next run reads from alpha's (lower) watermark; beta has nothing left to do.
    alpha.failure = undefined;
    alpha.written.length = 0;
    beta.written.length = 0;
    const next = await runSync(deps, settings);
    expect(next.status).toBe('ok');
    expect(next.destinations.map((d) => d.destination)).toEqual(['alpha', 'beta']);
    expect(alpha.written).toEqual(['e3']);
    expect(beta.written).toEqual([]);
    expect((await stateOf(store, alpha)).watermark).toBe(2000);
  });

  test('an account that refuses writes until its owner acts is reported blocked, with what to do; the other syncs', async () => {
    const { deps, anilist, alpha, store } = setup();
    await runSync(deps, settings);
    const alphaBefore = store.objects.get(KEYS.syncState('alpha'))!.body;
    edit(anilist, 2, { progress: 12, updatedAt: 2000 });
    alpha.failure = Object.assign(new Error('Alpha 423 Locked'), {
      blockedBy: 'Alpha has locked your account: unlock it on alpha.example, then the next run continues',
    });
    const report = await runSync(deps, settings);
    expect(report.status).toBe('blocked');
    expect(sectionOf(report, 'alpha')).toMatchObject({
      status: 'blocked',
      blockedBy: expect.stringMatching(/^Alpha has locked your account/),
    });
    expect(formatReport(report)).toContain('Alpha has locked your account: unlock it on alpha.example');
    expect(sectionOf(report, 'beta')).toMatchObject({ status: 'ok', applied: { written: 1 } });
    // Nothing of alpha's run was saved: the edit waits for the run after the owner acts.
    expect(store.objects.get(KEYS.syncState('alpha'))!.body).toBe(alphaBefore);
  });

  test('a destination whose stored state cannot be read (S3 failing) is reported failed; the other syncs', async () => {
    const { deps, anilist, alpha, beta, store } = setup();
    await runSync(deps, settings);
    const betaBefore = store.objects.get(KEYS.syncState('beta'))!.body;
    // A corrupt object is recovered from (test/unit/sync/state-recovery.test.ts); S3 trouble is not.
    store.hooks.beforeGet = (key) => {
      if (key === KEYS.syncState('beta')) throw new Error('S3 answered 500 reading sync/beta/state.json');
    };
    edit(anilist, 1, { progress: 11, updatedAt: 2000 });
    alpha.written.length = 0;
    beta.calls.plan = 0;
    const report = await runSync(deps, settings);
    expect(beta.calls.plan).toBe(0);
    expect(report.status).toBe('failed');
    expect(sectionOf(report, 'beta').status).toBe('failed');
    expect(sectionOf(report, 'beta').error).toMatch(/S3 answered 500 reading sync\/beta\/state\.json/);
    expect(sectionOf(report, 'alpha')).toMatchObject({ status: 'ok', applied: { written: 1 } });
    expect(alpha.written).toEqual(['e1']);
    store.hooks = {};
    expect(store.objects.get(KEYS.syncState('beta'))!.body).toBe(betaBefore);
  });

  test('a destination waiting for authorization is skipped without reading its list, and does not force a full read', async () => {
    const { deps, anilist, alpha, beta, store, events, readsFrom } = setup();
    alpha.beforeWrite = () => {
      throw reauth('invalid_grant');
    };
    const first = await runSync(deps, settings);
    expect(first.status).toBe('reauth_required');
    expect(sectionOf(first, 'alpha')).toMatchObject({ status: 'reauth_required', reauthReason: 'invalid_grant' });
    expect(sectionOf(first, 'beta')).toMatchObject({ status: 'ok', applied: { written: 4 } });
    expect(events.reauth).toEqual([expect.objectContaining({ destination: 'alpha', reason: 'invalid_grant' })]);
    // Alpha's full reconcile did not complete: its state says so, and that it waits for the user.
    expect(await stateOf(store, alpha)).toMatchObject({
      fullSyncPending: true,
      authBlocked: { reason: 'invalid_grant', since: T0 },
    });

    // Still not authorized: alpha costs nothing, and beta's incremental read is not turned into a full one.
    alpha.authorizedNow = false;
    alpha.beforeWrite = undefined;
    alpha.calls.readList = alpha.calls.plan = alpha.calls.apply = 0;
    edit(anilist, 1, { progress: 11, updatedAt: 2000 });
    anilist.requests = 0;
    const waiting = await runSync(deps, settings);
    expect(waiting.status).toBe('reauth_required');
    expect(sectionOf(waiting, 'alpha')).toMatchObject({
      status: 'reauth_required',
      reauthReason: 'invalid_grant',
      retryQueue: 4,
    });
    expect(alpha.calls).toMatchObject({ readList: 0, plan: 0, apply: 0 });
    expect(waiting.source.mode).toBe('incremental');
    expect(anilist.requests).toBe(1);
    // Read from beta's watermark: alpha's (below its 4 unwritten entries) does not count while it waits.
    expect(readsFrom).toEqual([1003]);
    expect(sectionOf(waiting, 'beta')).toMatchObject({ mode: 'incremental', status: 'ok', applied: { written: 1 } });
    expect(beta.held.get('e1')).toEqual({ progress: 11, score: 50 });
    // The mailer hears about it again from every run that skips it (it throttles the email itself).
    expect(events.reauth).toHaveLength(2);
    expect(events.reauth[1]).toMatchObject({ destination: 'alpha', reason: 'invalid_grant' });

    // Authorized again: alpha completes its pending full reconcile, and no longer waits.
    alpha.authorizedNow = true;
    const resumed = await runSync(deps, settings);
    expect(resumed.status).toBe('ok');
    expect(resumed.source.mode).toBe('full');
    expect(sectionOf(resumed, 'alpha')).toMatchObject({ mode: 'full', status: 'ok', applied: { written: 4 } });
    expect(alpha.held.get('e1')).toEqual({ progress: 11, score: 50 });
    expect((await stateOf(store, alpha)).authBlocked).toBeUndefined();
  });

  test('the source read starts from the lowest watermark; each destination plans only what it has not seen', async () => {
    const { deps, anilist, alpha, beta, store, readsFrom } = setup();
    await seedState(store, alpha, anilist, { watermark: 1002 });
    await seedState(store, beta, anilist, { watermark: 1000 });
    // e2, e3, e4 change (1001…1003): beta has seen none of them, alpha only e2 and e3.
    for (const id of [2, 3, 4]) edit(anilist, id, { progress: 20 + id, updatedAt: 999 + id });
    const report = await runSync(deps, settings);
    expect(readsFrom).toEqual([1000]);
    expect(report.source).toMatchObject({ mode: 'incremental', fetched: 3, watermark: { before: 1000, after: 1003 } });
    expect(alpha.written).toEqual(['e4']);
    expect([...beta.written].sort()).toEqual(['e2', 'e3', 'e4']);
    expect((await stateOf(store, alpha)).watermark).toBe(1003);
    expect((await stateOf(store, beta)).watermark).toBe(1003);
  });

  test('the destination furthest behind runs first, each with a fair share of the time left', async () => {
    const { deps, anilist, alpha, beta, store, clock } = setup();
    await seedState(store, alpha, anilist, { watermark: 1002 });
    await seedState(store, beta, anilist, { watermark: 1000 });
    for (const id of [2, 3, 4]) edit(anilist, id, { progress: 20 + id, updatedAt: 999 + id });
    beta.beforeWrite = () => clock.advance(1000);
    const report = await runSync(deps, { ...settings, deadlineSafetyMs: 500 }, { deadline: T0 + 10_000 });
    expect(report.destinations.map((d) => d.destination)).toEqual(['beta', 'alpha']);
    // Beta: half the time (two destinations to go), less the safety margin.
    expect(beta.stopAtSeen).toEqual([T0 + 5_000 - 500]);
    // Beta used 3 s of its 5: alpha, the last, gets everything that is left.
    expect(alpha.stopAtSeen).toEqual([T0 + 10_000 - 500]);
    expect(report.status).toBe('ok');
  });

  test('on equal watermarks, the destination with more to retry goes first', async () => {
    const { deps, anilist, alpha, beta, store } = setup();
    const waiting = { entry: anilist.entries.get(1)!, attempts: 1, lastError: 'MAL 503', permanent: false };
    await seedState(store, alpha, anilist, { watermark: 1003 });
    await seedState(store, beta, anilist, { watermark: 1003, pending: [waiting] });
    const report = await runSync(deps, settings);
    expect(report.destinations.map((d) => d.destination)).toEqual(['beta', 'alpha']);
    expect(sectionOf(report, 'beta').retryQueue).toBe(0);
  });

  test('a mid-run checkpoint holds the watermark below every write not settled yet', async () => {
    const { deps, anilist, alpha, beta, store } = setup(6);
    await runSync(deps, settings);
    // Six edits, the newest first: it is written first, and the read's newest entry is above the others.
    for (let id = 1; id <= 6; id++) edit(anilist, id, { progress: 40 + id, updatedAt: 5007 - id });
    const checkpoints: number[] = [];
    alpha.beforeWrite = (_key, n) => {
      // Writes 1 and 2 of this run are applied and checkpointed (CHECKPOINT_EVERY_WRITES = 2) when the third starts.
      if (n === 8) checkpoints.push(JSON.parse(store.objects.get(KEYS.syncState('alpha'))!.body).watermark);
    };
    beta.beforeWrite = () => {};
    await runSync(deps, settings);
    expect(alpha.written.slice(6, 8)).toEqual(['e1', 'e2']);
    // e3 (5004) … e6 (5001) are not applied yet, though the read's newest entry is e1 (5006): the
    // checkpoint stays below all of them, i.e. below e6.
    expect(checkpoints).toEqual([5000]);
    expect((await stateOf(store, alpha)).watermark).toBe(5006);
  });

  test('prune is per destination: on for one, the other only reports the orphan', async () => {
    const { deps, anilist, alpha, beta, prune, clock } = setup();
    prune.alpha = true;
    await runSync(deps, settings);
    anilist.entries.delete(2);
    clock.advance(24 * 3_600_000);
    const report = await runSync(deps, settings);
    expect(sectionOf(report, 'alpha')).toMatchObject({ mode: 'full', applied: { removed: 1 }, orphans: [] });
    expect(sectionOf(report, 'beta')).toMatchObject({
      mode: 'full',
      applied: { removed: 0 },
      orphans: [{ key: 'e2', title: 'Anime 2' }],
    });
    expect(alpha.held.has('e2')).toBe(false);
    expect(beta.held.has('e2')).toBe(true);
    expect(formatReport(report)).toContain(
      '1 BET entries were deleted on AniList; set BETA_PRUNE=true to remove them from BET',
    );
  });
});

describe('the run report with several destinations', () => {
  test('one section for the source read and one per destination, in the order they ran', async () => {
    const { deps, anilist, alpha, beta } = setup();
    anilist.upsert(anilistEntry({ id: 5, status: 'PLANNING', updatedAt: 900 }));
    const readAll = anilist.readAll.bind(anilist);
    anilist.readAll = async () => ({
      ...(await readAll()),
      invalid: [{ entryId: 77, mediaId: 7700, location: 'chunk 1', reason: 'progress: must be a whole number' }],
    });
    const report = await runSync(deps, settings);
    expect(report).toMatchObject({
      version: 2,
      status: 'ok',
      dryRun: false,
      source: {
        kind: 'anilist',
        user: 'alice',
        mode: 'full',
        fetched: 5,
        invalid: [{ entryId: 77, mediaId: 7700, location: 'chunk 1', reason: 'progress: must be a whole number' }],
        watermark: { before: 0, after: 1003 },
      },
    });
    expect(report.destinations).toHaveLength(2);
    for (const d of [alpha, beta]) {
      expect(sectionOf(report, d.key)).toEqual({
        destination: d.key,
        label: d.label,
        shortLabel: d.shortLabel,
        pruneSetting: d.pruneSetting,
        mode: 'full',
        status: 'ok',
        planned: { writes: 4, removals: 0 },
        applied: { written: 4, removed: 0 },
        unchanged: 0,
        writes: expect.arrayContaining([
          {
            kind: 'put',
            key: 'e1',
            target: `${d.shortLabel} e1`,
            title: 'Anime 1',
            fields: { progress: 1, score: 50 },
            reasons: ['new'],
            outcome: 'applied',
          },
        ]),
        notAttempted: 0,
        skipped: [expect.objectContaining({ anilistEntryId: 5, reason: 'unwatched' })],
        skipLabels: { unwatched: 'not started' },
        notes: [],
        failures: [],
        orphans: [],
        retryQueue: 0,
        stoppedEarly: false,
        watermark: { before: 0, after: 1003 },
        backupKey: expect.stringMatching(new RegExp(`^backups/${d.key}-2026-06-01T00-00-00-000Z\\.json$`)),
      });
    }
    // The log line (and the Lambda result) has one entry per destination.
    expect(runLogLine(report)).toMatchObject({
      status: 'ok',
      source: { mode: 'full', fetched: 5, invalid: 1 },
      destinations: {
        alpha: {
          mode: 'full',
          status: 'ok',
          written: 4,
          removed: 0,
          unchanged: 0,
          skipped: 1,
          failed: 0,
          retryQueue: 0,
        },
        beta: {
          mode: 'full',
          status: 'ok',
          written: 4,
          removed: 0,
          unchanged: 0,
          skipped: 1,
          failed: 0,
          retryQueue: 0,
        },
      },
    });
    const text = formatReport(report);
    expect(text).toMatch(/^Sync finished — full run for AniList user "alice" → Alpha and Beta in /);
    expect(text).toContain('AniList entries that could not be read: 1');
    expect(text).toContain('  Alpha (full): done');
    expect(text).toContain('  Beta (full): done');
    expect(text).toContain('    skipped: 1 not started');
  });

  test('the run status is the worst of the destinations, and the source watermark the lowest', async () => {
    const { deps, anilist, alpha, beta } = setup();
    await runSync(deps, settings);
    edit(anilist, 2, { progress: 9, updatedAt: 2000 });
    edit(anilist, 3, { progress: 9, updatedAt: 2001 });
    beta.beforeWrite = (key) => {
      if (key === 'e2') throw new Error('Beta 503');
    };
    const report = await runSync(deps, settings);
    expect(sectionOf(report, 'alpha')).toMatchObject({ status: 'ok', watermark: { before: 1003, after: 2001 } });
    expect(sectionOf(report, 'beta')).toMatchObject({
      status: 'partial',
      failures: [{ key: 'e2', target: 'BET e2', title: 'Anime 2', error: 'Error: Beta 503', permanent: false }],
      retryQueue: 1,
      watermark: { before: 1003, after: 1999 },
    });
    expect(report.status).toBe('partial');
    expect(report.source.watermark).toEqual({ before: 1003, after: 1999 });
    expect(formatReport(report)).toMatch(/^Sync finished with work left for the next run — incremental run/);
    expect(alpha.written.slice(-2).sort()).toEqual(['e2', 'e3']);
  });
});

describe('state per destination', () => {
  test("each destination's state is saved under its own key, naming it; the backups too", async () => {
    const { deps, store } = setup();
    const report = await runSync(deps, settings);
    expect([...store.objects.keys()].filter((k) => k.startsWith('sync/')).sort()).toEqual([
      'sync/alpha/state.json',
      'sync/beta/state.json',
    ]);
    for (const key of ['alpha', 'beta']) {
      const saved = JSON.parse(store.objects.get(KEYS.syncState(key))!.body);
      expect(saved).toMatchObject({ version: 2, destination: key, anilistUser: 'alice', watermark: 1003 });
      expect(Object.keys(saved.mirrored).sort()).toEqual(['e1', 'e2', 'e3', 'e4']);
      expect(store.objects.has(sectionOf(report, key).backupKey!)).toBe(true);
    }
    // The version 1 object is MyAnimeList's alone: no other destination reads it.
    expect(await loadDestinationState(store, 'alpha', () => {})).toMatchObject({ state: { destination: 'alpha' } });
    expect(store.objects.has(KEYS.legacySyncState)).toBe(false);
  });

  test('another AniList user starts every destination over, keeping what it wrote for prune', async () => {
    const { deps, alpha, store } = setup();
    await runSync(deps, settings);
    const report = await runSync(deps, { ...settings, anilistUser: 'bob' });
    expect(report.source.mode).toBe('full');
    const state = await stateOf(store, alpha);
    expect(state).toMatchObject({ anilistUser: 'bob', lastFullSyncAt: T0 });
    expect(Object.values(state.mirrored).every((r) => r.written)).toBe(true);
  });
});

describe('the watermark ceiling of a read', () => {
  test("is AniList's clock at the start of the read, less a margin", () => {
    const serverTime = Date.UTC(2026, 5, 1, 12, 0, 0, 999);
    expect(watermarkCeiling({ entries: [], invalid: [], serverTime }, 0)).toBe(Math.floor(serverTime / 1000) - 5);
  });

  test('without a Date header, our clock stands in, allowing for the skew', () => {
    const readStartedAt = Date.UTC(2026, 5, 1, 12, 0, 0);
    expect(watermarkCeiling({ entries: [], invalid: [] }, readStartedAt)).toBe(
      Math.floor((readStartedAt - LOCAL_CLOCK_SKEW_MS) / 1000) - 5,
    );
    expect(LOCAL_CLOCK_SKEW_MS).toBeGreaterThanOrEqual(60_000);
  });
});
