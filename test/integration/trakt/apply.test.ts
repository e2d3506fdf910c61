import { applyTraktWrites, type TraktApplyDeps } from '../../../shared/destinations/trakt/apply';
import { compactEpisodes, type EpisodeRef } from '../../../shared/destinations/trakt/episodes';
import type { PlaysState, TraktWritePayload } from '../../../shared/destinations/trakt/planner';
import { TraktPlays } from '../../../shared/destinations/trakt/plays';
import type { HistoryBody } from '../../../shared/destinations/trakt/types';
import type { ApplyContext, ApplyResult, PlannedWrite, WriteOutcome } from '../../../shared/sync/destination';
import { AOT, JJK, JJK0, ONE_PIECE, SPLIT } from '../trakt-sandbox/fixtures';
import { closeRigs, episodePlay, moviePlay, type Rig, type RigOptions, startRig } from './helpers';

/**
 * `applyTraktWrites` against the sandbox, with writes built by hand in the planner's payload shape:
 * batches, exactly one play per planned episode however the answers get lost, ratings, removal of
 * exactly this system's plays, an outcome per write, and the run's deadline.
 */

afterEach(closeRigs);

const AT = '2025-05-05T10:00:00.000Z';
const POST_HISTORY = 'POST /sync/history';

type Ep = EpisodeRef & { times?: number };

function addPlays(key: string, show: number, episodes: readonly Ep[], at = AT): PlannedWrite {
  const eps = episodes.map((e) => ({ season: e.season, number: e.number, times: e.times ?? 1 }));
  const after: PlaysState = { kind: 'plays', show, eps: compactEpisodes(eps), added: compactEpisodes(eps), at };
  const payload: TraktWritePayload = { op: 'add_plays', show, episodes: eps, at, after };
  return { kind: 'put', key, title: key, target: `Trakt show ${show}`, reasons: ['test'], payload };
}

function addMovie(key: string, movie: number, times = 1, at = AT): PlannedWrite {
  const after: PlaysState = { kind: 'plays', movie, eps: {}, added: {}, movieAdded: times, at };
  const payload: TraktWritePayload = { op: 'add_plays', movie, episodes: [], movieTimes: times, at, after };
  return { kind: 'put', key, title: key, target: `Trakt movie ${movie}`, reasons: ['test'], payload };
}

function rate(ratingKey: string, rating: number): PlannedWrite {
  const payload: TraktWritePayload = { op: 'rate', ratingKey, rating, after: { kind: 'rating', rating, ours: true } };
  return {
    kind: 'put',
    key: `rating:${ratingKey}`,
    title: ratingKey,
    target: `Trakt ${ratingKey}`,
    reasons: [],
    payload,
  };
}

function unrate(ratingKey: string, rating: number): PlannedWrite {
  const payload: TraktWritePayload = { op: 'unrate', ratingKey, rating };
  return {
    kind: 'remove',
    key: `rating:${ratingKey}`,
    title: ratingKey,
    target: `Trakt ${ratingKey}`,
    reasons: [],
    payload,
  };
}

function removePlays(
  key: string,
  target: { show?: number; movie?: number; movieTimes?: number },
  episodes: EpisodeRef[],
  at: string | null,
): PlannedWrite {
  const payload: TraktWritePayload = { op: 'remove_plays', ...target, episodes, at };
  return { kind: 'remove', key, title: key, target: key, reasons: [], payload };
}

/** Single-episode writes of JJK season 1, one per episode number. */
const jjkEach = (numbers: number[]) => numbers.map((n) => addPlays(`jjk-${n}`, JJK.trakt, [{ season: 1, number: n }]));

interface Applied {
  readonly result: ApplyResult;
  /** Every onSettled call, in order. */
  readonly settled: { key: string; outcome: WriteOutcome }[];
}

interface Harness {
  readonly rig: Rig;
  readonly plays: TraktPlays;
  apply(
    writes: readonly PlannedWrite[],
    options?: { batchSize?: number; context?: Partial<ApplyContext>; onSettled?: (key: string) => void },
  ): Promise<Applied>;
  /** The bodies of every POST /sync/history the client sent. */
  historyBodies(): HistoryBody[];
}

