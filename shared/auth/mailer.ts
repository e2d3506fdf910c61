import { type SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import * as z from 'zod/mini';
import type { Clock } from '../clock';
import { AppError, describeError, PreconditionFailedError } from '../errors';
import type { ReauthReason } from '../events';
import { type Logger, silentLogger } from '../log';
import { type ReauthLink, renderReauthEmail } from '../mail/reauth-email';
import { KEYS, type ObjectStore, type PutCondition } from '../store/store';
import { createPendingAuthorization, deleteExpiredPendingAuthorizations, pendingAuthorizationSchema } from './pending';
import { isValidState } from './pkce';
import type { AuthProvider } from './provider';
import { decideReauth, type MailerState, mailerStateSchema, type ReauthDecision, type ReauthTrigger } from './reauth';
import { readTokenMeta, type TokenFacts } from './token-meta';
import '../zod-messages';

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

/** One destination the mailer looks after. */
export interface MailerDestination {
  /** Only what building a link needs: the mailer never sees a client secret. */
  readonly provider: Pick<
    AuthProvider,
    'destination' | 'label' | 'shortLabel' | 'pkceMethod' | 'authorizeUrl' | 'refreshTokenLifetimeDays' | 'verbs'
  >;
  /** The account the destination is set up for (MAL_USERNAME…), shown when the tokens do not name one. */
  readonly expectedUser?: string;
}

export interface ReauthMailerDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** The enabled destinations, in the order the email lists them. */
  readonly destinations: readonly MailerDestination[];
  readonly mail: MailSender;
  /** SENDER_EMAIL */
  readonly from: string;
  /** NOTIFY_EMAIL */
  readonly to: string;
  /** The callback URL registered with every provider. */
  readonly redirectUri: string;
  /** REAUTH_LINK_TTL_HOURS */
  readonly linkTtlHours: number;
  /** REAUTH_THROTTLE_HOURS */
  readonly throttleHours: number;
  /** REAUTH_WARN_DAYS */
  readonly warnDays: number;
  readonly appName?: string;
  /** How long expired pending authorizations are kept before housekeeping deletes them (default 72). */
  readonly pendingRetainHours?: number;
  readonly logger?: Logger;
}

/** What the check decided for one destination. */
export interface DestinationCheck {
  readonly destination: string;
  readonly label: string;
  readonly reason: ReauthReason | null;
  readonly why: string;
  /** Hours since this destination started needing the user; 0 when healthy. The alarm reads it. */
  readonly reauthPendingHours: number;
  /** ISO time this destination's emailed link stops working (only when one was sent). */
  readonly linkExpiresAt?: string;
}

export interface ReauthCheckResult {
  readonly trigger: ReauthTrigger;
  readonly sent: boolean;
  /** One sentence for the logs: why an email was or was not sent. */
  readonly why: string;
  readonly destinations: readonly DestinationCheck[];
  readonly messageId?: string;
  /** Expired pending authorizations deleted by housekeeping in this run. */
  readonly pendingDeleted: number;
}

/**
 * What the mailer remembers, per destination. Version 1 (MyAnimeList only) was one flat section;
 * it is read as MyAnimeList's.
 */
const mailerMemorySchema = z.union([
  z.object({ version: z.literal(2), destinations: z.record(z.string(), mailerStateSchema) }),
  z.pipe(
    mailerStateSchema,
    z.transform((v1) => ({ version: 2 as const, destinations: { mal: v1 } })),
  ),
]);
type MailerMemory = { version: 2; destinations: Record<string, MailerState> };

async function readMailerMemory(
  store: ObjectStore,
  logger: Logger,
): Promise<{ memory: MailerMemory; etag?: string; body?: string }> {
  const empty: MailerMemory = { version: 2, destinations: {} };
  const obj = await store.get(KEYS.mailerState);
  if (!obj) return { memory: empty };
  try {
    return { memory: mailerMemorySchema.parse(JSON.parse(obj.body)), etag: obj.etag, body: obj.body };
  } catch {
    // Unreadable state only costs us the throttle for one run; it is replaced on the next send.
    logger.warn('mailer state is unreadable; ignoring it');
    return { memory: empty, etag: obj.etag, body: obj.body };
  }
}

