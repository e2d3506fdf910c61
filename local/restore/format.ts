import type { BackupInfo, RestoreResult } from '../../shared/destinations/mal/restore';
import { type RestoreListPlan, type RestorePlan, restoreWrites } from '../../shared/destinations/mal/restore-plan';
import { formatUtc } from '../../shared/mail/html';
import type { PlannedWrite } from '../../shared/sync/destination';

/** `--list`: one line per backup, newest last: name, when, entries. */
export function formatBackupList(backups: readonly BackupInfo[]): string {
  if (backups.length === 0) return 'No backups of the MAL list yet: one is taken before the first write to it.';
  const width = Math.max(...backups.map((b) => b.name.length));
  const taken = backups.map((b) => takenWhen(b.takenAt));
  const takenWidth = Math.max(...taken.map((t) => t.length));
  const lines = backups.map(
    (b, i) =>
      `  ${b.name.padEnd(width)}  ${(taken[i] ?? '').padEnd(takenWidth)}  ${
        b.entries === undefined ? `unreadable: ${b.problem}` : `${b.entries} ${b.entries === 1 ? 'entry' : 'entries'}`
      }${b.mangaEntries === undefined ? '' : `, ${b.mangaEntries} manga`}`,
  );
  return [`Backups of the MAL list (${backups.length}), oldest first:`, ...lines].join('\n');
}

/** When a backup was taken, as every date a person reads (formatUtc); the raw text if it is not a date. */
function takenWhen(takenAt: string): string {
  const date = new Date(takenAt);
  return Number.isNaN(date.getTime()) ? takenAt : formatUtc(date);
}

/** The plan as `--dry-run` prints it: the counts, then one line per entry; the manga list's after the anime list's. */
export function formatRestorePlan(backupName: string, plan: RestorePlan, dryRun: boolean): string {
  const verb = dryRun ? 'would' : 'will';
  const lines = [listLines(`Restoring ${backupName} ${verb} change`, 'MAL', plan)];
  if (plan.manga) lines.push(listLines(`Manga list: restoring it ${verb} change`, 'MAL manga', plan.manga));
  else lines.push(`Manga list: left as it is, with its sync records (${plan.mangaLeftAlone ?? 'not in the backup'}).`);
  return lines.join('\n');
}

function listLines(headline: string, list: string, plan: RestoreListPlan): string {
  const puts = plan.writes.filter((w) => w.kind === 'put');
  const readds = puts.filter((w) => w.reasons[0]?.startsWith('back on MAL'));
  const removals = plan.writes.filter((w) => w.kind === 'remove');
  const lines = [
    `${headline} ${plan.writes.length} ${list} ${plan.writes.length === 1 ? 'entry' : 'entries'}: ` +
      `${puts.length - readds.length} set back, ${readds.length} added back, ${removals.length} removed ` +
      `(added by this system since); ${plan.unchanged} already as in the backup; ` +
      `${plan.keptHandAdded.length} added by hand since, left alone.`,
    ...plan.writes.map(writeLine),
    ...plan.keptHandAdded.map(
      (k) =>
        `  ◦ ${k.title} (${list} ${k.key.replace(/^manga:/, '')}): added since the backup, not by this system: left alone`,
    ),
  ];
  return lines.join('\n');
}

function writeLine(w: PlannedWrite): string {
  return `  ${w.kind === 'remove' ? '−' : '•'} ${w.title} (${w.target}): ${w.reasons.join(', ')}`;
}

/** `aws`: the restore ran against the deployed stack (the hints then name the worker instead of `npm run sync`). */
export function formatRestoreResult(result: RestoreResult, aws = false): string {
  const { applied, failures } = result;
  const lines = [
    result.complete
      ? `MAL restored: ${applied.written} written, ${applied.removed} removed.`
      : `The restore stopped before it finished: ${applied.written} written, ${applied.removed} removed of ${restoreWrites(result.plan).length}.`,
    `The list as it was before is backed up too: ${result.savedBackupKey}`,
  ];
  if (result.stoppedBy === 'throttled')
    lines.push('MAL is throttling: run the restore again later; it goes on where it stopped.');
  if (result.stoppedBy === 'reauth_required') {
    lines.push(
      'MAL needs you to authorize this mirror again (the next sync run emails the link); then run the restore again.',
    );
  }
  if (result.stoppedBy === 'deadline') lines.push('Stopped as asked: run the restore again to finish it.');
  for (const f of failures) lines.push(`  ✗ ${f.title} (${f.target}): ${f.error}`);
  lines.push(
    '',
    'Sync of MAL stays paused, so that it does not write AniList over what you restored. Fix the list on',
    'AniList first if it holds what you restored away from (or keep those entries out with EXCLUDE), check',
    aws
      ? 'what sync would write (invoke the worker with {"dryRun":true,"full":true}), then: npm run restore -- --resume --aws'
      : 'what sync would write with `npm run sync -- --dry-run --full`, then: npm run restore -- --resume',
  );
  return lines.join('\n');
}
