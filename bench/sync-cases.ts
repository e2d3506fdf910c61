import { fork } from 'node:child_process';
import type { SyncWorkerResult } from '../lambdas/sync-worker/handler';
import { localConfigSchema } from '../local/config';
import { LOCAL_REGION } from '../local/emulators';
import { generateAniListEntries, generateAniListMangaEntries, type SandboxEntry } from '../local/sandbox/anilist';
import { type LocalSystem, startLocalSystem } from '../local/system';
import { createAniListClient } from '../shared/anilist/client';
import type { AniListEntry } from '../shared/anilist/types';
import { loadConfig } from '../shared/config';
import { type DesiredMangaState, mapMangaEntry } from '../shared/destinations/mal/manga';
import { type DesiredMalState, mapEntry, mapScore } from '../shared/destinations/mal/mapping';
import type { MalListEntry, MalMangaListEntry } from '../shared/destinations/mal/types';
import { silentLogger } from '../shared/log';
import { KEYS } from '../shared/store/store';
import { track } from './children';
import type { WorkerReply, WorkerRequest } from './protocol';

export type CaseName =
  | 'full, empty MAL'
  | 'full, MAL matches'
  | 'incremental, 0 changes'
  | 'incremental, 1 change'
  | 'incremental, 50 changes';

export interface CaseResult {
  readonly size: number;
  /** The manga case: this many manga entries besides the `size` anime, mirrored with MIRROR_MANGA=true. */
  readonly manga?: number;
  readonly name: CaseName;
  readonly mode: string;
  readonly status: string;
  /** Requests the sandboxes answered (server side). */
  readonly anilistRequests: number;
  readonly malRequests: number;
  readonly malReads: number;
  readonly malWrites: number;
  /** The worker's own counters (client side, retries included). */
  readonly workerCounters: Record<string, number>;
  readonly s3Get: number;
  readonly s3Put: number;
  /** All S3 calls: get, put, list, delete. */
  readonly s3Total: number;
  /** MAL entries that did not match the mapping of their AniList entry before the run (absent ones included). */
  readonly differingBefore: number;
  /** … and after it: 0 when the run converged. */
  readonly differingAfter: number;
  readonly applied: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly initMs: number;
  readonly processCpuMs: number;
  readonly maxRssBytes: number;
  /** Peak RSS before the invocation: node, the bundle, the built handler. */
  readonly startRssBytes: number;
  /** The Lambda memory size the worker process played. */
  readonly memoryMb: number;
  /** Disagreements between the worker's counters and the sandboxes' (should be none). */
  readonly warnings: string[];
}

/** How the bundled worker runs in a bench case: the deployed settings, at one memory size. */
export interface WorkerRunOptions {
  readonly sizes: readonly number[];
  /** The bundled `bench/worker.ts`. */
  readonly workerFile: string;
  /** The worker's context budget: the deployed timeout. */
  readonly budgetMs: number;
  /** Env the deployed worker gets from infra that matters here (DEADLINE_SAFETY_MS, FULL_SYNC_INTERVAL_HOURS). */
  readonly deployedEnv: Readonly<Record<string, string>>;
  readonly seed: number;
  /** Node flags of the worker processes: the deployed NODE_OPTIONS, plus e.g. `--cpu-prof` when profiling. */
  readonly workerExecArgv: readonly string[];
  /** The Lambda memory size the worker processes play (their heap limits come from it). */
  readonly memoryMb: number;
  /** Only the first run ever (full, onto an empty destination): the worst case for memory. */
  readonly firstRunOnly?: boolean;
}

export interface SyncBenchOptions extends WorkerRunOptions {
  /** The manga case: this many manga entries on the list besides each size's anime, and MIRROR_MANGA=true. */
  readonly manga?: number;
  readonly onCase?: (result: CaseResult) => void;
  /** Registers cleanups so a crash or Ctrl-C closes the servers. */
  readonly onSystem?: (close: () => Promise<void>) => void;
}

const WORKER_TIMEOUT_MS = 10 * 60_000;
const WRITE_ROUTES = [
  'PATCH /v2/anime/:id/my_list_status',
  'DELETE /v2/anime/:id/my_list_status',
  'PATCH /v2/manga/:id/my_list_status',
  'DELETE /v2/manga/:id/my_list_status',
];
const LIST_ROUTES = ['GET /v2/users/@me/animelist', 'GET /v2/users/@me/mangalist'];

