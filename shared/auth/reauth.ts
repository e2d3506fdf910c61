import * as z from 'zod/mini';
import { REAUTH_REASONS, type ReauthReason } from '../events';
import { formatUtc } from '../mail/html';
import type { TokenFacts } from './token-meta';
import '../zod-messages';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * What the mailer remembers between runs about one destination (a section of `KEYS.mailerState`).
 * Times are epoch milliseconds. `problemSince` marks the start of the current "reauth needed"
 * episode; the mailer clears it when it next finds the tokens healthy.
 */
export const mailerStateSchema = z.object({
  lastSentAt: z.number().check(z.int()),
  lastState: z.string(),
  linkExpiresAt: z.number().check(z.int()),
  reason: z.enum(REAUTH_REASONS),
  problemSince: z.optional(z.number().check(z.int())),
});
export type MailerState = z.infer<typeof mailerStateSchema>;

export type ReauthTrigger = 'event' | 'schedule';

export interface ReauthSettings {
  /** Email this many days before the refresh token's estimated end of life. */
  readonly warnDays: number;
  /** At most one email per window while the last link is still usable. */
  readonly throttleHours: number;
}

export interface ReauthDecisionInput {
  /** The destination's name as a person knows it, for the logged reasons. */
  readonly label: string;
  /** From the tokens' metadata (the mailer never reads the tokens); undefined when none are stored. */
  readonly tokens: TokenFacts | undefined;
  readonly mailerState: MailerState | undefined;
  /** When the last emailed link was consumed by the callback (from its pending record), if it was. */
  readonly lastLinkUsedAt?: number;
  readonly now: number;
  readonly settings: ReauthSettings;
  readonly trigger: ReauthTrigger;
  /** The reason carried by a "Reauth Required" event. */
  readonly eventReason?: ReauthReason;
  /**
   * Send now even within the throttle window (a manual `{"force": true}` invocation, or a local
   * inbox that lost the last email). Never sends while the tokens are healthy.
   */
  readonly force?: boolean;
}

export interface ReauthDecision {
  readonly send: boolean;
  readonly reason: ReauthReason | null;
  /** One human-readable sentence for the logs. */
  readonly why: string;
  /**
   * Hours since the tokens became missing, invalid or expiring; 0 when healthy. Logged on every
   * run; the "reauth pending too long" alarm reads it.
   */
  readonly reauthPendingHours: number;
  /** Start of the current episode (epoch ms), for the mailer to remember; null when healthy. */
  readonly problemSince: number | null;
}

interface Problem {
  readonly reason: ReauthReason;
  readonly since: number;
  readonly detail: string;
}

/** Times in the decision's words: people read them (the console, the demo, the logs), so as the email says them. */
const when = (ms: number) => formatUtc(new Date(ms));

/**
 * What is wrong with the tokens, if anything. The stored tokens are the source of truth: an event
 * only adds information the store cannot hold (a user mismatch seen by the worker); an event
 * claiming missing/invalid tokens while the store holds healthy ones is stale (e.g. the user
 * re-authorized after the worker published it) and is ignored.
 *
 * "since" for missing tokens: the store has no record of when they went missing, so the mailer's
 * remembered episode start is used, or `now` (0 hours) on the very first run.
 */
function detectProblem(input: ReauthDecisionInput): Problem | null {
  const { tokens, now } = input;
  const remembered = input.mailerState?.problemSince;
  if (!tokens) {
    return { reason: 'no_tokens', since: remembered ?? now, detail: `no ${input.label} tokens are stored` };
  }
  if (tokens.invalid) {
    return {
      reason: tokens.invalid.reason,
      since: tokens.invalid.at,
      detail: `stored tokens were marked invalid (${tokens.invalid.reason}) at ${when(tokens.invalid.at)}`,
    };
  }
  const warnFrom = tokens.refreshExpiresAt - input.settings.warnDays * DAY_MS;
  if (now >= warnFrom) {
    return {
      reason: 'refresh_token_expiring',
      since: warnFrom,
      detail: `the refresh token is expected to expire at ${when(tokens.refreshExpiresAt)}`,
    };
  }
  if (input.trigger === 'event' && input.eventReason === 'user_mismatch') {
    return {
      reason: 'user_mismatch',
      since: remembered ?? now,
      detail: `the worker reported a ${input.label} user mismatch`,
    };
  }
  return null;
}

/** Pure: decides whether the mailer sends a reauth email now, and why. */
export function decideReauth(input: ReauthDecisionInput): ReauthDecision {
  const { now, mailerState } = input;
  const problem = detectProblem(input);
  if (!problem) {
    const stale =
      input.trigger === 'event' && input.eventReason ? ` (ignoring stale "${input.eventReason}" event)` : '';
    const until = input.tokens ? `; refresh token expected to last until ${when(input.tokens.refreshExpiresAt)}` : '';
    return {
      send: false,
      reason: null,
      why: `tokens healthy${until}${stale}`,
      reauthPendingHours: 0,
      problemSince: null,
    };
  }

  // An episode that started earlier (e.g. "expiring" before it became "invalid") keeps its start.
  const since = Math.min(problem.since, mailerState?.problemSince ?? problem.since);
  const reauthPendingHours = Math.max(0, Math.round(((now - since) / HOUR_MS) * 10) / 10);
  const base = { reason: problem.reason, reauthPendingHours, problemSince: since };

  if (mailerState && input.force) {
    return { ...base, send: true, why: `${problem.detail}; sent on request (throttle bypassed)` };
  }
  if (mailerState) {
    const linkUsed = input.lastLinkUsedAt !== undefined;
    const linkExpired = now >= mailerState.linkExpiresAt;
    const nextAllowed = mailerState.lastSentAt + input.settings.throttleHours * HOUR_MS;
    if (!linkUsed && !linkExpired && now < nextAllowed) {
      return {
        ...base,
        send: false,
        why:
          `${problem.detail}; throttled: last email sent at ${when(mailerState.lastSentAt)}, ` +
          `its link is valid until ${when(mailerState.linkExpiresAt)}, next email allowed at ${when(nextAllowed)}`,
      };
    }
    const previous = linkUsed
      ? 'the last link was used'
      : linkExpired
        ? 'the last link expired'
        : 'throttle window passed';
    return { ...base, send: true, why: `${problem.detail}; ${previous}` };
  }
  return { ...base, send: true, why: `${problem.detail}; no email sent before` };
}
