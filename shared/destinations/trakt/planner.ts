import type {
  DestinationPlan,
  MirroredRecord,
  Orphan,
  PlanNote,
  PlannedWrite,
  SkippedEntry,
  UnchangedTarget,
} from '../../sync/destination';
import type { SourceEntry } from '../../sync/source';
import type { CatalogShow } from './catalog';
import {
  type CompactEpisodes,
  compactEpisodes,
  describeEpisodes,
  type EpisodeRef,
  episodeKey,
  expandEpisodes,
  sameEpisodes,
} from './episodes';
import { describePlacement, type MappingContext, type Placement, placeEntry, UNPLACED_LABELS, whoIs } from './mapping';
import type { TraktPlays } from './plays';
import { fullEpisodeCount, isKnownStatus, playsWanted, ratingFor, type TraktRules, watchedAtFor } from './rules';
import type { WatchedAt } from './types';

/** What the core remembers of an entry's plays on Trakt. */
export interface PlaysState {
  readonly kind: 'plays';
  readonly show?: number;
  readonly movie?: number;
  /** Episodes known to hold the plays this entry needs. */
  readonly eps: CompactEpisodes;
  /** Plays this system added (one per listed episode; `movieAdded` for a movie): the only ones prune removes. */
  readonly added: CompactEpisodes;
  readonly movieAdded?: number;
  /** The `watched_at` those plays were added with (how prune finds them again). */
  readonly at: string | null;
  /** Plays each episode (or the movie) needs, when more than one (TRAKT_REWATCHES). */
  readonly times?: number;
}

/** What the core remembers of one rating on Trakt. */
export interface RatingState {
  readonly kind: 'rating';
  readonly rating: number;
  /** This system set it: a cleared score removes it only then (and only while it still says `rating`). */
  readonly ours: boolean;
}

export type TraktWritePayload =
  | {
      readonly op: 'add_plays';
      readonly show?: number;
      readonly movie?: number;
      /** Each with the number of plays to add. */
      readonly episodes: readonly (EpisodeRef & { readonly times: number })[];
      readonly movieTimes?: number;
      readonly at: WatchedAt;
      readonly after: PlaysState;
    }
  | {
      readonly op: 'remove_plays';
      readonly show?: number;
      readonly movie?: number;
      readonly episodes: readonly EpisodeRef[];
      readonly movieTimes?: number;
      readonly at: string | null;
      readonly after?: PlaysState;
    }
  | { readonly op: 'rate'; readonly ratingKey: string; readonly rating: number; readonly after: RatingState }
  | { readonly op: 'unrate'; readonly ratingKey: string; readonly rating: number }
  /** Nothing to send: only the core's record goes (a rating the user has changed since, for example). */
  | { readonly op: 'forget' };

export const TRAKT_SKIP_LABELS: Readonly<Record<string, string>> = {
  ...UNPLACED_LABELS,
  private: 'private',
  unknown_status: 'unknown status',
  no_date: 'no completion date',
  invalid_entry: 'invalid data',
};

const BY_HAND =
  'TRAKT_ID_OVERRIDES, a JSON object of AniList id → where its plays go: TRAKT_ID_OVERRIDES={"<AniList id>":{"show":<Trakt id>,"season":<n>,"episodes":"<a-b>"}} or {"<AniList id>":{"movie":<Trakt id>}}';

/** What a person does about each skip, printed beside the skip counts (README: Mapping rules). */
export const TRAKT_SKIP_FIXES: Readonly<Record<string, string>> = {
  unmapped: `place it by hand with ${BY_HAND}`,
  unplaceable: `place it by hand with ${BY_HAND}`,
  not_on_trakt: `point it at the right Trakt show or movie with ${BY_HAND}`,
  ambiguous: `choose the right one with ${BY_HAND}`,
  override_skip: 'remove its key from TRAKT_ID_OVERRIDES to mirror it',
  private: 'set MIRROR_PRIVATE=true to mirror private entries too',
  unknown_status:
    'give the entry one of the usual statuses on AniList (Watching, Planning, Completed, Dropped, Paused, Rewatching)',
  no_date: 'add the full completion date on AniList, or set TRAKT_UNKNOWN_DATE=unknown (or release)',
  invalid_entry: 'correct the entry on AniList (the line names what is wrong); the next run reads it again',
};

