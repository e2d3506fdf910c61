import { type Clock, systemClock } from '../clock';
import { AppError, NetworkError } from '../errors';

/**
 * Retry behaviour written as data, in the style of octokit's retry plugin: which statuses are
 * final, which are worth another attempt, and how long we are willing to wait in total.
 */
export interface RetryPolicy {
  /** Attempts including the first one. */
  readonly maxAttempts: number;
  /** Statuses that are final: the response goes straight back to the caller. */
  readonly doNotRetry: readonly number[];
  /** Statuses worth another attempt (after backoff or `Retry-After`). Anything else is returned as is. */
  readonly retryOn: readonly number[];
  /** First backoff delay; doubles per attempt with full jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited out: the work is left for the next run. */
  readonly maxRetryAfterMs: number;
  /** Upper bound on the time spent in one logical request, all attempts and waits included. */
  readonly budgetMs: number;
  /** Retry timeouts, resets and other transport failures. */
  readonly retryNetworkErrors: boolean;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  doNotRetry: [400, 401, 403, 404, 409, 412, 422],
  retryOn: [408, 425, 429, 500, 502, 503, 504],
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 65_000,
  budgetMs: 120_000,
  retryNetworkErrors: true,
};

/** Spaces request starts so a client never exceeds an API's documented pace. */
export interface Pacer {
  acquire(): Promise<void>;
}

export const noPacing: Pacer = { acquire: async () => {} };

/**
 * Evenly spaced requests: at most `requestsPerMinute`, i.e. one every 60000/rpm ms.
 * `0` disables pacing (benchmarks, tests against the sandbox).
 */
export function createPacer(requestsPerMinute: number, clock: Clock = systemClock): Pacer {
  if (!(requestsPerMinute > 0)) return noPacing;
  const intervalMs = 60_000 / requestsPerMinute;
  let nextSlot = 0;
  return {
    async acquire() {
      const now = clock.now();
      const slot = Math.max(now, nextSlot);
      nextSlot = slot + intervalMs;
      if (slot > now) await clock.sleep(slot - now);
    },
  };
}

/** A response the caller may inspect before the policy decides to retry it. */
export interface BufferedResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly bodyText: string;
}

/**
 * The epoch ms by which a request must have settled, or undefined for no limit. A function, not a
 * number: clients are built once per cold start while deadlines belong to one invocation.
 */
export type DeadlineSource = () => number | undefined;

/**
 * A deadline the handler sets per invocation and the clients it built at cold start read. One
 * invocation at a time runs per Lambda container, so a single slot is enough.
 */
export class RequestDeadline {
  private at: (() => number) | undefined;
  readonly get: DeadlineSource = () => this.at?.();
  /** A fixed moment, or one read at every check (a local run's Ctrl-C moves it forward). */
  set(at: number | (() => number) | undefined): void {
    this.at = at === undefined ? undefined : typeof at === 'number' ? () => at : at;
  }
}

/** The request was not sent (or not retried) because the invocation's time is up; the work is left for later. */
export class OutOfTimeError extends AppError {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super('out_of_time', message, options);
  }
}

export interface HttpOptions {
  readonly fetch: typeof fetch;
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /**
   * A response with a retryable status that must nevertheless go straight back, decided from its
   * body (e.g. MAL's 403 `invalid_token`, which a token refresh fixes and waiting never does).
   */
  readonly isFinal?: (response: BufferedResponse) => boolean;
  /** No attempt starts, and no wait runs, past this; attempts are cut short to end by it. */
  readonly deadline?: DeadlineSource;
  readonly pacer?: Pacer;
  readonly clock?: Clock;
  /** Called after every attempt; used by reports and benchmarks to count requests. */
  readonly onAttempt?: (info: AttemptInfo) => void;
  /** Random source for jitter, injectable for deterministic tests. */
  readonly random?: () => number;
}

/** How an API client sends: the part of its options every client shares. */
export interface TransportOptions {
  readonly fetch: typeof fetch;
  /** Per-attempt timeout. */
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
  /** Pacing: at most this many requests a minute; 0 disables pacing. */
  readonly requestsPerMinute?: number;
  readonly clock?: Clock;
  readonly onAttempt?: (info: AttemptInfo) => void;
  /** Jitter source, for deterministic tests. */
  readonly random?: () => number;
  /** The current invocation's deadline (see `RequestDeadline`). */
  readonly deadline?: DeadlineSource;
}

/** The `HttpOptions` a client derives from its `TransportOptions`, with its own default policy and pace. */
export function httpOptionsFrom(
  options: TransportOptions,
  defaults: { readonly retry: RetryPolicy; readonly requestsPerMinute: number },
  clock: Clock,
): HttpOptions {
  return {
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
    retry: options.retry ?? defaults.retry,
    pacer: createPacer(options.requestsPerMinute ?? defaults.requestsPerMinute, clock),
    clock,
    ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.deadline ? { deadline: options.deadline } : {}),
  };
}

