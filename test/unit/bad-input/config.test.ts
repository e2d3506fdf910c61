import { localConfigSchema } from '../../../local/config';
import { loadConfig } from '../../../shared/config';
import { loadCallbackConfig, loadMailerConfig, loadWorkerConfig } from '../../../shared/destinations';
import { ConfigError } from '../../../shared/errors';

type Env = Record<string, string | undefined>;

/**
 * How each function (and the local runtime) reads its settings, with the smallest valid environment:
 * the common keys plus those of each enabled destination (DESTINATIONS, default `mal`).
 */
const SCHEMAS: Record<string, { load: (env: Env) => unknown; valid: Record<string, string>; required: string[] }> = {
  'sync worker': {
    load: loadWorkerConfig,
    valid: { ANILIST_USERNAME: 'alice', MAL_CLIENT_ID: 'client', STATE_BUCKET: 'mirror-state' },
    required: ['ANILIST_USERNAME', 'MAL_CLIENT_ID', 'STATE_BUCKET'],
  },
  mailer: {
    load: loadMailerConfig,
    valid: {
      STATE_BUCKET: 'mirror-state',
      MAL_CLIENT_ID: 'client',
      CALLBACK_URL: 'https://cb.example.test/callback',
      NOTIFY_EMAIL: 'you@example.test',
      SENDER_EMAIL: 'mirror@example.test',
    },
    required: ['STATE_BUCKET', 'MAL_CLIENT_ID', 'CALLBACK_URL', 'NOTIFY_EMAIL', 'SENDER_EMAIL'],
  },
  callback: {
    load: loadCallbackConfig,
    valid: { STATE_BUCKET: 'mirror-state', MAL_CLIENT_ID: 'client' },
    required: ['STATE_BUCKET', 'MAL_CLIENT_ID'],
  },
  local: { load: (env) => loadConfig(localConfigSchema, env), valid: {}, required: [] },
};

