import { ManualClock } from '../../../shared/clock';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { runLogLine, runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import { type Exclusions, parseExclusions } from '../../../shared/sync/exclusions';
import { formatReport } from '../../../shared/sync/report';
import { type DestinationState, loadDestinationState, saveDestinationState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeDestination } from '../../support/fake-destination';
import { FakeAniList, RecordingEvents } from '../../support/fakes';
import { sectionOf } from '../../support/reports';

/**
 * EXCLUDE in the sync core, with fake destinations behind the real seam: an excluded entry is
 * never written, never pruned and never counted as differing; what a destination holds for it
 * stays as it is; it is reported once per full run; and its changes still move the watermark.
 */
const T0 = Date.UTC(2026, 5, 1);
const DAY = 24 * 3_600_000;
/** Entry 2 (media 102) is the one the tests exclude. */
const EXCLUDED_MEDIA = 102;

function setup(exclude: Exclusions = { all: [], byDestination: {} }) {
  const clock = new ManualClock(T0);
  const entries = [1, 2, 3, 4].map((id) =>
    anilistEntry({ id, mediaId: 100 + id, status: 'CURRENT', progress: id, score: 50, updatedAt: 1000 + id }),
  );
  const anilist = new FakeAniList(entries);
  anilist.now = () => clock.now();
  const alpha = new FakeDestination('alpha', 'Alpha');
  const beta = new FakeDestination('beta', 'Beta');
  const store = new MemoryStore();
  const prune = { alpha: false, beta: false };
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [
      { destination: alpha, prune: prune.alpha },
      { destination: beta, prune: prune.beta },
    ],
    store,
    events: new RecordingEvents(),
    clock,
    logger: silentLogger,
  };
  const settings: SyncSettings = {
    anilistUser: 'alice',
    fullSyncIntervalHours: 24,
    checkpointEveryWrites: 2,
    deadlineSafetyMs: 0,
    exclude,
  };
  const edit = (id: number, changes: { progress: number; updatedAt: number }) =>
    anilist.upsert({ ...anilist.entries.get(id)!, ...changes });
  const reset = () => {
    anilist.requests = 0;
    alpha.written.length = 0;
    beta.written.length = 0;
    store.counters.get = 0;
    store.counters.put = 0;
  };
  return { clock, anilist, alpha, beta, store, deps, settings, prune, edit, reset };
}

const everywhere = (...ids: number[]): Exclusions => ({ all: ids, byDestination: {} });

async function stateOf(store: MemoryStore, destination: FakeDestination): Promise<DestinationState> {
  const loaded = await loadDestinationState(store, destination.key, (s) => destination.checkRecordState(s));
  if (!loaded) throw new Error(`no state stored for ${destination.key}`);
  return loaded.state;
}

