import { startTraktSandbox, type TraktSandbox, type TraktSandboxOptions } from '../../../local/sandbox/trakt';
import { createTokenProvider, saveTokensFromAuthorization } from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import {
  createTraktClient,
  type TraktClient,
  type TraktClientOptions,
} from '../../../shared/destinations/trakt/client';
import { createTraktAuth } from '../../../shared/destinations/trakt/oauth';
import type { AttemptInfo } from '../../../shared/http/policy';
import { MemoryStore } from '../../../shared/store/memory-store';
import { catalogue } from '../trakt-sandbox/fixtures';
import { CLIENT_ID, CLIENT_SECRET, START } from '../trakt-sandbox/helpers';

/**
 * The Trakt client, OAuth and token provider as production wires them (`shared/destinations/trakt/index.ts`),
 * against a Trakt sandbox over real HTTP. One `ManualClock` drives both sides: the client's waits (pacing,
 * Retry-After, backoff) move the sandbox's time, and no test ever waits on the wall clock.
 */

/** History items for `state.setHistory` (shared with the whole-system tests). */
export { episodePlay, moviePlay } from '../../support/trakt';
/** The sandbox tests' app credentials, redirect URI and start time (2026-03-01 12:00 UTC). */
export { CLIENT_ID, CLIENT_SECRET, REDIRECT, START } from '../trakt-sandbox/helpers';

/** One request the client (or OAuth client) handed to `fetch`. */
export interface SentRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

export interface Rig {
  readonly sandbox: TraktSandbox;
  readonly clock: ManualClock;
  readonly store: MemoryStore;
  readonly auth: ReturnType<typeof createTraktAuth>;
  readonly client: TraktClient;
  /** Every request sent through the rig's fetch, in order. */
  readonly sent: SentRequest[];
  readonly attempts: AttemptInfo[];
  /** Another client on the same sandbox, store and clock (e.g. paced differently). */
  makeClient(overrides?: Partial<TraktClientOptions>): TraktClient;
  /** Requests the client sent to `path` (exact pathname) with `method`. */
  sentTo(method: string, path: string): SentRequest[];
}

export interface RigOptions {
  readonly sandbox?: TraktSandboxOptions;
  readonly client?: Partial<TraktClientOptions>;
  /** Store the sandbox's tokens in the MemoryStore (default true). */
  readonly authorized?: boolean;
}

const open: TraktSandbox[] = [];

/** Closes every sandbox started since the last call (afterEach). */
export async function closeRigs(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

export function recordingFetch(into: SentRequest[]): typeof fetch {
  return (input, init) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    into.push({
      method: (init?.method ?? 'GET').toUpperCase(),
      url: new URL(String(input)),
      headers: { ...headers },
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    return fetch(input, init);
  };
}

/** A sandbox on the test catalogue (rate limits off unless asked for), authorized tokens in a MemoryStore, and a client. */
export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const clock = new ManualClock(START);
  const sandbox = await startTraktSandbox({ fixture: catalogue(), rateLimits: false, ...options.sandbox, clock });
  open.push(sandbox);
  const sent: SentRequest[] = [];
  const attempts: AttemptInfo[] = [];
  const store = new MemoryStore();
  const fetchImpl = recordingFetch(sent);
  const auth = createTraktAuth({
    authUrl: sandbox.authUrl,
    apiUrl: sandbox.apiUrl,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    fetch: fetchImpl,
    timeoutMs: 5_000,
    clock,
  });
  if (options.authorized !== false) {
    await saveTokensFromAuthorization({ store, clock }, auth, sandbox.state.issueTokensDirectly(), 'sandbox_user');
  }
  const makeClient = (overrides: Partial<TraktClientOptions> = {}) =>
    createTraktClient({
      apiUrl: sandbox.apiUrl,
      clientId: CLIENT_ID,
      fetch: fetchImpl,
      timeoutMs: 5_000,
      clock,
      random: () => 0.5,
      getsPerMinute: 0,
      postsPerMinute: 0,
      onAttempt: (info) => attempts.push(info),
      tokens: createTokenProvider({ store, provider: auth, clock }),
      ...options.client,
      ...overrides,
    });
  return {
    sandbox,
    clock,
    store,
    auth,
    client: makeClient(),
    sent,
    attempts,
    makeClient,
    sentTo: (method, path) => sent.filter((r) => r.method === method && r.url.pathname === path),
  };
}

/** Settles a promise that should reject, for assertions on the error itself. */
export function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

/** Drains an async iterable of pages. */
export async function allPages<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}
