import type { Clock } from '../../clock';
import { describeError, isReauthRequired, isRetryable } from '../../errors';
import type { ApplyContext, ApplyResult, PlannedWrite, WriteOutcome } from '../../sync/destination';
import { describeFailure, writeFailure } from '../../sync/failure';
import type { TraktClient } from './client';
import { type EpisodeRef, episodeKey } from './episodes';
import { isTraktThrottle, TraktApiError, TraktUncertainWriteError } from './errors';
import type { PlaysState, TraktWritePayload } from './planner';
import type { TraktPlays } from './plays';
import type { HistoryBody, RatingsBody, TraktHistoryItem } from './types';

/** How many times a history write whose answer was lost is checked and sent again before it waits for the next run. */
const UNCERTAIN_ROUNDS = 3;
/** Waited before checking a lost write, when Trakt named no Retry-After. */
const RECHECK_DELAY_MS = 2_000;

export interface TraktApplyDeps {
  readonly client: () => TraktClient;
  readonly plays: () => Promise<TraktPlays>;
  readonly clock: Clock;
  /** Plays per `POST /sync/history` (TRAKT_BATCH_SIZE). */
  readonly batchSize: number;
}

type Op<K extends TraktWritePayload['op']> = PlannedWrite & { readonly payload: Extract<TraktWritePayload, { op: K }> };

/**
 * Applies Trakt writes in batches at Trakt's pace (1 POST a second, enforced by the client). A batch
 * of plays whose answer is lost is never simply sent again: the affected shows' history is read
 * first and only what is still missing goes out. An answer that needs a person (locked account, app
 * refused, account limit) stops the destination; the rest waits for the next run.
 */
export async function applyTraktWrites(
  writes: readonly PlannedWrite[],
  deps: TraktApplyDeps,
  context: ApplyContext,
): Promise<ApplyResult> {
  const run = new Applier(deps, context);
  const of = <K extends TraktWritePayload['op']>(op: K) =>
    writes.filter((w) => (w.payload as TraktWritePayload).op === op) as Op<K>[];
  for (const w of of('forget')) await run.settle(w, { result: 'applied' });
  await run.batches(of('add_plays'), playsOf, deps.batchSize, (batch) => run.addPlays(batch));
  await run.batches(
    [...of('rate'), ...of('unrate')],
    () => 1,
    deps.batchSize,
    (batch) => run.ratings(batch),
  );
  await run.batches(
    of('remove_plays'),
    () => 1,
    1,
    (batch) => run.removePlays(batch),
  );
  return run.result();
}

class Applier {
  private stoppedBy: ApplyResult['stoppedBy'];
  private reauthError: unknown;
  private blockedBy: string | undefined;
  /** Writes already settled (a recheck settles some before a later round of their batch can fail). */
  private readonly settled = new Set<PlannedWrite>();

  constructor(
    private readonly deps: TraktApplyDeps,
    private readonly context: ApplyContext,
  ) {}

  result(): ApplyResult {
    return {
      ...(this.stoppedBy ? { stoppedBy: this.stoppedBy } : {}),
      ...(this.reauthError ? { reauthError: this.reauthError } : {}),
      ...(this.blockedBy ? { blockedBy: this.blockedBy } : {}),
    };
  }

  settle(write: PlannedWrite, outcome: WriteOutcome): Promise<void> {
    this.settled.add(write);
    return this.context.onSettled(write, outcome);
  }

  /**
   * Cuts `writes` into batches, each closed once it weighs `max` (by `weigh`), and sends each until
   * the run must stop. An entry's plays are never split across POSTs (its outcome is one answer's),
   * so a batch may pass `max` by its last entry: fewer POSTs than capping it, at Trakt's 1 a second.
   */
  async batches<W extends PlannedWrite>(
    writes: readonly W[],
    weigh: (write: W) => number,
    max: number,
    send: (batch: readonly W[]) => Promise<void>,
  ): Promise<void> {
    let batch: W[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const current = batch;
      batch = [];
      if (this.mustStop()) {
        for (const w of current) await this.settle(w, { result: 'not_attempted' });
        return;
      }
      try {
        await send(current);
      } catch (err) {
        await this.fail(current, err);
      }
    };
    let weight = 0;
    for (const w of writes) {
      batch.push(w);
      weight += weigh(w);
      if (weight >= max) {
        await flush();
        weight = 0;
      }
    }
    await flush();
  }