/** What the mailer remembers per destination (the last link it sent, and when), for tools that show it. */
export async function readMailerStates(store: ObjectStore): Promise<Readonly<Record<string, MailerState>>> {
  return (await readMailerMemory(store, silentLogger)).memory.destinations;
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

interface Decided {
  readonly target: MailerDestination;
  readonly decision: ReauthDecision;
  readonly user: string | null;
  /** Tokens are stored but have no metadata yet: nothing is known, so nothing is decided or forgotten. */
  readonly undescribed?: boolean;
}

/**
 * What the mailer may know of a destination's tokens: their metadata, never the tokens (its IAM
 * grant reaches only `KEYS.tokenMeta`). Whether the tokens exist at all it learns from a listing,
 * so that deleted tokens are missing whatever their metadata says. Tokens without metadata come
 * from before it existed (the first mailer run after an upgrade) or from a metadata write that
 * failed: the sync worker writes it the next time it uses them.
 */
async function storedTokenFacts(
  store: ObjectStore,
  destination: string,
  logger: Logger,
): Promise<{ readonly tokens?: TokenFacts; readonly undescribed?: boolean }> {
  const key = KEYS.tokens(destination);
  const [keys, { meta }] = await Promise.all([store.list(key), readTokenMeta(store, destination)]);
  if (!keys.includes(key)) return {};
  if (!meta) return { undescribed: true };
  if ('unreadable' in meta) {
    logger.warn('stored tokens are unreadable; treating them as missing', { destination });
    return {};
  }
  return { tokens: meta };
}

/**
 * One run of the reauth mailer (daily schedule, or a "Reauth Required" event). Decides with
 * `decideReauth` for every destination; when any of them is due an email, one email goes out
 * with a fresh link for EVERY destination that needs the user, each with its own button. It
 * first claims the send by writing the mailer state conditionally, so two concurrent runs cannot
 * both email, and rolls the claim back if SES fails, so that the next run tries again instead of
 * being throttled.
 */
export async function runReauthCheck(
  deps: ReauthMailerDeps,
  trigger: ReauthTrigger,
  event?: { readonly destination?: string; readonly reason?: ReauthReason },
  options: { readonly force?: boolean } = {},
): Promise<ReauthCheckResult> {
  const logger = deps.logger ?? silentLogger;
  const mailer = await readMailerMemory(deps.store, logger);
  const decided = await Promise.all(deps.destinations.map((d) => decide(deps, d, mailer.memory, event, options)));
  const checks = decided.map(({ target, decision }) => check(target, decision));
  const due = decided.filter((d) => d.decision.send);
  if (due.length === 0) {
    await endEpisodes(deps.store, mailer, decided, logger);
    return {
      trigger,
      sent: false,
      why: decided.map((d) => `${d.target.provider.label}: ${d.decision.why}`).join('; ') || 'no destination enabled',
      destinations: checks,
      pendingDeleted: await housekeeping(deps, logger),
    };
  }
  return send(deps, mailer, decided, trigger, logger);
}

/** `AniList → MAL mirror`, `AniList → MAL and Trakt mirror`: what the email calls this system. */
function mirrorName(destinations: readonly MailerDestination[]): string {
  return `AniList → ${destinations.map((d) => d.provider.shortLabel ?? d.provider.label).join(' and ')} mirror`;
}

async function decide(
  deps: ReauthMailerDeps,
  target: MailerDestination,
  memory: MailerMemory,
  event: { readonly destination?: string; readonly reason?: ReauthReason } | undefined,
  options: { readonly force?: boolean },
): Promise<Decided> {
  const { destination, label } = target.provider;
  const stored = await storedTokenFacts(deps.store, destination, deps.logger ?? silentLogger);
  if (stored.undescribed) {
    const why = `${label} tokens are stored but not described yet; the sync worker describes them the next time it uses them`;
    const decision = { send: false, reason: null, why, reauthPendingHours: 0, problemSince: null };
    return { target, decision, user: target.expectedUser ?? null, undescribed: true };
  }
  const state = memory.destinations[destination];
  // An event concerns the destination it names (events from before there were several name none: MAL).
  const eventHere = event !== undefined && (event.destination ?? 'mal') === destination;
  const decision = decideReauth({
    label,
    tokens: stored.tokens,
    mailerState: state,
    lastLinkUsedAt: await lastLinkUsedAt(deps.store, state),
    now: deps.clock.now(),
    settings: { warnDays: deps.warnDays, throttleHours: deps.throttleHours },
    trigger: eventHere ? 'event' : 'schedule',
    ...(eventHere && event.reason ? { eventReason: event.reason } : {}),
    ...(options.force ? { force: true } : {}),
  });
  return { target, decision, user: stored.tokens?.user ?? target.expectedUser ?? null };
}

function check(target: MailerDestination, decision: ReauthDecision, linkExpiresAt?: number): DestinationCheck {
  return {
    destination: target.provider.destination,
    label: target.provider.label,
    reason: decision.reason,
    why: decision.why,
    reauthPendingHours: decision.reauthPendingHours,
    ...(linkExpiresAt !== undefined ? { linkExpiresAt: new Date(linkExpiresAt).toISOString() } : {}),
  };
}

async function send(
  deps: ReauthMailerDeps,
  mailer: { memory: MailerMemory; etag?: string; body?: string },
  decided: readonly Decided[],
  trigger: ReauthTrigger,
  logger: Logger,
): Promise<ReauthCheckResult> {
  const now = deps.clock.now();
  // Everything that needs the user goes in the one email, throttled or not: one email, all buttons.
  const needing = decided.filter((d) => d.decision.reason !== null);
  const links: (ReauthLink & { destination: string; state: string; expiresAtMs: number })[] = [];
  const next: MailerMemory = { version: 2, destinations: { ...mailer.memory.destinations } };
  for (const { target, decision, user } of needing) {
    const { provider } = target;
    const pending = await createPendingAuthorization({
      store: deps.store,
      clock: deps.clock,
      linkTtlHours: deps.linkTtlHours,
      destination: provider.destination,
      pkceMethod: provider.pkceMethod,
    });
    const reason = decision.reason ?? 'no_tokens';
    links.push({
      destination: provider.destination,
      label: provider.label,
      ...(provider.verbs ? { verbs: provider.verbs } : {}),
      authorizeUrl: provider.authorizeUrl({
        state: pending.state,
        codeChallenge: pending.codeChallenge,
        redirectUri: deps.redirectUri,
      }),
      expiresAt: new Date(pending.expiresAt),
      reason,
      user,
      refreshTokenLifetimeDays: provider.refreshTokenLifetimeDays,
      state: pending.state,
      expiresAtMs: pending.expiresAt,
    });
    next.destinations[provider.destination] = {
      lastSentAt: now,
      lastState: pending.state,
      linkExpiresAt: pending.expiresAt,
      reason,
      ...(decision.problemSince !== null ? { problemSince: decision.problemSince } : {}),
    };
  }
  const forget = () => Promise.all(links.map((l) => deps.store.delete(KEYS.pendingAuth(l.state))));
  const checks = decided.map(({ target, decision }) =>
    check(target, decision, links.find((l) => l.destination === target.provider.destination)?.expiresAtMs),
  );
  const why = decided
    .filter((d) => d.decision.send)
    .map((d) => `${d.target.provider.label}: ${d.decision.why}`)
    .join('; ');

  let claimEtag: string;
  try {
    claimEtag = (await deps.store.put(KEYS.mailerState, JSON.stringify(next), condition(mailer.etag))).etag;
  } catch (err) {
    await forget();
    if (!(err instanceof PreconditionFailedError)) throw err;
    return {
      trigger,
      sent: false,
      why: `${why}; another mailer run changed the mailer state first, so it sends instead`,
      destinations: decided.map(({ target, decision }) => check(target, decision)),
      pendingDeleted: 0,
    };
  }

  const email = renderReauthEmail({ links, appName: deps.appName ?? mirrorName(deps.destinations) });
  let messageId: string;
  try {
    ({ messageId } = await deps.mail.send({ from: deps.from, to: deps.to, ...email }));
  } catch (err) {
    await rollBack(deps.store, mailer.body, claimEtag, logger);
    await forget();
    if (err instanceof AppError) throw err;
    throw new MailSendError(`Sending the reauth email failed: ${describeError(err)}`, { cause: err });
  }
  return {
    trigger,
    sent: true,
    why,
    destinations: checks,
    messageId,
    pendingDeleted: await housekeeping(deps, logger),
  };
}

/** Destinations healthy again: forget when their last episode started, so the next one is timed afresh. */
async function endEpisodes(
  store: ObjectStore,
  mailer: { memory: MailerMemory; etag?: string },
  decided: readonly Decided[],
  logger: Logger,
): Promise<void> {
  const healed = decided.filter(
    (d) =>
      d.decision.reason === null &&
      !d.undescribed &&
      mailer.memory.destinations[d.target.provider.destination]?.problemSince !== undefined,
  );
  if (healed.length === 0) return;
  const destinations = { ...mailer.memory.destinations };
  for (const d of healed) {
    const key = d.target.provider.destination;
    const { problemSince: _ended, ...rest } = destinations[key] as MailerState;
    destinations[key] = rest;
  }
  try {
    await store.put(KEYS.mailerState, JSON.stringify({ version: 2, destinations }), condition(mailer.etag));
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
