import path from 'node:path';
import { answerUsage, parseCommandLine } from '../shared/text/args';
import { guardConsoleOutput } from '../shared/text/terminal';
import { describeMode, isSandboxMode, loadLocalEnvironment, quietSdkWarnings } from './config';
import { banner, describeForConsole, describeMail, describeRun } from './console';
import { lineProgress } from './progress';
import { type LocalSystem, startLocalSystem } from './system';
import { START_USAGE } from './usage';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

/** Exit code of a process ended by Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;
/**
 * One Ctrl-C can arrive twice: the terminal signals the whole process group, and `tsx` (which
 * `npm start` runs) also relays it to this process when our acknowledgement loses a race with its
 * 30 ms wait. A second signal this soon after the first is the same keypress, not a second one.
 */
const SAME_KEYPRESS_MS = 300;

/** `npm start`: the whole system on this machine, offline by default (sandbox mode). */
async function main(): Promise<void> {
  // Before anything starts: --help, and no option to mistype (shared/text/args.ts).
  const usage = answerUsage(parseCommandLine(process.argv.slice(2), {}), START_USAGE);
  if (usage !== undefined) {
    process.exitCode = usage;
    return;
  }
  quietSdkWarnings();
  // Both validate everything before any server starts or any folder is created.
  const { env, local } = loadLocalEnvironment();
  const sandbox = isSandboxMode(local, env);
  let system: LocalSystem | undefined;
  system = await startLocalSystem({
    local,
    env,
    sandbox,
    // The mailer remembers in S3 (kept in LOCAL_DATA_DIR) that it sent a link; the inbox must
    // then keep the email too. The sandbox starts from nothing every time.
    ...(sandbox ? {} : { inboxFile: path.resolve(local.LOCAL_DATA_DIR, 'inbox.json') }),
    // Lines, not a bar: this console also prints emails, notices and reports between runs.
    onProgress: lineProgress((line) => console.log(line)).listener,
    onReport: (report) => console.log(describeRun(report, system ? { dashboard: system.urls.dashboard } : {})),
    onMail: (result, links) => {
      const text = system && describeMail(result, system.urls.inbox, system.notifyEmail, links);
      if (text) console.log(`\n${text}`);
    },
    onError: (where, err) => console.error(`\n✗ ${where}: ${describeForConsole(err)}`),
    onNotice: (text) => console.log(`\n${text}`),
  });
  handleSignals(system);

  const auth = await system.authorization();
  const needed = Object.values(auth).some((a) => a.needed);
  const link = needed ? await system.ensureAuthorizationLink() : undefined;
  console.log(
    banner(system, {
      intervalMinutes: local.SYNC_INTERVAL_MINUTES,
      mode: describeMode(local, env),
      sandboxSetting: local.SANDBOX,
      auth,
      ...(link ? { link } : {}),
    }),
  );
  // With every provider authorized, sync at once rather than one interval later; otherwise the
  // mailer just ran (and a sync would only skip the destinations that wait for the user).
  system.startSchedules({ syncNow: !needed, mailNow: !needed });
}

/**
 * First Ctrl-C: stop cleanly (a running sync is told its time is up, stops at its next safe point
 * and checkpoints); say what it waits for. Second Ctrl-C: quit at once.
 */
function handleSignals(system: LocalSystem): void {
  let firstAt: number | undefined;
  const stop = () => {
    if (firstAt !== undefined) {
      if (Date.now() - firstAt < SAME_KEYPRESS_MS) return;
      console.log('\nQuitting now. The next start picks up from the last saved checkpoint.');
      process.exit(EXIT_INTERRUPTED);
    }
    firstAt = Date.now();
    const busy = system.activity();
    console.log(
      busy.length > 0
        ? `\nStopping: waiting for ${busy.join(' and ')} to end (it has been told to stop).` +
            ' Press Ctrl+C again to quit at once.'
        : '\nStopping…',
    );
    system.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`Could not stop cleanly: ${describeForConsole(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`Could not start: ${describeForConsole(err)}`);
  process.exit(1);
});
