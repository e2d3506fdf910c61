import { EventEmitter } from 'node:events';
import { stopOnCtrlC } from '../../../local/ctrl-c';

describe("npm run sync's Ctrl+C", () => {
  function press() {
    const signals = new EventEmitter();
    let clock = 1_000;
    const done: string[] = [];
    const state = stopOnCtrlC(
      {
        interrupt: () => done.push('interrupt'),
        note: (text) => done.push(`note: ${text}`),
        quit: () => done.push('quit'),
      },
      signals,
      () => clock,
    );
    return {
      state,
      done,
      at(ms: number, signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
        clock = 1_000 + ms;
        signals.emit(signal);
      },
    };
  }

  test('the first press tells the run to stop and says how to quit at once; it does not quit', () => {
    const keys = press();
    expect(keys.state.pressed).toBe(false);
    keys.at(0);
    expect(keys.state.pressed).toBe(true);
    expect(keys.done).toEqual([
      'note: Stopping: the sync makes no further write, saves where it got to and prints what it did. Press Ctrl+C again to quit at once.',
      'interrupt',
    ]);
  });

  test('the same keypress arriving twice (terminal and tsx) does not quit; a second press does', () => {
    const keys = press();
    keys.at(0);
    keys.at(30);
    expect(keys.done).not.toContain('quit');
    keys.at(1_500);
    expect(keys.done.filter((d) => d === 'interrupt' || d === 'quit')).toEqual(['interrupt', 'quit']);
  });

  test('SIGTERM stops the run the same way', () => {
    const keys = press();
    keys.at(0, 'SIGTERM');
    expect(keys.done).toContain('interrupt');
  });
});
