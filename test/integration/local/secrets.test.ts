import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { prepareTraktLogin } from '../../../local/authorize/setup';
import { ephemeralLocalConfig, PORT_KEYS } from '../../../local/config';
import { LOCAL_REGION } from '../../../local/emulators';
import { type LocalSystem, startLocalSystem } from '../../../local/system';
import { silentLogger } from '../../../shared/log';
import { KEYS } from '../../../shared/store/store';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';

const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/cli.mjs');
/** A real-mode configuration: nothing here touches the network until MAL is authorized. */
const REAL_ENV = { MAL_CLIENT_ID: 'my-mal-app', ANILIST_USERNAME: 'someone' };

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

/** Every folder and file under `dir` (itself included), with its mode. */
function modesUnder(dir: string): { folders: Record<string, string>; files: Record<string, string> } {
  const folders: Record<string, string> = {};
  const files: Record<string, string> = {};
  const visit = (folder: string) => {
    folders[path.relative(dir, folder) || '.'] = modeOf(folder);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const entryPath = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(entryPath);
      else files[path.relative(dir, entryPath)] = modeOf(entryPath);
    }
  };
  visit(dir);
  return { folders, files };
}

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'mirror-secrets-'));
  // A parent others can read, as a home folder often is: the data folder must not inherit that.
  chmodSync(scratch, 0o755);
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe('LOCAL_DATA_DIR is owner-only', () => {
  let system: LocalSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  test('after an authorization, the folder and everything in it (tokens, inbox) are 0700 / 0600', async () => {
    const dataDir = path.join(scratch, 'data');
    // The same story as startTestSystem, but over a LOCAL_DATA_DIR of our own.
    const reports: TestSystem['reports'] = [];
    system = await startLocalSystem({
      local: ephemeralLocalConfig(),
      env: { DESTINATIONS: 'mal', HTTP_TIMEOUT_MS: '2000', DEADLINE_SAFETY_MS: '0' },
      sandbox: true,
      dataDir,
      inboxFile: path.join(dataDir, 'inbox.json'),
      logger: silentLogger,
      onReport: (r) => reports.push(r),
    });
    const report = await authorize(Object.assign(system, { reports, errors: [] }));
    expect(report.status).toBe('ok');
    await system.close();
    system = undefined;

    const { folders, files } = modesUnder(dataDir);
    const tokenFiles = Object.keys(files).filter((f) => f.includes(KEYS.tokens('mal')));
    expect(tokenFiles.length).toBeGreaterThan(0);
    expect(Object.keys(files)).toContain('inbox.json');
    expect(Object.values(folders).every((mode) => mode === '700')).toBe(true);
    expect(files).toEqual(Object.fromEntries(Object.keys(files).map((f) => [f, '600'])));
  });

  test('an existing folder open to others is tightened at start, and the user is told', async () => {
    const dataDir = path.join(scratch, 'old-data');
    mkdirSync(path.join(dataDir, 's3'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    chmodSync(path.join(dataDir, 's3'), 0o755);
    writeFileSync(path.join(dataDir, 'inbox.json'), '{"emails":[]}', { mode: 0o644 });
    chmodSync(path.join(dataDir, 'inbox.json'), 0o644);
    const notices: string[] = [];
    system = await startLocalSystem({
      local: ephemeralLocalConfig(),
      env: REAL_ENV,
      sandbox: false,
      dataDir,
      inboxFile: path.join(dataDir, 'inbox.json'),
      logger: silentLogger,
      onNotice: (text) => notices.push(text),
    });
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(path.join(dataDir, 's3'))).toBe('700');
    expect(modeOf(path.join(dataDir, 'inbox.json'))).toBe('600');
    expect(notices).toEqual([
      `LOCAL_DATA_DIR (${dataDir}) holds your tokens and was open to other users: ` +
        'tightened 2 folder(s) to 0700 (the folder itself was 0755) and 1 file(s) to 0600.',
    ]);

    // A pending authorization (with its PKCE verifier) and the saved inbox, written by real mode.
    await system.ensureAuthorizationLink();
    const { folders, files } = modesUnder(dataDir);
    expect(Object.keys(files).some((f) => f.includes('auth/'))).toBe(true);
    expect(Object.values(folders).every((mode) => mode === '700')).toBe(true);
    expect(Object.values(files).every((mode) => mode === '600')).toBe(true);
  });
});

describe('the S3 emulator serves only requests signed with this run’s key', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
    await authorize(system);
  });
  afterAll(() => system.close());

  const tokensUrl = () => `${system.s3.endpoint}/${system.s3.bucket}/${KEYS.tokens('mal')}`;
  const clientWith = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
    new S3Client({ endpoint: system.s3.endpoint, region: LOCAL_REGION, forcePathStyle: true, credentials });
  const readTokens = async (client: S3Client) => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: system.s3.bucket, Key: KEYS.tokens('mal') }));
      return { status: 200, body: await out.Body?.transformToString() };
    } catch (err) {
      return {
        status: (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
        error: (err as Error).name,
      };
    } finally {
      client.destroy();
    }
  };

  test('its own client reads the tokens', async () => {
    const own = await readTokens(clientWith(system.s3.credentials));
    expect(own.status).toBe(200);
    expect(own.body).toContain('"accessToken"');
  });

  test('an anonymous request is refused, without the tokens', async () => {
    const res = await fetch(tokensUrl());
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).not.toContain('accessToken');
  });

  test('s3rver’s published key pair and a wrong secret are refused', async () => {
    expect(await readTokens(clientWith({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }))).toEqual({
      status: 403,
      error: 'InvalidAccessKeyId',
    });
    const wrongSecret = { accessKeyId: system.s3.credentials.accessKeyId, secretAccessKey: 'guessed' };
    expect(await readTokens(clientWith(wrongSecret))).toEqual({ status: 403, error: 'SignatureDoesNotMatch' });
  });

  test('a signed request replayed against another key is refused: the signature covers the path', async () => {
    const client = clientWith(system.s3.credentials);
    let signed: Record<string, string> = {};
    client.middlewareStack.add(
      (next) => async (args) => {
        signed = { ...(args.request as { headers: Record<string, string> }).headers };
        return next(args);
      },
      { step: 'deserialize', name: 'captureSignedHeaders' },
    );
    await client.send(new PutObjectCommand({ Bucket: system.s3.bucket, Key: 'harmless.txt', Body: 'x' }));
    client.destroy();
    const { host: _host, ...headers } = signed;
    const replay = await fetch(tokensUrl(), { method: 'PUT', headers, body: 'x' });
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect((await readTokens(clientWith(system.s3.credentials))).body).toContain('"accessToken"');
  });
});

