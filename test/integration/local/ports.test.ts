import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { ephemeralLocalConfig, PORT_KEYS, type PortKey } from '../../../local/config';
import { LocalListenError } from '../../../local/net/ports';
import { startLocalSystem } from '../../../local/system';
import { silentLogger } from '../../../shared/log';

const ROOT = path.resolve(__dirname, '../../..');

/** Something else listening on a loopback port, as another program would. */
async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

describe('a port clash is one clear line naming the one key to change', () => {
  let blocker: { port: number; server: Server };
  beforeEach(async () => {
    blocker = await occupy();
  });
  afterEach(async () => {
    await new Promise((resolve) => blocker.server.close(resolve));
  });

  test.each(PORT_KEYS)('%s', async (key: PortKey) => {
    const local = { ...ephemeralLocalConfig(), [key]: blocker.port };
    const started = startLocalSystem({ local, env: {}, sandbox: true, logger: silentLogger });
    const err: unknown = await started.then(
      async (system) => {
        await system.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LocalListenError);
    const { message } = err as LocalListenError;
    expect((err as LocalListenError).key).toBe(key);
    expect(message).toBe(
      `Port ${blocker.port} on 127.0.0.1 is already in use (by another program, or another \`npm start\`?): ` +
        `set ${key} to a free port in .env.`,
    );
    // Only the port at fault is named.
    for (const other of PORT_KEYS.filter((k) => k !== key)) expect(message).not.toContain(other);
  });

  test('`npm start` with a taken S3 port prints that line and exits 1, without a stack trace', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'local/main.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        ...Object.fromEntries(PORT_KEYS.map((k) => [k, '0'])),
        LOCAL_S3_PORT: String(blocker.port),
        MAL_CLIENT_ID: '',
        SANDBOX: 'true',
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      `Could not start: Port ${blocker.port} on 127.0.0.1 is already in use (by another program, or another ` +
        '`npm start`?): set LOCAL_S3_PORT to a free port in .env.',
    );
    expect(run.stdout).toBe('');
  });
});