  async addPlays(batch: readonly Op<'add_plays'>[]): Promise<void> {
    const plays = await this.deps.plays();
    // What each episode must reach: what Trakt held before plus what this write adds.
    const targets = new Map(batch.map((w) => [w, targetsOf(w, plays)]));
    let remaining = [...batch];
    for (let round = 0; remaining.length > 0; round++) {
      let uncertain: TraktUncertainWriteError | undefined;
      try {
        const result = await this.deps.client().addHistory(historyBody(remaining, targets, plays));
        const sent = remaining.reduce((n, w) => n + playsIn(w, targets.get(w)!, plays), 0);
        const unknownShows = new Set(result.notFound.shows);
        const unknownMovies = new Set(result.notFound.movies);
        const known = remaining.filter(
          (w) => !unknownShows.has(w.payload.show ?? -1) && !unknownMovies.has(w.payload.movie ?? -1),
        );
        for (const w of remaining.filter((w) => !known.includes(w))) {
          await this.settle(w, { result: 'failed', error: `Trakt does not know ${w.target}`, permanent: true });
        }
        if (result.added.episodes + result.added.movies >= sent && result.notFound.episodes === 0) {
          for (const w of known) await this.applied(w, targets.get(w)!, plays);
          return;
        }
        // Trakt added fewer plays than sent: find out which, from the history itself.
        remaining = known;
      } catch (err) {
        if (!(err instanceof TraktUncertainWriteError)) throw err;
        uncertain = err;
      }
      if (round + 1 >= UNCERTAIN_ROUNDS || this.mustStop()) {
        for (const w of remaining) {
          await this.settle(w, {
            result: 'failed',
            error: `${round + 1} tries got no clear answer from Trakt (last: ${uncertain ? describeFailure(uncertain.cause ?? uncertain, 'Trakt') : 'fewer plays added than sent'}); left for the next run, which reads the history first, so nothing is added twice`,
            ...(uncertain ? { detail: describeError(uncertain), code: uncertain.code } : {}),
            permanent: false,
            throttled: isTraktThrottle(uncertain),
          });
        }
        return;
      }
      await this.deps.clock.sleep(uncertain?.retryAfterMs ?? RECHECK_DELAY_MS);
      remaining = await this.recheck(remaining, targets, plays);
    }
  }

  async ratings(batch: readonly Op<'rate' | 'unrate'>[]): Promise<void> {
    const client = this.deps.client();
    const plays = await this.deps.plays();
    const rates = batch.filter((w) => w.payload.op === 'rate');
    // A rating this system set is removed only while Trakt still shows it: one the user has changed
    // since is theirs (a prune of a deleted entry included).
    const unrates = batch.filter(
      (w) => w.payload.op === 'unrate' && plays.rating(w.payload.ratingKey) === w.payload.rating,
    );
    if (rates.length > 0) await client.addRatings(ratingsBody(rates, true));
    if (unrates.length > 0) await client.removeRatings(ratingsBody(unrates, false));
    for (const w of batch) {
      const p = w.payload;
      if (p.op === 'rate' || unrates.includes(w)) plays.setRating(p.ratingKey, p.op === 'rate' ? p.rating : undefined);
      await this.settle(w, p.op === 'rate' ? { result: 'applied', state: p.after } : { result: 'applied' });
    }
  }

  /**
   * Removes exactly the plays this system added: they are found again in the show's history by
   * episode and by the `watched_at` they were added with (newest first), so the user's own plays of
   * the same episodes stay.
   */
  async removePlays(batch: readonly Op<'remove_plays'>[]): Promise<void> {
    const plays = await this.deps.plays();
    for (const w of batch) {
      const { show, movie } = w.payload;
      const scope =
        movie !== undefined ? { type: 'movies' as const, id: movie } : { type: 'shows' as const, id: show! };
      const history = await plays.historyOf(this.deps.client(), scope);
      const ids = ourPlays(history, w.payload);
      if (ids.length > 0) {
        await this.deps.client().removeHistory({ ids });
        await plays.reread(this.deps.client(), scope);
      } else {
        // Nothing of ours was there: the history just read is what Trakt holds.
        plays.recount(scope, history);
      }
      await this.settle(w, w.payload.after ? { result: 'applied', state: w.payload.after } : { result: 'applied' });
    }
  }

