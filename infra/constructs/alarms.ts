import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TOKENS_LOST_LOG } from '../../shared/auth/tokens';
import { DEFAULTS, METRIC_NAMESPACE } from '../defaults';
import { acknowledge } from '../nag';

export interface AlarmsProps {
  /** The sync worker: its `Errors` metric drives the worker-errors alarm. */
  readonly worker: lambda.IFunction;
  /**
   * Minutes between scheduled sync runs: the period of the worker-errors alarm, so that each period
   * holds about one run.
   */
  readonly syncIntervalMinutes: number;
  /** The OAuth callback's HTTP API: its `5xx` metric drives the callback-errors alarm. */
  readonly callbackApi: apigw.IHttpApi;
  /** The mailer's log group: its `reauth check` lines carry `reauthPendingHours`. */
  readonly mailerLogGroup: logs.ILogGroup;
  /** The sync worker's log group: a `refreshed tokens lost` line drives the tokens-lost alarm. */
  readonly workerLogGroup: logs.ILogGroup;
  /**
   * Where failed asynchronous invocations and undeliverable EventBridge events are parked: its depth
   * drives the failed-invocations alarm.
   */
  readonly failureQueue: sqs.IQueue;
  /** The providers the user authorizes: one "reauth pending" alarm each. */
  readonly destinations: readonly { readonly key: string; readonly label: string }[];
  /**
   * Alarm when a destination's authorization has been missing or invalid for this many hours.
   * @default 72 (DEFAULTS.reauthAlarmHours)
   */
  readonly reauthAlarmHours?: number;
  /**
   * Also notify this address. Creates an SNS topic encrypted with a customer-managed KMS key
   * (CloudWatch cannot publish to a topic under the AWS-managed SNS key), about 1 USD a month.
   * @default - no notification; alarm states are visible in the CloudWatch console
   */
  readonly alarmEmail?: string;
}

/**
 * What the user wants to hear about: the sync keeps failing, the MAL authorization has stayed broken
 * for days (the reminder mails are not being acted on), invocations failed for good, or an
 * authorization the user just made failed at the callback.
 */
