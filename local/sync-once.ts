import type { RunReport } from '../shared/sync/report';
import { escapeRawInJson } from '../shared/text/printable';
import { guardConsoleOutput } from '../shared/text/terminal';
import { ephemeralLocalConfig, isSandboxMode, loadLocalEnvironment, quietSdkWarnings } from './config';
import { describeForConsole, listWords, localReport } from './console';
import { startLocalSystem } from './system';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

const USAGE = `usage: npm run sync -- [--dry-run] [--full] [--json]

One sync run, then exit.
  --dry-run  print the plan (and Trakt's mapping review, entry by entry); write nothing
  --full     compare the whole list, not only recent changes to it
  --json     print the run report as one JSON line

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
  quietSdkWarnings();
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const unknown = args.filter((a) => !['--dry-run', '--full', '--json'].includes(a));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}\n${USAGE}`);
  const json = args.includes('--json');
  const { env, local } = loadLocalEnvironment();
  const sandbox = isSandboxMode(local, env);
  let report: RunReport | undefined;
  /** What failed outside the report (the run itself, an event delivery): said in words, not as log lines. */
  const failures: { where: string; err: unknown }[] = [];
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
  });
  try {
    if (sandbox) await system.authorizeSandboxes();
    await system.runSync({ full: args.includes('--full'), dryRun: args.includes('--dry-run') });
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
    process.exitCode = report.status === 'failed' ? 1 : 0;
  } finally {
    await system.close();
  }
}

syncOnce().catch((err: unknown) => {
  console.error(`Sync failed: ${describeForConsole(err)}`);
  if ((err as { key?: unknown }).key === 'LOCAL_S3_PORT') {
    // Deliberately the same port as `npm start`: two runtimes must not share one state folder.
    console.error('`npm start` uses the same state store: stop it first.');
  }
  process.exit(1);
});
