import type { Browser } from 'playwright-core';
import { latestAuthorizeLink } from '../../local/story';
import { launchChromium } from '../support/browser';
import { startTestSystem, type TestSystem } from '../support/local-system';

/**
 * A phishing redirect to the real callback: anyone can send the user to it with an `error` and up
 * to 2,048 characters of `error_description`, bidi overrides included. What the browser renders is
 * only our own explanation; the attacker's words appear nowhere on the page or in its title.
 */
describe('the callback error page in a browser', () => {
  let system: TestSystem;
  let browser: Browser;
  let state: string;

  beforeAll(async () => {
    browser = await launchChromium();
    system = await startTestSystem();
    expect((await system.runMailer()).sent).toBe(true);
    state = new URL((await latestAuthorizeLink(system)).url).searchParams.get('state')!;
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  const SPOOF = 'Your MyAnimeList account is locked. Call support on';
  const description = `\u202e${SPOOF} ${'9'.repeat(2048)}`.slice(0, 2048);

  test.each([
    ['a known code', 'server_error', /MyAnimeList had an internal error\. The link in the email still works/],
    [
      'an unknown code',
      'account_locked_call_us',
      /MyAnimeList did not authorize access, and gave an error this mirror/,
    ],
  ])('%s: our words only', async (_name, error, says) => {
    const page = await browser.newPage();
    const query = new URLSearchParams({ error, error_description: description, state, hint: SPOOF });
    const res = await page.goto(`${system.urls.callback}?${query}`);
    expect(res?.status()).toBe(400);
    const text = await page.locator('body').innerText();
    expect(text).toMatch(says);
    expect(text).toContain('Nothing was changed');
    for (const shown of [text, await page.title(), await page.content()]) {
      expect(shown).not.toContain('locked');
      expect(shown).not.toContain('999');
      expect(shown).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    }
    if (error !== 'server_error') expect(text).not.toContain(error);
    await page.close();
  });

  /**
   * Issue #11: after approving, the page says what happens next and where to watch it; the same
   * callback address again (reload, history) says MyAnimeList is already connected. Styled under the
   * strict CSP (the badge is green), dark mode included.
   */
  test('the success page, then the same link again: already connected', async () => {
    const context = await browser.newContext({ colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto((await latestAuthorizeLink(system)).url);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL((url) => url.pathname === '/callback');
    const success = await page.locator('body').innerText();
    expect(success).toContain('Connected to MyAnimeList');
    expect(success).toContain('A sync starts now.');
    const dashboard = page.getByRole('link', { name: `${new URL(system.urls.callback).origin}/` });
    await expect(dashboard.getAttribute('href')).resolves.toBe(`${new URL(system.urls.callback).origin}/`);
    const badge = (p: typeof page) => p.locator('.badge').evaluate((el) => getComputedStyle(el).backgroundColor);
    await expect(badge(page)).resolves.toBe('rgb(26, 127, 55)');
    await expect(page.locator('body').evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe(
      'rgb(13, 17, 23)',
    );
    await system.settle();

    const again = await page.reload();
    expect(again?.status()).toBe(200);
    const text = await page.locator('body').innerText();
    expect(text).toContain('MyAnimeList is already connected; nothing to do.');
    expect(text).not.toMatch(/already used|forg/i);
    await expect(page.title()).resolves.toBe('MyAnimeList is already connected');
    await expect(badge(page)).resolves.toBe('rgb(26, 127, 55)');
    await context.close();
  });
});
