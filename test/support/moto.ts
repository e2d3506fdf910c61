import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * moto_server (preinstalled on developer and CI machines) as a real AWS emulator for the suites
 * that need S3 semantics s3rver lacks (If-Match / If-None-Match, versions) and for EventBridge
 * routing. Each suite starts its own server on a free loopback port and stops it afterwards.
 *
 * Without moto_server the suites are skipped, and the run ends with one line naming them and why
 * (`describeWithMoto`, test/support/moto-skips-reporter.js); with `MOTO_REQUIRED=true` (set by
 * `.ci/run`) a missing moto_server fails them instead.
 */
export interface Moto {
  readonly endpoint: string;
  /** Forgets every bucket, rule and queue (moto's own reset API). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Credentials moto accepts; never real keys. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_REGION = 'us-east-1';

const command = process.env.MOTO_SERVER ?? 'moto_server';
let available: boolean | undefined;

export function motoAvailable(): boolean {
  if (available === undefined) {
    // Found on PATH, not probed by starting it: starting Python can take over 20 s on a loaded
    // machine, and a timed-out probe would skip the suites as if moto were missing.
    const candidates = command.includes('/')
      ? [command]
      : (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, command));
    available = candidates.some(isExecutable);
  }
  return available;
}

export function motoRequired(): boolean {
  return process.env.MOTO_REQUIRED === 'true' || process.env.MOTO_REQUIRED === '1';
}

const INSTALL = 'pip install "moto[server]==5.2.1"';

/** Ends the name of a suite skipped for want of moto; the reporter lists them (same text there). */
const SKIPPED_MARK = '[skipped: moto_server not found]';

/**
 * `describe` when moto can run (or is required, so that its absence fails loudly), else
 * `describe.skip` under a name that says why; moto-skips-reporter.js sums them up in one line.
 */
export function describeWithMoto(name: string, body: () => void): void {
  if (motoAvailable() || motoRequired()) {
    describe(name, body);
    return;
  }
  describe.skip(`${name} ${SKIPPED_MARK}`, body);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${output()}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within 60 s: ${output()}`);
}

export async function startMoto(): Promise<Moto> {
  if (!motoAvailable()) {
    throw new Error(
      `${command} not found on PATH and MOTO_REQUIRED is set (.ci/run sets it), so the suites that need it fail instead of being skipped: ${INSTALL}, or set MOTO_SERVER to its path`,
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    // Werkzeug logs every request on stderr; keep only the tail for error messages.
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // A test process that ends without stop() (a crash, a timeout) must not leave moto running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitUntilUp(endpoint, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    endpoint,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        process.off('exit', killOnExit);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
