import { type ComparableMalState, mapEntry } from '../../../shared/destinations/mal/mapping';
import { malKey, planMal, planMalRemovals } from '../../../shared/destinations/mal/planner';
import type { MirroredRecord } from '../../../shared/sync/destination';
import { decidePrune, findOrphans } from '../../../shared/sync/prune';
import type { SourceEntry } from '../../../shared/sync/source';
import { anilistEntry } from '../../support/entries';
import { FakeAniList } from '../../support/fakes';

const baseOptions = { mirrorPrivate: false, idOverrides: new Map<number, number>() };

function malStateFor(entry: ReturnType<typeof anilistEntry>): ComparableMalState {
  const mapped = mapEntry(entry, baseOptions);
  if (mapped.kind !== 'mapped') throw new Error('test entry must map');
  return {
    ...mapped.desired,
    start_date: mapped.desired.start_date ?? '',
    finish_date: mapped.desired.finish_date ?? '',
  };
}

/** What MAL holds, by MAL id (the planner's keys are the MAL ids as strings). */
function known(...pairs: (readonly [number, ComparableMalState])[]): Map<string, ComparableMalState> {
  return new Map(pairs.map(([id, state]) => [malKey(id), state]));
}

function plan(input: { entries?: SourceEntry[]; known?: Map<string, ComparableMalState> }) {
  return planMal(input.entries ?? [], input.known ?? new Map(), baseOptions);
}

