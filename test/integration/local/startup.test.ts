import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ephemeralLocalConfig, LocalConfigError, PORT_KEYS } from '../../../local/config';
import { banner, localReport } from '../../../local/console';
import { approveLatestEmail, latestAuthorizeLink } from '../../../local/story';
import { type LocalSystem, startLocalSystem } from '../../../local/system';
import { silentLogger } from '../../../shared/log';
import { KEYS } from '../../../shared/store/store';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { startTestSystem, type TestSystem } from '../../support/local-system';

const ROOT = path.resolve(__dirname, '../../..');

async function canListen(host: string): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');

/** A real-mode configuration: nothing here touches the network until MAL is authorized. */
const REAL_ENV = { MAL_CLIENT_ID: 'my-mal-app', ANILIST_USERNAME: 'someone' };

describe('npm start in real mode: the authorization link survives restarts', () => {
  let dir: string;
  let system: LocalSystem | undefined;
  const start = () =>
    startLocalSystem({
      local: ephemeralLocalConfig(),
      env: REAL_ENV,
      sandbox: false,
      dataDir: dir,
      inboxFile: path.join(dir, 'inbox.json'),
      logger: silentLogger,
    });
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mirror-real-'));
  });
  afterEach(async () => {
    await system?.close();
    system = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first start emails a link; a restart before clicking finds the same email, still valid', async () => {
    system = await start();
    expect(await system.authorization()).toEqual({ mal: { needed: true, reason: 'no_tokens' } });
    const first = await system.ensureAuthorizationLink();
    expect(first.source).toBe('sent');
    expect(first.link).toBe((await latestAuthorizeLink(system)).url);
    expect(first.link).toMatch(/^https:\/\/myanimelist\.net\/v1\/oauth2\/authorize\?/);
    await system.close();

    // Ctrl-C without clicking, then `npm start` again: the mailer is throttled, the inbox kept.
    system = await start();
    expect(system.ses.restored).toBe(1);
    const again = await system.ensureAuthorizationLink();
    expect(again).toMatchObject({ source: 'inbox', link: first.link, linkExpiresAt: first.linkExpiresAt });
    expect(await system.ses.messages()).toHaveLength(1);
  });

  test('an inbox that lost the last email gets a new one at once, throttle or not', async () => {
    system = await start();
    const first = await system.ensureAuthorizationLink();
    await system.close();
    rmSync(path.join(dir, 'inbox.json'));

    system = await start();
    const link = await system.ensureAuthorizationLink();
    expect(link.source).toBe('sent');
    expect(link.link).toBe((await latestAuthorizeLink(system)).url);
    expect(link.link).not.toBe(first.link);
    expect(await system.ses.messages()).toHaveLength(1);
  });

  test('if no link can be had, the banner says why instead of pointing at an empty inbox', async () => {
    system = await start();
    const text = banner(system, {
      intervalMinutes: 15,
      mode: 'MAL_CLIENT_ID is set',
      sandboxSetting: 'auto',
      auth: { mal: { needed: true, reason: 'no_tokens' } },
      link: { source: 'missing', links: [], why: 'SES refused the message (throttled by the emulator)' },
    });
    expect(text).toContain('not in the local inbox');
    expect(text).toContain('SES refused the message');
    expect(text).not.toContain('Open the local inbox');
  });

  test('configuration is checked before any server starts or any folder is created', async () => {
    const dataDir = path.join(dir, 'never-created');
    const err: unknown = await startLocalSystem({
      local: { ...ephemeralLocalConfig(), LOCAL_DATA_DIR: dataDir },
      env: { MAL_CLIENT_ID: 'my-mal-app', NOTIFY_EMAIL: 'not-an-address' },
      sandbox: false,
      logger: silentLogger,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LocalConfigError);
    const { message } = err as LocalConfigError;
    expect(message).toContain('ANILIST_USERNAME is required');
    expect(message).toContain('NOTIFY_EMAIL="not-an-address" must be an email address');
    expect(message).toContain('Real mode, because MAL_CLIENT_ID is set');
    expect(message).toContain('SANDBOX=true');
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('npm run sync never emails', () => {
  test('a run that finds no tokens reports it, and the mailer neither sends nor records a send', async () => {
    const off = await startLocalSystem({
      local: ephemeralLocalConfig(),
      env: {},
      sandbox: true,
      sendReauthMail: false,
      logger: silentLogger,
    });
    try {
      const result = await off.runSync({ dryRun: true });
      await off.settle();
      expect(result?.status).toBe('reauth_required');
      // One event per destination of the default sandbox, neither of which is authorized yet.
      const published = off.bus.published.map(
        (e) => `${e.detailType}: ${(e.detail as { destination?: string }).destination}`,
      );
      expect(published.sort()).toEqual(['Reauth Required: mal', 'Reauth Required: trakt']);
      expect(await off.ses.messages()).toEqual([]);
      expect(await off.store.get(KEYS.mailerState)).toBeUndefined();
    } finally {
      await off.close();
    }
  });
});

describe('npm start with tokens already stored', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system.close();
  });

  test('needs no authorization, says so, and syncs at once', async () => {
    system = await startTestSystem();
    await system.runMailer();
    await approveLatestEmail(system);
    await system.settle();
    const auth = await system.authorization();
    expect(auth).toMatchObject({ mal: { needed: false, user: system.mal!.state.user.name } });

    const text = banner(system, { intervalMinutes: 1, mode: 'SANDBOX=true', sandboxSetting: 'true', auth });
    expect(text).toContain(`MyAnimeList as "${system.mal!.state.user.name}" is authorized.`);
    expect(text).toContain('every 1 minute.');
    expect(text).not.toMatch(/inbox in your browser|Re-authorize/);

    const before = system.reports.length;
    system.startSchedules({ syncNow: true, mailNow: true });
    // The sync started at once, not one interval later; a tick meanwhile waits for that run.
    expect(system.activity()).toContain('the sync run in progress');
    await system.runSync();
    expect(system.reports.length).toBe(before + 1);
    expect(system.reports.at(-1)?.status).toBe('ok');
  });
});

