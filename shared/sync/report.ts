import { formatUtc } from '../mail/html';

/**
 * What one sync run did, version 2: a section for the source read, and one per destination. The
 * console, `npm run sync -- --json`, the Lambda result and the run's log line are all cut from it.
 */
export interface RunReport {
  readonly version: 2;
  runId: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The worst of the destinations' statuses (`failed` also when the source read failed). */
  status: RunStatus;
  source: SourceReport;
  /** In the order the destinations ran (the one furthest behind first). */
  destinations: DestinationReport[];
  requests: Record<string, number>;
  /** Set when the run failed before or outside any destination (source read, state load). */
  error?: string;
  /** Why the run stopped before its work was done, when a destination's did: `interrupted` first. */
  stopReason?: StopReason;
}

/**
 * Why a destination stopped before all its planned writes were tried (or failed as a whole):
 * `interrupted` the user stopped the run (Ctrl+C); `time_budget` the run's time was up;
 * `unavailable` the destination was down or out of reach; `throttled` it asked to slow down (the
 * throttle breaker tripped); `reauth_required` / `blocked` it needs the user; `failed` anything else.
 */
export type StopReason =
  | 'interrupted'
  | 'time_budget'
  | 'unavailable'
  | 'throttled'
  | 'reauth_required'
  | 'blocked'
  | 'failed';

/** What happened to one planned write. Absent on dry runs, where every write is only planned. */
export type WriteResult = 'applied' | 'failed' | 'not_attempted';

export type RunStatus = 'ok' | 'partial' | 'reauth_required' | 'blocked' | 'failed' | 'dry_run';

export interface SourceReport {
  /** `anilist`, or `mal` when the list is read from MyAnimeList. */
  kind: string;
  user: string;
  mode: 'full' | 'incremental' | 'none';
  /** Entries read this run. */
  fetched: number;
  /** Entries the source sent that could not be read; reported, never guessed at. */
  invalid: { entryId: number | null; mediaId: number | null; location: string; reason: string }[];
  /** The lowest watermark of the destinations that ran, before and after. */
  watermark: { before: number; after: number };
}

export interface DestinationReport {
  destination: string;
  label: string;
  /** The short name used in lines about single targets (`MAL`). */
  shortLabel: string;
  /** The setting that turns prune on for this destination (`PRUNE`). */
  pruneSetting: string;
  mode: 'full' | 'incremental';
  status: RunStatus;
  planned: { writes: number; removals: number };
  applied: { written: number; removed: number };
  unchanged: number;
  /**
   * Every planned write (puts and removals), with its `outcome` on real runs: `applied`, `failed`
   * (its `error` says why, in words; kept in the retry list) or `not_attempted` (the run stopped
   * first; the next run continues). Dry runs plan only: no `outcome`.
   */
  writes: {
    kind: 'put' | 'remove';
    key: string;
    target: string;
    title: string;
    fields: Record<string, unknown>;
    reasons: string[];
    outcome?: WriteResult;
    error?: string;
  }[];
  /** Real runs that reached applying: planned writes not attempted (applied + failed + this = writes). */
  notAttempted?: number;
  /** Entries planning had no time for: they wait in the retry list like writes not attempted. */
  deferred?: number;
  /** Why applying stopped before the end, or the destination failed (absent: it did all it planned). */
  stopReason?: StopReason;
  skipped: { anilistEntryId: number; mediaId: number; title: string; reason: string; detail: string }[];
  /** Labels of the skip reasons above. */
  skipLabels: Record<string, string>;
  /** What a person does about each skip reason, when something can be done (`Destination.skipFixes`). */
  skipFixes?: Record<string, string>;
  /**
   * Full runs: entries on the destination's list with no source counterpart that this system did not
   * write (so prune never touches them), e.g. added there by hand. Left alone.
   */
  unmatched?: { key: string; title: string }[];
  /** What `unchanged` and `written` count, when not one target per entry. */
  countsNote?: string;
  notes: { title: string; kind: string; detail: string }[];
  /** Failed writes: `error` in words for a person, `code` the error's stable code when it has one. */
  failures: { key: string; target: string; title: string; error: string; code?: string; permanent: boolean }[];
  /** Targets mirrored earlier whose source entry is gone, left alone because prune is off. */
  orphans: { key: string; title: string }[];
  /**
   * Full runs: the media ids EXCLUDE keeps from this destination, never written, pruned or counted
   * as differing. With the title when the list read holds the entry; without, when it does not.
   */
  excluded?: { mediaId: number; title?: string }[];
  pruneRefused?: string;
  /** Entries waiting in this destination's retry list after the run. */
  retryQueue: number;
  stoppedEarly: boolean;
  watermark: { before: number; after: number };
  backupKey?: string;
  /** Where the mapping review of this run was saved (destinations that write one). */
  reviewKey?: string;
  review?: string[];
  reauthReason?: string;
  /** What a person must fix before this destination accepts writes again. */
  blockedBy?: string;
  /** Its stored state was corrupt: what was used instead (`shared/sync/state.ts`, `StateRecovery`). */
  stateRecovery?: {
    key: string;
    problem: string;
    how: 'restored' | 'rebuilt';
    restoredFrom?: string;
    salvagedRecords?: number;
    versionsProblem?: string;
  };
  /**
   * The destination is throttling (see `sync/throttle.ts`): this run stopped writing to it, or
   * skipped it (`skippedRun`); `skipRuns` more runs skip it before it is tried again.
   */
  throttled?: { skippedRun: boolean; skipRuns: number };
  /** Sync of this destination is paused (see `sync/pause.ts`): this run sat it out. */
  paused?: { reason: string; since: string };
  error?: string;
}

