import type { ChildProcess } from 'node:child_process';

/** Every child process the benchmark started and that may still run; killed on failure or Ctrl-C. */
const live = new Set<ChildProcess>();

export function track(child: ChildProcess): () => void {
  live.add(child);
  const untrack = () => live.delete(child);
  child.once('exit', untrack);
  return untrack;
}

export function killChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}
