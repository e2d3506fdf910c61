import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMirrorConfig } from '../../infra/config';
import { nextSteps, regionOfCallbackUrl, renderText, type SummaryOutputs } from '../../scripts/deploy-summary';
import { REAL_SETTINGS, REPO_ROOT } from './support';

const CALLBACK = 'https://abc123.execute-api.eu-west-1.amazonaws.com/callback';
const OUTPUTS: SummaryOutputs = {
  CallbackUrl: CALLBACK,
  StateBucketName: 'mirrorstack-statebucket-0a1b2c',
  SyncWorkerFunctionName: 'MirrorStack-SyncWorker-AbC123',
  SyncWorkerLogGroupName: 'MirrorStack-SyncWorkerLogs-XyZ789',
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-summary-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The CI step: `npx tsx scripts/deploy-summary.ts --outputs <file> …`, with the repository's settings as -c. */
function summary(args: string[], settings: Record<string, string> = REAL_SETTINGS) {
  const file = path.join(dir, 'outputs.json');
  fs.writeFileSync(file, JSON.stringify({ MirrorStack: OUTPUTS }));
  const context = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const r = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      path.join(REPO_ROOT, 'scripts', 'deploy-summary.ts'),
      '--outputs',
      file,
      ...args,
      ...context,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } },
  );
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('scripts/deploy-summary.ts (the deploy workflow\'s "Next steps")', () => {
  test('prints every step with the real URL, names and region, as Markdown', () => {
    const r = summary([]);
    expect(r.status).toBe(0);
    const out = r.out;
    const titles = [
      'Register the redirect URL',
      'Verify the SES identities',
      'Watch for the first email',
      'Check on it',
    ];
    for (const [i, title] of titles.entries()) expect(out).toContain(`${i + 1}. **${title}**`);
    expect(out).toContain(`\`${CALLBACK}\``);
    expect(out).toContain('https://myanimelist.net/apiconfig');
    expect(out).not.toContain('trakt.tv'); // Trakt is not enabled
    expect(out).toContain(
      'aws sesv2 get-email-identity --email-identity bot@mail.test --region eu-west-1 --query VerifiedForSendingStatus',
    );
    expect(out).toContain(
      'aws sesv2 get-email-identity --email-identity me@mail.test --region eu-west-1 --query VerifiedForSendingStatus',
    );
    expect(out).toContain('https://eu-west-1.console.aws.amazon.com/ses/home?region=eu-west-1#/identities');
    expect(out).toContain(
      'aws lambda invoke --function-name MirrorStack-SyncWorker-AbC123 --invocation-type Event --region eu-west-1 /dev/null',
    );
    expect(out).toContain('aws logs tail MirrorStack-SyncWorkerLogs-XyZ789 --follow --since 1h --region eu-west-1');
    expect(out).toContain('npm run status');
    expect(out).toContain('every 15 minutes');
  }, 60_000);

  test('with Trakt enabled, the Trakt app gets the URL too', () => {
    const r = summary([], {
      ...REAL_SETTINGS,
      destinations: 'mal,trakt',
      'trakt.clientId': 'traktid',
      'trakt.clientSecretParameter': '/anilist-mal-mirror/trakt-client-secret',
    });
    expect(r.out).toContain('https://trakt.tv/oauth/applications → your app → Edit → **Redirect URI**');
  }, 60_000);

  test('--hide-addresses (a public repository): no address in full, placeholders in the commands', () => {
    const r = summary(['--hide-addresses']);
    expect(r.status).toBe(0);
    expect(r.out).not.toContain('bot@mail.test');
    expect(r.out).not.toContain('me@mail.test');
    expect(r.out).toContain('b…@mail.test');
    expect(r.out).toContain('--email-identity <senderEmail>');
    expect(r.out).toContain('--email-identity <notifyEmail>');
  }, 60_000);

  test('a sender at a mailbox provider: the DMARC warning leads the summary', () => {
    const r = summary([], { ...REAL_SETTINGS, senderEmail: 'bot@gmail.com' });
    expect(r.out.indexOf('> [!WARNING]')).toBeLessThan(r.out.indexOf('1. **'));
    expect(r.out).toContain('fails DMARC');
  }, 60_000);

  test('bad settings or a missing --outputs fail with the reason', () => {
    expect(summary([], { ...REAL_SETTINGS, notifyEmail: 'nope' })).toMatchObject({
      status: 1,
      err: expect.stringContaining('notifyEmail must be an email address'),
    });
    const noOutputs = spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(REPO_ROOT, 'scripts', 'deploy-summary.ts'),
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(noOutputs.status).toBe(2);
    expect(noOutputs.stderr).toContain('--outputs <file> is required');
  }, 60_000);
});

describe('next steps, as npm run deploy prints them', () => {
  const config = parseMirrorConfig({ ...REAL_SETTINGS, senderEmail: 'me@mail.test' });

  test('the terminal version has the same steps and commands, without Markdown', () => {
    const text = renderText(nextSteps({ config, outputs: OUTPUTS, region: 'eu-west-1' }));
    expect(text).toContain(`The callback URL is ${CALLBACK}.`);
    expect(text).toContain('aws lambda invoke --function-name MirrorStack-SyncWorker-AbC123');
    expect(text).not.toMatch(/\*\*|`/);
    // Sender and recipient are one address: one identity to verify, one check.
    expect(text.match(/get-email-identity/g)).toHaveLength(1);
  });

  test('an imported identity: verified already; a different recipient is created by hand while in the sandbox', () => {
    const imported = parseMirrorConfig({ ...REAL_SETTINGS, sesIdentity: 'import', sesIdentityName: 'mail.test' });
    const [, ses] = nextSteps({ config: imported, outputs: OUTPUTS, region: 'eu-west-1' });
    expect(ses?.lines.join('\n')).toContain('Imported identity: mail.test must be verified in eu-west-1 already.');
    expect(ses?.lines.join('\n')).toContain(
      'aws sesv2 create-email-identity --email-identity me@mail.test --region eu-west-1',
    );
  });

  test('the region comes from the callback URL when none is pinned', () => {
    expect(regionOfCallbackUrl(CALLBACK)).toBe('eu-west-1');
    expect(regionOfCallbackUrl(undefined)).toBeUndefined();
  });
});

describe('scripts/with-repo-settings.sh (repository variables → -c key=value)', () => {
  const script = path.join(REPO_ROOT, 'scripts', 'with-repo-settings.sh');
  const run = (env: Record<string, string>) =>
    spawnSync('bash', [script, 'printf', '%s\\n', 'cmd'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...env },
    })
      .stdout.trim()
      .split('\n');

  test("each variable that is set becomes one -c argument, after the command's own", () => {
    expect(
      run({ SETTING_NOTIFY_EMAIL: 'me@mail.test', SETTING_MAL_CLIENT_ID: 'abc', SETTING_TRAKT_USERNAME: 'me' }),
    ).toEqual(['cmd', '-c', 'notifyEmail=me@mail.test', '-c', 'mal.clientId=abc', '-c', 'trakt.username=me']);
  });

  test('an unset or empty variable adds nothing, so cdk.json keeps its value', () => {
    expect(run({ SETTING_SENDER_EMAIL: '' })).toEqual(['cmd']);
  });
});
