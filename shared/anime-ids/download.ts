import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { systemClock } from '../clock';
import { AppError, NetworkError } from '../errors';
import {
  backoff,
  DEFAULT_RETRY_POLICY,
  describeCause,
  OutOfTimeError,
  type RetryPolicy,
  retryAfterMs,
  roomToWait,
  type TransportOptions,
} from '../http/policy';
import { AnimeIdsFormatError, safeUrl } from './errors';

/**
 * A streaming conditional GET under the house retry policy. `sendWithPolicy` buffers whole bodies, which a
 * tens-of-MB dataset in a 128 MB function cannot afford, so this sends the same way (per-attempt timeout,
 * backoff honouring `Retry-After`, overall budget, the invocation's deadline) but hands the body to `consume`
 * as it arrives. The timeout is an idle timeout while the body streams: it restarts with every chunk, and is
 * never allowed past the deadline. Redirects (GitHub release assets answer 302 to another host) are followed.
 */

/** A daily download: fewer, shorter retries than an API call, the next run tries again anyway. */
export const ANIME_IDS_RETRY_POLICY: RetryPolicy = {
  ...DEFAULT_RETRY_POLICY,
  maxAttempts: 3,
  maxRetryAfterMs: 30_000,
  budgetMs: 60_000,
};

export const ANIME_IDS_SERVICE = 'anime-ids';

/** The server answered with a status that is neither 200 nor 304. */
export class DownloadStatusError extends AppError {
  readonly retryable = true;
  readonly status: number;
  constructor(url: string, status: number) {
    super('anime_ids_http_status', `GET ${safeUrl(url)} answered HTTP ${status}`);
    this.status = status;
  }
}

export interface Validators {
  readonly etag?: string | null;
  readonly lastModified?: string | null;
}

export type DownloadOutcome<T> =
  | {
      readonly kind: 'downloaded';
      readonly value: T;
      readonly etag: string | null;
      readonly lastModified: string | null;
    }
  | { readonly kind: 'not_modified' };

/** Errors that another attempt cannot fix: they go straight back. */
function isFinal(err: unknown): boolean {
  return err instanceof DownloadStatusError || err instanceof AnimeIdsFormatError || err instanceof OutOfTimeError;
}

export async function downloadStreaming<T>(
  url: string,
  validators: Validators | undefined,
  transport: TransportOptions,
  consume: (body: AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<DownloadOutcome<T>> {
  const clock = transport.clock ?? systemClock;
  const random = transport.random ?? Math.random;
  const policy = transport.retry ?? ANIME_IDS_RETRY_POLICY;
  const shownUrl = safeUrl(url);
  const what = `${ANIME_IDS_SERVICE} GET ${shownUrl}`;
  const headers: Record<string, string> = { accept: 'application/json, */*;q=0.5' };
  if (validators?.etag) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
  const conditional = headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
  const started = clock.now();
  let lastError: unknown;

  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    const deadline = transport.deadline?.();
    const attemptStarted = clock.now();
    if (deadline !== undefined && attemptStarted >= deadline) {
      throw new OutOfTimeError(
        attempt === 1 ? `${what} not sent: no time left in this run` : `${what} gave up: no time left in this run`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(timer);
      const limit = transport.deadline?.();
      const ms = limit === undefined ? transport.timeoutMs : Math.min(transport.timeoutMs, limit - clock.now());
      timer = setTimeout(() => controller.abort(new Error(`no data for ${Math.max(0, ms)} ms`)), Math.max(0, ms));
    };
    let answered = false;
    let waitMs = 0;
    arm();
    try {
      const response = await streamingGet(url, headers, controller.signal);
      answered = true;
      transport.onAttempt?.({
        service: ANIME_IDS_SERVICE,
        method: 'GET',
        url: shownUrl,
        status: response.status,
        attempt,
        elapsedMs: clock.now() - attemptStarted,
      });
      if (response.status === 200) {
        const value = await consume(chunks(response.body, arm));
        return {
          kind: 'downloaded',
          value,
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
        };
      }
      response.body.destroy();
      if (response.status === 304 && conditional) return { kind: 'not_modified' };
      const error = new DownloadStatusError(url, response.status);
      const retryable = policy.retryOn.includes(response.status) && !policy.doNotRetry.includes(response.status);
      if (!retryable || attempt === policy.maxAttempts) throw error;
      const hinted = retryAfterMs(response.headers, clock.now());
      if (hinted !== undefined && hinted > policy.maxRetryAfterMs) throw error;
      waitMs = hinted ?? backoff(policy, attempt, random);
      lastError = error;
      if (!roomToWait(clock.now(), waitMs, started, policy, deadline)) throw error;
    } catch (err) {
      if (isFinal(err)) throw err;
      if (!answered) {
        transport.onAttempt?.({
          service: ANIME_IDS_SERVICE,
          method: 'GET',
          url: shownUrl,
          status: 'network-error',
          attempt,
          elapsedMs: clock.now() - attemptStarted,
        });
      }
      // A network failure before or during the body, a stalled body, a cut-short document: worth another try.
      lastError = err;
      if (!policy.retryNetworkErrors || attempt === policy.maxAttempts) break;
      waitMs = backoff(policy, attempt, random);
      if (!roomToWait(clock.now(), waitMs, started, policy, deadline)) break;
    } finally {
      clearTimeout(timer);
    }
    await clock.sleep(waitMs);
  }
  throw new NetworkError(`${what} failed: ${describeCause(lastError)}`, { cause: lastError });
}

interface StreamedResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: IncomingMessage;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One GET over node:http(s), following redirects with the same headers (GitHub answers a release
 * asset with a 302 to its storage host). Not `fetch`: for a tens-of-MB body its streams and buffers
 * cost about 20 MB more at the peak, which a 128 MB function does not have to spare.
 */
async function streamingGet(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  redirectsLeft = 5,
): Promise<StreamedResponse> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
  if (!send) throw new DownloadStatusError(url, 0);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(target, { method: 'GET', headers, signal }, resolve);
    req.on('error', reject);
    req.end();
  });
  const status = res.statusCode ?? 0;
  const location = res.headers.location;
  if (REDIRECTS.has(status) && location && redirectsLeft > 0) {
    res.destroy();
    return streamingGet(new URL(location, target).toString(), headers, signal, redirectsLeft - 1);
  }
  return {
    status,
    headers: {
      get: (name) => {
        const value = res.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : (value ?? null);
      },
    },
    body: res,
  };
}

/** The body's chunks; `onChunk` runs before each (it restarts the idle timeout). Drops the body if left early. */
async function* chunks(body: IncomingMessage, onChunk: () => void): AsyncGenerator<Uint8Array> {
  let done = false;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      onChunk();
      yield chunk;
    }
    done = true;
  } finally {
    if (!done) body.destroy();
  }
}
