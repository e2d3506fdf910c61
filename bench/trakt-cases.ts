import { statSync } from 'node:fs';
import path from 'node:path';
import type { SyncWorkerEvent } from '../lambdas/sync-worker/handler';
import { ephemeralLocalConfig } from '../local/config';
import { writeAnibridgeFile } from '../local/sandbox/anime-ids/generate';
import {
  generateTraktList,
  playKey,
  type TraktList,
  traktListFixture,
  writeTraktListMapping,
} from '../local/sandbox/anime-ids/trakt-list';
import { startTraktSandbox, type TraktSandbox } from '../local/sandbox/trakt';
import { type LocalSystem, startLocalSystem } from '../local/system';
import { saveTokensFromAuthorization } from '../shared/auth/tokens';
import { systemClock } from '../shared/clock';
import { CATALOG_KEY } from '../shared/destinations/trakt/catalog';
import { TRAKT_PAGE_LIMIT } from '../shared/destinations/trakt/client';
import { silentLogger } from '../shared/log';
import { runWorker, type WorkerRunOptions, workerEnv } from './sync-cases';

/**
 * The Trakt cases of `npm run bench`: a generated list of COMPLETED entries
 * (`local/sandbox/anime-ids/trakt-list.ts`) mirrored to a sandbox Trakt by the bundled sync worker, in a fresh
 * process per run, with the anibridge file at full size (the synthetic generator's media plus the list's). Every
 * run is checked against the generator's ground truth: the plays on the sandbox after it, and the requests the
 * target formula allows.
 */

export type TraktCaseName =
  | 'full, empty Trakt'
  | 'incremental, 0 changes'
  | 'full reconcile, 0 changes'
  | 'full, Trakt holds them';

/** Requests the sandbox Trakt answered, by route. */
export interface TraktRequests {
  readonly total: number;
  /** `GET /search/tmdb/:id`. */
  readonly search: number;
  /** `GET /shows/:id/seasons`. */
  readonly seasons: number;
  /** `GET /sync/history[/…]` pages. */
  readonly historyGet: number;
  /** `POST /sync/history` (plays added). */
  readonly historyPost: number;
  /** `GET /sync/ratings/…` pages. */
  readonly ratingsGet: number;
  /** `POST /sync/ratings[/remove]`. */
  readonly ratingsPost: number;
  readonly lastActivities: number;
  /** The auth host: token refreshes. */
  readonly oauth: number;
  /** Anything else (`POST /sync/history/remove`, `GET /users/settings`, …). */
  readonly other: number;
}

/**
 * What the target formula allows for the run, computed from the ground truth and what the sandbox and the S3
 * cache held before it, independently of the worker's bookkeeping.
 */
export interface TraktBound {
  /** Lookups for shows and movies not in the catalogue cache: 2 per show (search + seasons), 1 per movie. */
  readonly lookups: number;
  /** Full runs: the history Trakt holds before the run, in pages of 250 (an empty one is still one page). */
  readonly historyPages: number;
  /** ⌈plays missing before the run ÷ TRAKT_BATCH_SIZE⌉. */
  readonly historyPosts: number;
  /** Left out by the formula: ratings pages (full runs), ⌈ratings missing ÷ batch⌉ POSTs, `last_activities`. */
  readonly ratingsPages: number;
  readonly ratingsPosts: number;
  readonly lastActivities: number;
}

export interface PlaysCheck {
  /** History items on the sandbox before and after the run. */
  readonly before: number;
  readonly after: number;
  /** Plays the list must produce (one per placed episode or movie). */
  readonly expected: number;
  /** After the run: plays of an episode or movie no entry maps to, or at another time than its completion date. */
  readonly wrong: number;
  /** After the run: plays beyond the first of one episode or movie. */
  readonly duplicate: number;
  /** After the run: expected plays that are not there. */
  readonly missing: number;
}

export interface RatingsCheck {
  readonly expected: number;
  /** After the run: ratings on the sandbox that are not the expected value of an expected target. */
  readonly wrong: number;
  readonly missing: number;
}