const STATUS_ORDER: readonly RunStatus[] = ['dry_run', 'ok', 'partial', 'reauth_required', 'blocked', 'failed'];

/** The run's status: the most serious of its destinations'. */
export function overallStatus(statuses: readonly RunStatus[], dryRun: boolean): RunStatus {
  if (statuses.length === 0) return dryRun ? 'dry_run' : 'ok';
  return statuses.reduce((worst, s) => (STATUS_ORDER.indexOf(s) > STATUS_ORDER.indexOf(worst) ? s : worst));
}

/**
 * A readable, plain-words summary of one run for the console. Lists are cut at `maxLines` items
 * ("… and 5 more"); `maxLines: Infinity` prints the whole report.
 */
export function formatReport(report: RunReport, options: { maxLines?: number } = {}): string {
  const maxLines = options.maxLines ?? 20;
  const lines: string[] = [];
  const { source } = report;
  const single = report.destinations.length === 1 ? report.destinations[0] : undefined;
  const names = report.destinations.map((d) => d.label).join(' and ') || 'no destination';
  const mode = single?.mode ?? (source.mode === 'none' ? 'no' : source.mode);
  lines.push(
    `${headline(report)} — ${mode} run for AniList user "${source.user}"${single ? '' : ` → ${names}`} in ${seconds(report.durationMs)}`,
  );
  if (report.error) lines.push(`  error: ${report.error}`);
  const invalid = source.invalid.map((bad) => ({
    anilistEntryId: bad.entryId ?? 0,
    mediaId: bad.mediaId ?? 0,
    title: bad.entryId === null ? `AniList entry at ${bad.location}` : `AniList entry #${bad.entryId}`,
    reason: 'invalid_entry',
    detail: bad.reason,
  }));
  if (!single && invalid.length > 0) {
    lines.push(`  AniList entries that could not be read: ${invalid.length}`);
    for (const bad of invalid.slice(0, maxLines)) lines.push(`    ◦ ${bad.title}: ${bad.detail}`);
  }
  for (const d of report.destinations) {
    // With one destination the report reads as it always has: unreadable entries are its skips.
    const shown = single ? { ...d, skipped: [...d.skipped, ...invalid] } : d;
    lines.push(...destinationLines(shown, report, source.fetched, maxLines, single !== undefined));
  }
  const req = Object.entries(report.requests)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (req) lines.push(`  requests: ${req}`);
  return lines.join('\n');
}

