/**
 * The printing half of `npm run status`: `summarizeStatus` turns what `gather.ts` found into a
 * summary (also what `--json` prints), `formatStatus` into lines a person reads. No AWS call here.
 */
import { AUTH_MODULES } from '../../shared/destinations/auth';
import { formatUtc } from '../../shared/mail/html';
import { describeReauthReason } from '../../shared/mail/reauth-email';
import type { DestinationReport } from '../../shared/sync/report';
import type { StoredRunReport } from '../../shared/sync/report-archive';
import type { AlarmInAlarm, AuthState, Section, StatusData } from './gather';
import { describeInterval, nextRunAt, parseRate } from './next-run';

export interface DestinationRunSummary {
  readonly destination: string;
  readonly label: string;
  readonly status: string;
  /** Writes and removals applied. */
  readonly written: number;
  readonly failed: number;
  /** Entries waiting for the next run: failed writes kept for retry, and writes not attempted yet. */
  readonly left: number;
  /** Why it stopped before its work was done, in words; absent when it finished. */
  readonly stopReason?: string;
}

export type RunSummary =
  | {
      readonly key: string;
      readonly runId: string;
      readonly startedAt: string;
      readonly status: string;
      readonly durationMs?: number;
      readonly destinations: readonly DestinationRunSummary[];
      readonly error?: string;
    }
  | { readonly key: string; readonly problem: string };

export type AuthSummary = {
  readonly destination: string;
  readonly label: string;
  readonly state: 'authorized' | 'not_authorized' | 'needs_authorization' | 'expired';
  readonly user?: string;
  readonly issuedAt?: string;
  readonly refreshExpiresAt?: string;
  /** What is wrong, in the words of the reauth email. */
  readonly problem?: string;
};

export interface LogGroupSummary {
  readonly function: string;
  readonly logGroup: string;
  readonly tail: string;
}

export interface StatusSummary {
  readonly stack: { readonly name: string; readonly region: string; readonly status: string };
  readonly runs: Section<RunSummary[]>;
  readonly authorization: Section<AuthSummary[]>;
  readonly schedule: Section<{
    readonly expression?: string;
    readonly enabled: boolean;
    readonly every?: string;
    readonly nextRunAt?: string;
  }>;
  readonly alarmsInAlarm: Section<readonly AlarmInAlarm[]>;
  readonly logs: readonly LogGroupSummary[];
  /** How to start a run now, when the worker's name is known. */
  readonly syncNow?: string;
}

export function summarizeStatus(data: StatusData, now: number): StatusSummary {
  const runs = mapSection(data.runs, (stored) => stored.map(summarizeRun));
  const lastRun = data.runs.ok ? data.runs.value.find((r) => 'report' in r) : undefined;
  const lastStart = lastRun && 'report' in lastRun ? Date.parse(lastRun.report.startedAt) : undefined;
  const worker = data.outputs.SyncWorkerFunctionName;
  return {
    stack: { name: data.stackName, region: data.region, status: data.stackStatus },
    runs,
    authorization: mapSection(data.auth, (states) => states.map((s) => summarizeAuth(s, now))),
    schedule: mapSection(data.schedule, (rule) => {
      const interval = parseRate(rule?.expression);
      const enabled = rule?.state !== 'DISABLED';
      const next = interval && enabled ? nextRunAt(interval, lastStart, now) : undefined;
      return {
        ...(rule?.expression ? { expression: rule.expression } : {}),
        enabled,
        ...(interval ? { every: describeInterval(interval) } : {}),
        ...(next !== undefined ? { nextRunAt: new Date(next).toISOString() } : {}),
      };
    }),
    alarmsInAlarm: data.alarms,
    logs: logGroups(data.outputs),
    ...(worker ? { syncNow: `aws lambda invoke --function-name ${worker} --invocation-type Event /dev/null` } : {}),
  };
}

