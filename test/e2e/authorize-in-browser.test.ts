import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { expectMalMirrorsAniList } from '../support/expectations';
import { startTestSystem, type TestSystem } from '../support/local-system';
import { sectionOf } from '../support/reports';

/**
 * The used-by story in a real browser: the reauth email arrives in the local inbox, the user opens
 * it, clicks the link, approves on the (sandbox) MAL page, sees the success page, and the list is
 * mirrored.
 */
describe('authorizing from the emailed link in a browser', () => {
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

  test('inbox → link → Approve → success page → list mirrored', async () => {
    const mail = await system.runMailer();
    expect(mail.sent).toBe(true);

    const context = await browser.newContext();
    const inbox = await context.newPage();
    await inbox.goto(system.urls.inbox);
    await inbox.getByText('Subject:').first().waitFor();
    await expect(inbox.locator('.email').first().innerText()).resolves.toContain('MyAnimeList');
    await inbox.getByRole('button', { name: 'Toggle HTML view' }).first().click();

    const email = inbox.frameLocator('.email-html iframe').first();
    const link = email.getByRole('link', { name: /authorize/i });
    await expect(link.innerText()).resolves.toMatch(/authorize/i);
    const [consent] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await consent.waitForLoadState();
    expect(new URL(consent.url()).origin).toBe(new URL(system.mal!.url).origin);
    await expect(consent.content()).resolves.toContain(system.mal!.state.user.name);

    await consent.getByRole('button', { name: 'Approve' }).click();
    await consent.waitForURL((url) => url.pathname === '/callback');
    await expect(consent.locator('body').innerText()).resolves.toContain('Connected to MyAnimeList');
    await consent.screenshot({ path: 'test-results/authorized.png' }).catch(() => undefined);

    await system.settle();
    const report = system.reports.at(-1)!;
    expect(report).toMatchObject({ status: 'ok', source: { mode: 'full' } });
    expect(sectionOf(report)).toMatchObject({ mode: 'full', status: 'ok' });
    const mirrored = await expectMalMirrorsAniList(system);
    expect(mirrored).toBeGreaterThan(20);

    // What the user checks afterwards: their public MAL list page.
    const profile = await context.newPage();
    await profile.goto(`${system.mal!.url}/animelist/${system.mal!.state.user.name}`);
    await expect(profile.locator('tbody tr').count()).resolves.toBe(mirrored);
    const frieren = profile.locator('tr[data-anime-id="52991"]');
    const frierenStatus = system.mal!.state.getEntry(52991)!.listStatus;
    await expect(frieren.innerText()).resolves.toMatch(
      new RegExp(`Sousou no Frieren\\s+watching\\s+${frierenStatus.score}\\s+${frierenStatus.num_episodes_watched} /`),
    );
    await context.close();
  });
});
