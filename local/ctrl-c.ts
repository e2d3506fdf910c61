/** Exit status after Ctrl+C (128 + SIGINT, as shells report it; `npm start` uses it too). */
export const EXIT_INTERRUPTED = 130;

/**
 * One Ctrl+C can arrive twice: the terminal signals the whole process group, and `tsx` also relays
 * it to this process. A second signal this soon after the first is the same keypress (as in main.ts).
 */
export const SAME_KEYPRESS_MS = 300;

export interface CtrlCActions {
  /** First Ctrl+C: tell the run to stop at its next safe point. */
  interrupt(): void;
  /** Says so to the person who pressed it. */
  note(text: string): void;
  /** Second Ctrl+C: quit at once (never returns in the command). */
  quit(): void;
}

/**
 * `npm run sync`'s Ctrl+C (and SIGTERM): the first tells the run its time is up (it stops before its
 * next write, checkpoints and reports, and the command exits with 130); a second one quits at once.
 */
export function stopOnCtrlC(
  actions: CtrlCActions,
  signals: { on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown } = process,
  now: () => number = Date.now,
): { readonly pressed: boolean } {
  const state = { pressed: false };
  let firstAt: number | undefined;
  const stop = () => {
    if (firstAt !== undefined) {
      if (now() - firstAt >= SAME_KEYPRESS_MS) actions.quit();
      return;
    }
    firstAt = now();
    state.pressed = true;
    actions.note(
      'Stopping: the sync makes no further write, saves where it got to and prints what it did.' +
        ' Press Ctrl+C again to quit at once.',
    );
    actions.interrupt();
  };
  signals.on('SIGINT', stop);
  signals.on('SIGTERM', stop);
  return state;
}
