import type { TraktHistoryItemInput } from '../../local/sandbox/trakt';
import { approveLatestEmail } from '../../local/story';
import { ManualClock } from '../../shared/clock';
import type { DestinationReport, RunReport } from '../../shared/sync/report';
import { startTestSystem, type TestSystem } from './local-system';
import { sectionOf } from './reports';

/**
 * Helpers for whole-system tests mirroring to Trakt: a system on a ManualClock (Trakt's 1 POST a
 * second costs no wall-clock time), the email story for a chosen destination's link, and what the
 * sandbox Trakt holds, read from its own state (never through the worker's code).
 */

/** 2026-03-02 08:00 UTC: after every sample AniList edit (2025), so the sandbox's own edits are newer. */
const TRAKT_TEST_START = Date.UTC(2026, 2, 2, 8, 0, 0);

export interface TraktTestSystem extends TestSystem {
  readonly clock: ManualClock;
}

/** The whole local system mirroring to Trakt (`destinations`, default `trakt`), on a ManualClock. */
export async function startTraktSystem(
  options: { destinations?: string; env?: Record<string, string>; local?: Record<string, string> } = {},
): Promise<TraktTestSystem> {
  const clock = new ManualClock(TRAKT_TEST_START);
  const system = await startTestSystem({
    clock,
    env: { DESTINATIONS: options.destinations ?? 'trakt', ...options.env },
    ...(options.local ? { local: options.local } : {}),
  });
  return Object.assign(system, { clock });
}

/**
 * The user opens the newest email, follows the link for `label` (e.g. `Trakt`, `MyAnimeList`) and
 * approves; the callback stores the tokens and its "Authorization Completed" starts a sync, which
 * is awaited. Returns the report of that sync (or undefined when none ran).
 */
export async function approveDestination(system: TestSystem, label: string): Promise<RunReport | undefined> {
  const before = system.reports.length;
  const story = await approveLatestEmail(system, 'approve', label);
  if (story.callbackStatus !== 200) {
    throw new Error(`the ${label} callback answered ${story.callbackStatus}: ${story.callbackPage.slice(0, 300)}`);
  }
  await system.settle();
  return system.reports.length > before ? system.reports.at(-1) : undefined;
}

/**
 * The first-time story for every provider in the email, in email order: the mailer's email, then
 * each link approved in turn (each approval starts a sync, as in AWS). Returns the last sync's report.
 */
export async function authorizeAll(system: TestSystem): Promise<RunReport> {
  const mail = await system.runMailer();
  if (!mail.sent) throw new Error(`mailer did not send: ${mail.why}`);
  let report: RunReport | undefined;
  for (const { label } of system.authTargets) report = (await approveDestination(system, label)) ?? report;
  if (!report) throw new Error(`no sync after authorization: ${system.errors.map(String).join('; ')}`);
  return report;
}

export function traktSection(report: RunReport | undefined): DestinationReport {
  if (!report) throw new Error('no run report');
  return sectionOf(report, 'trakt');
}

// ---- what the sample list must become on Trakt (the oracle, written by hand) ----

/** One AniList entry's plays on Trakt, as NOTICE.md's mapping and the mirror rules require. */
export interface ExpectedPlays {
  readonly anilist: number;
  readonly title: string;
  /** Trakt show id, with `[season, first, last]` episode ranges. */
  readonly show?: number;
  readonly episodes?: readonly (readonly [number, number, number])[];
  /** Trakt movie id. */
  readonly movie?: number;
  /** `watched_at` as Trakt lists it: the AniList completion date at noon UTC; null = "date unknown". */
  readonly at: string | null;
}

const noon = (date: string) => `${date}T12:00:00.000Z`;

/**
 * Every play the bundled sample list requires with the default rules (COMPLETED and REPEATING
 * entries, one play per episode, no rewatch plays, no progress plays), by hand from
 * `local/sandbox/data/anime-ids/NOTICE.md` and `trakt-sample.json`.
 */
