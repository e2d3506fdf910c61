import { describeError } from '../shared/errors';
import { isSandboxMode, loadLocalEnvironment, quietSdkWarnings } from './config';
import { banner, describeMail, describeRun } from './console';
import { startLocalSystem } from './system';

/** `npm start`: the whole system on this machine, offline by default (sandbox mode). */
async function main(): Promise<void> {
  quietSdkWarnings();
  const { env, local } = loadLocalEnvironment();
  const sandbox = isSandboxMode(local, env);
  const system = await startLocalSystem({
    local,
    env,
    sandbox,
    schedule: true,
    onReport: (report) => console.log(describeRun(report)),
    onMail: (result) => {
      const text = describeMail(result, system.urls.inbox, system.notifyEmail);
      if (text) console.log(`\n${text}`);
    },
    onError: (where, err) => console.error(`\n✗ ${where}: ${describeError(err)}`),
  });
  console.log(banner(system, { intervalMinutes: local.SYNC_INTERVAL_MINUTES }));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await system.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`Could not start: ${describeError(err)}`);
  if ((err as { code?: string }).code === 'EADDRINUSE') {
    console.error(
      'A port is taken. Set LOCAL_CALLBACK_PORT, LOCAL_S3_PORT, LOCAL_SES_PORT, SANDBOX_ANILIST_PORT or SANDBOX_MAL_PORT in .env.',
    );
  }
  process.exit(1);
});
