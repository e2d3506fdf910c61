import { Duration, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { StateStorage } from '../../infra/constructs/state-storage';
import { PREFIXES } from '../../shared/store/store';
import { asArray, type FunctionRole, functionIds, s3Target, statementsOfFunction, synthMirror } from './support';

/** What the sync worker's run reports and `npm run status` need from the stack. */
const { template } = synthMirror();
const ids = functionIds(template);
const bucketId = Object.keys(template.findResources('AWS::S3::Bucket'))[0]!;

function lifecycleRules(t: Template): Record<string, unknown>[] {
  const rules = new Capture();
  t.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: rules } });
  return rules.asArray() as Record<string, unknown>[];
}

/** `action key` pairs on the state bucket's `reports/` that a function holds. */
function reportGrants(role: FunctionRole): string[] {
  return statementsOfFunction(template, ids[role])
    .flatMap((s) => asArray(s.Action).flatMap((a) => asArray(s.Resource).map((r) => `${a} ${s3Target(r, bucketId)}`)))
    .filter((grant) => grant.includes(PREFIXES.reports));
}

describe('run reports in the state bucket', () => {
  test('objects under reports/ expire after 30 days by default', () => {
    expect(lifecycleRules(template).filter((r) => r.Prefix === 'reports/')).toEqual([
      { Id: expect.any(String), Status: 'Enabled', Prefix: 'reports/', ExpirationInDays: 30 },
    ]);
  });

  test('the expiry is a prop of the storage construct', () => {
    const stack = new Stack();
    new StateStorage(stack, 'State', { reportExpiration: Duration.days(7) });
    expect(lifecycleRules(Template.fromStack(stack)).filter((r) => r.Prefix === 'reports/')).toEqual([
      expect.objectContaining({ ExpirationInDays: 7 }),
    ]);
  });

  test('the worker may only put objects under reports/; the other functions have no access to them', () => {
    expect(reportGrants('worker')).toEqual(['s3:PutObject reports/*']);
    expect(reportGrants('mailer')).toEqual([]);
    expect(reportGrants('callback')).toEqual([]);
  });
});

describe('outputs npm run status reads', () => {
  test('each function, each log group, the schedule rule, the alarms and the destinations', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    const fn = (role: FunctionRole) => ({ Ref: ids[role] });
    template.hasOutput('SyncWorkerFunctionName', { Value: fn('worker') });
    template.hasOutput('ReauthMailerFunctionName', { Value: fn('mailer') });
    template.hasOutput('OAuthCallbackFunctionName', { Value: fn('callback') });
    expect(Object.keys(functions)).toEqual(expect.arrayContaining(Object.values(ids)));

    // Each log group output is the very group its function logs to (LoggingConfig), not /aws/lambda/<name>.
    const outputs = template.findOutputs('*');
    for (const [role, output] of [
      ['worker', 'SyncWorkerLogGroupName'],
      ['mailer', 'ReauthMailerLogGroupName'],
      ['callback', 'OAuthCallbackLogGroupName'],
    ] as const) {
      const logging = (functions[ids[role]]!.Properties as { LoggingConfig: { LogGroup: unknown } }).LoggingConfig;
      expect(outputs[output]?.Value).toEqual(logging.LogGroup);
    }

    const scheduleRules = template.findResources('AWS::Events::Rule', {
      Properties: { ScheduleExpression: Match.stringLikeRegexp('^rate\\(') },
    });
    expect(Object.keys(scheduleRules)).toHaveLength(1);
    template.hasOutput('SyncScheduleRuleName', { Value: { Ref: Object.keys(scheduleRules)[0] } });

    // Every alarm of the stack, by name, comma-separated.
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBeGreaterThan(0);
    const names = new Capture();
    template.hasOutput('AlarmNames', { Value: { 'Fn::Join': [',', names] } });
    const named = (names.asArray() as { Ref: string }[]).map((n) => n.Ref);
    expect([...named].sort()).toEqual([...alarms].sort());

    template.hasOutput('Destinations', { Value: 'mal' });
  });

  test('Destinations lists every enabled destination', () => {
    const both = synthMirror({ destinations: 'mal,trakt', 'trakt.clientId': 'trakt-client' });
    both.template.hasOutput('Destinations', { Value: 'mal,trakt' });
  });
});