function summarizeRun(stored: StoredRunReport): RunSummary {
  if (!('report' in stored)) return { key: stored.key, problem: stored.problem };
  const r = stored.report;
  return {
    key: stored.key,
    runId: r.runId,
    startedAt: r.startedAt,
    status: r.status,
    ...(typeof r.durationMs === 'number' ? { durationMs: r.durationMs } : {}),
    destinations: r.destinations.map((d) => summarizeDestination(d)),
    ...(r.error ? { error: r.error } : {}),
  };
}

function summarizeDestination(d: DestinationReport): DestinationRunSummary {
  const stop = stopReasonOf(d);
  return {
    destination: d.destination,
    label: d.label,
    status: d.status,
    written: (d.applied?.written ?? 0) + (d.applied?.removed ?? 0),
    failed: d.failures?.length ?? 0,
    left: d.retryQueue ?? 0,
    ...(stop ? { stopReason: stop } : {}),
  };
}

/** Why a destination stopped short, from what its report section says. */
function stopReasonOf(d: DestinationReport): string | undefined {
  const short = d.shortLabel ?? d.label;
  if (d.paused) return `paused: ${d.paused.reason}`;
  if (d.status === 'reauth_required') return `${d.label} needs your authorization`;
  if (d.status === 'blocked') return d.blockedBy ?? `${d.label} refuses further writes until you act`;
  if (d.throttled) return `${short} is throttling; the next runs try again`;
  if (d.stoppedEarly) return 'time budget: the next run continues';
  if (d.error) return d.error;
  return undefined;
}

function summarizeAuth(s: AuthState, now: number): AuthSummary {
  const label = AUTH_MODULES[s.destination as keyof typeof AUTH_MODULES]?.label ?? s.destination;
  const base = { destination: s.destination, label };
  const meta = s.meta;
  if (!meta)
    return { ...base, state: 'not_authorized', problem: describeReauthReason({ label, reason: 'no_tokens' }).headline };
  if ('unreadable' in meta) {
    return { ...base, state: 'needs_authorization', problem: `the stored ${label} authorization cannot be read` };
  }
  const facts = {
    ...(meta.user ? { user: meta.user } : {}),
    issuedAt: new Date(meta.refreshIssuedAt).toISOString(),
    refreshExpiresAt: new Date(meta.refreshExpiresAt).toISOString(),
  };
  if (meta.invalid) {
    const problem = describeReauthReason({ label, reason: meta.invalid.reason }).headline;
    return { ...base, ...facts, state: 'needs_authorization', problem };
  }
  if (meta.refreshExpiresAt <= now) {
    return { ...base, ...facts, state: 'expired', problem: `${label} authorization expired` };
  }
  return { ...base, ...facts, state: 'authorized' };
}

const FUNCTIONS: readonly [output: string, name: string][] = [
  ['SyncWorkerLogGroupName', 'sync worker'],
  ['ReauthMailerLogGroupName', 'reauth mailer'],
  ['OAuthCallbackLogGroupName', 'OAuth callback'],
];

function logGroups(outputs: Readonly<Record<string, string>>): LogGroupSummary[] {
  return FUNCTIONS.flatMap(([output, name]) => {
    const group = outputs[output];
    return group ? [{ function: name, logGroup: group, tail: `aws logs tail ${group} --follow --since 1h` }] : [];
  });
}

function mapSection<T, U>(section: Section<T>, map: (value: T) => U): Section<U> {
  return section.ok ? { ok: true, value: map(section.value) } : section;
}

/** The summary as lines of text. */
export function formatStatus(summary: StatusSummary): string {
  const { stack } = summary;
  return [
    `Stack ${stack.name} in ${stack.region}: ${stack.status}`,
    '',
    ...runLines(summary.runs),
    '',
    ...authLines(summary.authorization, summary.syncNow),
    '',
    ...scheduleLines(summary.schedule, summary.syncNow),
    '',
    ...alarmLines(summary.alarmsInAlarm),
    '',
    ...logLines(summary.logs),
  ].join('\n');
}

const when = (iso: string) => formatUtc(new Date(iso));

