import { IntervalScheduler } from '../../../local/scheduler';

/** "Next run at …" on the dashboard comes from the schedule's own timer. */
describe('the local schedule says when it runs next (nextRunAt)', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 0, 5, 10, 0) }));
  afterEach(() => jest.useRealTimers());

  test('one interval after start, then one interval after each timed run; nothing once stopped', async () => {
    const minute = 60_000;
    const scheduler = new IntervalScheduler(15 * minute, async () => {});
    expect(scheduler.nextRunAt).toBeUndefined();
    scheduler.start();
    expect(scheduler.nextRunAt).toBe(Date.UTC(2026, 0, 5, 10, 15));

    await jest.advanceTimersByTimeAsync(15 * minute);
    expect(scheduler.nextRunAt).toBe(Date.UTC(2026, 0, 5, 10, 30));

    // "Sync now" does not move the schedule.
    await scheduler.tick();
    expect(scheduler.nextRunAt).toBe(Date.UTC(2026, 0, 5, 10, 30));

    await scheduler.stop();
    expect(scheduler.nextRunAt).toBeUndefined();
  });
});
