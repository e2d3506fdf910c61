import { SESClient } from '@aws-sdk/client-ses';
import {
  createSesMailSender,
  type ReauthCheckResult,
  type ReauthMailerDeps,
  runReauthCheck,
} from '../../shared/auth/mailer';
import type { ReauthTrigger } from '../../shared/auth/reauth';
import { loadMailerConfig, type MailerConfig } from '../../shared/destinations/auth';
import { DETAIL_TYPES, isReauthReason, type ReauthReason } from '../../shared/events';
import { logUnknownSettings } from '../../shared/unknown-settings';
import { createAwsPlatform, lazyHandler, type Platform } from '../runtime';

/** EventBridge delivers either the worker's "Reauth Required" event or the daily "Scheduled Event". */
export interface MailerEvent {
  readonly 'detail-type'?: string;
  readonly detail?: { readonly reason?: unknown; readonly destination?: unknown } | null;
  /**
   * A manual invocation (`aws lambda invoke --payload '{"force":true}'`, or the local runtime whose
   * inbox lost the last email): send a fresh link now, throttle or not, if authorization is needed.
   * EventBridge never sets it: the schedule and the rule pass their own event shapes.
   */
  readonly force?: boolean;
}

export interface ParsedMailerEvent {
  readonly trigger: ReauthTrigger;
  /** For a "Reauth Required" event: which destination, and why (when the event says). */
  readonly event?: { readonly destination?: string; readonly reason?: ReauthReason };
  readonly force: boolean;
}

export function parseMailerEvent(event: MailerEvent | null | undefined): ParsedMailerEvent {
  const force = event?.force === true;
  if (event?.['detail-type'] !== DETAIL_TYPES.reauthRequired) return { trigger: 'schedule', force };
  const { reason, destination } = event.detail ?? {};
  // An unknown reason still means "the worker is stuck": treat it as the event, without a reason.
  return {
    trigger: 'event',
    event: {
      ...(typeof destination === 'string' && /^[a-z][a-z0-9-]*$/.test(destination) ? { destination } : {}),
      ...(isReauthReason(reason) ? { reason } : {}),
    },
    force,
  };
}

export function makeMailerHandler(deps: ReauthMailerDeps & Pick<Platform, 'logger'>) {
  return async (event: MailerEvent | null | undefined): Promise<ReauthCheckResult> => {
    const { trigger, event: detail, force } = parseMailerEvent(event);
    const result = await runReauthCheck(deps, trigger, detail, { force });
    // One line per destination: the "reauth pending too long" alarm is a metric filter on its
    // reauthPendingHours, with the destination as the metric's dimension.
    for (const check of result.destinations) {
      deps.logger.info('reauth check', {
        trigger: result.trigger,
        destination: check.destination,
        sent: result.sent && check.linkExpiresAt !== undefined,
        reason: check.reason,
        why: check.why,
        reauthPendingHours: check.reauthPendingHours,
        ...(check.linkExpiresAt ? { linkExpiresAt: check.linkExpiresAt } : {}),
        pendingDeleted: result.pendingDeleted,
      });
    }
    return result;
  };
}

export function buildMailerDeps(config: MailerConfig, platform: Platform): ReauthMailerDeps & Pick<Platform, 'logger'> {
  const { base } = config;
  const context = {
    fetch: platform.fetch,
    timeoutMs: base.HTTP_TIMEOUT_MS,
    clock: platform.clock,
    logger: platform.logger,
  };
  return {
    store: platform.store,
    clock: platform.clock,
    // Only the authorize URLs are needed here: the mailer never sees a client secret.
    destinations: config.auth.map((d) => d.module.mailer(d.config, context)),
    mail: createSesMailSender(platform.ses),
    from: base.SENDER_EMAIL,
    to: base.NOTIFY_EMAIL,
    redirectUri: base.CALLBACK_URL,
    linkTtlHours: base.REAUTH_LINK_TTL_HOURS,
    throttleHours: base.REAUTH_THROTTLE_HOURS,
    warnDays: base.REAUTH_WARN_DAYS,
    logger: platform.logger,
  };
}

export const handler = lazyHandler(async () => {
  logUnknownSettings();
  const config = loadMailerConfig();
  return makeMailerHandler(buildMailerDeps(config, createAwsPlatform(config.base, { ses: new SESClient({}) })));
});
