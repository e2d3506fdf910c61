import type { Browser } from 'playwright-core';
import { runDeviceLogin } from '../../local/authorize/device-login';
import { SANDBOX_TRAKT_CLIENT_ID, SANDBOX_TRAKT_CLIENT_SECRET } from '../../local/system/sandboxes';
import { readTokens } from '../../shared/auth/tokens';
import { type Clock, systemClock } from '../../shared/clock';
import { createTraktAuth } from '../../shared/destinations/trakt/oauth';
import { launchChromium } from '../support/browser';
import { startTestSystem, type TestSystem } from '../support/local-system';
import { sectionOf } from '../support/reports';

/**
 * Connecting Trakt in a real browser, both ways: from the reauth email's "Connect Trakt" link (the
 * consent page, the callback's success page, then the first sync writes plays), and with the device
 * flow of `npm run authorize -- trakt` (the code it prints, typed on the activation page).
 */
/** Once the tests end, a login still waiting (a failed test) waits forever, holding no timer. */
let stopped = false;
const clock: Clock = {
  now: () => systemClock.now(),
  sleep: (ms) => (stopped ? new Promise<void>(() => undefined) : systemClock.sleep(ms)),
};

describe('connecting Trakt in a browser', () => {
  let system: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    system = await startTestSystem({ env: { DESTINATIONS: 'mal,trakt' } });
  });

  afterAll(async () => {
    stopped = true;
    await browser?.close();
    await system?.close();
  });

  test('inbox → "Connect Trakt" → Approve → success page → the sync writes plays to Trakt', async () => {
    const trakt = system.trakt!;
    const playsBefore = trakt.state.history().length;
    const mail = await system.runMailer();
    expect(mail.sent).toBe(true);

    const context = await browser.newContext();
    const inbox = await context.newPage();
    await inbox.goto(system.urls.inbox);
    await inbox.getByText('Subject:').first().waitFor();
    await expect(inbox.locator('.email').first().innerText()).resolves.toContain('Trakt');
    await inbox.getByRole('button', { name: 'Toggle HTML view' }).first().click();

    const email = inbox.frameLocator('.email-html iframe').first();
    const link = email.getByRole('link', { name: /Trakt/ });
    await expect(link.innerText()).resolves.toMatch(/Connect Trakt/);
    const [consent] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await consent.waitForLoadState();
    expect(new URL(consent.url()).origin).toBe(trakt.authUrl);
    await expect(consent.content()).resolves.toContain(trakt.state.user.username);

    await consent.getByRole('button', { name: 'Approve' }).click();
    await consent.waitForURL((url) => url.pathname === '/callback');
    await expect(consent.locator('body').innerText()).resolves.toContain('Connected to Trakt');
    await consent.screenshot({ path: 'test-results/trakt-connected.png' }).catch(() => undefined);

    // The callback's "Authorization Completed" starts a sync; MAL still waits for its own link.
    await system.settle();
    expect(system.errors).toEqual([]);
    expect(sectionOf(system.reports.at(-1)!, 'trakt')).toMatchObject({ status: 'ok', mode: 'full' });
    expect((await readTokens(system.store, 'trakt')).tokens?.user).toBe(trakt.state.user.username);
    expect(trakt.state.history().length).toBeGreaterThan(playsBefore);
    await context.close();
  });

  test('device flow: the code `npm run authorize -- trakt` prints, typed on the activation page → tokens stored', async () => {
    const trakt = system.trakt!;
    const before = await readTokens(system.store, 'trakt');
    const lines: string[] = [];
    let shownCode: () => void = () => undefined;
    const shown = new Promise<void>((resolve) => {
      shownCode = resolve;
    });
    const login = runDeviceLogin({
      provider: createTraktAuth({
        fetch,
        timeoutMs: 5_000,
        authUrl: trakt.authUrl,
        apiUrl: trakt.apiUrl,
        clientId: SANDBOX_TRAKT_CLIENT_ID,
        clientSecret: SANDBOX_TRAKT_CLIENT_SECRET,
      }),
      store: system.store,
      clock,
      out: { line: (text) => lines.push(text), progress: () => undefined },
      onCode: () => shownCode(),
    });
    await shown;

    // What the person reads in the terminal: the page to open and the code to type.
    const url = /^ {2}1\. Open +(\S+)$/m.exec(lines.join('\n'))?.[1];
    const code = /^ {2}2\. Enter +(\S+)$/m.exec(lines.join('\n'))?.[1];
    expect(url).toBe(trakt.verificationUrl);
    expect(code).toMatch(/^[0-9A-F]{8}$/);

    const page = await browser.newPage();
    await page.goto(url!);
    await expect(page.locator('#user-name').innerText()).resolves.toBe(trakt.state.user.username);
    await page.getByLabel('Code').fill(code!.toLowerCase());
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.locator('h1').innerText()).resolves.toBe('Device connected');
    await page.close();

    const result = await login;
    expect(result).toMatchObject({ outcome: 'connected', user: trakt.state.user.username });
    expect(lines.at(-1)).toBe(
      `✓ Connected to Trakt as "${trakt.state.user.username}". The tokens are stored in the state store (auth/trakt/tokens.json).`,
    );
    const after = await readTokens(system.store, 'trakt');
    expect(after.etag).not.toBe(before.etag);
    expect(after.tokens!.refreshToken).not.toBe(before.tokens?.refreshToken);
    expect(trakt.state.tokens().deviceGrants).toBe(1);

    // The worker syncs with the tokens the device flow stored.
    trakt.resetCounters();
    await system.runSync({ full: true });
    expect(system.errors).toEqual([]);
    expect(sectionOf(system.reports.at(-1)!, 'trakt').status).toBe('ok');
    expect(trakt.counters.api).toBeGreaterThan(0);
  });
});
