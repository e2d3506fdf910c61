/**
 * Live progress of a sync run, as it happens: the core calls `SyncDeps.onProgress` (when given) as
 * each destination's writes settle, and the runtimes show it (a progress bar on a terminal, a line
 * every few writes otherwise, a structured log line in the Lambda). Listeners must not throw: the
 * core ignores what they return and catches what they throw.
 */
export interface SyncProgress {
  readonly runId: string;
  /** Destination key (`mal`, `trakt`) and the name a person knows it by. */
  readonly destination: string;
  readonly label: string;
  /**
   * `start`: the plan is known, before the first write (sent also when there is nothing to write);
   * `write`: after each settled write; `end`: applying stopped (finished, or stopped early).
   */
  readonly phase: 'start' | 'write' | 'end';
  /** Writes planned this run (puts and removals). */
  readonly total: number;
  readonly applied: number;
  readonly failed: number;
  /** Writes not settled yet (at `end`: the ones never attempted, which wait for the next run). */
  readonly left: number;
  /** The destination's configured pace between writes, in ms, when it paces them (MAL: 60000 / requests per minute). */
  readonly paceMs?: number;
  /** Epoch ms when this destination's applying started, and of this event. */
  readonly startedAt: number;
  readonly at: number;
}

export type ProgressListener = (progress: SyncProgress) => void;

/**
 * Estimated ms until the writes left are done: the slower of the configured pace and the pace seen
 * so far (retries and slow answers make the real pace slower than the configured one). Undefined
 * when nothing is known yet to estimate from.
 */
export function estimateMsLeft(p: SyncProgress): number | undefined {
  if (p.left === 0) return 0;
  const settled = p.applied + p.failed;
  const seen = settled > 0 ? (p.at - p.startedAt) / settled : undefined;
  const pace = Math.max(p.paceMs ?? 0, seen ?? 0);
  return pace > 0 ? Math.round(pace * p.left) : undefined;
}

/** `about 16 min`, `about 40 s`, `under 1 s`: an estimate in words a person reads at a glance. */
export function describeDuration(ms: number): string {
  if (ms < 1_000) return 'under 1 s';
  if (ms < 60_000) return `about ${Math.round(ms / 1_000)} s`;
  if (ms < 3_600_000) return `about ${Math.round(ms / 60_000)} min`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.round((ms % 3_600_000) / 60_000);
  return `about ${hours} h${minutes ? ` ${minutes} min` : ''}`;
}

/** How often a stream of progress events is worth showing: every so many writes, and at least every so many ms. */
export interface ProgressCadence {
  readonly everyWrites: number;
  readonly everyMs: number;
}

/**
 * Decides which progress events to show: each destination's `start` and `end`, and a `write` once
 * `everyWrites` more writes have settled or `everyMs` has passed since the last one shown. A
 * destination with nothing to write is not shown at all (an incremental run with no change every
 * 15 minutes would otherwise print two empty lines each time).
 */
export function progressCadence(cadence: ProgressCadence): (p: SyncProgress) => boolean {
  const lastShown = new Map<string, { settled: number; at: number }>();
  return (p) => {
    if (p.total === 0) return false;
    const key = `${p.runId} ${p.destination}`;
    const settled = p.applied + p.failed;
    if (p.phase === 'end') {
      lastShown.delete(key);
      return true;
    }
    const last = lastShown.get(key);
    const due =
      p.phase === 'start' ||
      !last ||
      settled - last.settled >= cadence.everyWrites ||
      p.at - last.at >= cadence.everyMs;
    if (due) lastShown.set(key, { settled, at: p.at });
    return due;
  };
}
