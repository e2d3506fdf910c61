import { handleOAuthCallback } from '../../../shared/auth/callback';
import { MailSendError, type ReauthMailerDeps, runReauthCheck } from '../../../shared/auth/mailer';
import { consumePendingAuthorization } from '../../../shared/auth/pending';
import { mailerStateSchema } from '../../../shared/auth/reauth';
import { hasUsableTokens } from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { DAY, FakeEvents, FakeMailSender, FakeMalOAuth, gate, HOUR, seedTokens } from './fakes';

const REDIRECT = 'https://cb.example.test/callback';

function setup(overrides: Partial<ReauthMailerDeps> = {}) {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const oauth = new FakeMalOAuth();
  const mail = new FakeMailSender();
  const deps: ReauthMailerDeps = {
    store,
    clock,
    destinations: [{ provider: oauth }],
    mail,
    from: 'mirror@example.test',
    to: 'me@example.test',
    redirectUri: REDIRECT,
    linkTtlHours: 168,
    throttleHours: 24,
    warnDays: 5,
    ...overrides,
  };
  return { store, clock, oauth, mail, deps };
}

/** MyAnimeList's section of the mailer state (version 2: one section per destination). */
function mailerState(store: MemoryStore) {
  const obj = store.objects.get(KEYS.mailerState);
  if (!obj) return undefined;
  const memory = JSON.parse(obj.body) as { version: number; destinations: Record<string, unknown> };
  expect(memory.version).toBe(2);
  return mailerStateSchema.parse(memory.destinations.mal);
}

/** A "Reauth Required" event from the worker about MyAnimeList. */
const NO_TOKENS = { destination: 'mal', reason: 'no_tokens' } as const;

function linkIn(text: string): URL {
  const match = text.match(/https:\/\/myanimelist\.net\/v1\/oauth2\/authorize\?\S+/);
  expect(match).not.toBeNull();
  return new URL(match![0]);
}

