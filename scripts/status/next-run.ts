/**
 * When the next scheduled sync starts, from the schedule rule's `rate(…)` expression and the last
 * run's start. An estimate: EventBridge anchors a rate to the rule's creation, not to a run, and a
 * run started by an authorization falls between ticks; "about" in the output says so.
 */

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The interval of `rate(15 minutes)` / `rate(1 hour)` in ms; undefined for `cron(…)` or anything else. */
export function parseRate(expression: string | undefined): number | undefined {
  const match = /^rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)$/.exec(expression?.trim() ?? '');
  if (!match) return undefined;
  const value = Number(match[1]);
  return value > 0 ? value * (UNIT_MS[match[2]!] ?? 0) : undefined;
}

/** `every 15 minutes`, `every hour`, `every 2 days`. */
export function describeInterval(intervalMs: number): string {
  for (const [unit, ms] of Object.entries(UNIT_MS).reverse()) {
    if (intervalMs % ms !== 0) continue;
    const n = intervalMs / ms;
    return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
  }
  return `every ${Math.round(intervalMs / 1000)} seconds`;
}

/**
 * The first tick after `now` in the series `lastRunAt + k × interval` (k ≥ 1): runs that were due
 * while nothing ran (a disabled rule, a failed invocation that left no report) are passed over.
 */
export function nextRunAt(intervalMs: number, lastRunAt: number | undefined, now: number): number | undefined {
  if (lastRunAt === undefined || !Number.isFinite(lastRunAt) || intervalMs <= 0) return undefined;
  const ticks = Math.max(1, Math.floor((now - lastRunAt) / intervalMs) + 1);
  return lastRunAt + ticks * intervalMs;
}
