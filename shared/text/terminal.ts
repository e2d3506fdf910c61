import { printable } from './printable';

type Write = typeof process.stdout.write;
const rawWrites = new Map<NodeJS.WriteStream, Write>();

/**
 * Every local command calls this first: from then on everything the process writes to stdout and
 * stderr (console.log, reports, the JSON log lines) passes `printable`, so that a title or user name
 * from a provider cannot drive the user's terminal. One guard at the output boundary rather than at
 * each call site, so that no message can be forgotten.
 */
export function guardConsoleOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (rawWrites.has(stream)) continue;
    const raw = stream.write.bind(stream) as Write;
    rawWrites.set(stream, raw);
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      (raw as (chunk: unknown, ...rest: unknown[]) => boolean)(clean(chunk), ...rest)) as Write;
  }
}

/** Text chunks are cleaned; bytes are decoded first (as the terminal would read them). */
function clean(chunk: unknown): unknown {
  if (typeof chunk === 'string') return printable(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(printable(Buffer.from(chunk).toString('utf8')), 'utf8');
  return chunk;
}

/** A control sequence the command itself means to send (e.g. rewriting the progress line), unguarded. */
export function writeControl(sequence: string): void {
  (rawWrites.get(process.stdout) ?? process.stdout.write.bind(process.stdout))(sequence);
}
