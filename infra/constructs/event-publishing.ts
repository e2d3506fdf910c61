import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EVENT_SOURCE } from '../../shared/events';

/**
 * `events:PutEvents` on `bus` for entries whose `Source` is this project's (`EVENT_SOURCE`) and no
 * other. The default bus is shared with everything else in the account, so without the condition a
 * function could publish under another application's source and set off that application's rules.
 * (EventBridge checks `events:source` per entry; a refused entry comes back as a failed entry.)
 */
export function grantPublishProjectEvents(bus: events.IEventBus, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['events:PutEvents'],
    resourceArns: [bus.eventBusArn],
    conditions: { StringEquals: { 'events:source': EVENT_SOURCE } },
  });
}
