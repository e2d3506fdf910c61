import { describeInterval, nextRunAt, parseRate } from '../../../scripts/status/next-run';

const MIN = 60_000;

describe('parseRate: EventBridge rate expressions', () => {
  test.each([
    ['rate(15 minutes)', 15 * MIN],
    ['rate(1 minute)', MIN],
    ['rate(2 hours)', 120 * MIN],
    ['rate(1 hour)', 60 * MIN],
    ['rate(1 day)', 24 * 60 * MIN],
  ])('%s', (expression, ms) => {
    expect(parseRate(expression)).toBe(ms);
  });

  test.each(['cron(0 8 * * ? *)', 'rate(0 minutes)', 'rate(5 weeks)', '', undefined])(
    '%s is not a rate',
    (expression) => {
      expect(parseRate(expression)).toBeUndefined();
    },
  );
});

describe('nextRunAt: the first tick after now, counted from the last run', () => {
  const last = Date.parse('2026-12-01T10:00:00.000Z');
  const interval = 15 * MIN;

  test('one interval after the last run, while that is still ahead', () => {
    expect(nextRunAt(interval, last, last + 5 * MIN)).toBe(last + 15 * MIN);
  });

  test('ticks that passed with no run are skipped', () => {
    expect(nextRunAt(interval, last, last + 40 * MIN)).toBe(last + 45 * MIN);
  });

  test('exactly on a tick: the next one', () => {
    expect(nextRunAt(interval, last, last + 15 * MIN)).toBe(last + 30 * MIN);
  });

  test('no last run: unknown', () => {
    expect(nextRunAt(interval, undefined, last)).toBeUndefined();
    expect(nextRunAt(interval, Number.NaN, last)).toBeUndefined();
  });
});

describe('describeInterval', () => {
  test.each([
    [15 * MIN, 'every 15 minutes'],
    [MIN, 'every minute'],
    [60 * MIN, 'every hour'],
    [90 * MIN, 'every 90 minutes'],
    [48 * 60 * MIN, 'every 2 days'],
  ])('%d ms: %s', (ms, text) => {
    expect(describeInterval(ms)).toBe(text);
  });
});
