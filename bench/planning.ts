import { generateAniListEntries, startAniListSandbox } from '../local/sandbox/anilist';
import { createAniListClient } from '../shared/anilist/client';
import type { AniListEntry } from '../shared/anilist/types';
import { applyFields, type ComparableMalState, type MappingOptions } from '../shared/destinations/mal/mapping';
import { type MalPlan, type MalUpdatePayload, malKey, planMal } from '../shared/destinations/mal/planner';
import { median } from './stats';

export interface PlanningFigures {
  readonly entries: number;
  readonly name: string;
  /** Writes the plan holds (all mirrorable entries on an empty MAL list, none on a matching one). */
  readonly writes: number;
  /** CPU of the very first call in this process (cold JIT). */
  readonly firstCpuMs: number;
  readonly medianCpuMs: number;
  readonly medianWallMs: number;
  readonly samplesCpuMs: number[];
}

/**
 * CPU time of `planSync` alone (in this process; the first call is the cold one) for a generated list, on its input as a full run builds it: the
 * entries as the AniList client parses them (read once from a sandbox), MAL's list as known state.
 */
export async function benchPlanning(count: number, seed: number, runs: number): Promise<PlanningFigures[]> {
  const entries = await readGenerated(count, seed);
  const options: MappingOptions = { mirrorPrivate: false, idOverrides: new Map<number, number>() };
  const first = measure(
    `planMal, ${count.toLocaleString('en-US')} entries, empty MAL`,
    entries,
    new Map(),
    options,
    runs,
  );

  // MAL already holds what the mapping produces: every entry plans as unchanged.
  const known = new Map<string, ComparableMalState>();
  for (const w of first.plan.writes) {
    const { malId, fields } = w.payload as MalUpdatePayload;
    known.set(malKey(malId), applyFields(undefined, fields));
  }
  const second = measure(
    `planMal, ${count.toLocaleString('en-US')} entries, MAL matches`,
    entries,
    known,
    options,
    runs,
  );
  return [first.figures, second.figures];
}

function measure(
  name: string,
  entries: readonly AniListEntry[],
  known: ReadonlyMap<string, ComparableMalState>,
  options: MappingOptions,
  runs: number,
): { figures: PlanningFigures; plan: MalPlan } {
  const once = () => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const plan = planMal(entries, known, options);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const used = process.cpuUsage(cpu);
    return { plan, wallMs, cpuMs: (used.user + used.system) / 1000 };
  };
  const first = once();
  for (let i = 0; i < 2; i++) once();
  const samples = Array.from({ length: runs }, once);
  const figures: PlanningFigures = {
    entries: entries.length,
    name,
    writes: first.plan.writes.length,
    firstCpuMs: first.cpuMs,
    medianCpuMs: median(samples.map((s) => s.cpuMs)),
    medianWallMs: median(samples.map((s) => s.wallMs)),
    samplesCpuMs: samples.map((s) => s.cpuMs),
  };
  return { figures, plan: first.plan };
}

async function readGenerated(count: number, seed: number): Promise<AniListEntry[]> {
  const sandbox = await startAniListSandbox({ entries: generateAniListEntries(count, seed) });
  try {
    const client = createAniListClient({ url: sandbox.url, fetch, timeoutMs: 30_000, requestsPerMinute: 0 });
    return (await client.readAll(sandbox.store.user.name)).entries;
  } finally {
    await sandbox.close();
  }
}
