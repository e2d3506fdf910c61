import { type ComparableMalState, mapEntry } from '../../../shared/sync/mapping';
import { type PlanInput, planSync } from '../../../shared/sync/planner';
import { anilistEntry } from '../../support/entries';

const baseOptions = { mirrorPrivate: false, idOverrides: new Map<number, number>(), prune: false };

function malStateFor(entry: ReturnType<typeof anilistEntry>): ComparableMalState {
  const mapped = mapEntry(entry, baseOptions);
  if (mapped.kind !== 'mapped') throw new Error('test entry must map');
  return {
    ...mapped.desired,
    start_date: mapped.desired.start_date ?? '',
    finish_date: mapped.desired.finish_date ?? '',
  };
}

function plan(overrides: Partial<PlanInput>) {
  return planSync({ entries: [], known: new Map(), options: baseOptions, ...overrides });
}

describe('planSync', () => {
  test('an entry MAL already matches costs no write', () => {
    const entry = anilistEntry({ status: 'COMPLETED', score: 85, progress: 12 });
    const result = plan({ entries: [entry], known: new Map([[entry.idMal!, malStateFor(entry)]]) });
    expect(result.writes).toHaveLength(0);
    expect(result.unchanged).toHaveLength(1);
  });

  test('only the differing fields are written, with readable reasons', () => {
    const entry = anilistEntry({ status: 'COMPLETED', score: 85, progress: 12 });
    const known = { ...malStateFor(entry), score: 8 };
    const result = plan({ entries: [entry], known: new Map([[entry.idMal!, known]]) });
    expect(result.writes).toEqual([
      expect.objectContaining({ kind: 'update', malId: entry.idMal, fields: { score: 9 }, reasons: ['score 8 → 9'] }),
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
      kind: 'update',
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
    expect(write && 'fields' in write ? write.fields : {}).not.toHaveProperty('finish_date');
  });

  test('a date cleared on AniList is cleared on MAL with an empty string', () => {
    const entry = anilistEntry({ status: 'CURRENT' });
    const known = { ...malStateFor(entry), start_date: '2021-01-01' };
    const [write] = plan({ entries: [entry], known: new Map([[entry.idMal!, known]]) }).writes;
    expect(write).toMatchObject({ fields: { start_date: '' }, reasons: ['start date cleared'] });
  });

  test('a partial date leaves the MAL date untouched and is reported', () => {
    const entry = anilistEntry({ startedAt: { year: 2021, month: null, day: null } });
    const known = { ...malStateFor(entry), start_date: '2021-06-15' };
    const result = plan({ entries: [entry], known: new Map([[entry.idMal!, known]]) });
    expect(result.writes).toHaveLength(0);
    expect(result.partialDates).toEqual([{ malId: entry.idMal, title: entry.title, field: 'start_date' }]);
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
      expect.objectContaining({ malId: 5, fields: expect.objectContaining({ score: 9 }) }),
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

    test('is off by default: orphans are only reported', () => {
      const result = plan({
        entries: [kept],
        known: new Map([
          [kept.idMal!, keptState],
          [999, goneState],
        ]),
        fullList: { previouslyWritten: new Map([[999, 'Gone Anime']]) },
      });
      expect(result.writes).toHaveLength(0);
      expect(result.orphans).toEqual([{ malId: 999, title: 'Gone Anime' }]);
    });

    test('removes only entries this system wrote before', () => {
      const result = plan({
        entries: [kept],
        options: { ...baseOptions, prune: true },
        known: new Map([
          [kept.idMal!, keptState],
          [999, goneState],
          [1000, goneState],
        ]),
        fullList: { previouslyWritten: new Map([[999, 'Gone Anime']]) },
      });
      expect(result.writes).toEqual([
        { kind: 'delete', malId: 999, title: 'Gone Anime', reason: 'deleted on AniList' },
      ]);
    });

    test('never prunes an entry that is still on AniList, even if skipped (e.g. made private)', () => {
      const nowPrivate = anilistEntry({ private: true });
      const result = plan({
        entries: [nowPrivate],
        options: { ...baseOptions, prune: true },
        known: new Map([[nowPrivate.idMal!, goneState]]),
        fullList: { previouslyWritten: new Map([[nowPrivate.idMal!, nowPrivate.title]]) },
      });
      expect(result.writes).toHaveLength(0);
    });

    test('refuses to remove most of the list in one run', () => {
      const written = new Map(Array.from({ length: 20 }, (_, i) => [5000 + i, `Show ${i}`] as const));
      const known = new Map([...written.keys()].map((id) => [id, goneState] as const));
      const result = plan({
        entries: [],
        options: { ...baseOptions, prune: true },
        known,
        fullList: { previouslyWritten: written },
      });
      expect(result.writes).toHaveLength(0);
      expect(result.pruneRefused).toMatch(/refused to remove 20 of 20/);
    });
  });
});