export interface TraktCaseResult {
  readonly size: number;
  readonly name: TraktCaseName;
  readonly mode: string;
  readonly status: string;
  readonly memoryMb: number;
  readonly anilistRequests: number;
  readonly trakt: TraktRequests;
  /** Id dataset downloads answered (anibridge, rensetsu TV and movies), of which 304s. */
  readonly datasetRequests: number;
  readonly datasetNotModified: number;
  readonly s3Get: number;
  readonly s3Put: number;
  readonly s3Total: number;
  /** The worker's Trakt section: targets written, unchanged, skipped, failed. */
  readonly written: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly plays: PlaysCheck;
  readonly ratings: RatingsCheck;
  readonly bound: TraktBound;
  readonly workerCounters: Record<string, number>;
  readonly wallMs: number;
  readonly cpuMs: number;
  /**
   * CPU of the benchmark's own process while the worker ran: the sandboxes, s3rver and the dataset server
   * answering it. Wall time waits for them too (the sandbox Trakt sorts its whole history for every page).
   */
  readonly servicesCpuMs: number;
  readonly initMs: number;
  readonly startRssBytes: number;
  readonly maxRssBytes: number;
  readonly warnings: string[];
}

export interface TraktListFigures {
  readonly size: number;
  readonly shows: number;
  readonly movies: number;
  readonly plays: number;
  readonly ratings: number;
  readonly notRated: number;
  readonly shapes: Readonly<Record<string, number>>;
  /** The anibridge file the dataset server serves: its size and AniList media (filler + list). */
  readonly mappingBytes: number;
  readonly mappingMedia: number;
}

export interface TraktBenchOptions extends WorkerRunOptions {
  /** Which sizes also get the daily full reconcile after the steady state. */
  readonly dailyFull?: (size: number) => boolean;
  /** Where the generated files go (the mapping files are ~40 MB each). */
  readonly dataDir: string;
  /** AniList media of synthetic filler in the anibridge file: 40,000 gives the real file's size (~37 MB). */
  readonly fillerMedia: number;
  readonly onCase?: (result: TraktCaseResult) => void;
  readonly onSystem?: (close: () => Promise<void>) => void;
  readonly onProgress?: (message: string) => void;
}

interface Prepared {
  readonly list: TraktList;
  readonly mappingFile: string;
  readonly figures: TraktListFigures;
}

const prepared = new Map<string, Prepared>();

/** The generated list and its full-size anibridge file, made once per size (and filler) and reused. */
export function prepareTraktList(
  size: number,
  options: Pick<TraktBenchOptions, 'seed' | 'dataDir' | 'fillerMedia' | 'onProgress'>,
): Prepared {
  const key = `${size}:${options.seed}:${options.fillerMedia}:${options.dataDir}`;
  const known = prepared.get(key);
  if (known) return known;
  const filler = path.join(options.dataDir, `anibridge-filler-${options.fillerMedia}-${options.seed}.json`);
  if (!exists(filler)) {
    options.onProgress?.(
      `generating the synthetic anibridge filler (${options.fillerMedia.toLocaleString('en-US')} media)`,
    );
    writeAnibridgeFile(filler, { anilist: options.fillerMedia, seed: options.seed });
  }
  const list = generateTraktList(size, options.seed);
  const mappingFile = path.join(options.dataDir, `anibridge-trakt-${size}-${options.seed}.json`);
  const mappingBytes = writeTraktListMapping(mappingFile, list, { file: filler });
  const result: Prepared = {
    list,
    mappingFile,
    figures: {
      size,
      shows: list.catalogue.shows.length,
      movies: list.catalogue.movies.length,
      plays: list.expected.plays.length,
      ratings: list.expected.ratings.length,
      notRated: list.expected.notRated,
      shapes: list.shapes,
      mappingBytes,
      mappingMedia: options.fillerMedia + list.entries.length,
    },
  };
  prepared.set(key, result);
  return result;
}

function exists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

interface TraktSystem {
  readonly system: LocalSystem;
  readonly trakt: TraktSandbox;
  readonly env: NodeJS.ProcessEnv;
  readonly batchSize: number;
  close(): Promise<void>;
}

/**
 * The local system as `npm start` runs it in sandbox mode with DESTINATIONS=trakt (s3rver, the sandbox AniList
 * holding the list, the id dataset server serving the full-size file), plus a sandbox Trakt holding the list's
 * catalogue (and, for `holdsList`, its plays and ratings) with its rate limits off: the local system's own
 * Trakt stand-in enforces Trakt's real limits (1 POST a second, 1,000 GETs per 5 minutes) and has no switch for
 * them, so the worker is pointed at this one instead, and authorized on it directly (as `npm run sync` does).
 */
