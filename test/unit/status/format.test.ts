import { formatStatus, statusJson, summarizeStatus } from '../../../scripts/status/format';
import type { StatusData } from '../../../scripts/status/gather';
import { formatUtc } from '../../../shared/mail/html';
import { destinationSection, runReport } from '../../support/reports';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-01T10:20:00.000Z');
const utc = (iso: string | number) => formatUtc(new Date(iso));

const OUTPUTS = {
  StateBucketName: 'mirrorstack-statebucket-abc',
  SyncWorkerFunctionName: 'MirrorStack-SyncWorkerHandlerFunction-XYZ',
  SyncWorkerLogGroupName: 'MirrorStack-SyncWorkerHandlerLogs-AAA',
  ReauthMailerLogGroupName: 'MirrorStack-ReauthMailerHandlerLogs-BBB',
  OAuthCallbackLogGroupName: 'MirrorStack-OAuthCallbackHandlerLogs-CCC',
};

function statusData(over: Partial<StatusData> = {}): StatusData {
  const newest = runReport('2026-12-01T10:15:00.000Z', {
    status: 'partial',
    destinations: [
      destinationSection({
        status: 'partial',
        applied: { written: 3, removed: 1 },
        failures: [
          { key: 'anime:1', target: 'MAL #1', title: 'Cowboy Bebop', error: 'MAL answered 500', permanent: false },
        ],
        retryQueue: 24,
        stoppedEarly: true,
      }),
      destinationSection({
        destination: 'trakt',
        label: 'Trakt',
        shortLabel: 'Trakt',
        status: 'reauth_required',
        reauthReason: 'invalid_grant',
      }),
    ],
  });
  const older = runReport('2026-12-01T10:00:00.000Z', {
    destinations: [destinationSection({ applied: { written: 2, removed: 0 } })],
  });
  return {
    stackName: 'MirrorStack',
    region: 'eu-west-1',
    stackStatus: 'UPDATE_COMPLETE',
    outputs: OUTPUTS,
    runs: {
      ok: true,
      value: [
        { key: 'reports/2026-12-01T10-15-00-000Z-a.json', report: newest },
        { key: 'reports/2026-12-01T10-00-00-000Z-b.json', report: older },
      ],
    },
    auth: {
      ok: true,
      value: [
        {
          destination: 'mal',
          meta: {
            version: 1,
            tokensEtag: '"etag"',
            user: 'alice',
            refreshIssuedAt: NOW - 2 * 24 * HOUR,
            refreshExpiresAt: NOW + 29 * 24 * HOUR,
          },
        },
        {
          destination: 'trakt',
          meta: {
            version: 1,
            tokensEtag: '"etag2"',
            user: 'alice',
            refreshIssuedAt: NOW - 10 * HOUR,
            refreshExpiresAt: NOW + 80 * 24 * HOUR,
            invalid: { reason: 'invalid_grant', at: NOW - HOUR },
          },
        },
      ],
    },
    schedule: {
      ok: true,
      value: { ruleName: 'MirrorStack-Schedule', expression: 'rate(15 minutes)', state: 'ENABLED' },
    },
    alarms: {
      ok: true,
      value: [
        {
          name: 'MirrorStack-AlarmsWorkerErrors-1',
          description: 'The sync worker failed in consecutive scheduled runs.',
          since: NOW - HOUR,
        },
      ],
    },
    ...over,
  };
}

describe('npm run status: the text', () => {
  const text = formatStatus(summarizeStatus(statusData(), NOW));

  test('names the stack, its region and state', () => {
    expect(text).toMatch(/^Stack MirrorStack in eu-west-1: UPDATE_COMPLETE$/m);
  });

  test('the last runs newest first: time, status, and per destination written / failed / left and the stop reason', () => {
    const newest = text.indexOf(utc('2026-12-01T10:15:00.000Z'));
    const older = text.indexOf(utc('2026-12-01T10:00:00.000Z'));
    expect(newest).toBeGreaterThan(-1);
    expect(older).toBeGreaterThan(newest);
    expect(text).toContain(`  ${utc('2026-12-01T10:15:00.000Z')}  work left for the next run in 12.3 s`);
    expect(text).toContain(
      '    MyAnimeList: written 4 · failed 1 · left for the next run 24 — stopped: time budget: the next run continues',
    );
    expect(text).toContain(
      '    Trakt: written 0 · failed 0 · left for the next run 0 — stopped: Trakt needs your authorization',
    );
    expect(text).toContain('    MyAnimeList: written 2 · failed 0 · left for the next run 0\n');
  });

  test('authorization per destination from the token metadata, in the words of the reauth email', () => {
    expect(text).toContain(
      `  MyAnimeList: authorized as alice (tokens issued ${utc(NOW - 2 * 24 * HOUR)}, refresh token valid until ${utc(NOW + 29 * 24 * HOUR)})`,
    );
    expect(text).toContain('  Trakt: Trakt access has stopped working — action needed');
    expect(text).toContain('Open the authorization email');
    expect(text).toContain(
      `No email yet? Start a run, which asks the mailer for one: aws lambda invoke --function-name ${OUTPUTS.SyncWorkerFunctionName} --invocation-type Event /dev/null`,
    );
  });

  test('the next run: the first tick after now from the last run and the rate', () => {
    expect(text).toContain(`Next run: about ${utc('2026-12-01T10:30:00.000Z')} (every 15 minutes)`);
  });

  test('alarms in ALARM, with why', () => {
    expect(text).toContain('Alarms in ALARM: 1');
    expect(text).toContain(`  ✗ MirrorStack-AlarmsWorkerErrors-1 (since ${utc(NOW - HOUR)})`);
    expect(text).toContain('    The sync worker failed in consecutive scheduled runs.');
  });

  test('how to tail each function’s log group', () => {
    expect(text).toContain(`  sync worker: aws logs tail ${OUTPUTS.SyncWorkerLogGroupName} --follow --since 1h`);
    expect(text).toContain(`  reauth mailer: aws logs tail ${OUTPUTS.ReauthMailerLogGroupName} --follow --since 1h`);
    expect(text).toContain(`  OAuth callback: aws logs tail ${OUTPUTS.OAuthCallbackLogGroupName} --follow --since 1h`);
  });

  test('never shows what the token metadata says about the tokens object itself', () => {
    expect(text).not.toContain('etag');
  });
});