describe('runReauthCheck', () => {
  it('with no tokens: stores a pending authorization, emails the link with its expiry, records the send', async () => {
    const { store, clock, mail, deps } = setup();
    const result = await runReauthCheck(deps, 'schedule');
    const expiresAt = clock.now() + 168 * HOUR;
    expect(result).toMatchObject({
      sent: true,
      destinations: [
        {
          destination: 'mal',
          label: 'MyAnimeList',
          reason: 'no_tokens',
          reauthPendingHours: 0,
          linkExpiresAt: new Date(expiresAt).toISOString(),
        },
      ],
      messageId: 'msg-1',
    });
    expect(mail.sent).toHaveLength(1);
    const msg = mail.sent[0]!;
    expect(msg).toMatchObject({ from: 'mirror@example.test', to: 'me@example.test' });

    const link = linkIn(msg.text);
    const state = link.searchParams.get('state')!;
    expect(link.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(link.searchParams.get('code_challenge_method')).toBe('plain');
    expect(msg.html).toContain(`state=${state}`);
    expect(msg.text).toContain('Thursday, 8 January 2026, 00:00 UTC');
    expect(msg.html).toContain('Thursday, 8 January 2026, 00:00 UTC');

    const pending = JSON.parse(store.objects.get(KEYS.pendingAuth(state))!.body);
    expect(pending).toMatchObject({ state, expiresAt, createdAt: clock.now() });
    // plain PKCE: the emailed challenge is the stored verifier
    expect(link.searchParams.get('code_challenge')).toBe(pending.codeVerifier);

    expect(mailerState(store)).toEqual({
      lastSentAt: clock.now(),
      lastState: state,
      linkExpiresAt: expiresAt,
      reason: 'no_tokens',
      problemSince: clock.now(),
    });
  });

  it('throttles repeated triggers to one email per 24 h while the link is valid', async () => {
    const { clock, mail, deps } = setup();
    const sentAt: number[] = [];
    // Events every 2 hours for three days (e.g. every failing sync run publishes one).
    for (let t = 0; t <= 72; t += 2) {
      const r = await runReauthCheck(deps, t % 24 === 0 ? 'schedule' : 'event', NO_TOKENS);
      if (r.sent) sentAt.push(t);
      clock.advance(2 * HOUR);
    }
    expect(sentAt).toEqual([0, 24, 48, 72]);
    expect(mail.sent).toHaveLength(4);
  });

  it('reports growing reauthPendingHours across runs of one episode', async () => {
    const { clock, deps } = setup();
    await runReauthCheck(deps, 'schedule');
    clock.advance(30 * HOUR);
    expect((await runReauthCheck(deps, 'schedule')).destinations[0]?.reauthPendingHours).toBe(30);
    clock.advance(HOUR);
    const throttled = await runReauthCheck(deps, 'event', NO_TOKENS);
    expect(throttled).toMatchObject({ sent: false, destinations: [{ reauthPendingHours: 31 }] });
  });

  it('sends a new email at once when the last link was used', async () => {
    const { store, clock, mail, deps } = setup();
    await runReauthCheck(deps, 'schedule');
    const state = linkIn(mail.sent[0]!.text).searchParams.get('state')!;
    expect((await consumePendingAuthorization({ store, clock }, state)).ok).toBe(true);
    clock.advance(HOUR);
    const r = await runReauthCheck(deps, 'event', NO_TOKENS);
    expect(r.sent).toBe(true);
    expect(mail.sent).toHaveLength(2);
  });

  it('stays quiet while tokens are healthy and ends the episode', async () => {
    const { store, clock, oauth, mail, deps } = setup();
    await runReauthCheck(deps, 'schedule');
    expect(mailerState(store)!.problemSince).toBeDefined();
    await seedTokens(store, oauth, clock);
    clock.advance(HOUR);
    const r = await runReauthCheck(deps, 'schedule');
    expect(r).toMatchObject({ sent: false, destinations: [{ reason: null, reauthPendingHours: 0 }] });
    expect(mail.sent).toHaveLength(1);
    expect(mailerState(store)!.problemSince).toBeUndefined();
  });

  it('emails proactively inside the warn window, naming the MAL user', async () => {
    const { store, clock, oauth, mail, deps } = setup();
    const tokens = await seedTokens(store, oauth, clock);
    clock.set(tokens.refreshExpiresAt - 5 * DAY - 1);
    expect((await runReauthCheck(deps, 'schedule')).sent).toBe(false);
    clock.advance(1);
    const r = await runReauthCheck(deps, 'schedule');
    expect(r).toMatchObject({ sent: true, destinations: [{ reason: 'refresh_token_expiring' }] });
    expect(mail.sent[0]!.text).toMatch(/as alice/);
  });

  it('rolls back when SES fails, so the next run retries instead of being throttled', async () => {
    const { store, mail, deps } = setup();
    mail.failure = new Error('SES is down');
    await expect(runReauthCheck(deps, 'schedule')).rejects.toBeInstanceOf(MailSendError);
    expect(store.objects.has(KEYS.mailerState)).toBe(false);
    expect(await store.list(KEYS.pendingAuthPrefix)).toEqual([]);
    mail.failure = undefined;
    expect((await runReauthCheck(deps, 'event', NO_TOKENS)).sent).toBe(true);
  });

  it('two concurrent runs send one email', async () => {
    const { store, mail, deps } = setup();
    // Both runs read the (absent) mailer state before either claims the send.
    const bothRead = gate();
    let reads = 0;
    store.hooks.beforeGet = (key) => {
      if (key === KEYS.mailerState && ++reads === 2) bothRead.open();
    };
    store.hooks.beforePut = async (key) => {
      if (key === KEYS.mailerState) await bothRead.promise;
    };
    const results = await Promise.all([runReauthCheck(deps, 'schedule'), runReauthCheck(deps, 'event', NO_TOKENS)]);
    expect(results.filter((r) => r.sent)).toHaveLength(1);
    expect(mail.sent).toHaveLength(1);
    expect(results.find((r) => !r.sent)!.why).toMatch(/another mailer run/);
    // The loser's unused pending authorization is removed again.
    expect(await store.list(KEYS.pendingAuthPrefix)).toHaveLength(1);
  });

  it('housekeeping removes expired pending authorizations', async () => {
    const { store, clock, deps } = setup({ linkTtlHours: 1 });
    await runReauthCheck(deps, 'schedule');
    expect(await store.list(KEYS.pendingAuthPrefix)).toHaveLength(1);
    clock.advance(1 * HOUR + 72 * HOUR + 1);
    const r = await runReauthCheck(deps, 'schedule');
    // the old one is gone, the one just sent is kept
    expect(r).toMatchObject({ sent: true, pendingDeleted: 1 });
    expect(await store.list(KEYS.pendingAuthPrefix)).toHaveLength(1);
  });

  it('end to end with the callback: the emailed link authorizes and the next check is quiet', async () => {
    const { store, clock, oauth, mail, deps } = setup();
    await runReauthCheck(deps, 'schedule');
    const approved = oauth.approve(linkIn(mail.sent[0]!.text).toString(), 'alice');
    const page = await handleOAuthCallback(
      {
        store,
        clock,
        destinations: { mal: { provider: oauth } },
        events: new FakeEvents(),
        redirectUri: REDIRECT,
      },
      `code=${approved.code}&state=${approved.state}`,
    );
    expect(page.statusCode).toBe(200);
    clock.advance(25 * HOUR);
    expect(await runReauthCheck(deps, 'schedule')).toMatchObject({ sent: false, destinations: [{ reason: null }] });
  });

  it('a version 1 token record (`malUser`): no email until the worker describes it, then the reminder names its account', async () => {
    const { store, clock, oauth, mail, deps } = setup();
    const set = oauth.mint('v1_fan');
    const v1 = {
      accessToken: set.accessToken,
      refreshToken: set.refreshToken,
      accessExpiresAt: clock.now() + HOUR,
      refreshIssuedAt: clock.now(),
      refreshExpiresAt: clock.now() + 30 * DAY,
      malUser: 'v1_fan',
    };
    await store.put(KEYS.tokens('mal'), JSON.stringify(v1));
    clock.set(v1.refreshExpiresAt - 5 * DAY);
    // Right after an upgrade the mailer cannot read the tokens and they have no metadata yet:
    // it neither emails "no tokens" nor forgets anything.
    const unknown = await runReauthCheck(deps, 'schedule');
    expect(unknown).toMatchObject({ sent: false, destinations: [{ reason: null, reauthPendingHours: 0 }] });
    expect(unknown.why).toMatch(/not described yet/);
    // The worker, which may read the tokens, describes them when it next uses them.
    expect(await hasUsableTokens(store, 'mal')).toBe(true);
    clock.advance(-1);
    expect(await runReauthCheck(deps, 'schedule')).toMatchObject({ sent: false, destinations: [{ reason: null }] });
    clock.advance(1);
    const r = await runReauthCheck(deps, 'schedule');
    expect(r).toMatchObject({ sent: true, destinations: [{ reason: 'refresh_token_expiring' }] });
    expect(mail.sent[0]!.text).toMatch(/as v1_fan/);
    expect(mail.sent[0]!.html).toContain('as v1_fan');
  });

  it("a version 1 mailer state (one flat section) is read as MyAnimeList's: its throttle and episode hold", async () => {
    const { store, clock, mail, deps } = setup();
    const v1State = {
      lastSentAt: clock.now() - 2 * HOUR,
      lastState: 's'.repeat(43),
      linkExpiresAt: clock.now() + 100 * HOUR,
      reason: 'no_tokens',
      problemSince: clock.now() - 50 * HOUR,
    };
    await store.put(KEYS.mailerState, JSON.stringify(v1State));
    const throttled = await runReauthCheck(deps, 'event', NO_TOKENS);
    expect(throttled).toMatchObject({ sent: false, destinations: [{ reason: 'no_tokens', reauthPendingHours: 50 }] });
    expect(throttled.why).toMatch(/throttled/);
    expect(mail.sent).toHaveLength(0);

    clock.advance(22 * HOUR); // 24 h after the version 1 send
    const sent = await runReauthCheck(deps, 'schedule');
    expect(sent).toMatchObject({ sent: true, destinations: [{ reauthPendingHours: 72 }] });
    // Rewritten in the current shape, the episode's start kept.
    expect(mailerState(store)).toMatchObject({ reason: 'no_tokens', problemSince: v1State.problemSince });
  });

  it('an event from before there were several destinations (no destination) concerns MyAnimeList', async () => {
    const { store, clock, oauth, mail, deps } = setup();
    await seedTokens(store, oauth, clock);
    // Healthy tokens: only a user mismatch reported by the worker is news.
    const other = await runReauthCheck(deps, 'event', { destination: 'trakt', reason: 'user_mismatch' });
    expect(other).toMatchObject({ sent: false, destinations: [{ destination: 'mal', reason: null }] });
    const legacy = await runReauthCheck(deps, 'event', { reason: 'user_mismatch' });
    expect(legacy).toMatchObject({ sent: true, destinations: [{ destination: 'mal', reason: 'user_mismatch' }] });
    expect(mail.sent).toHaveLength(1);
  });
});
