import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { startTraktSandbox, type TraktSandbox, type TraktSandboxOptions } from '../../../local/sandbox/trakt';
import { ManualClock } from '../../../shared/clock';
import { catalogue } from './fixtures';

export { hiddenFields } from '../mal/helpers';

export const CLIENT_ID = 'sandbox-trakt-client-id';
export const CLIENT_SECRET = 'sandbox-trakt-client-secret';
export const REDIRECT = 'http://127.0.0.1:3000/callback';
export const USER_AGENT = 'anilist-mal-mirror-tests/1.0';
/** 2026-03-01 12:00 UTC: after every fixture episode aired except the split-cour show's season 2. */
export const START = Date.UTC(2026, 2, 1, 12);

export interface Harness {
  readonly sandbox: TraktSandbox;
  readonly clock: ManualClock;
  /** A user token for the main app. */
  readonly token: string;
  /** A call on the API host with Trakt's required headers (and the token unless `token: null`). */
  api(method: string, path: string, init?: CallInit): Promise<Response>;
  /** `api` and the parsed JSON body. */
  json<T = unknown>(method: string, path: string, init?: CallInit): Promise<{ status: number; body: T; res: Response }>;
}

export interface CallInit {
  readonly body?: unknown;
  /** null: no Authorization header. */
  readonly token?: string | null;
  readonly headers?: Record<string, string>;
}

const open: TraktSandbox[] = [];

/** Closes every sandbox the tests of a file started (call in afterEach). */
export async function closeSandboxes(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

export function apiHeaders(token?: string | null, clientId = CLIENT_ID): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'trakt-api-key': clientId,
    'trakt-api-version': '2',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  };
}

/** A sandbox on the test catalogue with a ManualClock; rate limits off unless `options` turn them on. */
export async function startHarness(options: TraktSandboxOptions = {}): Promise<Harness> {
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock(START);
  const sandbox = await startTraktSandbox({ fixture: catalogue(), rateLimits: false, ...options, clock });
  open.push(sandbox);
  const token = sandbox.state.issueTokensDirectly().accessToken;
  const api = (method: string, path: string, init: CallInit = {}) =>
    fetch(`${sandbox.apiUrl}${path}`, {
      method,
      headers: { ...apiHeaders(init.token === undefined ? token : init.token), ...init.headers },
      ...(init.body === undefined
        ? {}
        : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
    });
  return {
    sandbox,
    clock,
    token,
    api,
    async json<T>(method: string, path: string, init?: CallInit) {
      const res = await api(method, path, init);
      const text = await res.text();
      return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T, res };
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request through node:http, which (unlike fetch) sends no User-Agent unless told to. */
export function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** POST a JSON body to the auth host. */
export function authPost(sandbox: TraktSandbox, path: string, body: unknown): Promise<Response> {
  return fetch(`${sandbox.authUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT },
    body: JSON.stringify(body),
  });
}

/** POST a form (as a browser submits the consent or activation page) without following redirects. */
export function submitForm(url: string, form: URLSearchParams): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
}
