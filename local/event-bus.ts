import type { AuthorizationCompletedDetail, EventPublisher, ReauthRequiredDetail } from '../shared/events';

/**
 * The local stand-in for the EventBridge rules in the CDK stack:
 * "Reauth Required" → reauth mailer, "Authorization Completed" → sync worker.
 * Delivery is asynchronous, as with EventBridge: the publisher never waits for the target.
 */
export class LocalEventBus implements EventPublisher {
  private readonly inflight = new Set<Promise<unknown>>();
  readonly published: { detailType: string; detail: unknown }[] = [];

  constructor(
    private readonly targets: {
      onReauthRequired?: (detail: ReauthRequiredDetail) => Promise<unknown>;
      onAuthorizationCompleted?: (detail: AuthorizationCompletedDetail) => Promise<unknown>;
      onError?: (err: unknown) => void;
    } = {},
  ) {}

  route(targets: LocalEventBus['targets']): void {
    Object.assign(this.targets, targets);
  }

  async publishReauthRequired(detail: ReauthRequiredDetail): Promise<void> {
    this.published.push({ detailType: 'Reauth Required', detail });
    this.deliver(() => this.targets.onReauthRequired?.(detail));
  }

  async publishAuthorizationCompleted(detail: AuthorizationCompletedDetail): Promise<void> {
    this.published.push({ detailType: 'Authorization Completed', detail });
    this.deliver(() => this.targets.onAuthorizationCompleted?.(detail));
  }

  /** Resolves once every delivery started so far (and any they caused) has finished. */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private deliver(run: () => Promise<unknown> | undefined): void {
    const p: Promise<unknown> = new Promise((resolve) => setImmediate(resolve))
      .then(run)
      .catch((err: unknown) => this.targets.onError?.(err))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }
}
