import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseAuthorizeArgs } from '../../../local/authorize/args';
import {
  type DeviceLoginDeps,
  type DeviceLoginProvider,
  runDeviceLogin,
  SLOW_DOWN_STEP_SECONDS,
} from '../../../local/authorize/device-login';
import { nextSteps } from '../../../local/authorize/messages';
import { prepareTraktLogin } from '../../../local/authorize/setup';
import { ephemeralLocalConfig } from '../../../local/config';
import { LocalListenError } from '../../../local/net/ports';
import { startTraktSandbox, type TraktSandbox, type TraktSandboxOptions } from '../../../local/sandbox/trakt';
import { startLocalSystem } from '../../../local/system';
import { SANDBOX_TRAKT_CLIENT_ID, SANDBOX_TRAKT_CLIENT_SECRET } from '../../../local/system/sandboxes';
import type { DeviceCode, DeviceFlow } from '../../../shared/auth/provider';
import { readTokens } from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { createTraktAuth } from '../../../shared/destinations/trakt/oauth';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS, type ObjectStore } from '../../../shared/store/store';

/**
 * `npm run authorize -- trakt`: the device flow's core against the Trakt sandbox, on a ManualClock
 * shared by the sandbox, the provider's HTTP policy and the polling loop (so ten minutes of polling
 * take no time), plus where each mode stores the tokens and the command line itself.
 */

const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const TOKENS_KEY = 'auth/trakt/tokens.json';
const DAY_MS = 86_400_000;

const sandboxes: TraktSandbox[] = [];
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

interface Harness {
  readonly clock: ManualClock;
  readonly sandbox: TraktSandbox;
  readonly provider: DeviceLoginProvider;
  readonly store: MemoryStore;
}

async function harness(options: TraktSandboxOptions = {}, secret = SANDBOX_TRAKT_CLIENT_SECRET): Promise<Harness> {
  const clock = new ManualClock();
  const sandbox = await startTraktSandbox({
    clock,
    clientId: SANDBOX_TRAKT_CLIENT_ID,
    clientSecret: SANDBOX_TRAKT_CLIENT_SECRET,
    ...options,
  });
  sandboxes.push(sandbox);
  return { clock, sandbox, provider: providerFor(sandbox, clock, { secret }), store: new MemoryStore() };
}

function providerFor(
  sandbox: TraktSandbox,
  clock: ManualClock,
  options: { secret?: string; clientId?: string } = {},
): DeviceLoginProvider {
  return createTraktAuth({
    fetch,
    timeoutMs: 5_000,
    clock,
    authUrl: sandbox.authUrl,
    apiUrl: sandbox.apiUrl,
    clientId: options.clientId ?? SANDBOX_TRAKT_CLIENT_ID,
    clientSecret: options.secret ?? SANDBOX_TRAKT_CLIENT_SECRET,
  });
}

/** The provider with parts of its device flow replaced (a lying interval, a foreign device code…). */
function withDevice(provider: DeviceLoginProvider, patch: (real: DeviceFlow) => Partial<DeviceFlow>) {
  return { ...provider, device: { ...provider.device, ...patch(provider.device) } };
}

/**
 * Runs the flow and records what it printed. `onPending(n, code)` runs at the n-th "still
 * pending" answer: that is where the person approves or denies, mid-poll.
 */
