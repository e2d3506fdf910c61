import { approveLatestEmail, latestAuthorizeLink } from '../../../local/story';
import { readTokens } from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { KEYS } from '../../../shared/store/store';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf } from '../../support/reports';

const HOUR = 3_600_000;

/** The reauth mailer and OAuth callback over real HTTP, with tokens in s3rver and mail in the SES emulator. */
describe('authorization lifecycle against the sandbox services', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system.close();
  });

  test('the mailer sends one email per throttle window while its link is valid', async () => {
    const clock = new ManualClock(Date.now());
    system = await startTestSystem({ clock });
    const first = await system.runMailer();
    expect(first).toMatchObject({ sent: true, destinations: [{ destination: 'mal', reason: 'no_tokens' }] });
    const mail = (await system.ses.messages())[0]!;
    expect(mail.to).toEqual(['you@example.com']);
    expect(mail.html).toContain('/authorize?');
    expect(mail.text).toMatch(/expires?/i);

    clock.advance(HOUR);
    await system.runMailer({ 'detail-type': 'Reauth Required', detail: { reason: 'no_tokens' } });
    clock.advance(20 * HOUR);
    await system.runMailer();
    expect(await system.ses.messages()).toHaveLength(1);

    clock.advance(4 * HOUR); // 25 h after the first email
    expect(await system.runMailer()).toMatchObject({ sent: true });
    expect(await system.ses.messages()).toHaveLength(2);
  });

  test.each([
    [
      'forged',
      (link: URL) => link.searchParams.set('state', 'x'.repeat(43)),
      /not recognized|not known here|not valid/i,
    ],
    ['missing', (link: URL) => link.searchParams.delete('state'), /missing/i],
  ])('a %s state is refused with a 400 page and nothing is stored', async (_name, tamper, message) => {
    system = await startTestSystem();
    await system.runMailer();
    const { url } = await latestAuthorizeLink(system);
    const link = new URL(url);
    const callback = new URL(system.urls.callback);
    callback.searchParams.set('code', 'made-up-code');
    const state = link.searchParams.get('state');
    if (state) callback.searchParams.set('state', state);
    tamper(callback);
    const res = await fetch(callback);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toMatch(message);
    expect((await readTokens(system.store, 'mal')).tokens).toBeUndefined();
  });

  test('an expired link is refused and stores nothing', async () => {
    const clock = new ManualClock(Date.now());
    system = await startTestSystem({ clock });
    await system.runMailer();
    clock.advance(8 * 24 * HOUR);
    const story = await approveLatestEmail(system);
    expect(story.callbackStatus).toBe(400);
    expect(story.callbackPage).toMatch(/expired/i);
    expect((await readTokens(system.store, 'mal')).tokens).toBeUndefined();
  });

  test('a replayed callback URL is refused and does not replace the tokens', async () => {
    system = await startTestSystem();
    await system.runMailer();
    const story = await approveLatestEmail(system);
    expect(story.callbackStatus).toBe(200);
    expect(story.callbackPage).toContain('Connected to MyAnimeList');
    const stored = (await system.store.get(KEYS.tokens('mal')))!;
    // The same redirect again (e.g. from browser history).
    const { url } = await latestAuthorizeLink(system);
    const state = new URL(url).searchParams.get('state')!;
    const replay = new URL(system.urls.callback);
    replay.searchParams.set('code', 'another-code');
    replay.searchParams.set('state', state);
    const res = await fetch(replay);
    // Issue #11: MyAnimeList is connected, so the reused link is a calm "nothing to do", not a red refusal.
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('MyAnimeList is already connected; nothing to do');
    expect((await system.store.get(KEYS.tokens('mal')))!.etag).toBe(stored.etag);
  });

  test('"Deny" on MAL leads to a clear page and stores nothing', async () => {
    system = await startTestSystem();
    await system.runMailer();
    const story = await approveLatestEmail(system, 'deny');
    expect(story.callbackStatus).toBe(400);
    expect(story.callbackPage).toMatch(/declined|denied/i);
    expect((await readTokens(system.store, 'mal')).tokens).toBeUndefined();
  });

  test('an expired access token is refreshed once and the rotated refresh token is stored', async () => {
    system = await startTestSystem();
    await authorize(system);
    const before = (await readTokens(system.store, 'mal')).tokens!;
    system.mal!.state.expireAccessTokens();
    const entry = system.anilist!.store.entries().find((e) => e.media?.idMal === 5114)!;
    system.anilist!.store.upsertEntry({ id: entry.id, progress: 30 });
    const result = await system.runSync();
    expect(result).toMatchObject({ status: 'ok' });
    expect(resultOf(result)).toMatchObject({ status: 'ok', written: 1 });
    const after = (await readTokens(system.store, 'mal')).tokens!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(system.mal!.counters.byRoute['POST /v1/oauth2/token']).toBe(2); // code exchange + one refresh
  });

  test('a revoked refresh token pauses sync and emails a new authorization link', async () => {
    system = await startTestSystem();
    await authorize(system);
    system.mal!.state.expireAccessTokens();
    system.mal!.state.revokeRefreshTokens();
    const entry = system.anilist!.store.entries().find((e) => e.media?.idMal === 9253)!;
    system.anilist!.store.upsertEntry({ id: entry.id, score: 10 });
    const result = await system.runSync();
    expect(result).toMatchObject({ status: 'reauth_required' });
    expect(resultOf(result)).toMatchObject({ status: 'reauth_required' });
    await system.settle();
    expect(system.bus.published.map((e) => e.detailType)).toContain('Reauth Required');
    const mails = await system.ses.messages();
    expect(mails).toHaveLength(2);
    expect(`${mails[1]!.subject} ${mails[1]!.text}`).toMatch(/expired|revoked|refused|invalid/i);

    // Following the new link resumes the sync, and the pending edit lands.
    const story = await approveLatestEmail(system);
    expect(story.callbackStatus).toBe(200);
    await system.settle();
    expect(system.mal!.state.getEntry(9253)?.listStatus.score).toBe(1);
  });
});
