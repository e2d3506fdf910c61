import type { WriteOutcome } from './destination';

/**
 * The throttle breaker: a destination that keeps answering "slow down" (MAL's 429 or its
 * throttling 403, Trakt's 429) stops being written to, instead of being hammered for the rest of
 * the run and again every run. Which answer is a throttle is the destination's call
 * (`WriteOutcome.throttled`); counting, pausing and backing off across runs are the core's.
 */

/** Consecutive throttled writes after which a destination stops writing for the run. */
export const THROTTLE_TRIP_AFTER = 3;

/** The most runs a throttling destination sits out in a row: 16 is 4 hours at the default 15-minute schedule. */
export const THROTTLE_MAX_SKIPPED_RUNS = 16;

/**
 * What a destination's state remembers of its throttling (absent when it is not throttling).
 * Runs are counted, not hours: the worker does not know its schedule, and a skipped run costs
 * nothing but the state read and this counter's update.
 */
export interface ThrottlePause {
  /** Runs in a row that found it throttling (1 after the first): the pause doubles with each. */
  readonly strikes: number;
  /** Runs still to skip before it is tried again. */
  readonly skipRuns: number;
  /** Epoch ms of the last run that found it throttling. */
  readonly since: number;
}

/** Counts a run's consecutive throttled writes; trips once there are enough. */
export class ThrottleBreaker {
  private consecutive = 0;
  private trippedNow = false;

  /**
   * After a pause, one throttled write trips it again (a probe): a destination that is still
   * throttling costs one request per retry, not `THROTTLE_TRIP_AFTER`.
   */
  constructor(previous: ThrottlePause | undefined) {
    this.tripAfter = previous ? 1 : THROTTLE_TRIP_AFTER;
  }

  private readonly tripAfter: number;

  get tripped(): boolean {
    return this.trippedNow;
  }

  /** Only a write that went through resets the count; a failure of another kind neither counts nor resets it. */
  record(outcome: WriteOutcome): void {
    if (outcome.result === 'applied') this.consecutive = 0;
    else if (outcome.result === 'failed' && outcome.throttled && ++this.consecutive >= this.tripAfter) {
      this.trippedNow = true;
    }
  }
}

/**
 * The pause to remember after a run that took part: a trip skips the next 1, 2, 4 … runs (up to
 * the cap); a run that applied a write ends the pause; any other run keeps the strikes, so that
 * the next trip doubles.
 */
export function pauseAfterRun(
  previous: ThrottlePause | undefined,
  run: { readonly tripped: boolean; readonly applied: number; readonly now: number },
): ThrottlePause | undefined {
  if (run.tripped) {
    const strikes = (previous?.strikes ?? 0) + 1;
    return { strikes, skipRuns: Math.min(2 ** (strikes - 1), THROTTLE_MAX_SKIPPED_RUNS), since: run.now };
  }
  if (run.applied > 0 || !previous) return undefined;
  return { ...previous, skipRuns: 0 };
}

/** The pause after a run that skipped the destination. */
export function pauseAfterSkip(pause: ThrottlePause): ThrottlePause {
  return { ...pause, skipRuns: Math.max(0, pause.skipRuns - 1) };
}
