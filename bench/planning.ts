import { generateAniListEntries, startAniListSandbox } from '../local/sandbox/anilist';
import { createAniListClient } from '../shared/anilist/client';
import type { AniListEntry } from '../shared/anilist/types';
import type { ComparableMalState } from '../shared/sync/mapping';
import { type Plan, type PlanInput, planSync } from '../shared/sync/planner';
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
  const options = { mirrorPrivate: false, idOverrides: new Map<number, number>(), prune: false };
  const empty: PlanInput = { entries, known: new Map(), options, fullList: { previouslyWritten: new Map() } };
  const first = measure(`planSync, ${count.toLocaleString('en-US')} entries, empty MAL`, empty, runs, count);

  // MAL already holds what the mapping produces: every entry plans as unchanged.
  const known = new Map<number, ComparableMalState>();
  const written = new Map<number, string>();
  for (const w of first.plan.writes) {
    if (w.kind !== 'update') continue;
    const d = w.desired;
    known.set(w.malId, { ...d, start_date: d.start_date ?? '', finish_date: d.finish_date ?? '' });
    written.set(w.malId, w.title);
  }
  const matching: PlanInput = { entries, known, options, fullList: { previouslyWritten: written } };

  const second = measure(`planSync, ${count.toLocaleString('en-US')} entries, MAL matches`, matching, runs, count);
  return [first.figures, second.figures];
}

function measure(
  name: string,
  input: PlanInput,
  runs: number,
  count: number,
): { figures: PlanningFigures; plan: Plan } {
  const once = () => {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const plan = planSync(input);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const used = process.cpuUsage(cpu);
    return { plan, wallMs, cpuMs: (used.user + used.system) / 1000 };
  };
  const first = once();
  for (let i = 0; i < 2; i++) once();
  const samples = Array.from({ length: runs }, once);
  const figures: PlanningFigures = {
    entries: count,
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
