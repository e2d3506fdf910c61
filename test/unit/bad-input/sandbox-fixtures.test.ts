import { AniListFixtureError, loadAniListFixture } from '../../../local/sandbox/anilist/fixture';
import { loadMalFixture, MalFixtureError, parseSeed } from '../../../local/sandbox/mal/fixture';
import { SandboxMangaStore } from '../../../local/sandbox/mal/manga';
import { loadTraktFixture, TraktFixtureError } from '../../../local/sandbox/trakt/fixture';
import { ManualClock } from '../../../shared/clock';

/**
 * A hand-written fixture (SANDBOX_ANILIST_FIXTURE, SANDBOX_MAL_FIXTURE, SANDBOX_TRAKT_FIXTURE) is
 * refused with every problem at once, each at its JSON path; a value that is there but bad is
 * quoted as it is, and only an absent one is called missing.
 */

function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof MalFixtureError || err instanceof TraktFixtureError) return err.problems;
    if (err instanceof AniListFixtureError) return err.issues;
    throw err;
  }
  throw new Error('the fixture was accepted');
}

describe('MAL fixture', () => {
  const ok = (id: number) => ({ node: { id, title: `Anime ${id}` }, list_status: { status: 'watching' } });

  test('every problem of every entry, with its JSON path', () => {
    const body = {
      data: [
        ok(1),
        { node: { id: 2, title: 'Two' }, list_status: { status: 'completed', score: 11, priority: 3 } },
        {
          node: { id: '3', title: '' },
          list_status: {
            status: 'watchin',
            num_episodes_watched: -1,
            is_rewatching: 'no',
            start_date: '2024/01/01',
            tags: 'favourite',
          },
        },
        { node: { id: 4 } },
        { node: { id: 1, title: 'One again' }, list_status: { status: 'completed' } },
      ],
    };
    expect(problemsOf(() => loadMalFixture(body))).toEqual([
      'data[1].list_status.score: 11 is above 10',
      'data[1].list_status.priority: 3 is above 2',
      'data[2].node.id: is "3", but must be a whole number ≥ 1',
      'data[2].node.title: is "", but must be non-empty text',
      'data[2].list_status.status: is "watchin", but must be one of watching, completed, on_hold, dropped, plan_to_watch',
      'data[2].list_status.num_episodes_watched: -1 is below 0',
      'data[2].list_status.is_rewatching: is "no", but must be true or false',
      'data[2].list_status.tags: is "favourite", but must be a list of text, e.g. ["rewatch"]',
      'data[2].list_status.start_date: is "2024/01/01", but must be YYYY-MM-DD (or YYYY / YYYY-MM)',
      'data[3].node.title: is missing; it must be non-empty text',
      'data[3].list_status: is missing; it must be an object',
      'data[4].node.id: repeats anime 1 of data[0]',
    ]);
  });

  test('a value that is there but bad is not called missing, and the message lists them all', () => {
    const missing = problemsOf(() => loadMalFixture({ data: [{ node: { id: 1, title: 'A' }, list_status: {} }] }));
    expect(missing).toEqual([
      'data[0].list_status.status: is missing; it must be one of watching, completed, on_hold, dropped, plan_to_watch',
    ]);
    const bad = problemsOf(() =>
      loadMalFixture({ data: [{ node: { id: 1, title: 'A' }, list_status: { status: null, score: 'ten' } }] }),
    );
    expect(bad).toEqual([
      'data[0].list_status.status: is null, but must be one of watching, completed, on_hold, dropped, plan_to_watch',
      'data[0].list_status.score: is "ten", but must be a whole number 0–10',
    ]);
    expect(() =>
      loadMalFixture({ data: [{ node: { id: 1, title: 'A' }, list_status: { status: null, score: 'ten' } }] }),
    ).toThrow(
      /^MAL fixture is not usable:\n {2}- data\[0\]\.list_status\.status: .*\n {2}- data\[0\]\.list_status\.score: /,
    );
  });

  test('setList entries (parseSeed) report every problem under their own path', () => {
    expect(
      problemsOf(() => parseSeed({ node: { id: 0, title: 'A' }, list_status: { status: 'x' } }, 'entries[0]')),
    ).toEqual([
      'entries[0].node.id: 0 is below 1',
      'entries[0].list_status.status: is "x", but must be one of watching, completed, on_hold, dropped, plan_to_watch',
    ]);
  });

  test('a good fixture still loads, with MAL’s empty values for what it leaves out', () => {
    expect(loadMalFixture({ data: [ok(1)] })).toEqual([
      {
        node: { id: 1, title: 'Anime 1', num_episodes: 0 },
        listStatus: expect.objectContaining({ status: 'watching', score: 0, tags: [], comments: '' }),
      },
    ]);
  });
});