export interface PlannerContext {
  readonly mapping: MappingContext;
  readonly rules: TraktRules;
  /** TRAKT_PRUNE: plays this system added go when their entry leaves COMPLETED. */
  readonly prune: boolean;
  /** The user's plays and ratings, made exact for what is asked (lazy: only when something may be written). */
  readonly plays: (need: { shows: Set<number>; movies: Set<number>; ratings: boolean }) => Promise<TraktPlays>;
  /** Lookups stop here (the run's time is up): the rest of the entries wait for the next run. */
  readonly stopAt?: () => number;
  readonly now: () => number;
}

export interface TraktPlanInput {
  readonly entries: readonly SourceEntry[];
  readonly full: boolean;
  readonly mirrored: Readonly<Record<string, MirroredRecord>>;
  /** Full runs: the whole history and ratings, read just before. */
  readonly plays?: TraktPlays;
}

interface Desired {
  readonly entry: SourceEntry;
  readonly plays?: {
    readonly key: string;
    readonly show?: CatalogShow;
    readonly movie?: number;
    readonly episodes: readonly EpisodeRef[];
    readonly times: number;
    readonly at: WatchedAt;
  };
  readonly ratings: readonly { readonly key: string; readonly rating: number }[];
  /** Records this entry keeps although it plans nothing for them (plays it cannot write this time). */
  readonly keep?: readonly string[];
}

export const playsKey = (entry: SourceEntry): string => `plays:${entry.mediaId}`;
const ratingTargetKey = (indexKey: string): string => `rating:${indexKey}`;
const indexKeyOf = (targetKey: string): string => targetKey.slice('rating:'.length);

/**
 * Mapping and diff for Trakt. Each entry is placed (ids only, validated against Trakt's seasons),
 * its wanted plays and ratings are compared with what the core remembers; only when something may
 * have to be written are the user's plays read (through `last_activities`, so an unchanged account
 * costs one request), and the writes are exactly the missing plays: nothing is ever added twice.
 */
export async function planTrakt(input: TraktPlanInput, ctx: PlannerContext): Promise<DestinationPlan> {
  const skipped: SkippedEntry[] = [];
  const notes: PlanNote[] = [];
  const review: string[] = [];
  const deferred: SourceEntry[] = [];
  const desired: Desired[] = [];
  const ratingOwners = new Map<string, SourceEntry>();
  const ordered = [...input.entries].sort((a, b) => b.updatedAt - a.updatedAt || a.id - b.id);
  const records = indexRecords(input.mirrored);
  for (const entry of ordered) {
    if (ctx.stopAt && ctx.now() >= ctx.stopAt()) {
      deferred.push(entry);
      continue;
    }
    const decided = await decide(entry, records, ctx, notes);
    if (decided.review) review.push(decided.review);
    if (decided.skip) skipped.push(decided.skip);
    if (decided.desired) desired.push(withOwnRatings(decided.desired, ratingOwners, notes));
  }
  const plan = await diff(desired, input, records, ctx);
  return {
    ...plan,
    skipped,
    notes,
    review,
    ...(deferred.length > 0 ? { deferred } : {}),
  };
}

