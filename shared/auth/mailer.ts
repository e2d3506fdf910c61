import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import type { Clock } from '../clock';
import { AppError, describeError, PreconditionFailedError } from '../errors';
import type { ReauthReason } from '../events';
import { type Logger, silentLogger } from '../log';
import { renderReauthEmail } from '../mail/reauth-email';
import type { MalOAuth } from '../mal/types';
import { KEYS, type ObjectStore, type PutCondition } from '../store/store';
import { createPendingAuthorization, deleteExpiredPendingAuthorizations, pendingAuthorizationSchema } from './pending';
import { isValidState } from './pkce';
import { decideReauth, type MailerState, mailerStateSchema, type ReauthTrigger } from './reauth';
import { readTokens } from './tokens';

export interface MailMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Outgoing mail port: SES in AWS and locally (aws-ses-v2-local), a fake in unit tests. */
export interface MailSender {
  send(msg: MailMessage): Promise<{ messageId: string }>;
}

export class MailSendError extends AppError {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super('mail_send_failed', message, options);
  }
}

/** SES v1 `SendEmail` with a text and an HTML body, both UTF-8. */
export function createSesMailSender(client: SESClient): MailSender {
  return {
    async send(msg) {
      try {
        const out = await client.send(
          new SendEmailCommand({
            Source: msg.from,
            Destination: { ToAddresses: [msg.to] },
            Message: {
              Subject: { Data: msg.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: msg.text, Charset: 'UTF-8' },
                Html: { Data: msg.html, Charset: 'UTF-8' },
              },
            },
          }),
        );
        return { messageId: out.MessageId ?? '' };
      } catch (err) {
        throw new MailSendError(`Sending the email via SES failed: ${describeError(err)}`, { cause: err });
      }
    },
  };
}

export interface ReauthMailerDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly oauth: Pick<MalOAuth, 'authorizeUrl'>;
  readonly mail: MailSender;
  /** SENDER_EMAIL */
  readonly from: string;
  /** NOTIFY_EMAIL */
  readonly to: string;
  /** MAL_REDIRECT_URI: must equal the callback URL registered with the MAL app. */
  readonly redirectUri: string;
  /** REAUTH_LINK_TTL_HOURS */
  readonly linkTtlHours: number;
  /** REAUTH_THROTTLE_HOURS */
  readonly throttleHours: number;
  /** REAUTH_WARN_DAYS */
  readonly warnDays: number;
  /** MAL_USERNAME, shown in the email when the stored tokens do not name the user. */
  readonly malUser?: string;
  readonly appName?: string;
  /** How long expired pending authorizations are kept before housekeeping deletes them (default 72). */
  readonly pendingRetainHours?: number;
  readonly logger?: Logger;
}

export interface ReauthCheckResult {
  readonly trigger: ReauthTrigger;
  readonly sent: boolean;
  readonly reason: ReauthReason | null;
  readonly why: string;
  readonly reauthPendingHours: number;
  /** ISO time the emailed link stops working (only when sent). */
  readonly linkExpiresAt?: string;
  readonly messageId?: string;
  /** Expired pending authorizations deleted by housekeeping in this run. */
  readonly pendingDeleted: number;
}

async function readMailerState(
  store: ObjectStore,
  logger: Logger,
): Promise<{ state?: MailerState; etag?: string; body?: string }> {
  const obj = await store.get(KEYS.mailerState);
  if (!obj) return {};
  try {
    return { state: mailerStateSchema.parse(JSON.parse(obj.body)), etag: obj.etag, body: obj.body };
  } catch {
    // Unreadable state only costs us the throttle for one run; it is replaced on the next send.
    logger.warn('mailer state is unreadable; ignoring it');
    return { etag: obj.etag, body: obj.body };
  }
}

async function lastLinkUsedAt(store: ObjectStore, state: MailerState | undefined): Promise<number | undefined> {
  if (!state || !isValidState(state.lastState)) return undefined;
  const obj = await store.get(KEYS.pendingAuth(state.lastState));
  if (!obj) return undefined;
  try {
    return pendingAuthorizationSchema.parse(JSON.parse(obj.body)).usedAt;
  } catch {
    return undefined;
  }
}

const condition = (etag: string | undefined): PutCondition =>
  etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag };

/**
 * One run of the reauth mailer (daily schedule, or a "Reauth Required" event). Decides with
 * `decideReauth`; when sending, it first claims the send by writing the mailer state
 * conditionally, so two concurrent runs cannot both email, and rolls the claim back if SES fails
 * so that the next run tries again instead of being throttled.
 */