async function login(
  h: Harness,
  options: {
    provider?: DeviceLoginProvider;
    store?: ObjectStore;
    onPending?: (n: number, code: DeviceCode) => void | Promise<void>;
    expectedUser?: DeviceLoginDeps['expectedUser'];
  } = {},
) {
  const lines: string[] = [];
  const progress: string[] = [];
  const pollTimes: number[] = [];
  let code: DeviceCode | undefined;
  const provider = withDevice(options.provider ?? h.provider, (real) => ({
    poll: (deviceCode) => {
      pollTimes.push(h.clock.now());
      return real.poll(deviceCode);
    },
  }));
  const result = await runDeviceLogin({
    provider,
    store: options.store ?? h.store,
    clock: h.clock,
    credentialsHint: 'Check TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET.',
    ...(options.expectedUser ? { expectedUser: options.expectedUser } : {}),
    onCode: (c) => {
      code = c;
    },
    out: {
      line: (text) => lines.push(text),
      progress: (text) => {
        progress.push(text);
        return options.onPending?.(progress.length, code!);
      },
    },
  });
  const all = [...lines, ...progress].join('\n');
  return { result, lines, progress, pollTimes, code, all, text: lines.join('\n') };
}

/** Approves at the n-th pending answer, as the person would on the activation page. */
function approveAt(h: Harness, n: number) {
  return (count: number, code: DeviceCode) => {
    if (count === n) expect(h.sandbox.state.approveUserCode(code.userCode)).toBe('approved');
  };
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

describe('the device flow (runDeviceLogin) against the Trakt sandbox', () => {
  test('prints the code and page, waits with a progress line while pending, stores the tokens once approved', async () => {
    const h = await harness();
    const run = await login(h, { onPending: approveAt(h, 2) });

    expect(run.result).toEqual({ outcome: 'connected', user: 'sandbox_user', polls: 3 });
    expect(run.text).toContain(`Open      ${h.sandbox.verificationUrl}`);
    expect(run.text).toContain(`Enter     ${run.code!.userCode}`);
    expect(run.progress).toHaveLength(2);
    for (const line of run.progress) {
      expect(line).toMatch(
        new RegExp(`^Waiting for you to approve code ${run.code!.userCode} at .*/activate… \\d+:\\d\\d left$`),
      );
    }
    // Polled at the interval the sandbox gave (5 s), never sooner.
    expect(gaps([h.clock.now() - 15_000, ...run.pollTimes])).toEqual([5_000, 5_000, 5_000]);
    expect(run.lines.at(-1)).toBe(
      `✓ Connected to Trakt as "sandbox_user". The tokens are stored in the state store (${TOKENS_KEY}).`,
    );

    // Stored as the callback stores them: the destination's own key, readable by the tokens module, and
    // their metadata for the mailer.
    expect([...h.store.objects.keys()]).toEqual([TOKENS_KEY, KEYS.tokenMeta('trakt')]);
    const { tokens } = await readTokens(h.store, 'trakt');
    expect(tokens).toMatchObject({ user: 'sandbox_user', refreshIssuedAt: h.clock.now() });
    expect(tokens!.refreshExpiresAt - tokens!.refreshIssuedAt).toBe(90 * DAY_MS);
    expect(tokens!.accessExpiresAt - h.clock.now()).toBe(604_800_000);
    // The stored token is the sandbox's, and works.
    await expect(h.provider.whoAmI(tokens!.accessToken)).resolves.toEqual({ name: 'sandbox_user' });
    expect(h.sandbox.state.tokens().deviceGrants).toBe(1);
    // Never printed: the tokens and the device code.
    for (const secret of [tokens!.accessToken, tokens!.refreshToken, run.code!.deviceCode]) {
      expect(run.all).not.toContain(secret);
    }
  });

  test('slow_down: the interval grows by 5 s and stays grown, and the login still succeeds', async () => {
    const h = await harness({ devicePollIntervalSeconds: 5 });
    // A provider that says 1 s while Trakt wants 5 s: the first poll is too fast.
    const hasty = withDevice(h.provider, (real) => ({
      start: async () => ({ ...(await real.start()), interval: 1 }),
    }));
    const run = await login(h, { provider: hasty, onPending: approveAt(h, 1) });

    expect(run.result.outcome).toBe('connected');
    const step = 1 + SLOW_DOWN_STEP_SECONDS;
    expect(run.lines).toContain(`Trakt asked to be checked less often: every ${step} s from now on.`);
    expect(run.progress).toHaveLength(1);
    // After the slow_down, every poll waited the longer interval.
    expect(run.pollTimes).toHaveLength(3);
    expect(gaps(run.pollTimes).every((gap) => gap >= step * 1000)).toBe(true);
    expect((await readTokens(h.store, 'trakt')).tokens?.user).toBe('sandbox_user');
  });

  test('denied on the activation page: says so, stores nothing', async () => {
    const h = await harness();
    const run = await login(h, {
      onPending: (n, code) => {
        if (n === 1) expect(h.sandbox.state.denyUserCode(code.userCode)).toBe('denied');
      },
    });
    expect(run.result).toEqual({ outcome: 'denied', polls: 2 });
    expect(run.lines.at(-1)).toBe(
      '✗ The code was denied on Trakt, so nothing was stored. To connect after all, run `npm run authorize -- trakt` again.',
    );
    expect(h.store.objects.size).toBe(0);
  });

  test('expired, as Trakt answers (410): says to run it again for a new code', async () => {
    const h = await harness({ deviceCodeTtlSeconds: 30 });
    // Trakt ends the code before the lifetime it announced: its 410 decides.
    const optimistic = withDevice(h.provider, (real) => ({
      start: async () => ({ ...(await real.start()), expiresIn: 600 }),
    }));
    const run = await login(h, { provider: optimistic });
    expect(run.result).toEqual({ outcome: 'expired', polls: 6 });
    expect(run.progress).toHaveLength(5);
    expect(run.lines.at(-1)).toBe(
      '✗ The code expired before it was approved (it works for 10 minutes). Run `npm run authorize -- trakt` again for a new code.',
    );
    expect(h.store.objects.size).toBe(0);
  });

  test('expired here first: it stops polling at the code lifetime Trakt announced', async () => {
    const h = await harness();
    const brief = withDevice(h.provider, (real) => ({
      start: async () => ({ ...(await real.start()), expiresIn: 20 }),
    }));
    const run = await login(h, { provider: brief });
    expect(run.result).toEqual({ outcome: 'expired', polls: 3 });
    expect(run.lines.at(-1)).toBe(
      '✗ The code expired before it was approved (it works for 20 seconds). Run `npm run authorize -- trakt` again for a new code.',
    );
  });

  test('a code Trakt does not know (404): start over', async () => {
    const h = await harness();
    const foreign = withDevice(h.provider, (real) => ({
      start: async () => ({ ...(await real.start()), deviceCode: 'f'.repeat(64) }),
    }));
    const run = await login(h, { provider: foreign });
    expect(run.result).toEqual({ outcome: 'expired', polls: 1 });
    expect(run.lines.at(-1)).toBe(
      '✗ Trakt no longer knows this code (it expired, or a newer one replaced it). Run `npm run authorize -- trakt` again for a new code.',
    );
  });

  test('already used (409): another poller collected the tokens; nothing stored here', async () => {
    const h = await harness();
    const run = await login(h, {
      onPending: async (n, code) => {
        if (n !== 1) return;
        h.sandbox.state.approveUserCode(code.userCode);
        // A second copy of the command polls first, after the interval, and takes the tokens.
        h.clock.advance(5_000);
        expect((await h.provider.device.poll(code.deviceCode)).status).toBe('approved');
      },
    });
    expect(run.result).toEqual({ outcome: 'used', polls: 2 });
    expect(run.lines.at(-1)).toMatch(/^✗ Trakt says this code was already used: .* Nothing was stored here\./);
    expect(h.store.objects.size).toBe(0);
  });

  test('an app Trakt does not know (invalid_client) is refused at the start, naming the settings to check', async () => {
    const h = await harness();
    const run = await login(h, { provider: providerFor(h.sandbox, h.clock, { clientId: 'not-my-app' }) });
    expect(run.result).toEqual({ outcome: 'refused', polls: 0 });
    expect(run.lines).toEqual([
      "✗ Trakt does not accept this app's credentials (HTTP 400 invalid_client). Check TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET.",
    ]);
  });

  test('a wrong client secret is refused at the first poll (401 invalid_client)', async () => {
    const h = await harness({}, 'wrong-secret');
    const run = await login(h);
    expect(run.result).toEqual({ outcome: 'refused', polls: 1 });
    expect(run.lines.at(-1)).toBe(
      "✗ Trakt does not accept this app's credentials (HTTP 401 invalid_client). Check TRAKT_CLIENT_ID and TRAKT_CLIENT_SECRET.",
    );
  });

  test('rate-limited when asking for a code (429): wait, then run it again', async () => {
    const h = await harness();
    h.sandbox.faults.inject({ route: 'device_code', kind: 429, times: 3 });
    const run = await login(h);
    expect(run.result).toEqual({ outcome: 'rate_limited', polls: 0 });
    expect(run.lines).toEqual([
      '✗ Trakt is rate-limiting this app (HTTP 429). Wait a few minutes, then run `npm run authorize -- trakt` again.',
    ]);
  });

  test('Trakt down for a poll (503): keeps waiting, then connects', async () => {
    const h = await harness();
    h.sandbox.faults.inject({ route: 'device_token', kind: 503, times: 3 });
    const run = await login(h, { onPending: approveAt(h, 1) });
    expect(run.result.outcome).toBe('connected');
    expect(run.lines.some((l) => /^Trakt did not answer the check \(.*503.*\); trying again in 5 s\.$/.test(l))).toBe(
      true,
    );
  });

  test('TRAKT_USERNAME set to another account: nothing stored, and says who approved', async () => {
    const h = await harness();
    const run = await login(h, {
      onPending: approveAt(h, 1),
      expectedUser: { name: 'someone_else', setting: 'TRAKT_USERNAME' },
    });
    expect(run.result).toEqual({ outcome: 'user_mismatch', user: 'sandbox_user', polls: 2 });
    expect(run.lines.at(-1)).toMatch(
      /^✗ The code was approved by Trakt user "sandbox_user", but TRAKT_USERNAME is "someone_else": nothing was stored\./,
    );
    expect(h.store.objects.size).toBe(0);
  });

  test('a new login replaces stored tokens (conditional on their ETag), even tokens marked invalid', async () => {
    const h = await harness();
    const old = {
      accessToken: 'old-access',
      refreshToken: 'old-refresh',
      accessExpiresAt: 1,
      refreshIssuedAt: 1,
      refreshExpiresAt: 2,
      user: 'sandbox_user',
      invalid: { reason: 'invalid_grant', at: 1 },
    };
    const { etag } = await h.store.put(TOKENS_KEY, JSON.stringify(old));
    const run = await login(h, { onPending: approveAt(h, 1) });
    expect(run.result.outcome).toBe('connected');
    const stored = await h.store.get(TOKENS_KEY);
    expect(stored!.etag).not.toBe(etag);
    const { tokens } = await readTokens(h.store, 'trakt');
    expect(tokens!.invalid).toBeUndefined();
    expect(tokens!.refreshToken).not.toBe('old-refresh');
  });
});

/** Two consecutive free ports, as `npm run sandbox` gives the Trakt sandbox (auth host = API port + 1). */
async function traktOnPortPair(clock: ManualClock): Promise<TraktSandbox> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      const sandbox = await startTraktSandbox({ clock, apiPort: port, authPort: port + 1 });
      sandboxes.push(sandbox);
      return sandbox;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt > 10) throw err;
    }
  }
}