describe('planMal', () => {
  test('an entry MAL already matches costs no write', () => {
    const entry = anilistEntry({ status: 'COMPLETED', score: 85, progress: 12 });
    const result = plan({ entries: [entry], known: known([entry.idMal!, malStateFor(entry)]) });
    expect(result.writes).toHaveLength(0);
    expect(result.unchanged).toHaveLength(1);
  });

  test('only the differing fields are written, with readable reasons', () => {
    const entry = anilistEntry({ status: 'COMPLETED', score: 85, progress: 12 });
    const current = { ...malStateFor(entry), score: 8 };
    const result = plan({ entries: [entry], known: known([entry.idMal!, current]) });
    expect(result.writes).toEqual([
      expect.objectContaining({
        kind: 'put',
        key: String(entry.idMal),
        target: `MAL ${entry.idMal}`,
        payload: { malId: entry.idMal, fields: { score: 9 } },
        fields: { score: 9 },
        reasons: ['score 8 → 9'],
      }),
    ]);
  });

  test('a new entry sends its status and every non-default field', () => {
    const entry = anilistEntry({
      status: 'REPEATING',
      score: 100,
      progress: 3,
      repeat: 1,
      startedAt: { year: 2020, month: 4, day: 1 },
    });
    const [write] = plan({ entries: [entry] }).writes;
    expect(write).toMatchObject({
      kind: 'put',
      reasons: ['new on MAL: completed (rewatching), score 10, 3 ep, rewatched 1×, started 2020-04-01'],
      fields: {
        status: 'completed',
        is_rewatching: true,
        score: 10,
        num_watched_episodes: 3,
        num_times_rewatched: 1,
        start_date: '2020-04-01',
      },
    });
    expect(write?.fields ?? {}).not.toHaveProperty('finish_date');
    expect((write!.payload as { fields: object }).fields).not.toHaveProperty('finish_date');
  });

  test('a date cleared on AniList is cleared on MAL with an empty string', () => {
    const entry = anilistEntry({ status: 'CURRENT' });
    const current = { ...malStateFor(entry), start_date: '2021-01-01' };
    const [write] = plan({ entries: [entry], known: known([entry.idMal!, current]) }).writes;
    expect(write).toMatchObject({ fields: { start_date: '' }, reasons: ['start date cleared'] });
  });

  test('a partial date leaves the MAL date untouched and is reported', () => {
    const entry = anilistEntry({ startedAt: { year: 2021, month: null, day: null } });
    const current = { ...malStateFor(entry), start_date: '2021-06-15' };
    const result = plan({ entries: [entry], known: known([entry.idMal!, current]) });
    expect(result.writes).toHaveLength(0);
    expect(result.notes).toEqual([
      { title: entry.title, kind: 'partial_date', detail: 'start date is incomplete on AniList' },
    ]);
  });

  test('custom-list duplicates of one entry are planned once', () => {
    const entry = anilistEntry({ score: 70 });
    const result = plan({ entries: [entry, { ...entry }, { ...entry }] });
    expect(result.writes).toHaveLength(1);
    expect(result.skipped).toHaveLength(0);
  });

  test('two AniList entries claiming one MAL id: the most recently edited wins, the other is reported', () => {
    const older = anilistEntry({ idMal: 5, updatedAt: 100, score: 10 });
    const newer = anilistEntry({ idMal: 5, updatedAt: 200, score: 90 });
    const result = plan({ entries: [older, newer] });
    expect(result.writes).toEqual([
      expect.objectContaining({ key: '5', entry: newer, fields: expect.objectContaining({ score: 9 }) }),
    ]);
    expect(result.skipped).toEqual([expect.objectContaining({ anilistEntryId: older.id, reason: 'duplicate_mal_id' })]);
  });

  test('skips carry the entry, the reason and a detail', () => {
    const noMal = anilistEntry({ idMal: null });
    const secret = anilistEntry({ private: true });
    const result = plan({ entries: [noMal, secret] });
    expect(result.writes).toHaveLength(0);
    expect(result.skipped.map((s) => [s.anilistEntryId, s.reason])).toEqual(
      expect.arrayContaining([
        [noMal.id, 'no_mal_id'],
        [secret.id, 'private'],
      ]),
    );
  });

  describe('prune (full runs only)', () => {
    const kept = anilistEntry({ score: 50 });
    const keptState = malStateFor(kept);
    const goneState: ComparableMalState = { ...keptState, score: 3 };
    const record = (title: string, state: ComparableMalState, written: boolean, id = 1): MirroredRecord => ({
      title,
      anilistEntryId: id,
      mediaId: 70_000 + id,
      state,
      written,
    });
    const read = (entries: SourceEntry[]) => ({ entries, invalid: [] });

    test('is off by default: orphans are only reported', () => {
      const baseline = {
        [malKey(kept.idMal!)]: { ...record(kept.title, keptState, true), anilistEntryId: kept.id },
        '999': record('Gone Anime', goneState, true, 9),
      };
      const result = plan({ entries: [kept], known: known([kept.idMal!, keptState], [999, goneState]) });
      expect(result.writes).toHaveLength(0);
      const { orphans } = findOrphans(baseline, result, read([kept]));
      expect(orphans.map((o) => ({ key: o.key, title: o.record.title }))).toEqual([
        { key: '999', title: 'Gone Anime' },
      ]);
    });

    test('removes only entries this system wrote before', async () => {
      const baseline = {
        [malKey(kept.idMal!)]: { ...record(kept.title, keptState, true), anilistEntryId: kept.id },
        '999': record('Gone Anime', goneState, true, 9),
        '1000': record('Added by hand', goneState, false, 10),
      };
      const result = plan({
        entries: [kept],
        known: known([kept.idMal!, keptState], [999, goneState], [1000, goneState]),
      });
      const { orphans } = findOrphans(baseline, result, read([kept]));
      const decision = await decidePrune(orphans, {
        writtenCount: 2,
        source: new FakeAniList([kept]),
        user: 'alice',
        label: 'MAL',
      });
      expect(planMalRemovals(decision.confirmed)).toEqual([
        {
          kind: 'remove',
          key: '999',
          title: 'Gone Anime',
          target: 'MAL 999',
          reasons: ['deleted on AniList'],
          payload: { malId: 999 },
        },
      ]);
    });

    test('never prunes an entry that is still on AniList, even if skipped (e.g. made private)', () => {
      const nowPrivate = anilistEntry({ private: true });
      const baseline = {
        [malKey(nowPrivate.idMal!)]: {
          ...record(nowPrivate.title, goneState, true),
          anilistEntryId: nowPrivate.id,
          mediaId: nowPrivate.mediaId,
        },
      };
      const result = plan({ entries: [nowPrivate], known: known([nowPrivate.idMal!, goneState]) });
      expect(result.writes).toHaveLength(0);
      expect(findOrphans(baseline, result, read([nowPrivate])).orphans).toEqual([]);
    });

    test('refuses to remove most of the list in one run', async () => {
      const baseline = Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [malKey(5000 + i), record(`Show ${i}`, goneState, true, 100 + i)]),
      );
      const result = plan({ entries: [] });
      const { orphans } = findOrphans(baseline, result, read([]));
      const source = new FakeAniList();
      const decision = await decidePrune(orphans, { writtenCount: 20, source, user: 'alice', label: 'MAL' });
      expect(decision.confirmed).toHaveLength(0);
      expect(planMalRemovals(decision.confirmed)).toHaveLength(0);
      expect(decision.refused).toMatch(/refused to remove 20 of 20/);
      // Refused before AniList is asked anything.
      expect(source.presenceChecks).toEqual([]);
    });
  });
});
