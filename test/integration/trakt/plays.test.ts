import { PLAYS_KEY, type PlaysNeed, TraktPlays } from '../../../shared/destinations/trakt/plays';
import { AOT, JJK, JJK0, ONE_PIECE, SPLIT } from '../trakt-sandbox/fixtures';
import { closeRigs, episodePlay, moviePlay, type Rig, startRig } from './helpers';

/**
 * The plays index (`TraktPlays`) against the sandbox: `/sync/last_activities` decides whether anything is
 * read at all; a changed account is re-read show by show (few targets) or whole (many); the counts are
 * Trakt's own; the index survives a save and a load through the store.
 */

afterEach(closeRigs);

const SHOW_IDS: Record<string, number> = {
  [JJK.slug]: JJK.trakt,
  [ONE_PIECE.slug]: ONE_PIECE.trakt,
  [AOT.slug]: AOT.trakt,
  [SPLIT.slug]: SPLIT.trakt,
};

const need = (shows: number[] = [], movies: number[] = [], ratings = false): PlaysNeed => ({
  shows: new Set(shows),
  movies: new Set(movies),
  ratings,
});

/** A history a person built: rewatches, several shows, a movie, more than one page. */
function seed(rig: Rig): void {
  const items = [
    episodePlay(JJK.trakt, 1, 1, '2024-01-01T10:00:00.000Z'),
    episodePlay(JJK.trakt, 1, 1, '2024-06-01T10:00:00.000Z'),
    episodePlay(JJK.trakt, 1, 2, '2024-01-02T10:00:00.000Z'),
    episodePlay(AOT.trakt, 0, 1, null),
    moviePlay(JJK0.trakt, '2022-01-01T00:00:00.000Z'),
    moviePlay(JJK0.trakt, '2023-01-01T00:00:00.000Z'),
    // One Piece four times over: 308 plays, two pages.
    ...Array.from({ length: 308 }, (_, i) => {
      const number = (i % 77) + 1;
      return episodePlay(
        ONE_PIECE.trakt,
        number <= 61 ? 1 : 2,
        number,
        new Date(Date.UTC(2023, 0, 1, 0, i)).toISOString(),
      );
    }),
  ];
  rig.sandbox.state.setHistory(items);
  rig.sandbox.state.setRatings([
    { rated_at: '2024-02-01T00:00:00.000Z', rating: 8, type: 'show', show: { ids: { trakt: JJK.trakt } } },
    {
      rated_at: '2024-02-02T00:00:00.000Z',
      rating: 6,
      type: 'season',
      show: { ids: { trakt: AOT.trakt } },
      season: { number: 2 },
    },
    { rated_at: '2024-02-03T00:00:00.000Z', rating: 9, type: 'movie', movie: { ids: { trakt: JJK0.trakt } } },
  ]);
  // Trakt's timestamps have whole seconds: what happens next must be at least a second later to show.
  rig.clock.advance(1_000);
}

/** Every count in the index equals the sandbox's, and the index holds nothing the sandbox does not. */
function expectSameCounts(rig: Rig, plays: TraktPlays): void {
  const expected = rig.sandbox.state.episodePlays();
  for (const e of expected) {
    const show = SHOW_IDS[e.show]!;
    expect([e.show, e.season, e.number, plays.episodePlays(show, e)]).toEqual([
      e.show,
      e.season,
      e.number,
      rig.sandbox.state.playsOf(show, e.season, e.number),
    ]);
  }
  const indexed = Object.values(plays.snapshot().shows)
    .flatMap((seasons) => Object.values(seasons))
    .flatMap((episodes) => Object.values(episodes))
    .reduce((n, c) => n + c, 0);
  expect(indexed).toBe(expected.reduce((n, e) => n + e.plays, 0));
  expect(plays.moviePlays(JJK0.trakt)).toBe(rig.sandbox.state.playsOfMovie({ trakt: JJK0.trakt }));
}

/** Paths (with the id) of what the client asked for since `from`. */
const pathsSince = (rig: Rig, from: number) => rig.sent.slice(from).map((r) => `${r.method} ${r.url.pathname}`);

async function readOnce(rig: Rig): Promise<TraktPlays> {
  const plays = await TraktPlays.load(rig.store);
  expect(plays.everRead).toBe(false);
  await expect(plays.refresh(rig.client, need([JJK.trakt], [], true))).resolves.toEqual({ requests: 4, how: 'full' });
  await plays.save();
  return plays;
}

