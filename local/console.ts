import type { ReauthCheckResult } from '../shared/auth/mailer';
import { AppError, describeError } from '../shared/errors';
import { formatUtc } from '../shared/mail/html';
import { buttonLabel } from '../shared/mail/reauth-email';
import type { RunReport } from '../shared/sync/report';
import type { AuthorizationLink, AuthorizationStatus, LocalSystem } from './system';
import type { AuthTarget } from './system/authorization';
import { localReport, needsWhat } from './words';

export { localReport, needsWhat } from './words';

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
  /** Each provider's authorization status, by destination key. */
  readonly auth: Readonly<Record<string, AuthorizationStatus>>;
  /** Where the authorization links are, when authorization is needed. */
  readonly link?: AuthorizationLink;
}

/** The start-up banner: where everything is and what to do next, in plain words. */
export function banner(system: LocalSystem, options: BannerOptions): string {
  const every = `every ${plural(options.intervalMinutes, 'minute')}`;
  const targets = system.authTargets;
  // SOURCE=mal: the MyAnimeList list is read, and only the other providers are written to.
  const sourceKey = system.config.base.SOURCE;
  const source = targets.find((t) => t.destination === sourceKey);
  const destinations = targets.filter((t) => t !== source);
  const sourceLabel = source?.label ?? 'AniList';
  const lines = [
    RULE,
    ` ${sourceLabel} → ${destinations.map((t) => t.label).join(' and ')} mirror · local runtime`,
    RULE,
  ];
  if (system.sandbox) {
    const user = system.anilist?.store.user.name ?? '?';
    const entries = system.anilist?.store.entries() ?? [];
    const hidden = system.env.ANILIST_TOKEN ? 0 : entries.filter((e) => e.private).length;
    // Without ANILIST_TOKEN the worker reads the sandbox anonymously, as AniList would serve it.
    const count = `${plural(entries.length, 'entry', 'entries')}${
      hidden ? `, ${hidden} private (hidden without an AniList token)` : ''
    }`;
    const sandboxLine = (t: AuthTarget) =>
      `   ${`${t.label} (sandbox)`.padEnd(22)} ${system.sandboxUrls[t.destination] ?? '?'}${
        t === source && system.sandboxNotes[t.destination] ? `   ${system.sandboxNotes[t.destination]}` : ''
      }`;
    lines.push(
      ...wrap(
        `SANDBOX MODE, because ${options.mode}: local sandbox ${listWords([sourceLabel, ...destinations.map((t) => t.label)])} services stand in ` +
          'for the real ones, and nothing leaves this machine. ' +
          (source
            ? `SOURCE=${sourceKey}: the list is read from the sandbox ${source.label} and mirrored to ${listWords(destinations.map((t) => `the sandbox ${t.label}`))}. `
            : '') +
          (options.sandboxSetting === 'true'
            ? 'To sync your real accounts, set SANDBOX=auto (or remove it).'
            : 'To sync your real accounts, put your settings in .env (see .env.example).'),
      ),
      '',
      ...(source
        ? [sandboxLine(source), ...destinations.map(sandboxLine)]
        : [`   AniList (sandbox)      ${system.urls.anilist}   user "${user}", ${count}`, ...targets.map(sandboxLine)]),
    );
  } else {
    const from = source ? `your ${source.label} list` : `AniList user "${system.config.base.ANILIST_USERNAME ?? ''}"`;
    const realNames = destinations.map((t) => t.label).join(' and ');
    lines.push(
      ...wrap(
        `Syncing ${from} to your real ${realNames} account${destinations.length > 1 ? 's' : ''}, because ${
          options.mode
        }. Your ${targets.length > 1 ? "apps' redirect URLs" : "app's redirect URL"} must be exactly ${system.urls.callback}`,
      ),
      '',
    );
  }
  lines.push(
    `   Dashboard              ${system.urls.dashboard}   authorization, runs and their reports, Sync now`,
    `   Local inbox (SES)      ${system.urls.inbox}`,
    `   OAuth callback         ${system.urls.callback}`,
    `   State store (S3)       ${system.urls.s3}   bucket ${system.s3.bucket}`,
    '',
  );
  const waiting = targets.filter((t) => options.auth[t.destination]?.needed);
  if (waiting.length === 0) {
    const who = targets.map((t) => {
      const status = options.auth[t.destination];
      return status && !status.needed && status.user ? `${t.label} as "${status.user}"` : t.label;
    });
    lines.push(
      ` ${who.join(' and ')} ${targets.length > 1 ? 'are' : 'is'} authorized. Syncing now, then ${every}. Press Ctrl+C to stop.`,
      ` Watch the runs on the dashboard: ${system.urls.dashboard}`,
      RULE,
    );
    return lines.join('\n');
  }
  for (const t of waiting) {
    const status = options.auth[t.destination];
    if (status?.needed) lines.push(` ${needsWhat(t.label, status)}`);
  }
  const { link } = options;
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
  const expires = link?.linkExpiresAt
    ? ` (${waiting.length > 1 ? 'they work' : 'it works'} until ${formatUtc(new Date(link.linkExpiresAt))})`
    : '';
  const buttons = waiting.map((t) => `"${buttonOf(t, options.auth[t.destination])}"`).join(' and ');
  lines.push(
    ...(link?.source === 'inbox'
      ? [
          ` The email sent earlier is still in the local inbox, and its link${waiting.length > 1 ? 's still work' : ' still works'}.`,
        ]
      : []),
    ' What to do next:',
    `   1. Open the local inbox in your browser: ${system.urls.inbox}`,
    `   2. On the email from the mirror, press "Toggle HTML view" and click`,
    `      ${buttons}${expires}.`,
    ...(link && link.links.length > 0
      ? [
          '      Or open the link directly:',
          ...link.links.map((l) => `      ${waiting.length > 1 ? `${l.label}: ` : ''}${l.url}`),
        ]
      : []),
    `   3. Approve on the ${waiting.map((t) => t.label).join(' and ')} page${waiting.length > 1 ? 's' : ''}. The callback stores the tokens and the first`,
    '      sync starts at once.',
    `   After that the list is mirrored ${every}; watch the runs on the dashboard: ${system.urls.dashboard}`,
    '   Press Ctrl+C to stop.',
    RULE,
  );
  return lines.join('\n');
}

