import { MB } from './stats';
import { count, duration, formatTable, mb, ms, type TargetRow } from './table';

/** Seconds, with minutes beside them from a minute on: `358 s (6.0 min)`. */
function seconds(valueMs: number): string {
  const s = Math.ceil(valueMs / 1000);
  return s < 60 ? `${s} s` : `${count(s)} s (${(s / 60).toFixed(1)} min)`;
}

import type { TraktCaseResult, TraktListFigures } from './trakt-cases';

/** Trakt's limits and the worker's own pacing and time budget. */
export interface TraktFloorSettings {
  /** Trakt: 1,000 GETs per 5 minutes (a window that opens at the first call). */
  readonly getsPerWindow: number;
  readonly windowMs: number;
  /** Trakt: 1 POST a second. */
  readonly postIntervalMs: number;
  /** TRAKT_GETS_PER_MINUTE and TRAKT_POSTS_PER_MINUTE defaults: the pace the deployed worker keeps. */
  readonly workerGetsPerMinute: number;
  readonly workerPostsPerMinute: number;
  readonly workerTimeoutMs: number;
  readonly deadlineSafetyMs: number;
}

/**
 * The title-search approach the issue compares against, as the issue describes it: one search per entry, four
 * pre-fetches, one POST per 50 items (an item is one list entry: a show's season or a movie), and a fixed 1 s
 * sleep after each POST.
 */
export const TITLE_SEARCH = { prefetches: 4, itemsPerPost: 50, sleepPerPostMs: 1000 } as const;

export interface TitleSearchFigures {
  readonly entries: number;
  readonly searches: number;
  readonly prefetches: number;
  readonly posts: number;
  readonly requests: number;
  /** Its GETs (searches and pre-fetches) at 1,000 per 5 minutes. */
  readonly getFloorMs: number;
  /** Its POSTs: the 1 s sleep after each, which also keeps the 1 POST/s limit (the two do not add up). */
  readonly postMs: number;
  readonly floorMs: number;
}

export interface TraktFloorFigures {
  readonly size: number;
  readonly name: string;
  readonly gets: number;
  readonly posts: number;
  /** At Trakt's limits: full 5-minute windows waited for the GETs, then 1 s between POSTs. */
  readonly getFloorMs: number;
  readonly postFloorMs: number;
  readonly floorMs: number;
  /** At the worker's own pacing (TRAKT_GETS_PER_MINUTE, TRAKT_POSTS_PER_MINUTE). */
  readonly pacedMs: number;
  /** ⌈paced ÷ (worker timeout − DEADLINE_SAFETY_MS)⌉: scheduled runs it spreads over, at the least. */
  readonly runs: number;
}

const windowFloor = (gets: number, s: TraktFloorSettings) =>
  gets === 0 ? 0 : (Math.ceil(gets / s.getsPerWindow) - 1) * s.windowMs;

export function titleSearch(entries: number, s: TraktFloorSettings): TitleSearchFigures {
  const posts = Math.ceil(entries / TITLE_SEARCH.itemsPerPost);
  const getFloorMs = windowFloor(entries + TITLE_SEARCH.prefetches, s);
  const postMs = posts * Math.max(TITLE_SEARCH.sleepPerPostMs, s.postIntervalMs);
  return {
    entries,
    searches: entries,
    prefetches: TITLE_SEARCH.prefetches,
    posts,
    requests: entries + TITLE_SEARCH.prefetches + posts,
    getFloorMs,
    postMs,
    floorMs: getFloorMs + postMs,
  };
}

/** POSTs (history, ratings, token refreshes) and GETs (everything else) a run sent Trakt. */
function split(r: TraktCaseResult): { gets: number; posts: number } {
  const posts = r.trakt.historyPost + r.trakt.ratingsPost + r.trakt.oauth;
  return { gets: r.trakt.total - posts, posts };
}

export function traktFloor(r: TraktCaseResult, s: TraktFloorSettings): TraktFloorFigures {
  const { gets, posts } = split(r);
  const getFloorMs = windowFloor(gets, s);
  const postFloorMs = Math.max(0, posts - 1) * s.postIntervalMs;
  const pacedMs =
    Math.max(0, gets - 1) * (60_000 / s.workerGetsPerMinute) +
    Math.max(0, posts - 1) * (60_000 / s.workerPostsPerMinute);
  return {
    size: r.size,
    name: r.name,
    gets,
    posts,
    getFloorMs,
    postFloorMs,
    floorMs: getFloorMs + postFloorMs,
    pacedMs,
    runs: Math.max(1, Math.ceil(pacedMs / (s.workerTimeoutMs - s.deadlineSafetyMs))),
  };
}