describe('the local inbox needs its key', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
    await system.runMailer();
  });
  afterAll(() => system.close());

  test('without it (or with another) neither the page nor the stored links are served', async () => {
    const { endpoint } = system.ses;
    for (const url of [`${endpoint}/`, `${endpoint}/store`, `${endpoint}/store?key=guess`]) {
      const res = await fetch(url);
      expect([url, res.status]).toEqual([url, 403]);
      expect(await res.text()).not.toContain('authorize');
    }
    const cleared = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
    expect(cleared.status).toBe(403);
    expect(await system.ses.messages()).toHaveLength(1);
  });

  test('the printed inbox URL opens it, and its cookie lets the page fetch the mail', async () => {
    const page = await fetch(system.urls.inbox);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie')?.split(';')[0];
    expect(cookie).toBeDefined();
    expect(page.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const store = await fetch(`${system.ses.endpoint}/store`, { headers: { cookie: cookie! } });
    expect(store.status).toBe(200);
    expect(await store.text()).toContain('authorize');
  });

  test('the SES API takes mail only from the runtime’s own client', async () => {
    const stranger = new SESClient({
      endpoint: system.ses.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const phishing = new SendEmailCommand({
      Source: 'mirror@example.com',
      Destination: { ToAddresses: ['you@example.com'] },
      Message: { Subject: { Data: 'Re-authorize' }, Body: { Text: { Data: 'http://evil.example/' } } },
    });
    await expect(stranger.send(phishing)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    stranger.destroy();
    expect(await system.ses.messages()).toHaveLength(1);
  });
});

describe('a LOCAL_HOST other machines can reach', () => {
  const cli = (env: Record<string, string>) =>
    spawnSync(process.execPath, [TSX, path.join(ROOT, 'local/main.ts')], {
      cwd: scratch,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...Object.fromEntries(PORT_KEYS.map((k) => [k, '0'])), ...env },
    });

  test('npm start in real mode refuses it without LOCAL_EXPOSE=true, before anything listens', () => {
    const dataDir = path.join(scratch, 'never-created');
    const run = cli({ ...REAL_ENV, LOCAL_HOST: '0.0.0.0', LOCAL_DATA_DIR: dataDir });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      'Could not start: Invalid configuration:\n' +
        '  - LOCAL_HOST=0.0.0.0 lets other machines reach the local S3 (your tokens) and the local inbox ' +
        '(your authorization links) in real mode: set LOCAL_HOST=127.0.0.1, or LOCAL_EXPOSE=true if you mean it',
    );
    expect(() => statSync(dataDir)).toThrow();
  });

  test('npm run authorize in real mode refuses it too, before its S3 listens', async () => {
    const local = { ...ephemeralLocalConfig(), LOCAL_HOST: '0.0.0.0', LOCAL_DATA_DIR: path.join(scratch, 'none') };
    const env = { TRAKT_CLIENT_ID: 'id', TRAKT_CLIENT_SECRET: 'secret' };
    await expect(prepareTraktLogin({ local, env, sandbox: false })).rejects.toThrow(
      /LOCAL_HOST=0\.0\.0\.0 lets other machines reach .* LOCAL_EXPOSE=true/,
    );
    expect(() => statSync(local.LOCAL_DATA_DIR)).toThrow();
  });

  test('with LOCAL_EXPOSE=true it starts and prints each port it exposes and what it holds', async () => {
    const child: ChildProcess = spawn(process.execPath, [TSX, path.join(ROOT, 'local/main.ts')], {
      cwd: scratch,
      env: {
        ...process.env,
        ...Object.fromEntries(PORT_KEYS.map((k) => [k, '0'])),
        ...REAL_ENV,
        LOCAL_HOST: '0.0.0.0',
        LOCAL_EXPOSE: 'true',
        LOCAL_DATA_DIR: path.join(scratch, 'data'),
      },
    });
    let stdout = '';
    child.stdout?.on('data', (chunk) => {
      stdout += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!stdout.includes('plain HTTP') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const lines = stdout.split('\n');
      const start = lines.findIndex((l) => l.startsWith('LOCAL_EXPOSE=true'));
      expect(lines.slice(start, start + 5).map((l) => l.replace(/port \d+/, 'port N'))).toEqual([
        'LOCAL_EXPOSE=true: listening on 0.0.0.0, so anyone who can reach this machine can reach:',
        "  - port N, the local S3: your tokens and sync state (only requests signed with this run's random key are served)",
        '  - port N, the local inbox: every authorization link (only with the key in its URL)',
        '  - port N, the OAuth callback',
        'All of it is plain HTTP: anyone who can watch the network sees the tokens and links pass.',
      ]);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  }, 90_000);
});
