import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  awsCliTarget,
  checkDeployConfig,
  LOCAL_SETTINGS_FILE,
  localContextArgs,
  withLocalSettings,
} from '../../scripts/cdk-config';
import { consumerSenderWarning, isConsumerMailbox } from '../../scripts/mail-sender';
import { cdkJsonContext, REPO_ROOT } from './support';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

/** A repository root holding the committed cdk.json and, if given, a local settings file. */
function rootWith(local?: unknown): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'local-settings-'));
  roots.push(root);
  fs.copyFileSync(path.join(REPO_ROOT, 'cdk.json'), path.join(root, 'cdk.json'));
  if (local !== undefined) {
    const text = typeof local === 'string' ? local : JSON.stringify(local);
    fs.writeFileSync(path.join(root, LOCAL_SETTINGS_FILE), text);
  }
  return root;
}

const PERSONAL = {
  anilistUsername: 'mirror-tester',
  notifyEmail: 'me@mail.test',
  senderEmail: 'reminders@mail.test',
  mal: { clientId: 'abc123clientid' },
};

describe('the local settings file (cdk.local.json)', () => {
  test('is merged over cdk.json: a block by field, so the committed fields stay', () => {
    const root = rootWith({ ...PERSONAL, syncIntervalMinutes: 30, mal: { clientId: 'abc123clientid', prune: false } });
    const check = checkDeployConfig(withLocalSettings([], root), root);
    expect(check).toMatchObject({
      ok: true,
      config: {
        anilistUsername: 'mirror-tester',
        notifyEmail: 'me@mail.test',
        syncIntervalMinutes: 30,
        mal: { clientId: 'abc123clientid', partialDates: 'leave', idOverrides: {} },
      },
    });
  });

  test('reaches cdk as -c arguments before the command line, whose -c still wins', () => {
    const root = rootWith({ ...PERSONAL, exclude: [1535] });
    expect(localContextArgs(root)).toEqual([
      '-c',
      'anilistUsername=mirror-tester',
      '-c',
      'notifyEmail=me@mail.test',
      '-c',
      'senderEmail=reminders@mail.test',
      '-c',
      'mal.clientId=abc123clientid',
      '-c',
      'exclude=[1535]',
    ]);
    const check = checkDeployConfig(withLocalSettings(['-c', 'notifyEmail=other@mail.test'], root), root);
    expect(check).toMatchObject({ ok: true, config: { notifyEmail: 'other@mail.test', exclude: { all: [1535] } } });
  });

  test('is validated like cdk.json: a misspelled key gets "did you mean", and says it came from the file', () => {
    const root = rootWith({ ...PERSONAL, notifyEmial: 'me@mail.test', mal: { clientId: 'x', partialDate: 'send' } });
    const check = checkDeployConfig(withLocalSettings([], root), root);
    expect(check.ok).toBe(false);
    const message = check.ok ? '' : check.message;
    expect(message).toContain(
      `notifyEmial is not a known setting (did you mean notifyEmail?) (from ${LOCAL_SETTINGS_FILE})`,
    );
    expect(message).toContain(
      `mal.partialDate is not a known setting (did you mean mal.partialDates?) (from ${LOCAL_SETTINGS_FILE})`,
    );
  });

  test('a bad value from the command line is not blamed on the file', () => {
    const root = rootWith(PERSONAL);
    const check = checkDeployConfig(withLocalSettings(['-c', 'notifyEmail=nope'], root), root);
    expect(check.ok ? '' : check.message).toContain('notifyEmail must be an email address');
    expect(check.ok ? '' : check.message).not.toContain('(from');
  });

  test('broken JSON, a list, or the cdk.json "context" wrapper are errors naming the file', () => {
    expect(() => withLocalSettings([], rootWith('{"notifyEmail": '))).toThrow(
      `${LOCAL_SETTINGS_FILE} is not valid JSON`,
    );
    expect(() => withLocalSettings([], rootWith([1]))).toThrow(`${LOCAL_SETTINGS_FILE} must hold one JSON object`);
    expect(() => withLocalSettings([], rootWith({ context: PERSONAL }))).toThrow('without the "context" wrapper');
  });

  test('no file, no change: the placeholders of cdk.json are refused, naming the file as the place for them', () => {
    const root = rootWith();
    expect(localContextArgs(root)).toEqual([]);
    const check = checkDeployConfig(withLocalSettings([], root), root);
    expect(check.ok ? '' : check.message).toMatch(/example values .*\n.*Put your own values in cdk\.local\.json/);
  });

  test('a region pinned there is where the AWS CLI looks too (destroy, restore); -c still wins', () => {
    const root = rootWith({ ...PERSONAL, region: 'eu-central-1' });
    expect(awsCliTarget([], root)).toEqual(['--region', 'eu-central-1']);
    expect(awsCliTarget(['-c', 'region=eu-west-1'], root)).toEqual(['--region', 'eu-west-1']);
  });

  test('is ignored by git, so personal values never reach a commit', () => {
    const gitignore = fs.readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8').split('\n');
    expect(gitignore).toContain(LOCAL_SETTINGS_FILE);
    const ignored = spawnSync('git', ['check-ignore', '--no-index', '-q', LOCAL_SETTINGS_FILE], { cwd: REPO_ROOT });
    expect(ignored.status).toBe(0);
  });

  test('the committed cdk.json holds no personal value: only placeholders where one is needed', () => {
    const context = cdkJsonContext();
    expect(context.notifyEmail).toBe('you@example.com');
    expect(context.senderEmail).toBe('you@example.com');
    expect(context.anilistUsername).toBe('your-anilist-name');
    expect(context.alarmEmail).toBe('');
  });
});

