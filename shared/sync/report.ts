import type { ReauthReason } from '../events';
import type { MalWriteFields } from '../mal/types';
import type { SkipReason } from './mapping';

export interface RunReport {
  runId: string;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  anilistUser: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  status: 'ok' | 'partial' | 'reauth_required' | 'failed' | 'dry_run';
  /** AniList entries read this run. */
  fetched: number;
  planned: { updates: number; deletes: number };
  applied: { updated: number; deleted: number };
  unchanged: number;
  writes: { kind: 'update' | 'delete'; malId: number; title: string; fields: MalWriteFields; reasons: string[] }[];
  skipped: { anilistEntryId: number; mediaId: number; title: string; reason: SkipReason; detail: string }[];
  partialDates: { malId: number; title: string; field: 'start_date' | 'finish_date' }[];
  failures: { malId: number; title: string; error: string; permanent: boolean }[];
  /** Entries mirrored earlier but deleted on AniList, left alone because PRUNE is off. */
  orphans: { malId: number; title: string }[];
  pruneRefused?: string;
  retryQueue: number;
  stoppedEarly: boolean;
  watermark: { before: number; after: number };
  requests: Record<string, number>;
  backupKey?: string;
  reauthReason?: ReauthReason;
  error?: string;
}

const SKIP_LABELS: Record<SkipReason, string> = {
  no_mal_id: 'no MAL id',
  private: 'private',
  unknown_status: 'unknown status',
  invalid_entry: 'invalid data',
  duplicate_mal_id: 'duplicate MAL id',
};

/** A readable, plain-words summary of one run for the console. */
export function formatReport(report: RunReport, options: { maxLines?: number } = {}): string {
  const maxLines = options.maxLines ?? 20;
  const lines: string[] = [];
  const headline: Record<RunReport['status'], string> = {
    ok: 'Sync finished',
    partial: 'Sync finished with work left for the next run',
    reauth_required:
      report.reauthReason === 'no_tokens'
        ? 'Sync paused: MyAnimeList needs your authorization (check your inbox)'
        : 'Sync paused: MyAnimeList needs you to authorize again (check your inbox)',
    failed: 'Sync failed',
    dry_run: 'Dry run: nothing was written',
  };
  lines.push(
    `${headline[report.status]} — ${report.mode} run for AniList user "${report.anilistUser}" in ${seconds(report.durationMs)}`,
  );
  if (report.error) lines.push(`  error: ${report.error}`);
  const verb = report.dryRun ? 'would write' : 'written';
  lines.push(
    `  AniList entries read: ${report.fetched} · unchanged: ${report.unchanged} · ${verb}: ${
      report.dryRun ? report.planned.updates : report.applied.updated
    }${report.planned.deletes ? ` · removals: ${report.dryRun ? report.planned.deletes : report.applied.deleted}` : ''}`,
  );
  const shown = report.writes.slice(0, maxLines);
  for (const w of shown)
    lines.push(`    ${w.kind === 'delete' ? '−' : '•'} ${w.title} (MAL ${w.malId}): ${w.reasons.join(', ')}`);
  if (report.writes.length > shown.length) lines.push(`    … and ${report.writes.length - shown.length} more`);
  if (report.skipped.length) {
    const counts = new Map<string, number>();
    for (const s of report.skipped) counts.set(SKIP_LABELS[s.reason], (counts.get(SKIP_LABELS[s.reason]) ?? 0) + 1);
    lines.push(`  skipped: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`);
    for (const s of report.skipped.slice(0, maxLines)) lines.push(`    ◦ ${s.title}: ${s.detail}`);
  }
  if (report.partialDates.length) {
    lines.push(`  partial dates left unchanged on MAL: ${report.partialDates.length}`);
    for (const p of report.partialDates.slice(0, maxLines)) {
      lines.push(`    ◦ ${p.title}: ${p.field === 'start_date' ? 'start' : 'finish'} date is incomplete on AniList`);
    }
  }
  if (report.failures.length) {
    lines.push(`  failed writes: ${report.failures.length} (kept for the next run: ${report.retryQueue})`);
    for (const f of report.failures.slice(0, maxLines)) {
      lines.push(`    ✗ ${f.title} (MAL ${f.malId}): ${f.error}${f.permanent ? ' [rejected by MAL]' : ''}`);
    }
  }
  if (report.orphans.length) {
    lines.push(
      `  ${report.orphans.length} MAL entries were deleted on AniList; set PRUNE=true to remove them from MAL`,
    );
  }
  if (report.pruneRefused) lines.push(`  prune: ${report.pruneRefused}`);
  if (report.stoppedEarly) lines.push('  stopped before the time budget ran out; the next run continues');
  if (report.backupKey) lines.push(`  backup of your MAL list saved: ${report.backupKey}`);
  const req = Object.entries(report.requests)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (req) lines.push(`  requests: ${req}`);
  return lines.join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
