import { KB, MB } from './stats';

export type Align = 'left' | 'right';

/** One line of the Targets table. */
export interface TargetRow {
  readonly target: string;
  readonly measured: string;
  /** undefined: not measured in this mode. */
  readonly pass: boolean | undefined;
}

/** A plain aligned text table: header, a rule, rows. Columns are left-aligned unless told otherwise. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${value.toFixed(value >= 100 ? 0 : 1)} ms`;
}

export function duration(valueMs: number): string {
  if (!Number.isFinite(valueMs)) return '—';
  const minutes = Math.round(valueMs / 60_000);
  if (minutes < 1) return `${Math.ceil(valueMs / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

export function kb(bytes: number): string {
  return `${(bytes / KB).toFixed(1)} KB`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
