import { SESClient } from '@aws-sdk/client-ses';
import {
  createSesMailSender,
  type ReauthCheckResult,
  type ReauthMailerDeps,
  runReauthCheck,
} from '../../shared/auth/mailer';
import type { ReauthTrigger } from '../../shared/auth/reauth';
import { loadConfig, type MailerConfig, mailerConfigSchema } from '../../shared/config';
import { DETAIL_TYPES, REAUTH_REASONS_LIST, type ReauthReason } from '../../shared/events';
import { createMalOAuth } from '../../shared/mal/oauth';
import { createAwsPlatform, lazyHandler, type Platform } from '../runtime';

/** EventBridge delivers either the worker's "Reauth Required" event or the daily "Scheduled Event". */
export interface MailerEvent {
  readonly 'detail-type'?: string;
  readonly detail?: { readonly reason?: unknown } | null;
  /**
   * A manual invocation (`aws lambda invoke --payload '{"force":true}'`, or the local runtime whose
   * inbox lost the last email): send a fresh link now, throttle or not, if authorization is needed.
   * EventBridge never sets it: the schedule and the rule pass their own event shapes.
   */
  readonly force?: boolean;
}

export function parseMailerEvent(event: MailerEvent | null | undefined): {
  trigger: ReauthTrigger;
  reason?: ReauthReason;
  force: boolean;
} {
  const force = event?.force === true;
  if (event?.['detail-type'] !== DETAIL_TYPES.reauthRequired) return { trigger: 'schedule', force };
  const reason = event.detail?.reason;
  // An unknown reason still means "the worker is stuck": treat it as the event, without a reason.
  return typeof reason === 'string' && (REAUTH_REASONS_LIST as readonly string[]).includes(reason)
    ? { trigger: 'event', reason: reason as ReauthReason, force }
    : { trigger: 'event', force };
}

export function makeMailerHandler(deps: ReauthMailerDeps & Pick<Platform, 'logger'>) {
  return async (event: MailerEvent | null | undefined): Promise<ReauthCheckResult> => {
    const { trigger, reason, force } = parseMailerEvent(event);
    const result = await runReauthCheck(deps, trigger, reason, { force });
    // The "reauth pending too long" alarm is a metric filter on this line's reauthPendingHours.
    deps.logger.info('reauth check', {
      trigger: result.trigger,
      sent: result.sent,
      reason: result.reason,
      why: result.why,
      reauthPendingHours: result.reauthPendingHours,
      ...(result.linkExpiresAt ? { linkExpiresAt: result.linkExpiresAt } : {}),
      pendingDeleted: result.pendingDeleted,
    });
    return result;
  };
}

export function buildMailerDeps(config: MailerConfig, platform: Platform): ReauthMailerDeps & Pick<Platform, 'logger'> {
  return {
    store: platform.store,
    clock: platform.clock,
    // Only the authorize URL is needed here: the mailer never sees the client secret.
    oauth: createMalOAuth({
      fetch: platform.fetch,
      timeoutMs: config.HTTP_TIMEOUT_MS,
      oauthUrl: config.MAL_OAUTH_URL,
      apiUrl: config.MAL_API_URL,
      clientId: config.MAL_CLIENT_ID,
    }),
    mail: createSesMailSender(platform.ses),
    from: config.SENDER_EMAIL,
    to: config.NOTIFY_EMAIL,
    redirectUri: config.MAL_REDIRECT_URI,
    linkTtlHours: config.REAUTH_LINK_TTL_HOURS,
    throttleHours: config.REAUTH_THROTTLE_HOURS,
    warnDays: config.REAUTH_WARN_DAYS,
    logger: platform.logger,
  };
}

export const handler = lazyHandler(async () => {
  const config = loadConfig(mailerConfigSchema);
  return makeMailerHandler(buildMailerDeps(config, createAwsPlatform(config, { ses: new SESClient({}) })));
});
