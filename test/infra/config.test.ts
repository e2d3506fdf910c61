import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/app';
import { CONFIG_KEYS, findPlaceholders, parseMirrorConfig } from '../../infra/config';
import { checkDeployConfig, resolveContext } from '../../scripts/cdk-config';
import { ConfigError } from '../../shared/errors';
import { cdkJsonContext, REAL_SETTINGS, REPO_ROOT } from './support';

function issuesOf(context: Record<string, unknown>): string[] {
  try {
    parseMirrorConfig(context);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseMirrorConfig', () => {
  test('cdk.json as committed is valid, so `cdk synth` works out of the box', () => {
    const config = parseMirrorConfig(cdkJsonContext());
    expect(config).toMatchObject({ syncIntervalMinutes: 15, sesIdentity: 'create', prune: false });
  });

  test('-c values arrive as strings and are coerced', () => {
    const config = parseMirrorConfig({
      ...REAL_SETTINGS,
      syncIntervalMinutes: '30',
      anilistTokenParameter: '/anilist-mal-mirror/anilist-token',
      prune: 'true',
      mirrorPrivate: 'no',
      idOverrides: '{"21":21,"1535":1535}',
      alarmEmail: '',
    });
    expect(config).toMatchObject({
      syncIntervalMinutes: 30,
      prune: true,
      mirrorPrivate: false,
      idOverrides: { '21': 21, '1535': 1535 },
    });
    expect(config.alarmEmail).toBeUndefined();
  });

  test('one error names every bad key at once', () => {
    const issues = issuesOf({
      anilistUsername: ' ',
      notifyEmail: 'not-an-email',
      syncIntervalMinutes: '1',
      prune: 'maybe',
      partialDates: 'guess',
      idOverrides: '{"abc": 1}',
      malClientSecretParameter: 'my actual secret value!',
      sesIdentity: 'verify',
      region: 'middle-earth',
    });
    const keys = issues.map((i) => i.split(' ')[0]);
    expect(new Set(keys)).toEqual(
      new Set([
        'anilistUsername',
        'malClientId',
        'notifyEmail',
        'senderEmail',
        'syncIntervalMinutes',
        'prune',
        'partialDates',
        'idOverrides',
        'malClientSecretParameter',
        'sesIdentity',
        'region',
      ]),
    );
    expect(issues).toContain('malClientId is required');
    expect(issues).toContain('syncIntervalMinutes must be at least 2');
  });

  test('a misspelled setting is reported with a suggestion instead of being ignored', () => {
    expect(issuesOf({ ...REAL_SETTINGS, syncIntervalMinute: 5 })).toEqual([
      'syncIntervalMinute is not a known setting (did you mean syncIntervalMinutes?)',
    ]);
  });

  test('CDK feature flags and internal context keys are not mistaken for settings', () => {
    expect(() =>
      parseMirrorConfig({ ...REAL_SETTINGS, '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:x': [] }),
    ).not.toThrow();
  });

  test('sesIdentityName only goes with an imported identity', () => {
    expect(issuesOf({ ...REAL_SETTINGS, sesIdentityName: 'mail.test' })[0]).toMatch(/^sesIdentityName /);
    expect(() =>
      parseMirrorConfig({ ...REAL_SETTINGS, sesIdentity: 'import', sesIdentityName: 'mail.test' }),
    ).not.toThrow();
  });

  test('mirrorPrivate without an AniList token is an error naming both keys', () => {
    const issues = issuesOf({ ...REAL_SETTINGS, mirrorPrivate: 'true' });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^mirrorPrivate /);
    expect(issues[0]).toContain('anilistTokenParameter');
  });

  test('prune without an AniList token is an error naming both keys (private entries would look deleted)', () => {
    const issues = issuesOf({ ...REAL_SETTINGS, prune: true });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^prune /);
    expect(issues[0]).toContain('anilistTokenParameter');
    expect(issues[0]).toMatch(/deleted/);
  });

  test('both at once without a token: one issue each, in one error', () => {
    const issues = issuesOf({ ...REAL_SETTINGS, prune: 'yes', mirrorPrivate: '1' });
    expect(issues.map((i) => i.split(' ')[0]).sort()).toEqual(['mirrorPrivate', 'prune']);
  });

  test('prune and mirrorPrivate with an AniList token, or switched off without one, are fine', () => {
    const token = { anilistTokenParameter: '/anilist-mal-mirror/anilist-token' };
    expect(parseMirrorConfig({ ...REAL_SETTINGS, ...token, prune: 'true', mirrorPrivate: 'true' })).toMatchObject({
      prune: true,
      mirrorPrivate: true,
    });
    expect(() => parseMirrorConfig({ ...REAL_SETTINGS, prune: 'false', mirrorPrivate: '' })).not.toThrow();
  });

  test('the cross-field rule also stops `cdk synth`', () => {
    const app = new App({ context: { ...cdkJsonContext(), prune: 'true', 'aws:cdk:bundling-stacks': [] } });
    expect(() => buildApp(app)).toThrow(/prune needs anilistTokenParameter/);
  });

  test('synth fails with the same message naming the bad keys', () => {
    const app = new App({
      context: { ...cdkJsonContext(), syncIntervalMinutes: 'often', notifyEmail: 'x', 'aws:cdk:bundling-stacks': [] },
    });
    expect(() => buildApp(app)).toThrow(/notifyEmail must be an email address\n.*syncIntervalMinutes must be a number/);
  });
});

describe('placeholders', () => {
  test('the committed values are all recognised as placeholders', () => {
    expect(findPlaceholders(parseMirrorConfig(cdkJsonContext())).sort()).toEqual(
      ['anilistUsername', 'malClientId', 'notifyEmail', 'senderEmail'].sort(),
    );
  });

  test('an address at a reserved example domain is a placeholder too', () => {
    expect(findPlaceholders(parseMirrorConfig({ ...REAL_SETTINGS, alarmEmail: 'ops@example.org' }))).toEqual([
      'alarmEmail',
    ]);
    expect(findPlaceholders(parseMirrorConfig({ ...REAL_SETTINGS }))).toEqual([]);
  });

  test('the deploy check refuses placeholders and accepts -c overrides', () => {
    const refused = checkDeployConfig([]);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toMatch(/anilistUsername, malClientId, notifyEmail, senderEmail/);

    const args = Object.entries(REAL_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const accepted = checkDeployConfig([...args, '--context=syncIntervalMinutes=20', '--profile', 'x']);
    expect(accepted).toMatchObject({ ok: true, config: { syncIntervalMinutes: 20, anilistUsername: 'mirror-tester' } });
  });

  test('context resolution: -c wins over cdk.json', () => {
    expect(resolveContext(['-c', 'prune=true'])).toMatchObject({ prune: 'true', anilistUsername: 'your-anilist-name' });
  });
});

describe('documentation', () => {
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const cdkJson = cdkJsonContext();

  test.each(CONFIG_KEYS)('%s is in cdk.json and documented in the README', (key) => {
    expect(cdkJson).toHaveProperty(key);
    expect(docs).toMatch(new RegExp(`\\|\\s*\`${key}\`\\s*\\|`));
  });
});