describe('a sender at a mailbox provider (DMARC)', () => {
  test.each([
    'me@gmail.com',
    'me@GoogleMail.com',
    'me@yahoo.com',
    'me@yahoo.co.uk',
    'me@hotmail.fr',
    'me@outlook.com',
    'me@live.com',
    'me@icloud.com',
    'me@aol.com',
  ])('%s is a mailbox provider address', (address) => {
    expect(isConsumerMailbox(address)).toBe(true);
  });

  test.each(['me@mail.test', 'me@gmail.com.example.org', 'me@mygmail.com', 'me@outlook.example.org'])(
    '%s is not',
    (address) => {
      expect(isConsumerMailbox(address)).toBe(false);
    },
  );

  test('to another address: a warning that says why, what to use instead, and the same-address fallback', () => {
    const warning = consumerSenderWarning({ senderEmail: 'bot@gmail.com', notifyEmail: 'me@mail.test' });
    expect(warning).toContain('senderEmail is a gmail.com address, sent to another address');
    expect(warning).toContain('fails DMARC');
    expect(warning).toContain('domain identity');
    expect(warning).toContain('sesIdentity "import"');
    expect(warning).toContain('set senderEmail to the same address as notifyEmail');
  });

  test('to itself: still a warning (DMARC fails all the same), worded for the spam folder or a refusal', () => {
    const gmail = consumerSenderWarning({ senderEmail: 'me@gmail.com', notifyEmail: 'ME@gmail.com' });
    expect(gmail).toContain('(sent to yourself)');
    expect(gmail).toContain('fails DMARC');
    expect(gmail).toContain('spam folder');
    const yahoo = consumerSenderWarning({ senderEmail: 'me@yahoo.com', notifyEmail: 'me@yahoo.com' });
    expect(yahoo).toContain('DMARC policy of "reject"');
    expect(yahoo).toContain('even though they go to your own address');
  });

  test('a sender at a domain of your own: no warning', () => {
    expect(consumerSenderWarning({ senderEmail: 'reminders@mail.test', notifyEmail: 'me@gmail.com' })).toBeUndefined();
  });

  test('the deploy check warns but does not refuse', () => {
    const root = rootWith({ ...PERSONAL, senderEmail: 'bot@gmail.com' });
    const check = checkDeployConfig(withLocalSettings([], root), root);
    expect(check.ok).toBe(true);
    expect(check.ok && check.warnings).toEqual([expect.stringContaining('fails DMARC')]);
    const fine = checkDeployConfig(withLocalSettings([], rootWith(PERSONAL)), rootWith(PERSONAL));
    expect(fine.ok && fine.warnings).toEqual([]);
  });
});
