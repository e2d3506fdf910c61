import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startTestSystem, type TestSystem } from '../support/local-system';

/**
 * The dashboard in a real browser, as a newcomer keeps it open beside `npm start` (sandbox mode):
 * it asks for authorization, the user authorizes through the emailed link, the first run's report
 * appears on its own, an entry is edited on the sandbox AniList from the dashboard, Sync now runs
 * (shown in progress), and the side-by-side lists show the change on MAL.
 */
describe('the local dashboard in a browser', () => {
  let system: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    system = await startTestSystem();
  });

  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  const row = (page: Page, entryId: number) => page.locator(`tr#anilist-${entryId}`);
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: `test-results/dashboard-${name}.png` }).catch(() => undefined);

  test('needs authorization → authorize → first run → edit on AniList → Sync now → change on MAL', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();

    // State 1: nothing authorized, no run yet.
    await page.goto(system.urls.dashboard);
    const auth = page.locator('#authorization');
    await expect(auth.innerText()).resolves.toContain('MyAnimeList needs your authorization before the first sync.');
    await expect(page.locator('#runs').innerText()).resolves.toContain('No sync has run since npm start began.');
    await shot(page, '1-needs-authorization');

    // State 2: the email is sent; the button is now the emailed link.
    await page.getByRole('button', { name: 'Send the authorization email' }).click();
    await page.waitForURL((url) => url.searchParams.get('done') === 'mail');
    const authorizeButton = page.getByRole('link', { name: 'Authorize MyAnimeList' });
    await expect(authorizeButton.getAttribute('href')).resolves.toContain('state=');

    // The sandbox MAL's consent page, then the callback's success page.
    await authorizeButton.click();
    await page.waitForURL((url) => url.origin === new URL(system.mal!.url).origin);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL((url) => url.pathname === '/callback');
    await expect(page.locator('body').innerText()).resolves.toContain('Connected to MyAnimeList');

    // State 3: connected, and the first run's report appears without a manual reload.
    await page.goto(system.urls.dashboard);
    await expect(auth.innerText()).resolves.toMatch(/connected as sandbox_user/);
    await page.locator('#runs summary', { hasText: 'Sync finished' }).first().waitFor({ timeout: 30_000 });
    await expect(page.locator('#runs .report').first().innerText()).resolves.toMatch(/full run[\s\S]*Jujutsu Kaisen/);
    await expect(row(page, 4014).innerText()).resolves.toContain('✓ match');
    await shot(page, '3-first-run');

    // State 4: the entry edited on the sandbox AniList (score 7.5 → 9); the lists show the difference.
    await row(page, 4014).getByRole('link', { name: 'Edit' }).click();
    await expect(page.locator('h1').innerText()).resolves.toContain('Jujutsu Kaisen');
    await page.getByLabel(/Score/).fill('9');
    await page.getByRole('button', { name: 'Save on the sandbox AniList' }).click();
    await page.waitForURL((url) => url.searchParams.get('done') === 'saved');
    await expect(page.locator('.notice').innerText()).resolves.toContain(
      'Saved “Jujutsu Kaisen” on the sandbox AniList.',
    );
    await expect(row(page, 4014).innerText()).resolves.toContain('differs (score)');
    await expect(row(page, 4014).locator('td.diff').count()).resolves.toBe(2);
    await shot(page, '4-edited');

    // State 5: Sync now; the sandbox AniList holds the run's read a moment, so it is seen in progress.
    system.anilist!.faults.inject({ kind: 'timeout' });
    const runs = system.reports.length;
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.waitForURL((url) => url.searchParams.get('done') === 'sync');
    await expect(page.locator('#sync').innerText()).resolves.toContain('A sync run is in progress.');
    await shot(page, '5-in-progress');

    // State 6: the run's report appears on its own and the lists match again, with MAL's new score.
    await row(page, 4014).filter({ hasText: '✓ match' }).waitFor({ timeout: 30_000 });
    expect(system.reports.length).toBe(runs + 1);
    await expect(page.locator('#runs summary').first().innerText()).resolves.toMatch(/incremental run/);
    await expect(row(page, 4014).innerText()).resolves.toMatch(/Jujutsu Kaisen\s+watching\s+9\b/);
    expect(system.mal!.state.getEntry(40748)!.listStatus.score).toBe(9);
    await shot(page, '6-synced');
    await context.close();
  }, 180_000);
});
