import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';

const date = (year: number | null, month: number | null, day: number | null) => ({ year, month, day });

/** AniList's MediaListCollection response body, as a user would save it. Scores in the user's format (POINT_10_DECIMAL). */
const aniListFixture = {
  data: {
    MediaListCollection: {
      hasNextChunk: false,
      user: { name: 'fixtureUser', mediaListOptions: { scoreFormat: 'POINT_10_DECIMAL' } },
      lists: [
        {
          name: 'Completed',
          isCustomList: false,
          isSplitCompletedList: false,
          status: 'COMPLETED',
          entries: [
            {
              id: 1,
              mediaId: 5114,
              status: 'COMPLETED',
              score: 8.5,
              progress: 64,
              repeat: 0,
              private: false,
              notes: null,
              startedAt: date(2020, 1, 5),
              completedAt: date(2020, 3, 1),
              updatedAt: 1_700_000_000,
              media: { id: 5114, idMal: 5114, title: { romaji: 'Fullmetal Alchemist: Brotherhood' }, episodes: 64 },
            },
            {
              id: 2,
              mediaId: 9253,
              status: 'REPEATING',
              score: 10,
              progress: 3,
              repeat: 1,
              private: false,
              notes: 'again',
              startedAt: date(2021, null, null),
              completedAt: date(null, null, null),
              updatedAt: 1_700_000_100,
              media: { id: 9253, idMal: 9253, title: { romaji: 'Steins;Gate' }, episodes: 24 },
            },
          ],
        },
      ],
    },
  },
};

/** MAL's GET /users/@me/animelist body: the authorizing user's existing list. */
const malFixture = {
  data: [
    {
      node: { id: 5114, title: 'Fullmetal Alchemist: Brotherhood' },
      list_status: {
        status: 'completed',
        score: 9,
        num_episodes_watched: 64,
        is_rewatching: false,
        num_times_rewatched: 0,
        comments: '',
        start_date: '2020-01-05',
        finish_date: '2020-03-01',
      },
    },
    {
      node: { id: 9253, title: 'Steins;Gate' },
      list_status: {
        status: 'completed',
        score: 7,
        num_episodes_watched: 24,
        is_rewatching: false,
        start_date: '2019-05-01',
      },
    },
    { node: { id: 1, title: 'Cowboy Bebop' }, list_status: { status: 'watching', score: 0, num_episodes_watched: 3 } },
  ],
  paging: {},
};

describe('seeding the sandboxes from fixture files', () => {
  let system: TestSystem;
  afterAll(async () => {
    await system?.close();
  });

  test('the fixture user is synced onto the existing MAL list, writing only what differs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mirror-fixtures-'));
    writeFileSync(path.join(dir, 'anilist.json'), JSON.stringify(aniListFixture));
    writeFileSync(path.join(dir, 'mal.json'), JSON.stringify(malFixture));
    system = await startTestSystem({
      local: {
        SANDBOX_ANILIST_FIXTURE: path.join(dir, 'anilist.json'),
        SANDBOX_MAL_FIXTURE: path.join(dir, 'mal.json'),
      },
    });
    expect(system.config.base.ANILIST_USERNAME).toBe('fixtureUser');

    const report = await authorize(system);
    expect(report.status).toBe('ok');
    const mal = sectionOf(report);
    expect(mal).toMatchObject({ status: 'ok', unchanged: 1, applied: { written: 1 } });
    expect(mal.writes).toEqual([
      expect.objectContaining({
        kind: 'put',
        key: '9253',
        target: 'MAL 9253',
        fields: { is_rewatching: true, score: 10, num_watched_episodes: 3, num_times_rewatched: 1, comments: 'again' },
      }),
    ]);
    expect(mal.notes).toEqual([
      { title: 'Steins;Gate', kind: 'partial_date', detail: 'start date is incomplete on AniList' },
      // A full run also saves the list in MAL's import XML (README, "Export to MAL's import format").
      {
        title: 'MAL import XML (anime)',
        kind: 'list_export',
        detail: expect.stringMatching(/^saved: exports\/mal-animelist-.+\.xml \(2 anime\)$/),
      },
    ]);
    // The partial AniList start date left MAL's own date alone; the MAL-only entry was not touched.
    expect(system.mal!.state.getEntry(9253)?.listStatus.start_date).toBe('2019-05-01');
    expect(system.mal!.state.getEntry(1)?.listStatus).toMatchObject({ status: 'watching', num_episodes_watched: 3 });
  });
});
