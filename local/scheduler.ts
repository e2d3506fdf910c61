/**
 * setInterval's limit: a longer delay (or a non-finite one) is replaced by 1 ms, so the job would
 * run back to back forever instead of, say, once a month.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Below this an interval is a units mistake (ms for minutes), not a schedule. */
export const MIN_INTERVAL_MS = 1_000;

/**
 * The local stand-in for the EventBridge schedules. Like the worker's reserved concurrency of 1,
 * a tick that arrives while the previous run is still going is skipped, never overlapped. An
 * event that must not be lost (an authorization just completed: Lambda retries a throttled async
 * invocation) asks for one more run after the current one instead; several such asks coalesce.
 */
export class IntervalScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private followUp = false;
  /** Epoch ms the timer fires next; undefined before `start` and after `stop`. */
  private nextAt: number | undefined;
  skipped = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly job: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    // Refuse rather than spin: the config validates its bounds, this guards every other caller.
    if (!Number.isFinite(intervalMs) || intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_TIMER_MS) {
      throw new RangeError(
        `IntervalScheduler: interval ${intervalMs} ms is outside ${MIN_INTERVAL_MS}..${MAX_TIMER_MS} ms`,
      );
    }
  }

  start(options: { runNow?: boolean } = {}): void {
    if (this.stopped) return;
    if (this.timer) clearInterval(this.timer);
    this.nextAt = Date.now() + this.intervalMs;
    this.timer = setInterval(() => {
      this.nextAt = Date.now() + this.intervalMs;
      void this.tick();
    }, this.intervalMs);
    this.timer.unref?.();
    if (options.runNow) void this.tick();
  }

  /**
   * When the schedule next starts a run (epoch ms), for "next run at …"; undefined when it is not
   * running. A tick in between (sync now) does not move it, as an EventBridge rate does not move.
   */
  get nextRunAt(): number | undefined {
    return this.nextAt;
  }

  /** True while a run is in progress. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Runs the job now unless a run is in progress: then a plain tick is skipped and resolves when
   * that run ends, and a `queueIfBusy` tick runs the job once more right after it (resolving when
   * that follow-up ends). After `stop()` nothing new starts: a late event must not begin a run
   * during shutdown.
   */
  tick(options: { queueIfBusy?: boolean } = {}): Promise<void> {
    if (this.running) {
      if (!options.queueIfBusy) {
        this.skipped++;
        return this.running;
      }
      this.followUp = true;
      return this.running.then(() => this.running ?? Promise.resolve());
    }
    if (this.stopped) return Promise.resolve();
    this.running = Promise.resolve()
      .then(this.job)
      .then(
        () => undefined,
        (err: unknown) => this.onError(err),
      )
      .finally(() => {
        this.running = undefined;
        if (this.followUp) {
          this.followUp = false;
          void this.tick();
        }
      });
    return this.running;
  }

  /** No more runs start; resolves when the run in progress (if any) ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.nextAt = undefined;
    await this.running;
  }
}
