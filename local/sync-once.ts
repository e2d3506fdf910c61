import type { RunReport } from '../shared/sync/report';
import { answerUsage, EXIT_USAGE, parseCommandLine } from '../shared/text/args';
import { escapeRawInJson } from '../shared/text/printable';
import { guardConsoleOutput } from '../shared/text/terminal';
import { ephemeralLocalConfig, isSandboxMode, loadLocalEnvironment, quietSdkWarnings } from './config';
import { describeForConsole, listWords, localReport } from './console';
import { EXIT_INTERRUPTED, stopOnCtrlC } from './ctrl-c';
import { barProgress, lineProgress, type ProgressView } from './progress';
import { startLocalSystem } from './system';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

const USAGE = `usage: npm run sync -- [--dry-run] [--full] [--json]

One sync run, then exit.
  --dry-run  print the plan (and Trakt's mapping review, entry by entry); write nothing
  --full     compare the whole list, not only recent changes to it
  --json     print the run report as one JSON line (progress lines then go to stderr)

While it writes, it shows each destination's progress: written, failed, left and the time left at
the configured pace; a bar on a terminal, otherwise a line every 25 writes or 30 s.
Ctrl+C stops the run before its next write: it saves where it got to, prints the partial report
and exits with status 130; the next run picks up the rest. A second Ctrl+C quits at once.
Exit status: 0 done, 1 failed, 2 a mistyped option, 130 stopped with Ctrl+C.

Real mode (a destination's client id set, e.g. MAL_CLIENT_ID): syncs your real accounts with the
state in LOCAL_DATA_DIR, and needs them authorized first (run \`npm start\` for that; stop it before
running this).
Sandbox mode: fresh sandboxes, authorized automatically, gone when it exits (not the sandboxes of a
running \`npm start\`).`;

/**
 * `npm run sync -- [--dry-run] [--full] [--json]`: one sync run. `--dry-run` prints the plan and
 * writes nothing. In sandbox mode fresh sandbox accounts (each destination's, and MyAnimeList's
 * when it is the source) are authorized automatically, since there is no one to click a link. It
 * never emails: its inbox is gone when it exits, and the mailer would remember the email as sent
 * and hold back the one `npm start` should show.
 */
async function syncOnce(): Promise<void> {
  // As every command: --help, and a mistyped option refused naming the one meant (status 2).
  const parsed = parseCommandLine(process.argv.slice(2), { flags: ['--dry-run', '--full', '--json'] });
  const usage = answerUsage(parsed, USAGE);
  if (usage !== undefined || parsed.kind !== 'ok') {
    process.exitCode = usage ?? EXIT_USAGE;
    return;
  }
  quietSdkWarnings();
  const json = parsed.flags.has('--json');
  const { env, local } = loadLocalEnvironment();
  const sandbox = isSandboxMode(local, env);
  let report: RunReport | undefined;
  /** What failed outside the report (the run itself, an event delivery): said in words, not as log lines. */
  const failures: { where: string; err: unknown }[] = [];
  const progress = progressView(json);
  const system = await startLocalSystem({
    // Free ports, so a sandbox run works beside `npm start`. In real mode the S3 port is `npm start`'s
    // on purpose: the clash keeps two runtimes from syncing from one state folder at once.
    local: { ...ephemeralLocalConfig(env), ...(sandbox ? {} : { LOCAL_S3_PORT: local.LOCAL_S3_PORT }) },
    env,
    sandbox,
    sendReauthMail: false,
    onReport: (r) => {
      report = r;
    },
    onError: (where, err) => failures.push({ where, err }),
    onProgress: progress.listener,
  });
  const ctrlC = stopOnCtrlC({
    interrupt: () => system.interrupt(),
    note: (text) => progress.note(text),
    quit: () => {
      progress.stop();
      console.error('\nQuitting now. The next run picks up from the last saved checkpoint.');
      process.exit(EXIT_INTERRUPTED);
    },
  });
  try {
    if (sandbox) await system.authorizeSandboxes();
    try {
      await system.runSync({ full: parsed.flags.has('--full'), dryRun: parsed.flags.has('--dry-run') });
    } finally {
      progress.stop();
    }
    if (!report) {
      // The run ended before it could report (it always reports what it tried, even a failure).
      const why = failures.map((f) => `${f.where}: ${describeForConsole(f.err)}`).join('; ');
      throw new Error(`the sync run stopped before it could report${why ? ` (${why})` : ''}`);
    }
    // A failed run also throws (Lambda's way of raising an alarm): the report below says why.
    for (const f of failures.filter((f) => f.where !== 'sync')) {
      console.error(`${f.where} failed: ${describeForConsole(f.err)}`);
    }
    const waiting = report.destinations.filter((d) => d.status === 'reauth_required').map((d) => d.label);
    const authorizeHint =
      `${waiting.join(' and ') || 'A destination'} is not authorized for this mirror yet (or no longer). Run \`npm start\`: it\n` +
      'emails the links to its local inbox and prints them; approve, and it syncs at once' +
      `${waiting.includes('Trakt') ? ' (or connect Trakt with `npm run authorize -- trakt`)' : ''}. No email was sent by this run.`;
    if (json) {
      console.log(escapeRawInJson(JSON.stringify(report)));
      if (report.status === 'reauth_required') console.error(authorizeHint);
    } else {
      if (sandbox) {
        console.log(
          `(sandbox mode: a fresh sandbox ${listWords([
            system.config.base.SOURCE === 'mal' ? 'MyAnimeList (the list read, SOURCE=mal)' : 'AniList',
            ...report.destinations.map((d) => d.label),
          ])}, authorized automatically; not the sandboxes of a running \`npm start\`)\n`,
        );
      }
      console.log(localReport(report, { mailed: false, maxLines: 200 }));
      if (report.status === 'reauth_required') console.log(`\n${authorizeHint}`);
    }
    process.exitCode = ctrlC.pressed ? EXIT_INTERRUPTED : report.status === 'failed' ? 1 : 0;
  } finally {
    await system.close();
  }
}

/** A bar on a terminal; plain lines otherwise, on stderr with `--json` so that stdout stays one JSON line. */
function progressView(json: boolean): ProgressView {
  if (json) return lineProgress((line) => console.error(line));
  return process.stdout.isTTY ? barProgress() : lineProgress((line) => console.log(line));
}

syncOnce().catch((err: unknown) => {
  console.error(`Sync failed: ${describeForConsole(err)}`);
  if ((err as { key?: unknown }).key === 'LOCAL_S3_PORT') {
    // Deliberately the same port as `npm start`: two runtimes must not share one state folder.
    console.error('`npm start` uses the same state store: stop it first.');
  }
  process.exit(1);
});
