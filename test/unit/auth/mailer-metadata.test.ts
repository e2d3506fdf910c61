import { type ReauthMailerDeps, runReauthCheck } from '../../../shared/auth/mailer';
import { tokenMetaOf, writeTokenMeta } from '../../../shared/auth/token-meta';
import { ManualClock } from '../../../shared/clock';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { DAY, FakeMailSender, FakeMalOAuth, HOUR, seedTokens } from './fakes';

/**
 * The mailer decides from the tokens' metadata (issue #12, point 4): its IAM grant no longer
 * reaches the tokens, so here a read of a tokens key fails the test as AccessDenied would.
 */
function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const oauth = new FakeMalOAuth();
  const mail = new FakeMailSender();
  const tokensRead: string[] = [];
  store.hooks.beforeGet = (key) => {
    if (key === KEYS.tokens('mal')) {
      tokensRead.push(key);
      throw new Error(`AccessDenied: the mailer may not read ${key}`);
    }
  };
  const deps: ReauthMailerDeps = {
    store,
    clock,
    destinations: [{ provider: oauth }],
    mail,
    from: 'mirror@example.test',
    to: 'me@example.test',
    redirectUri: 'https://cb.example.test/callback',
    linkTtlHours: 168,
    throttleHours: 24,
    warnDays: 5,
  };
  return { store, clock, oauth, mail, deps, tokensRead };
}

describe('the mailer reads token metadata, never the tokens', () => {
  it('healthy, expiring and invalid tokens are told apart from their metadata alone', async () => {
    const { store, clock, oauth, deps, tokensRead } = setup();
    const tokens = await seedTokens(store, oauth, clock);
    expect(await runReauthCheck(deps, 'schedule')).toMatchObject({ sent: false, destinations: [{ reason: null }] });
    clock.set(tokens.refreshExpiresAt - 4 * DAY);
    expect(await runReauthCheck(deps, 'schedule')).toMatchObject({
      sent: true,
      destinations: [{ reason: 'refresh_token_expiring' }],
    });
    await seedTokens(store, oauth, clock, { invalid: { reason: 'invalid_grant', at: clock.now() } });
    clock.advance(25 * HOUR);
    expect(await runReauthCheck(deps, 'schedule')).toMatchObject({
      sent: true,
      destinations: [{ reason: 'invalid_grant' }],
    });
    expect(tokensRead).toEqual([]);
  });

  it('tokens deleted by hand: missing, whatever their leftover metadata says', async () => {
    const { store, clock, oauth, deps } = setup();
    await seedTokens(store, oauth, clock);
    await store.delete(KEYS.tokens('mal'));
    expect(await runReauthCheck(deps, 'schedule')).toMatchObject({
      sent: true,
      destinations: [{ reason: 'no_tokens' }],
    });
  });

  it('tokens described as unreadable count as missing', async () => {
    const { store, clock, oauth, deps } = setup();
    await seedTokens(store, oauth, clock);
    await writeTokenMeta(store, 'mal', undefined, '"etag"');
    expect(JSON.parse(store.objects.get(KEYS.tokenMeta('mal'))!.body)).toEqual(tokenMetaOf(undefined, '"etag"'));
    expect(await runReauthCheck(deps, 'schedule')).toMatchObject({
      sent: true,
      destinations: [{ reason: 'no_tokens' }],
    });
  });

  it('tokens without metadata (just upgraded): no email, and a running episode is not forgotten', async () => {
    const { store, clock, oauth, mail, deps } = setup();
    // No tokens: the first email, which starts an episode.
    expect((await runReauthCheck(deps, 'schedule')).sent).toBe(true);
    const since = clock.now();
    // Tokens appear without metadata (a callback of the previous version).
    clock.advance(2 * HOUR);
    await seedTokens(store, oauth, clock);
    await store.delete(KEYS.tokenMeta('mal'));
    const result = await runReauthCheck(deps, 'event', { destination: 'mal', reason: 'no_tokens' });
    expect(result).toMatchObject({ sent: false, destinations: [{ reason: null }] });
    expect(result.why).toMatch(/not described yet/);
    expect(mail.sent).toHaveLength(1);
    const memory = JSON.parse(store.objects.get(KEYS.mailerState)!.body) as {
      destinations: { mal: { problemSince?: number } };
    };
    expect(memory.destinations.mal.problemSince).toBe(since);
  });
});
