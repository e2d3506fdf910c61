import { Capture, Match } from 'aws-cdk-lib/assertions';
import { TOKENS_LOST_LOG } from '../../shared/auth/tokens';
import { KEYS } from '../../shared/store/store';
import {
  asArray,
  functionIds,
  REAL_SETTINGS,
  resourcesOf,
  s3Target,
  statementsOfFunction,
  synthMirror,
} from './support';

/**
 * Issue #12: the mailer reads the tokens' metadata, never the tokens (point 4), and a refreshed token
 * that could not be saved raises an alarm (point 2). Both destinations enabled, so that every key is named.
 */
const { template } = synthMirror({
  ...REAL_SETTINGS,
  destinations: 'mal,trakt',
  trakt: { clientId: 'trakt-client-id-1234', clientSecretParameter: '/anilist-mal-mirror/trakt-client-secret' },
});
const ids = functionIds(template);
const bucketId = Object.keys(template.findResources('AWS::S3::Bucket'))[0]!;
const DESTINATIONS = ['mal', 'trakt'];

/** `action key` for every S3 grant of a function. */
const s3Grants = (role: 'worker' | 'mailer' | 'callback') =>
  statementsOfFunction(template, ids[role])
    .filter((s) => asArray(s.Action).some((a) => a.startsWith('s3:')))
    .flatMap((s) => asArray(s.Action).flatMap((a) => asArray(s.Resource).map((r) => `${a} ${s3Target(r, bucketId)}`)));

describe('the mailer and the tokens', () => {
  test('it may read every destination’s token metadata, and no object action reaches a tokens key', () => {
    const grants = s3Grants('mailer');
    for (const destination of DESTINATIONS) {
      expect(grants).toContain(`s3:GetObject ${KEYS.tokenMeta(destination)}`);
      expect(grants.filter((g) => g.endsWith(` ${KEYS.tokens(destination)}`))).toEqual([]);
    }
    // Nor a wildcard that would cover them.
    expect(grants.filter((g) => /\sauth\/(\*|tokens|mal|trakt)/.test(g))).toEqual([]);
  });

  test('its listing may name the tokens’ keys (whether they exist), with no object access', () => {
    const list = statementsOfFunction(template, ids.mailer).find((s) => asArray(s.Action).includes('s3:ListBucket'))!;
    const prefixes = asArray((list.Condition as { StringLike: { 's3:prefix': string[] } }).StringLike['s3:prefix']);
    for (const destination of DESTINATIONS) {
      expect(prefixes).toEqual(expect.arrayContaining([KEYS.tokens(destination), KEYS.tokenMeta(destination)]));
    }
  });

  test('the worker and the callback write the metadata with the tokens; the callback reads the metadata only', () => {
    for (const destination of DESTINATIONS) {
      expect(s3Grants('worker')).toEqual(
        expect.arrayContaining([
          `s3:GetObject ${KEYS.tokens(destination)}`,
          `s3:PutObject ${KEYS.tokens(destination)}`,
          `s3:GetObject ${KEYS.tokenMeta(destination)}`,
          `s3:PutObject ${KEYS.tokenMeta(destination)}`,
        ]),
      );
      expect(s3Grants('callback')).toEqual(
        expect.arrayContaining([
          `s3:PutObject ${KEYS.tokens(destination)}`,
          `s3:PutObject ${KEYS.tokenMeta(destination)}`,
        ]),
      );
    }
    // Issue #11: a link used again says "already connected", known from the metadata alone.
    expect(s3Grants('callback').filter((g) => g.startsWith('s3:GetObject auth/t'))).toEqual(
      DESTINATIONS.map((destination) => `s3:GetObject ${KEYS.tokenMeta(destination)}`),
    );
  });
});

describe('refreshed tokens lost', () => {
  test('a metric filter on the worker’s log group counts the "refreshed tokens lost" lines', () => {
    const workerLogGroup = template.toJSON().Resources[ids.worker].Properties.LoggingConfig.LogGroup;
    const pattern = new Capture();
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: workerLogGroup,
      FilterPattern: pattern,
      MetricTransformations: [Match.objectLike({ MetricName: 'TokensLost', MetricValue: '1' })],
    });
    expect(pattern.asString()).toBe(`{ $.message = "${TOKENS_LOST_LOG}" }`);
  });

  test('one such line raises the alarm', () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => (a.Properties as { MetricName?: string }).MetricName === 'TokensLost',
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]![1].Properties).toMatchObject({
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect((alarms[0]![1].Properties as { AlarmDescription: string }).AlarmDescription).toMatch(/new authorization/);
  });

  test('with alarmEmail, it notifies like the other alarms', () => {
    const full = synthMirror({ ...REAL_SETTINGS, alarmEmail: 'alerts@mail.test' }).template;
    const alarm = resourcesOf(full, 'AWS::CloudWatch::Alarm').find(
      ([, a]) => (a.Properties as { MetricName?: string }).MetricName === 'TokensLost',
    )!;
    expect((alarm[1].Properties as { AlarmActions?: unknown[] }).AlarmActions).toHaveLength(1);
  });
});