  /** After a lost answer: the history of each affected show, and what is still missing. */
  private async recheck(
    writes: readonly Op<'add_plays'>[],
    targets: Map<PlannedWrite, Map<string, number>>,
    plays: TraktPlays,
  ): Promise<Op<'add_plays'>[]> {
    const client = this.deps.client();
    const shows = new Set(writes.flatMap((w) => (w.payload.show !== undefined ? [w.payload.show] : [])));
    const movies = new Set(writes.flatMap((w) => (w.payload.movie !== undefined ? [w.payload.movie] : [])));
    for (const id of shows) await plays.reread(client, { type: 'shows', id });
    for (const id of movies) await plays.reread(client, { type: 'movies', id });
    const still: Op<'add_plays'>[] = [];
    for (const w of writes) {
      if (playsIn(w, targets.get(w)!, plays) === 0) await this.settle(w, { result: 'applied', state: w.payload.after });
      else still.push(w);
    }
    return still;
  }

  /** Trakt confirmed the batch: the counts become the targets, without reading the history again. */
  private async applied(w: Op<'add_plays'>, targets: Map<string, number>, plays: TraktPlays): Promise<void> {
    const { show, movie, episodes } = w.payload;
    if (movie !== undefined) plays.raiseMovie(movie, targets.get('movie') ?? 1);
    for (const e of episodes) plays.raiseEpisode(show!, e, targets.get(episodeKey(e)) ?? e.times);
    await this.settle(w, { result: 'applied', state: w.payload.after });
  }

  private mustStop(): boolean {
    if (this.stoppedBy) return true;
    if (this.context.stopAt && this.context.now() >= this.context.stopAt()) this.stoppedBy = 'deadline';
    return this.stoppedBy !== undefined;
  }

  /** A batch that failed as a whole: a person must act (blocked, reauth) or each write is a failure. */
  private async fail(batch: readonly PlannedWrite[], err: unknown): Promise<void> {
    if (isReauthRequired(err)) {
      this.stoppedBy = 'reauth_required';
      this.reauthError = err;
    } else if (err instanceof TraktApiError && err.blockedBy) {
      this.stoppedBy = 'blocked';
      this.blockedBy = err.blockedBy;
    }
    for (const w of batch) {
      if (this.settled.has(w)) continue;
      await this.settle(
        w,
        this.stoppedBy === 'reauth_required' || this.stoppedBy === 'blocked'
          ? { result: 'not_attempted' }
          : writeFailure(err, 'Trakt', { permanent: !isRetryable(err), throttled: isTraktThrottle(err) }),
      );
    }
  }
}

/** Each planned episode's play count once the write is done (what Trakt held before + what it adds). */
function targetsOf(w: Op<'add_plays'>, plays: TraktPlays): Map<string, number> {
  const { show, movie, episodes, movieTimes } = w.payload;
  const targets = new Map<string, number>();
  if (movie !== undefined) targets.set('movie', plays.moviePlays(movie) + (movieTimes ?? 1));
  for (const e of episodes) targets.set(episodeKey(e), plays.episodePlays(show!, e) + e.times);
  return targets;
}

/** Plays still to add for `w`, given what Trakt holds now. */
function playsIn(w: Op<'add_plays'>, targets: Map<string, number>, plays: TraktPlays): number {
  const { show, movie, episodes } = w.payload;
  if (movie !== undefined) return Math.max(0, (targets.get('movie') ?? 0) - plays.moviePlays(movie));
  return episodes.reduce(
    (n, e) => n + Math.max(0, (targets.get(episodeKey(e)) ?? 0) - plays.episodePlays(show!, e)),
    0,
  );
}