function headline(report: RunReport): string {
  const single = report.destinations.length === 1 ? report.destinations[0] : undefined;
  switch (report.status) {
    case 'ok':
      return 'Sync finished';
    case 'partial':
      return report.stopReason === 'interrupted'
        ? 'Sync stopped by you (Ctrl+C), with work left for the next run'
        : 'Sync finished with work left for the next run';
    case 'reauth_required': {
      const waiting = report.destinations.filter((d) => d.status === 'reauth_required');
      const who = waiting.map((d) => d.label).join(' and ');
      const first = waiting.every((d) => d.reauthReason === 'no_tokens');
      return first
        ? `Sync paused: ${who} needs your authorization (check your inbox)`
        : `Sync paused: ${who} needs you to authorize again (check your inbox)`;
    }
    case 'blocked':
      return `Sync stopped: ${single?.label ?? 'a destination'} refuses further writes until you act`;
    case 'failed':
      return 'Sync failed';
    case 'dry_run':
      return 'Dry run: nothing was written';
  }
}

function destinationLines(
  d: DestinationReport,
  report: RunReport,
  fetched: number,
  maxLines: number,
  single: boolean,
): string[] {
  const lines: string[] = [];
  const indent = single ? '  ' : '    ';
  if (!single) lines.push(`  ${d.label} (${d.mode}): ${describeStatus(d)}`);
  // With one destination its error is the run's, unless the run has its own.
  if (d.error && (!single || !report.error)) lines.push(`${indent}error: ${d.error}`);
  if (d.stateRecovery) lines.push(`${indent}⚠ ${recoveryLine(d.stateRecovery, d.label)}`);
  if (d.blockedBy) lines.push(`${indent}${d.blockedBy}`);
  if (d.throttled) lines.push(`${indent}${throttledLine(d, d.throttled)}`);
  if (d.paused)
    lines.push(`${indent}paused: ${d.paused.reason} (since ${sinceWords(d.paused.since)}); this run left it alone`);
  if (d.status === 'reauth_required') {
    lines.push(`${indent}nothing is lost: every change since its last sync is mirrored once you authorize`);
  }
  const verb = report.dryRun ? 'would write' : 'written';
  const removals = d.planned.removals ? ` · removals: ${report.dryRun ? d.planned.removals : d.applied.removed}` : '';
  lines.push(
    `${indent}${single ? 'AniList entries read' : 'targets planned'}: ${single ? fetched : d.unchanged + d.planned.writes + d.skipped.length} · unchanged: ${d.unchanged} · ${verb}: ${
      report.dryRun ? d.planned.writes : d.applied.written
    }${removals}${d.countsNote ? ` (${d.countsNote})` : ''}`,
  );
  const settled = d.writes.some((w) => w.outcome !== undefined);
  // A dry run lists what it would write; a real run only what it did write (failures and the rest below).
  lines.push(...writeLines(settled ? d.writes.filter((w) => w.outcome === 'applied') : d.writes, indent, maxLines));
  lines.push(...skipLines(d, indent, maxLines));
  for (const [kind, notes] of groupNotes(d.notes)) {
    lines.push(
      `${indent}${NOTE_HEADINGS[kind]?.(notes.length, d.shortLabel) ?? `${kind.replace(/_/g, ' ')}: ${notes.length}`}`,
    );
    for (const n of notes.slice(0, maxLines)) lines.push(`${indent}  ◦ ${n.title}: ${n.detail}`);
  }
  if (d.failures.length) {
    lines.push(`${indent}failed writes: ${d.failures.length} (kept for the next run: ${d.retryQueue})`);
    for (const f of d.failures.slice(0, maxLines)) {
      lines.push(
        `${indent}  ✗ ${f.title} (${f.target}): ${f.error}${f.permanent ? ` [given up on until the entry changes on AniList or the next full run]` : ''}`,
      );
    }
    if (d.failures.length > maxLines) lines.push(`${indent}  … and ${d.failures.length - maxLines} more`);
  }
  const notAttempted = d.writes.filter((w) => w.outcome === 'not_attempted');
  if (notAttempted.length || d.deferred) {
    const deferred = d.deferred ? ` (and ${plural(d.deferred, 'entry', 'entries')} not planned in time)` : '';
    lines.push(`${indent}not attempted yet: ${notAttempted.length}${deferred}; the next run continues with them`);
    lines.push(...writeLines(notAttempted, indent, maxLines, '○'));
  }
  if (d.unmatched?.length) lines.push(...unmatchedLines(d, d.unmatched, indent, maxLines));
  if (d.orphans.length) {
    lines.push(
      `${indent}${d.orphans.length} ${d.shortLabel} entries were deleted on AniList; set ${d.pruneSetting}=true to remove them from ${d.shortLabel}`,
    );
  }
  if (d.pruneRefused) lines.push(`${indent}prune: ${d.pruneRefused}`);
  if (d.excluded?.length) lines.push(`${indent}${excludedLine(d.excluded, report.source.kind, maxLines)}`);
  const stop = d.stopReason && STOP_LINES[d.stopReason];
  if (stop) lines.push(`${indent}stopped early: ${stop(d.shortLabel)}; the next run continues`);
  if (d.backupKey) lines.push(`${indent}backup of your ${d.shortLabel} list saved: ${d.backupKey}`);
  // A dry run is how a person audits the mapping before anything is written: print it whole.
  if (report.dryRun && d.review?.length) {
    lines.push(`${indent}mapping review (${d.review.length} entries):`);
    for (const line of d.review) lines.push(`${indent}  ${line}`);
  }
  if (d.reviewKey) lines.push(`${indent}mapping review saved: ${d.reviewKey}`);
  return lines;
}

