import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { formatUtc } from '../../../shared/mail/html';
import { S3Store } from '../../../shared/store/s3-store';
import { KEYS } from '../../../shared/store/store';
import { saveRunReport } from '../../../shared/sync/report-archive';
import { describeWithMoto, MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from '../../support/moto';
import { destinationSection, runReport } from '../../support/reports';
import { runTsx } from '../../support/run-tsx';

const BUCKET = 'mirrorstack-statebucket-status';
const RULE = 'MirrorStack-SyncWorkerSchedule-TEST';
const FIRING = 'MirrorStack-AlarmsWorkerErrors-TEST';
const QUIET = 'MirrorStack-AlarmsTokensLost-TEST';
const WORKER_LOGS = 'MirrorStack-SyncWorkerHandlerLogs-TEST';
const HOUR = 3_600_000;

/** A stack named like the mirror's, with the outputs `npm run status` reads (the resources are made below). */
const TEMPLATE = JSON.stringify({
  Resources: { StateBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: BUCKET } } },
  Outputs: {
    StateBucketName: { Value: { Ref: 'StateBucket' } },
    SyncWorkerFunctionName: { Value: 'MirrorStack-SyncWorkerHandlerFunction-TEST' },
    SyncWorkerLogGroupName: { Value: WORKER_LOGS },
    SyncScheduleRuleName: { Value: RULE },
    AlarmNames: { Value: `${FIRING},${QUIET}` },
    Destinations: { Value: 'mal,trakt' },
  },
});