/** One body for the batch: explicit episodes of each show (never a bare show or season), and movies. */
function historyBody(
  writes: readonly Op<'add_plays'>[],
  targets: Map<PlannedWrite, Map<string, number>>,
  plays: TraktPlays,
): HistoryBody {
  const shows = new Map<number, Map<number, { number: number; watched_at: string }[]>>();
  const movies: { ids: { trakt: number }; watched_at: string }[] = [];
  for (const w of writes) {
    const { show, movie, episodes, at } = w.payload;
    const target = targets.get(w)!;
    if (movie !== undefined) {
      const times = Math.max(0, (target.get('movie') ?? 0) - plays.moviePlays(movie));
      for (let i = 0; i < times; i++) movies.push({ ids: { trakt: movie }, watched_at: at });
      continue;
    }
    const seasons = shows.get(show!) ?? new Map<number, { number: number; watched_at: string }[]>();
    shows.set(show!, seasons);
    for (const e of episodes) {
      const times = Math.max(0, (target.get(episodeKey(e)) ?? 0) - plays.episodePlays(show!, e));
      const list = seasons.get(e.season) ?? [];
      for (let i = 0; i < times; i++) list.push({ number: e.number, watched_at: at });
      // A season whose episodes all hold their plays already is left out: `episodes: []` may read as the whole season.
      if (list.length > 0) seasons.set(e.season, list);
    }
  }
  return {
    ...(shows.size > 0
      ? {
          shows: [...shows].map(([id, seasons]) => ({
            ids: { trakt: id },
            seasons: [...seasons].map(([number, episodes]) => ({ number, episodes })),
          })),
        }
      : {}),
    ...(movies.length > 0 ? { movies } : {}),
  };
}

function ratingsBody(writes: readonly Op<'rate' | 'unrate'>[], withRating: boolean): RatingsBody {
  const shows = new Map<
    number,
    { ids: { trakt: number }; rating?: number; seasons?: { number: number; rating?: number }[] }
  >();
  const movies: { ids: { trakt: number }; rating?: number }[] = [];
  for (const w of writes) {
    const [kind, id, season] = w.payload.ratingKey.split(':');
    const rating = withRating ? { rating: w.payload.rating } : {};
    if (kind === 'movie') {
      movies.push({ ids: { trakt: Number(id) }, ...rating });
      continue;
    }
    const show = shows.get(Number(id)) ?? { ids: { trakt: Number(id) } };
    shows.set(Number(id), show);
    if (kind === 'show') Object.assign(show, rating);
    else show.seasons = [...(show.seasons ?? []), { number: Number(season), ...rating }];
  }
  return { ...(shows.size > 0 ? { shows: [...shows.values()] } : {}), ...(movies.length > 0 ? { movies } : {}) };
}

/** A batch of add_plays is full when it holds `size` plays. */
/** The plays one write adds. */
function playsOf(w: Op<'add_plays'>): number {
  return w.payload.movie !== undefined
    ? (w.payload.movieTimes ?? 1)
    : w.payload.episodes.reduce((m, e) => m + e.times, 0);
}

/**
 * The history ids of the plays this system added: per episode (or the movie), as many as it added,
 * matched on the `watched_at` it used, newest first. A play the user logged with the very same
 * time is indistinguishable, and then one of the identical plays goes, which leaves the history as
 * if ours had.
 */
function ourPlays(
  history: readonly TraktHistoryItem[],
  payload: Extract<TraktWritePayload, { op: 'remove_plays' }>,
): number[] {
  const matchesTime = (item: TraktHistoryItem) => {
    // A play of unknown date is listed without one (or at the epoch, UNCERTAIN): a dated play is the user's.
    if (payload.at === 'unknown') return item.watched_at === null || Date.parse(item.watched_at) === 0;
    if (payload.at === null || payload.at === 'released') return true;
    return item.watched_at !== null && Date.parse(item.watched_at) === Date.parse(payload.at);
  };
  const newestFirst = [...history].sort((a, b) => b.id - a.id);
  const ids: number[] = [];
  if (payload.movie !== undefined) {
    ids.push(
      ...newestFirst
        .filter((i) => i.type === 'movie' && matchesTime(i))
        .slice(0, payload.movieTimes ?? 1)
        .map((i) => i.id),
    );
    return ids;
  }
  const wanted = new Map<string, number>();
  for (const e of payload.episodes) wanted.set(episodeKey(e), (wanted.get(episodeKey(e)) ?? 0) + 1);
  for (const item of newestFirst) {
    if (item.type !== 'episode' || !item.episode || !matchesTime(item)) continue;
    const key = episodeKey(item.episode as EpisodeRef);
    const left = wanted.get(key) ?? 0;
    if (left <= 0) continue;
    ids.push(item.id);
    wanted.set(key, left - 1);
  }
  return ids;
}

export type { PlaysState };