function issuesOf(load: (env: Env) => unknown, env: Env): string[] {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('config_invalid');
    // The message lists every issue on its own line.
    for (const issue of (err as ConfigError).issues) expect((err as Error).message).toContain(`\n  - ${issue}`);
    return [...(err as ConfigError).issues];
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

/**
 * [schema, key, bad value, expected message]. Every key a schema reads that can be malformed is
 * here; each value is refused with a message naming the key and saying what is expected.
 */
const BAD_VALUES: [string, string, string, string][] = [
  ['sync worker', 'HTTP_TIMEOUT_MS', 'fast', 'must be a number'],
  ['sync worker', 'HTTP_TIMEOUT_MS', '-5', 'must be above 0'],
  ['sync worker', 'HTTP_TIMEOUT_MS', '0', 'must be above 0'],
  ['sync worker', 'HTTP_TIMEOUT_MS', '1.5', 'must be a whole number'],
  ['sync worker', 'HTTP_TIMEOUT_MS', 'Infinity', 'must be a number'],
  // Past Node's timer limit (2^31−1 ms) every request timed out after 1 ms; below 100 ms is a unit slip.
  [
    'sync worker',
    'HTTP_TIMEOUT_MS',
    '99999999999',
    'must be from 100 to 300000: a timeout in milliseconds per request, e.g. 15000 for 15 s',
  ],
  ['sync worker', 'HTTP_TIMEOUT_MS', '15', 'must be from 100 to 300000'],
  ['callback', 'HTTP_TIMEOUT_MS', '300001', 'must be from 100 to 300000'],
  ['sync worker', 'ANILIST_USERNAME', 'a', 'is 1 characters long: set it to your AniList user name'],
  ['sync worker', 'ANILIST_USERNAME', 'alice smith', 'contains " ", which no AniList user name holds'],
  ['sync worker', 'ANILIST_USERNAME', 'alice"}]){x', 'contains "\\"", "}", "]", ")", "{"'],
  ['sync worker', 'HTTP_MAX_ATTEMPTS', 'three', 'must be a number'],
  ['sync worker', 'HTTP_RETRY_BASE_DELAY_MS', '-1', 'must be above 0'],
  ['sync worker', 'CHECKPOINT_EVERY_WRITES', '0', 'must be above 0'],
  ['sync worker', 'MAL_REQUESTS_PER_MINUTE', '-1', 'must be 0 or more'],
  ['sync worker', 'ANILIST_REQUESTS_PER_MINUTE', 'lots', 'must be a number'],
  ['sync worker', 'FULL_SYNC_INTERVAL_HOURS', 'NaN', 'must be a number'],
  ['sync worker', 'DEADLINE_SAFETY_MS', '-20000', 'must be 0 or more'],
  ['sync worker', 'MIRROR_PRIVATE', 'maybe', 'must be true or false'],
  ['sync worker', 'PARTIAL_DATES', 'guess', 'must be leave or send'],
  ['sync worker', 'PRUNE', 'TRUE', 'must be true or false'],
  // Without the owner's token, private entries are invisible: prune would take them for deleted.
  ['sync worker', 'PRUNE', 'true', 'needs ANILIST_TOKEN (or ANILIST_TOKEN_PARAMETER)'],
  ['sync worker', 'MIRROR_PRIVATE', 'true', 'needs ANILIST_TOKEN (or ANILIST_TOKEN_PARAMETER)'],
  ['sync worker', 'S3_FORCE_PATH_STYLE', 'on', 'must be true or false'],
  ['sync worker', 'ANILIST_URL', 'graphql.anilist.co', 'must be an http(s) URL'],
  ['sync worker', 'ANILIST_URL', 'ftp://graphql.anilist.co', 'must be an http(s) URL'],
  ['sync worker', 'MAL_API_URL', 'file:///etc/passwd', 'must be an http(s) URL'],
  ['sync worker', 'MAL_OAUTH_URL', 'javascript:alert(1)', 'must be an http(s) URL'],
  ['sync worker', 'ID_OVERRIDES', 'not json', 'must be a JSON object of AniList media id → MAL id'],
  ['sync worker', 'ID_OVERRIDES', '[21, 21]', 'must be a JSON object of AniList media id → MAL id'],
  ['sync worker', 'ID_OVERRIDES', '{"21":"twenty-one"}', 'must be a JSON object of AniList media id → MAL id'],
  ['sync worker', 'ID_OVERRIDES', '{"abc":21}', 'must be a JSON object of AniList media id → MAL id'],
  ['sync worker', 'ID_OVERRIDES', '{"21":-21}', 'must be a JSON object of AniList media id → MAL id'],
  // EXCLUDE: which ids to leave alone; the message quotes the slip and shows how to write it.
  [
    'sync worker',
    'EXCLUDE',
    '1535,21',
    'must be JSON, not "1535,21": a list of AniList media ids, e.g. [1535] for every destination, or {"mal":[1535],"trakt":[21]} per destination',
  ],
  [
    'sync worker',
    'EXCLUDE',
    '"1535"',
    'must be a list of AniList media ids or an object of them per destination, not "1535"',
  ],
  [
    'sync worker',
    'EXCLUDE',
    '[1535, 0]',
    'holds 0, which is not an AniList media id: each must be a whole number above 0',
  ],
  ['sync worker', 'EXCLUDE', '[21.5]', 'holds 21.5, which is not an AniList media id'],
  [
    'sync worker',
    'EXCLUDE',
    '{"mal":["21"]}',
    '"mal" holds "21", which is not an AniList media id: write it as a number',
  ],
  ['sync worker', 'EXCLUDE', '{"MAL":[21]}', 'names "MAL", which is not a destination (did you mean "mal"?)'],
  [
    'sync worker',
    'EXCLUDE',
    '{"netflix":[21]}',
    'names "netflix", which is not a destination (destinations: mal, trakt)',
  ],
  ['sync worker', 'EXCLUDE', '{"*":[21]}', 'to exclude from every destination, give a plain list, e.g. [1535]'],
  ['sync worker', 'EXCLUDE', '{"trakt":{"21":true}}', '"trakt" must be a list of AniList media ids, not {"21":true}'],
  ['sync worker', 'LOG_LEVEL', 'verbose', 'expected one of "debug"|"info"|"warn"|"error"'],
  ['sync worker', 'STATE_BUCKET', 'ab', 'must name the S3 bucket'],
  ['sync worker', 'REFRESH_TOKEN_LIFETIME_DAYS', 'a month', 'must be a number'],
  ['mailer', 'NOTIFY_EMAIL', 'you at example', 'must be an email address'],
  ['mailer', 'SENDER_EMAIL', '<script>@x', 'must be an email address'],
  ['mailer', 'CALLBACK_URL', '/callback', 'must be an http(s) URL'],
  ['mailer', 'REAUTH_LINK_TTL_HOURS', '0', 'must be above 0'],
  // A date that large is no date: the mailer crashed formatting the link's expiry.
  [
    'mailer',
    'REAUTH_LINK_TTL_HOURS',
    '1e12',
    'must be from 1 to 720: how many hours an authorization link works, e.g. 168 for a week',
  ],
  ['mailer', 'REAUTH_THROTTLE_HOURS', '12.5', 'must be a whole number'],
  ['mailer', 'REAUTH_WARN_DAYS', '-1', 'must be above 0'],
  ['callback', 'CALLBACK_URL', 'data:text/html,hi', 'must be an http(s) URL'],
  ['callback', 'HTTP_TIMEOUT_MS', '2s', 'must be a number'],
  ['callback', 'MAL_OAUTH_URL', 'not a url', 'must be an http(s) URL'],
  // Which destinations a function serves, and where the list comes from.
  ['sync worker', 'DESTINATIONS', 'netflix', 'unknown: netflix'],
  ['sync worker', 'DESTINATIONS', 'mal,mal', 'must be a comma list of mal, trakt (each once)'],
  ['mailer', 'DESTINATIONS', ' , ', 'must be a comma list of mal, trakt'],
  ['sync worker', 'SOURCE', 'kitsu', 'must be anilist or mal'],
  ['local', 'LOCAL_CALLBACK_PORT', 'http', 'must be a port number'],
  ['local', 'LOCAL_S3_PORT', '70000', 'must be a port number'],
  ['local', 'SANDBOX', 'maybe', 'must be auto, true or false'],
  ['local', 'SYNC_INTERVAL_MINUTES', '0', 'must be above 0'],
  [
    'local',
    'SYNC_INTERVAL_MINUTES',
    'quarter-hourly',
    'must be a whole number of minutes from 2 to 1440, e.g. SYNC_INTERVAL_MINUTES=15',
  ],
];

/** The keys the issues name (`KEY is …` or `KEY="value" …`), sorted. */
function keysOf(issues: readonly string[]): string[] {
  return issues.map((i) => i.split(/[ =]/)[0]!).sort();
}

describe('loadConfig: every schema refuses bad values with a message naming the key', () => {
  test.each(Object.entries(SCHEMAS))('%s: the minimal environment is valid', (_name, { load, valid }) => {
    expect(() => load(valid)).not.toThrow();
  });

  test.each(BAD_VALUES)('%s: %s=%j → "%s"', (schemaName, key, value, message) => {
    const { load, valid } = SCHEMAS[schemaName]!;
    const issues = issuesOf(load, { ...valid, [key]: value });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(new RegExp(`^${key}[ =]`));
    // A bad value is quoted as written (in front, or by the message itself), so that the slip can be
    // found in .env; a good value that another setting rules out ("needs ANILIST_TOKEN") need not be.
    if (!message.startsWith('needs ')) expect(issues[0]).toContain(JSON.stringify(value));
    expect(issues[0]).toContain(message);
  });

  test.each(Object.entries(SCHEMAS).filter(([, s]) => s.required.length > 0))(
    '%s: each missing required key is named, all at once',
    (_name, { load, required }) => {
      expect(keysOf(issuesOf(load, {}))).toEqual([...required].sort());
      for (const issue of issuesOf(load, {})) expect(issue).toMatch(/^[A-Z_]+ is required(: |$)/);
    },
  );

  test.each(Object.entries(SCHEMAS).filter(([, s]) => s.required.length > 0))(
    '%s: empty and blank values count as missing',
    (_name, { load, valid, required }) => {
      const blank = Object.fromEntries(required.map((k, i) => [k, i % 2 === 0 ? '' : '   ']));
      const issues = issuesOf(load, { ...valid, ...blank });
      expect(keysOf(issues)).toEqual([...required].sort());
      for (const issue of issues) expect(issue).toMatch(/^[A-Z_]+ is required(: |$)/);
    },
  );

  test('one error names every bad key of the sync worker at once, missing and malformed alike', () => {
    const env = {
      MAL_CLIENT_ID: 'client',
      STATE_BUCKET: 'mirror-state',
      HTTP_TIMEOUT_MS: '-1',
      MIRROR_PRIVATE: 'perhaps',
      ID_OVERRIDES: '{',
      ANILIST_URL: 'gopher://x',
    };
    expect(keysOf(issuesOf(loadWorkerConfig, env))).toEqual([
      'ANILIST_URL',
      'ANILIST_USERNAME',
      'HTTP_TIMEOUT_MS',
      'ID_OVERRIDES',
      'MIRROR_PRIVATE',
    ]);
  });

  test('bad values are not echoed back: a secret pasted into the wrong setting stays out of logs', () => {
    const secret = 'sk_live_5f2b8e0c9d1a4b7e';
    const err = (() => {
      try {
        loadWorkerConfig({
          ...SCHEMAS['sync worker']!.valid,
          HTTP_TIMEOUT_MS: secret,
          ID_OVERRIDES: secret,
          ANILIST_URL: secret,
          LOG_LEVEL: secret,
          MIRROR_PRIVATE: secret,
          EXCLUDE: secret,
        });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.issues).toHaveLength(6);
    expect(err.message).not.toContain(secret);
    expect(err.issues).toContain(
      'EXCLUDE must be JSON, not a value of 26 characters (not shown): a list of AniList media ids, e.g. [1535] for every destination, or {"mal":[1535],"trakt":[21]} per destination',
    );
    // Pasted as the user name (too long for one), it is not echoed either.
    expect(issuesOf(loadWorkerConfig, { ...SCHEMAS['sync worker']!.valid, ANILIST_USERNAME: secret })).toEqual([
      expect.stringMatching(/^ANILIST_USERNAME is 24 characters long: /),
    ]);
  });

  test('unknown keys are ignored and well-formed values are coerced', () => {
    const config = loadWorkerConfig({
      ...SCHEMAS['sync worker']!.valid,
      SOMETHING_ELSE: '<script>',
      HTTP_TIMEOUT_MS: ' 2500 ',
      MIRROR_PRIVATE: 'yes',
      ANILIST_TOKEN_PARAMETER: '/mirror/anilist-token',
      ID_OVERRIDES: '{"21":21}',
      EXCLUDE: '{"mal":[1535, 21, 1535]}',
    });
    expect(config.base).toMatchObject({
      HTTP_TIMEOUT_MS: 2500,
      MIRROR_PRIVATE: true,
      // Duplicates are harmless: kept once.
      EXCLUDE: { all: [], byDestination: { mal: [1535, 21] } },
    });
    expect(SCHEMAS['sync worker']!.load(SCHEMAS['sync worker']!.valid)).toMatchObject({
      base: { EXCLUDE: { all: [], byDestination: {} } },
    });
    // The bounds themselves are valid, and so is a name from before AniList's letters-and-digits rule.
    expect(loadWorkerConfig({ ...SCHEMAS['sync worker']!.valid, HTTP_TIMEOUT_MS: '300000' }).base.HTTP_TIMEOUT_MS).toBe(
      300_000,
    );
    expect(loadWorkerConfig({ ...SCHEMAS['sync worker']!.valid, ANILIST_USERNAME: 'old_name-1.x' }).base).toMatchObject(
      {
        ANILIST_USERNAME: 'old_name-1.x',
      },
    );
    expect(config.destinations.map((d) => d.module.key)).toEqual(['mal']);
    const mal = config.destinations[0]!.config as { ID_OVERRIDES: Map<number, number> };
    expect([...mal.ID_OVERRIDES]).toEqual([[21, 21]]);
  });
});
