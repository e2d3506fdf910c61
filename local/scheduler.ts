/**
 * The local stand-in for the EventBridge schedules. Like the worker's reserved concurrency of 1,
 * a tick that arrives while the previous run is still going is skipped, never overlapped.
 */
export class IntervalScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  skipped = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly job: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(options: { runNow?: boolean } = {}): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref?.();
    if (options.runNow) void this.tick();
  }

  /** Runs the job now unless a run is in progress; resolves when this tick's run ends. */
  tick(): Promise<void> {
    if (this.running) {
      this.skipped++;
      return this.running;
    }
    this.running = Promise.resolve()
      .then(this.job)
      .then(
        () => undefined,
        (err: unknown) => this.onError(err),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
