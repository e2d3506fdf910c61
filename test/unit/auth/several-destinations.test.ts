import { makeMailerHandler, parseMailerEvent } from '../../../lambdas/reauth-mailer/handler';
import { handleOAuthCallback, type OAuthCallbackDeps } from '../../../shared/auth/callback';
import { type ReauthMailerDeps, readMailerStates, runReauthCheck } from '../../../shared/auth/mailer';
import { pkceChallenge } from '../../../shared/auth/pkce';
import { ManualClock } from '../../../shared/clock';
import { createJsonLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { FakeEvents, FakeMailSender, FakeMalOAuth, HOUR, seedTokens, storedTokens } from './fakes';

const REDIRECT = 'https://cb.example.test/callback';

/**
 * The auth lifecycle with two destinations: one mailer run decides for each, one email carries a
 * link (and a button) per destination that needs the user, and the one callback route completes
 * whichever destination a link was made for.
 */
function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock();
  const mal = new FakeMalOAuth();
  const trakt = new FakeMalOAuth({
    destination: 'trakt',
    label: 'Trakt',
    pkceMethod: 'S256',
    verbs: { first: 'Connect', again: 'Reconnect' },
  });
  const mail = new FakeMailSender();
  const events = new FakeEvents();
  const mailer: ReauthMailerDeps = {
    store,
    clock,
    destinations: [{ provider: mal }, { provider: trakt, expectedUser: 'trakt_me' }],
    mail,
    from: 'mirror@example.test',
    to: 'me@example.test',
    redirectUri: REDIRECT,
    linkTtlHours: 168,
    throttleHours: 24,
    warnDays: 5,
  };
  const callback: OAuthCallbackDeps = {
    store,
    clock,
    destinations: { mal: { provider: mal }, trakt: { provider: trakt } },
    events,
    redirectUri: REDIRECT,
  };
  return { store, clock, mal, trakt, mail, events, mailer, callback };
}

/** The links of an email's text part, by the destination named before each. */
function linksOf(text: string): Record<string, URL> {
  const links: Record<string, URL> = {};
  for (const m of text.matchAll(/confirm on ([^\n:]+):\s*\n\s*(https?:\/\/\S+)/g)) links[m[1]!] = new URL(m[2]!);
  return links;
}

describe('the mailer with several destinations', () => {
  test('one email, with a link and a button for each destination that needs the user', async () => {
    const { store, mail, mailer, mal, clock } = setup();
    const result = await runReauthCheck(mailer, 'schedule');
    expect(result).toMatchObject({
      sent: true,
      destinations: [
        { destination: 'mal', label: 'MyAnimeList', reason: 'no_tokens' },
        { destination: 'trakt', label: 'Trakt', reason: 'no_tokens' },
      ],
    });
    expect(mail.sent).toHaveLength(1);
    const msg = mail.sent[0]!;
    expect(msg.subject).toMatch(/MyAnimeList and Trakt need you/);
    expect(msg.html).toContain('>Authorize MyAnimeList</a>');
    expect(msg.html).toContain('>Connect Trakt</a>');
    // Trakt's account is named by its setting (no tokens yet); MyAnimeList's is not known.
    expect(msg.text).toContain('as trakt_me, open this link and confirm on Trakt:');
    const links = linksOf(msg.text);
    expect(Object.keys(links)).toEqual(['MyAnimeList', 'Trakt']);
    // Each link is its own pending authorization, for its destination, with its PKCE method.
    for (const [label, destination, method] of [
      ['MyAnimeList', 'mal', 'plain'],
      ['Trakt', 'trakt', 'S256'],
    ] as const) {
      const link = links[label]!;
      const pending = JSON.parse(store.objects.get(KEYS.pendingAuth(link.searchParams.get('state')!))!.body);
      expect(pending).toMatchObject({ destination, expiresAt: clock.now() + 168 * HOUR });
      expect(link.searchParams.get('code_challenge')).toBe(pkceChallenge(pending.codeVerifier, method));
      expect(link.searchParams.get('code_challenge_method')).toBe(method);
    }
    expect(Object.keys(await readMailerStates(store)).sort()).toEqual(['mal', 'trakt']);

    // MyAnimeList gets authorized: only Trakt still needs the user, and it is throttled.
    await seedTokens(store, mal, clock);
    clock.advance(HOUR);
    const next = await runReauthCheck(mailer, 'schedule');
    expect(next).toMatchObject({
      sent: false,
      destinations: [
        { destination: 'mal', reason: null, reauthPendingHours: 0 },
        { destination: 'trakt', reason: 'no_tokens', reauthPendingHours: 1 },
      ],
    });
    expect(next.why).toMatch(/^MyAnimeList: tokens healthy.*; Trakt: no Trakt tokens are stored; throttled/);
  });

  test('a destination that is due brings every destination that needs the user into the same email', async () => {
    const { store, mail, mailer, mal, trakt, clock } = setup();
    await seedTokens(store, trakt, clock);
    expect(await runReauthCheck(mailer, 'schedule')).toMatchObject({ sent: true });
    expect(Object.keys(linksOf(mail.sent[0]!.text))).toEqual(['MyAnimeList']);

    // Two hours later Trakt rejects its refresh token: its first email goes out at once, and it
    // carries a fresh MyAnimeList link too, although MyAnimeList alone would still be throttled.
    clock.advance(2 * HOUR);
    await seedTokens(store, trakt, clock, { invalid: { reason: 'invalid_grant', at: clock.now() } });
    const both = await runReauthCheck(mailer, 'event', { destination: 'trakt', reason: 'invalid_grant' });
    expect(both).toMatchObject({
      sent: true,
      destinations: [
        { destination: 'mal', reason: 'no_tokens', linkExpiresAt: expect.any(String) },
        { destination: 'trakt', reason: 'invalid_grant', linkExpiresAt: expect.any(String) },
      ],
    });
    expect(both.why).toMatch(/^Trakt: /);
    expect(Object.keys(linksOf(mail.sent[1]!.text))).toEqual(['MyAnimeList', 'Trakt']);
    expect(mail.sent[1]!.html).toContain('>Reconnect Trakt</a>');
    expect(mal.calls.exchange).toBe(0);
  });

  test('the handler logs one "reauth check" line per destination, the alarm metric\'s dimension', async () => {
    const { mailer, store, trakt, clock } = setup();
    await seedTokens(store, trakt, clock);
    const lines: Record<string, unknown>[] = [];
    const logger = createJsonLogger({ level: 'info', write: (l) => lines.push(JSON.parse(l)) });
    const handler = makeMailerHandler({ ...mailer, logger });
    await handler({ 'detail-type': 'Scheduled Event' });
    const checks = lines.filter((l) => l.message === 'reauth check');
    expect(checks).toEqual([
      expect.objectContaining({ destination: 'mal', sent: true, reason: 'no_tokens', reauthPendingHours: 0 }),
      expect.objectContaining({ destination: 'trakt', sent: false, reason: null, reauthPendingHours: 0 }),
    ]);
    expect(checks[0]).toHaveProperty('linkExpiresAt');
    expect(checks[1]).not.toHaveProperty('linkExpiresAt');
  });

  test.each([
    ['the daily schedule', { 'detail-type': 'Scheduled Event' }, { trigger: 'schedule', force: false }],
    ['a manual forced run', { force: true }, { trigger: 'schedule', force: true }],
    [
      'an event naming its destination',
      { 'detail-type': 'Reauth Required', detail: { destination: 'trakt', reason: 'invalid_grant' } },
      { trigger: 'event', event: { destination: 'trakt', reason: 'invalid_grant' }, force: false },
    ],
    [
      'an event from before there were several destinations',
      { 'detail-type': 'Reauth Required', detail: { reason: 'no_tokens' } },
      { trigger: 'event', event: { reason: 'no_tokens' }, force: false },
    ],
    [
      'an event with an unknown reason and a destination that is not a key',
      { 'detail-type': 'Reauth Required', detail: { destination: '../x', reason: 'gremlins' } },
      { trigger: 'event', event: {}, force: false },
    ],
  ])('reads %s', (_name, event, parsed) => {
    expect(parseMailerEvent(event)).toEqual(parsed);
  });
});