/** Prune: what this system added for entries that are gone. */
export function planTraktRemovals(orphans: readonly Orphan[]): PlannedWrite[] {
  return orphans.flatMap((o): PlannedWrite[] => {
    const state = o.record.state as PlaysState | RatingState;
    const base = { kind: 'remove' as const, key: o.key, title: o.record.title, reasons: ['deleted on AniList'] };
    if (state.kind === 'rating') {
      const payload: TraktWritePayload = state.ours
        ? { op: 'unrate', ratingKey: indexKeyOf(o.key), rating: state.rating }
        : { op: 'forget' };
      return [{ ...base, target: `Trakt ${indexKeyOf(o.key)}`, payload }];
    }
    const payload: TraktWritePayload = removeOurPlays(state) ?? { op: 'forget' };
    return [{ ...base, target: playsTarget(state.show, state.movie, state.added), payload }];
  });
}

/** The removal of the plays this system added for a record, or undefined when it added none. */
function removeOurPlays(state: PlaysState): TraktWritePayload | undefined {
  const added = expandEpisodes(state.added);
  if (added.length === 0 && !state.movieAdded) return undefined;
  return {
    op: 'remove_plays',
    ...(state.show !== undefined ? { show: state.show } : {}),
    ...(state.movie !== undefined ? { movie: state.movie } : {}),
    episodes: added,
    ...(state.movieAdded ? { movieTimes: state.movieAdded } : {}),
    at: state.at,
  };
}

/** One entry's decision: its targets, or why it is skipped; and its line in the mapping review. */
interface Decided {
  readonly desired?: Desired;
  readonly skip?: SkippedEntry;
  readonly review?: string;
}

/** What one entry should have on Trakt, or why it is skipped. */
async function decide(
  entry: SourceEntry,
  records: RecordIndex,
  ctx: PlannerContext,
  notes: PlanNote[],
): Promise<Decided> {
  const who = whoIs(entry, ctx.mapping.source);
  const skip = (reason: string, detail: string) => ({
    skip: { anilistEntryId: entry.id, mediaId: entry.mediaId, title: entry.title, reason, detail },
    review: `${who} → skipped: ${detail}`,
  });
  if (entry.private && !ctx.rules.mirrorPrivate) {
    return skip('private', 'private on AniList (set MIRROR_PRIVATE=true to mirror it)');
  }
  if (!isKnownStatus(entry.status)) return skip('unknown_status', `unknown AniList status "${entry.status}"`);
  const wanted = playsWanted(entry, ctx.rules);
  const rating = ratingFor(entry.score);
  const hasRecords = records.byEntry.has(entry.id);
  if (wanted.kind === 'none' && rating === undefined && !hasRecords) {
    return { review: `${who} → nothing to mirror: ${whyNothing(entry, ctx.rules)}` };
  }

  // Ratings and removals need the whole media placed, plays only the episodes watched.
  const placedAll = await placeEntry(entry, fullEpisodeCount(entry), ctx.mapping);
  const reviewLine = describePlacement(entry, placedAll, ctx.mapping.source);
  if (!placedAll.ok) {
    // An entry that cannot be placed keeps whatever records it has (nothing is removed on a guess).
    return wanted.kind === 'none' && rating === undefined
      ? { review: reviewLine }
      : { ...skip(placedAll.reason, placedAll.detail), review: reviewLine };
  }
  const placement = placedAll.placement;
  let plays: Desired['plays'];
  // Plays that cannot be written this time: a rating still goes, and plays already on Trakt stay.
  let noPlays: { reason: string; detail: string } | undefined;
  if (wanted.kind !== 'none') {
    const at = watchedAtFor(entry, wanted, ctx.rules, placement.kind);
    const placedPlays =
      at === undefined
        ? undefined
        : wanted.kind === 'progress' && placement.kind === 'show'
          ? await placeEntry(entry, wanted.count, ctx.mapping)
          : placedAll;
    if (at === undefined) {
      noPlays = { reason: 'no_date', detail: 'no full completion date on AniList, and TRAKT_UNKNOWN_DATE=skip' };
    } else if (placedPlays && !placedPlays.ok) {
      noPlays = { reason: placedPlays.reason, detail: placedPlays.detail };
    } else if (placedPlays?.ok) {
      plays = playsOf(playsKey(entry), placedPlays.placement, wanted.times, at);
    }
  }
  if (noPlays && rating === undefined) return { ...skip(noPlays.reason, noPlays.detail), review: reviewLine };
  if (noPlays) notes.push({ title: entry.title, kind: 'no_plays', detail: `rated, but no plays: ${noPlays.detail}` });
  const ratings = rating === undefined ? [] : ratingTargets(entry, placement, rating, records, ctx, notes);
  const keep = noPlays ? [playsKey(entry)] : [];
  return {
    desired: { entry, ...(plays ? { plays } : {}), ratings, ...(keep.length ? { keep } : {}) },
    review: noPlays ? `${reviewLine}; no plays: ${noPlays.detail}` : reviewLine,
  };
}

