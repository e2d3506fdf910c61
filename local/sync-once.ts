import { saveTokensFromAuthorization } from '../shared/auth/tokens';
import { describeError } from '../shared/errors';
import { formatReport, type RunReport } from '../shared/sync/report';
import { ephemeralLocalConfig, isSandboxMode, loadLocalEnvironment, quietSdkWarnings } from './config';
import { startLocalSystem } from './system';

const USAGE = 'usage: npm run sync -- [--dry-run] [--full] [--json]';

/**
 * `npm run sync -- [--dry-run] [--full] [--json]`: one sync with the configured services.
 * `--dry-run` prints the plan and writes nothing. In sandbox mode the sandbox MAL account is
 * authorized automatically, since there is no one to click a link.
 */
async function syncOnce(): Promise<void> {
  quietSdkWarnings();
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !['--dry-run', '--full', '--json'].includes(a));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}\n${USAGE}`);
  const json = args.includes('--json');
  const { env, local } = loadLocalEnvironment();
  const sandbox = isSandboxMode(local, env);
  let report: RunReport | undefined;
  const system = await startLocalSystem({
    // Only the state store matters here; everything else on free ports so `npm start` can keep running.
    local: { ...ephemeralLocalConfig(env), ...(sandbox ? {} : { LOCAL_S3_PORT: local.LOCAL_S3_PORT }) },
    env,
    sandbox,
    onReport: (r) => {
      report = r;
    },
  });
  try {
    if (system.mal) {
      await saveTokensFromAuthorization(
        { store: system.store, clock: { now: Date.now, sleep: async () => {} }, refreshTokenLifetimeDays: 30 },
        system.mal.state.issueTokensDirectly(),
        system.mal.state.user.name,
      );
    }
    await system.runSync({ full: args.includes('--full'), dryRun: args.includes('--dry-run') });
    if (!report) throw new Error('the sync run produced no report');
    if (json) console.log(JSON.stringify(report));
    else {
      if (sandbox) console.log('(sandbox mode: sandbox AniList and MAL services, authorized automatically)\n');
      console.log(formatReport(report, { maxLines: 200 }));
      if (report.status === 'reauth_required') {
        console.log('\nRun `npm start`, open the local inbox and follow the authorization link first.');
      }
    }
    process.exitCode = report.status === 'failed' ? 1 : 0;
  } finally {
    await system.close();
  }
}

syncOnce().catch((err: unknown) => {
  console.error(`Sync failed: ${describeError(err)}`);
  if ((err as { code?: string }).code === 'EADDRINUSE') {
    console.error('The local S3 port is in use (is `npm start` running?). Stop it or set LOCAL_S3_PORT.');
  }
  process.exit(1);
});
