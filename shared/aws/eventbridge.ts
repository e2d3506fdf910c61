import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AppError } from '../errors';
import {
  type AuthorizationCompletedDetail,
  DETAIL_TYPES,
  EVENT_SOURCE,
  type EventPublisher,
  type ReauthRequiredDetail,
} from '../events';

export class EventPublishError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('event_publish_failed', message, options);
  }
}

export function createEventBridgePublisher(client: EventBridgeClient, busName: string): EventPublisher {
  const put = async (detailType: string, detail: object) => {
    const out = await client
      .send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: busName, Source: EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) },
          ],
        }),
      )
      .catch((err: unknown) => {
        throw new EventPublishError(`Publishing "${detailType}" to bus ${busName} failed`, { cause: err });
      });
    // PutEvents reports per-entry failures in a 200 response.
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new EventPublishError(
        `EventBridge rejected "${detailType}": ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`,
      );
    }
  };
  return {
    publishReauthRequired: (detail: ReauthRequiredDetail) => put(DETAIL_TYPES.reauthRequired, detail),
    publishAuthorizationCompleted: (detail: AuthorizationCompletedDetail) =>
      put(DETAIL_TYPES.authorizationCompleted, detail),
  };
}