/**
 * A rating target (a movie, a season) belongs to one entry, the most recently updated: two entries
 * on it would rate it twice in one run and fight over it in every run after.
 */
function withOwnRatings(d: Desired, owners: Map<string, SourceEntry>, notes: PlanNote[]): Desired {
  const ratings = d.ratings.filter((r) => {
    const owner = owners.get(r.key);
    if (owner === undefined) {
      owners.set(r.key, d.entry);
      return true;
    }
    notes.push({
      title: d.entry.title,
      kind: 'not_rated',
      detail: `not rated on Trakt: ${indexKeyOf(r.key)} is rated from "${owner.title}", updated more recently`,
    });
    return false;
  });
  return ratings.length === d.ratings.length ? d : { ...d, ratings };
}

/** Why an entry has neither plays nor a rating on Trakt, in the words of the settings. */
function whyNothing(entry: SourceEntry, rules: TraktRules): string {
  const plays =
    entry.status === 'PLANNING'
      ? 'planned, not watched'
      : !rules.progress && ['CURRENT', 'PAUSED', 'DROPPED'].includes(entry.status)
        ? `${entry.status.toLowerCase()} (plays only for completed entries unless TRAKT_PROGRESS=true)`
        : `${entry.status.toLowerCase()} with no episodes watched`;
  return `${plays}, and no score`;
}

function playsOf(key: string, placement: Placement, times: number, at: WatchedAt): Desired['plays'] {
  return placement.kind === 'movie'
    ? { key, movie: placement.movie.trakt, episodes: [], times, at }
    : { key, show: placement.show, episodes: placement.episodes, times, at };
}

/**
 * Rate the movie; or the show, when no other AniList media lands on it (in the dataset or in the
 * user's list); otherwise each season the entry covers in full. Seasons covered in part are
 * reported as not rated.
 */
function ratingTargets(
  entry: SourceEntry,
  placement: Placement,
  rating: number,
  records: RecordIndex,
  ctx: PlannerContext,
  notes: PlanNote[],
): { key: string; rating: number }[] {
  if (placement.kind === 'movie') return [{ key: ratingTargetKey(`movie:${placement.movie.trakt}`), rating }];
  const { show, episodes } = placement;
  // The dataset lists AniList ids; with SOURCE=mal the entry's own are those of its MAL id.
  const own =
    ctx.mapping.source === 'mal'
      ? entry.idMal === null
        ? []
        : (ctx.mapping.ids?.anilistForMal(entry.idMal) ?? [])
      : [entry.mediaId];
  const othersInDataset = show.tmdb
    ? (ctx.mapping.ids?.anilistOnTmdbShow(show.tmdb) ?? []).filter((id: number) => !own.includes(id))
    : [];
  const othersInList = [...(records.entriesOnShow.get(show.trakt) ?? [])].filter((id) => id !== entry.id);
  const placed = new Set(episodes.map(episodeKey));
  // Placed by the fallback or an override, a show has no TMDB id to ask the dataset who else is on
  // it: the entry is its only one when it covers every regular episode.
  const coversAll = (all: readonly EpisodeRef[]) => all.length > 0 && all.every((e) => placed.has(episodeKey(e)));
  const soleInDataset = show.tmdb
    ? othersInDataset.length === 0
    : coversAll(expandEpisodes(show.seasons).filter((e) => e.season > 0));
  if (soleInDataset && othersInList.length === 0) {
    return [{ key: ratingTargetKey(`show:${show.trakt}`), rating }];
  }
  const targets: { key: string; rating: number }[] = [];
  for (const season of new Set(episodes.map((e) => e.season))) {
    const list = show.seasons[String(season)];
    if (list !== undefined && coversAll(expandEpisodes({ [season]: list }))) {
      targets.push({ key: ratingTargetKey(`season:${show.trakt}:${season}`), rating });
    } else {
      const covered = describeEpisodes(compactEpisodes(episodes.filter((e) => e.season === season)));
      notes.push({
        title: entry.title,
        kind: 'not_rated',
        detail: `not rated on Trakt: it covers ${covered}, not all of season ${season}, and other AniList entries share the show`,
      });
    }
  }
  return targets;
}