async function startTraktSystem(prep: Prepared, holdsList: boolean, deployed: Readonly<Record<string, string>>) {
  const system = await startLocalSystem({
    local: ephemeralLocalConfig({ SANDBOX_ANIME_IDS_FIXTURE: prep.mappingFile }),
    env: { LOG_LEVEL: 'error', DESTINATIONS: 'trakt' },
    sandbox: true,
    logger: silentLogger,
    anilistEntries: prep.list.entries,
  });
  let trakt: TraktSandbox | undefined;
  try {
    const clientId = system.env.TRAKT_CLIENT_ID!;
    const clientSecret = system.env.TRAKT_CLIENT_SECRET!;
    trakt = await startTraktSandbox({
      clientId,
      clientSecret,
      rateLimits: false,
      fixture: traktListFixture(prep.list, { holdsList }),
    });
    const traktConfig = system.config.destinations.find((d) => d.module.key === 'trakt')?.config as
      | { TRAKT_BATCH_SIZE: number; TRAKT_REFRESH_TOKEN_LIFETIME_DAYS: number }
      | undefined;
    if (!traktConfig) throw new Error('the local system does not mirror to Trakt');
    await saveTokensFromAuthorization(
      { store: system.store, clock: systemClock },
      { destination: 'trakt', refreshTokenLifetimeDays: traktConfig.TRAKT_REFRESH_TOKEN_LIFETIME_DAYS },
      trakt.state.issueTokensDirectly(),
      trakt.state.user.username,
    );
    const env: NodeJS.ProcessEnv = {
      ...workerEnv(system, deployed),
      TRAKT_API_URL: trakt.apiUrl,
      TRAKT_AUTH_URL: trakt.authUrl,
      // Pacing off, as for AniList and MAL: the floor is computed from the counts.
      TRAKT_POSTS_PER_MINUTE: '0',
      TRAKT_GETS_PER_MINUTE: '0',
    };
    const sandbox = trakt;
    return {
      system,
      trakt: sandbox,
      env,
      batchSize: traktConfig.TRAKT_BATCH_SIZE,
      close: async () => {
        await sandbox.close();
        await system.close();
      },
    } satisfies TraktSystem;
  } catch (err) {
    await trakt?.close();
    await system.close();
    throw err;
  }
}

/**
 * Per size: a fresh system over an empty Trakt history for the first sync and the steady state after it, then
 * a fresh system (empty S3, so again a first sync) whose Trakt history already holds the list.
 */
export async function runTraktBench(options: TraktBenchOptions): Promise<{
  results: TraktCaseResult[];
  lists: TraktListFigures[];
}> {
  const results: TraktCaseResult[] = [];
  const lists: TraktListFigures[] = [];
  for (const size of options.sizes) {
    const prep = prepareTraktList(size, options);
    lists.push(prep.figures);
    const push = (r: TraktCaseResult) => {
      results.push(r);
      options.onCase?.(r);
    };
    await withSystem(prep, false, options, async (s) => {
      push(await runCase(s, prep, 'full, empty Trakt', 'full', options));
      if (options.firstRunOnly) return;
      push(await runCase(s, prep, 'incremental, 0 changes', 'incremental', options));
      // The daily full reconcile (FULL_SYNC_INTERVAL_HOURS), with nothing changed anywhere.
      if (options.dailyFull?.(size))
        push(await runCase(s, prep, 'full reconcile, 0 changes', 'full', options, { full: true }));
    });
    if (options.firstRunOnly) continue;
    await withSystem(prep, true, options, async (s) => {
      push(await runCase(s, prep, 'full, Trakt holds them', 'full', options));
    });
  }
  return { results, lists };
}

async function withSystem(
  prep: Prepared,
  holdsList: boolean,
  options: TraktBenchOptions,
  body: (s: TraktSystem) => Promise<void>,
): Promise<void> {
  const s = await startTraktSystem(prep, holdsList, options.deployedEnv);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await s.close();
  };
  options.onSystem?.(close);
  try {
    await body(s);
  } finally {
    await close();
  }
}

