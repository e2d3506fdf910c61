import { describeError } from '../shared/errors';
import { formatReport, type RunReport } from '../shared/sync/report';
import { ephemeralLocalConfig, quietSdkWarnings, readDotEnv } from './config';
import { describeForConsole } from './console';
import { approveLatestEmail } from './story';
import { startLocalSystem } from './system';

/**
 * `npm run demo [-- --json]`: the whole story once, unattended, in the sandbox. The reauth email
 * is sent, its link followed and approved, the tokens stored, and one full sync mirrors the list.
 * The last line of output is `{"report": ..., "mal": <the sandbox MAL list>}`.
 */
async function demo(): Promise<void> {
  quietSdkWarnings();
  const json = process.argv.includes('--json');
  const say = (line: string) => {
    if (!json) console.log(line);
  };
  // .env as for `npm start` and `npm run sync` (fixtures, pacing, HTTP settings); the demo is
  // always the sandbox, on fresh ports so that it never collides with a running `npm start`.
  readDotEnv();
  const local = ephemeralLocalConfig(process.env);
  const reports: RunReport[] = [];
  const errors: string[] = [];
  const system = await startLocalSystem({
    local,
    env: process.env,
    sandbox: true,
    onReport: (r) => reports.push(r),
    onError: (where, err) => errors.push(`${where}: ${describeError(err)}`),
  });
  try {
    say(`Sandbox AniList user "${system.config.ANILIST_USERNAME}" → sandbox MyAnimeList`);
    const mail = await system.runMailer();
    if (!mail.sent) throw new Error(`the reauth mailer sent nothing: ${mail.why}`);
    say(`1. Reauth email sent (${mail.why}); the link works until ${mail.linkExpiresAt}`);
    const story = await approveLatestEmail(system);
    say(`2. Opened "${story.subject}", approved on MyAnimeList; the callback answered ${story.callbackStatus}`);
    if (story.callbackStatus !== 200)
      throw new Error(`the callback refused the authorization (${story.callbackStatus})`);
    await system.settle();
    const report = reports.at(-1);
    if (!report) throw new Error(`no sync ran after the authorization${errors.length ? `: ${errors.join('; ')}` : ''}`);
    say('3. Tokens stored; the first (full) sync ran at once:\n');
    console.log(formatReport(report, { maxLines: 100 }));
    console.log(JSON.stringify({ report, mal: system.mal?.state.listResponse() }));
  } finally {
    await system.close();
  }
}

demo().catch((err: unknown) => {
  console.error(`Demo failed: ${describeForConsole(err)}`);
  process.exit(1);
});