/** Compares the wanted targets with what is known; reads the user's plays only if something may change. */
async function diff(
  desired: readonly Desired[],
  input: TraktPlanInput,
  records: RecordIndex,
  ctx: PlannerContext,
): Promise<Pick<DestinationPlan, 'writes' | 'unchanged' | 'actual'>> {
  const writes: PlannedWrite[] = [];
  const unchanged: UnchangedTarget[] = [];
  const candidates: Desired[] = [];
  for (const d of desired) {
    if (!input.full && settledByRecords(d, input.mirrored)) {
      for (const key of keysOf(d)) unchanged.push({ key, entry: d.entry, state: input.mirrored[key]?.state });
    } else {
      candidates.push(d);
    }
  }
  const stale = staleRecords(desired, records);
  if (candidates.length === 0 && stale.length === 0 && !input.full) return { writes, unchanged };
  const need = needOf(candidates, stale, input.mirrored, ctx.prune);
  const nothingToRead = need.shows.size === 0 && need.movies.size === 0 && !need.ratings;
  if (candidates.length === 0 && nothingToRead && !input.plays) {
    // Only records to forget: no need to ask Trakt anything.
    return { writes: staleWrites(stale, undefined, ctx), unchanged };
  }
  const plays = input.plays ?? (await ctx.plays(need));
  const claims = new Map<string, number>();
  for (const d of candidates) {
    writes.push(...playsWrites(d, input.mirrored, plays, claims, ctx, unchanged));
    writes.push(...ratingWrites(d, input.mirrored, plays, unchanged));
  }
  writes.push(...staleWrites(stale, plays, ctx));
  return input.full ? { writes, unchanged, actual: actualOf(input.mirrored, plays) } : { writes, unchanged };
}

/** Incremental runs: an entry whose targets the records already show as mirrored costs nothing. */
function settledByRecords(d: Desired, mirrored: Readonly<Record<string, MirroredRecord>>): boolean {
  if (d.plays) {
    const state = mirrored[d.plays.key]?.state as PlaysState | undefined;
    if (state?.kind !== 'plays') return false;
    if (d.plays.movie !== undefined ? state.movie !== d.plays.movie : state.show !== d.plays.show?.trakt) return false;
    if (!sameEpisodes(state.eps, compactEpisodes(d.plays.episodes))) return false;
    if ((state.times ?? 1) !== d.plays.times) return false;
  }
  return d.ratings.every((r) => {
    const state = mirrored[r.key]?.state as RatingState | undefined;
    return state?.kind === 'rating' && state.rating === r.rating;
  });
}

interface RecordIndex {
  /** Each entry's records. */
  readonly byEntry: Map<number, [key: string, record: MirroredRecord][]>;
  /** The entries with plays on each Trakt show. */
  readonly entriesOnShow: Map<number, Set<number>>;
}

