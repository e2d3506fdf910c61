import { decideReauth, type MailerState, type ReauthDecisionInput } from '../../../shared/auth/reauth';
import type { StoredTokens } from '../../../shared/auth/tokens';
import { DAY, HOUR } from './fakes';

const T0 = Date.UTC(2026, 0, 1);
const settings = { warnDays: 5, throttleHours: 24 };

const healthy: StoredTokens = {
  accessToken: 'a',
  refreshToken: 'r',
  accessExpiresAt: T0 + HOUR,
  refreshIssuedAt: T0,
  refreshExpiresAt: T0 + 30 * DAY,
  user: 'alice',
};
const warnFrom = healthy.refreshExpiresAt - 5 * DAY;

function input(overrides: Partial<ReauthDecisionInput>): ReauthDecisionInput {
  return {
    label: 'MyAnimeList',
    tokens: healthy,
    mailerState: undefined,
    now: T0,
    settings,
    trigger: 'schedule',
    ...overrides,
  };
}

function sentAt(at: number, overrides: Partial<MailerState> = {}): MailerState {
  return { lastSentAt: at, lastState: 's'.repeat(43), linkExpiresAt: at + 7 * DAY, reason: 'no_tokens', ...overrides };
}

describe('decideReauth: when to send', () => {
  it.each([
    ['healthy tokens', input({}), false, null],
    ['no tokens', input({ tokens: undefined }), true, 'no_tokens'],
    [
      'tokens marked invalid',
      input({ tokens: { ...healthy, invalid: { reason: 'invalid_grant', at: T0 } } }),
      true,
      'invalid_grant',
    ],
    ['one ms before the warn window', input({ now: warnFrom - 1 }), false, null],
    ['at the start of the warn window', input({ now: warnFrom }), true, 'refresh_token_expiring'],
    ['past the estimated expiry', input({ now: healthy.refreshExpiresAt + DAY }), true, 'refresh_token_expiring'],
    [
      'a stale invalid_grant event while tokens are healthy',
      input({ trigger: 'event', eventReason: 'invalid_grant' }),
      false,
      null,
    ],
    ['a user_mismatch event', input({ trigger: 'event', eventReason: 'user_mismatch' }), true, 'user_mismatch'],
    ['a user_mismatch reason on a scheduled run is ignored', input({ eventReason: 'user_mismatch' }), false, null],
  ] as const)('%s', (_name, given, send, reason) => {
    const d = decideReauth(given);
    expect(d.send).toBe(send);
    expect(d.reason).toBe(reason);
    expect(d.why.length).toBeGreaterThan(0);
  });
});

describe('decideReauth: throttle', () => {
  const missing = { tokens: undefined } as const;

  it('force sends within the throttle window, but never while the tokens are healthy', () => {
    const forced = decideReauth(input({ ...missing, mailerState: sentAt(T0), now: T0 + HOUR, force: true }));
    expect(forced).toMatchObject({ send: true, reason: 'no_tokens' });
    expect(forced.why).toMatch(/throttle bypassed/);
    expect(decideReauth(input({ mailerState: sentAt(T0), now: T0 + HOUR, force: true }))).toMatchObject({
      send: false,
      reason: null,
    });
  });

  it('blocks a second email within the throttle window while the last link is valid', () => {
    const d = decideReauth(input({ ...missing, mailerState: sentAt(T0), now: T0 + 24 * HOUR - 1 }));
    expect(d).toMatchObject({ send: false, reason: 'no_tokens' });
    expect(d.why).toMatch(/throttled/);
  });

  it('allows the next email exactly when the window ends', () => {
    expect(decideReauth(input({ ...missing, mailerState: sentAt(T0), now: T0 + 24 * HOUR })).send).toBe(true);
  });

  it('does not let a used link block a new email', () => {
    const d = decideReauth(
      input({ ...missing, mailerState: sentAt(T0), lastLinkUsedAt: T0 + HOUR, now: T0 + 2 * HOUR }),
    );
    expect(d.send).toBe(true);
    expect(d.why).toMatch(/used/);
  });

  it('does not let an expired link block a new email', () => {
    const state = sentAt(T0, { linkExpiresAt: T0 + HOUR });
    expect(decideReauth(input({ ...missing, mailerState: state, now: T0 + HOUR - 1 })).send).toBe(false);
    const d = decideReauth(input({ ...missing, mailerState: state, now: T0 + HOUR }));
    expect(d.send).toBe(true);
    expect(d.why).toMatch(/expired/);
  });

  it('never sends while healthy, whatever the mailer state says', () => {
    expect(decideReauth(input({ mailerState: sentAt(T0 - 30 * DAY), now: T0 })).send).toBe(false);
  });
});

describe('decideReauth: reauthPendingHours', () => {
  it('is 0 when healthy', () => {
    expect(decideReauth(input({ mailerState: sentAt(T0 - DAY, { problemSince: T0 - DAY }) })).reauthPendingHours).toBe(
      0,
    );
  });

  it('counts from the invalid mark', () => {
    const tokens = { ...healthy, invalid: { reason: 'invalid_grant' as const, at: T0 } };
    expect(decideReauth(input({ tokens, now: T0 + 36 * HOUR })).reauthPendingHours).toBe(36);
  });

  it('counts from the start of the warn window', () => {
    expect(decideReauth(input({ now: warnFrom + 12 * HOUR })).reauthPendingHours).toBe(12);
  });

  it('for missing tokens, counts from the remembered episode start, else 0', () => {
    expect(decideReauth(input({ tokens: undefined, now: T0 })).reauthPendingHours).toBe(0);
    const d = decideReauth(
      input({ tokens: undefined, mailerState: sentAt(T0, { problemSince: T0 }), now: T0 + 50 * HOUR }),
    );
    expect(d.reauthPendingHours).toBe(50);
    expect(d.problemSince).toBe(T0);
  });

  it('keeps the earlier episode start when "expiring" turns into "invalid"', () => {
    const tokens = { ...healthy, invalid: { reason: 'invalid_grant' as const, at: warnFrom + DAY } };
    const d = decideReauth(
      input({ tokens, mailerState: sentAt(warnFrom, { problemSince: warnFrom }), now: warnFrom + 2 * DAY }),
    );
    expect(d.reauthPendingHours).toBe(48);
  });
});