export const SAMPLE_TRAKT_PLAYS: readonly ExpectedPlays[] = [
  { anilist: 1, title: 'Cowboy Bebop', show: 30857, episodes: [[1, 1, 26]], at: noon('2014-10-01') },
  { anilist: 130003, title: 'Bocchi the Rock!', show: 191883, episodes: [[1, 1, 12]], at: noon('2022-12-25') },
  { anilist: 5114, title: 'FMA: Brotherhood', show: 31771, episodes: [[1, 1, 64]], at: noon('2016-04-20') },
  { anilist: 9253, title: 'Steins;Gate', show: 42285, episodes: [[1, 1, 24]], at: noon('2017-01-29') },
  // Completed 2012-08 (no day): Trakt's "watched, date unknown".
  { anilist: 1535, title: 'DEATH NOTE', show: 13855, episodes: [[1, 1, 37]], at: null },
  { anilist: 16498, title: 'Shingeki no Kyojin', show: 1420, episodes: [[1, 1, 25]], at: noon('2013-09-29') },
  { anilist: 20958, title: 'Shingeki no Kyojin Season 2', show: 1420, episodes: [[2, 1, 12]], at: noon('2017-06-17') },
  { anilist: 99147, title: 'Shingeki no Kyojin Season 3', show: 1420, episodes: [[3, 1, 12]], at: noon('2018-10-15') },
  // The split cour: TMDB's season 3 goes on at episode 13.
  { anilist: 104578, title: 'SnK Season 3 Part 2', show: 1420, episodes: [[3, 13, 22]], at: noon('2019-07-01') },
  { anilist: 1575, title: 'Code Geass', show: 31586, episodes: [[1, 1, 25]], at: noon('2018-02-28') },
  { anilist: 21507, title: 'Mob Psycho 100', show: 105481, episodes: [[1, 1, 12]], at: noon('2016-09-27') },
  { anilist: 21827, title: 'Violet Evergarden', show: 120989, episodes: [[1, 1, 13]], at: noon('2018-04-05') },
  // anibridge's edits: K-On!'s episode 1 is TMDB's special S0E1, 2–13 are S1E1–12. Completed 2010-05 (no day).
  {
    anilist: 5680,
    title: 'K-On!',
    show: 60947,
    episodes: [
      [0, 1, 1],
      [1, 1, 12],
    ],
    at: null,
  },
  // TMDB continues the second season inside season 1.
  {
    anilist: 145064,
    title: 'Jujutsu Kaisen 2nd Season',
    show: 158594,
    episodes: [[1, 25, 47]],
    at: noon('2023-12-28'),
  },
  { anilist: 97986, title: 'Made in Abyss', show: 117856, episodes: [[1, 1, 13]], at: noon('2017-09-29') },
  // No completion date at all.
  { anilist: 21519, title: 'Kimi no Na wa.', movie: 224301, at: null },
  { anilist: 199, title: 'Sen to Chihiro no Kamikakushi', movie: 97, at: noon('2010-12-24') },
  { anilist: 20954, title: 'Koe no Katachi', movie: 225063, at: noon('2018-05-20') },
];

/** Holdings keyed `show:<id>:S<season>E<number>` or `movie:<id>`, each the list of its plays' `watched_at`. */
export type Holdings = Record<string, (string | null)[]>;

export const episodeKeyOf = (show: number, season: number, number: number) => `show:${show}:S${season}E${number}`;

function add(h: Holdings, key: string, watched: string | null): void {
  h[key] = [...(h[key] ?? []), watched];
}

/** What `expected` adds up to, as `Holdings` (one play per episode or movie). */
export function holdingsOf(expected: readonly ExpectedPlays[]): Holdings {
  const out: Holdings = {};
  for (const e of expected) {
    if (e.movie !== undefined) add(out, `movie:${e.movie}`, e.at);
    for (const [season, first, last] of e.episodes ?? []) {
      for (let n = first; n <= last; n++) add(out, episodeKeyOf(e.show!, season, n), e.at);
    }
  }
  return sortedHoldings(out);
}

/** A `GET /sync/history`-shaped play of one episode, for `state.setHistory`. */
export function episodePlay(show: number, season: number, number: number, watchedAt: string | null) {
  return {
    watched_at: watchedAt,
    type: 'episode',
    show: { ids: { trakt: show } },
    episode: { season, number },
  } satisfies TraktHistoryItemInput;
}

export function moviePlay(movie: number, watchedAt: string | null) {
  return { watched_at: watchedAt, type: 'movie', movie: { ids: { trakt: movie } } } satisfies TraktHistoryItemInput;
}