/**
 * The records by entry and by show, built once per plan: looking through all of them for each
 * entry made a 5,000-entry full run quadratic (over a minute of CPU).
 */
function indexRecords(mirrored: Readonly<Record<string, MirroredRecord>>): RecordIndex {
  const index: RecordIndex = { byEntry: new Map(), entriesOnShow: new Map() };
  for (const [key, record] of Object.entries(mirrored)) {
    const own = index.byEntry.get(record.anilistEntryId);
    if (own) own.push([key, record]);
    else index.byEntry.set(record.anilistEntryId, [[key, record]]);
    const show = (record.state as Partial<PlaysState>).show;
    if (show !== undefined) {
      const entries = index.entriesOnShow.get(show) ?? new Set<number>();
      entries.add(record.anilistEntryId);
      index.entriesOnShow.set(show, entries);
    }
  }
  return index;
}

function keysOf(d: Desired): string[] {
  return [...(d.plays ? [d.plays.key] : []), ...d.ratings.map((r) => r.key)];
}

/** Records of planned entries that their targets no longer include (a cleared score, a left COMPLETED…). */
function staleRecords(
  desired: readonly Desired[],
  records: RecordIndex,
): { key: string; record: MirroredRecord; entry: SourceEntry }[] {
  const out: { key: string; record: MirroredRecord; entry: SourceEntry }[] = [];
  for (const d of desired) {
    const keep = new Set([...keysOf(d), ...(d.keep ?? [])]);
    for (const [key, record] of records.byEntry.get(d.entry.id) ?? []) {
      if (!keep.has(key)) out.push({ key, record, entry: d.entry });
    }
  }
  return out;
}

function needOf(
  candidates: readonly Desired[],
  stale: readonly { record: MirroredRecord }[],
  mirrored: Readonly<Record<string, MirroredRecord>>,
  prune: boolean,
): { shows: Set<number>; movies: Set<number>; ratings: boolean } {
  const shows = new Set<number>();
  const movies = new Set<number>();
  let ratings = stale.some((s) => (s.record.state as RatingState).kind === 'rating');
  for (const d of candidates) {
    if (d.plays?.show) shows.add(d.plays.show.trakt);
    if (d.plays?.movie !== undefined) movies.add(d.plays.movie);
    const prior = d.plays ? (mirrored[d.plays.key]?.state as PlaysState | undefined) : undefined;
    if (prior?.show !== undefined) shows.add(prior.show);
    if (d.ratings.length > 0) ratings = true;
  }
  // Stale plays are only looked at to remove them (prune); otherwise their record is just forgotten.
  for (const s of prune ? stale : []) {
    const state = s.record.state as PlaysState;
    if (state.kind === 'plays' && state.show !== undefined) shows.add(state.show);
    if (state.kind === 'plays' && state.movie !== undefined) movies.add(state.movie);
  }
  return { shows, movies, ratings };
}

/**
 * The plays an entry still lacks: for each episode, what it needs minus what Trakt already holds
 * (whoever added it) minus what an entry planned earlier in this run adds. A play is never added
 * when the episode already has one.
 */