interface Holdings {
  /** Play key → watched_at of each play. */
  readonly plays: Map<string, (string | null)[]>;
  readonly playCount: number;
  /** Rating key → rating. */
  readonly ratings: Map<string, number>;
}

/** What the sandbox Trakt holds, read in-process (no request counted). */
function holdings(trakt: TraktSandbox): Holdings {
  const plays = new Map<string, (string | null)[]>();
  const history = trakt.state.history() as {
    type: string;
    watched_at: string | null;
    episode?: { season: number; number: number };
    show?: { ids: { trakt: number } };
    movie?: { ids: { trakt: number } };
  }[];
  for (const item of history) {
    const key =
      item.type === 'movie'
        ? playKey({ movie: item.movie!.ids.trakt })
        : playKey({ show: item.show!.ids.trakt, season: item.episode!.season, number: item.episode!.number });
    const times = plays.get(key) ?? [];
    times.push(item.watched_at);
    plays.set(key, times);
  }
  const ratings = new Map<string, number>();
  for (const item of trakt.state.ratings() as {
    type: string;
    rating: number;
    show?: { ids: { trakt: number } };
    season?: { number: number };
    movie?: { ids: { trakt: number } };
  }[]) {
    if (item.type === 'movie') ratings.set(`movie:${item.movie!.ids.trakt}`, item.rating);
    else if (item.type === 'show') ratings.set(`show:${item.show!.ids.trakt}`, item.rating);
    else if (item.type === 'season') ratings.set(`season:${item.show!.ids.trakt}:${item.season!.number}`, item.rating);
    else ratings.set(`${item.type}:?`, item.rating);
  }
  return { plays, playCount: history.length, ratings };
}

function checkPlays(list: TraktList, before: Holdings, after: Holdings): PlaysCheck {
  const expected = new Map(list.expected.plays.map((p) => [playKey(p), Date.parse(p.watchedAt)] as const));
  let wrong = 0;
  let duplicate = 0;
  for (const [key, times] of after.plays) {
    const at = expected.get(key);
    for (const t of times) if (at === undefined || t === null || Date.parse(t) !== at) wrong++;
    duplicate += Math.max(0, times.length - 1);
  }
  let missing = 0;
  for (const key of expected.keys()) if (!after.plays.has(key)) missing++;
  return { before: before.playCount, after: after.playCount, expected: expected.size, wrong, duplicate, missing };
}

function checkRatings(list: TraktList, after: Holdings): RatingsCheck {
  const expected = new Map(list.expected.ratings.map((r) => [r.key, r.rating] as const));
  let wrong = 0;
  for (const [key, rating] of after.ratings) if (expected.get(key) !== rating) wrong++;
  let missing = 0;
  for (const key of expected.keys()) if (!after.ratings.has(key)) missing++;
  return { expected: expected.size, wrong, missing };
}

/** What the target formula allows for this run (see `TraktBound`). */
async function boundOf(s: TraktSystem, list: TraktList, before: Holdings, full: boolean): Promise<TraktBound> {
  const cached = await s.system.store.get(CATALOG_KEY);
  const catalog = cached
    ? (JSON.parse(cached.body) as { shows?: Record<string, unknown>; movies?: Record<string, unknown> })
    : {};
  const uncachedShows = list.catalogue.shows.filter((show) => !catalog.shows?.[String(show.ids.tmdb)]).length;
  const uncachedMovies = list.catalogue.movies.filter((movie) => !catalog.movies?.[String(movie.ids.tmdb)]).length;
  const missingPlays = list.expected.plays.filter((p) => !before.plays.has(playKey(p))).length;
  const missingRatings = list.expected.ratings.filter((r) => before.ratings.get(r.key) !== r.rating).length;
  const pages = (items: number) => (full ? Math.max(1, Math.ceil(items / TRAKT_PAGE_LIMIT)) : 0);
  return {
    lookups: 2 * uncachedShows + uncachedMovies,
    historyPages: pages(before.playCount),
    historyPosts: Math.ceil(missingPlays / s.batchSize),
    ratingsPages: pages(before.ratings.size),
    ratingsPosts: Math.ceil(missingRatings / s.batchSize),
    lastActivities: full ? 1 : 0,
  };
}