describe('the console', () => {
  test('the sandbox banner counts what runs read, and asks for authorization the first time', async () => {
    const system = await startTestSystem();
    try {
      const text = banner(system, {
        intervalMinutes: 15,
        mode: 'SANDBOX=true, so your MAL_CLIENT_ID and other real-account settings are ignored',
        sandboxSetting: 'true',
        auth: { mal: { needed: true, reason: 'no_tokens' } },
        link: {
          source: 'sent',
          links: [{ label: 'MyAnimeList', url: 'http://127.0.0.1:1/authorize?state=x' }],
          link: 'http://127.0.0.1:1/authorize?state=x',
          why: 'no email sent before',
        },
      });
      expect(text).toMatch(/31 entries, 1 private \(hidden without an AniList token\)/);
      expect(text).toContain('needs your authorization');
      expect(text).not.toContain('again');
      expect(text).not.toContain('no MAL credentials are configured');
      expect(text).toContain('SANDBOX=true, so your MAL_CLIENT_ID');
      expect(text).toContain('Toggle HTML view');
      expect(text).toContain('http://127.0.0.1:1/authorize?state=x');
      expect(text).toContain('every 15 minutes');

      // What a run reads: the private entry is hidden without a token.
      const mail = await system.runMailer();
      expect(mail.sent).toBe(true);
      await approveLatestEmail(system);
      await system.settle();
      expect(system.reports.at(-1)?.source.fetched).toBe(30);
    } finally {
      await system.close();
    }
  });

  test('a paused first run asks for authorization, not for authorization "again"', async () => {
    const system = await startTestSystem();
    try {
      await system.runSync({ dryRun: true });
      const report = system.reports.at(-1)!;
      expect(report.status).toBe('reauth_required');
      expect(localReport(report)).toMatch(
        /^Sync paused: MyAnimeList needs your authorization \(check the local inbox\) — /,
      );
      expect(localReport(report, { mailed: false })).toMatch(/^Sync paused: MyAnimeList needs your authorization — /);
    } finally {
      await system.close();
    }
  });

  test('every emailed link is handed to the console with the result that sent it', async () => {
    const links: (readonly { label: string; url: string }[])[] = [];
    const system = await startLocalSystem({
      local: ephemeralLocalConfig(),
      env: {},
      sandbox: true,
      logger: silentLogger,
      onMail: (_result, sent) => links.push(sent),
    });
    try {
      await system.runMailer();
      // One email for both destinations of the default sandbox, a link for each.
      expect(links).toHaveLength(1);
      expect(links[0]!.map((l) => l.label)).toEqual(['MyAnimeList', 'Trakt']);
      expect(links[0]![0]!.url).toBe((await latestAuthorizeLink(system)).url);
      expect(new URL(links[0]![1]!.url).origin).toBe(new URL(system.trakt!.authorizeUrl).origin);
    } finally {
      await system.close();
    }
  });
});

describe('LOCAL_HOST=::1', () => {
  test('the whole story works over IPv6 loopback, with bracketed URLs', async () => {
    if (!(await canListen('::1'))) {
      // A machine without IPv6 loopback (some containers): the user gets one clear line instead.
      await expect(startTestSystem({ local: { LOCAL_HOST: '::1' } })).rejects.toThrow(
        /^Cannot listen on ::1: it is not an address of this machine\. Set LOCAL_HOST/,
      );
      return;
    }
    const system = await startTestSystem({ local: { LOCAL_HOST: '::1' } });
    try {
      for (const url of Object.values(system.urls)) expect(new URL(url).hostname).toBe('[::1]');
      await system.runMailer();
      const story = await approveLatestEmail(system);
      expect(story.callbackStatus).toBe(200);
      await system.settle();
      expect(system.reports.at(-1)?.status).toBe('ok');
      await expectMalMirrorsAniList(system);
    } finally {
      await system.close();
    }
  });
});

describe('the command-line entry points', () => {
  const cli = (script: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) =>
    spawnSync(process.execPath, [TSX, path.join(ROOT, script), ...args], {
      cwd: options.cwd ?? ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...Object.fromEntries(PORT_KEYS.map((k) => [k, '0'])), ...options.env },
    });

  test('npm run sync -- --help prints the usage and exits 0', () => {
    const run = cli('local/sync-once.ts', ['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run sync -- \[--dry-run\] \[--full\] \[--json\]/);
    expect(run.stdout).toContain('--dry-run');
  });

  test('a config error is printed without the internal code, naming the key', () => {
    const run = cli('local/main.ts', [], { env: { SYNC_INTERVAL_MINUTES: '50000' } });
    expect(run.status).toBe(1);
    expect(run.stderr).not.toContain('config_invalid');
    expect(run.stderr.trim()).toBe(
      'Could not start: Invalid configuration:\n' +
        '  - SYNC_INTERVAL_MINUTES="50000" must be at most 1440, one day (a whole number of minutes from 2 to 1440, as in AWS)',
    );
  });

  test('npm run demo reads .env like npm start and npm run sync', () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'mirror-demo-'));
    try {
      writeFileSync(path.join(cwd, '.env'), 'HTTP_TIMEOUT_MS=soon\n');
      const run = cli('local/demo.ts', [], { cwd });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('HTTP_TIMEOUT_MS="soon" must be a number');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
