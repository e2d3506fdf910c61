import type { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS } from '../defaults';
import { acknowledge } from '../nag';

export interface FailureQueueProps {
  /**
   * How long a failed invocation record stays for inspection.
   * @default DEFAULTS.failureQueueRetention (14 days, the SQS maximum)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * Where failed asynchronous invocations end up: the Lambda on-failure destination of the worker and
 * the mailer, and the dead-letter queue of every EventBridge target. An alarm watches its depth.
 */
export class FailureQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FailureQueueProps = {}) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? DEFAULTS.failureQueueRetention,
    });
    const reason =
      'This queue is itself the dead-letter/failure destination of the functions and rules; a DLQ behind it would only move the same records one hop further. Its depth is alarmed instead.';
    acknowledge(this.queue, { id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
  }
}