describe('EXCLUDE in the sync core', () => {
  test('a first full run writes every entry but the excluded one, to every destination, and reports it', async () => {
    const { deps, settings, alpha, beta } = setup(everywhere(EXCLUDED_MEDIA));
    const report = await runSync(deps, settings);
    expect(report.status).toBe('ok');
    for (const d of [alpha, beta]) {
      expect(d.written.sort()).toEqual(['e1', 'e3', 'e4']);
      const section = sectionOf(report, d.key);
      expect(section).toMatchObject({ mode: 'full', unchanged: 0, applied: { written: 3 }, skipped: [] });
      expect(section.excluded).toEqual([{ mediaId: EXCLUDED_MEDIA, title: 'Anime 2' }]);
    }
    expect(formatReport(report)).toContain('excluded (EXCLUDE): 1 (Anime 2, AniList 102), left as they are');
    expect(runLogLine(report).destinations).toMatchObject({ alpha: { excluded: 1 }, beta: { excluded: 1 } });
  });

  test('per destination: excluded from one, mirrored to the other', async () => {
    const { deps, settings, alpha, beta } = setup({ all: [], byDestination: { alpha: [EXCLUDED_MEDIA] } });
    const report = await runSync(deps, settings);
    expect(alpha.written.sort()).toEqual(['e1', 'e3', 'e4']);
    expect(beta.written.sort()).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(sectionOf(report, 'alpha').excluded).toEqual([{ mediaId: EXCLUDED_MEDIA, title: 'Anime 2' }]);
    expect(sectionOf(report, 'beta').excluded).toBeUndefined();
  });

  test('an entry mirrored earlier, then excluded and edited: never written, never counted, left as it is', async () => {
    const { deps, settings, alpha, store, edit, reset, clock } = setup();
    await runSync(deps, settings);
    expect(alpha.held.get('e2')).toEqual({ progress: 2, score: 50 });
    const excluding = { ...settings, exclude: everywhere(EXCLUDED_MEDIA) };

    // Incremental: its edit is read, not planned, and the watermark passes it (it is not waiting for anything).
    edit(2, { progress: 9, updatedAt: 5000 });
    reset();
    const incremental = await runSync(deps, excluding);
    const section = sectionOf(incremental, 'alpha');
    expect(section).toMatchObject({ mode: 'incremental', planned: { writes: 0 }, unchanged: 0, writes: [] });
    expect(section.excluded).toBeUndefined(); // reported once per full run, not on every run
    expect(formatReport(incremental)).not.toContain('excluded');
    expect(alpha.written).toEqual([]);
    expect(section.watermark.after).toBe(5000);
    expect((await stateOf(store, alpha)).watermark).toBe(5000);

    // Steady state after it: one AniList request, nothing read or written on the destinations, nothing saved.
    reset();
    await runSync(deps, excluding);
    expect(deps.source).toMatchObject({ requests: 1 });
    expect(store.counters).toMatchObject({ get: 2, put: 0 });

    // The daily full run: not written, not unchanged, not an orphan; the destination still holds what it had.
    clock.advance(DAY);
    reset();
    const full = await runSync(deps, excluding);
    const fullSection = sectionOf(full, 'alpha');
    expect(fullSection).toMatchObject({ mode: 'full', unchanged: 3, planned: { writes: 0 }, orphans: [] });
    expect(fullSection.excluded).toEqual([{ mediaId: EXCLUDED_MEDIA, title: 'Anime 2' }]);
    expect(alpha.written).toEqual([]);
    expect(alpha.held.get('e2')).toEqual({ progress: 2, score: 50 });
    // Its record is kept, still "written by us": prune can undo it once it is no longer excluded.
    expect((await stateOf(store, alpha)).mirrored.e2).toMatchObject({ mediaId: EXCLUDED_MEDIA, written: true });
  });

  test('prune on: an excluded entry is never removed, whether still on AniList or deleted there', async () => {
    const { deps, settings, alpha, anilist, prune, clock, store } = setup();
    prune.alpha = true;
    await runSync(deps, settings);
    const excluding = { ...settings, exclude: everywhere(EXCLUDED_MEDIA, 103) };

    // Still on AniList: not an orphan, so AniList is not even asked and nothing is refused.
    clock.advance(DAY);
    const still = await runSync(deps, excluding);
    expect(sectionOf(still, 'alpha')).toMatchObject({ applied: { removed: 0 }, orphans: [] });
    expect(sectionOf(still, 'alpha').pruneRefused).toBeUndefined();
    expect(anilist.presenceChecks).toEqual([]);

    // Deleted on AniList: left on the destination all the same; entry 4, not excluded, is pruned.
    anilist.entries.delete(2);
    anilist.entries.delete(4);
    clock.advance(DAY);
    const gone = await runSync(deps, excluding);
    const section = sectionOf(gone, 'alpha');
    expect(section.writes.map((w) => `${w.kind} ${w.key}`)).toEqual(['remove e4']);
    expect(section.applied.removed).toBe(1);
    expect(alpha.held.has('e2')).toBe(true);
    expect(alpha.held.has('e4')).toBe(false);
    expect(anilist.presenceChecks).toEqual([[104]]);
    // Reported as excluded: one found on the list read, and the id the list no longer holds.
    expect(section.excluded).toEqual([{ mediaId: 103, title: 'Anime 3' }, { mediaId: EXCLUDED_MEDIA }]);
    expect(formatReport(gone)).toContain(
      'excluded (EXCLUDE): 2 (Anime 3, AniList 103; AniList 102: not on the list read)',
    );
    expect((await stateOf(store, alpha)).mirrored.e2).toMatchObject({ written: true });
  });

  test('prune on: a record of the first version (no media id) of an excluded entry is not removed either', async () => {
    const { deps, settings, alpha, prune, clock, store } = setup();
    prune.alpha = true;
    await runSync(deps, settings);
    const state = await stateOf(store, alpha);
    const { mediaId: _dropped, ...v1Record } = state.mirrored.e2!;
    await saveDestinationState(store, { ...state, mirrored: { ...state.mirrored, e2: v1Record } });
    clock.advance(DAY);
    const report = await runSync(deps, { ...settings, exclude: everywhere(EXCLUDED_MEDIA) });
    expect(sectionOf(report, 'alpha')).toMatchObject({ applied: { removed: 0 }, orphans: [] });
    // Known as excluded by its list entry: not an orphan that prune then refuses for want of a media id.
    expect(sectionOf(report, 'alpha').pruneRefused).toBeUndefined();
    expect(alpha.held.has('e2')).toBe(true);
  });

  test('with prune off, an excluded entry deleted on AniList is not reported as deleted', async () => {
    const { deps, settings, anilist, clock } = setup();
    await runSync(deps, settings);
    anilist.entries.delete(2);
    clock.advance(DAY);
    const report = await runSync(deps, { ...settings, exclude: everywhere(EXCLUDED_MEDIA) });
    expect(sectionOf(report, 'alpha').orphans).toEqual([]);
    expect(formatReport(report)).not.toContain('deleted on AniList');
  });

  test('an entry waiting in the retry list that is then excluded leaves it and stops holding the watermark', async () => {
    const { deps, settings, alpha, store, edit } = setup();
    await runSync(deps, settings);
    alpha.beforeWrite = (key) => {
      if (key === 'e2') throw new Error('503 from the destination');
    };
    edit(2, { progress: 9, updatedAt: 5000 });
    edit(3, { progress: 9, updatedAt: 6000 });
    await runSync(deps, settings);
    const held = await stateOf(store, alpha);
    expect(held.pending.map((p) => p.entry.id)).toEqual([2]);
    expect(held.watermark).toBe(4999);

    alpha.written.length = 0;
    const report = await runSync(deps, { ...settings, exclude: everywhere(EXCLUDED_MEDIA) });
    expect(alpha.written).toEqual([]);
    expect(sectionOf(report, 'alpha')).toMatchObject({ retryQueue: 0, failures: [] });
    const after = await stateOf(store, alpha);
    expect(after.pending).toEqual([]);
    expect(after.watermark).toBe(6000);
  });

  test('taking an id out of EXCLUDE mirrors its entry on the next run (a full one), not a day later', async () => {
    const { deps, settings, alpha, beta, edit, reset } = setup({ all: [], byDestination: { alpha: [EXCLUDED_MEDIA] } });
    await runSync(deps, settings);
    edit(2, { progress: 9, updatedAt: 5000 });
    await runSync(deps, settings);
    expect(alpha.held.get('e2')).toBeUndefined();
    expect(beta.held.get('e2')).toEqual({ progress: 9, score: 50 });

    reset();
    const report = await runSync(deps, { ...settings, exclude: { all: [], byDestination: {} } });
    expect(sectionOf(report, 'alpha')).toMatchObject({ mode: 'full', applied: { written: 1 } });
    // The whole list is read for alpha, so beta compares it whole too, and finds nothing to write.
    expect(sectionOf(report, 'beta')).toMatchObject({ mode: 'full', applied: { written: 0 } });
    expect(alpha.written).toEqual(['e2']);
    expect(alpha.held.get('e2')).toEqual({ progress: 9, score: 50 });

    // Once mirrored, runs are incremental again.
    const next = await runSync(deps, { ...settings, exclude: { all: [], byDestination: {} } });
    expect(sectionOf(next, 'alpha').mode).toBe('incremental');
  });

  test('a dry run reports the exclusions of a full run too, and writes nothing', async () => {
    const { deps, settings, alpha } = setup(everywhere(EXCLUDED_MEDIA));
    const report = await runSync(deps, settings, { dryRun: true });
    expect(alpha.written).toEqual([]);
    expect(sectionOf(report, 'alpha').excluded).toEqual([{ mediaId: EXCLUDED_MEDIA, title: 'Anime 2' }]);
    expect(
      sectionOf(report, 'alpha')
        .writes.map((w) => w.key)
        .sort(),
    ).toEqual(['e1', 'e3', 'e4']);
  });
});