function runLines(runs: StatusSummary['runs']): string[] {
  if (!runs.ok) return ['Last runs: could not be read.', `  ${runs.error}`];
  if (runs.value.length === 0) {
    return ['Last runs: none stored yet (the worker stores a report after each run; dry runs are not stored).'];
  }
  const lines = [`Last runs (newest first, ${runs.value.length}):`];
  for (const run of runs.value) {
    if ('problem' in run) {
      lines.push(`  ${run.key}: could not be read (${run.problem})`);
      continue;
    }
    const took = run.durationMs !== undefined ? ` in ${(run.durationMs / 1000).toFixed(1)} s` : '';
    lines.push(`  ${when(run.startedAt)}  ${STATUS_WORDS[run.status] ?? run.status}${took}`);
    if (run.error) lines.push(`    error: ${run.error}`);
    if (run.destinations.length === 0) lines.push('    no destination ran');
    for (const d of run.destinations) {
      const stop = d.stopReason ? ` — stopped: ${d.stopReason}` : '';
      lines.push(`    ${d.label}: written ${d.written} · failed ${d.failed} · left for the next run ${d.left}${stop}`);
    }
  }
  return lines;
}

const STATUS_WORDS: Record<string, string> = {
  ok: 'done',
  partial: 'work left for the next run',
  reauth_required: 'waiting for your authorization',
  blocked: 'stopped until you act',
  failed: 'failed',
  dry_run: 'dry run',
};

function authLines(auth: StatusSummary['authorization'], syncNow: string | undefined): string[] {
  if (!auth.ok) return ['Authorization: could not be read.', `  ${auth.error}`];
  const lines = ['Authorization:'];
  for (const a of auth.value) {
    if (a.state === 'authorized') {
      const who = a.user ? ` as ${a.user}` : '';
      lines.push(
        `  ${a.label}: authorized${who} (tokens issued ${when(a.issuedAt!)}, refresh token valid until ${when(a.refreshExpiresAt!)})`,
      );
    } else {
      lines.push(`  ${a.label}: ${a.problem ?? 'needs your authorization'} — action needed`);
    }
  }
  if (auth.value.some((a) => a.state !== 'authorized')) {
    lines.push(
      '  Open the authorization email and click its button (the mailer sends one when a run finds no valid authorization).',
    );
    if (syncNow) lines.push(`  No email yet? Start a run, which asks the mailer for one: ${syncNow}`);
  }
  return lines;
}

function scheduleLines(schedule: StatusSummary['schedule'], syncNow: string | undefined): string[] {
  if (!schedule.ok) return ['Next run: unknown.', `  ${schedule.error}`];
  const s = schedule.value;
  if (!s.enabled) return ['Next run: none, the schedule rule is disabled.'];
  const every = s.every ?? (s.expression ? `on the schedule ${s.expression}` : undefined);
  const lines = [
    s.nextRunAt
      ? `Next run: about ${when(s.nextRunAt)} (${every})`
      : `Next run: ${every ?? 'unknown (the stack has no SyncScheduleRuleName output: redeploy)'}`,
  ];
  if (syncNow) lines.push(`  Sync now: ${syncNow}`);
  return lines;
}

function alarmLines(alarms: StatusSummary['alarmsInAlarm']): string[] {
  if (!alarms.ok) return ['Alarms: could not be read.', `  ${alarms.error}`];
  if (alarms.value.length === 0) return ['Alarms: none in ALARM.'];
  const lines = [`Alarms in ALARM: ${alarms.value.length}`];
  for (const a of alarms.value) {
    const since = a.since !== undefined ? ` (since ${formatUtc(new Date(a.since))})` : '';
    lines.push(`  ✗ ${a.name}${since}`);
    if (a.description) lines.push(`    ${a.description}`);
  }
  return lines;
}

function logLines(logs: readonly LogGroupSummary[]): string[] {
  if (logs.length === 0) return ['Logs: the stack names no log groups (redeploy with this version to see them here).'];
  const lines = ['Logs (tail them with the AWS CLI):'];
  for (const l of logs) lines.push(`  ${l.function}: ${l.tail}`);
  return lines;
}

/** `--json`: the summary as it is, dates in ISO 8601. */
export function statusJson(summary: StatusSummary): string {
  return JSON.stringify(summary, null, 2);
}