function playsWrites(
  d: Desired,
  mirrored: Readonly<Record<string, MirroredRecord>>,
  plays: TraktPlays,
  claims: Map<string, number>,
  ctx: PlannerContext,
  unchanged: UnchangedTarget[],
): PlannedWrite[] {
  if (!d.plays) return [];
  const { key, show, movie, episodes, times, at } = d.plays;
  const prior = mirrored[key]?.state as PlaysState | undefined;
  const priorAdded = prior?.kind === 'plays' && prior.show === show?.trakt ? expandEpisodes(prior.added) : [];
  const base = { kind: 'put' as const, key, title: d.entry.title, entry: d.entry };
  if (movie !== undefined) {
    const claim = `movie:${movie}`;
    const have = plays.moviePlays(movie) + (claims.get(claim) ?? 0);
    const missing = Math.max(0, times - have);
    const state: PlaysState = {
      kind: 'plays',
      movie,
      eps: {},
      added: {},
      ...(prior?.movieAdded || missing ? { movieAdded: (prior?.movieAdded ?? 0) + missing } : {}),
      at: missing > 0 ? at : (prior?.at ?? null),
      ...(times > 1 ? { times } : {}),
    };
    if (missing === 0) {
      unchanged.push({ key, entry: d.entry, state });
      return [];
    }
    claims.set(claim, (claims.get(claim) ?? 0) + missing);
    const payload: TraktWritePayload = { op: 'add_plays', movie, episodes: [], movieTimes: missing, at, after: state };
    return [{ ...base, target: `Trakt movie ${movie}`, reasons: [describeAdd(missing, 'the movie', at)], payload }];
  }
  const showId = show!.trakt;
  const missing: (EpisodeRef & { times: number })[] = [];
  for (const e of episodes) {
    const claim = `${showId}:${episodeKey(e)}`;
    const have = plays.episodePlays(showId, e) + (claims.get(claim) ?? 0);
    if (have < times) {
      missing.push({ ...e, times: times - have });
      claims.set(claim, (claims.get(claim) ?? 0) + times - have);
    }
  }
  const eps = compactEpisodes(episodes);
  const added = compactEpisodes([...priorAdded, ...missing]);
  const state: PlaysState = {
    kind: 'plays',
    show: showId,
    eps,
    added,
    at: missing.length > 0 ? at : (prior?.at ?? null),
    ...(times > 1 ? { times } : {}),
  };
  const writes: PlannedWrite[] = [];
  // Plays this system added for episodes the entry no longer covers (its mapping changed): prune only.
  const wanted = new Set(episodes.map(episodeKey));
  const leftover = priorAdded.filter((e) => !wanted.has(episodeKey(e)));
  if (ctx.prune && leftover.length > 0 && prior?.show === showId) {
    writes.push({
      kind: 'remove',
      key,
      title: d.entry.title,
      entry: d.entry,
      target: playsTarget(showId, undefined, compactEpisodes(leftover)),
      reasons: [`no longer part of this entry: removes the ${leftover.length} plays this system added`],
      payload: {
        op: 'remove_plays',
        show: showId,
        episodes: leftover,
        at: prior.at,
        // Once removed, they are no longer ours: never removed twice (the user may play them again).
        after: {
          ...state,
          added: compactEpisodes([...priorAdded.filter((e) => wanted.has(episodeKey(e))), ...missing]),
        },
      },
    });
  }
  if (missing.length === 0) {
    if (writes.length === 0)
      unchanged.push({ key, entry: d.entry, state: { ...state, added: compactEpisodes(priorAdded) } });
    return writes;
  }
  const count = missing.reduce((n, e) => n + e.times, 0);
  const adding = compactEpisodes(missing);
  writes.push({
    ...base,
    target: playsTarget(showId, undefined, adding),
    reasons: [describeAdd(count, describeEpisodes(adding), at)],
    payload: { op: 'add_plays', show: showId, episodes: missing, at, after: state },
  });
  return writes;
}

function ratingWrites(
  d: Desired,
  mirrored: Readonly<Record<string, MirroredRecord>>,
  plays: TraktPlays,
  unchanged: UnchangedTarget[],
): PlannedWrite[] {
  return d.ratings.flatMap(({ key, rating }) => {
    const current = plays.rating(indexKeyOf(key));
    const prior = mirrored[key]?.state as RatingState | undefined;
    if (current === rating) {
      unchanged.push({ key, entry: d.entry, state: { kind: 'rating', rating, ours: prior?.ours ?? false } });
      return [];
    }
    const payload: TraktWritePayload = {
      op: 'rate',
      ratingKey: indexKeyOf(key),
      rating,
      after: { kind: 'rating', rating, ours: true },
    };
    const reason = current === undefined ? `rating ${rating}` : `rating ${current} → ${rating}`;
    return [
      {
        kind: 'put' as const,
        key,
        title: d.entry.title,
        entry: d.entry,
        target: `Trakt ${indexKeyOf(key)}`,
        reasons: [reason],
        payload,
      },
    ];
  });
}

