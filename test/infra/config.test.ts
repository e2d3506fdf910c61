import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/app';
import { CONFIG_KEYS, findPlaceholders, parseMirrorConfig } from '../../infra/config';
import { DESTINATION_BLOCKS } from '../../infra/destinations';
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
    expect(config).toMatchObject({
      syncIntervalMinutes: 15,
      sesIdentity: 'create',
      source: 'anilist',
      destinations: ['mal'],
      mal: { prune: false, partialDates: 'leave' },
    });
  });

  test('-c values arrive as strings and are coerced', () => {
    const config = parseMirrorConfig({
      ...REAL_SETTINGS,
      syncIntervalMinutes: '30',
      anilistTokenParameter: '/anilist-mal-mirror/anilist-token',
      'mal.prune': 'true',
      mirrorPrivate: 'no',
      'mal.idOverrides': '{"21":21,"1535":1535}',
      alarmEmail: '',
    });
    expect(config).toMatchObject({
      syncIntervalMinutes: 30,
      mal: { clientId: 'abc123clientid', prune: true, idOverrides: { '21': 21, '1535': 1535 } },
      mirrorPrivate: false,
    });
    expect(config.alarmEmail).toBeUndefined();
  });

  test('one error names every bad key at once', () => {
    const issues = issuesOf({
      anilistUsername: ' ',
      notifyEmail: 'not-an-email',
      syncIntervalMinutes: '1',
      'mal.prune': 'maybe',
      'mal.partialDates': 'guess',
      'mal.idOverrides': '{"abc": 1}',
      'mal.clientSecretParameter': 'my actual secret value!',
      sesIdentity: 'verify',
      region: 'middle-earth',
    });
    const keys = issues.map((i) => i.split(' ')[0]);
    expect(new Set(keys)).toEqual(
      new Set([
        'anilistUsername',
        'mal.clientId',
        'notifyEmail',
        'senderEmail',
        'syncIntervalMinutes',
        'mal.prune',
        'mal.partialDates',
        'mal.idOverrides',
        'mal.clientSecretParameter',
        'sesIdentity',
        'region',
      ]),
    );
    expect(issues).toContain('mal.clientId is required');
    expect(issues).toContain('syncIntervalMinutes must be at least 2');
  });

  test.each([
    ['malClientId', 'clientId', 'abc'],
    ['malUsername', 'username', 'me'],
    ['malClientSecretParameter', 'clientSecretParameter', '/x/y'],
    ['prune', 'prune', 'true'],
    ['partialDates', 'partialDates', 'send'],
    ['idOverrides', 'idOverrides', '{"21":21}'],
  ])('the first version\'s flat key %s is an error naming its place in the "mal" block', (legacy, field, value) => {
    expect(issuesOf({ ...REAL_SETTINGS, [legacy]: value })).toEqual([
      `${legacy} moved into the "mal" block of cdk.json: "mal": {"${field}": …}`,
    ]);
  });

  test("a destination block also comes as JSON text (-c 'mal={…}'), and its unknown fields are named", () => {
    expect(
      parseMirrorConfig({
        ...REAL_SETTINGS,
        mal: '{"clientId":"from-json","partialDates":"send"}',
        'mal.clientId': 'x',
      }),
    ).toMatchObject({ mal: { clientId: 'x', partialDates: 'send' } });
    expect(issuesOf({ ...REAL_SETTINGS, mal: '{not json' })).toContain(
      'mal must be an object of settings (JSON text with -c)',
    );
    expect(issuesOf({ ...REAL_SETTINGS, 'mal.partialDate': 'send' })).toEqual([
      'mal.partialDate is not a known setting (did you mean mal.partialDates?)',
    ]);
  });

  test('destinations and source: each known destination once; a MyAnimeList source is not also a destination', () => {
    expect(issuesOf({ ...REAL_SETTINGS, destinations: 'mal,netflix' })[0]).toMatch(
      /^destinations must list destinations among /,
    );
    expect(issuesOf({ ...REAL_SETTINGS, destinations: 'mal,mal' })).toEqual([
      'destinations must name each destination once',
    ]);
    expect(issuesOf({ ...REAL_SETTINGS, source: 'mal' })).toEqual([
      'destinations cannot include mal while source is mal: the MyAnimeList list is the source',
    ]);
    expect(issuesOf({ ...REAL_SETTINGS, source: 'kitsu' })).toEqual(['source must be anilist or mal']);
  });

  test('exclude: a list for every destination, or lists per destination; from cdk.json, or JSON text with -c', () => {
    const excluded = (value: unknown) => parseMirrorConfig({ ...REAL_SETTINGS, exclude: value }).exclude;
    expect(excluded([1535, 21])).toEqual({ all: [1535, 21], byDestination: {} });
    expect(excluded({ mal: [1535], trakt: [21] })).toEqual({ all: [], byDestination: { mal: [1535], trakt: [21] } });
    expect(excluded('{"mal":[1535]}')).toEqual({ all: [], byDestination: { mal: [1535] } });
    expect(excluded('[1535]')).toEqual({ all: [1535], byDestination: {} });
    expect(excluded([])).toEqual({ all: [], byDestination: {} });
    expect(excluded('')).toBeUndefined(); // -c exclude= : nothing excluded
  });

  test.each([
    [
      '1535,21',
      'exclude must be JSON, not "1535,21": a list of AniList media ids, e.g. [1535] for every destination, or {"mal":[1535],"trakt":[21]} per destination',
    ],
    [
      1535,
      'exclude must be a list of AniList media ids or an object of them per destination, not 1535: e.g. [1535] for every destination, or {"mal":[1535],"trakt":[21]} per destination',
    ],
    [
      [1535, 2.5],
      'exclude holds 2.5, which is not an AniList media id: each must be a whole number above 0, the <id> in https://anilist.co/anime/<id> or /manga/<id>',
    ],
    [
      [-1],
      'exclude holds -1, which is not an AniList media id: each must be a whole number above 0, the <id> in https://anilist.co/anime/<id> or /manga/<id>',
    ],
    [['1535'], 'exclude holds "1535", which is not an AniList media id: write it as a number, without quotes: 1535'],
    [
      { mall: [1535] },
      'exclude names "mall", which is not a destination (did you mean "mal"?) (destinations: mal, trakt)',
    ],
    [
      { all: [1535] },
      'exclude names "all", which is not a destination: to exclude from every destination, give a plain list, e.g. [1535] (destinations: mal, trakt)',
    ],
    [{ trakt: 21 }, 'exclude "trakt" must be a list of AniList media ids, not 21: e.g. {"trakt":[1535]}'],
  ])('exclude %j is refused, naming the key, the bad value and how to write it', (value, message) => {
    expect(issuesOf({ ...REAL_SETTINGS, exclude: value })).toEqual([message]);
  });

  test('a misspelled setting is reported with a suggestion instead of being ignored', () => {
    expect(issuesOf({ ...REAL_SETTINGS, syncIntervalMinute: 5 })).toEqual([
      'syncIntervalMinute is not a known setting (did you mean syncIntervalMinutes?)',
    ]);
  });

  test('a key that differs from a setting only in case or separators is an error naming the setting, not ignored', () => {
    for (const key of ['anilist_username', 'AnilistUsername', 'anilist-username', 'ANILIST_USERNAME']) {
      expect(issuesOf({ ...REAL_SETTINGS, [key]: 'someoneelse' })).toEqual([
        `${key} is not a known setting (did you mean anilistUsername? Keys are spelled exactly, in camelCase)`,
      ]);
    }
    expect(issuesOf({ ...REAL_SETTINGS, 'MAL.clientId': 'x' })).toEqual([
      'MAL.clientId is not a known setting (did you mean mal.clientId? Keys are spelled exactly, in camelCase)',
    ]);
    expect(issuesOf({ ...REAL_SETTINGS, sync_interval_minutes: 30 })).toEqual([
      'sync_interval_minutes is not a known setting (did you mean syncIntervalMinutes? Keys are spelled exactly, in camelCase)',
    ]);
  });

  test("anilistUsername is bounded by AniList's own rule: 2 to 20 characters, no spaces or symbols", () => {
    expect(issuesOf({ ...REAL_SETTINGS, anilistUsername: 'x'.repeat(21) })).toEqual([
      expect.stringMatching(/^anilistUsername is 21 characters long: set it to your AniList user name/),
    ]);
    expect(issuesOf({ ...REAL_SETTINGS, anilistUsername: 'me/../admin' })).toEqual([
      expect.stringMatching(/^anilistUsername contains "\/", which no AniList user name holds/),
    ]);
    expect(parseMirrorConfig({ ...REAL_SETTINGS, anilistUsername: 'Josh20' }).anilistUsername).toBe('Josh20');
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
    const issues = issuesOf({ ...REAL_SETTINGS, mal: { prune: true } });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^mal\.prune /);
    expect(issues[0]).toContain('anilistTokenParameter');
    expect(issues[0]).toMatch(/deleted/);
  });

  test('both at once without a token: one issue each, in one error', () => {
    const issues = issuesOf({ ...REAL_SETTINGS, 'mal.prune': 'yes', mirrorPrivate: '1' });
    expect(issues.map((i) => i.split(' ')[0]).sort()).toEqual(['mal.prune', 'mirrorPrivate']);
  });

  test('prune and mirrorPrivate with an AniList token, or switched off without one, are fine', () => {
    const token = { anilistTokenParameter: '/anilist-mal-mirror/anilist-token' };
    expect(parseMirrorConfig({ ...REAL_SETTINGS, ...token, 'mal.prune': 'true', mirrorPrivate: 'true' })).toMatchObject(
      { mal: { prune: true }, mirrorPrivate: true },
    );
    expect(() => parseMirrorConfig({ ...REAL_SETTINGS, 'mal.prune': 'false', mirrorPrivate: '' })).not.toThrow();
  });

  test('the cross-field rule also stops `cdk synth`', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'mal.prune': 'true', 'aws:cdk:bundling-stacks': [] } });
    expect(() => buildApp(app)).toThrow(/mal\.prune needs anilistTokenParameter/);
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
      ['anilistUsername', 'mal.clientId', 'notifyEmail', 'senderEmail'].sort(),
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
    expect(!refused.ok && refused.message).toMatch(/anilistUsername, mal\.clientId, notifyEmail, senderEmail/);

    const args = Object.entries(REAL_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const accepted = checkDeployConfig([...args, '--context=syncIntervalMinutes=20', '--profile', 'x']);
    expect(accepted).toMatchObject({
      ok: true,
      config: { syncIntervalMinutes: 20, anilistUsername: 'mirror-tester', mal: { clientId: 'abc123clientid' } },
    });
  });

  test('context resolution: -c wins over cdk.json', () => {
    const resolved = resolveContext(['-c', 'syncIntervalMinutes=30', '-c', 'mal.partialDates=send']);
    expect(resolved).toMatchObject({
      syncIntervalMinutes: '30',
      'mal.partialDates': 'send',
      anilistUsername: 'your-anilist-name',
    });
    // A destination's field given with -c overrides that field of its cdk.json block, and only that one.
    expect(parseMirrorConfig(resolved)).toMatchObject({
      syncIntervalMinutes: 30,
      mal: { partialDates: 'send', clientId: 'your-mal-client-id', prune: false },
    });
  });
});

describe('documentation', () => {
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const cdkJson = cdkJsonContext();

  test.each(CONFIG_KEYS)('%s is in cdk.json and documented in the README', (key) => {
    expect(cdkJson).toHaveProperty(key);
    expect(docs).toMatch(new RegExp(`\\|\\s*\`${key}\`\\s*\\|`));
  });

  const blockFields = Object.entries(DESTINATION_BLOCKS).flatMap(([block, d]) =>
    Object.keys(d.schema.shape).map((field) => `${block}.${field}`),
  );
  test.each(blockFields)('%s is in its cdk.json block and documented in the README', (key) => {
    const [block, field] = key.split('.') as [string, string];
    expect(cdkJson[block]).toHaveProperty(field);
    expect(docs).toMatch(new RegExp(`\\|\\s*\`${key.replace('.', '\\.')}\`\\s*\\|`));
  });
});
