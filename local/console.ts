import type { ReauthCheckResult } from '../shared/auth/mailer';
import { AppError, describeError } from '../shared/errors';
import { formatReport, type RunReport } from '../shared/sync/report';
import type { AuthorizationLink, AuthorizationStatus, LocalSystem } from './system';

const RULE = '─'.repeat(72);

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * An error as the console shows it: an AppError's message says what to do, and its internal code
 * (e.g. `config_invalid`) means nothing to the person reading it.
 */
export function describeForConsole(err: unknown): string {
  return err instanceof AppError ? err.message : describeError(err);
}

/** Wraps a paragraph to the banner's width, each line indented by one space. */
function wrap(text: string, width = 88): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(` ${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(` ${line}`);
  return lines;
}

export interface BannerOptions {
  readonly intervalMinutes: number;
  /** Why this mode (from `describeMode`): "because …". */
  readonly mode: string;
  /** The SANDBOX setting: the way back to real mode differs when the user forced the sandbox. */
  readonly sandboxSetting: 'auto' | 'true' | 'false';
  readonly auth: AuthorizationStatus;
  /** Where the authorization link is, when authorization is needed. */
  readonly link?: AuthorizationLink;
}

/** The start-up banner: where everything is and what to do next, in plain words. */
export function banner(system: LocalSystem, options: BannerOptions): string {
  const every = `every ${plural(options.intervalMinutes, 'minute')}`;
  const lines = [RULE, ' AniList → MyAnimeList mirror · local runtime', RULE];
  if (system.sandbox) {
    const user = system.anilist?.store.user.name ?? '?';
    const entries = system.anilist?.store.entries() ?? [];
    const hidden = system.config.ANILIST_TOKEN ? 0 : entries.filter((e) => e.private).length;
    // Without ANILIST_TOKEN the worker reads the sandbox anonymously, as AniList would serve it.
    const count = `${plural(entries.length, 'entry', 'entries')}${
      hidden ? `, ${hidden} private (hidden without an AniList token)` : ''
    }`;
    lines.push(
      ...wrap(
        `SANDBOX MODE, because ${options.mode}: local sandbox AniList and MyAnimeList services stand in ` +
          'for the real ones, and nothing leaves this machine. ' +
          (options.sandboxSetting === 'true'
            ? 'To sync your real accounts, set SANDBOX=auto (or remove it).'
            : 'To sync your real accounts, put your settings in .env (see .env.example).'),
      ),
      '',
      `   AniList (sandbox)      ${system.urls.anilist}   user "${user}", ${count}`,
      `   MyAnimeList (sandbox)  ${system.mal?.url ?? system.urls.malApi}`,
    );
  } else {
    lines.push(
      ...wrap(
        `Syncing AniList user "${system.config.ANILIST_USERNAME}" to your real MyAnimeList account, because ` +
          `${options.mode}. Your MAL app's redirect URL must be exactly ${system.urls.callback}`,
      ),
      '',
    );
  }
  lines.push(
    `   Local inbox (SES)      ${system.urls.inbox}`,
    `   OAuth callback         ${system.urls.callback}`,
    `   State store (S3)       ${system.urls.s3}   bucket ${system.s3.bucket}`,
    '',
  );
  const { auth, link } = options;
  if (!auth.needed) {
    const who = auth.malUser ? ` as "${auth.malUser}"` : '';
    lines.push(` MyAnimeList is authorized${who}. Syncing now, then ${every}. Press Ctrl+C to stop.`, RULE);
    return lines.join('\n');
  }
  lines.push(` ${needsWhat(auth)}`);
  if (link?.source === 'missing') {
    lines.push(
      ...wrap(
        'The last authorization email is not in the local inbox (an inbox from before it was kept ' +
          `across restarts), and the mailer will not send another yet: ${link.why}.`,
      ),
      ...wrap(
        `Each sync (${every}) asks the mailer again; the new link is printed here as soon as it is sent. ` +
          'Press Ctrl+C to stop.',
      ),
      RULE,
    );
    return lines.join('\n');
  }
  const expires = link?.linkExpiresAt ? ` (it works until ${link.linkExpiresAt})` : '';
  lines.push(
    ...(link?.source === 'inbox'
      ? [' The email sent earlier is still in the local inbox, and its link still works.']
      : []),
    ' What to do next:',
    `   1. Open the local inbox in your browser: ${system.urls.inbox}`,
    '   2. On the email from the mirror, press "Toggle HTML view" and click',
    // The email's button, as renderReauthEmail labels it: the mailer reads unreadable tokens as missing.
    `      "${auth.reason === 'no_tokens' || auth.reason === 'unreadable' ? 'Authorize' : 'Re-authorize'} MyAnimeList"${expires}.`,
    ...(link?.link ? ['      Or open the link directly:', `      ${link.link}`] : []),
    '   3. Approve on the MyAnimeList page. The callback stores the tokens and the first',
    '      sync starts at once.',
    `   After that the list is mirrored ${every}. Press Ctrl+C to stop.`,
    RULE,
  );
  return lines.join('\n');
}

/** "needs your authorization" the first time; "authorize again" only once it was authorized. */
export function needsWhat(auth: Extract<AuthorizationStatus, { needed: true }>): string {
  switch (auth.reason) {
    case 'no_tokens':
      return 'MyAnimeList needs your authorization before the first sync.';
    case 'unreadable':
      return 'MyAnimeList needs your authorization: the stored tokens are unreadable.';
    case 'invalid_grant':
      return 'MyAnimeList needs you to authorize again: it no longer accepts the stored refresh token.';
    case 'user_mismatch':
      return 'MyAnimeList needs you to authorize again, with the MAL account named in MAL_USERNAME.';
    default:
      return 'MyAnimeList needs you to authorize again.';
  }
}

/** A mailer run that sent an email, with its link (a local inbox: no secret beyond the single-use state). */
export function describeMail(result: ReauthCheckResult, inbox: string, to: string, link?: string): string | undefined {
  if (!result.sent) return undefined;
  return [
    `✉  Authorization email sent to ${to} (${result.why}).`,
    `   Open ${inbox}, press "Toggle HTML view" and click the link` +
      `${result.linkExpiresAt ? `; it works until ${result.linkExpiresAt}` : ''}.`,
    ...(link ? [`   Or open it directly: ${link}`] : []),
  ].join('\n');
}

/** A run report for the console, saying whether the paused run's email went to the local inbox. */
export function describeRun(report: RunReport, options: { mailed?: boolean } = {}): string {
  return `\n[${new Date(report.finishedAt || Date.now()).toLocaleTimeString()}] ${localReport(report, options)}`;
}

export function localReport(report: RunReport, options: { mailed?: boolean; maxLines?: number } = {}): string {
  const text = formatReport(report, options.maxLines === undefined ? {} : { maxLines: options.maxLines });
  if (report.status !== 'reauth_required') return text;
  return text.replace(' (check your inbox)', options.mailed === false ? '' : ' (check the local inbox)');
}
