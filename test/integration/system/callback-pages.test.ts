import { ephemeralLocalConfig } from '../../../local/config';
import { approveLatestEmail, latestAuthorizeLink } from '../../../local/story';
import { type LocalSystem, startLocalSystem } from '../../../local/system';
import { silentLogger } from '../../../shared/log';

/**
 * Issue #11, "Callback pages", over real HTTP through the local system: the success page points at
 * the dashboard beside the callback, a link used again while connected says so, a link from before
 * a restart is "not known here", and each refusal reaches the console (onNotice).
 */
async function start(notices: string[]): Promise<LocalSystem> {
  return startLocalSystem({
    local: ephemeralLocalConfig({}),
    env: { HTTP_RETRY_BASE_DELAY_MS: '20', HTTP_TIMEOUT_MS: '2000', DEADLINE_SAFETY_MS: '0', DESTINATIONS: 'mal' },
    sandbox: true,
    logger: silentLogger,
    onNotice: (text) => notices.push(text),
    onError: () => {},
  });
}

const words = (body: string) => body.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');

describe('the callback pages of the local system', () => {
  const systems: LocalSystem[] = [];
  afterAll(async () => {
    for (const s of systems) await s.close();
  });

  test('success, the same link again, then a link from before a restart', async () => {
    const notices: string[] = [];
    const first = await start(notices);
    systems.push(first);
    expect((await first.runMailer()).sent).toBe(true);
    const story = await approveLatestEmail(first);
    expect(story.callbackStatus).toBe(200);
    const dashboard = `${new URL(first.urls.callback).origin}/`;
    expect(words(story.callbackPage)).toContain(`A sync starts now.`);
    expect(words(story.callbackPage)).toContain(`Watch it on the dashboard: ${dashboard}`);
    await first.settle();

    // The link again (browser history, a second click): MyAnimeList is connected, nothing to do.
    const state = new URL((await latestAuthorizeLink(first)).url).searchParams.get('state')!;
    const again = await fetch(`${first.urls.callback}?code=another&state=${state}`);
    expect(again.status).toBe(200);
    expect(words(await again.text())).toContain('MyAnimeList is already connected; nothing to do.');
    expect(notices).toContain('✓ MyAnimeList is already connected: a link was used again; nothing to do.');

    // A restart: the sandbox starts fresh, and the old link is not known there.
    await first.close();
    const second = await start(notices);
    systems.push(second);
    const old = await fetch(`${second.urls.callback}?code=another&state=${state}`);
    expect(old.status).toBe(400);
    const text = words(await old.text());
    expect(text).toContain('This link is not known here.');
    expect(text).toContain('Open the link in the newest email from the mirror.');
    expect(text).not.toMatch(/forg|someone/i);
    expect(notices.at(-1)).toBe(
      '✗ Authorization callback: "Link not recognized" (state_unknown). Nothing was stored; the page in the browser says what to do.',
    );
    for (const notice of notices) expect(notice).not.toContain(state);
  });
});