describe('the callback with several destinations', () => {
  test("a link completes the destination it was made for, with that destination's PKCE", async () => {
    const { store, mail, mailer, trakt, mal, events, callback, clock } = setup();
    await runReauthCheck(mailer, 'schedule');
    const link = linksOf(mail.sent[0]!.text).Trakt!;
    const { code, state } = trakt.approve(link.toString(), 'trakt_me');
    const page = await handleOAuthCallback(callback, `code=${code}&state=${state}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Connected to Trakt');
    expect(storedTokens(store, 'trakt')).toMatchObject({ user: 'trakt_me', refreshIssuedAt: clock.now() });
    expect(store.objects.has(KEYS.tokens('trakt'))).toBe(true);
    expect(storedTokens(store, 'mal')).toBeUndefined();
    expect(events.completed).toEqual([
      { destination: 'trakt', user: 'trakt_me', at: new Date(clock.now()).toISOString() },
    ]);
    expect({ trakt: trakt.calls.exchange, mal: mal.calls.exchange }).toEqual({ trakt: 1, mal: 0 });
  });

  test('a link made for a destination this deployment no longer enables stores nothing', async () => {
    const { store, mail, mailer, trakt, events, callback } = setup();
    await runReauthCheck(mailer, 'schedule');
    const link = linksOf(mail.sent[0]!.text).Trakt!;
    const { code, state } = trakt.approve(link.toString());
    const malOnly: OAuthCallbackDeps = { ...callback, destinations: { mal: callback.destinations.mal! } };
    const page = await handleOAuthCallback(malOnly, `code=${code}&state=${state}`);
    expect(page.statusCode).toBe(400);
    // Issue #11: said as it is, not as an unknown link.
    expect(page.body).toContain('This link was made for <code>trakt</code>, which this mirror no longer syncs to');
    expect(trakt.calls.exchange).toBe(0);
    expect(store.objects.has(KEYS.tokens('trakt'))).toBe(false);
    expect(events.completed).toEqual([]);
  });

  test('declining names the destination of the link', async () => {
    const { mail, mailer, callback } = setup();
    await runReauthCheck(mailer, 'schedule');
    const state = linksOf(mail.sent[0]!.text).Trakt!.searchParams.get('state')!;
    const page = await handleOAuthCallback(callback, `error=access_denied&state=${state}`);
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('You declined access on Trakt');
  });
});