/** A sandbox (with `history` already there), and the plays index read as the planner leaves it. */
async function harness(
  history: Parameters<Rig['sandbox']['state']['setHistory']>[0] = [],
  options: RigOptions = {},
): Promise<Harness> {
  const rig = await startRig(options);
  rig.sandbox.state.setHistory(history);
  rig.clock.advance(1_000);
  const plays = await TraktPlays.load(rig.store);
  await plays.refresh(rig.client, { shows: new Set(), movies: new Set(), ratings: true });
  rig.sandbox.resetCounters();
  // What the tests look at starts here: the setup's reads are not the applier's.
  rig.sent.splice(0);
  rig.attempts.splice(0);
  return {
    rig,
    plays,
    async apply(writes, { batchSize = 250, context = {}, onSettled } = {}) {
      const settled: Applied['settled'] = [];
      const deps: TraktApplyDeps = { client: () => rig.client, plays: async () => plays, clock: rig.clock, batchSize };
      const result = await applyTraktWrites(writes, deps, {
        now: () => rig.clock.now(),
        onSettled: async (write, outcome) => {
          settled.push({ key: write.key, outcome });
          onSettled?.(write.key);
        },
        ...context,
      });
      return { result, settled };
    },
    historyBodies: () => rig.sentTo('POST', '/sync/history').map((r) => JSON.parse(r.body!) as HistoryBody),
  };
}

/** Each write settled exactly once. */
function expectSettledOnce(applied: Applied, writes: readonly PlannedWrite[]): void {
  expect(applied.settled.map((s) => s.key).sort()).toEqual(writes.map((w) => w.key).sort());
}

const outcomeOf = (applied: Applied, key: string) => applied.settled.find((s) => s.key === key)?.outcome;

/** Episodes named in a history body, per show/season, as `show:season:number`. */
function episodesIn(body: HistoryBody): string[] {
  return (body.shows ?? []).flatMap((show) =>
    show.seasons.flatMap((season) => season.episodes.map((e) => `${show.ids.trakt}:${season.number}:${e.number}`)),
  );
}

