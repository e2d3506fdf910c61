import { DEFAULTS } from '../../../infra/defaults';
import {
  ephemeralLocalConfig,
  LocalConfigError,
  localConfigSchema,
  MAX_SYNC_INTERVAL_MINUTES,
  MIN_SYNC_INTERVAL_MINUTES,
  urlHost,
} from '../../../local/config';
import { IntervalScheduler, MAX_TIMER_MS } from '../../../local/scheduler';
import { loadConfig } from '../../../shared/config';
import { ConfigError } from '../../../shared/errors';

function issuesOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(localConfigSchema, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

describe('SYNC_INTERVAL_MINUTES: the bounds of the deployed schedule', () => {
  test('are the same numbers as in infra', () => {
    expect(MIN_SYNC_INTERVAL_MINUTES).toBe(DEFAULTS.minSyncIntervalMinutes);
    expect(MAX_SYNC_INTERVAL_MINUTES).toBe(DEFAULTS.maxSyncIntervalMinutes);
  });

  test.each([
    ['50000', /at most 1440/],
    ['1441', /at most 1440/],
    ['1', /at least 2/],
    ['0.001', /whole number of minutes from 2 to 1440/],
    ['2.5', /whole number of minutes from 2 to 1440/],
    ['-5', /above 0/],
    ['Infinity', /must be a whole number of minutes from 2 to 1440, e.g. SYNC_INTERVAL_MINUTES=15/],
  ])('%s is refused with one message naming the key', (value, message) => {
    const issues = issuesOf({ SYNC_INTERVAL_MINUTES: value });
    expect(issues).toHaveLength(1);
    // The value is quoted as written, so that the slip can be found in .env.
    expect(issues[0]).toMatch(new RegExp(`^SYNC_INTERVAL_MINUTES="${value}" `));
    expect(issues[0]).toMatch(message);
  });

  test.each(['2', '15', '1440'])('%s is accepted', (value) => {
    expect(issuesOf({ SYNC_INTERVAL_MINUTES: value })).toEqual([]);
    expect(ephemeralLocalConfig({ SYNC_INTERVAL_MINUTES: value }).SYNC_INTERVAL_MINUTES).toBe(Number(value));
  });

  test('every accepted interval fits a timer, so the scheduler never fires every millisecond', () => {
    expect(MAX_SYNC_INTERVAL_MINUTES * 60_000).toBeLessThanOrEqual(MAX_TIMER_MS);
  });
});

describe('IntervalScheduler refuses intervals a timer cannot keep', () => {
  test.each([
    ['50,000 minutes (past the 2^31 ms timer limit)', 50_000 * 60_000],
    ['0.001 minutes', 60],
    ['zero', 0],
    ['NaN', Number.NaN],
    ['infinity', Number.POSITIVE_INFINITY],
  ])('%s', (_name, intervalMs) => {
    expect(() => new IntervalScheduler(intervalMs, async () => {})).toThrow(RangeError);
  });

  test('after stop, a late tick (e.g. an authorization event during shutdown) starts nothing', async () => {
    let runs = 0;
    const scheduler = new IntervalScheduler(60_000, async () => {
      runs++;
    });
    await scheduler.tick();
    await scheduler.stop();
    await scheduler.tick();
    scheduler.start({ runNow: true });
    await scheduler.tick();
    expect(runs).toBe(1);
  });
});

describe('LOCAL_HOST', () => {
  test.each(['127.0.0.1', '::1', '0.0.0.0', 'localhost'])('%s is accepted', (host) => {
    expect(issuesOf({ LOCAL_HOST: host })).toEqual([]);
  });

  test.each(['example.com', 'http://127.0.0.1', '[::1]', '127.0.0.1:3000'])('%s is refused, naming the key', (host) => {
    const issues = issuesOf({ LOCAL_HOST: host });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^LOCAL_HOST=".*" must be an IP address/);
    expect(issues[0]).toContain(JSON.stringify(host));
  });

  test.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '[::1]'],
    ['0.0.0.0', '127.0.0.1'],
    ['::', '127.0.0.1'],
    ['localhost', 'localhost'],
  ])('%s goes into URLs as %s', (host, shown) => {
    expect(urlHost(host)).toBe(shown);
    expect(() => new URL(`http://${urlHost(host)}:3000/callback`)).not.toThrow();
  });
});

test('a LocalConfigError keeps the issues and adds the note after them', () => {
  const err = new LocalConfigError(['ANILIST_USERNAME is required'], 'Real mode, because MAL_CLIENT_ID is set.');
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.issues).toEqual(['ANILIST_USERNAME is required']);
  expect(err.message).toBe(
    'Invalid configuration:\n  - ANILIST_USERNAME is required\nReal mode, because MAL_CLIENT_ID is set.',
  );
});
