import { RateLimiter } from '../../../local/sandbox/trakt/rate-limit';
import { ManualClock } from '../../../shared/clock';

/** The rate limiter on a ManualClock. */

const START = Date.UTC(2026, 0, 1);

function limiter(penaltyBoxSeconds = 0) {
  const clock = new ManualClock(START);
  const rates = new RateLimiter(
    {
      authedWrite: { limit: 1, periodSeconds: 1 },
      authedGet: { limit: 3, periodSeconds: 300 },
      unauthedGet: { limit: 2, periodSeconds: 300 },
      xRatelimitHeader: true,
      penaltyBoxSeconds,
    },
    clock,
  );
  return { clock, rates };
}

describe('Trakt rate limiter', () => {
  test('a fixed window from the first call; refused calls do not count; the window reopens at its end', () => {
    const { clock, rates } = limiter();
    for (let i = 0; i < 3; i += 1) expect(rates.take('AUTHED_API_GET_LIMIT', 'user:a').ok).toBe(true);
    clock.advance(299_500);
    expect(rates.take('AUTHED_API_GET_LIMIT', 'user:a')).toEqual({
      ok: false,
      retryAfterSeconds: 1,
      report: { name: 'AUTHED_API_GET_LIMIT', period: 300, limit: 3, remaining: 0, until: '2026-01-01T00:05:00Z' },
    });
    clock.advance(500);
    expect(rates.take('AUTHED_API_GET_LIMIT', 'user:a').ok).toBe(true);
  });

  test('buckets and identities are apart', () => {
    const { rates } = limiter();
    expect(rates.take('AUTHED_API_POST_LIMIT', 'user:a').ok).toBe(true);
    expect(rates.take('AUTHED_API_POST_LIMIT', 'user:a').ok).toBe(false);
    expect(rates.take('AUTHED_API_POST_LIMIT', 'user:b').ok).toBe(true);
    expect(rates.take('AUTHED_API_GET_LIMIT', 'user:a').ok).toBe(true);
    expect(rates.take('UNAUTHED_API_GET_LIMIT', 'app:x').ok).toBe(true);
  });

  test('Retry-After rounds up, never below 1', () => {
    const { clock, rates } = limiter();
    rates.take('AUTHED_API_POST_LIMIT', 'user:a');
    clock.advance(999);
    const refused = rates.take('AUTHED_API_POST_LIMIT', 'user:a');
    expect(refused.ok ? 0 : refused.retryAfterSeconds).toBe(1);
  });

  test('penalty box: the violator is refused everywhere until it ends, without X-Ratelimit', () => {
    const { clock, rates } = limiter(300);
    rates.take('AUTHED_API_POST_LIMIT', 'user:a');
    const violation = rates.take('AUTHED_API_POST_LIMIT', 'user:a');
    expect(violation.ok ? 0 : violation.retryAfterSeconds).toBe(300);
    clock.advance(100_000);
    expect(rates.take('AUTHED_API_GET_LIMIT', 'user:a')).toEqual({ ok: false, retryAfterSeconds: 200 });
    expect(rates.take('AUTHED_API_GET_LIMIT', 'user:b').ok).toBe(true);
    clock.advance(200_000);
    expect(rates.take('AUTHED_API_POST_LIMIT', 'user:a').ok).toBe(true);
  });

  test('reset forgets windows and penalties', () => {
    const { rates } = limiter(300);
    rates.take('AUTHED_API_POST_LIMIT', 'user:a');
    rates.take('AUTHED_API_POST_LIMIT', 'user:a');
    rates.reset();
    expect(rates.take('AUTHED_API_POST_LIMIT', 'user:a').ok).toBe(true);
  });
});
