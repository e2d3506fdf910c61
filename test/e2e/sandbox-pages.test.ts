import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { type AniListSandbox, startAniListSandbox } from '../../local/sandbox/anilist';
import { type MalSandbox, startMalSandbox } from '../../local/sandbox/mal/server';
import { startTraktSandbox, type TraktSandbox } from '../../local/sandbox/trakt';
import { ManualClock } from '../../shared/clock';
import { formatUtc } from '../../shared/mail/html';
import { launchChromium } from '../support/browser';
import { expectEscapedEcho } from '../support/html-safety';

/**
 * Issue #11: the sandbox addresses the console prints lead to pages a person can read. In a real
 * browser: each landing page says what it is and where the list is, the list pages show when the list
 * last changed, the MAL consent page still approves, every page follows the colour scheme (its style
 * allowed by the CSP), and a hostile title is shown as text, never as markup.
 */

const START = Date.UTC(2026, 2, 1, 12);
const HOSTILE = `<img src=x onerror="document.title='pwned'">Evil & "Co"`;
const LIGHT_BACKGROUND = 'rgb(244, 245, 247)';
const DARK_BACKGROUND = 'rgb(13, 17, 23)';

describe('the sandbox pages in a browser', () => {
  let browser: Browser;
  let anilist: AniListSandbox;
  let mal: MalSandbox;
  let trakt: TraktSandbox;
  let callback: Server;
  let callbackUrl: string;

  beforeAll(async () => {
    browser = await launchChromium();
    const clock = new ManualClock(START);
    callback = createServer((_req, res) => res.end('callback reached'));
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    anilist = await startAniListSandbox({ clock });
    const media = {
      id: 777,
      idMal: 5,
      title: { romaji: HOSTILE, english: null, native: null },
      format: 'TV',
      episodes: 12,
    };
    anilist.store.upsertEntry({ mediaId: 777, media, status: 'CURRENT', progress: 3 });
    mal = await startMalSandbox({ clientId: 'browser-client', clock, redirectUris: [callbackUrl] });
    mal.state.setList([
      { animeId: 1, title: 'Cowboy Bebop', listStatus: { status: 'completed', score: 9 } },
      { animeId: 5, title: HOSTILE, listStatus: { status: 'watching', num_episodes_watched: 3 } },
    ]);
    trakt = await startTraktSandbox({ clock });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([anilist?.close(), mal?.close(), trakt?.close()]);
    await new Promise((resolve) => callback?.close(resolve));
  });

  /** Opens `url` in a fresh page with the given colour scheme; fails on any CSP violation. */
  async function open(url: string, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; text: string }> {
    const page = await browser.newPage({ colorScheme });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    const text = await page.locator('body').innerText();
    expect(violations).toEqual([]);
    return { page, text };
  }

  const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  test('AniList: landing page → the list, with the last change and the hostile title as text', async () => {
    const { page, text } = await open(anilist.url);
    expect(text).toContain('AniList sandbox');
    expect(text).toContain('A local stand-in for AniList');
    expect(text).toContain('Nothing here leaves this machine');
    expect(text).toMatch(/User\s+MirrorSample/);
    expect(text).toMatch(new RegExp(`List\\s+${anilist.store.entries().length} anime entries`));
    expect(text.replace(/\s+/g, ' ')).toContain(`Last changed ${formatUtc(new Date(START))}`);
    await page.getByRole('link', { name: "Open MirrorSample's anime list" }).click();
    await page.waitForURL((url) => url.pathname === '/user/MirrorSample/animelist');
    const list = await page.locator('body').innerText();
    expect(list).toContain("MirrorSample's anime list");
    expect(list).toContain(`last changed ${formatUtc(new Date(START))}`);
    const first = page.locator('tbody tr').first();
    await expect(first.getAttribute('data-media-id')).resolves.toBe('777');
    await expect(first.locator('td').first().innerText()).resolves.toBe(HOSTILE);
    await expect(page.locator('img').count()).resolves.toBe(0);
    expectEscapedEcho(await page.content(), HOSTILE, false);
    await expect(page.title()).resolves.not.toBe('pwned');
    await page.close();
  });

  test('MAL: landing page → the list page, with the last change and the hostile title as text', async () => {
    const { page, text } = await open(`${mal.url}/`);
    expect(text).toContain('A local stand-in for MyAnimeList');
    expect(text).toContain('Nothing here leaves this machine');
    expect(text).toMatch(/User\s+sandbox_user/);
    expect(text).toMatch(/List\s+2 anime entries/);
    await page.getByRole('link', { name: "Open sandbox_user's anime list" }).click();
    await page.waitForURL((url) => url.pathname === '/animelist/sandbox_user');
    const list = await page.locator('body').innerText();
    expect(list).toContain(`2 entries, last changed ${formatUtc(new Date(START))}`);
    await expect(page.locator('tr[data-anime-id="1"]').innerText()).resolves.toMatch(
      /Cowboy Bebop\s+completed\s+9\s+0 \//,
    );
    await expect(page.locator('tr[data-anime-id="5"] td').first().innerText()).resolves.toBe(HOSTILE);
    await expect(page.locator('img').count()).resolves.toBe(0);
    await page.close();
  });

  test('Trakt: landing page names the user, the plays and the last change', async () => {
    const { page, text } = await open(`${trakt.apiUrl}/`);
    expect(text).toContain('A local stand-in for Trakt');
    expect(text).toContain('Nothing here leaves this machine');
    expect(text).toMatch(new RegExp(`User\\s+${trakt.state.user.username}`));
    expect(text).toContain(`${trakt.state.history().length} plays`);
    expect(text).toContain(formatUtc(new Date(String(trakt.state.lastActivities().all))));
    await page.close();
  });

  test('MAL consent page: readable, and Approve still reaches the app (the CSP allows the redirect)', async () => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'browser-client',
      state: 'browser-state',
      code_challenge: 'v'.repeat(43),
    });
    const { page, text } = await open(`${mal.oauthUrl}/authorize?${query}`);
    expect(text).toContain('Authorize Sandbox MAL App to access your MyAnimeList account?');
    expect(text).toContain('Logged in as sandbox_user.');
    const approve = page.getByRole('button', { name: 'Approve' });
    await expect(approve.evaluate((b) => getComputedStyle(b).backgroundColor)).resolves.toBe('rgb(26, 127, 55)');
    await approve.click();
    await page.waitForURL((url) => url.pathname === '/callback');
    const reached = new URL(page.url());
    expect(reached.searchParams.get('state')).toBe('browser-state');
    expect(reached.searchParams.get('code')).toBeTruthy();
    await page.close();
  });

  test.each([
    ['AniList landing', () => anilist.url],
    ['AniList list', () => `${anilist.url}user/MirrorSample/animelist`],
    ['MAL landing', () => `${mal.url}/`],
    ['MAL list', () => `${mal.url}/animelist/sandbox_user`],
    ['Trakt landing', () => `${trakt.apiUrl}/`],
    [
      'MAL consent',
      () =>
        `${mal.oauthUrl}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'browser-client', code_challenge: 'v'.repeat(43) })}`,
    ],
  ])('%s follows the colour scheme', async (_name, url) => {
    const light = await open(url(), 'light');
    await expect(background(light.page)).resolves.toBe(LIGHT_BACKGROUND);
    await light.page.emulateMedia({ colorScheme: 'dark' });
    await expect(background(light.page)).resolves.toBe(DARK_BACKGROUND);
    await light.page.close();
  });
});
