import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A deterministic scheduler for concurrent async actors. Instrumented code (e.g. MemoryStore hooks)
 * calls `point(label)`; the calling actor parks there until the schedule picks it. Between two
 * points an actor runs alone, so every interleaving of the points can be produced on purpose.
 * Actors are told apart with AsyncLocalStorage; code outside `run` passes points untouched.
 * An actor that reaches several points at once (e.g. `Promise.all` of two reads) parks once for all
 * of them, and letting it through releases them together, as the code issued them together.
 */
export class Interleaving {
  private readonly als = new AsyncLocalStorage<string>();
  private readonly parked = new Map<string, { resumes: (() => void)[]; labels: string[] }>();
  private readonly finished = new Set<string>();
  private wake: (() => void) | undefined;
  /** The points in the order they were let through, e.g. `callback:put auth/tokens.json`. */
  readonly trace: string[] = [];

  async point(label: string): Promise<void> {
    const actor = this.als.getStore();
    if (actor === undefined) return;
    await new Promise<void>((resume) => {
      const at = this.parked.get(actor);
      if (at) {
        at.resumes.push(resume);
        at.labels.push(label);
      } else {
        this.parked.set(actor, { resumes: [resume], labels: [label] });
      }
      this.wake?.();
    });
  }

  /**
   * Starts every actor, then repeatedly waits until each one is parked or finished and lets one
   * parked actor through: `choose` picks among the parked ones (sorted by name) when there is a choice.
   */
  async run(
    actors: Record<string, () => Promise<unknown>>,
    choose: (parked: readonly string[]) => string,
  ): Promise<Record<string, PromiseSettledResult<unknown>>> {
    const names = Object.keys(actors);
    const results: Record<string, PromiseSettledResult<unknown>> = {};
    for (const name of names) {
      this.als
        .run(name, () => actors[name]!())
        .then(
          (value) => {
            results[name] = { status: 'fulfilled', value };
          },
          (reason: unknown) => {
            results[name] = { status: 'rejected', reason };
          },
        )
        .finally(() => {
          this.finished.add(name);
          this.wake?.();
        });
    }
    for (;;) {
      while (names.some((n) => !this.parked.has(n) && !this.finished.has(n))) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
      if (this.parked.size === 0) return results;
      const options = [...this.parked.keys()].sort();
      const pick = options.length === 1 ? options[0]! : choose(options);
      const parked = this.parked.get(pick);
      if (!parked) throw new Error(`schedule picked "${pick}", which is not parked (${options.join(', ')})`);
      this.parked.delete(pick);
      this.trace.push(`${pick}:${parked.labels.join(' + ')}`);
      for (const resume of parked.resumes) resume();
    }
  }
}

/**
 * Runs `scenario` once per distinct schedule (depth-first over every choice point), up to `limit`
 * schedules. The scenario must be deterministic given its choices; replays are checked.
 * Returns how many schedules ran.
 */
export async function forEachSchedule(
  scenario: (choose: (parked: readonly string[]) => string) => Promise<void>,
  limit = 10_000,
): Promise<number> {
  const path: { index: number; count: number }[] = [];
  let schedules = 0;
  do {
    let depth = 0;
    await scenario((parked) => {
      const step = path[depth];
      if (step) {
        if (step.count !== parked.length) {
          throw new Error(
            `scenario is not deterministic: ${parked.length} choices at step ${depth}, ${step.count} before`,
          );
        }
        depth++;
        return parked[step.index]!;
      }
      path.push({ index: 0, count: parked.length });
      depth++;
      return parked[0]!;
    });
    schedules++;
    if (schedules >= limit) throw new Error(`more than ${limit} schedules`);
    while (path.length > 0 && path.at(-1)!.index + 1 >= path.at(-1)!.count) path.pop();
    if (path.length > 0) path.at(-1)!.index++;
  } while (path.length > 0);
  return schedules;
}
