import { IntervalScheduler } from '../../../local/scheduler';

/** Lets the scheduler's promise chains (a run starting, ending, a follow-up starting) move on. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A job whose runs the test finishes one by one. */
function controlledJob() {
  const finishers: (() => void)[] = [];
  let started = 0;
  const job = () =>
    new Promise<void>((resolve) => {
      started++;
      finishers.push(resolve);
    });
  const finishNext = async () => {
    finishers.shift()?.();
    await settle();
  };
  return { job, finishNext, started: () => started };
}

describe('the local schedule (IntervalScheduler)', () => {
  test('a plain tick during a run is skipped, never overlapped', async () => {
    const { job, finishNext, started } = controlledJob();
    const scheduler = new IntervalScheduler(60_000, job);
    void scheduler.tick();
    void scheduler.tick();
    await settle();
    expect(started()).toBe(1);
    expect(scheduler.skipped).toBe(1);
    await finishNext();
    expect(scheduler.busy).toBe(false);
    expect(started()).toBe(1);
    await scheduler.stop();
  });

  test('an authorization during a run gets its own run right after, and several coalesce into one', async () => {
    const { job, finishNext, started } = controlledJob();
    const scheduler = new IntervalScheduler(60_000, job);
    void scheduler.tick();
    const first = scheduler.tick({ queueIfBusy: true });
    const second = scheduler.tick({ queueIfBusy: true });
    await settle();
    expect(started()).toBe(1);
    await finishNext();
    // The follow-up started as soon as the run ended, and only one.
    expect(started()).toBe(2);
    expect(scheduler.busy).toBe(true);
    let resolved = false;
    void Promise.all([first, second]).then(() => {
      resolved = true;
    });
    await settle();
    expect(resolved).toBe(false); // the asks resolve when their run ends, not before
    await finishNext();
    expect(resolved).toBe(true);
    expect(started()).toBe(2);
    await scheduler.stop();
  });

  test('after stop() no follow-up starts', async () => {
    const { job, finishNext, started } = controlledJob();
    const scheduler = new IntervalScheduler(60_000, job);
    void scheduler.tick();
    void scheduler.tick({ queueIfBusy: true });
    await settle();
    const stopped = scheduler.stop();
    await finishNext();
    await stopped;
    expect(started()).toBe(1);
  });
});
