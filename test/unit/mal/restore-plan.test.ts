import { toMalMangaResponseShape, toMalResponseShape } from '../../../shared/destinations/mal/destination';
import {
  parseMalBackup,
  parseMalBackupLists,
  planMalRestore,
  planMalRestoreLists,
  restoreWrites,
} from '../../../shared/destinations/mal/restore-plan';
import type {
  MalListEntry,
  MalListStatus,
  MalMangaListEntry,
  MalMangaListStatus,
} from '../../../shared/destinations/mal/types';
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

function manga(mangaId: number, title: string, status: Partial<MalMangaListStatus> = {}): MalMangaListEntry {
  return {
    mangaId,
    title,
    listStatus: {
      status: 'reading',
      score: 7,
      num_volumes_read: 2,
      num_chapters_read: 20,
      is_rereading: false,
      num_times_reread: 0,
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

describe('planMalRestoreLists: the manga list', () => {
  const backupManga = [
    manga(10, 'Manga changed', { score: 8, num_chapters_read: 30 }),
    manga(11, 'Manga same'),
    manga(12, 'Manga removed since', { status: 'on_hold', num_volumes_read: 1 }),
  ];
  const backup = { anime: [entry(1, 'Anime')], manga: backupManga };

  test('plans the manga list like the anime list, with manga keys, MAL manga write fields and manga payloads', () => {
    const current = {
      anime: [entry(1, 'Anime')],
      manga: [
        manga(10, 'Manga changed', { score: 3, num_chapters_read: 45, is_rereading: true }),
        manga(11, 'Manga same'),
        manga(13, 'Manga ours since'),
        manga(14, 'Manga by hand since'),
      ],
    };
    const plan = planMalRestoreLists(backup, current, { 'manga:13': record(true), '13': record(true) });
    expect(plan.writes).toEqual([]);
    expect(plan.manga?.writes.map((w) => [w.kind, w.key, w.payload])).toEqual([
      [
        'put',
        'manga:10',
        { media: 'manga', malId: 10, fields: { is_rereading: false, score: 8, num_chapters_read: 30 } },
      ],
      [
        'put',
        'manga:12',
        {
          media: 'manga',
          malId: 12,
          fields: { status: 'on_hold', score: 7, num_volumes_read: 1, num_chapters_read: 20 },
        },
      ],
      ['remove', 'manga:13', { media: 'manga', malId: 13, fields: {} }],
    ]);
    expect(plan.manga?.writes[0]?.reasons).toEqual([
      'is rereading true → false',
      'score 3 → 8',
      'num chapters read 45 → 30',
    ]);
    expect(plan.manga?.writes[1]?.reasons[0]).toMatch(/^back on MAL's manga list: status on_hold/);
    expect(plan.manga?.writes[1]?.target).toBe('MAL manga 12');
    expect(plan.manga?.unchanged).toBe(1);
    expect(plan.manga?.keptHandAdded).toEqual([{ key: 'manga:14', title: 'Manga by hand since' }]);
    // The apply path gets the anime writes, then the manga writes.
    expect(restoreWrites(plan).map((w) => w.key)).toEqual(['manga:10', 'manga:12', 'manga:13']);
  });

  test('an anime record never counts as "written by this system" for the manga of the same id', () => {
    const plan = planMalRestoreLists(
      backup,
      { anime: [], manga: [...backupManga, manga(1, 'Manga 1')] },
      {
        '1': record(true),
      },
    );
    expect(plan.manga?.writes.filter((w) => w.kind === 'remove')).toEqual([]);
    expect(plan.manga?.keptHandAdded).toEqual([{ key: 'manga:1', title: 'Manga 1' }]);
  });

  test('a backup without a manga list leaves the manga list alone, and says why', () => {
    const plan = planMalRestoreLists({ anime: [entry(1, 'Anime')] }, { anime: [entry(1, 'Anime')], manga: [] }, {});
    expect(plan.manga).toBeUndefined();
    expect(plan.mangaLeftAlone).toMatch(/no manga list/);
    expect(restoreWrites(plan)).toEqual([]);
  });

  test('a manga list MAL could not be read here leaves it alone, and says why', () => {
    const plan = planMalRestoreLists(backup, { anime: [entry(1, 'Anime')] }, {});
    expect(plan.manga).toBeUndefined();
    expect(plan.mangaLeftAlone).toMatch(/could not be read/);
  });
});

describe('parseMalBackupLists', () => {
  test('reads the manga list under "manga" (MAL mangalist shape), and none from an older backup', () => {
    const anime = [entry(1, 'A')];
    const mangaList = [manga(10, 'M', { start_date: '2021-03-04' })];
    const both = JSON.stringify({ ...toMalResponseShape(anime), manga: toMalMangaResponseShape(mangaList) });
    expect(parseMalBackupLists('backups/x.json', both)).toEqual({ anime, manga: mangaList });
    expect(parseMalBackupLists('backups/x.json', JSON.stringify(toMalResponseShape(anime)))).toEqual({ anime });
  });

  test('refuses a "manga" member that is not a MAL manga list, naming the backup', () => {
    expect(() => parseMalBackupLists('backups/x.json', '{"data":[],"manga":{"paging":{}}}')).toThrow(
      /backups\/x.json has a "manga" member without a "data" list/,
    );
  });
});
