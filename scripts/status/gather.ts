/**
 * The sending half of `npm run status`: asks AWS about the deployed stack and returns plain data;
 * `format.ts` turns it into text. Each section after the stack lookup fails on its own (its error
 * is shown in its place), so one missing permission does not hide the rest.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, type DescribeAlarmsCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { readTokenMeta, type TokenMeta } from '../../shared/auth/token-meta';
import { S3Store } from '../../shared/store/s3-store';
import { listRunReports, type StoredRunReport } from '../../shared/sync/report-archive';
import { explainAwsError, StatusError } from './errors';

export type Section<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface AuthState {
  readonly destination: string;
  /** Undefined when no metadata is stored: never authorized (or not since the stack was deployed). */
  readonly meta?: TokenMeta;
}

export interface AlarmInAlarm {
  readonly name: string;
  readonly description?: string;
  readonly reason?: string;
  /** Epoch ms of the change to ALARM. */
  readonly since?: number;
}

export interface ScheduleInfo {
  readonly ruleName: string;
  readonly expression?: string;
  /** `ENABLED` / `DISABLED`. */
  readonly state?: string;
}

export interface StatusData {
  readonly stackName: string;
  readonly region: string;
  readonly stackStatus: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly runs: Section<StoredRunReport[]>;
  readonly auth: Section<AuthState[]>;
  readonly schedule: Section<ScheduleInfo | undefined>;
  readonly alarms: Section<AlarmInAlarm[]>;
}

export interface StatusClients {
  readonly cloudFormation: CloudFormationClient;
  readonly s3: S3Client;
  readonly eventBridge: EventBridgeClient;
  readonly cloudWatch: CloudWatchClient;
}

/** Clients on the default credential chain (AWS_PROFILE, `aws configure`, SSO, …); AWS_ENDPOINT_URL is honoured. */
export function createStatusClients(region: string | undefined): StatusClients {
  const options = region ? { region } : {};
  return {
    cloudFormation: new CloudFormationClient(options),
    // Path style works with every endpoint (moto, LocalStack) and with every bucket name.
    s3: new S3Client({ ...options, forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined }),
    eventBridge: new EventBridgeClient(options),
    cloudWatch: new CloudWatchClient(options),
  };
}

export interface GatherOptions {
  readonly stackName: string;
  /** How many of the last runs to show. */
  readonly runs: number;
}

export async function gatherStatus(clients: StatusClients, options: GatherOptions): Promise<StatusData> {
  const region = await clients.cloudFormation.config.region().catch((err: unknown) => {
    throw new StatusError(explainAwsError(err, 'cloudformation:DescribeStacks', options.stackName));
  });
  const stack = await describeStack(clients.cloudFormation, options.stackName, region);
  const { outputs } = stack;
  const bucket = outputs.StateBucketName;
  const store = bucket ? new S3Store({ client: clients.s3, bucket }) : undefined;
  const missing = (name: string) => `the stack has no ${name} output: redeploy with this version (npm run deploy)`;
  const [runs, auth, schedule, alarms] = await Promise.all([
    store
      ? section(() => listRunReports(store, options.runs), 's3:ListBucket and s3:GetObject on reports/*')
      : failed<StoredRunReport[]>(missing('StateBucketName')),
    store
      ? section(() => readAuthStates(store, destinationsOf(outputs)), 's3:GetObject on auth/token-meta/*')
      : failed<AuthState[]>(missing('StateBucketName')),
    section(() => describeSchedule(clients.eventBridge, outputs.SyncScheduleRuleName), 'events:DescribeRule'),
    section(
      () => alarmsInAlarm(clients.cloudWatch, options.stackName, outputs.AlarmNames),
      'cloudwatch:DescribeAlarms',
    ),
  ]);
  return { stackName: options.stackName, region, stackStatus: stack.status, outputs, runs, auth, schedule, alarms };
}

async function describeStack(
  client: CloudFormationClient,
  stackName: string,
  region: string,
): Promise<{ status: string; outputs: Record<string, string> }> {
  let found: DescribeStacksCommandOutput;
  try {
    found = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (err) {
    if (/does not exist/i.test(err instanceof Error ? err.message : ''))
      throw new StatusError(notDeployed(stackName, region));
    throw new StatusError(explainAwsError(err, 'cloudformation:DescribeStacks', stackName));
  }
  const stack = found.Stacks?.[0];
  if (!stack) throw new StatusError(notDeployed(stackName, region));
  const outputs: Record<string, string> = {};
  for (const o of stack.Outputs ?? [])
    if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
  return { status: stack.StackStatus ?? 'UNKNOWN', outputs };
}

function notDeployed(stackName: string, region: string): string {
  return (
    `The stack ${stackName} does not exist in ${region} for these credentials. Deploy first: npm run deploy ` +
    '(or point at the region you deployed to: the "region" setting in cdk.json, AWS_REGION, or --region).'
  );
}

/** The stack's destinations (its Destinations output); MyAnimeList alone for stacks from before it existed. */
function destinationsOf(outputs: Readonly<Record<string, string>>): string[] {
  const listed = (outputs.Destinations ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  return listed.length > 0 ? listed : ['mal'];
}

/** The token metadata of each destination (account, times, invalid mark): never the tokens. */
async function readAuthStates(store: S3Store, destinations: readonly string[]): Promise<AuthState[]> {
  return Promise.all(
    destinations.map(async (destination) => {
      const { meta } = await readTokenMeta(store, destination);
      return meta ? { destination, meta } : { destination };
    }),
  );
}

async function describeSchedule(
  client: EventBridgeClient,
  ruleName: string | undefined,
): Promise<ScheduleInfo | undefined> {
  if (!ruleName) return undefined;
  const rule = await client.send(new DescribeRuleCommand({ Name: ruleName }));
  return {
    ruleName,
    ...(rule.ScheduleExpression ? { expression: rule.ScheduleExpression } : {}),
    ...(rule.State ? { state: rule.State } : {}),
  };
}

/**
 * The stack's alarms now in ALARM: by the names in its AlarmNames output, or else by the prefix
 * CloudFormation gives the names it generates (`<stack>-`).
 */
async function alarmsInAlarm(
  client: CloudWatchClient,
  stackName: string,
  names: string | undefined,
): Promise<AlarmInAlarm[]> {
  const listed = (names ?? '').split(',').filter(Boolean);
  const found: AlarmInAlarm[] = [];
  let nextToken: string | undefined;
  do {
    const input: DescribeAlarmsCommandInput = {
      StateValue: 'ALARM',
      ...(listed.length > 0 ? { AlarmNames: listed.slice(0, 100) } : { AlarmNamePrefix: `${stackName}-` }),
      ...(nextToken ? { NextToken: nextToken } : {}),
    };
    const page = await client.send(new DescribeAlarmsCommand(input));
    for (const a of page.MetricAlarms ?? []) {
      // Checked here too: some endpoints (moto) ignore StateValue when AlarmNames is given.
      if (!a.AlarmName || a.StateValue !== 'ALARM') continue;
      found.push({
        name: a.AlarmName,
        ...(a.AlarmDescription ? { description: a.AlarmDescription } : {}),
        ...(a.StateReason ? { reason: a.StateReason } : {}),
        ...(a.StateUpdatedTimestamp ? { since: a.StateUpdatedTimestamp.getTime() } : {}),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return found;
}

async function section<T>(read: () => Promise<T>, permission: string): Promise<Section<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, error: explainAwsError(err, permission) };
  }
}

function failed<T>(error: string): Promise<Section<T>> {
  return Promise.resolve({ ok: false, error });
}
