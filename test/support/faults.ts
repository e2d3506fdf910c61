import { createAwsPlatform } from '../../lambdas/runtime';
import { buildSyncWorkerDeps } from '../../lambdas/sync-worker/handler';
import { seededRandom } from '../../local/sandbox/anilist';
import type { MalFaultRoute, MalFaultSpec, MalListEntryInput, MalSandbox } from '../../local/sandbox/mal/server';
import type { LocalSystem } from '../../local/system';
import { type Clock, systemClock } from '../../shared/clock';
import type { SyncBaseConfig } from '../../shared/config';
import type { WorkerConfig } from '../../shared/destinations';
import { diffFields, mapEntry, toComparable } from '../../shared/destinations/mal/mapping';
import type { EventPublisher } from '../../shared/events';
import { RequestCounters } from '../../shared/http/counters';
import { type Logger, silentLogger } from '../../shared/log';
import { MemoryStore } from '../../shared/store/memory-store';
import type { ObjectStore } from '../../shared/store/store';
import { type RunOptions, runSync } from '../../shared/sync/engine';
import type { RunReport } from '../../shared/sync/report';
import { malListStatusFor, readAniList, sandboxMalMapping } from './expectations';

export const PATCH_ROUTE = 'PATCH /v2/anime/:id/my_list_status';

/** Successful + failed PATCH attempts the MAL sandbox received (its own counter, not the client's). */
export function patchCount(system: LocalSystem): number {
  return system.mal!.counters.byRoute[PATCH_ROUTE] ?? 0;
}

/**
 * The oracle for "what must be written": MAL ids whose sandbox MAL entry differs from what the
 * mapping rules require for the AniList entry (read over HTTP, like the worker). Each must cost
 * exactly one successful PATCH.
 */
export async function differingMalIds(system: LocalSystem): Promise<number[]> {
  const ids: number[] = [];
  const entries = await readAniList(system);
  const mapping = await sandboxMalMapping(entries);
  for (const entry of entries) {
    const mapped = mapEntry(entry, mapping);
    if (mapped.kind !== 'mapped') continue;
    const actual = system.mal!.state.getEntry(mapped.malId);
    const current = actual ? toComparable(actual.listStatus) : undefined;
    if (Object.keys(diffFields(mapped.desired, current)).length > 0) ids.push(mapped.malId);
  }
  return ids.sort((a, b) => a - b);
}

/**
 * Puts onto the sandbox MAL list exactly what the mapping rules require for every mappable AniList
 * entry except the `leaveOut` first ones: a big list that already matches costs no writes, so a
 * test can use 500+ AniList entries and still only write a few.
 */
export async function preMirrorOntoMal(system: LocalSystem, leaveOut = 0): Promise<void> {
  const seeds: MalListEntryInput[] = [];
  let skipped = 0;
  const entries = await readAniList(system);
  const mapping = await sandboxMalMapping(entries);
  for (const entry of entries) {
    const mapped = mapEntry(entry, mapping);
    if (mapped.kind !== 'mapped') continue;
    if (skipped++ < leaveOut) continue;
    seeds.push({ animeId: mapped.malId, listStatus: malListStatusFor(mapped.desired) });
  }
  system.mal!.state.setList(seeds);
}

const ROUTE_MATCHERS: Partial<Record<MalFaultRoute, (method: string, path: string) => boolean>> = {
  write: (method, path) => method === 'PATCH' && /\/v2\/anime\/\d+\/my_list_status$/.test(path),
  list: (method, path) => method === 'GET' && path.endsWith('/v2/users/@me/animelist'),
  token: (method, path) => method === 'POST' && path.endsWith('/v1/oauth2/token'),
};

export interface SeededMalFaults {
  /** A `fetch` for the worker: before a matching request, it may queue one sandbox fault for exactly that request. */
  readonly fetch: typeof fetch;
  /** The faults queued so far, in order (each was consumed by the request it was queued for). */
  readonly injected: MalFaultSpec[];
}

