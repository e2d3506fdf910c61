import type { ReauthCheckResult } from '../shared/auth/mailer';
import { formatReport, type RunReport } from '../shared/sync/report';
import type { LocalSystem } from './system';

const RULE = '─'.repeat(72);

/** The start-up banner: where everything is and what to do next, in plain words. */
export function banner(system: LocalSystem, options: { intervalMinutes: number }): string {
  const lines = [RULE, ' AniList → MyAnimeList mirror · local runtime', RULE];
  if (system.sandbox) {
    const user = system.anilist?.store.user.name ?? '?';
    const count = system.anilist?.store.entries().length ?? 0;
    lines.push(
      ' SANDBOX MODE: no MAL credentials are configured (MAL_CLIENT_ID), so local sandbox',
      ' AniList and MyAnimeList services stand in for the real ones. Nothing leaves this',
      ' machine. Put your real settings in .env (see .env.example) to sync your real accounts.',
      '',
      `   AniList (sandbox)      ${system.urls.anilist}   user "${user}", ${count} list entries`,
      `   MyAnimeList (sandbox)  ${system.mal?.url ?? system.urls.malApi}`,
    );
  } else {
    lines.push(
      ` Syncing AniList user "${system.config.ANILIST_USERNAME}" to your real MyAnimeList account.`,
      ` Your MAL app's redirect URL must be exactly ${system.urls.callback}`,
      '',
    );
  }
  lines.push(
    `   Local inbox (SES)      ${system.urls.inbox}`,
    `   OAuth callback         ${system.urls.callback}`,
    `   State store (S3)       ${system.urls.s3}   bucket ${system.s3.bucket}`,
    '',
    ' What to do next:',
    `   1. Open the local inbox in your browser: ${system.urls.inbox}`,
    '   2. Open the email from the mirror and click "Re-authorize MyAnimeList".',
    '   3. Approve on the MyAnimeList page. The callback stores the tokens and the first',
    '      sync starts at once.',
    `   After that the list is mirrored every ${options.intervalMinutes} minutes. Press Ctrl+C to stop.`,
    RULE,
  );
  return lines.join('\n');
}

export function describeMail(result: ReauthCheckResult, inbox: string, to: string): string | undefined {
  if (!result.sent) return undefined;
  return [
    `✉  Authorization email sent to ${to} (${result.why}).`,
    `   Open ${inbox} and click the link${result.linkExpiresAt ? `; it works until ${result.linkExpiresAt}` : ''}.`,
  ].join('\n');
}

export function describeRun(report: RunReport): string {
  return `\n[${new Date(report.finishedAt || Date.now()).toLocaleTimeString()}] ${formatReport(report)}`;
}
