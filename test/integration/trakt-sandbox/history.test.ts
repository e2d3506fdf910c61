import { AOT, episodeId, JJK, JJK0, ONE_PIECE, SPLIT, seasonId } from './fixtures';
import { closeSandboxes, type Harness, START, startHarness } from './helpers';

/** POST /sync/history (appending plays), its removal, and reading it back. */

afterEach(closeSandboxes);

interface AddResponse {
  added: { movies: number; episodes: number };
  not_found: { movies: unknown[]; shows: unknown[]; seasons: unknown[]; episodes: unknown[] };
}

interface HistoryItem {
  id: number;
  watched_at: string | null;
  action: string;
  type: string;
  episode?: { season: number; number: number; ids: { trakt: number } };
  show?: { ids: { trakt: number } };
  movie?: { ids: { trakt: number } };
}

async function add(h: Harness, body: unknown): Promise<AddResponse> {
  const res = await h.json<AddResponse>('POST', '/sync/history', { body });
  expect(res.status).toBe(201);
  return res.body;
}

const none = { movies: [], shows: [], seasons: [], episodes: [] };

describe('Trakt sandbox history: adding plays', () => {
  test('posting the same episode twice makes two plays: Trakt never de-duplicates', async () => {
    const h = await startHarness();
    const body = {
      shows: [
        {
          ids: { tmdb: JJK.tmdb },
          seasons: [{ number: 1, episodes: [{ number: 25, watched_at: '2024-05-01T10:00:00Z' }] }],
        },
      ],
    };
    expect(await add(h, body)).toEqual({ added: { movies: 0, episodes: 1 }, not_found: none });
    expect(await add(h, body)).toEqual({ added: { movies: 0, episodes: 1 }, not_found: none });
    expect(h.sandbox.state.playsOf(JJK.slug, 1, 25)).toBe(2);
    const items = h.sandbox.state.history() as unknown as HistoryItem[];
    expect(items).toHaveLength(2);
    expect(items.map((i) => i.watched_at)).toEqual(['2024-05-01T10:00:00.000Z', '2024-05-01T10:00:00.000Z']);
    expect(items[0]!.id).toBeGreaterThan(items[1]!.id);
    expect(items[0]!.id).toBeGreaterThan(2 ** 32);
    expect(items[0]!.action).toBe('watch');
  });

  test('a bare show adds every aired episode of every season, specials included', async () => {
    const h = await startHarness();
    expect((await add(h, { shows: [{ ids: { slug: AOT.slug } }] })).added.episodes).toBe(3 + 25 + 12 + 22 + 30);
    expect(h.sandbox.state.playsOf(AOT.trakt, 0, 2)).toBe(1);
    // Season 2 of the split-cour show has not aired: only season 1's 25.
    expect((await add(h, { shows: [{ ids: { trakt: SPLIT.trakt } }] })).added.episodes).toBe(25);
  });

  test('bare-show expansion without specials, or with unaired episodes, when configured', async () => {
    const noSpecials = await startHarness({ expandSpecials: false });
    expect((await add(noSpecials, { shows: [{ ids: { slug: AOT.slug } }] })).added.episodes).toBe(25 + 12 + 22 + 30);
    const unaired = await startHarness({ expandUnaired: true });
    expect((await add(unaired, { shows: [{ ids: { trakt: SPLIT.trakt } }] })).added.episodes).toBe(27);
  });

  test('a show with seasons adds those seasons; explicit episodes only those; long runners by their own numbers', async () => {
    const h = await startHarness();
    expect(
      (await add(h, { shows: [{ ids: { trakt: AOT.trakt }, seasons: [{ number: 2 }, { number: 0 }] }] })).added,
    ).toEqual({
      movies: 0,
      episodes: 15,
    });
    const res = await add(h, {
      shows: [
        { ids: { trakt: ONE_PIECE.trakt }, seasons: [{ number: 2, episodes: [{ number: 62 }, { number: 77 }] }] },
      ],
    });
    expect(res.added.episodes).toBe(2);
    expect(h.sandbox.state.playsOf(ONE_PIECE.slug, 2, 62)).toBe(1);
    expect(h.sandbox.state.playsOf(ONE_PIECE.slug, 2, 63)).toBe(0);
  });

  test('top-level seasons and episodes by ids, and movies', async () => {
    const h = await startHarness();
    const res = await add(h, {
      seasons: [{ ids: { trakt: seasonId(AOT.trakt, 3) } }, { ids: { tmdb: seasonId(AOT.trakt, 2) + 9_000_000 } }],
      episodes: [
        { ids: { trakt: episodeId(JJK.trakt, 1, 3) } },
        { ids: { tvdb: episodeId(JJK.trakt, 1, 4) + 500_000_000 } },
      ],
      movies: [{ ids: { imdb: JJK0.imdb } }],
    });
    expect(res.added).toEqual({ movies: 1, episodes: 22 + 12 + 2 });
    expect(h.sandbox.state.playsOfMovie({ slug: JJK0.slug })).toBe(1);
  });

  test('watched_at: inherited show → season → episode, omitted = now, "released" and "unknown"', async () => {
    const h = await startHarness();
    await add(h, {
      shows: [
        {
          ids: { trakt: JJK.trakt },
          watched_at: '2021-01-01T00:00:00Z',
          seasons: [
            {
              number: 1,
              watched_at: '2021-02-02T00:00:00Z',
              episodes: [
                { number: 1, watched_at: 'released' },
                { number: 2 },
                { number: 3, watched_at: '2021-03-03T03:03:03.456Z' },
              ],
            },
            { number: 0 },
          ],
        },
        { ids: { trakt: ONE_PIECE.trakt }, seasons: [{ number: 1, episodes: [{ number: 1, watched_at: 'unknown' }] }] },
      ],
      movies: [{ ids: { trakt: JJK0.trakt } }, { ids: { trakt: JJK0.trakt }, watched_at: 'released' }],
    });
    const at = (show: number, season: number, number: number) =>
      (h.sandbox.state.history() as unknown as HistoryItem[]).find(
        (i) => i.show?.ids.trakt === show && i.episode?.season === season && i.episode.number === number,
      )?.watched_at;
    // First aired 2020-10-02T15:00Z plus the show's 24-minute runtime.
    expect(at(JJK.trakt, 1, 1)).toBe('2020-10-02T15:24:00.000Z');
    expect(at(JJK.trakt, 1, 2)).toBe('2021-02-02T00:00:00.000Z');
    expect(at(JJK.trakt, 1, 3)).toBe('2021-03-03T03:03:03.000Z');
    expect(at(JJK.trakt, 0, 1)).toBe('2021-01-01T00:00:00.000Z');
    expect(at(ONE_PIECE.trakt, 1, 1)).toBeNull();
    const movies = (h.sandbox.state.history() as unknown as HistoryItem[]).filter((i) => i.type === 'movie');
    expect(movies.map((m) => m.watched_at).sort()).toEqual(['2021-12-24T01:45:00.000Z', new Date(START).toISOString()]);
  });

  test('"unknown" can be refused (422, nothing added), and its plays can read as the epoch', async () => {
    const strict = await startHarness({ unknownWatchedAt: 'reject' });
    const body = {
      episodes: [
        { ids: { trakt: episodeId(JJK.trakt, 1, 1) } },
        { ids: { trakt: episodeId(JJK.trakt, 1, 2) }, watched_at: 'unknown' },
      ],
    };
    expect((await strict.api('POST', '/sync/history', { body })).status).toBe(422);
    expect(strict.sandbox.state.history()).toEqual([]);
    const epoch = await startHarness({ unknownWatchedAtShownAs: 'epoch' });
    await add(epoch, body);
    expect((epoch.sandbox.state.history() as unknown as HistoryItem[]).map((i) => i.watched_at)).toEqual([
      new Date(START).toISOString(),
      '1970-01-01T00:00:00.000Z',
    ]);
  });

  test('a watched_at that is not a date is 422 and nothing is added', async () => {
    const h = await startHarness();
    const body = {
      movies: [{ ids: { trakt: JJK0.trakt } }],
      episodes: [{ ids: { trakt: episodeId(JJK.trakt, 1, 1) }, watched_at: 'yesterday' }],
    };
    expect((await h.api('POST', '/sync/history', { body })).status).toBe(422);
    expect(h.sandbox.state.history()).toEqual([]);
  });

  test('unknown objects come back under not_found as sent; missing numbers under a known show as episodes', async () => {
    const h = await startHarness();
    const body = {
      movies: [{ ids: { imdb: 'tt0000111' } }],
      shows: [
        { ids: { tmdb: 424242 }, title: 'Nope' },
        {
          ids: { trakt: JJK.trakt },
          seasons: [
            { number: 1, episodes: [{ number: 47 }, { number: 48 }] },
            { number: 9 },
            { number: 8, episodes: [{ number: 1 }] },
          ],
        },
      ],
      seasons: [{ ids: { trakt: 1 } }],
      episodes: [{ ids: { tmdb: 62085 } }],
    };
    const res = await add(h, body);
    expect(res.added).toEqual({ movies: 0, episodes: 1 });
    expect(res.not_found).toEqual({
      movies: [{ ids: { imdb: 'tt0000111' } }],
      shows: [{ ids: { tmdb: 424242 }, title: 'Nope' }],
      seasons: [{ number: 9 }, { ids: { trakt: 1 } }],
      episodes: [{ number: 48 }, { number: 1 }, { ids: { tmdb: 62085 } }],
    });
  });

  test('missing numbers can be reported as their parent show instead', async () => {
    const h = await startHarness({ missingNumbersReportedAs: 'show' });
    const show = {
      ids: { trakt: JJK.trakt },
      seasons: [{ number: 1, episodes: [{ number: 47 }, { number: 48 }, { number: 49 }] }],
    };
    const res = await add(h, { shows: [show] });
    expect(res.added.episodes).toBe(1);
    expect(res.not_found).toEqual({ ...none, shows: [show] });
  });

  test('the history cap answers 420 with the account-limit headers and adds nothing', async () => {
    const h = await startHarness({ accountLimits: { historyPlays: 30 } });
    await add(h, { shows: [{ ids: { trakt: AOT.trakt }, seasons: [{ number: 1 }] }] });
    const res = await h.api('POST', '/sync/history', {
      body: { shows: [{ ids: { trakt: AOT.trakt }, seasons: [{ number: 2 }] }] },
    });
    expect(res.status).toBe(420);
    expect(res.headers.get('x-account-limit')).toBe('30');
    expect(res.headers.get('x-vip-user')).toBe('false');
    expect(res.headers.get('x-upgrade-url')).toMatch(/^https:/);
    expect(h.sandbox.state.history()).toHaveLength(25);
  });

  test('a body that is not JSON, or whose lists are not lists, is 400', async () => {
    const h = await startHarness();
    expect((await h.api('POST', '/sync/history', { body: '{not json' })).status).toBe(400);
    expect((await h.api('POST', '/sync/history', { body: { shows: { ids: { trakt: 1 } } } })).status).toBe(400);
  });

  test('last_activities moves on every write: episodes.watched_at, movies.watched_at and all', async () => {
    const h = await startHarness();
    const before = (await h.json<Record<string, Record<string, string>>>('GET', '/sync/last_activities')).body;
    h.clock.advance(60_000);
    await add(h, { episodes: [{ ids: { trakt: episodeId(JJK.trakt, 1, 1) } }] });
    const afterEpisode = (await h.json<Record<string, Record<string, string> | string>>('GET', '/sync/last_activities'))
      .body;
    expect(afterEpisode.all).toBe('2026-03-01T12:01:00.000Z');
    expect((afterEpisode.episodes as Record<string, string>).watched_at).toBe('2026-03-01T12:01:00.000Z');
    expect((afterEpisode.movies as Record<string, string>).watched_at).toBe(before.movies!.watched_at);
    h.clock.advance(60_000);
    await add(h, { movies: [{ ids: { trakt: JJK0.trakt } }] });
    const afterMovie = (await h.json<Record<string, Record<string, string>>>('GET', '/sync/last_activities')).body;
    expect(afterMovie.movies!.watched_at).toBe('2026-03-01T12:02:00.000Z');
    h.clock.advance(60_000);
    const [play] = h.sandbox.state.history() as unknown as HistoryItem[];
    await h.api('POST', '/sync/history/remove', { body: { ids: [play!.id] } });
    const afterRemove = (await h.json<Record<string, Record<string, string>>>('GET', '/sync/last_activities')).body;
    expect(afterRemove.movies!.watched_at).toBe('2026-03-01T12:03:00.000Z');
  });
});