/** The target formula: uncached lookups + history pages + ⌈plays ÷ batch⌉ POSTs. */
export function formulaOf(r: TraktCaseResult): { formula: number; leftOut: number; routes: number; rest: number } {
  const b = r.bound;
  const t = r.trakt;
  return {
    formula: b.lookups + b.historyPages + b.historyPosts,
    leftOut: b.ratingsPages + b.ratingsPosts + b.lastActivities,
    routes: t.search + t.seasons + t.historyGet + t.historyPost,
    rest: t.total - (t.search + t.seasons + t.historyGet + t.historyPost),
  };
}

const firstSyncs = (results: readonly TraktCaseResult[]) =>
  results.filter((r) => r.name === 'full, empty Trakt' || r.name === 'full, Trakt holds them');

export function traktListLines(lists: readonly TraktListFigures[]): string[] {
  return lists.map(
    (l) =>
      `- ${count(l.size)} entries: ${count(l.shows)} Trakt shows, ${count(l.movies)} movies, ${count(l.plays)} plays, ` +
      `${count(l.ratings)} ratings (${count(l.notRated)} scored entries cover part of a season other entries share: not rated); ` +
      `${Object.entries(l.shapes)
        .map(([shape, n]) => `${shape.replace(/_/g, ' ')} ${count(n)}`)
        .join(', ')}; anibridge file ${mb(l.mappingBytes)} (${count(l.mappingMedia)} AniList media)`,
  );
}

export function traktSyncSection(
  results: readonly TraktCaseResult[],
  lists: readonly TraktListFigures[],
  nodeOptions: readonly string[],
  memoryMb: number,
): string {
  const key = (r: TraktCaseResult) => [count(r.size), r.name];
  return [
    `Trakt sync runs as a ${memoryMb} MB function — sandbox AniList and Trakt (its rate limits off), s3rver and the id dataset`,
    `server on loopback, pacing off; each run is one handler invocation in a fresh \`node ${[...nodeOptions, '<bundle>'].join(' ')}\``,
    'process. Lists of COMPLETED entries with full dates (local/sandbox/anime-ids/trakt-list.ts); the anibridge file is full-size:',
    ...traktListLines(lists),
    formatTable(
      [
        'entries',
        'case',
        'AniList',
        'Trakt',
        'search',
        'seasons',
        'history GET',
        'history POST',
        'ratings GET',
        'ratings POST',
        'last_activities',
        'OAuth',
        'datasets',
        'S3 GET',
        'S3 PUT',
      ],
      results.map((r) => [
        ...key(r),
        count(r.anilistRequests),
        count(r.trakt.total),
        count(r.trakt.search),
        count(r.trakt.seasons),
        count(r.trakt.historyGet),
        count(r.trakt.historyPost),
        count(r.trakt.ratingsGet),
        count(r.trakt.ratingsPost),
        count(r.trakt.lastActivities),
        count(r.trakt.oauth),
        r.datasetNotModified > 0
          ? `${count(r.datasetRequests)} (${r.datasetNotModified} × 304)`
          : count(r.datasetRequests),
        count(r.s3Get),
        count(r.s3Put),
      ]),
      ['right', 'left', ...Array<'right'>(13).fill('right')],
    ),
    '',
    formatTable(
      [
        'entries',
        'case',
        'plays before → after',
        'added',
        'wrong',
        'duplicate',
        'missing',
        'ratings wrong/missing',
        'skipped',
        'wall',
        'CPU',
        'services CPU',
        'RSS at start',
        'peak RSS',
      ],
      results.map((r) => [
        ...key(r),
        `${count(r.plays.before)} → ${count(r.plays.after)}`,
        count(r.plays.after - r.plays.before),
        count(r.plays.wrong),
        count(r.plays.duplicate),
        count(r.plays.missing),
        `${count(r.ratings.wrong)} / ${count(r.ratings.missing)}`,
        count(r.skipped),
        ms(r.wallMs),
        ms(r.cpuMs),
        ms(r.servicesCpuMs),
        mb(r.startRssBytes),
        mb(r.maxRssBytes),
      ]),
      ['right', 'left', ...Array<'right'>(12).fill('right')],
    ),
  ].join('\n');
}

