import type { Clock } from '../../../shared/clock';
import type { RateLimitRule, RateLimitSettings } from './options';

/**
 * Trakt's rate limits: per user 1 POST/PUT/DELETE per second and 1000 GETs per 5 minutes, per app
 * 1000 unauthenticated GETs per 5 minutes. Each limit is a fixed window that opens at the first
 * call; calls refused with 429 do not count. Optionally a violation puts its user (or app) in a
 * "penalty box" where every call is refused for a while.
 */

export type LimitName = 'AUTHED_API_POST_LIMIT' | 'AUTHED_API_GET_LIMIT' | 'UNAUTHED_API_GET_LIMIT';

/** The `X-Ratelimit` header's JSON. */
export interface RateLimitReport {
  readonly name: LimitName;
  readonly period: number;
  readonly limit: number;
  readonly remaining: number;
  /** ISO date-time without milliseconds, as Trakt writes it. */
  readonly until: string;
}

export type RateDecision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly retryAfterSeconds: number;
      /** Absent in the penalty box: those 429s come before the rate limiter. */
      readonly report?: RateLimitReport;
    };

interface Window {
  start: number;
  count: number;
}

function untilText(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly penalties = new Map<string, number>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly clock: Clock,
  ) {}

  private rule(name: LimitName): RateLimitRule {
    if (name === 'AUTHED_API_POST_LIMIT') return this.settings.authedWrite;
    return name === 'AUTHED_API_GET_LIMIT' ? this.settings.authedGet : this.settings.unauthedGet;
  }

  /** Counts a call of `identity` (`user:<slug>` or `app:<client id>`) against `name`, or refuses it. */
  take(name: LimitName, identity: string): RateDecision {
    const now = this.clock.now();
    const penaltyUntil = this.penalties.get(identity);
    if (penaltyUntil !== undefined) {
      if (penaltyUntil > now)
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((penaltyUntil - now) / 1000)) };
      this.penalties.delete(identity);
    }
    const rule = this.rule(name);
    const periodMs = rule.periodSeconds * 1000;
    const key = `${name}|${identity}`;
    let window = this.windows.get(key);
    if (!window || now >= window.start + periodMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count < rule.limit) {
      window.count += 1;
      return { ok: true };
    }
    const end = window.start + periodMs;
    const penalty = this.settings.penaltyBoxSeconds * 1000;
    if (penalty > 0) this.penalties.set(identity, now + penalty);
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil(Math.max(end - now, penalty) / 1000)),
      report: { name, period: rule.periodSeconds, limit: rule.limit, remaining: 0, until: untilText(end) },
    };
  }

  reset(): void {
    this.windows.clear();
    this.penalties.clear();
  }
}
