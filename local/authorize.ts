import { readTokens } from '../shared/auth/tokens';
import { systemClock } from '../shared/clock';
import { guardConsoleOutput, writeControl } from '../shared/text/terminal';
import { AUTHORIZE_USAGE, parseAuthorizeArgs } from './authorize/args';
import { type DeviceLoginOutput, runDeviceLogin } from './authorize/device-login';
import { describeSetup, nextSteps } from './authorize/messages';
import { type LoginSetup, prepareTraktLogin } from './authorize/setup';
import { describeMode, isSandboxMode, loadLocalEnvironment, quietSdkWarnings } from './config';
import { describeForConsole } from './console';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

/** Exit code of a process ended by Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

/** `npm run authorize -- trakt`: the device flow, then the tokens stored for `npm start`. */
async function main(): Promise<void> {
  quietSdkWarnings();
  const request = parseAuthorizeArgs(process.argv.slice(2));
  switch (request.kind) {
    case 'help':
      console.log(AUTHORIZE_USAGE);
      return;
    case 'usage_error':
      console.error(`${request.message}\n\n${AUTHORIZE_USAGE}`);
      process.exitCode = 2;
      return;
    case 'no_device':
      console.error(request.message);
      process.exitCode = 1;
      return;
    case 'device':
      break;
  }

  const { env, local } = loadLocalEnvironment();
  const sandbox = isSandboxMode(local, env);
  const setup = await prepareTraktLogin({ local, env, sandbox });
  handleSignals(setup);
  try {
    console.log(describeSetup(setup, describeMode(local, env)));
    const before = await readTokens(setup.deps.store, 'trakt');
    if (before.tokens && !before.tokens.invalid) {
      const who = before.tokens.user ? ` as "${before.tokens.user}"` : '';
      console.log(`Trakt is already connected${who}; approving again replaces those tokens.`);
    }
    console.log('');
    const result = await runDeviceLogin({ ...setup.deps, clock: systemClock, out: consoleOutput() });
    if (result.outcome === 'connected') console.log(`\n${nextSteps(setup, { local, env })}`);
    process.exitCode = result.outcome === 'connected' ? 0 : 1;
  } finally {
    await setup.close();
  }
}

/**
 * Lines to stdout. The waiting line is rewritten in place on a terminal; in a log it is written at
 * most every 30 s, so that ten minutes of polling stay readable.
 */
function consoleOutput(): DeviceLoginOutput {
  const tty = process.stdout.isTTY === true;
  let open = false;
  let lastProgressAt = 0;
  return {
    line(text) {
      if (open) process.stdout.write('\n');
      open = false;
      console.log(text);
    },
    progress(text) {
      if (tty) {
        writeControl('\r\x1b[2K'); // back to the line's start and clear it: the one sequence sent on purpose
        process.stdout.write(text);
        open = true;
      } else if (Date.now() - lastProgressAt >= 30_000) {
        lastProgressAt = Date.now();
        console.log(text);
      }
    },
  };
}

function handleSignals(setup: LoginSetup): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopped: nothing was stored.');
    setup.close().finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`Could not authorize: ${describeForConsole(err)}`);
  if ((err as { key?: unknown }).key === 'LOCAL_S3_PORT') {
    // Deliberately the same port as `npm start`: two runtimes must not share one state folder.
    console.error('`npm start` uses the same state store (LOCAL_DATA_DIR): stop it first, then run this again.');
  }
  process.exit(1);
});