/** Writes as bullets (`•` a put, `−` a removal, or `bullet` for all), `maxLines` at most, then how many more. */
function writeLines(writes: DestinationReport['writes'], indent: string, maxLines: number, bullet?: string): string[] {
  const shown = writes.slice(0, maxLines);
  const lines = shown.map(
    (w) =>
      `${indent}  ${bullet ?? (w.kind === 'remove' ? '−' : '•')} ${w.title} (${w.target}): ${w.reasons.join(', ')}`,
  );
  if (writes.length > shown.length) lines.push(`${indent}  … and ${writes.length - shown.length} more`);
  return lines;
}

/** `skipped: 2 no MAL id, 1 private`, each kind's fix, then the entries. */
function skipLines(d: DestinationReport, indent: string, maxLines: number): string[] {
  if (!d.skipped.length) return [];
  const counts = new Map<string, { count: number; fix: string | undefined }>();
  for (const s of d.skipped) {
    const label = d.skipLabels[s.reason] ?? SOURCE_SKIP_LABELS[s.reason] ?? s.reason.replace(/_/g, ' ');
    const fix = d.skipFixes?.[s.reason] ?? SOURCE_SKIP_FIXES[s.reason];
    counts.set(label, { count: (counts.get(label)?.count ?? 0) + 1, fix });
  }
  const lines = [`${indent}skipped: ${[...counts].map(([k, v]) => `${v.count} ${k}`).join(', ')}`];
  for (const [label, { fix }] of counts) if (fix) lines.push(`${indent}  ${label}: to fix, ${fix}`);
  for (const s of d.skipped.slice(0, maxLines)) lines.push(`${indent}  ◦ ${s.title}: ${s.detail}`);
  if (d.skipped.length > maxLines) lines.push(`${indent}  … and ${d.skipped.length - maxLines} more`);
  return lines;
}

/** Full runs: what the user has on the destination that the source does not, and why it stays. */
function unmatchedLines(
  d: DestinationReport,
  unmatched: NonNullable<DestinationReport['unmatched']>,
  indent: string,
  maxLines: number,
): string[] {
  const lines = [
    `${indent}on ${d.shortLabel} but not on AniList: ${unmatched.length} (left alone; ${d.pruneSetting} removes only entries this system wrote)`,
  ];
  for (const u of unmatched.slice(0, maxLines)) lines.push(`${indent}  ◦ ${u.title} (${d.shortLabel} ${u.key})`);
  if (unmatched.length > maxLines) lines.push(`${indent}  … and ${unmatched.length - maxLines} more`);
  return lines;
}

/** Why a destination stopped early, in words (`StopReason`); reasons with their own line have none here. */
const STOP_LINES: Partial<Record<StopReason, (label: string) => string>> = {
  interrupted: () => 'stopped by you (Ctrl+C)',
  time_budget: () => "time budget (the run's time was up)",
  unavailable: (label) => `${label} unavailable`,
};

