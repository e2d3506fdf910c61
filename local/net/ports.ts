import { createServer } from 'node:net';
import { AppError } from '../../shared/errors';

/** Listen errors that mean "this port (or address) cannot be used", as opposed to a bug. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'is already in use (by another program, or another `npm start`?)',
  EACCES: 'needs privileges this process lacks (ports below 1024 usually do)',
};

/**
 * A server could not listen. The message names the one setting to change, so that the user does
 * not have to guess which of the five ports clashed.
 */
export class LocalListenError extends AppError {
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('local_listen_failed', message, options);
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `start` (which makes a server listen on `host:port`) and turns a listen failure into one
 * clear line naming `key`, the env var that sets the port. An address that is not on this machine
 * (EADDRNOTAVAIL) is LOCAL_HOST's fault, not the port's.
 */
export async function listeningAs<T>(key: string, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = codeOf(err);
    const problem = code ? LISTEN_ERRORS[code] : undefined;
    if (problem) {
      throw new LocalListenError(key, `Port ${port} on ${host} ${problem}: set ${key} to a free port in .env.`, {
        cause: err,
      });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new LocalListenError(
        'LOCAL_HOST',
        `Cannot listen on ${host}: it is not an address of this machine. Set LOCAL_HOST to one (default 127.0.0.1).`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * Rejects with the listen error (e.g. EADDRINUSE) if `host:port` cannot be listened on right now.
 * For servers that do not report listen errors themselves (s3rver leaves the error unhandled and
 * crashes the process; aws-ses-v2-local resolves with a server that is not listening).
 */
export async function probePort(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => {
      probe.off('error', reject);
      probe.close(() => resolve());
    });
  });
}