/** Trakt show id of Jujutsu Kaisen (TMDB's season 1 holds both AniList seasons). */
export const JJK_SHOW = 158594;

/** What Trakt holds after `completeJujutsuKaisen`: the oracle plus S1E1–24 at 2026-03-01 noon UTC. */
export function holdingsAfterJjkCompleted(): Holdings {
  const expected = holdingsOf(SAMPLE_TRAKT_PLAYS);
  for (let e = 1; e <= 24; e++) expected[episodeKeyOf(JJK_SHOW, 1, e)] = ['2026-03-01T12:00:00.000Z'];
  return expected;
}

/** Every play the sandbox Trakt holds, from its own state. */
export function traktHoldings(system: TestSystem): Holdings {
  const out: Holdings = {};
  for (const item of system.trakt!.state.history()) {
    const watched = (item.watched_at as string | null) ?? null;
    if (item.type === 'movie') {
      const movie = item.movie as { ids: { trakt: number } };
      add(out, `movie:${movie.ids.trakt}`, watched);
    } else {
      const show = item.show as { ids: { trakt: number } };
      const episode = item.episode as { season: number; number: number };
      add(out, episodeKeyOf(show.ids.trakt, episode.season, episode.number), watched);
    }
  }
  return sortedHoldings(out);
}

function sortedHoldings(h: Holdings): Holdings {
  return Object.fromEntries(
    Object.entries(h)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, [...v].sort((a, b) => String(a).localeCompare(String(b)))]),
  );
}

/** The targets holding more than one play (a doubled play), with their counts. */
export function doubledPlays(system: TestSystem): Record<string, number> {
  return Object.fromEntries(
    Object.entries(traktHoldings(system))
      .filter(([, plays]) => plays.length > 1)
      .map(([key, plays]) => [key, plays.length]),
  );
}

/** The sandbox Trakt's ratings, keyed like the mirror's rating targets: `show:<id>`, `season:<id>:<n>`, `movie:<id>`. */
export function traktRatings(system: TestSystem): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of system.trakt!.state.ratings()) {
    const rating = item.rating as number;
    const ids = (o: unknown) => (o as { ids: { trakt: number } }).ids.trakt;
    if (item.type === 'movie') out[`movie:${ids(item.movie)}`] = rating;
    else if (item.type === 'show') out[`show:${ids(item.show)}`] = rating;
    else if (item.type === 'season') {
      out[`season:${ids(item.show)}:${(item.season as { number: number }).number}`] = rating;
    } else out[`${item.type}:?`] = rating;
  }
  return out;
}

/** The ratings a Trakt report section says it set: rating target → rating (`rating 9`, `rating 6 → 9`). */
export function ratingsReported(section: DestinationReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of section.writes) {
    if (w.kind !== 'put' || !w.key.startsWith('rating:')) continue;
    const m = /^rating (?:\d+ → )?(\d+)$/.exec(w.reasons[0] ?? '');
    if (!m) throw new Error(`unexpected rating reason for ${w.key}: ${w.reasons.join('; ')}`);
    out[w.key.slice('rating:'.length)] = Number(m[1]);
  }
  return out;
}

/** POSTs the sandbox Trakt received (every write route), by route. */
export function traktPosts(system: TestSystem): Record<string, number> {
  return Object.fromEntries(
    Object.entries(system.trakt!.counters.byRoute).filter(([route]) => route.startsWith('POST /sync')),
  );
}

/** The sample AniList entry of media `mediaId` (throws when the list has none). */
export function sampleEntry(system: TestSystem, mediaId: number) {
  const entry = system.anilist!.store.entries().find((e) => e.mediaId === mediaId);
  if (!entry) throw new Error(`no AniList entry for media ${mediaId}`);
  return entry;
}

/** The user finishes Jujutsu Kaisen on AniList (sample: CURRENT at 20 of 24): COMPLETED, 24 of 24, on 2026-03-01. */
export function completeJujutsuKaisen(system: TestSystem): void {
  const entry = sampleEntry(system, 113415);
  system.anilist!.store.upsertEntry({
    id: entry.id,
    status: 'COMPLETED',
    progress: 24,
    completedAt: { year: 2026, month: 3, day: 1 },
  });
}