/**
 * Deterministic "random" faults served by the MAL sandbox itself: for each request on `route`,
 * a PRNG seeded with `seed` decides whether the sandbox answers it with one of `kinds`. The client
 * sends requests one at a time, so a fault queued just before a request is the one it meets.
 */
export function seededMalFaults(
  mal: MalSandbox,
  options: {
    readonly seed: number;
    readonly route: 'write' | 'list' | 'token';
    /** Chance that a matching request fails. */
    readonly rate: number;
    /** No more faults than this in total (keeps the suite fast). */
    readonly max: number;
    readonly kinds: readonly Omit<MalFaultSpec, 'route' | 'times'>[];
    readonly fetch?: typeof fetch;
  },
): SeededMalFaults {
  const random = seededRandom(options.seed);
  const matches = ROUTE_MATCHERS[options.route]!;
  const base = options.fetch ?? globalThis.fetch;
  const injected: MalFaultSpec[] = [];
  const wrapped = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    if (url.origin === mal.url && matches(method, url.pathname)) {
      // Two draws per request whatever the outcome, so a schedule depends on the seed alone.
      const roll = random();
      const pick = options.kinds[Math.floor(random() * options.kinds.length)]!;
      if (roll < options.rate && injected.length < options.max) {
        const spec: MalFaultSpec = { ...pick, route: options.route, times: 1 };
        mal.faults.inject(spec);
        injected.push(spec);
      }
    }
    return base(input, init);
  }) as typeof fetch;
  return { fetch: wrapped, injected };
}

export interface TestWorker {
  /** One sync run with the real AniList and MAL clients over HTTP; always returns the report. */
  run(options?: RunOptions): Promise<RunReport>;
  readonly reports: RunReport[];
  readonly store: ObjectStore;
  readonly clock: Clock;
}

/**
 * The sync worker exactly as `buildSyncWorkerDeps` wires it in AWS (real AniList and MAL clients,
 * token provider, retry policies), aimed at a running local system's sandboxes, but with the
 * store, `fetch`, clock and settings a fault test needs.
 */
export async function buildWorker(
  system: LocalSystem,
  options: {
    readonly store?: ObjectStore;
    readonly fetch?: typeof fetch;
    readonly clock?: Clock;
    readonly events?: EventPublisher;
    /** Default: silent. */
    readonly logger?: Logger;
    /** Common settings (the worker's `base`) to change for this worker. */
    readonly config?: Partial<SyncBaseConfig>;
  } = {},
): Promise<TestWorker> {
  const config: WorkerConfig = { ...system.config, base: { ...system.config.base, ...options.config } };
  const clock = options.clock ?? systemClock;
  const store = options.store ?? system.store;
  const platform = createAwsPlatform(config.base, {
    store,
    events: options.events ?? system.bus,
    fetch: options.fetch ?? globalThis.fetch,
    clock,
    logger: options.logger ?? silentLogger,
    counters: new RequestCounters(),
    readParameter: async (name) => {
      throw new Error(`no SSM in tests (${name})`);
    },
  });
  const deps = await buildSyncWorkerDeps(config, platform);
  const reports: RunReport[] = [];
  return {
    reports,
    store,
    clock,
    async run(runOptions = {}) {
      platform.counters.reset();
      const report = await runSync(deps.sync, deps.settings, runOptions);
      reports.push(report);
      return report;
    },
  };
}

/** A MemoryStore holding a copy of every object in `from` (tokens, sync state, pending links). */
export async function memoryCopyOf(from: ObjectStore): Promise<MemoryStore> {
  const copy = new MemoryStore();
  for (const key of await from.list('')) {
    const obj = await from.get(key);
    if (obj) copy.objects.set(key, obj);
  }
  return copy;
}

/** Thrown by store hooks to play an S3 outage. */
export class InjectedStoreError extends Error {
  readonly code = 'store_error';
  constructor(key: string) {
    super(`injected S3 failure writing ${key} (HTTP 500 InternalError)`);
  }
}

/** A promise that never settles: the process "dies" at this point and never runs another line. */
export function killed(): Promise<never> {
  return new Promise<never>(() => {});
}
