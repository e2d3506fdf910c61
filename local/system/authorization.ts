import type { MailerEvent } from '../../lambdas/reauth-mailer/handler';
import { type ReauthCheckResult, readMailerStates } from '../../shared/auth/mailer';
import { readTokens } from '../../shared/auth/tokens';
import type { ReauthReason } from '../../shared/events';
import type { ObjectStore } from '../../shared/store/store';
import type { SentMail } from '../emulators';
import { authorizeLinksOf, sentLinksOf, stateOf } from './inbox';

/** Whether a destination must be authorized before the worker can sync to it. */
export type AuthorizationStatus =
  | {
      readonly needed: false;
      readonly user: string | null;
      /** Epoch ms the refresh token is expected to stop working. */
      readonly refreshExpiresAt: number;
    }
  | {
      readonly needed: true;
      /** `no_tokens`: never authorized (or the tokens were removed); anything else: authorize again. */
      readonly reason: ReauthReason | 'unreadable';
    };

/** One provider the user may have to authorize (a destination, or MyAnimeList as the source). */
export interface AuthTarget {
  readonly destination: string;
  readonly label: string;
  /** The email button's verbs (`Authorize` / `Re-authorize`, `Connect` / `Reconnect`). */
  readonly verbs?: { readonly first: string; readonly again: string };
}

/** Each provider's authorization status, by destination key, from its stored tokens. */
export async function authorizationOf(
  store: ObjectStore,
  targets: readonly AuthTarget[],
): Promise<Record<string, AuthorizationStatus>> {
  const statuses: Record<string, AuthorizationStatus> = {};
  for (const { destination } of targets) {
    const read = await readTokens(store, destination);
    if (!read.tokens) statuses[destination] = { needed: true, reason: read.corrupt ? 'unreadable' : 'no_tokens' };
    else if (read.tokens.invalid) statuses[destination] = { needed: true, reason: read.tokens.invalid.reason };
    // Tokens about to expire still work: the mailer's daily check sends the reminder.
    else
      statuses[destination] = { needed: false, user: read.tokens.user, refreshExpiresAt: read.tokens.refreshExpiresAt };
  }
  return statuses;
}

/** Where the user finds working authorization links after `ensureAuthorizationLink`. */
export interface AuthorizationLink {
  /** `sent`: a new email now; `inbox`: the last email, still valid, is in the inbox; `missing`: neither. */
  readonly source: 'sent' | 'inbox' | 'missing' | 'not_needed';
  /** One link per provider in the email. */
  readonly links: readonly { readonly label: string; readonly url: string }[];
  /** The first of `links`. */
  readonly link?: string;
  readonly linkExpiresAt?: string;
  /** The mailer's own words, for `missing`. */
  readonly why: string;
}

export interface LinkContext {
  readonly store: ObjectStore;
  readonly now: () => number;
  /** One mailer run, as the schedule (or a forced manual invocation) would start it. */
  readonly mail: (event: MailerEvent) => Promise<ReauthCheckResult>;
  readonly messages: () => Promise<SentMail[]>;
}

/**
 * Makes sure the local inbox holds links that work, when authorization is needed: the mailer
 * runs as its daily check would; if it is throttled and the email it sent last is not in this
 * inbox (a wiped inbox is not a spammed mailbox), it is asked to send regardless.
 */
export async function ensureAuthorizationLink(context: LinkContext): Promise<AuthorizationLink> {
  const first = await context.mail({ 'detail-type': 'Scheduled Event' });
  if (first.sent) return sent(context, first);
  if (first.destinations.every((d) => d.reason === null)) return { source: 'not_needed', links: [], why: first.why };
  const inInbox = await lastEmailInInbox(context, first);
  if (inInbox) return { source: 'inbox', ...inInbox, why: first.why };
  // The throttle protects a real mailbox from repeats; a local inbox that lost the email is not that.
  const second = await context.mail({ 'detail-type': 'Scheduled Event', force: true });
  return second.sent ? sent(context, second) : { source: 'missing', links: [], why: second.why };
}

async function sent(context: LinkContext, result: ReauthCheckResult): Promise<AuthorizationLink> {
  const links = sentLinksOf(await context.messages(), result.messageId);
  const expiries = result.destinations.flatMap((d) => (d.linkExpiresAt ? [d.linkExpiresAt] : []));
  return {
    source: 'sent',
    why: result.why,
    links,
    ...(links[0] ? { link: links[0].url } : {}),
    ...(expiries.length > 0 ? { linkExpiresAt: expiries.sort()[0] } : {}),
  };
}

/**
 * The last email's links, if that email is in this inbox and each of its links is the one the
 * mailer remembers sending for a provider that still needs the user, and still works.
 */
async function lastEmailInInbox(
  context: LinkContext,
  check: ReauthCheckResult,
): Promise<Pick<AuthorizationLink, 'links' | 'link' | 'linkExpiresAt'> | undefined> {
  const states = await readMailerStates(context.store);
  const needing = check.destinations.filter((d) => d.reason !== null).map((d) => states[d.destination]);
  if (needing.some((s) => s === undefined || context.now() >= s.linkExpiresAt)) return undefined;
  const wanted = new Set(needing.map((s) => s?.lastState));
  for (const message of (await context.messages()).reverse()) {
    const links = authorizeLinksOf(message);
    const found = new Set(links.map((l) => stateOf(l.url)));
    if ([...wanted].every((state) => found.has(state ?? null))) {
      const expiresAt = Math.min(...needing.map((s) => s?.linkExpiresAt ?? 0));
      return { links, ...(links[0] ? { link: links[0].url } : {}), linkExpiresAt: new Date(expiresAt).toISOString() };
    }
  }
  return undefined;
}
