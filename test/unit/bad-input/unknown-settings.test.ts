import { LOCAL_SETTINGS, localConfigSchema, unknownSettingWarnings } from '../../../local/config';
import { DESTINATION_MODULES } from '../../../shared/destinations';
import { createJsonLogger } from '../../../shared/log';
import { FUNCTION_SETTINGS, findUnknownSettings, logUnknownSettings } from '../../../shared/unknown-settings';

/** A misspelled setting is ignored by every schema: these warnings are the only sign of it. */
describe('keys that look like misspelled settings get a warning with "did you mean"', () => {
  test.each([
    ['SYNC_INTERVAL_MINUTS', 'SYNC_INTERVAL_MINUTES'],
    ['MIRROR_PRIVAT', 'MIRROR_PRIVATE'],
    ['MIRRORPRIVATE', 'MIRROR_PRIVATE'],
    ['MAL_CLIENT_IDD', 'MAL_CLIENT_ID'],
    ['TRAKT_CLIENT_SECRT', 'TRAKT_CLIENT_SECRET'],
    ['ANILIST_USER', 'ANILIST_USERNAME'],
    ['PRUNES', 'PRUNE'],
    ['EXCLUDED', 'EXCLUDE'],
    ['ID_OVERIDES', 'ID_OVERRIDES'],
    ['DESTINATION', 'DESTINATIONS'],
    ['NOTIFY_EMIAL', 'NOTIFY_EMAIL'],
    ['STATE_BUCKT', 'STATE_BUCKET'],
    ['SANDBOX_ANILIST_FIXTUR', 'SANDBOX_ANILIST_FIXTURE'],
  ])('%s → did you mean %s?', (key, meant) => {
    expect(unknownSettingWarnings({ [key]: 'x' })).toEqual([
      `Warning: ${key} (in the environment) is not a setting and is ignored: did you mean ${meant}?`,
    ]);
  });

  test.each([
    ['sync_interval_minutes', 'SYNC_INTERVAL_MINUTES'],
    ['mirror_private', 'MIRROR_PRIVATE'],
    ['Mal_Client_Id', 'MAL_CLIENT_ID'],
  ])('%s (not upper case) → %s', (key, meant) => {
    expect(unknownSettingWarnings({ [key]: 'x' })).toEqual([
      `Warning: ${key} (in the environment) is ignored: settings are upper case. Did you mean ${meant}?`,
    ]);
  });

  test('a key with the project prefix but nothing close is still named, pointing at .env.example', () => {
    expect(unknownSettingWarnings({ MAL_SOMETHING_ELSE_ENTIRELY: 'x' })).toEqual([
      'Warning: MAL_SOMETHING_ELSE_ENTIRELY (in the environment) is not a setting and is ignored (.env.example lists them all)',
    ]);
  });

  test('says whether the key came from .env or the environment, and never quotes its value', () => {
    const warnings = unknownSettingWarnings(
      { MIRROR_PRIVAT: 'sk_live_5f2b8e0c9d1a4b7e', SYNC_INTERVAL_MINUTS: '60' },
      new Set(['MIRROR_PRIVAT']),
    );
    expect(warnings).toEqual([
      'Warning: MIRROR_PRIVAT (in .env) is not a setting and is ignored: did you mean MIRROR_PRIVATE?',
      'Warning: SYNC_INTERVAL_MINUTS (in the environment) is not a setting and is ignored: did you mean SYNC_INTERVAL_MINUTES?',
    ]);
    expect(warnings.join('\n')).not.toContain('sk_live');
  });
});

describe('other programs’ variables and the settings themselves are never warned about', () => {
  const foreign = [
    'PATH',
    'HOME',
    'USER',
    'SHELL',
    'LANG',
    'TERM',
    'TZ',
    'PWD',
    'EDITOR',
    'AWS_REGION',
    'AWS_PROFILE',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_LAMBDA_FUNCTION_NAME',
    'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
    'NODE_OPTIONS',
    'NODE_ENV',
    'npm_config_cache',
    'npm_lifecycle_event',
    'npm_package_name',
    'LAMBDA_TASK_ROOT',
    '_HANDLER',
    '_X_AMZN_TRACE_ID',
    'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT',
    'SSM_PARAMETER_STORE_TIMEOUT_MILLIS',
    'SOURCE_DATE_EPOCH',
    'HTTP_PROXY',
    'http_proxy',
    'HTTPS_PROXY',
    'NO_PROXY',
    'LOG_FILE',
    'CI',
    'GITHUB_ACTIONS',
    'JEST_WORKER_ID',
    'CHROMIUM_PATH',
    // Found on a developer's machine: one letter or two from a setting once - and _ are ignored.
    'IS_SANDBOX',
    'CONTAINER_NAME',
    'SHLVL',
    'OLDPWD',
    'PYENV_ROOT',
    'TOX_OVERRIDE',
    'SSL_CERT_FILE',
    'CURL_CA_BUNDLE',
  ];

  test.each(foreign)('%s', (key) => {
    expect(unknownSettingWarnings({ [key]: 'x' })).toEqual([]);
  });

  test('no setting the local runtime or any function reads is taken for a misspelling', () => {
    const env = Object.fromEntries(LOCAL_SETTINGS.map((key) => [key, 'x']));
    expect(unknownSettingWarnings(env)).toEqual([]);
  });

  test('every setting of every destination module, and of the local runtime, is known', () => {
    for (const module of Object.values(DESTINATION_MODULES)) {
      for (const schema of [module.workerConfig, module.config.mailer, module.config.callback]) {
        for (const key of Object.keys((schema as unknown as { shape: object }).shape)) {
          expect(FUNCTION_SETTINGS).toContain(key);
        }
      }
    }
    for (const key of Object.keys(localConfigSchema.shape)) expect(LOCAL_SETTINGS).toContain(key);
  });
});

describe('the Lambdas log one structured warning per unknown key of their environment', () => {
  test('names the key and the setting meant, never the value', () => {
    const lines: string[] = [];
    logUnknownSettings(
      { MIRROR_PRIVAT: 'hunter2-private-value', PATH: '/usr/bin', MAL_CLIENT_ID: 'x' },
      createJsonLogger({ write: (line) => lines.push(line) }),
    );
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'warn',
      event: 'unknown_setting',
      setting: 'MIRROR_PRIVAT',
      didYouMean: 'MIRROR_PRIVATE',
      message: 'MIRROR_PRIVAT is not a setting and is ignored: did you mean MIRROR_PRIVATE?',
    });
    expect(lines[0]).not.toContain('hunter2');
  });

  test('a Lambda environment as the stack sets it is quiet', () => {
    expect(findUnknownSettings(FUNCTION_SETTINGS, FUNCTION_SETTINGS)).toEqual([]);
  });
});
