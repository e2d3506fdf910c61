import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lazyHandler } from '../../../lambdas/runtime';
import {
  createExtensionParameterReader,
  DEFAULT_EXTENSION_PORT,
  type ExtensionParameterReaderOptions,
  resolveSecret,
  SecretUnavailableError,
} from '../../../shared/aws/parameters';
import { ManualClock } from '../../../shared/clock';
import { AppError, describeError } from '../../../shared/errors';

/**
 * The reader against a loopback stand-in for the AWS Parameters and Secrets Lambda Extension: the
 * same route, query and token header, GetParameter's JSON on success, and the error answers the
 * real one gives (or might give) otherwise.
 */

const SESSION_TOKEN = 'session-token-of-this-execution-environment';
const SECRET_NAME = '/anilist-mal-mirror/mal-client-secret';
const SECRET_VALUE = 'mal-client-secret-value-0123456789';
const TOKEN_NAME = 'anilist.token_v2-private';
const TOKEN_VALUE = 'anilist-token-value-abcdef';
const NOT_READY = 'not ready to serve traffic, please wait';

interface Seen {
  readonly method: string;
  readonly rawUrl: string;
  readonly token: string | undefined;
}

/** A scripted answer for the next request, instead of the regular one. */
type Override = { status: number; body: string } | 'hang';

class ExtensionStandIn {
  readonly seen: Seen[] = [];
  readonly overrides: Override[] = [];
  private readonly server: http.Server;
  port = 0;