/** The email's button for a destination, as the reauth email labels it (unreadable tokens read as missing). */
export function buttonOf(target: AuthTarget, status: AuthorizationStatus | undefined): string {
  const first = status?.needed && (status.reason === 'no_tokens' || status.reason === 'unreadable');
  return buttonLabel({ label: target.label, reason: first ? 'no_tokens' : 'invalid_grant', verbs: target.verbs });
}

/** A mailer run that sent an email, with its links (a local inbox: no secret beyond the single-use state). */
export function describeMail(
  result: ReauthCheckResult,
  inbox: string,
  to: string,
  links: readonly { label: string; url: string }[] = [],
): string | undefined {
  if (!result.sent) return undefined;
  const expiries = result.destinations.flatMap((d) => (d.linkExpiresAt ? [d.linkExpiresAt] : [])).sort();
  return [
    `✉  Authorization email sent to ${to} (${result.why}).`,
    `   Open ${inbox}, press "Toggle HTML view" and click the link${links.length > 1 ? 's' : ''}` +
      `${expiries[0] ? `; ${links.length > 1 ? 'they work' : 'it works'} until ${formatUtc(new Date(expiries[0]))}` : ''}.`,
    ...links.map((l) => `   Or open it directly${links.length > 1 ? ` (${l.label})` : ''}: ${l.url}`),
  ].join('\n');
}

/**
 * A run report for the console, saying whether the paused run's email went to the local inbox; when
 * the console's cut leaves lines out, where the whole report is (`dashboard`).
 */
export function describeRun(report: RunReport, options: { mailed?: boolean; dashboard?: string } = {}): string {
  const text = localReport(report, options);
  const whole = options.dashboard && text !== localReport(report, { ...options, maxLines: Number.MAX_SAFE_INTEGER });
  const pointer = whole ? `\n  The whole report is on the dashboard: ${options.dashboard}` : '';
  // The same date format as the email, the pages and the reports (not the machine's locale).
  return `\n[${formatUtc(new Date(report.finishedAt || Date.now()))}] ${text}${pointer}`;
}

/** `a`, `a and b`, `a, b and c`: a list as a sentence says it. */
export function listWords(words: readonly string[]): string {
  return words.length <= 2 ? words.join(' and ') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