describe('applyTraktWrites: batches', () => {
  test('a batch closes once it holds batchSize plays, and an entry’s plays are never split across POSTs', async () => {
    const h = await harness();
    const ep = (number: number) => ({ season: 1, number });
    const writes = [
      addPlays('a', JJK.trakt, [ep(1), ep(2)]),
      addPlays('b', JJK.trakt, [ep(3), ep(4)]),
      addPlays('c', JJK.trakt, [ep(5), ep(6), ep(7), ep(8), ep(9)]),
      addPlays('d', JJK.trakt, [ep(10)]),
    ];
    const applied = await h.apply(writes, { batchSize: 3 });
    expect(applied.result).toEqual({});
    // 'a' + 'b' reach 3 and close the first batch; 'c' (5 plays) fills one alone rather than being split.
    expect(h.historyBodies().map((b) => episodesIn(b).length)).toEqual([4, 5, 1]);
    expectSettledOnce(applied, writes);
  });

  test('plays go out in batches of batchSize plays; each planned episode ends with exactly one play', async () => {
    const h = await harness();
    const writes = [
      ...jjkEach([1, 2, 3, 4, 5, 6, 7]),
      addPlays('op', ONE_PIECE.trakt, [
        { season: 1, number: 61 },
        { season: 2, number: 62 },
      ]),
    ];
    const applied = await h.apply(writes, { batchSize: 3 });

    expect(applied.result).toEqual({});
    expect(h.historyBodies().map((b) => episodesIn(b).length)).toEqual([3, 3, 3]);
    expect(h.historyBodies()[2]!.shows!.map((s) => s.ids.trakt)).toEqual([JJK.trakt, ONE_PIECE.trakt]);
    for (const n of [1, 2, 3, 4, 5, 6, 7]) expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, n)).toBe(1);
    expect(h.rig.sandbox.state.playsOf(ONE_PIECE.trakt, 1, 61)).toBe(1);
    expect(h.rig.sandbox.state.playsOf(ONE_PIECE.trakt, 2, 62)).toBe(1);
    expect(h.rig.sandbox.state.history()).toHaveLength(9);
    // Explicit episodes with the planned watched_at: never a bare show or season.
    for (const body of h.historyBodies()) {
      for (const show of body.shows!) {
        for (const season of show.seasons) {
          expect(season.episodes.length).toBeGreaterThan(0);
          for (const e of season.episodes) expect(e.watched_at).toBe(AT);
        }
      }
    }

    expectSettledOnce(applied, writes);
    for (const w of writes) {
      expect(outcomeOf(applied, w.key)).toEqual({ result: 'applied', state: (w.payload as { after: unknown }).after });
    }
    // Confirmed batches are not read back: the index is raised from the answers.
    expect(h.rig.sandbox.counters.byRoute['GET /sync/history']).toBeUndefined();
    expect(h.plays.episodePlays(JJK.trakt, { season: 1, number: 7 })).toBe(1);
  });

  test('plays Trakt already holds stay; a rewatch (times 2) and a movie get exactly what was planned', async () => {
    const h = await harness([
      episodePlay(AOT.trakt, 1, 1, '2020-01-01T00:00:00.000Z'),
      moviePlay(JJK0.trakt, '2022-01-01T00:00:00.000Z'),
    ]);
    const writes = [
      addPlays('aot', AOT.trakt, [
        { season: 1, number: 1 },
        { season: 1, number: 2, times: 2 },
      ]),
      addMovie('jjk0', JJK0.trakt),
    ];
    const applied = await h.apply(writes);
    expect(applied.result).toEqual({});
    expect(h.rig.sandbox.state.playsOf(AOT.trakt, 1, 1)).toBe(2);
    expect(h.rig.sandbox.state.playsOf(AOT.trakt, 1, 2)).toBe(2);
    expect(h.rig.sandbox.state.playsOfMovie({ trakt: JJK0.trakt })).toBe(2);
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
    expect(h.plays.episodePlays(AOT.trakt, { season: 1, number: 1 })).toBe(2);
    expect(h.plays.moviePlays(JJK0.trakt)).toBe(2);
    expectSettledOnce(applied, writes);
  });

  test('a show Trakt does not know fails that write for good; the rest of the batch is applied', async () => {
    const h = await harness();
    const writes = [...jjkEach([1]), addPlays('ghost', 999_999, [{ season: 1, number: 1 }])];
    const applied = await h.apply(writes);
    expect(outcomeOf(applied, 'ghost')).toEqual({
      result: 'failed',
      error: 'Trakt does not know Trakt show 999999',
      permanent: true,
    });
    expect(outcomeOf(applied, 'jjk-1')).toMatchObject({ result: 'applied' });
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
    expectSettledOnce(applied, writes);
  });

  test('forget sends nothing and is applied', async () => {
    const h = await harness();
    const forget: PlannedWrite = {
      kind: 'remove',
      key: 'x',
      title: 'x',
      target: 'x',
      reasons: [],
      payload: { op: 'forget' },
    };
    const applied = await h.apply([forget]);
    expect(applied.settled).toEqual([{ key: 'x', outcome: { result: 'applied' } }]);
    expect(h.rig.sandbox.counters.requests).toBe(0);
  });
});

