import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import {
  describeDuration,
  estimateMsLeft,
  type ProgressListener,
  progressCadence,
  type SyncProgress,
} from '../shared/sync/progress';
import { writeControl } from '../shared/text/terminal';

/**
 * On the console, a line per 25 writes (25 s at MAL's default pace) or per 30 s, whichever comes
 * first: a long first sync visibly moves without flooding the output.
 */
export const CONSOLE_PROGRESS_CADENCE = { everyWrites: 25, everyMs: 30_000 } as const;

/** What a local command shows while a sync runs. */
export interface ProgressView {
  readonly listener: ProgressListener;
  /** A sentence for the person watching (e.g. "Stopping…"), put above the bars rather than through them. */
  note(text: string): void;
  /** Draws the bars a last time and gives the terminal back; call before printing the report. */
  stop(): void;
}

/** What a terminal stream needs to offer cli-progress (a test passes a fake one). */
export interface BarStream {
  readonly isTTY: true;
  readonly columns?: number;
  write(text: string): boolean;
}

const count = (n: number) => n.toLocaleString('en-US');

/** `50 of 1,000 written, 0 failed, 950 left`: the counts every view shows. */
export function describeCounts(p: SyncProgress): string {
  return `${count(p.applied)} of ${count(p.total)} written, ${count(p.failed)} failed, ${count(p.left)} left`;
}

/** `about 16 min left` at the slower of the configured and the seen pace, or nothing when unknown. */
export function describeTimeLeft(p: SyncProgress): string | undefined {
  const ms = estimateMsLeft(p);
  // Nothing left: the end line follows at once, and "under 1 s left" would only be noise.
  return ms === undefined || p.left === 0 ? undefined : `${describeDuration(ms)} left`;
}

/** One progress line: `MyAnimeList: 50 of 1,000 written, 0 failed, 950 left, about 16 min left`. */
export function describeProgress(p: SyncProgress): string {
  if (p.phase === 'start') {
    const ms = estimateMsLeft(p);
    const estimate = ms === undefined ? '' : `, ${describeDuration(ms)} at the configured pace`;
    return `${p.label}: ${count(p.total)} ${p.total === 1 ? 'write' : 'writes'} to make${estimate}`;
  }
  return `${p.label}: ${p.phase === 'end' ? describeEnd(p) : describeRunning(p)}`;
}

/** The counts with the time left: `50 of 1,000 written, 0 failed, 950 left, about 16 min left`. */
function describeRunning(p: SyncProgress): string {
  const timeLeft = describeTimeLeft(p);
  return `${describeCounts(p)}${timeLeft ? `, ${timeLeft}` : ''}`;
}

/** Where a destination's applying ended: done, or stopped with writes left for the next run. */
function describeEnd(p: SyncProgress): string {
  const done = `${count(p.applied)} of ${count(p.total)} written, ${count(p.failed)} failed`;
  return p.left > 0
    ? `stopped with ${done}; ${count(p.left)} not attempted (the next run makes them)`
    : `done, ${done}`;
}

/** Plain lines (no terminal control): CI, pipes, `npm start`'s console, and stderr under `--json`. */
export function lineProgress(write: (line: string) => void, cadence = CONSOLE_PROGRESS_CADENCE): ProgressView {
  const due = progressCadence(cadence);
  return {
    listener: (p) => {
      if (due(p)) write(describeProgress(p));
    },
    note: write,
    stop() {},
  };
}

/**
 * A progress bar per destination of one run (`npm run sync`), drawn by cli-progress on a terminal; a
 * long-running console prints between runs, and lines suit it better. Its control sequences go to
 * the terminal unguarded (`writeControl`): the console guard would strip them, and the bar shows only
 * our own words and numbers, never a provider's text.
 */
export function barProgress(stream: BarStream = stdoutTerminal()): ProgressView {
  const multibar = new MultiBar(
    {
      stream: stream as unknown as NodeJS.WritableStream,
      format: '{label} [{bar}] {text}',
      // Lines longer than the terminal are cut rather than the terminal's wrapping switched off: a
      // second Ctrl+C exits at once and would leave it switched off.
      linewrap: true,
      fps: 5,
      barsize: 14,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  const payload = (p: SyncProgress) => ({ label: p.label, text: barText(p) });
  return {
    listener: (p) => {
      if (p.total === 0) return;
      const key = `${p.runId} ${p.destination}`;
      const settled = p.applied + p.failed;
      const bar = bars.get(key);
      if (bar) bar.update(settled, payload(p));
      else bars.set(key, multibar.create(p.total, settled, payload(p)));
    },
    // Before the first bar nothing redraws, so the log would wait: written at once instead.
    note: (text) => {
      if (bars.size === 0) return void stream.write(`${text}\n`);
      multibar.log(`${text}\n`);
      multibar.update(); // now, not at the next redraw: stop() would drop it
    },
    stop: () => {
      if (bars.size > 0) multibar.stop();
      bars.clear();
    },
  };
}

/**
 * The words beside a bar, short enough for an 80-column terminal with the bar:
 * `50/1,000 written, 0 failed, 950 left (about 16 min)`.
 */
function barText(p: SyncProgress): string {
  const counts = `${count(p.applied)}/${count(p.total)} written, ${count(p.failed)} failed`;
  if (p.phase === 'end') return p.left > 0 ? `stopped: ${counts}, ${count(p.left)} left` : `done: ${counts}`;
  const ms = estimateMsLeft(p);
  return `${counts}, ${count(p.left)} left${ms === undefined || p.left === 0 ? '' : ` (${describeDuration(ms)})`}`;
}

/** process.stdout as cli-progress sees it, with writes that bypass the console guard. */
function stdoutTerminal(): BarStream {
  return {
    isTTY: true,
    get columns() {
      return process.stdout.columns;
    },
    write(text) {
      writeControl(text);
      return true;
    },
  };
}
