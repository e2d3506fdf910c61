import { formatUtc, html, type SafeHtml } from '../../shared/mail/html';
import type { DestinationReport, RunReport, WriteResult } from '../../shared/sync/report';
import { localReport } from '../words';

/** What the schedule does: a run in progress, the next scheduled run, and Sync now. */
export function syncSection(options: { inProgress: boolean; nextRunAt?: number | undefined; syncNow: SafeHtml }) {
  const next =
    options.nextRunAt === undefined
      ? html`No sync is scheduled (the schedule has not started, or it is stopping).`
      : html`Next scheduled sync: <strong>${formatUtc(new Date(options.nextRunAt))}</strong>.`;
  const progress = options.inProgress
    ? html`<p class="warn"><strong>A sync run is in progress.</strong> Its report appears below when it ends.</p>`
    : html``;
  return html`<section class="card" id="sync"><h2>Sync</h2>
${progress}<p>${next}</p>
${options.syncNow}</section>`;
}

/**
 * The last runs, newest first, each with its whole report: the console's words without the
 * "… and N more" cut, and every write with what became of it. The newest is open.
 */
export function runsSection(runs: readonly RunReport[]): SafeHtml {
  const list =
    runs.length === 0
      ? html`<p class="muted">No sync has run since npm start began.</p>`
      : runs.map((run, i) => runDetails(run, i === 0));
  return html`<section class="card" id="runs"><h2>Last runs</h2>
${list}</section>`;
}

function runDetails(run: RunReport, open: boolean): SafeHtml {
  const text = localReport(run, { maxLines: Number.MAX_SAFE_INTEGER });
  const headline = text.split('\n')[0] ?? '';
  const when = formatUtc(new Date(run.finishedAt || run.startedAt));
  const tone = run.status === 'ok' || run.status === 'dry_run' ? 'ok' : run.status === 'failed' ? 'bad' : 'warn';
  const body = html`<summary><span class="${tone}">${when}: ${headline}</span></summary>
${run.destinations.map(writesTable)}<pre class="report">${text}</pre>`;
  return open ? html`<details class="run" open>${body}</details>\n` : html`<details class="run">${body}</details>\n`;
}

function writesTable(d: DestinationReport): SafeHtml {
  const { writes } = d;
  if (writes.length === 0) return html``;
  // Dry runs only plan: their writes have no outcome.
  const settled = writes.some((w) => w.outcome !== undefined);
  const rows = writes.map(
    (w) =>
      html`<tr><td>${w.kind === 'remove' ? 'remove' : 'write'}</td><td>${w.title}</td><td>${w.target}</td><td>${w.reasons.join(', ')}</td>${
        settled ? outcomeCell(w.outcome, w.error) : html``
      }</tr>\n`,
  );
  return html`<table class="writes"><caption>${d.label}: ${writes.length === 1 ? '1 write' : `${writes.length} writes`}</caption>
<thead><tr><th>kind</th><th>title</th><th>target</th><th>why</th>${settled ? html`<th>outcome</th>` : html``}</tr></thead>
<tbody>
${rows}</tbody></table>\n`;
}

const OUTCOMES: Readonly<Record<WriteResult, { tone: string; words: string }>> = {
  applied: { tone: 'ok', words: 'applied' },
  failed: { tone: 'bad', words: 'failed, kept for the next run' },
  not_attempted: { tone: 'warn', words: 'not attempted yet: the next run does it' },
};

function outcomeCell(outcome: WriteResult | undefined, error: string | undefined): SafeHtml {
  if (outcome === undefined) return html`<td></td>`;
  const { tone, words } = OUTCOMES[outcome];
  return html`<td class="${tone}">${words}${error ? `: ${error}` : ''}</td>`;
}