function traktRequests(trakt: TraktSandbox): TraktRequests {
  const by = trakt.counters.byRoute;
  const take = (...keys: string[]) => keys.reduce((n, k) => n + (by[k] ?? 0), 0);
  const search = take('GET /search/:id_type/:id');
  const seasons = take('GET /shows/:id/seasons');
  const historyGet = take('GET /sync/history');
  const historyPost = take('POST /sync/history');
  const ratingsGet = take('GET /sync/ratings');
  const ratingsPost = take('POST /sync/ratings', 'POST /sync/ratings/remove');
  const lastActivities = take('GET /sync/last_activities');
  const oauth = trakt.counters.auth;
  const total = trakt.counters.requests;
  return {
    total,
    search,
    seasons,
    historyGet,
    historyPost,
    ratingsGet,
    ratingsPost,
    lastActivities,
    oauth,
    other: total - search - seasons - historyGet - historyPost - ratingsGet - ratingsPost - lastActivities - oauth,
  };
}

async function runCase(
  s: TraktSystem,
  prep: Prepared,
  name: TraktCaseName,
  expectMode: 'full' | 'incremental',
  options: TraktBenchOptions,
  event: SyncWorkerEvent = {},
): Promise<TraktCaseResult> {
  const { system, trakt } = s;
  const anilist = system.anilist!;
  const datasets = system.datasets!;
  const before = holdings(trakt);
  const bound = await boundOf(s, prep.list, before, expectMode === 'full');
  anilist.resetCounters();
  trakt.resetCounters();
  const datasetsBefore = { requests: datasets.counters.requests, notModified: datasets.counters.notModified };
  const servicesCpu = process.cpuUsage();
  const reply = await runWorker(options.workerFile, s.env, options.workerExecArgv, {
    event,
    budgetMs: options.budgetMs,
  });
  const servicesUsage = process.cpuUsage(servicesCpu);
  const requests = traktRequests(trakt);
  const after = holdings(trakt);
  const section = (reply.result.destinations as Record<string, Record<string, unknown>>).trakt;
  if (!section) throw new Error(`${prep.figures.size} entries, ${name}: the worker's result has no Trakt section`);
  const where = `${prep.figures.size.toLocaleString('en-US')} entries, ${name}`;
  if (section.mode !== expectMode) throw new Error(`${where}: expected a ${expectMode} run, it ran ${section.mode}`);
  if (reply.result.status !== 'ok') {
    throw new Error(`${where}: the run ended "${String(reply.result.status)}" (${JSON.stringify(section)})`);
  }
  const counters = reply.counters;
  const s3 = Object.entries(counters).filter(([k]) => k.startsWith('s3_'));
  const warnings: string[] = [];
  const anilistRequests = anilist.counters.requests;
  if ((counters.anilist ?? 0) !== anilistRequests) {
    warnings.push(`worker counted ${counters.anilist ?? 0} AniList requests, the sandbox answered ${anilistRequests}`);
  }
  if ((counters.trakt ?? 0) !== requests.total) {
    warnings.push(`worker counted ${counters.trakt ?? 0} Trakt requests, the sandbox answered ${requests.total}`);
  }
  const number = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    size: prep.figures.size,
    name,
    mode: String(section.mode),
    status: String(section.status),
    memoryMb: options.memoryMb,
    anilistRequests,
    trakt: requests,
    datasetRequests: datasets.counters.requests - datasetsBefore.requests,
    datasetNotModified: datasets.counters.notModified - datasetsBefore.notModified,
    s3Get: counters.s3_get ?? 0,
    s3Put: counters.s3_put ?? 0,
    s3Total: s3.reduce((sum, [, n]) => sum + n, 0),
    written: number(section.written),
    unchanged: number(section.unchanged),
    skipped: number(section.skipped),
    failed: number(section.failed),
    plays: checkPlays(prep.list, before, after),
    ratings: checkRatings(prep.list, after),
    bound,
    workerCounters: counters,
    wallMs: reply.wallMs,
    cpuMs: reply.cpuMs.user + reply.cpuMs.system,
    servicesCpuMs: (servicesUsage.user + servicesUsage.system) / 1000,
    initMs: reply.initMs,
    startRssBytes: reply.startRssBytes,
    maxRssBytes: reply.maxRssBytes,
    warnings,
  };
}