/** All cases for every size, each sync in a fresh worker process. */
export async function runSyncBench(options: SyncBenchOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const size of options.sizes) {
    const entries = [
      ...generateAniListEntries(size, options.seed),
      ...(options.manga ? generateAniListMangaEntries(options.manga, options.seed + 1) : []),
    ];
    const system = await startSystem(entries);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await system.close();
    };
    options.onSystem?.(close);
    try {
      for (const result of await runCases(system, size, options)) {
        results.push(result);
        options.onCase?.(result);
      }
    } finally {
      await close();
    }
  }
  return results;
}

async function startSystem(entries: readonly SandboxEntry[]): Promise<LocalSystem> {
  const local = loadConfig(localConfigSchema, {
    LOCAL_CALLBACK_PORT: '0',
    LOCAL_S3_PORT: '0',
    LOCAL_SES_PORT: '0',
    SANDBOX_ANILIST_PORT: '0',
    SANDBOX_MAL_PORT: '0',
  });
  const system = await startLocalSystem({
    local,
    // Only the sandbox wiring matters: the sync runs in the worker process, not in these handlers.
    env: { LOG_LEVEL: 'error', DESTINATIONS: 'mal' },
    sandbox: true,
    logger: silentLogger,
    anilistEntries: entries,
  });
  // As `npm run sync` does in sandbox mode: the account is authorized without the consent page.
  await system.authorizeSandboxes();
  return system;
}

async function runCases(system: LocalSystem, size: number, options: SyncBenchOptions): Promise<CaseResult[]> {
  const anilist = system.anilist!;
  const env = workerEnv(system, { ...options.deployedEnv, ...(options.manga ? { MIRROR_MANGA: 'true' } : {}) });
  const results: CaseResult[] = [];
  const run = async (name: CaseName, expectMode: 'full' | 'incremental') => {
    const result = await runCase(system, env, name, size, options);
    if (result.mode !== expectMode) {
      throw new Error(`${size} entries, ${name}: expected a ${expectMode} run, the worker ran ${result.mode}`);
    }
    if (result.status !== 'ok') throw new Error(`${size} entries, ${name}: the run ended "${result.status}"`);
    results.push(result);
  };

  // The first run ever is a full one, onto an empty MAL list.
  await run('full, empty MAL', 'full');
  if (options.firstRunOnly) return results;
  // Forget the sync state (keep the tokens): again a first full run, now onto a MAL list that matches.
  await system.store.delete(KEYS.syncState('mal'));
  await run('full, MAL matches', 'full');
  await run('incremental, 0 changes', 'incremental');

  // Edits that change what MAL must hold: a score in another MAL band, on distinct mirrored entries.
  // With manga, the edits alternate between the two lists.
  const candidates = alternate(
    anilist.store.entries().filter((e) => !e.private && !e.hiddenFromStatusLists && e.media?.idMal != null),
  );
  let next = 0;
  const edit = (count: number) => {
    if (next + count > candidates.length) throw new Error(`only ${candidates.length} entries to edit`);
    for (const entry of candidates.slice(next, next + count)) {
      const score = mapScore(entry.score) >= 5 ? 20 : 90;
      anilist.store.upsertEntry({ id: entry.id, score });
    }
    next += count;
  };
  edit(1);
  await run('incremental, 1 change', 'incremental');
  edit(50);
  await run('incremental, 50 changes', 'incremental');
  return results;
}

/**
 * The environment of the deployed worker, pointed at the loopback services: the same keys
 * `startLocalSystem` resolves in sandbox mode, pacing off, S3 through the SDK's endpoint override.
 */