export class Alarms extends Construct {
  readonly workerErrors: cloudwatch.Alarm;
  /** One per destination, by destination key. */
  readonly reauthPending: Readonly<Record<string, cloudwatch.Alarm>>;
  readonly failedInvocations: cloudwatch.Alarm;
  /** A refreshed token could not be saved: the user will have to authorize again. */
  readonly tokensLost: cloudwatch.Alarm;
  readonly callbackServerErrors: cloudwatch.Alarm;
  /** The metric per destination, by destination key. */
  readonly reauthPendingHours: Readonly<Record<string, cloudwatch.Metric>>;
  /** Present when `alarmEmail` is set. */
  readonly topic?: sns.Topic;
  /** Every alarm above, for the alarm topic and for `npm run status` (the stack's AlarmNames output). */
  readonly all: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    this.workerErrors = new cloudwatch.Alarm(this, 'WorkerErrors', {
      alarmDescription:
        'The sync worker failed in consecutive scheduled runs. Check its log group for "sync run" lines with errors.',
      metric: props.worker.metricErrors({
        period: Duration.minutes(props.syncIntervalMinutes),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: DEFAULTS.workerErrorEvaluationPeriods,
      datapointsToAlarm: DEFAULTS.workerErrorEvaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // The mailer logs one "reauth check" line per destination; the destination becomes the dimension.
    const filter = new logs.MetricFilter(this, 'ReauthPendingHoursFilter', {
      logGroup: props.mailerLogGroup,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.message', '=', 'reauth check'),
        logs.FilterPattern.numberValue('$.reauthPendingHours', '>=', 0),
      ),
      metricNamespace: METRIC_NAMESPACE,
      metricName: 'ReauthPendingHours',
      metricValue: '$.reauthPendingHours',
      dimensions: { Destination: '$.destination' },
    });
    const hours = props.reauthAlarmHours ?? DEFAULTS.reauthAlarmHours;
    const metrics: Record<string, cloudwatch.Metric> = {};
    const alarms: Record<string, cloudwatch.Alarm> = {};
    for (const { key, label } of props.destinations) {
      // The mailer runs at least daily, so a one-day period always holds a data point while it works.
      metrics[key] = filter.metric({
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.days(1),
        dimensionsMap: { Destination: key },
      });
      alarms[key] = new cloudwatch.Alarm(this, `ReauthPending${label.replace(/[^A-Za-z0-9]/g, '')}`, {
        alarmDescription: `${label} authorization has been missing or invalid for ${hours} hours or more; syncing to ${label} is stopped. Open the latest re-authorization email (or run the mailer) and authorize again.`,
        metric: metrics[key],
        threshold: hours,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.reauthPendingHours = metrics;
    this.reauthPending = alarms;

    // Every failed sync run is parked in the queue (the worker does not retry; the next tick does), and
    // nothing consumes it, so its depth only grows until someone purges it. Alarming on the first message
    // would report the single blip the worker-errors alarm deliberately ignores; waiting for more periods
    // would not help either (the message stays). So the same rule is applied to the count instead: a
    // second failure (two sync runs, a mailer that failed twice for good, ...) raises the alarm.
    this.failedInvocations = new cloudwatch.Alarm(this, 'FailedInvocations', {
      alarmDescription: `${DEFAULTS.failedInvocationsBeforeAlarm} or more asynchronous invocations failed for good and were parked in the failure queue. Inspect the messages (which function, which error), then purge the queue.`,
      metric: props.failureQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: DEFAULTS.failedInvocationsBeforeAlarm,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Refreshed tokens that could not be saved (shared/auth/tokens.ts: after retries, and once more at the end
    // of the run) are lost for good: the provider has retired the old refresh token. One is enough.
    const lostFilter = new logs.MetricFilter(this, 'TokensLostFilter', {
      logGroup: props.workerLogGroup,
      filterPattern: logs.FilterPattern.stringValue('$.message', '=', TOKENS_LOST_LOG),
      metricNamespace: METRIC_NAMESPACE,
      metricName: 'TokensLost',
      metricValue: '1',
    });
    this.tokensLost = new cloudwatch.Alarm(this, 'TokensLost', {
      alarmDescription: `Refreshed tokens could not be saved to the state bucket, even after retries and a last try at the end of the sync run. The provider has already retired the old refresh token, so the next run asks for a new authorization (a reauth email follows). Check the sync worker's log for "${TOKENS_LOST_LOG}" and why S3 refused the write.`,
      metric: lostFilter.metric({
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(props.syncIntervalMinutes),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // The callback runs only when the user authorizes, a few times a month, so one failed authorization
    // (the provider not answering, the tokens not saved, a crash or timeout) is already news.
    this.callbackServerErrors = new cloudwatch.Alarm(this, 'CallbackServerErrors', {
      alarmDescription:
        'The OAuth callback answered with a 5xx: an authorization the user just made did not complete. Check the callback function’s log group ("oauth callback" lines) and the API access logs.',
      metric: props.callbackApi.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.all = [
      this.workerErrors,
      ...Object.values(this.reauthPending),
      this.failedInvocations,
      this.callbackServerErrors,
      this.tokensLost,
    ];

    if (props.alarmEmail) {
      const key = new kms.Key(this, 'TopicKey', {
        description: 'Encrypts the anilist-mal-mirror alarm topic',
        enableKeyRotation: true,
        // It only encrypts alarm notifications in flight; nothing stored depends on it, so it goes with
        // the stack (scheduled for deletion after the shortest pending window) instead of costing 1 USD a
        // month forever after a destroy.
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: DEFAULTS.alarmKeyPendingWindow,
      });
      // CloudWatch publishes to the encrypted topic on behalf of alarms in this account only.
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: 'anilist-mal-mirror alarms',
        masterKey: key,
        enforceSSL: true,
      });
      const subscription = new subscriptions.EmailSubscription(props.alarmEmail);
      this.topic.addSubscription(subscription);
      for (const child of this.topic.node.children) {
        if (child instanceof sns.Subscription) {
          acknowledge(child, {
            id: 'Serverless-SNSRedrivePolicy',
            reason:
              'Email subscription to the user’s own address: an undeliverable alarm mail has nowhere better to go, and the alarm state itself stays visible in CloudWatch.',
          });
        }
      }
      const action = new actions.SnsAction(this.topic);
      for (const alarm of this.all) alarm.addAlarmAction(action);
    }
  }
}