  constructor(private readonly parameters: Record<string, string>) {
    this.server = http.createServer((req, res) => this.answer(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const token = req.headers['x-aws-parameters-secrets-token'];
    this.seen.push({
      method: req.method ?? '',
      rawUrl: req.url ?? '',
      token: typeof token === 'string' ? token : undefined,
    });
    const send = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const override = this.overrides.shift();
    if (override === 'hang') return; // never answers
    if (override) {
      send(override.status, override.body);
      return;
    }

    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (req.method !== 'GET' || url.pathname !== '/systemsmanager/parameters/get') {
      send(404, 'no such route');
      return;
    }
    if (token !== SESSION_TOKEN) {
      send(403, 'Forbidden: the request did not carry the valid token');
      return;
    }
    const name = url.searchParams.get('name');
    const value = name === null ? undefined : this.parameters[name];
    if (name === null || value === undefined) {
      send(400, `an unexpected error occurred while executing request: ParameterNotFound: ${name}`);
      return;
    }
    // Without decryption, SSM hands out a SecureString's ciphertext.
    const decrypt = url.searchParams.get('withDecryption') === 'true';
    const parameter = {
      ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter/${name.replace(/^\//, '')}`,
      DataType: 'text',
      LastModifiedDate: '2026-01-01T00:00:00Z',
      Name: name,
      Selector: null,
      SourceResult: null,
      Type: 'SecureString',
      Value: decrypt ? value : 'AQICAHh-ciphertext-base64==',
      Version: 1,
    };
    send(200, JSON.stringify({ Parameter: parameter, ResultMetadata: {} }), 'application/json');
  }
}

let ext: ExtensionStandIn;
let clock: ManualClock;

beforeEach(async () => {
  ext = await new ExtensionStandIn({ [SECRET_NAME]: SECRET_VALUE, [TOKEN_NAME]: TOKEN_VALUE }).start();
  clock = new ManualClock();
});

afterEach(async () => {
  await ext.close();
});

function reader(overrides: Partial<ExtensionParameterReaderOptions> = {}) {
  return createExtensionParameterReader({
    fetch,
    env: { AWS_SESSION_TOKEN: SESSION_TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(ext.port) },
    timeoutMs: 5_000,
    clock,
    random: () => 0.5,
    host: '127.0.0.1',
    ...overrides,
  });
}

/** The error a read fails with (and that it does fail). */
async function failure(read: Promise<string>): Promise<SecretUnavailableError> {
  const err = await read.then(
    () => {
      throw new Error('expected the read to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SecretUnavailableError);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('secret_unavailable');
  return err as SecretUnavailableError;
}

/** Everything an error would show in a log: message, causes, and the one-line description. */
function printable(err: unknown): string {
  const parts: string[] = [describeError(err)];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(String(e), e.stack ?? '');
  return parts.join('\n');
}

describe('reading through the extension', () => {
  test('GET with the session token, the URL-encoded name and withDecryption=true; returns the decrypted value', async () => {
    await expect(reader()(SECRET_NAME)).resolves.toBe(SECRET_VALUE);
    expect(ext.seen).toEqual([
      {
        method: 'GET',
        rawUrl: '/systemsmanager/parameters/get?name=%2Fanilist-mal-mirror%2Fmal-client-secret&withDecryption=true',
        token: SESSION_TOKEN,
      },
    ]);
  });

  test('names without a leading slash, with dots, dashes and underscores, arrive intact', async () => {
    await expect(reader()(TOKEN_NAME)).resolves.toBe(TOKEN_VALUE);
    expect(ext.seen[0]!.rawUrl).toBe(`/systemsmanager/parameters/get?name=${TOKEN_NAME}&withDecryption=true`);
  });

  test('port 2773 when PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is not set', async () => {
    const asked: string[] = [];
    // Port 2773 may be taken on a test machine: record the URL, then deliver to the stand-in.
    const redirecting: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      asked.push(url.host);
      url.port = String(ext.port);
      return fetch(url, init);
    };
    const read = reader({ fetch: redirecting, env: { AWS_SESSION_TOKEN: SESSION_TOKEN } });
    await expect(read(SECRET_NAME)).resolves.toBe(SECRET_VALUE);
    expect(asked).toEqual([`127.0.0.1:${DEFAULT_EXTENSION_PORT}`]);
  });

  test('the two secrets of the worker can be read at once', async () => {
    const read = reader();
    await expect(Promise.all([read(SECRET_NAME), read(TOKEN_NAME)])).resolves.toEqual([SECRET_VALUE, TOKEN_VALUE]);
  });
});

describe('failures are typed, and never carry a value or the token', () => {
  test('no AWS_SESSION_TOKEN (not in Lambda): not_in_lambda, and no request is made', async () => {
    const err = await failure(
      reader({ env: { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(ext.port) } })(SECRET_NAME),
    );
    expect(err.reason).toBe('not_in_lambda');
    expect(err.parameterName).toBe(SECRET_NAME);
    expect(err.message).toContain('AWS_SESSION_TOKEN');
    expect(ext.seen).toEqual([]);
  });

  test.each(['0', '65536', 'abc', '27 73', ''])('an unusable port setting (%j): not_in_lambda', async (port) => {
    const env = { AWS_SESSION_TOKEN: SESSION_TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: port };
    expect((await failure(reader({ env })(SECRET_NAME))).reason).toBe('not_in_lambda');
    expect(ext.seen).toEqual([]);
  });

  test('403, the token refused: rejected, not retried, the token not in the error', async () => {
    const env = { AWS_SESSION_TOKEN: 'a-stale-token', PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(ext.port) };
    const err = await failure(reader({ env })(SECRET_NAME));
    expect(err).toMatchObject({ reason: 'rejected', status: 403 });
    expect(err.message).toContain('HTTP 403');
    expect(err.message).toContain(SECRET_NAME);
    expect(printable(err)).not.toContain('a-stale-token');
    expect(ext.seen).toHaveLength(1);
  });

  test("400, an unknown parameter: rejected, with the extension's explanation, not retried", async () => {
    const err = await failure(reader()('/no/such/parameter'));
    expect(err).toMatchObject({ reason: 'rejected', status: 400 });
    expect(err.message).toContain('ParameterNotFound');
    expect(ext.seen).toHaveLength(1);
  });

  test('500: extension_error, not retried', async () => {
    ext.overrides.push({ status: 500, body: 'internal error' });
    const err = await failure(reader()(SECRET_NAME));
    expect(err).toMatchObject({ reason: 'extension_error', status: 500 });
    expect(err.message).toContain('HTTP 500: internal error');
    expect(ext.seen).toHaveLength(1);
  });

  test('a long error body is cut short in the message', async () => {
    ext.overrides.push({ status: 502, body: `bad gateway ${'x'.repeat(5_000)}` });
    const err = await failure(reader()(SECRET_NAME));
    expect(err.reason).toBe('extension_error');
    expect(err.message.length).toBeLessThan(600);
  });

  test('200 with a body that is not JSON: bad_response, and the body (which may hold the value) is not quoted', async () => {
    ext.overrides.push({ status: 200, body: `Value=${SECRET_VALUE} <html>` });
    const err = await failure(reader()(SECRET_NAME));
    expect(err).toMatchObject({ reason: 'bad_response', status: 200 });
    expect(printable(err)).not.toContain(SECRET_VALUE);
  });

  test.each([
    ['no Parameter', '{"ResultMetadata":{}}'],
    ['no Value', '{"Parameter":{"Name":"x"}}'],
    ['an empty Value', '{"Parameter":{"Value":""}}'],
    ['a Value that is not a string', '{"Parameter":{"Value":42}}'],
    ['JSON null', 'null'],
  ])('200 with %s: bad_response', async (_what, body) => {
    ext.overrides.push({ status: 200, body });
    expect((await failure(reader()(SECRET_NAME))).reason).toBe('bad_response');
  });

  test('nothing listening (no extension layer): unreachable, with the cause', async () => {
    const port = ext.port;
    await ext.close();
    const env = { AWS_SESSION_TOKEN: SESSION_TOKEN, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port) };
    const err = await failure(reader({ env })(SECRET_NAME));
    expect(err.reason).toBe('unreachable');
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(/extension layer attached/);
    expect(err.cause).toBeInstanceOf(Error);
    ext = await new ExtensionStandIn({}).start(); // for afterEach
  });

  test('no answer within the timeout: unreachable, the cause says it timed out', async () => {
    ext.overrides.push('hang');
    const err = await failure(reader({ timeoutMs: 300 })(SECRET_NAME));
    expect(err.reason).toBe('unreachable');
    expect(printable(err)).toMatch(/timed out after 300 ms/);
    expect(ext.seen).toHaveLength(1);
  });
});

describe('"not ready" answers', () => {
  test('one "not ready" answer: waited out and asked once more', async () => {
    ext.overrides.push({ status: 400, body: NOT_READY });
    const before = clock.now();
    await expect(reader()(SECRET_NAME)).resolves.toBe(SECRET_VALUE);
    expect(ext.seen).toHaveLength(2);
    expect(ext.seen[1]).toEqual(ext.seen[0]);
    expect(clock.now()).toBeGreaterThan(before);
  });

  test('"not ready" twice: not_ready, after exactly two requests', async () => {
    ext.overrides.push({ status: 400, body: NOT_READY }, { status: 400, body: NOT_READY });
    const err = await failure(reader()(SECRET_NAME));
    expect(err).toMatchObject({ reason: 'not_ready', status: 400 });
    expect(ext.seen).toHaveLength(2);
  });

  test('"not ready" then another error: that error, no third request', async () => {
    ext.overrides.push({ status: 400, body: NOT_READY }, { status: 500, body: 'boom' });
    expect((await failure(reader()(SECRET_NAME))).reason).toBe('extension_error');
    expect(ext.seen).toHaveLength(2);
  });
});

describe('resolveSecret and the cold-start cache', () => {
  test('a value in the plain environment wins (local runs): the extension is not asked', async () => {
    await expect(resolveSecret('from-env', SECRET_NAME, reader())).resolves.toBe('from-env');
    await expect(resolveSecret(undefined, undefined, reader())).resolves.toBeUndefined();
    expect(ext.seen).toEqual([]);
    await expect(resolveSecret(undefined, SECRET_NAME, reader())).resolves.toBe(SECRET_VALUE);
    expect(ext.seen).toHaveLength(1);
  });

  test('read once per cold start by the lazy handler build; a failed build is retried by the next invocation', async () => {
    const read = reader();
    ext.overrides.push({ status: 500, body: 'throttled' });
    const handler = lazyHandler(async () => {
      const secret = await resolveSecret(undefined, SECRET_NAME, read);
      return async (event: number) => `${event}:${secret?.length}`;
    });
    await expect(handler(1, {})).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(handler(2, {})).resolves.toBe(`2:${SECRET_VALUE.length}`);
    await expect(handler(3, {})).resolves.toBe(`3:${SECRET_VALUE.length}`);
    expect(ext.seen).toHaveLength(2);
  });
});
