import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { MOTO_CREDENTIALS, MOTO_REGION } from './moto';

/** An event rule as a stack defines it: the bus it listens on and the pattern it matches. */
export interface PatternRule {
  readonly name: string;
  readonly bus: string;
  readonly pattern: unknown;
}

/** What EventBridge hands a target: the envelope around the published entry. */
export interface DeliveredEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

export interface EventTaps {
  /** Everything delivered since the last drain, by rule name (every rule present, maybe empty). */
  drain(): Promise<Record<string, DeliveredEvent[]>>;
}

/** SDK client settings for a moto_server endpoint. */
export function motoClientConfig(endpoint: string) {
  return { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS };
}

/**
 * Puts each rule on moto's EventBridge with one SQS queue as its only target, a "tap" that shows
 * what the rule matched. Not the rule's real target: with a Lambda target moto's PutEvents fails.
 * moto delivers to SQS while it answers PutEvents, so a drain after a publish sees everything.
 */
export async function tapRules(endpoint: string, rules: readonly PatternRule[]): Promise<EventTaps> {
  const events = new EventBridgeClient(motoClientConfig(endpoint));
  const sqs = new SQSClient(motoClientConfig(endpoint));
  for (const bus of new Set(rules.map((r) => r.bus))) {
    if (bus !== 'default') await events.send(new CreateEventBusCommand({ Name: bus }));
  }
  const queues: Record<string, string> = {};
  for (const rule of rules) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `tap-${rule.name}`.slice(0, 80) }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await events.send(
      new PutRuleCommand({ Name: rule.name, EventBusName: rule.bus, EventPattern: JSON.stringify(rule.pattern) }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: rule.name,
        EventBusName: rule.bus,
        Targets: [{ Id: 'tap', Arn: attributes.Attributes?.QueueArn }],
      }),
    );
    queues[rule.name] = QueueUrl!;
  }
  return {
    async drain() {
      const delivered: Record<string, DeliveredEvent[]> = {};
      for (const [rule, url] of Object.entries(queues)) delivered[rule] = await drainQueue(sqs, url);
      return delivered;
    },
  };
}

async function drainQueue(sqs: SQSClient, url: string): Promise<DeliveredEvent[]> {
  const events: DeliveredEvent[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return events;
    events.push(...Messages.map((m) => JSON.parse(m.Body ?? '{}') as DeliveredEvent));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}
