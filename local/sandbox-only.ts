import { answerUsage, parseCommandLine } from '../shared/text/args';
import { guardConsoleOutput } from '../shared/text/terminal';
import { loadLocalEnvironment, quietSdkWarnings } from './config';
import { describeForConsole } from './console';
import { describeSandboxRuntime, type SandboxRuntime, startSandboxRuntime } from './sandbox-runtime';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

const USAGE = `usage: npm run sandbox

Starts the sandbox AniList, MyAnimeList and Trakt servers and the id dataset server alone (no S3 or
SES emulator, no handlers, no schedule), on SANDBOX_ANILIST_PORT, SANDBOX_MAL_PORT,
SANDBOX_TRAKT_PORT (its auth host on the next port) and SANDBOX_DATASETS_PORT, seeded from
SANDBOX_ANILIST_FIXTURE, SANDBOX_MAL_FIXTURE, SANDBOX_TRAKT_FIXTURE and SANDBOX_ANIME_IDS_FIXTURE
(.env is read). Prints every address, the sandbox OAuth apps' client ids and secrets, and the
settings that point a client at them. Ctrl+C stops it.

It uses the same ports as \`npm start\` in sandbox mode: run one or the other.`;

/** Exit code of a process ended by Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

/** `npm run sandbox`: the sandbox services alone, until Ctrl+C. */
async function main(): Promise<void> {
  const usage = answerUsage(parseCommandLine(process.argv.slice(2), {}), USAGE);
  if (usage !== undefined) {
    process.exitCode = usage;
    return;
  }
  quietSdkWarnings();
  const { env, local } = loadLocalEnvironment();
  const runtime = await startSandboxRuntime({ local, env });
  handleSignals(runtime);
  console.log(describeSandboxRuntime(runtime));
}

function handleSignals(runtime: SandboxRuntime): void {
  let stopping = false;
  const stop = () => {
    // One Ctrl-C can arrive twice (the terminal and tsx both relay it): the second is ignored
    // while the servers close, which takes milliseconds.
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    runtime.close().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (err: unknown) => {
        console.error(`Could not stop cleanly: ${describeForConsole(err)}`);
        process.exit(EXIT_INTERRUPTED);
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