export async function runReauthCheck(
  deps: ReauthMailerDeps,
  trigger: ReauthTrigger,
  eventReason?: ReauthReason,
  options: { readonly force?: boolean } = {},
): Promise<ReauthCheckResult> {
  const logger = deps.logger ?? silentLogger;
  const tokenRead = await readTokens(deps.store);
  if (tokenRead.corrupt) logger.warn('stored MAL tokens are unreadable; treating them as missing');
  const mailer = await readMailerState(deps.store, logger);
  const now = deps.clock.now();
  const decision = decideReauth({
    tokens: tokenRead.tokens,
    mailerState: mailer.state,
    lastLinkUsedAt: await lastLinkUsedAt(deps.store, mailer.state),
    now,
    settings: { warnDays: deps.warnDays, throttleHours: deps.throttleHours },
    trigger,
    ...(eventReason ? { eventReason } : {}),
    ...(options.force ? { force: true } : {}),
  });
  const result = {
    trigger,
    reason: decision.reason,
    why: decision.why,
    reauthPendingHours: decision.reauthPendingHours,
  };

  if (!decision.send) {
    if (decision.reason === null && mailer.state?.problemSince !== undefined) {
      await endEpisode(deps.store, mailer.state, mailer.etag, logger);
    }
    return { ...result, sent: false, pendingDeleted: await housekeeping(deps, logger) };
  }

  const reason = decision.reason ?? 'no_tokens';
  const pending = await createPendingAuthorization({
    store: deps.store,
    clock: deps.clock,
    linkTtlHours: deps.linkTtlHours,
  });
  const authorizeUrl = deps.oauth.authorizeUrl({
    state: pending.state,
    codeChallenge: pending.codeChallenge,
    redirectUri: deps.redirectUri,
  });
  const email = renderReauthEmail({
    authorizeUrl,
    expiresAt: new Date(pending.expiresAt),
    reason,
    malUser: tokenRead.tokens?.malUser ?? deps.malUser ?? null,
    ...(deps.appName ? { appName: deps.appName } : {}),
  });
  const next: MailerState = {
    lastSentAt: now,
    lastState: pending.state,
    linkExpiresAt: pending.expiresAt,
    reason,
    ...(decision.problemSince !== null ? { problemSince: decision.problemSince } : {}),
  };

  let claimEtag: string;
  try {
    claimEtag = (await deps.store.put(KEYS.mailerState, JSON.stringify(next), condition(mailer.etag))).etag;
  } catch (err) {
    await deps.store.delete(KEYS.pendingAuth(pending.state));
    if (!(err instanceof PreconditionFailedError)) throw err;
    return {
      ...result,
      sent: false,
      why: `${decision.why}; another mailer run changed the mailer state first, so it sends instead`,
      pendingDeleted: 0,
    };
  }

  let messageId: string;
  try {
    ({ messageId } = await deps.mail.send({ from: deps.from, to: deps.to, ...email }));
  } catch (err) {
    await rollBack(deps.store, mailer.body, claimEtag, logger);
    await deps.store.delete(KEYS.pendingAuth(pending.state));
    if (err instanceof AppError) throw err;
    throw new MailSendError(`Sending the reauth email failed: ${describeError(err)}`, { cause: err });
  }

  return {
    ...result,
    sent: true,
    reason,
    linkExpiresAt: new Date(pending.expiresAt).toISOString(),
    messageId,
    pendingDeleted: await housekeeping(deps, logger),
  };
}

/** Tokens are healthy again: forget when the last episode started, so the next one is timed afresh. */
async function endEpisode(store: ObjectStore, state: MailerState, etag: string | undefined, logger: Logger) {
  const { problemSince: _ended, ...rest } = state;
  try {
    await store.put(KEYS.mailerState, JSON.stringify(rest), condition(etag));
  } catch (err) {
    // Harmless: the next healthy run tries again.
    logger.warn('could not clear the reauth episode in the mailer state', { error: describeError(err) });
  }
}

async function rollBack(store: ObjectStore, previousBody: string | undefined, claimEtag: string, logger: Logger) {
  try {
    if (previousBody === undefined) await store.delete(KEYS.mailerState);
    else await store.put(KEYS.mailerState, previousBody, { ifMatch: claimEtag });
  } catch (err) {
    logger.warn('could not roll back the mailer state after a failed send', { error: describeError(err) });
  }
}

async function housekeeping(deps: ReauthMailerDeps, logger: Logger): Promise<number> {
  try {
    const { deleted } = await deleteExpiredPendingAuthorizations({
      store: deps.store,
      clock: deps.clock,
      logger,
      ...(deps.pendingRetainHours !== undefined ? { retainHours: deps.pendingRetainHours } : {}),
    });
    return deleted;
  } catch (err) {
    // Housekeeping never decides the outcome of a run.
    logger.warn('pending authorization housekeeping failed', { error: describeError(err) });
    return 0;
  }
}