describe('applyTraktWrites: lost answers never make a second play', () => {
  test.each([
    ['the connection is reset', { kind: 'lost' as const }, 2_000],
    ['a 502 CDN page replaces it', { kind: 'lost' as const, status: 502 }, 2_000],
    ['a 429 with Retry-After replaces it', { kind: 'lost' as const, status: 429, retryAfterSeconds: 9 }, 9_000],
  ])('applied, answer lost (%s): the history is read again, nothing is resent', async (_what, fault, waited) => {
    const h = await harness([episodePlay(JJK.trakt, 1, 1, '2020-01-01T00:00:00.000Z')]);
    const writes = [
      addPlays('jjk', JJK.trakt, [
        { season: 1, number: 1 },
        { season: 1, number: 2 },
      ]),
      addPlays('op', ONE_PIECE.trakt, [{ season: 2, number: 70 }]),
      addMovie('jjk0', JJK0.trakt),
    ];
    h.rig.sandbox.faults.inject({ route: 'history_add', ...fault });
    const before = h.rig.clock.now();
    const applied = await h.apply(writes);

    expect(applied.result).toEqual({});
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(2);
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 2)).toBe(1);
    expect(h.rig.sandbox.state.playsOf(ONE_PIECE.trakt, 2, 70)).toBe(1);
    expect(h.rig.sandbox.state.playsOfMovie({ trakt: JJK0.trakt })).toBe(1);
    // It waited before looking (on the clock), then read exactly the affected shows and movie.
    expect(h.rig.clock.now() - before).toBe(waited);
    expect(h.rig.sent.filter((r) => r.method === 'GET').map((r) => r.url.pathname)).toEqual([
      `/sync/history/shows/${JJK.trakt}`,
      `/sync/history/shows/${ONE_PIECE.trakt}`,
      `/sync/history/movies/${JJK0.trakt}`,
    ]);
    expectSettledOnce(applied, writes);
    for (const w of writes) expect(outcomeOf(applied, w.key)).toMatchObject({ result: 'applied' });
    expect(h.plays.episodePlays(JJK.trakt, { season: 1, number: 1 })).toBe(2);
  });

  test('a 5xx that did NOT land: the recheck finds the plays missing and sends them once more; exactly one play', async () => {
    const h = await harness();
    const writes = jjkEach([1, 2]);
    h.rig.sandbox.faults.inject({ route: 'history_add', kind: 503 });
    const applied = await h.apply(writes);
    expect(applied.result).toEqual({});
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(2);
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 2)).toBe(1);
    expectSettledOnce(applied, writes);
    for (const w of writes) expect(outcomeOf(applied, w.key)).toMatchObject({ result: 'applied' });
  });

  test('one landed, one not: a lost answer, then a 500 that did not land, then success; still one play each', async () => {
    const h = await harness();
    const first = jjkEach([1]);
    h.rig.sandbox.faults.inject({ route: 'history_add', kind: 'lost', status: 503 });
    await h.apply(first, { batchSize: 1 });
    h.rig.sandbox.faults.inject({ route: 'history_add', kind: 500 });
    const second = jjkEach([1, 2]).slice(1);
    const applied = await h.apply(second);
    expect(outcomeOf(applied, 'jjk-2')).toMatchObject({ result: 'applied' });
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 2)).toBe(1);
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(3);
  });

  test('an outage through every round: failed (retryable), nothing added; the next run adds each play once', async () => {
    const h = await harness();
    const writes = jjkEach([1, 2]);
    h.rig.sandbox.faults.inject({ route: 'history_add', kind: 503, times: 3 });
    const applied = await h.apply(writes);
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(3);
    expect(h.rig.sandbox.state.history()).toHaveLength(0);
    expectSettledOnce(applied, writes);
    for (const w of writes) {
      expect(outcomeOf(applied, w.key)).toMatchObject({ result: 'failed', permanent: false });
      expect((outcomeOf(applied, w.key) as { error: string }).error).toMatch(
        /^3 tries got no clear answer from Trakt \(last: .*HTTP 503.*\); left for the next run, which reads the history first/,
      );
    }

    // The next run: the index as the planner refreshes it, the same writes again.
    await h.plays.save();
    const nextIndex = await TraktPlays.load(h.rig.store);
    await nextIndex.refresh(h.rig.client, { shows: new Set([JJK.trakt]), movies: new Set(), ratings: false });
    expect(nextIndex.episodePlays(JJK.trakt, { season: 1, number: 1 })).toBe(0);
    const next = await applyTraktWrites(
      writes,
      { client: () => h.rig.client, plays: async () => nextIndex, clock: h.rig.clock, batchSize: 250 },
      { now: () => h.rig.clock.now(), onSettled: async () => {} },
    );
    expect(next).toEqual({});
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 2)).toBe(1);
  });

  test('answers lost every round after the first landed: one play, no further POST', async () => {
    const h = await harness();
    const writes = jjkEach([3]);
    h.rig.sandbox.faults.inject({ route: 'history_add', kind: 'lost', times: 3 });
    const applied = await h.apply(writes);
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 3)).toBe(1);
    expect(outcomeOf(applied, 'jjk-3')).toMatchObject({ result: 'applied' });
  });

  test('after a partial add, only the missing episodes are sent again, never an empty season', async () => {
    const h = await harness();
    // S2E78 is not on Trakt (its season 2 ends at 77): Trakt adds S1E1 and reports E78 not found.
    const writes = [
      addPlays('op', ONE_PIECE.trakt, [
        { season: 1, number: 1 },
        { season: 2, number: 78 },
      ]),
    ];
    const applied = await h.apply(writes);
    expect(h.rig.sandbox.state.playsOf(ONE_PIECE.trakt, 1, 1)).toBe(1);
    const bodies = h.historyBodies();
    expect(bodies.map(episodesIn)).toEqual([
      [`${ONE_PIECE.trakt}:1:1`, `${ONE_PIECE.trakt}:2:78`],
      [`${ONE_PIECE.trakt}:2:78`],
      [`${ONE_PIECE.trakt}:2:78`],
    ]);
    // An empty `episodes` list may read as "the whole season" to Trakt (UNCERTAIN): it is never sent.
    for (const body of bodies)
      for (const show of body.shows!) for (const s of show.seasons) expect(s.episodes).not.toEqual([]);
    expect(outcomeOf(applied, 'op')).toMatchObject({ result: 'failed', permanent: false });
    expectSettledOnce(applied, writes);
  });
});

