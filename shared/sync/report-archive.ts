import { describeError, redactSecrets } from '../errors';
import type { Logger } from '../log';
import { KEYS, type ObjectStore } from '../store/store';
import type { RunReport } from './report';

/**
 * The worker keeps each run's report in the state bucket (`KEYS.runReport`, expiring), so that
 * `npm run status` can show the last runs without reading logs. A dry run writes nothing, so it
 * leaves no report either.
 */

/**
 * Saves the report of a run; returns its key, or undefined when nothing was saved. Never throws: the
 * report is a record of the run, and failing to keep it must not fail the run (a warning says so).
 */
export async function saveRunReport(
  store: ObjectStore,
  report: RunReport,
  logger: Logger,
): Promise<string | undefined> {
  if (report.dryRun) return undefined;
  const key = KEYS.runReport(report.startedAt, report.runId);
  try {
    await store.put(key, serializeReport(report));
    return key;
  } catch (err) {
    logger.warn('run report not saved; the run itself is unaffected', {
      runId: report.runId,
      key,
      error: describeError(err),
    });
    return undefined;
  }
}

/**
 * The report as stored: JSON whose every text passes `redactSecrets`. Reports hold no secret by
 * construction; this keeps it so should an error message ever quote one.
 */
export function serializeReport(report: RunReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'string' ? redactSecrets(value) : value));
}

export type StoredRunReport =
  | { readonly key: string; readonly report: RunReport }
  /** The object could not be read as a report (not JSON, or not a report's shape). */
  | { readonly key: string; readonly problem: string };

/** The `limit` newest stored reports, newest first (keys sort by the run's start time). */
export async function listRunReports(store: ObjectStore, limit: number): Promise<StoredRunReport[]> {
  const keys = (await store.list(KEYS.runReportPrefix)).filter((k) => k.endsWith('.json'));
  const newest = keys.slice(-limit).reverse();
  return Promise.all(newest.map((key) => readRunReport(store, key)));
}

async function readRunReport(store: ObjectStore, key: string): Promise<StoredRunReport> {
  const obj = await store.get(key);
  // Expired between the listing and the read.
  if (!obj) return { key, problem: 'expired while being read' };
  let json: unknown;
  try {
    json = JSON.parse(obj.body);
  } catch {
    return { key, problem: 'not JSON' };
  }
  return looksLikeReport(json) ? { key, report: json } : { key, problem: 'not a run report' };
}

/** Enough of a report's shape for a reader that treats every later-added field as optional. */
function looksLikeReport(json: unknown): json is RunReport {
  if (!json || typeof json !== 'object') return false;
  const r = json as Partial<Record<keyof RunReport, unknown>>;
  return (
    typeof r.runId === 'string' &&
    typeof r.startedAt === 'string' &&
    typeof r.status === 'string' &&
    Array.isArray(r.destinations)
  );
}