export interface AttemptInfo {
  readonly service: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | 'network-error';
  readonly attempt: number;
  readonly elapsedMs: number;
}

/**
 * Parses `Retry-After` (delta-seconds or HTTP-date), falling back to `X-RateLimit-Reset`
 * (Unix seconds, AniList). Returns milliseconds to wait, or undefined if neither is usable.
 */
export function retryAfterMs(headers: Pick<Headers, 'get'>, nowMs: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    // An HTTP-date always names its day and month; without the check, V8's lenient parser reads
    // a malformed "-5" as a date in 2001, i.e. "retry now", and the backoff would be skipped.
    const date = /[a-z]/i.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
    if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  }
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && reset.trim() !== '') {
    const resetSeconds = Number(reset);
    if (Number.isFinite(resetSeconds) && resetSeconds > 0) return Math.max(0, resetSeconds * 1000 - nowMs);
  }
  return undefined;
}

/**
 * Sends one logical request under a policy: pacing, a timeout per attempt, retries with
 * backoff that honour `Retry-After`, an overall budget and the invocation's deadline. It never
 * parses bodies for meaning: the final `Response` (success or not, body intact) goes back to the
 * caller, which owns the API's error semantics. Throws `NetworkError` only when no response could
 * be had at all, and `OutOfTimeError` when the deadline leaves no room for a (further) attempt.
 */
export async function sendWithPolicy(
  service: string,
  url: string,
  init: RequestInit,
  options: HttpOptions,
): Promise<Response> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy = options.retry;
  const started = clock.now();
  const method = (init.method ?? 'GET').toUpperCase();
  const what = `${service} ${method} ${stripQuery(url)}`;
  let lastError: unknown;

  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    await (options.pacer ?? noPacing).acquire();
    const deadline = options.deadline?.();
    const attemptStarted = clock.now();
    if (deadline !== undefined && attemptStarted >= deadline) {
      throw new OutOfTimeError(
        attempt === 1 ? `${what} not sent: no time left in this run` : `${what} gave up: no time left in this run`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    const timeoutMs =
      deadline === undefined ? options.timeoutMs : Math.min(options.timeoutMs, deadline - attemptStarted);
    let response: Response | undefined;
    try {
      response = await fetchWithTimeout(options.fetch, url, init, timeoutMs);
    } catch (err) {
      lastError = err;
    }
    options.onAttempt?.({
      service,
      method,
      url: stripQuery(url),
      status: response ? response.status : 'network-error',
      attempt,
      elapsedMs: clock.now() - attemptStarted,
    });

    let waitMs: number;
    if (response) {
      const status = response.status;
      const retryable = !policy.doNotRetry.includes(status) && policy.retryOn.includes(status);
      if (!retryable || attempt === policy.maxAttempts) return response;
      if (options.isFinal) {
        const buffered = { status, headers: response.headers, bodyText: await response.clone().text() };
        if (options.isFinal(buffered)) return response;
      }
      const hinted = retryAfterMs(response.headers, clock.now());
      if (hinted !== undefined && hinted > policy.maxRetryAfterMs) return response;
      waitMs = hinted ?? backoff(policy, attempt, random);
      // Out of budget or time: the caller gets the last answer, body included, to explain the failure.
      if (!roomToWait(clock.now(), waitMs, started, policy, deadline)) return response;
      await response.body?.cancel().catch(() => {});
    } else {
      if (!policy.retryNetworkErrors || attempt === policy.maxAttempts) break;
      waitMs = backoff(policy, attempt, random);
      if (!roomToWait(clock.now(), waitMs, started, policy, deadline)) break;
    }
    await clock.sleep(waitMs);
  }
  throw new NetworkError(`${what} failed: ${describeCause(lastError)}`, { cause: lastError });
}

/** Whether waiting `waitMs` and trying once more still fits the policy's budget and the deadline. */
export function roomToWait(
  now: number,
  waitMs: number,
  started: number,
  policy: RetryPolicy,
  deadline: number | undefined,
): boolean {
  if (now + waitMs - started > policy.budgetMs) return false;
  return deadline === undefined || now + waitMs < deadline;
}

/** The wait before retry `attempt`: exponential, capped, with equal jitter. */
export function backoff(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // "Equal jitter": never zero, never above the ceiling.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

async function fetchWithTimeout(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await fetchImpl(url, { ...init, signal: controller.signal });
    // Read the body under the same timeout, so a server that stalls mid-body cannot hang us.
    const body = await response.arrayBuffer();
    return new Response(body.byteLength === 0 && nullBodyStatus(response.status) ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  } finally {
    clearTimeout(timer);
  }
}

function nullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}

function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}

/** An error's message with its cause's, for "… failed: …" messages. */
export function describeCause(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const inner = cause instanceof Error ? ` (${cause.message})` : '';
    return `${err.message}${inner}`;
  }
  return String(err ?? 'unknown error');
}