export function workerEnv(system: LocalSystem, deployed: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const handlerEnv = Object.fromEntries(
    Object.entries(system.env).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  return {
    ...handlerEnv,
    PATH: process.env.PATH ?? '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: LOCAL_REGION,
    // The only credentials this run's S3 emulator accepts.
    AWS_ACCESS_KEY_ID: system.s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: system.s3.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_S3: system.urls.s3,
    AWS_EC2_METADATA_DISABLED: 'true',
    S3_FORCE_PATH_STYLE: 'true',
    LOG_LEVEL: 'warn',
    ANILIST_REQUESTS_PER_MINUTE: '0',
    MAL_REQUESTS_PER_MINUTE: '0',
    ...deployed,
  };
}

async function runCase(
  system: LocalSystem,
  env: NodeJS.ProcessEnv,
  name: CaseName,
  size: number,
  options: SyncBenchOptions,
): Promise<CaseResult> {
  const anilist = system.anilist!;
  const mal = system.mal!;
  const manga = options.manga !== undefined && options.manga > 0;
  const differingBefore = await countDiffering(system, manga);
  anilist.resetCounters();
  mal.resetCounters();
  const reply = await runWorker(options.workerFile, env, options.workerExecArgv, {
    event: {},
    budgetMs: options.budgetMs,
  });
  const anilistRequests = anilist.counters.requests;
  const malRequests = mal.counters.requests;
  const malReads = LIST_ROUTES.reduce((sum, route) => sum + (mal.counters.byRoute[route] ?? 0), 0);
  const malWrites = WRITE_ROUTES.reduce((sum, route) => sum + (mal.counters.byRoute[route] ?? 0), 0);
  const differingAfter = await countDiffering(system, manga);

  const counters = reply.counters;
  const s3 = Object.entries(counters).filter(([k]) => k.startsWith('s3_'));
  const warnings: string[] = [];
  if ((counters.anilist ?? 0) !== anilistRequests) {
    warnings.push(`worker counted ${counters.anilist ?? 0} AniList requests, the sandbox answered ${anilistRequests}`);
  }
  if ((counters.mal ?? 0) !== mal.counters.api) {
    warnings.push(`worker counted ${counters.mal ?? 0} MAL requests, the sandbox answered ${mal.counters.api}`);
  }
  const malResult = malOf(reply.result);
  return {
    size,
    ...(manga ? { manga: options.manga } : {}),
    name,
    mode: malResult.mode,
    status: String(reply.result.status),
    anilistRequests,
    malRequests,
    malReads,
    malWrites,
    workerCounters: counters,
    s3Get: counters.s3_get ?? 0,
    s3Put: counters.s3_put ?? 0,
    s3Total: s3.reduce((sum, [, n]) => sum + n, 0),
    differingBefore,
    differingAfter,
    applied: malResult.written + malResult.removed,
    wallMs: reply.wallMs,
    cpuMs: reply.cpuMs.user + reply.cpuMs.system,
    initMs: reply.initMs,
    processCpuMs: reply.processCpuMs.user + reply.processCpuMs.system,
    maxRssBytes: reply.maxRssBytes,
    startRssBytes: reply.startRssBytes,
    memoryMb: options.memoryMb,
    warnings,
  };
}

/** Forks the bundled worker with plain `node` (no tsx loader in the measured process) and waits for its reply. */
export function runWorker(
  file: string,
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[],
  request: WorkerRequest,
): Promise<Extract<WorkerReply, { ok: true }>> {
  return new Promise((resolve, reject) => {
    // execArgv replaces the parent's (tsx) flags: the measured process runs the bundle with plain node.
    const child = fork(file, [], { env, execArgv: [...execArgv], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    track(child);
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let reply: WorkerReply | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sync worker timed out after ${WORKER_TIMEOUT_MS / 1000} s\n${output}`));
    }, WORKER_TIMEOUT_MS);
    child.on('message', (message: WorkerReply) => {
      reply = message;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply?.ok) resolve(reply);
      else if (reply) reject(new Error(`sync worker failed: ${reply.error}`));
      else reject(new Error(`sync worker exited (${signal ?? code}) without a reply\n${output}`));
    });
    child.send(request);
  });
}

/**
 * How many mirrorable AniList entries MAL does not hold as the mapping rules say (missing ones
 * included), read over HTTP like the worker does, from the sandboxes' side. Independent of the
 * engine's own bookkeeping: it compares the two lists.
 */
async function countDiffering(system: LocalSystem, manga = false): Promise<number> {
  const client = createAniListClient({ url: system.urls.anilist, fetch, timeoutMs: 30_000, requestsPerMinute: 0 });
  const user = system.config.base.ANILIST_USERNAME ?? '';
  const { entries } = manga ? await client.readAll(user, { manga: true }) : await client.readAll(user);
  const differingManga = manga ? countDifferingManga(system, entries) : 0;
  return (
    differingManga +
    countDifferingAnime(
      system,
      entries.filter((e) => e.kind !== 'manga'),
    )
  );
}

function countDifferingAnime(system: LocalSystem, entries: readonly AniListEntry[]): number {
  const malById = new Map(system.mal!.state.list().map((e) => [e.animeId, e] as const));
  const seen = new Set<number>();
  let differing = 0;
  // Newest first, as the planner resolves two entries claiming one MAL id.
  for (const entry of entries) {
    const mapped = mapEntry(entry, { mirrorPrivate: false, idOverrides: new Map() });
    if (mapped.kind !== 'mapped' || seen.has(mapped.malId)) continue;
    seen.add(mapped.malId);
    if (!matches(mapped.desired, malById.get(mapped.malId))) differing++;
  }
  return differing;
}

/** The same for the manga list: mirrorable manga MAL does not hold as the mapping says. */
function countDifferingManga(system: LocalSystem, entries: readonly AniListEntry[]): number {
  const malById = new Map(system.mal!.state.mangaList().map((e) => [e.mangaId, e] as const));
  const seen = new Set<number>();
  let differing = 0;
  for (const entry of entries.filter((e) => e.kind === 'manga')) {
    const mapped = mapMangaEntry(entry, { mirrorPrivate: false, idOverrides: new Map() });
    if (mapped.kind !== 'mapped' || seen.has(mapped.malId)) continue;
    seen.add(mapped.malId);
    if (!mangaMatches(mapped.desired, malById.get(mapped.malId))) differing++;
  }
  return differing;
}

function mangaMatches(desired: DesiredMangaState, actual: MalMangaListEntry | undefined): boolean {
  if (!actual) return false;
  const s = actual.listStatus;
  return (
    s.status === desired.status &&
    s.is_rereading === desired.is_rereading &&
    s.score === desired.score &&
    s.num_chapters_read === desired.num_chapters_read &&
    s.num_volumes_read === desired.num_volumes_read &&
    s.num_times_reread === desired.num_times_reread &&
    s.comments === desired.comments &&
    (desired.start_date === undefined || (s.start_date ?? '') === desired.start_date) &&
    (desired.finish_date === undefined || (s.finish_date ?? '') === desired.finish_date)
  );
}

/** Anime and manga entries taken in turn (the anime-only list unchanged). */
function alternate(entries: readonly SandboxEntry[]): SandboxEntry[] {
  const anime = entries.filter((e) => e.media?.type !== 'MANGA');
  const manga = entries.filter((e) => e.media?.type === 'MANGA');
  if (manga.length === 0) return anime;
  const out: SandboxEntry[] = [];
  for (let i = 0; i < Math.max(anime.length, manga.length); i++) {
    if (anime[i]) out.push(anime[i]!);
    if (manga[i]) out.push(manga[i]!);
  }
  return out;
}

function matches(desired: DesiredMalState, actual: MalListEntry | undefined): boolean {
  if (!actual) return false;
  const s = actual.listStatus;
  return (
    s.status === desired.status &&
    s.is_rewatching === desired.is_rewatching &&
    s.score === desired.score &&
    s.num_episodes_watched === desired.num_watched_episodes &&
    (s.num_times_rewatched ?? 0) === desired.num_times_rewatched &&
    (s.comments ?? '') === desired.comments &&
    (desired.start_date === undefined || (s.start_date ?? '') === desired.start_date) &&
    (desired.finish_date === undefined || (s.finish_date ?? '') === desired.finish_date)
  );
}

/** The MAL section of the worker's result (these cases mirror to MAL only). */
function malOf(result: SyncWorkerResult): { mode: string; written: number; removed: number } {
  const mal = (result.destinations as Record<string, { mode: string; written: number; removed: number }>).mal;
  if (!mal) throw new Error(`the worker's result has no MAL section (status ${String(result.status)})`);
  return mal;
}