describe('TraktPlays against the sandbox', () => {
  test('never read: the whole history (every page) and the ratings, counted as Trakt counts them', async () => {
    const rig = await startRig();
    seed(rig);
    const plays = await readOnce(rig);
    expect(pathsSince(rig, 0)).toEqual([
      'GET /sync/last_activities',
      'GET /sync/history',
      'GET /sync/history',
      'GET /sync/ratings/all',
    ]);
    expectSameCounts(rig, plays);
    expect(plays.episodePlays(JJK.trakt, { season: 1, number: 1 })).toBe(2);
    expect(plays.episodePlays(AOT.trakt, { season: 0, number: 1 })).toBe(1);
    expect(plays.episodePlays(ONE_PIECE.trakt, { season: 2, number: 77 })).toBe(4);
    expect(plays.moviePlays(JJK0.trakt)).toBe(2);
    expect([
      plays.rating(`show:${JJK.trakt}`),
      plays.rating(`season:${AOT.trakt}:2`),
      plays.rating(`movie:${JJK0.trakt}`),
    ]).toEqual([8, 6, 9]);
    expect(plays.everRead).toBe(true);
  });

  test('saved and loaded through the store, an unchanged account costs exactly one GET', async () => {
    const rig = await startRig();
    seed(rig);
    const first = await readOnce(rig);
    expect(rig.store.objects.has(PLAYS_KEY)).toBe(true);

    const loaded = await TraktPlays.load(rig.store);
    expect(loaded.snapshot()).toEqual(first.snapshot());
    rig.sandbox.resetCounters();
    rig.clock.advance(3_600_000);
    const result = await loaded.refresh(rig.client, need([JJK.trakt, ONE_PIECE.trakt], [JJK0.trakt], true));
    expect(result).toEqual({ requests: 1, how: 'current' });
    expect(rig.sandbox.counters.byRoute).toEqual({ 'GET /sync/last_activities': 1 });
    expect(rig.sandbox.counters.requests).toBe(1);
    expectSameCounts(rig, loaded);
  });

  test('plays added since: only the needed shows are read again (targeted), and match the sandbox', async () => {
    const rig = await startRig();
    seed(rig);
    await readOnce(rig);
    // Someone watches on Trakt: JJK (needed), AoT (not needed this time).
    await rig.client.addHistory({
      shows: [
        { ids: { trakt: JJK.trakt }, seasons: [{ number: 1, episodes: [{ number: 1 }, { number: 5 }] }] },
        { ids: { trakt: AOT.trakt }, seasons: [{ number: 1, episodes: [{ number: 1 }] }] },
      ],
    });
    rig.clock.advance(1_000);

    const plays = await TraktPlays.load(rig.store);
    const from = rig.sent.length;
    rig.sandbox.resetCounters();
    const result = await plays.refresh(rig.client, need([JJK.trakt]));
    expect(result).toEqual({ requests: 2, how: 'targeted' });
    expect(pathsSince(rig, from)).toEqual(['GET /sync/last_activities', `GET /sync/history/shows/${JJK.trakt}`]);
    expect(plays.episodePlays(JJK.trakt, { season: 1, number: 1 })).toBe(rig.sandbox.state.playsOf(JJK.trakt, 1, 1));
    expect(plays.episodePlays(JJK.trakt, { season: 1, number: 1 })).toBe(3);
    expect(plays.episodePlays(JJK.trakt, { season: 1, number: 5 })).toBe(1);
    expect(plays.episodePlays(JJK.trakt, { season: 1, number: 2 })).toBe(1);
  });

  test('a rating changed since, with ratings needed: the ratings alone are read again', async () => {
    const rig = await startRig();
    seed(rig);
    await readOnce(rig);
    await rig.client.addRatings({ shows: [{ ids: { trakt: ONE_PIECE.trakt }, rating: 10 }] });
    rig.clock.advance(1_000);

    const plays = await TraktPlays.load(rig.store);
    const from = rig.sent.length;
    expect(await plays.refresh(rig.client, need([], [], false))).toEqual({ requests: 1, how: 'current' });
    expect(await plays.refresh(rig.client, need([], [], true))).toEqual({ requests: 2, how: 'targeted' });
    expect(pathsSince(rig, from)).toEqual([
      'GET /sync/last_activities',
      'GET /sync/last_activities',
      'GET /sync/ratings/all',
    ]);
    expect(plays.rating(`show:${ONE_PIECE.trakt}`)).toBe(10);
  });

  test('more than 20 targets changed: one full read instead of one request per show', async () => {
    const rig = await startRig();
    seed(rig);
    await readOnce(rig);
    await rig.client.addHistory({
      shows: [{ ids: { trakt: ONE_PIECE.trakt }, seasons: [{ number: 2, episodes: [{ number: 62 }] }] }],
      movies: [{ ids: { trakt: JJK0.trakt } }],
    });
    rig.clock.advance(1_000);

    const plays = await TraktPlays.load(rig.store);
    const many = [
      JJK.trakt,
      ONE_PIECE.trakt,
      AOT.trakt,
      SPLIT.trakt,
      ...Array.from({ length: 16 }, (_, i) => 90_000 + i),
    ];
    const from = rig.sent.length;
    const result = await plays.refresh(rig.client, need(many, [JJK0.trakt]));
    expect(result).toEqual({ requests: 3, how: 'full' });
    expect(pathsSince(rig, from)).toEqual(['GET /sync/last_activities', 'GET /sync/history', 'GET /sync/history']);
    expectSameCounts(rig, plays);
    expect(plays.episodePlays(ONE_PIECE.trakt, { season: 2, number: 62 })).toBe(5);
    expect(plays.moviePlays(JJK0.trakt)).toBe(3);

    // Exactly 20 targets are still read one by one.
    await rig.client.addHistory({ movies: [{ ids: { trakt: JJK0.trakt } }] });
    rig.clock.advance(1_000);
    const twenty = many.slice(0, 19);
    const at = rig.sent.length;
    const again = await plays.refresh(rig.client, need(twenty, [JJK0.trakt]));
    // last_activities, 19 shows (One Piece's 309 plays take two pages), the movie.
    expect(again).toEqual({ requests: 1 + 20 + 1, how: 'targeted' });
    expect(pathsSince(rig, at).filter((p) => p === 'GET /sync/history')).toEqual([]);
    expect(plays.moviePlays(JJK0.trakt)).toBe(4);
  });

  test('after this system writes, the next run checks Trakt again, even within the second of the last read', async () => {
    const rig = await startRig();
    seed(rig);
    const split = (number: number) => ({
      shows: [{ ids: { trakt: SPLIT.trakt }, seasons: [{ number: 1, episodes: [{ number }] }] }],
    });
    // All within one second (Trakt's stamps have whole seconds): the user watches S1E1, the index is read…
    await rig.client.addHistory(split(1));
    const plays = await readOnce(rig);
    expect(plays.episodePlays(SPLIT.trakt, { season: 1, number: 1 })).toBe(1);
    // …the user watches S1E1 again, and this system adds S1E2: the activity stamp does not move.
    const stamp = rig.sandbox.state.lastActivities();
    await rig.client.addHistory(split(1));
    await rig.client.addHistory(split(2));
    expect(rig.sandbox.state.lastActivities()).toEqual(stamp);
    plays.raiseEpisode(SPLIT.trakt, { season: 1, number: 2 }, 1);
    await plays.save();

    const next = await TraktPlays.load(rig.store);
    const from = rig.sent.length;
    expect(await next.refresh(rig.client, need([SPLIT.trakt]))).toEqual({ requests: 2, how: 'targeted' });
    expect(pathsSince(rig, from)).toEqual(['GET /sync/last_activities', `GET /sync/history/shows/${SPLIT.trakt}`]);
    expect(next.episodePlays(SPLIT.trakt, { season: 1, number: 1 })).toBe(2);
    expect(next.episodePlays(SPLIT.trakt, { season: 1, number: 2 })).toBe(1);
  });

  test('an unreadable index in the store is only stale: the next refresh reads everything', async () => {
    const rig = await startRig();
    seed(rig);
    await rig.store.put(PLAYS_KEY, '{"version":1,"watched":');
    const plays = await TraktPlays.load(rig.store);
    expect(await plays.refresh(rig.client, need([JJK.trakt]))).toEqual({ requests: 3, how: 'full' });
    expectSameCounts(rig, plays);
  });
});