describe('Trakt sandbox history: reading', () => {
  async function seeded(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
    const h = await startHarness(options);
    // 25 + 12 plays on AoT one day apart, then a movie.
    await add(h, {
      shows: [
        {
          ids: { trakt: AOT.trakt },
          seasons: [1, 2].map((season) => ({
            number: season,
            episodes: Array.from({ length: season === 1 ? 25 : 12 }, (_, i) => ({
              number: i + 1,
              watched_at: new Date(Date.UTC(2023, season - 1, i + 1)).toISOString(),
            })),
          })),
        },
      ],
      movies: [{ ids: { trakt: JJK0.trakt }, watched_at: '2024-01-01T00:00:00Z' }],
    });
    return h;
  }

  test('newest first, paged with X-Pagination-* headers, default 100', async () => {
    const h = await seeded();
    const first = await h.json<HistoryItem[]>('GET', '/sync/history?limit=10');
    expect(first.body.map((i) => i.watched_at?.slice(0, 10)).slice(0, 3)).toEqual([
      '2024-01-01',
      '2023-02-12',
      '2023-02-11',
    ]);
    expect(
      Object.fromEntries(
        ['page', 'limit', 'page-count', 'item-count'].map((k) => [k, first.res.headers.get(`x-pagination-${k}`)]),
      ),
    ).toEqual({
      page: '1',
      limit: '10',
      'page-count': '4',
      'item-count': '38',
    });
    const last = await h.json<HistoryItem[]>('GET', '/sync/history?limit=10&page=4');
    expect(last.body).toHaveLength(8);
    expect(last.body.at(-1)?.watched_at).toBe('2023-01-01T00:00:00.000Z');
    const all = await h.json<HistoryItem[]>('GET', '/sync/history');
    expect(all.res.headers.get('x-pagination-limit')).toBe('100');
    expect(all.body).toHaveLength(38);
  });

  test('limit is clamped to 250, not refused; the default limit is configurable', async () => {
    const h = await seeded({ historyDefaultLimit: 5 });
    const big = await h.json<HistoryItem[]>('GET', '/sync/history?limit=10000');
    expect(big.status).toBe(200);
    expect(big.res.headers.get('x-pagination-limit')).toBe('250');
    const dflt = await h.json<HistoryItem[]>('GET', '/sync/history');
    expect(dflt.body).toHaveLength(5);
    expect(dflt.res.headers.get('x-pagination-page-count')).toBe('8');
  });

  test('by type and id, and between start_at and end_at', async () => {
    const h = await seeded();
    expect((await h.json<HistoryItem[]>('GET', '/sync/history/movies')).body.map((i) => i.type)).toEqual(['movie']);
    expect((await h.json<HistoryItem[]>('GET', `/sync/history/shows/${AOT.trakt}`)).body).toHaveLength(37);
    expect((await h.json<HistoryItem[]>('GET', `/sync/history/seasons/${seasonId(AOT.trakt, 2)}`)).body).toHaveLength(
      12,
    );
    const one = await h.json<HistoryItem[]>('GET', `/sync/history/episodes/${episodeId(AOT.trakt, 1, 5)}`);
    expect(one.body.map((i) => i.episode?.number)).toEqual([5]);
    expect((await h.json<HistoryItem[]>('GET', `/sync/history/shows/${JJK.trakt}`)).body).toEqual([]);
    const window = await h.json<HistoryItem[]>(
      'GET',
      `/sync/history/shows/${AOT.trakt}?start_at=2023-01-10T00:00:00.000Z&end_at=2023-01-12T00:00:00.000Z`,
    );
    expect(window.body.map((i) => i.episode?.number)).toEqual([12, 11, 10]);
    expect((await h.api('GET', '/sync/history/people')).status).toBe(404);
  });

  test('remove by history ids and by media objects: deleted counts and not_found, ids included', async () => {
    const h = await seeded();
    const items = (await h.json<HistoryItem[]>('GET', '/sync/history?limit=3')).body;
    const res = await h.json<Record<string, unknown>>('POST', '/sync/history/remove', {
      body: {
        ids: [items[0]!.id, items[1]!.id, 42],
        shows: [
          { ids: { trakt: AOT.trakt }, seasons: [{ number: 1, episodes: [{ number: 1 }, { number: 2 }] }] },
          { ids: { trakt: 999 } },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      deleted: { movies: 1, episodes: 3 },
      not_found: { movies: [], shows: [{ ids: { trakt: 999 } }], seasons: [], episodes: [], ids: [42] },
    });
    expect(h.sandbox.state.history()).toHaveLength(34);
    const bare = await h.json<{ deleted: unknown }>('POST', '/sync/history/remove', {
      body: { shows: [{ ids: { slug: AOT.slug } }] },
    });
    expect(bare.body.deleted).toEqual({ movies: 0, episodes: 34 });
  });

  test('watched (2026): paginated, seasons only with extended=progress', async () => {
    const h = await seeded();
    const plain = await h.json<Record<string, unknown>[]>('GET', '/sync/watched/shows');
    expect(plain.res.headers.get('x-pagination-item-count')).toBe('1');
    expect(plain.body[0]).toMatchObject({ plays: 37, last_watched_at: '2023-02-12T00:00:00.000Z' });
    expect(plain.body[0]).not.toHaveProperty('seasons');
    const progress = await h.json<{ seasons: { number: number; episodes: unknown[] }[] }[]>(
      'GET',
      '/sync/watched/shows?extended=progress&limit=500',
    );
    expect(progress.res.headers.get('x-pagination-limit')).toBe('100');
    expect(progress.body[0]!.seasons.map((s) => [s.number, s.episodes.length])).toEqual([
      [1, 25],
      [2, 12],
    ]);
    expect((await h.json<unknown[]>('GET', '/sync/watched/movies')).body).toHaveLength(1);
  });

  test('watched (legacy): everything at once, seasons unless extended=noseasons', async () => {
    const h = await seeded({ watchedMode: 'legacy' });
    const all = await h.json<{ seasons?: unknown[] }[]>('GET', '/sync/watched/shows');
    expect(all.res.headers.get('x-pagination-page')).toBeNull();
    expect(all.body[0]!.seasons).toHaveLength(2);
    expect(
      (await h.json<{ seasons?: unknown[] }[]>('GET', '/sync/watched/shows?extended=noseasons')).body[0],
    ).not.toHaveProperty('seasons');
  });
});
