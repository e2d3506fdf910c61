import { describeError } from '../shared/errors';
import { formatUtc } from '../shared/mail/html';
import { formatReport, type RunReport } from '../shared/sync/report';
import { answerUsage, EXIT_USAGE, parseCommandLine } from '../shared/text/args';
import { escapeRawInJson } from '../shared/text/printable';
import { guardConsoleOutput } from '../shared/text/terminal';
import { ephemeralLocalConfig, quietSdkWarnings, readDotEnv } from './config';
import { describeForConsole } from './console';
import { approveLatestEmail } from './story';
import { startLocalSystem } from './system';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

const DEMO_USAGE = `usage: npm run demo [-- --json]

The whole sandbox story once, unattended: the reauth email is sent to the local inbox, its link is
followed and approved, the tokens are stored, and one full sync mirrors the sandbox AniList list.
Prints each step and the run report. .env is read; it never touches a real account.
  --json   print only one JSON line instead: the report and the sandbox lists, each in the shape
           of that service's API (use npm run -s demo -- --json: without -s, npm adds its own lines)`;

/**
 * `npm run demo [-- --json]`: the whole story once, unattended, in the sandbox. The reauth email
 * is sent, its link followed and approved, the tokens stored, and one full sync mirrors the list.
 * With --json the only line of output is `{"report": ..., "mal": <the sandbox MAL list>, "trakt": {"history": [...],
 * "ratings": [...]}}`, each in the shape of that service's GET response (a destination left out of
 * DESTINATIONS is left out here too). With SOURCE=mal, `mal` is the list that was read. With
 * MIRROR_MANGA=true it also has `"malManga"`: the sandbox MAL manga list, as `GET /users/@me/mangalist`.
 */
async function demo(): Promise<number> {
  const args = parseCommandLine(process.argv.slice(2), { flags: ['--json'] });
  const usage = answerUsage(args, DEMO_USAGE);
  if (usage !== undefined || args.kind !== 'ok') return usage ?? EXIT_USAGE;
  quietSdkWarnings();
  const json = args.flags.has('--json');
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
    const labels = system.authTargets.map((t) => t.label);
    const source = system.config.base.SOURCE;
    const writes = system.authTargets.filter((t) => t.destination !== source).map((t) => t.label);
    say(
      source === 'mal' && system.mal
        ? `Sandbox MyAnimeList (SOURCE=mal), ${system.sandboxNotes.mal ?? `user "${system.mal.state.user.name}"`} → sandbox ${writes.join(' and ')}`
        : `Sandbox AniList user "${system.config.base.ANILIST_USERNAME}" → sandbox ${writes.join(' and ')}`,
    );
    const mail = await system.runMailer();
    if (!mail.sent) throw new Error(`the reauth mailer sent nothing: ${mail.why}`);
    const until = mail.destinations.find((d) => d.linkExpiresAt)?.linkExpiresAt;
    say(`1. Reauth email sent (${mail.why})${until ? `; its links work until ${formatUtc(new Date(until))}` : ''}`);
    // In AWS each approval starts a sync at once; here the approvals come first, so that one run
    // shows every destination's first sync.
    system.bus.route({ onAuthorizationCompleted: async () => {} });
    for (const label of labels) {
      const story = await approveLatestEmail(system, 'approve', label);
      say(`2. Opened "${story.subject}", approved on ${label}; the callback answered ${story.callbackStatus}`);
      if (story.callbackStatus !== 200) {
        throw new Error(`the callback refused the ${label} authorization (${story.callbackStatus})`);
      }
    }
    await system.settle();
    await system.runSync();
    const report = reports.at(-1);
    if (!report) throw new Error(`no sync ran after the authorization${errors.length ? `: ${errors.join('; ')}` : ''}`);
    say('3. Tokens stored; the first (full) sync:\n');
    say(formatReport(report, { maxLines: 100 }));
    if (!json) {
      say('\nThe lists as JSON (the report, the sandbox MAL list, Trakt): npm run -s demo -- --json');
      return 0;
    }
    const trakt = system.trakt
      ? { history: system.trakt.state.history(), ratings: system.trakt.state.ratings() }
      : undefined;
    // With MIRROR_MANGA=true, the sandbox MAL's manga list too, in the shape of GET /users/@me/mangalist.
    const malManga = system.config.base.MIRROR_MANGA ? system.mal?.state.mangaListResponse() : undefined;
    console.log(escapeRawInJson(JSON.stringify({ report, mal: system.mal?.state.listResponse(), malManga, trakt })));
    return 0;
  } finally {
    await system.close();
  }
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`Demo failed: ${describeForConsole(err)}`);
    process.exit(1);
  },
);
