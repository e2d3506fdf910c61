import type { TraktSandbox } from '../../../local/sandbox/trakt';
import { authPost, CLIENT_ID, CLIENT_SECRET, closeSandboxes, type Harness, startHarness, submitForm } from './helpers';

/** The device flow: every poll status, the RFC 8628 body variant, and the activation page. */

afterEach(closeSandboxes);

interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_url: string;
  expires_in: number;
  interval: number;
}

async function deviceCode(sandbox: TraktSandbox): Promise<DeviceCode> {
  const res = await authPost(sandbox, '/oauth/device/code', { client_id: CLIENT_ID });
  expect(res.status).toBe(200);
  return (await res.json()) as DeviceCode;
}

function poll(sandbox: TraktSandbox, code: string, secret = CLIENT_SECRET) {
  return authPost(sandbox, '/oauth/device/token', { code, client_id: CLIENT_ID, client_secret: secret });
}

/** Waits out the polling interval, then polls. */
async function pollLater(h: Harness, code: string): Promise<Response> {
  h.clock.advance(5000);
  return poll(h.sandbox, code);
}

describe('Trakt sandbox device flow', () => {
  test('the device code: 8 upper-case hex digits for the user, the activation URL, 600 s, every 5 s', async () => {
    const h = await startHarness();
    const code = await deviceCode(h.sandbox);
    expect(code.user_code).toMatch(/^[0-9A-F]{8}$/);
    expect(code.device_code).toMatch(/^[0-9a-f]{64}$/);
    expect(code.verification_url).toBe(h.sandbox.verificationUrl);
    expect(new URL(code.verification_url).host).toBe(h.sandbox.consentHost);
    expect(code).toMatchObject({ expires_in: 600, interval: 5 });
  });

  test('400 with an empty body while pending, 429 when polled too fast, 200 with tokens once approved, then 409', async () => {
    const h = await startHarness();
    const { device_code, user_code } = await deviceCode(h.sandbox);
    const tooSoon = await poll(h.sandbox, device_code);
    expect(tooSoon.status).toBe(429);
    const pending = await pollLater(h, device_code);
    expect(pending.status).toBe(400);
    expect(await pending.text()).toBe('');
    expect(h.sandbox.state.approveUserCode(user_code.toLowerCase())).toBe('approved');
    // Too fast even after approval: that poll must not hand out the tokens.
    expect((await poll(h.sandbox, device_code)).status).toBe(429);
    const approved = await pollLater(h, device_code);
    expect(approved.status).toBe(200);
    const tokens = (await approved.json()) as { access_token: string; refresh_token: string; created_at: number };
    expect(tokens.created_at).toBe(Math.floor(h.clock.now() / 1000));
    expect((await h.api('GET', '/users/settings', { token: tokens.access_token })).status).toBe(200);
    expect((await pollLater(h, device_code)).status).toBe(409);
  });

  test('404 for an unknown device code, 410 once expired, 418 when the user denies', async () => {
    const h = await startHarness();
    expect((await poll(h.sandbox, 'f'.repeat(64))).status).toBe(404);
    const expiring = await deviceCode(h.sandbox);
    const denied = await deviceCode(h.sandbox);
    expect(h.sandbox.state.denyUserCode(denied.user_code)).toBe('denied');
    expect((await pollLater(h, denied.device_code)).status).toBe(418);
    h.clock.advance(600_000);
    expect((await poll(h.sandbox, expiring.device_code)).status).toBe(410);
    expect(h.sandbox.state.approveUserCode(expiring.user_code)).toBe('unknown');
  });

  test('RFC 8628 bodies when asked for', async () => {
    const h = await startHarness({ devicePollBodies: 'rfc8628' });
    const { device_code, user_code } = await deviceCode(h.sandbox);
    expect(await (await poll(h.sandbox, device_code)).json()).toMatchObject({ error: 'slow_down' });
    expect(await (await pollLater(h, device_code)).json()).toMatchObject({ error: 'authorization_pending' });
    h.sandbox.state.denyUserCode(user_code);
    expect(await (await pollLater(h, device_code)).json()).toMatchObject({ error: 'access_denied' });
  });

  test('a wrong client secret is 401, never a 400 that would read as pending', async () => {
    const h = await startHarness();
    const { device_code } = await deviceCode(h.sandbox);
    h.clock.advance(5000);
    const res = await poll(h.sandbox, device_code, 'wrong');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  test('the activation page: the user types the code (or follows a link with it) and approves', async () => {
    const h = await startHarness();
    const { device_code, user_code, verification_url } = await deviceCode(h.sandbox);
    const page = await fetch(`${verification_url}?code=${user_code}`);
    const html = await page.text();
    expect(html).toContain(`name="user_code" value="${user_code}"`);
    expect(html).toContain('sandbox_user');
    const res = await submitForm(verification_url, new URLSearchParams({ user_code, decision: 'approve' }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Device connected');
    expect((await pollLater(h, device_code)).status).toBe(200);
  });

  test('the activation page: deny, and an unknown code', async () => {
    const h = await startHarness();
    const { device_code, user_code, verification_url } = await deviceCode(h.sandbox);
    const unknown = await submitForm(
      verification_url,
      new URLSearchParams({ user_code: '00000000', decision: 'approve' }),
    );
    expect(unknown.status).toBe(404);
    const denied = await submitForm(verification_url, new URLSearchParams({ user_code, decision: 'deny' }));
    expect(denied.status).toBe(200);
    expect((await pollLater(h, device_code)).status).toBe(418);
  });

  test('the connected-app limit (refuse) leaves the code pending', async () => {
    const h = await startHarness({
      otherApps: [{ clientId: 'second-app', clientSecret: 'second-secret' }],
      connectedApps: { mode: 'refuse' },
    });
    const res = await authPost(h.sandbox, '/oauth/device/code', { client_id: 'second-app' });
    const { user_code } = (await res.json()) as DeviceCode;
    expect(h.sandbox.state.approveUserCode(user_code)).toBe('refused');
    const page = await submitForm(h.sandbox.verificationUrl, new URLSearchParams({ user_code, decision: 'approve' }));
    expect(page.status).toBe(403);
  });
});