describe('MAL manga fixture', () => {
  test('every bad field of every entry, and the list is left as it was', () => {
    const store = new SandboxMangaStore(new ManualClock(Date.parse('2026-01-01T00:00:00Z')));
    store.seed({ data: [{ node: { id: 9, title: 'Kept' }, list_status: { status: 'reading' } }] });
    const body = {
      data: [
        { node: { id: 1, title: 'A' }, list_status: { status: 'reading', score: 11, is_rereading: 'maybe' } },
        { node: { id: 2 }, list_status: { score: 5, volumes: 3 } },
        { node: { id: 1, title: 'A again' }, list_status: { status: 'completed' } },
      ],
    };
    expect(problemsOf(() => store.seed(body))).toEqual([
      'data[0].list_status.score: is 11: MAL says invalid score',
      'data[0].list_status.is_rereading: is "maybe": MAL says invalid is_rereading',
      'data[1].node.title: is missing; it must be non-empty text',
      'data[1].list_status.volumes: is not a field of a MAL manga list entry',
      'data[1].list_status.status: is missing; it must be one of reading, completed, on_hold, dropped, plan_to_read',
      'data[2].node.id: repeats manga 1',
    ]);
    expect(store.list().map((e) => e.mangaId)).toEqual([9]);
  });
});

describe('Trakt fixture', () => {
  test('every problem, missing and bad told apart', () => {
    expect(
      problemsOf(() =>
        loadTraktFixture({
          shows: [
            { title: 'S', ids: { slug: 's' }, year: 'twenty' },
            { ids: { trakt: 2, slug: 't' }, title: 7 },
          ],
          ratings: [{ type: 'film', rating: 0 }],
        }),
      ),
    ).toEqual([
      '$.shows[0].ids.trakt: is missing; it must be a whole number ≥ 1',
      '$.shows[1].title: is 7, but must be non-empty text',
      '$.ratings[0].rating: 0 is below 1',
      '$.ratings[0].rated_at: is missing; it must be an ISO 8601 date-time',
      '$.ratings[0].type: is "film", but must be movie, show, season or episode',
    ]);
  });
});

describe('AniList fixture', () => {
  const entry = (id: number, extra: Record<string, unknown> = {}) => ({
    id,
    status: 'CURRENT',
    score: 8,
    media: { id: id * 10, idMal: id, title: { romaji: `Anime ${id}` } },
    ...extra,
  });
  const body = (entries: unknown[]) => ({
    data: {
      MediaListCollection: {
        user: { name: 'Tester', mediaListOptions: { scoreFormat: 'POINT_10' } },
        lists: [{ name: 'Watching', status: 'CURRENT', entries }],
      },
    },
  });
  const at = (index: number, id: number, key: string) =>
    `data.MediaListCollection.lists[0].entries[${index}].${key} (entry id ${id})`;

  test('every structural problem, missing and bad told apart, with the entry id', () => {
    expect(
      problemsOf(() =>
        loadAniListFixture(
          body([
            entry(1, { progress: -1 }),
            entry(2, { status: 'WATCHING', media: { id: 20, title: {} } }),
            entry(3, { private: 'yes' }),
          ]),
        ),
      ),
    ).toEqual([
      `${at(0, 1, 'progress')}: -1 is below 0`,
      `${at(1, 2, 'status')}: is "WATCHING", but must be one of CURRENT, PLANNING, COMPLETED, DROPPED, PAUSED, REPEATING`,
      `${at(1, 2, 'media.idMal')}: is missing; it must be a number`,
      `${at(2, 3, 'private')}: is "yes", but must be true or false`,
    ]);
  });

  test('every problem of an entry, not only its first', () => {
    expect(problemsOf(() => loadAniListFixture(body([entry(1, { mediaId: 99, score: 11 }), entry(2)])))).toEqual([
      `${at(0, 1, 'mediaId')}: 99 differs from media.id 10`,
      `${at(0, 1, 'score')}: 11 is above 10, the maximum for POINT_10`,
    ]);
  });
});