describe('npm run status: states worth their own words', () => {
  test('no token metadata: not connected yet; an expired authorization says so', () => {
    const text = formatStatus(
      summarizeStatus(
        statusData({
          auth: {
            ok: true,
            value: [
              { destination: 'trakt' },
              {
                destination: 'mal',
                meta: {
                  version: 1,
                  tokensEtag: '"e"',
                  user: null,
                  refreshIssuedAt: NOW - 40 * 24 * HOUR,
                  refreshExpiresAt: NOW - HOUR,
                },
              },
            ],
          },
        }),
        NOW,
      ),
    );
    expect(text).toContain('  Trakt: Trakt is not connected yet — action needed');
    expect(text).toContain('  MyAnimeList: MyAnimeList authorization expired — action needed');
  });

  test('no runs stored, no alarm, and a schedule without a last run says how often', () => {
    const text = formatStatus(
      summarizeStatus(statusData({ runs: { ok: true, value: [] }, alarms: { ok: true, value: [] } }), NOW),
    );
    expect(text).toContain('Last runs: none stored yet');
    expect(text).toContain('Next run: every 15 minutes');
    expect(text).toContain('Alarms: none in ALARM.');
  });

  test('a disabled schedule has no next run', () => {
    const schedule = { ok: true as const, value: { ruleName: 'r', expression: 'rate(1 hour)', state: 'DISABLED' } };
    expect(formatStatus(summarizeStatus(statusData({ schedule }), NOW))).toContain(
      'Next run: none, the schedule rule is disabled.',
    );
  });

  test('a section that could not be read shows its error in place; the others still show', () => {
    const denied = 'Access denied: your AWS identity needs cloudwatch:DescribeAlarms.';
    const text = formatStatus(summarizeStatus(statusData({ alarms: { ok: false, error: denied } }), NOW));
    expect(text).toContain(`Alarms: could not be read.\n  ${denied}`);
    expect(text).toContain('MyAnimeList: authorized as alice');
  });

  test('a stored object that is not a report is named, not fatal', () => {
    const runs = { ok: true as const, value: [{ key: 'reports/bad.json', problem: 'not JSON' }] };
    expect(formatStatus(summarizeStatus(statusData({ runs }), NOW))).toContain(
      '  reports/bad.json: could not be read (not JSON)',
    );
  });
});

describe('npm run status -- --json', () => {
  test('the same facts, dates in ISO 8601', () => {
    const json = JSON.parse(statusJson(summarizeStatus(statusData(), NOW)));
    expect(json.stack).toEqual({ name: 'MirrorStack', region: 'eu-west-1', status: 'UPDATE_COMPLETE' });
    expect(json.runs.value[0].startedAt).toBe('2026-12-01T10:15:00.000Z');
    expect(json.runs.value[0].destinations[0]).toEqual({
      destination: 'mal',
      label: 'MyAnimeList',
      status: 'partial',
      written: 4,
      failed: 1,
      left: 24,
      stopReason: 'time budget: the next run continues',
    });
    expect(json.authorization.value[1]).toMatchObject({ destination: 'trakt', state: 'needs_authorization' });
    expect(json.schedule.value).toEqual({
      expression: 'rate(15 minutes)',
      enabled: true,
      every: 'every 15 minutes',
      nextRunAt: '2026-12-01T10:30:00.000Z',
    });
    expect(json.alarmsInAlarm.value).toHaveLength(1);
  });
});