/**
 * Targets a planned entry no longer has: its rating goes when this system set it and it still
 * says what we set (a rating the user changed on Trakt is theirs); its plays go only with prune.
 */
function staleWrites(
  stale: readonly { key: string; record: MirroredRecord; entry: SourceEntry }[],
  /** Read when a stale rating or (with prune) stale plays need Trakt's current view. */
  plays: TraktPlays | undefined,
  ctx: PlannerContext,
): PlannedWrite[] {
  return stale.flatMap(({ key, record, entry }): PlannedWrite[] => {
    const state = record.state as PlaysState | RatingState;
    const base = { kind: 'remove' as const, key, title: record.title, entry };
    if (state.kind === 'rating') {
      const ours = state.ours && plays?.rating(indexKeyOf(key)) === state.rating;
      const payload: TraktWritePayload = ours
        ? { op: 'unrate', ratingKey: indexKeyOf(key), rating: state.rating }
        : { op: 'forget' };
      return [
        {
          ...base,
          target: `Trakt ${indexKeyOf(key)}`,
          reasons: [ours ? 'score cleared on AniList' : 'no longer rated from AniList'],
          payload,
        },
      ];
    }
    const payload = ctx.prune ? removeOurPlays(state) : undefined;
    if (!payload) {
      // Nothing of ours to remove, or prune is off: the plays stay, and so that this entry's later
      // edits do not read Trakt for them again, the record goes.
      const why = ctx.prune ? 'none of them added by this system' : 'TRAKT_PRUNE is off';
      return [
        {
          ...base,
          target: playsTarget(state.show, state.movie, state.eps),
          reasons: [`left COMPLETED on AniList; its plays stay on Trakt (${why})`],
          payload: { op: 'forget' },
        },
      ];
    }
    return [
      {
        ...base,
        target: playsTarget(state.show, state.movie, state.added),
        reasons: [`left COMPLETED on AniList: removes the plays this system added`],
        payload,
      },
    ];
  });
}

/** Full runs: what Trakt holds now for each remembered target (records of vanished targets are forgotten). */
function actualOf(mirrored: Readonly<Record<string, MirroredRecord>>, plays: TraktPlays): Map<string, unknown> {
  const actual = new Map<string, unknown>();
  for (const [key, record] of Object.entries(mirrored)) {
    const state = record.state as PlaysState | RatingState;
    if (state.kind === 'rating') {
      const current = plays.rating(indexKeyOf(key));
      if (current !== undefined)
        actual.set(key, { ...state, rating: current, ours: state.ours && current === state.rating });
      continue;
    }
    if (state.movie !== undefined) {
      if (plays.moviePlays(state.movie) > 0) actual.set(key, state);
      continue;
    }
    const still = expandEpisodes(state.eps).filter(
      (e) => state.show !== undefined && plays.episodePlays(state.show, e) > 0,
    );
    if (still.length > 0) actual.set(key, { ...state, eps: compactEpisodes(still) });
  }
  return actual;
}

function playsTarget(show: number | undefined, movie: number | undefined, episodes: CompactEpisodes): string {
  if (movie !== undefined) return `Trakt movie ${movie}`;
  return `Trakt show ${show} ${describeEpisodes(episodes)}`.trim();
}

function describeAdd(count: number, what: string, at: WatchedAt): string {
  const when = at === 'unknown' ? 'date unknown' : at === 'released' ? 'at release' : `watched ${at.slice(0, 10)}`;
  return `${count} play${count === 1 ? '' : 's'} on ${what} (${when})`;
}