/** The index learns the ratings just set on the sandbox, as the planner's read does before an apply. */
async function rereadRatings(h: Harness): Promise<void> {
  h.rig.clock.advance(1_000);
  await h.plays.refresh(h.rig.client, { shows: new Set(), movies: new Set(), ratings: true });
  h.rig.sandbox.resetCounters();
}

describe('applyTraktWrites: ratings', () => {
  test('a rating this system set but the user has changed since is theirs: it is not removed', async () => {
    const h = await harness();
    h.rig.sandbox.state.setRatings([
      { rated_at: '2024-01-01T00:00:00.000Z', rating: 7, type: 'show', show: { ids: { trakt: ONE_PIECE.trakt } } },
    ]);
    await rereadRatings(h);
    const writes = [unrate(`show:${ONE_PIECE.trakt}`, 5)];
    const applied = await h.apply(writes);
    expect(h.rig.sandbox.counters.byRoute['POST /sync/ratings/remove']).toBeUndefined();
    expect(h.rig.sandbox.state.ratings().map((r) => (r as { rating: number }).rating)).toEqual([7]);
    expect(applied.settled).toEqual([{ key: writes[0]!.key, outcome: { result: 'applied' } }]);
  });

  test('rate and unrate in one POST each; Trakt and the index hold the new ratings', async () => {
    const h = await harness();
    h.rig.sandbox.state.setRatings([
      { rated_at: '2024-01-01T00:00:00.000Z', rating: 5, type: 'show', show: { ids: { trakt: ONE_PIECE.trakt } } },
      { rated_at: '2024-01-01T00:00:00.000Z', rating: 4, type: 'movie', movie: { ids: { trakt: JJK0.trakt } } },
    ]);
    await rereadRatings(h);
    const writes = [
      rate(`show:${JJK.trakt}`, 8),
      rate(`season:${AOT.trakt}:2`, 7),
      rate(`season:${AOT.trakt}:3`, 6),
      rate(`movie:${JJK0.trakt}`, 9),
      unrate(`show:${ONE_PIECE.trakt}`, 5),
    ];
    const applied = await h.apply(writes);
    expect(applied.result).toEqual({});
    expect(h.rig.sandbox.counters.byRoute['POST /sync/ratings']).toBe(1);
    expect(h.rig.sandbox.counters.byRoute['POST /sync/ratings/remove']).toBe(1);
    const held = h.rig.sandbox.state
      .ratings()
      .map((r) => [
        r.type,
        (r.show as { ids?: { trakt: number } } | undefined)?.ids?.trakt ??
          (r.movie as { ids: { trakt: number } }).ids.trakt,
        (r.season as { number?: number } | undefined)?.number ?? null,
        r.rating,
      ])
      .sort();
    expect(held).toEqual(
      [
        ['show', JJK.trakt, null, 8],
        ['season', AOT.trakt, 2, 7],
        ['season', AOT.trakt, 3, 6],
        ['movie', JJK0.trakt, null, 9],
      ].sort(),
    );
    // The show itself was not rated by rating its seasons.
    expect(h.plays.rating(`show:${AOT.trakt}`)).toBeUndefined();
    expect([
      h.plays.rating(`show:${JJK.trakt}`),
      h.plays.rating(`season:${AOT.trakt}:2`),
      h.plays.rating(`movie:${JJK0.trakt}`),
    ]).toEqual([8, 7, 9]);
    expect(h.plays.rating(`show:${ONE_PIECE.trakt}`)).toBeUndefined();
    expectSettledOnce(applied, writes);
    expect(outcomeOf(applied, `rating:show:${JJK.trakt}`)).toEqual({
      result: 'applied',
      state: { kind: 'rating', rating: 8, ours: true },
    });
    expect(outcomeOf(applied, `rating:show:${ONE_PIECE.trakt}`)).toEqual({ result: 'applied' });
  });

  test('ratings batches follow batchSize', async () => {
    const h = await harness();
    const writes = [rate(`show:${JJK.trakt}`, 1), rate(`show:${AOT.trakt}`, 2), rate(`show:${SPLIT.trakt}`, 3)];
    await h.apply(writes, { batchSize: 2 });
    expect(h.rig.sandbox.counters.byRoute['POST /sync/ratings']).toBe(2);
    expect(h.rig.sandbox.state.ratings()).toHaveLength(3);
  });
});