describe('reading EXCLUDE', () => {
  const keys = ['mal', 'trakt'];
  test.each([
    ['[1535, 21, 1535]', { all: [1535, 21], byDestination: {} }],
    ['{"mal":[1535],"trakt":[21]}', { all: [], byDestination: { mal: [1535], trakt: [21] } }],
    ['[]', { all: [], byDestination: {} }],
  ])('%s', (raw, expected) => {
    expect(parseExclusions(raw, keys)).toEqual({ exclusions: expected });
  });

  test.each([
    ['1535,21', 'must be JSON, not "1535,21": a list of AniList media ids, e.g. [1535]'],
    ['1535', 'must be a list of AniList media ids or an object of them per destination, not 1535'],
    ['[1.5]', 'holds 1.5, which is not an AniList media id: each must be a whole number above 0'],
    ['[0]', 'holds 0, which is not an AniList media id'],
    ['[-3]', 'holds -3, which is not an AniList media id'],
    ['["1535"]', 'holds "1535", which is not an AniList media id: write it as a number, without quotes: 1535'],
    ['{"mall":[1]}', 'names "mall", which is not a destination (did you mean "mal"?) (destinations: mal, trakt)'],
    ['{"Trakt":[1]}', 'names "Trakt", which is not a destination (did you mean "trakt"?)'],
    ['{"all":[1]}', 'names "all", which is not a destination: to exclude from every destination, give a plain list'],
    ['{"mal":1535}', '"mal" must be a list of AniList media ids, not 1535: e.g. {"mal":[1535]}'],
    ['{"mal":[true]}', '"mal" holds true, which is not an AniList media id'],
  ])('%s is refused', (raw, message) => {
    const parsed = parseExclusions(raw, keys);
    expect('problem' in parsed && parsed.problem).toContain(message);
  });
});