async function freePort(): Promise<number> {
  const server = await listening();
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function listening(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authorize-test-'));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('where each mode logs in and stores the tokens (prepareTraktLogin)', () => {
  test('real mode: the LOCAL_DATA_DIR store `npm start` reads, which then finds Trakt authorized', async () => {
    const clock = new ManualClock();
    const trakt = await startTraktSandbox({ clock });
    sandboxes.push(trakt);
    const dataDir = tempDir();
    // A "real" Trakt that is the sandbox, configured as a user would configure the real one.
    const env = {
      TRAKT_CLIENT_ID: SANDBOX_TRAKT_CLIENT_ID,
      TRAKT_CLIENT_SECRET: SANDBOX_TRAKT_CLIENT_SECRET,
      TRAKT_API_URL: trakt.apiUrl,
      TRAKT_AUTH_URL: trakt.authUrl,
      DESTINATIONS: 'trakt',
      ANILIST_USERNAME: 'someone',
    };
    const local = { ...ephemeralLocalConfig(), LOCAL_DATA_DIR: dataDir };
    const setup = await prepareTraktLogin({ local, env, sandbox: false, clock });
    closers.push(() => setup.close());
    expect(setup.mode).toBe('real');
    expect(setup.deps.storeName).toContain(dataDir);
    const lines: string[] = [];
    const result = await runDeviceLogin({
      ...setup.deps,
      clock,
      out: {
        line: (text) => lines.push(text),
        progress: () => trakt.state.approveUserCode(lastUserCode(lines)),
      },
    });
    expect(result.outcome).toBe('connected');
    await setup.close();

    const system = await startLocalSystem({ local, env, sandbox: false, logger: silentLogger });
    closers.push(() => system.close());
    expect(await system.authorization()).toEqual({
      trakt: { needed: false, user: 'sandbox_user', refreshExpiresAt: clock.now() + 90 * DAY_MS },
    });
  });

  test('real mode beside a running `npm start`: the LOCAL_S3_PORT clash, before any code is asked for', async () => {
    const blocker = await listening();
    closers.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const env = { TRAKT_CLIENT_ID: 'id', TRAKT_CLIENT_SECRET: 'secret' };
    const local = { ...ephemeralLocalConfig(), LOCAL_S3_PORT: port, LOCAL_DATA_DIR: tempDir() };
    const err = await prepareTraktLogin({ local, env, sandbox: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalListenError);
    expect((err as LocalListenError).key).toBe('LOCAL_S3_PORT');
  });

  test('real mode without the secret: names it, says why real mode, and how to use the sandbox', async () => {
    const env = { TRAKT_CLIENT_ID: 'id' };
    const err = await prepareTraktLogin({ local: ephemeralLocalConfig(), env, sandbox: false }).catch(
      (e: unknown) => e as Error,
    );
    expect((err as Error).message).toContain('TRAKT_CLIENT_SECRET is required');
    expect((err as Error).message).toContain('Real mode, because TRAKT_CLIENT_ID is set');
    expect((err as Error).message).toContain('set SANDBOX=true');
  });

  test('sandbox mode: uses the sandbox Trakt answering on SANDBOX_TRAKT_PORT, with a throwaway store', async () => {
    const clock = new ManualClock();
    const running = await traktOnPortPair(clock);
    const local = { ...ephemeralLocalConfig(), SANDBOX_TRAKT_PORT: running.apiPort };
    const setup = await prepareTraktLogin({ local, env: {}, sandbox: true, clock });
    closers.push(() => setup.close());
    expect(setup.sandbox).toEqual({ source: 'running', apiUrl: running.apiUrl, authUrl: running.authUrl });
    expect(setup.deps.storeName).toBe('a throwaway sandbox state store');
    const lines: string[] = [];
    const result = await runDeviceLogin({
      ...setup.deps,
      clock,
      out: { line: (t) => lines.push(t), progress: () => running.state.approveUserCode(lastUserCode(lines)) },
    });
    expect(result).toMatchObject({ outcome: 'connected', user: 'sandbox_user' });
    expect((await readTokens(setup.deps.store, 'trakt')).tokens?.user).toBe('sandbox_user');
  });

  test('sandbox mode with none running: starts its own on free ports, beside `npm start`, closed with the setup', async () => {
    const clock = new ManualClock();
    // `npm start` holds LOCAL_S3_PORT: the sandbox login's throwaway store does not need it.
    const blocker = await listening();
    closers.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const local = { ...ephemeralLocalConfig(), LOCAL_S3_PORT: (blocker.address() as { port: number }).port };
    const setup = await prepareTraktLogin({ local, env: {}, sandbox: true, clock });
    closers.push(() => setup.close());
    expect(setup.sandbox?.source).toBe('own');
    const own = setup.sandbox!.started!.handle as TraktSandbox;
    const lines: string[] = [];
    const result = await runDeviceLogin({
      ...setup.deps,
      clock,
      out: { line: (t) => lines.push(t), progress: () => own.state.approveUserCode(lastUserCode(lines)) },
    });
    expect(result.outcome).toBe('connected');
    await setup.close();
    await expect(fetch(`${own.apiUrl}/_sandbox/counters`)).rejects.toThrow();
  });
});

/** The user code as the flow printed it. */
function lastUserCode(lines: readonly string[]): string {
  const line = lines.find((l) => l.startsWith('  2. Enter'));
  return line?.split(/\s+/).at(-1) ?? '';
}

describe('the command line', () => {
  test('a destination with a device flow, one without, an unknown one', () => {
    expect(parseAuthorizeArgs(['trakt'])).toEqual({ kind: 'device', destination: 'trakt' });
    expect(parseAuthorizeArgs(['Trakt'])).toEqual({ kind: 'device', destination: 'trakt' });
    expect(parseAuthorizeArgs(['mal'])).toEqual({
      kind: 'no_device',
      destination: 'mal',
      message:
        'MyAnimeList has no device flow, so it cannot be connected from the terminal. Run `npm start`: it emails ' +
        'the authorization link to its local inbox and prints it; open it and approve on MyAnimeList.',
    });
    expect(parseAuthorizeArgs(['simkl'])).toEqual({
      kind: 'usage_error',
      message: 'unknown destination "simkl": the known ones are mal, trakt',
    });
    expect(parseAuthorizeArgs([])).toMatchObject({ kind: 'usage_error', message: expect.stringContaining('trakt') });
    expect(parseAuthorizeArgs(['trakt', '--now'])).toEqual({ kind: 'usage_error', message: 'unknown option --now' });
    expect(parseAuthorizeArgs(['trakt', '-h'])).toEqual({ kind: 'help' });
  });

  test('what to run next: real mode says whether DESTINATIONS syncs to Trakt yet; sandbox mode says its store is throwaway', () => {
    const real = {
      TRAKT_CLIENT_ID: 'id',
      TRAKT_CLIENT_SECRET: 'secret',
      MAL_CLIENT_ID: 'mal-id',
      ANILIST_USERNAME: 'someone',
    };
    const local = ephemeralLocalConfig();
    expect(nextSteps({ mode: 'real' }, { local, env: { ...real, DESTINATIONS: 'mal' } })).toMatch(
      /^Next: add trakt to DESTINATIONS in \.env/,
    );
    expect(nextSteps({ mode: 'real' }, { local, env: { ...real, DESTINATIONS: 'mal,trakt' } })).toMatch(
      /^Next: run `npm start`\. It finds Trakt authorized and syncs to it/,
    );
    expect(nextSteps({ mode: 'sandbox' }, { local, env: {} })).toMatch(
      /^Sandbox mode: the tokens went to a throwaway state store/,
    );
  });

  test('`tsx local/authorize.ts --help` prints the usage and exits 0', () => {
    const run = spawnSync(process.execPath, [TSX, 'local/authorize.ts', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('usage: npm run authorize -- <destination>');
    expect(run.stdout).toContain('MyAnimeList has no device flow');
    expect(run.stderr).toBe('');
  });
});
