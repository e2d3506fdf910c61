import { toMalResponseShape } from '../../../shared/destinations/mal/destination';
import { parseMalBackup, planMalRestore } from '../../../shared/destinations/mal/restore-plan';
import type { MalListEntry, MalListStatus } from '../../../shared/destinations/mal/types';
import type { MirroredRecord } from '../../../shared/sync/destination';

function entry(animeId: number, title: string, status: Partial<MalListStatus> = {}): MalListEntry {
  return {
    animeId,
    title,
    listStatus: {
      status: 'completed',
      score: 8,
      num_episodes_watched: 12,
      is_rewatching: false,
      num_times_rewatched: 0,
      comments: '',
      ...status,
    },
  };
}

function record(written: boolean): MirroredRecord {
  return { title: 'x', anilistEntryId: 1, state: {}, written };
}

describe('planMalRestore', () => {
  const backup = [
    entry(1, 'Changed', { score: 7, start_date: '2020-01-02' }),
    entry(2, 'Same'),
    entry(3, 'Removed since', { status: 'on_hold', score: 6, num_episodes_watched: 4 }),
  ];

  test('sets back only the fields that differ, in MAL write names', () => {
    const current = [entry(1, 'Changed', { score: 9, num_episodes_watched: 12 }), entry(2, 'Same')];
    const plan = planMalRestore(backup, current, {});
    const put = plan.writes.find((w) => w.key === '1');
    expect(put).toMatchObject({ kind: 'put', payload: { malId: 1, fields: { score: 7, start_date: '2020-01-02' } } });
    expect(put?.reasons).toEqual(['score 9 → 7', 'start date (none) → 2020-01-02']);
    expect(plan.unchanged).toBe(1);
  });

  test('clears what the backup did not have (a date, comments)', () => {
    const current = [entry(2, 'Same', { finish_date: '2024-05-05', comments: 'later note' })];
    const plan = planMalRestore([entry(2, 'Same')], current, {});
    expect(plan.writes[0]?.payload).toEqual({ malId: 2, fields: { comments: '', finish_date: '' } });
  });

  test('adds back an entry removed since the backup, with its fields', () => {
    const plan = planMalRestore(
      backup,
      [entry(1, 'Changed', { score: 7, start_date: '2020-01-02' }), entry(2, 'Same')],
      {},
    );
    expect(plan.writes).toHaveLength(1);
    expect(plan.writes[0]).toMatchObject({
      kind: 'put',
      key: '3',
      payload: { malId: 3, fields: { status: 'on_hold', score: 6, num_watched_episodes: 4 } },
    });
    expect(plan.writes[0]?.reasons[0]).toMatch(/^back on MAL: on hold, score 6, 4 ep/);
  });

  test('removes an entry added since only when this system wrote it; a hand-added one is left alone and listed', () => {
    const current = [...backup, entry(4, 'Ours since'), entry(5, 'By hand since'), entry(6, 'Seen, not written')];
    const plan = planMalRestore(backup, current, { '4': record(true), '6': record(false) });
    expect(plan.writes.map((w) => [w.kind, w.key])).toEqual([['remove', '4']]);
    expect(plan.writes[0]?.payload).toEqual({ malId: 4 });
    expect(plan.keptHandAdded).toEqual([
      { key: '5', title: 'By hand since' },
      { key: '6', title: 'Seen, not written' },
    ]);
    expect(plan.unchanged).toBe(3);
  });

  test('a list already as in the backup plans nothing', () => {
    expect(planMalRestore(backup, backup, { '1': record(true) })).toEqual({
      writes: [],
      unchanged: 3,
      keptHandAdded: [],
    });
  });
});

describe('parseMalBackup', () => {
  test('reads the body the sync core saves (MAL response shape)', () => {
    const body = JSON.stringify(toMalResponseShape([entry(1, 'A', { start_date: '2020-01-02' })]));
    expect(parseMalBackup('backups/x.json', body)).toEqual([entry(1, 'A', { start_date: '2020-01-02' })]);
  });

  test.each([
    ['not JSON', '{', /backups\/x.json is not JSON/],
    ['no data list', '{"paging":{}}', /has no "data" list/],
    [
      'a bad entry',
      '{"data":[{"node":{"id":1,"title":"A"},"list_status":{"status":"watching_maybe"}}]}',
      /cannot be read/,
    ],
  ])('refuses %s, naming the backup', (_what, body, message) => {
    expect(() => parseMalBackup('backups/x.json', body)).toThrow(message);
  });
});
