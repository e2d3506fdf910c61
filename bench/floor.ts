import type { CaseResult } from './sync-cases';

export interface FloorSettings {
  /** The real services' pacing the deployed worker uses (shared/config.ts defaults). */
  readonly anilistRequestsPerMinute: number;
  readonly malRequestsPerMinute: number;
  /** The deployed worker's Lambda timeout (infra: workerTimeoutMinutes(syncIntervalMinutes)). */
  readonly workerTimeoutMs: number;
  /** The run stops starting writes this long before the deadline (DEADLINE_SAFETY_MS). */
  readonly deadlineSafetyMs: number;
  readonly syncIntervalMinutes: number;
}

export interface FloorFigures {
  readonly size: number;
  readonly anilistRequests: number;
  readonly malReads: number;
  readonly malWrites: number;
  /** Pacing alone, one run: AniList's requests then MAL's, each pacer letting its first request through at once. */
  readonly floorMs: number;
  /** ceil(floor / (timeout − safety)). */
  readonly runs: number;
  /**
   * Runs when every continuation run, being a full run again (`fullSyncPending`), re-reads both
   * lists first (MAL's as long as the "MAL matches" case measured).
   */
  readonly runsWithRereads: number;
  /** From the first scheduled run to the end of the last one: (runs − 1) × interval + the last run. */
  readonly calendarMs: number;
}

/**
 * The minimum wall time a real first sync of each size needs at the services' pacing, from the
 * request counts measured against the sandboxes, and how the schedule spreads it over runs.
 */
export function apiFloor(results: readonly CaseResult[], settings: FloorSettings): FloorFigures[] {
  const anilistGap = 60_000 / settings.anilistRequestsPerMinute;
  const malGap = 60_000 / settings.malRequestsPerMinute;
  const usable = settings.workerTimeoutMs - settings.deadlineSafetyMs;
  const paced = (requests: number, gap: number) => Math.max(0, requests - 1) * gap;
  const figures: FloorFigures[] = [];
  for (const first of results.filter((r) => r.name === 'full, empty MAL')) {
    const rerun = results.find((r) => r.size === first.size && r.name === 'full, MAL matches');
    const floorMs = paced(first.anilistRequests, anilistGap) + paced(first.malReads + first.malWrites, malGap);
    const runs = Math.max(1, Math.ceil(floorMs / usable));

    // Each run: AniList read, MAL list read, then as many writes as fit before the safety margin.
    const reread = paced(first.anilistRequests, anilistGap);
    const malListReads = Math.max(first.malReads, rerun?.malReads ?? 0);
    const writesPerRun = Math.floor((usable - reread) / malGap) - malListReads + 1;
    let runsWithRereads = Number.POSITIVE_INFINITY;
    let lastRunMs = Number.NaN;
    if (writesPerRun > 0) {
      runsWithRereads = Math.max(1, Math.ceil(first.malWrites / writesPerRun));
      const lastWrites = first.malWrites - (runsWithRereads - 1) * writesPerRun;
      lastRunMs = reread + paced(malListReads + lastWrites, malGap);
    }
    figures.push({
      size: first.size,
      anilistRequests: first.anilistRequests,
      malReads: first.malReads,
      malWrites: first.malWrites,
      floorMs,
      runs,
      runsWithRereads,
      calendarMs: (runsWithRereads - 1) * settings.syncIntervalMinutes * 60_000 + lastRunMs,
    });
  }
  return figures;
}