export function traktFormulaSection(results: readonly TraktCaseResult[]): string {
  const full = results.filter((r) => r.mode === 'full');
  return [
    'Trakt requests against the target formula — uncached lookups (2 per show: search + seasons; 1 per movie) + history',
    'pages (250 a page) + ⌈plays to add ÷ TRAKT_BATCH_SIZE⌉ POSTs, from the ground truth and what Trakt and the S3 cache held',
    'before the run; the formula leaves out the ratings (pages and ⌈ratings to set ÷ batch⌉ POSTs) and the one last_activities',
    formatTable(
      [
        'entries',
        'case',
        'lookups',
        'history pages',
        'POSTs',
        'formula',
        'measured (search+seasons+history)',
        'left out: allowed',
        'left out: measured',
        'Trakt total',
      ],
      full.map((r) => {
        const f = formulaOf(r);
        return [
          count(r.size),
          r.name,
          `${count(r.trakt.search + r.trakt.seasons)} / ${count(r.bound.lookups)}`,
          `${count(r.trakt.historyGet)} / ${count(r.bound.historyPages)}`,
          `${count(r.trakt.historyPost)} / ${count(r.bound.historyPosts)}`,
          count(f.formula),
          count(f.routes),
          count(f.leftOut),
          count(f.rest),
          `${count(r.trakt.total)} ${r.trakt.total <= f.formula ? '≤' : '>'} ${count(f.formula)}`,
        ];
      }),
      ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    '(measured / allowed. History POSTs carry whole entries: a batch closes once it holds ≥ TRAKT_BATCH_SIZE plays, so',
    'POSTs average more than 250 plays and number fewer than ⌈plays ÷ 250⌉.)',
  ].join('\n');
}

export function traktComparisonSection(results: readonly TraktCaseResult[], s: TraktFloorSettings): string {
  const sizes = [...new Set(results.map((r) => r.size))];
  const ratio = (theirs: number, ours: number | undefined) =>
    ours === undefined ? '—' : ours === 0 ? '∞' : `${(theirs / ours).toFixed(2)}×`;
  const find = (size: number, name: string) => results.find((r) => r.size === size && r.name === name);
  return [
    `Title-search comparison — the title-search approach, modelled: one search per entry, ${TITLE_SEARCH.prefetches} pre-fetches, one POST`,
    `per ${TITLE_SEARCH.itemsPerPost} items (an item = one list entry: a show season or a movie), a fixed ${TITLE_SEARCH.sleepPerPostMs / 1000} s sleep after each POST`,
    'and the same 1 POST/s limit (the sleep keeps it, so the two do not add up), its GETs at 1,000 per 5 minutes; a first',
    'sync of every entry each time (it keeps no catalogue cache). Ratio = its requests ÷ ours, per case (≥ 5× is the target',
    'for the first syncs)',
    formatTable(
      [
        'entries',
        'title-search requests',
        'its floor',
        'ours: first sync, empty',
        'ratio',
        'ours: Trakt holds them',
        'ratio',
        'ours: full reconcile',
        'ratio',
        'ours: steady state',
      ],
      sizes.map((size) => {
        const t = titleSearch(size, s);
        const empty = find(size, 'full, empty Trakt');
        const holds = find(size, 'full, Trakt holds them');
        const daily = find(size, 'full reconcile, 0 changes');
        const steady = find(size, 'incremental, 0 changes');
        const ours = (r: TraktCaseResult | undefined) => (r ? count(r.trakt.total) : '—');
        return [
          count(size),
          `${count(t.requests)} (${count(t.searches)} + ${t.prefetches} + ${count(t.posts)} POSTs)`,
          seconds(t.floorMs),
          ours(empty),
          ratio(t.requests, empty?.trakt.total),
          ours(holds),
          ratio(t.requests, holds?.trakt.total),
          ours(daily),
          ratio(t.requests, daily?.trakt.total),
          ours(steady),
        ];
      }),
      ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    'Ours on a first sync, by route: search + seasons per show, search per movie (the catalogue cache is empty), history',
    'pages, POSTs; the catalogue is cached in S3 afterwards, so later full reconciles need only the history and ratings pages.',
  ].join('\n');
}

export function traktFloorSection(results: readonly TraktCaseResult[], s: TraktFloorSettings): string {
  const usable = s.workerTimeoutMs - s.deadlineSafetyMs;
  return [
    `API-time floor of the Trakt part — at Trakt's limits (${count(s.getsPerWindow)} GETs per ${duration(s.windowMs)}, windows waited out; 1 POST per`,
    `${s.postIntervalMs / 1000} s), and at the worker's own pacing (TRAKT_GETS_PER_MINUTE ${s.workerGetsPerMinute}, TRAKT_POSTS_PER_MINUTE ${s.workerPostsPerMinute}) in runs of`,
    `${duration(s.workerTimeoutMs)} − ${ms(s.deadlineSafetyMs)} = ${ms(usable)}; from the measured counts (the sandbox ran with its limits off)`,
    formatTable(
      ['entries', 'case', 'GETs', 'POSTs', 'GET floor', 'POST floor', 'floor', "at the worker's pacing", 'runs'],
      results
        .filter((r) => r.trakt.total > 0)
        .map((r) => {
          const f = traktFloor(r, s);
          return [
            count(f.size),
            f.name,
            count(f.gets),
            count(f.posts),
            seconds(f.getFloorMs),
            seconds(f.postFloorMs),
            seconds(f.floorMs),
            seconds(f.pacedMs),
            count(f.runs),
          ];
        }),
      ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
  ].join('\n');
}

export interface TraktTargetInput {
  readonly quick: boolean;
  readonly sync: readonly TraktCaseResult[];
  /** The first sync of the largest list as Lambda's smallest function (empty with --quick). */
  readonly smallest: readonly TraktCaseResult[];
  readonly smallestSize: number;
  readonly smallestMemoryMb: number;
  readonly rssLimitBytes: number;
  readonly settings: TraktFloorSettings;
}

export function traktTargets(input: TraktTargetInput): TargetRow[] {
  const rows: TargetRow[] = [];
  const label = (r: TraktCaseResult) => `Trakt ${r.name}, ${count(r.size)} entries`;
  for (const r of input.sync.filter((c) => c.name === 'incremental, 0 changes')) {
    rows.push({
      target: `${label(r)}: 0 Trakt requests, 1 AniList request`,
      measured: `${r.trakt.total} Trakt, ${r.anilistRequests} AniList, ${r.s3Total} S3`,
      pass: r.trakt.total === 0 && r.anilistRequests === 1,
    });
  }
  for (const r of input.sync.filter((c) => c.mode === 'full')) {
    const f = formulaOf(r);
    rows.push({
      target: `${label(r)}: Trakt ≤ formula, + ratings and last_activities`,
      measured: `${count(f.routes)} ≤ ${count(f.formula)}, + ${count(f.rest)} ≤ ${count(f.leftOut)} (total ${count(r.trakt.total)})`,
      pass: f.routes <= f.formula && f.rest <= f.leftOut,
    });
  }
  const all = [...input.sync, ...input.smallest];
  const bad = all.filter(
    (r) =>
      r.plays.wrong + r.plays.duplicate + r.plays.missing + r.ratings.wrong + r.ratings.missing > 0 || r.failed > 0,
  );
  rows.push({
    target: 'Trakt: 0 wrong, 0 duplicate, 0 missing plays (and ratings) after every run',
    measured:
      bad.length === 0
        ? `${all.length} of ${all.length} runs exact`
        : bad
            .map(
              (r) =>
                `${count(r.size)} ${r.name}: ${r.plays.wrong} wrong, ${r.plays.duplicate} duplicate, ${r.plays.missing} missing plays, ` +
                `${r.ratings.wrong}/${r.ratings.missing} ratings wrong/missing, ${r.failed} failed`,
            )
            .join('; '),
    pass: bad.length === 0,
  });
  for (const r of input.sync.filter((c) => c.name === 'full, Trakt holds them')) {
    const added = r.plays.after - r.plays.before;
    rows.push({
      target: `${label(r)}: 0 plays added (0 duplicates), 0 history POSTs`,
      measured: `${count(added)} added, ${count(r.plays.duplicate)} duplicate, ${count(r.trakt.historyPost)} POSTs`,
      pass: added === 0 && r.plays.duplicate === 0 && r.trakt.historyPost === 0,
    });
  }
  for (const r of firstSyncs(input.sync)) {
    const t = titleSearch(r.size, input.settings);
    rows.push({
      target: `${label(r)}: ≥ 5× fewer requests than title-search`,
      measured: `${count(t.requests)} ÷ ${count(r.trakt.total)} = ${(t.requests / Math.max(1, r.trakt.total)).toFixed(2)}×`,
      pass: t.requests >= 5 * r.trakt.total,
    });
  }
  if (input.smallest.length === 0) {
    rows.push({
      target: `Trakt first sync, ${count(input.smallestSize)} entries, as a ${input.smallestMemoryMb} MB function (skipped with --quick)`,
      measured: '—',
      pass: undefined,
    });
  }
  for (const r of input.smallest) {
    rows.push({
      target: `${label(r)}, as a ${r.memoryMb} MB function, full-size anibridge file: peak RSS < ${input.rssLimitBytes / MB} MB`,
      measured: mb(r.maxRssBytes),
      pass: r.maxRssBytes < input.rssLimitBytes,
    });
  }
  return rows;
}