/** Words for a stop reason, for any page or line that shows one. */
export function describeStopReason(reason: StopReason, label: string): string {
  switch (reason) {
    case 'throttled':
      return `${label} is throttling`;
    case 'reauth_required':
      return `${label} needs your authorization`;
    case 'blocked':
      return `${label} refuses writes until you act`;
    case 'failed':
      return `${label} failed`;
    default:
      return STOP_LINES[reason]?.(label) ?? reason;
  }
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `excluded (EXCLUDE): 2 (Cowboy Bebop, AniList 1; …)`: each excluded entry, and the ids not on the list read. */
function excludedLine(
  excluded: NonNullable<DestinationReport['excluded']>,
  sourceKind: string,
  maxLines: number,
): string {
  const source = sourceKind === 'mal' ? 'MAL' : 'AniList';
  const shown = excluded
    .slice(0, maxLines)
    .map((x) => (x.title ? `${x.title}, ${source} ${x.mediaId}` : `${source} ${x.mediaId}: not on the list read`));
  const more = excluded.length > shown.length ? `; … and ${excluded.length - shown.length} more` : '';
  return `excluded (EXCLUDE): ${excluded.length} (${shown.join('; ')}${more}), left as they are`;
}

/** `MAL is throttling; paused: …`, saying when it is tried again and that nothing is lost. */
export function throttledLine(d: DestinationReport, throttled: NonNullable<DestinationReport['throttled']>): string {
  const { skipRuns } = throttled;
  const later = skipRuns === 0 ? 'the next run' : `the run after the next ${skipRuns === 1 ? 'one' : `${skipRuns}`}`;
  const when = `${skipRuns === 0 ? '' : `skipping the next ${runs(skipRuns)}; `}tries again on ${later}`;
  const kept = `${d.retryQueue} ${d.retryQueue === 1 ? 'entry' : 'entries'} kept for then`;
  return throttled.skippedRun
    ? `${d.shortLabel} is throttling; paused: this run skipped it, ${when} (${kept})`
    : `${d.shortLabel} is throttling; paused: no more writes this run, ${when} (${kept})`;
}

function runs(n: number): string {
  return n === 1 ? 'run' : `${n} runs`;
}

type StateRecoveryReport = NonNullable<DestinationReport['stateRecovery']>;

/** What the run did about a corrupt state object, in words (the log line's `action` too). */
export function recoveryAction(r: StateRecoveryReport, label = 'the destination'): string {
  if (r.how === 'restored') {
    return `restored from the version of ${r.restoredFrom}; this run compares the whole list with ${label}'s`;
  }
  const salvaged = r.salvagedRecords ? `; ${r.salvagedRecords} records of entries this system wrote were kept` : '';
  const why = r.versionsProblem ? ` (earlier versions could not be read: ${r.versionsProblem})` : '';
  return `no earlier version was valid${why}, so it was rebuilt by a full reconcile against ${label}'s real list${salvaged}`;
}

function recoveryLine(r: StateRecoveryReport, label: string): string {
  return `sync state was corrupt (${r.problem}); ${recoveryAction(r, label)}. Nothing is lost.`;
}

const SOURCE_SKIP_LABELS: Record<string, string> = { invalid_entry: 'invalid data' };
const SOURCE_SKIP_FIXES: Record<string, string> = {
  invalid_entry: 'correct the entry on AniList (the line names what is wrong); the next run reads it again',
};

const NOTE_HEADINGS: Record<string, (count: number, label: string) => string> = {
  partial_date: (n, label) => `partial dates left unchanged on ${label}: ${n}`,
  id_source: (n, label) => `${label} ids not taken from AniList: ${n}`,
  not_rated: (n, label) => `not rated on ${label}: ${n}`,
  dataset: (n) => `id dataset warnings: ${n}`,
};

function groupNotes(notes: DestinationReport['notes']): Map<string, DestinationReport['notes']> {
  const groups = new Map<string, DestinationReport['notes']>();
  for (const n of notes) groups.set(n.kind, [...(groups.get(n.kind) ?? []), n]);
  return groups;
}

function describeStatus(d: DestinationReport): string {
  switch (d.status) {
    case 'ok':
      return 'done';
    case 'partial':
      return 'work left for the next run';
    case 'reauth_required':
      return d.reauthReason === 'no_tokens' ? 'needs your authorization' : 'needs you to authorize again';
    case 'blocked':
      return 'refuses further writes until you act';
    case 'failed':
      return 'failed';
    case 'dry_run':
      return 'dry run';
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The pause's start as people read dates everywhere (formatUtc); the JSON keeps the ISO string. */
function sinceWords(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : formatUtc(at);
}