/** `npm run status` as a child process, the environment given exactly: moto's endpoint and fake keys only. */
async function runStatus(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; out: string; err: string }> {
  const r = await runTsx('scripts/status.ts', args, { env, timeoutMs: 90_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describeWithMoto('npm run status against moto_server', () => {
  let moto: Moto;
  let home: string;
  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: home,
    // Nothing of the developer's own AWS setup: no profile, no config file, no instance metadata.
    AWS_CONFIG_FILE: path.join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: MOTO_REGION,
  });
  const withKeys = () => ({
    ...env(),
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  });
  const clientOptions = () => ({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS });
  const now = Date.now();
  const newest = new Date(now - 5 * 60_000).toISOString();
  const older = new Date(now - 20 * 60_000).toISOString();
  const oldest = new Date(now - 35 * 60_000).toISOString();

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'status-home-'));
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  test('before a deploy: says the stack does not exist in the region, and to deploy first', async () => {
    const r = await runStatus([], withKeys());
    expect(r.status).toBe(1);
    expect(r.err).toContain(
      `The stack MirrorStack does not exist in ${MOTO_REGION} for these credentials. Deploy first: npm run deploy`,
    );
  }, 120_000);

  test('without credentials: says how to get them', async () => {
    const r = await runStatus([], env());
    expect(r.status).toBe(1);
    expect(r.err).toContain('No AWS credentials found: run `aws configure` (or `aws sso login`), or set AWS_PROFILE');
  }, 120_000);

  describe('a deployed stack', () => {
    beforeAll(async () => {
      const cfn = new CloudFormationClient(clientOptions());
      await cfn.send(new CreateStackCommand({ StackName: 'MirrorStack', TemplateBody: TEMPLATE }));
      cfn.destroy();

      const s3 = new S3Client({ ...clientOptions(), forcePathStyle: true });
      const store = new S3Store({ client: s3, bucket: BUCKET });
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      for (const [startedAt, written] of [
        [oldest, 1],
        [older, 2],
      ] as const) {
        await saveRunReport(
          store,
          runReport(startedAt, { destinations: [destinationSection({ applied: { written, removed: 0 } })] }),
          logger,
        );
      }
      await saveRunReport(
        store,
        runReport(newest, {
          status: 'partial',
          destinations: [
            destinationSection({
              status: 'partial',
              applied: { written: 3, removed: 0 },
              retryQueue: 23,
              stoppedEarly: true,
            }),
          ],
        }),
        logger,
      );
      // MAL authorized; Trakt never was (no metadata).
      await store.put(
        KEYS.tokenMeta('mal'),
        JSON.stringify({
          version: 1,
          tokensEtag: '"abc"',
          user: 'alice',
          refreshIssuedAt: now - 24 * HOUR,
          refreshExpiresAt: now + 30 * 24 * HOUR,
        }),
      );
      // A token object in the bucket must never be read: its value must not appear anywhere.
      await store.put(KEYS.tokens('mal'), JSON.stringify({ accessToken: 'never-shown-access-token-123' }));
      s3.destroy();

      const events = new EventBridgeClient(clientOptions());
      await events.send(new PutRuleCommand({ Name: RULE, ScheduleExpression: 'rate(15 minutes)' }));
      events.destroy();

      const cloudWatch = new CloudWatchClient(clientOptions());
      for (const name of [FIRING, QUIET]) {
        await cloudWatch.send(
          new PutMetricAlarmCommand({
            AlarmName: name,
            AlarmDescription: `${name} description`,
            MetricName: 'Errors',
            Namespace: 'AWS/Lambda',
            Statistic: 'Sum',
            Period: 900,
            EvaluationPeriods: 1,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          }),
        );
      }
      await cloudWatch.send(new SetAlarmStateCommand({ AlarmName: FIRING, StateValue: 'ALARM', StateReason: 'test' }));
      cloudWatch.destroy();
    }, 120_000);

    test('shows the last runs, authorization, the next run, alarms in ALARM and the logs', async () => {
      const r = await runStatus(['--runs', '2'], withKeys());
      // stderr may hold Node's warnings (the SDK's about Node 20), never an error of the command.
      expect(r.err).not.toMatch(/error|denied|could not/i);
      expect(r.status).toBe(0);
      const { out } = r;
      expect(out).toContain(`Stack MirrorStack in ${MOTO_REGION}: CREATE_COMPLETE`);

      // The last 2 runs, newest first; the third is left out.
      expect(out).toContain('Last runs (newest first, 2):');
      const first = out.indexOf(formatUtc(new Date(newest)));
      const second = out.indexOf(formatUtc(new Date(older)));
      expect(first).toBeGreaterThan(-1);
      expect(second).toBeGreaterThan(first);
      expect(out).not.toContain(formatUtc(new Date(oldest)));
      expect(out).toContain(
        'MyAnimeList: written 3 · failed 0 · left for the next run 23 — stopped: time budget: the next run continues',
      );

      expect(out).toContain(`MyAnimeList: authorized as alice (tokens issued ${formatUtc(new Date(now - 24 * HOUR))}`);
      expect(out).toContain('Trakt: Trakt is not connected yet — action needed');

      expect(out).toContain(
        `Next run: about ${formatUtc(new Date(Date.parse(newest) + 15 * 60_000))} (every 15 minutes)`,
      );

      expect(out).toContain('Alarms in ALARM: 1');
      expect(out).toContain(`✗ ${FIRING}`);
      expect(out).not.toContain(QUIET);

      expect(out).toContain(`sync worker: aws logs tail ${WORKER_LOGS} --follow --since 1h`);
      expect(out).not.toContain('never-shown-access-token-123');
    }, 120_000);

    test('--json: the same, as JSON', async () => {
      const r = await runStatus(['--json'], withKeys());
      expect(r.status).toBe(0);
      const json = JSON.parse(r.out);
      expect(json.runs.value.map((run: { startedAt: string }) => run.startedAt)).toEqual([newest, older, oldest]);
      expect(json.authorization.value.map((a: { state: string }) => a.state)).toEqual(['authorized', 'not_authorized']);
      expect(json.alarmsInAlarm.value.map((a: { name: string }) => a.name)).toEqual([FIRING]);
    }, 120_000);
  });

  test('--help, and an unknown option named with the one meant', async () => {
    const help = await runStatus(['--help'], env());
    expect(help.status).toBe(0);
    expect(help.out).toContain('usage: npm run status -- [--runs N] [--json]');
    const typo = await runStatus(['--jsno'], env());
    expect(typo.status).toBe(2);
    expect(typo.err).toContain('unknown option --jsno (did you mean --json?)');
  }, 120_000);
});
