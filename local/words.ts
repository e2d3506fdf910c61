import { formatReport, type RunReport } from '../shared/sync/report';
import type { AuthorizationStatus } from './system/authorization';

/*
 * Sentences the console and the dashboard both say. They live apart from console.ts, which knows
 * the whole local system (its banner), so the dashboard the system mounts can use them without
 * importing the system back.
 */

/** "needs your authorization" the first time; "authorize again" only once it was authorized. */
export function needsWhat(label: string, auth: Extract<AuthorizationStatus, { needed: true }>): string {
  switch (auth.reason) {
    case 'no_tokens':
      return `${label} needs your authorization before the first sync.`;
    case 'unreadable':
      return `${label} needs your authorization: the stored tokens are unreadable.`;
    case 'invalid_grant':
      return `${label} needs you to authorize again: it no longer accepts the stored refresh token.`;
    case 'user_mismatch':
      return `${label} needs you to authorize again, with the ${label} account this mirror is set up for.`;
    default:
      return `${label} needs you to authorize again.`;
  }
}

/** A run report as the local runtime says it: the local inbox, or no email at all (`mailed: false`). */
export function localReport(report: RunReport, options: { mailed?: boolean; maxLines?: number } = {}): string {
  const text = formatReport(report, options.maxLines === undefined ? {} : { maxLines: options.maxLines });
  if (report.status !== 'reauth_required') return text;
  return text.replace(' (check your inbox)', options.mailed === false ? '' : ' (check the local inbox)');
}