describe('applyTraktWrites: removing plays', () => {
  test('only the plays added with the stored watched_at go; the user’s own plays of the same episodes stay', async () => {
    const ours = '2025-05-05T00:00:00.000Z';
    const h = await harness([
      episodePlay(JJK.trakt, 1, 1, '2024-01-01T00:00:00.000Z'),
      episodePlay(JJK.trakt, 1, 1, ours),
      // The user's latest rewatch of E1, newer than ours: newest-first alone would take it.
      episodePlay(JJK.trakt, 1, 1, '2026-01-01T00:00:00.000Z'),
      episodePlay(JJK.trakt, 1, 2, ours),
      episodePlay(JJK.trakt, 1, 3, '2023-03-03T00:00:00.000Z'),
      moviePlay(JJK0.trakt, '2021-12-30T00:00:00.000Z'),
      moviePlay(JJK0.trakt, ours),
    ]);
    const writes = [
      // The stored time in another spelling: matched as a time, not as text.
      removePlays(
        'jjk',
        { show: JJK.trakt },
        [
          { season: 1, number: 1 },
          { season: 1, number: 2 },
          { season: 1, number: 3 },
        ],
        '2025-05-05T00:00:00Z',
      ),
      removePlays('jjk0', { movie: JJK0.trakt, movieTimes: 1 }, [], ours),
    ];
    const applied = await h.apply(writes);
    expect(applied.result).toEqual({});
    const left = h.rig.sandbox.state.history().map((i) => {
      const e = i.episode as { season: number; number: number } | undefined;
      return [i.type, e ? `${e.season}x${e.number}` : 'movie', i.watched_at];
    });
    expect(left).toEqual([
      ['episode', '1x1', '2026-01-01T00:00:00.000Z'],
      ['episode', '1x1', '2024-01-01T00:00:00.000Z'],
      ['episode', '1x3', '2023-03-03T00:00:00.000Z'],
      ['movie', 'movie', '2021-12-30T00:00:00.000Z'],
    ]);
    // The index was read again after the removal.
    expect(h.plays.episodePlays(JJK.trakt, { season: 1, number: 1 })).toBe(2);
    expect(h.plays.episodePlays(JJK.trakt, { season: 1, number: 2 })).toBe(0);
    expect(h.plays.moviePlays(JJK0.trakt)).toBe(1);
    expectSettledOnce(applied, writes);
    for (const w of writes) expect(outcomeOf(applied, w.key)).toEqual({ result: 'applied' });
  });

  test.each(['null', 'epoch'] as const)(
    'plays added with an unknown date: only undated plays go, not the user’s newer dated one (shown as %s)',
    async (shownAs) => {
      const h = await harness(
        [
          // Ours first (older history id), then the user's rewatch with a date.
          episodePlay(JJK.trakt, 1, 1, null),
          episodePlay(JJK.trakt, 1, 1, '2026-02-01T00:00:00.000Z'),
        ],
        { sandbox: { unknownWatchedAtShownAs: shownAs } },
      );
      const applied = await h.apply([removePlays('jjk', { show: JJK.trakt }, [{ season: 1, number: 1 }], 'unknown')]);
      expect(applied.settled).toEqual([{ key: 'jjk', outcome: { result: 'applied' } }]);
      expect(h.rig.sandbox.state.history().map((i) => i.watched_at)).toEqual(['2026-02-01T00:00:00.000Z']);
    },
  );

  test('removal by history id: plays already gone cost no POST; the state given is recorded', async () => {
    const h = await harness([episodePlay(JJK.trakt, 1, 1, '2020-01-01T00:00:00.000Z')]);
    const after: PlaysState = { kind: 'plays', show: JJK.trakt, eps: { 1: '1' }, added: {}, at: null };
    const write = { ...removePlays('jjk', { show: JJK.trakt }, [{ season: 1, number: 4 }], AT) };
    const withState: PlannedWrite = { ...write, payload: { ...(write.payload as object), after } };
    const applied = await h.apply([withState]);
    expect(h.rig.sandbox.counters.byRoute['POST /sync/history/remove']).toBeUndefined();
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
    expect(applied.settled).toEqual([{ key: 'jjk', outcome: { result: 'applied', state: after } }]);
  });
});

