import * as z from 'zod/mini';
import { localConfigSchema } from '../../../local/config';
import { loadConfig } from '../../../shared/config';
import { loadWorkerConfig } from '../../../shared/destinations';
import { ConfigError } from '../../../shared/errors';
import { isSecretSetting, quotedSetting, shownValue } from '../../../shared/text/quote';

function issuesOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config errors quote the bad value as written', () => {
  test('SYNC_INTERVAL_MINUTES="fifteen": the value, what is wrong, and a value that works', () => {
    expect(issuesOf(() => loadConfig(localConfigSchema, { SYNC_INTERVAL_MINUTES: 'fifteen' }))).toEqual([
      'SYNC_INTERVAL_MINUTES="fifteen" must be a whole number of minutes from 2 to 1440, e.g. SYNC_INTERVAL_MINUTES=15',
    ]);
  });

  test('each bad setting of one error is quoted', () => {
    const issues = issuesOf(() =>
      loadWorkerConfig({
        ANILIST_USERNAME: 'alice',
        MAL_CLIENT_ID: 'x',
        STATE_BUCKET: 'mirror-state',
        LOG_LEVEL: 'verbose',
        MIRROR_PRIVATE: 'maybe',
        HTTP_TIMEOUT_MS: '1e12',
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^LOG_LEVEL="verbose" /),
        'MIRROR_PRIVATE="maybe" must be true or false',
        'HTTP_TIMEOUT_MS="1e12" must be from 100 to 300000: a timeout in milliseconds per request, e.g. 15000 for 15 s',
      ]),
    );
  });

  test('a value that is already unset or blank is "required", not quoted', () => {
    expect(issuesOf(() => loadWorkerConfig({ MAL_CLIENT_ID: 'x', STATE_BUCKET: '   ' }))).toContain(
      'STATE_BUCKET is required',
    );
  });
});

describe('a secret is never quoted', () => {
  /** Settings named like secrets, each refusing the short, plain-looking value it is given. */
  const schema = z.object({
    MAL_CLIENT_SECRET: z.enum(['a']),
    ANILIST_TOKEN: z.enum(['a']),
    SMTP_PASSWORD: z.enum(['a']),
    SOME_API_KEY: z.enum(['a']),
  });
  const env = {
    MAL_CLIENT_SECRET: 'hunter2',
    ANILIST_TOKEN: 'hunter3',
    SMTP_PASSWORD: 'hunter4',
    SOME_API_KEY: 'hunter5',
  };

  test('by name: *_SECRET, *_TOKEN, *_KEY, passwords', () => {
    const issues = issuesOf(() => loadConfig(schema, env));
    expect(issues).toHaveLength(4);
    for (const issue of issues) expect(issue).not.toMatch(/hunter/);
    expect(issues.map((i) => i.split(' ')[0])).toEqual(Object.keys(env));
  });

  test('nor a value that looks like a secret pasted into the wrong setting', () => {
    for (const pasted of ['sk_live_5f2b8e0c9d1a4b7e', 'eyJhbGciOiJIUzI1NiJ9abcdefghijklmnop', 'a'.repeat(40)]) {
      const issues = issuesOf(() => loadConfig(localConfigSchema, { SANDBOX: pasted }));
      expect(issues).toEqual(['SANDBOX must be auto, true or false']);
    }
  });

  test('names that only mention a token hold none', () => {
    expect(isSecretSetting('REFRESH_TOKEN_LIFETIME_DAYS')).toBe(false);
    expect(isSecretSetting('ANILIST_TOKEN_PARAMETER')).toBe(false);
    expect(isSecretSetting('TRAKT_CLIENT_SECRET')).toBe(true);
    expect(isSecretSetting('DB_PASSWORD_FILE')).toBe(true);
  });
});

describe('quoted values are safe for the terminal and short', () => {
  test('control characters and bidi controls are escaped, not sent', () => {
    const shown = quotedSetting('SANDBOX', 'x\u001b[2J\u202ey') ?? '';
    expect(shown).toBe('"x\\u001b[2J\\u202ey"');
    expect(shown).not.toContain('\u001b');
    expect(shown).not.toContain('\u202e');
  });

  test('a long value is cut, with its length', () => {
    const long = 'word '.repeat(40);
    const shown = shownValue(long);
    expect(shown).toMatch(/^"word word .*…" \(200 characters\)$/);
    expect(shown.length).toBeLessThan(90);
  });
});