describe('applyTraktWrites: stopping', () => {
  test('the deadline stops between batches: the rest is not attempted, each write settled once', async () => {
    const h = await harness();
    const writes = jjkEach([1, 2, 3, 4, 5, 6]);
    const stopAt = h.rig.clock.now() + 500;
    // The first batch takes time: once it is settled, the run's time is up.
    const applied = await h.apply(writes, {
      batchSize: 2,
      context: { stopAt: () => stopAt },
      onSettled: () => h.rig.clock.advance(400),
    });
    expect(applied.result).toEqual({ stoppedBy: 'deadline' });
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
    expectSettledOnce(applied, writes);
    expect(applied.settled.map((s) => s.outcome.result)).toEqual([
      'applied',
      'applied',
      'not_attempted',
      'not_attempted',
      'not_attempted',
      'not_attempted',
    ]);
    expect(h.rig.sandbox.state.history()).toHaveLength(2);
  });

  test('the account limit (420) stops the destination with blockedBy; nothing after it is attempted', async () => {
    const h = await harness([], { sandbox: { accountLimits: { historyPlays: 3 } } });
    const writes = [...jjkEach([1, 2, 3, 4, 5]), rate(`show:${JJK.trakt}`, 9)];
    const applied = await h.apply(writes, { batchSize: 2 });
    expect(applied.result.stoppedBy).toBe('blocked');
    expect(applied.result.blockedBy).toMatch(/account limit is reached \(HTTP 420, limit 3\)/);
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(2);
    expect(h.rig.sandbox.counters.byRoute['POST /sync/ratings']).toBeUndefined();
    expectSettledOnce(applied, writes);
    expect(applied.settled.map((s) => [s.key, s.outcome.result])).toEqual([
      ['jjk-1', 'applied'],
      ['jjk-2', 'applied'],
      ['jjk-3', 'not_attempted'],
      ['jjk-4', 'not_attempted'],
      ['jjk-5', 'not_attempted'],
      [`rating:show:${JJK.trakt}`, 'not_attempted'],
    ]);
  });

  test('a revoked authorization stops with reauth_required after one POST', async () => {
    const h = await harness();
    h.rig.sandbox.state.revokeAllTokens();
    const writes = [...jjkEach([1, 2, 3]), rate(`show:${JJK.trakt}`, 9)];
    const applied = await h.apply(writes, { batchSize: 1 });
    expect(applied.result.stoppedBy).toBe('reauth_required');
    expect(applied.result.reauthError).toMatchObject({ code: 'reauth_required', reason: 'invalid_grant' });
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(1);
    expect(h.rig.sandbox.counters.byRoute['POST /oauth/token']).toBe(1);
    expectSettledOnce(applied, writes);
    expect(new Set(applied.settled.map((s) => s.outcome.result))).toEqual(new Set(['not_attempted']));
  });

  test('a write applied during a recheck is not settled again when a later round of its batch fails', async () => {
    const h = await harness();
    const writes = [...jjkEach([1]), addPlays('op', ONE_PIECE.trakt, [{ season: 2, number: 78 }])];
    // Round 1 adds JJK E1 but not the missing E78; the recheck settles jjk-1; then Trakt locks the account.
    const applied = await h.apply(writes, {
      onSettled: (key) => {
        if (key === 'jjk-1') h.rig.sandbox.faults.inject({ route: 'history_add', kind: 423 });
      },
    });
    expect(applied.result.stoppedBy).toBe('blocked');
    expect(h.rig.sandbox.counters.byRoute[POST_HISTORY]).toBe(2);
    expect(h.rig.sandbox.state.playsOf(JJK.trakt, 1, 1)).toBe(1);
    expectSettledOnce(applied, writes);
    expect(outcomeOf(applied, 'jjk-1')).toMatchObject({ result: 'applied' });
    expect(outcomeOf(applied, 'op')).toEqual({ result: 'not_attempted' });
  });
});
