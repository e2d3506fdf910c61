import { ManualClock } from '../../../shared/clock';
import { MAL_RETRY_POLICY } from '../../../shared/destinations/mal/client';
import { NetworkError } from '../../../shared/errors';
import { DEFAULT_RETRY_POLICY, OutOfTimeError, type RetryPolicy, sendWithPolicy } from '../../../shared/http/policy';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { differingMalIds, patchCount } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf, sectionOf } from '../../support/reports';
import { malState } from '../../support/state';

const URL_ = 'https://api.example.test/v2/anime/1/my_list_status';

/** A fetch that answers from a script and records the logical time of every call. */
function scriptedFetch(clock: ManualClock, answers: readonly (() => Response | Promise<Response>)[]) {
  const calls: number[] = [];
  const fetch = (async () => {
    calls.push(clock.now());
    const answer = answers[Math.min(calls.length, answers.length) - 1]!;
    return answer();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

/** A server that never answers: the request only ends when the client aborts it. */
function stallUntilAborted(init: RequestInit): Promise<Response> {
  return new Promise<Response>((_resolve, reject) => {
    init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
  });
}

const tooMany = (headers: Record<string, string>) => () =>
  new Response('{"error":"too_many_requests"}', { status: 429, headers });
const ok = () => new Response('{"ok":true}', { status: 200 });

function send(clock: ManualClock, fetch: typeof globalThis.fetch, retry: Partial<RetryPolicy> = {}) {
  return sendWithPolicy(
    'mal',
    URL_,
    { method: 'PATCH' },
    {
      fetch,
      timeoutMs: 1000,
      retry: { ...DEFAULT_RETRY_POLICY, ...retry },
      clock,
      // Deterministic jitter for the cases that fall back to backoff.
      random: () => 0.5,
    },
  );
}

describe('sendWithPolicy: backoff honours Retry-After and gives up in bounded time (ManualClock, scripted fetch)', () => {
  test.each([
    ['delta-seconds', { 'Retry-After': '3' }, 3000],
    ['fractional seconds', { 'Retry-After': '1.5' }, 1500],
    ['zero', { 'Retry-After': '0' }, 0],
  ])('Retry-After as %s: waits exactly that long, then retries', async (_name, headers, waitMs) => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const { fetch, calls } = scriptedFetch(clock, [tooMany(headers), ok]);
    const res = await send(clock, fetch);
    expect(res.status).toBe(200);
    expect(calls).toEqual([t0, t0 + waitMs]);
    expect(clock.now() - t0).toBe(waitMs);
  });

  test('Retry-After as an HTTP date: waits until that moment', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const t0 = clock.now();
    const { fetch, calls } = scriptedFetch(clock, [tooMany({ 'Retry-After': 'Thu, 01 Jan 2026 12:00:07 GMT' }), ok]);
    expect((await send(clock, fetch)).status).toBe(200);
    expect(calls).toEqual([t0, t0 + 7000]);
  });

  test("without Retry-After, AniList's X-RateLimit-Reset (Unix seconds) sets the wait", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const t0 = clock.now();
    const reset = String(t0 / 1000 + 42);
    const { fetch, calls } = scriptedFetch(clock, [tooMany({ 'X-RateLimit-Reset': reset }), ok]);
    expect((await send(clock, fetch)).status).toBe(200);
    expect(calls).toEqual([t0, t0 + 42_000]);
  });

  test.each([
    ['an unparseable value', { 'Retry-After': 'soon' }],
    ['a negative value', { 'Retry-After': '-5' }],
    ['no hint at all', {}],
  ])('with %s it falls back to exponential backoff with jitter', async (_name, headers) => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const { fetch, calls } = scriptedFetch(clock, [tooMany(headers), tooMany(headers), ok]);
    expect((await send(clock, fetch, { baseDelayMs: 1000 })).status).toBe(200);
    // Equal jitter with random() = 0.5: ceiling × 3/4, the ceiling doubling per attempt.
    expect(calls).toEqual([t0, t0 + 750, t0 + 750 + 1500]);
  });

  test('a Retry-After beyond maxRetryAfterMs is not waited out: the 429 comes back at once', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const { fetch, calls } = scriptedFetch(clock, [tooMany({ 'Retry-After': '3600' }), ok]);
    const res = await send(clock, fetch, { maxRetryAfterMs: 65_000 });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3600');
    expect(calls).toHaveLength(1);
    expect(clock.now()).toBe(t0);
  });

  test('exactly maxRetryAfterMs is still waited out (the limit is inclusive)', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const { fetch, calls } = scriptedFetch(clock, [tooMany({ 'Retry-After': '65' }), ok]);
    expect((await send(clock, fetch, { maxRetryAfterMs: 65_000 })).status).toBe(200);
    expect(calls).toEqual([t0, t0 + 65_000]);
  });

  test('the total budget bounds the time: no wait may end beyond it, and the last 429 is returned with its hint', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const { fetch, calls } = scriptedFetch(clock, [tooMany({ 'Retry-After': '10' })]);
    const res = await send(clock, fetch, { maxAttempts: 50, budgetMs: 25_000 });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('10');
    // Attempts at 0 s, 10 s, 20 s; a fourth would start at 30 s, past the 25 s budget.
    expect(calls).toEqual([t0, t0 + 10_000, t0 + 20_000]);
    expect(clock.now() - t0).toBeLessThanOrEqual(25_000);
  });

  test('maxAttempts bounds a persistent 429 even when every wait fits the budget', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const { fetch, calls } = scriptedFetch(clock, [tooMany({ 'Retry-After': '1' })]);
    const res = await send(clock, fetch, { maxAttempts: 4 });
    expect(res.status).toBe(429);
    expect(calls).toEqual([t0, t0 + 1000, t0 + 2000, t0 + 3000]);
  });

  test('persistent network errors end in a NetworkError within the budget', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const calls: number[] = [];
    const fetch = (async () => {
      calls.push(clock.now());
      throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') });
    }) as unknown as typeof globalThis.fetch;
    const err = await send(clock, fetch, {
      maxAttempts: 50,
      baseDelayMs: 1000,
      maxDelayMs: 4000,
      budgetMs: 10_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toMatch(/ECONNRESET/);
    // Waits 750, 1500, 3000, 3000 (capped); the next would end at 11.25 s > 10 s.
    expect(calls).toEqual([t0, t0 + 750, t0 + 2250, t0 + 5250, t0 + 8250]);
  });

  test('a server that stalls is cut off by the per-attempt timeout and retried', async () => {
    const clock = new ManualClock();
    let attempts = 0;
    const fetch = ((_url: string, init: RequestInit) => {
      attempts++;
      if (attempts > 1) return Promise.resolve(ok());
      return stallUntilAborted(init);
    }) as unknown as typeof globalThis.fetch;
    const res = await sendWithPolicy(
      'mal',
      URL_,
      {},
      { fetch, timeoutMs: 20, retry: DEFAULT_RETRY_POLICY, clock, random: () => 0 },
    );
    expect(res.status).toBe(200);
    expect(attempts).toBe(2);
  });

  test('out of budget, the last answer comes back with its body, so the caller can say what went wrong', async () => {
    const clock = new ManualClock();
    const body = '{"error":"too_many_requests","message":"slow down"}';
    const { fetch } = scriptedFetch(clock, [
      () => new Response(body, { status: 429, headers: { 'Retry-After': '10' } }),
    ]);
    const res = await send(clock, fetch, { maxAttempts: 50, budgetMs: 25_000 });
    expect(res.status).toBe(429);
    expect(await res.text()).toBe(body);
  });

  test('isFinal sends a retryable status straight back when its body says waiting cannot help', async () => {
    const clock = new ManualClock();
    const invalidToken = () =>
      new Response('{"error":"invalid_token"}', { status: 403, headers: { 'Retry-After': '1' } });
    const dos = () => new Response('{"error":"forbidden","message":"DoS detected"}', { status: 403 });
    const isFinal = (r: { bodyText: string }) => r.bodyText.includes('invalid_token');
    const options = (fetch: typeof globalThis.fetch) => ({
      fetch,
      timeoutMs: 1000,
      retry: MAL_RETRY_POLICY,
      clock,
      isFinal,
      random: () => 0.5,
    });
    const dead = scriptedFetch(clock, [invalidToken, ok]);
    const res = await sendWithPolicy('mal', URL_, {}, options(dead.fetch));
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('{"error":"invalid_token"}');
    expect(dead.calls).toHaveLength(1);
    // The same status without that body is still a throttle, retried.
    const throttled = scriptedFetch(clock, [dos, ok]);
    expect((await sendWithPolicy('mal', URL_, {}, options(throttled.fetch))).status).toBe(200);
    expect(throttled.calls).toHaveLength(2);
  });

  describe("the invocation's deadline", () => {
    const sendBy = (clock: ManualClock, fetch: typeof globalThis.fetch, deadline: number, timeoutMs = 15_000) =>
      sendWithPolicy(
        'mal',
        URL_,
        { method: 'PATCH' },
        { fetch, timeoutMs, retry: DEFAULT_RETRY_POLICY, clock, random: () => 0.5, deadline: () => deadline },
      );

    test('no attempt starts at or after it', async () => {
      const clock = new ManualClock();
      const { fetch, calls } = scriptedFetch(clock, [ok]);
      const err = await sendBy(clock, fetch, clock.now()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OutOfTimeError);
      expect(err).toMatchObject({ code: 'out_of_time', retryable: true });
      expect(calls).toEqual([]);
    });

    test('a Retry-After that would end past it is not waited out: the 429 comes back at once', async () => {
      const clock = new ManualClock();
      const t0 = clock.now();
      const { fetch, calls } = scriptedFetch(clock, [tooMany({ 'Retry-After': '60' }), ok]);
      const res = await sendBy(clock, fetch, t0 + 30_000);
      expect(res.status).toBe(429);
      expect(calls).toEqual([t0]);
      expect(clock.now()).toBe(t0);
    });

    test('an attempt is cut short so that it ends by the deadline', async () => {
      let signal: AbortSignal | undefined;
      const started = Date.now();
      const stalling = ((_url: string, init: RequestInit) => {
        signal = init.signal ?? undefined;
        return stallUntilAborted(init);
      }) as unknown as typeof globalThis.fetch;
      const err = await sendWithPolicy(
        'mal',
        URL_,
        {},
        {
          fetch: stalling,
          timeoutMs: 60_000,
          retry: { ...DEFAULT_RETRY_POLICY, retryNetworkErrors: false },
          deadline: () => started + 50,
        },
      ).catch((e: unknown) => e);
      expect(signal?.aborted).toBe(true);
      expect(err).toBeInstanceOf(NetworkError);
      expect((err as Error).message).toMatch(/timed out after \d+ ms/);
      // The 60 s per-attempt timeout gave way to the deadline.
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });

  test.each(MAL_RETRY_POLICY.doNotRetry)('MAL policy: %i is final and never retried', async (status) => {
    const clock = new ManualClock();
    const { fetch, calls } = scriptedFetch(clock, [
      () => new Response('{}', { status, headers: { 'Retry-After': '1' } }),
    ]);
    const res = await sendWithPolicy('mal', URL_, {}, { fetch, timeoutMs: 1000, retry: MAL_RETRY_POLICY, clock });
    expect(res.status).toBe(status);
    expect(calls).toHaveLength(1);
  });
});

describe('a persistent 429 at system level leaves the work for the next run', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system?.close();
  });

  // [Retry-After, attempts per write, logical seconds waited per write]. Since the throttle breaker
  // (shared/sync/throttle.ts) a throttled write is not retried in the request, whatever Retry-After
  // says (it was 4 attempts and 3 s for Retry-After 1 s); three in a row pause MAL for the next run.
  test.each([
    [3600, 1, 0],
    [1, 1, 0],
  ])(
    'Retry-After %i s: each write makes %i attempt(s), waits %i s, then goes to the retry list; the run after the pause applies it once',
    async (retryAfterSeconds, attempts, waitedSeconds) => {
      const clock = new ManualClock(Date.now());
      system = await startTestSystem({ clock, env: { HTTP_MAX_ATTEMPTS: '4' } });
      await authorize(system);
      clock.advance(60_000);
      const edited = system
        .anilist!.store.entries()
        .filter((e) => e.media?.idMal && !e.private)
        .slice(0, 3);
      for (const e of edited) system.anilist!.store.upsertEntry({ id: e.id, progress: e.progress + 1 });
      const differing = await differingMalIds(system);
      expect(differing).toHaveLength(3);
      const before = patchCount(system);

      system.mal!.faults.inject({ route: 'write', kind: 429, retryAfterSeconds, times: 1000 });
      const t0 = clock.now();
      const first = await system.runSync();
      expect(clock.now() - t0).toBe(3 * waitedSeconds * 1000);
      expect(first).toMatchObject({ status: 'partial' });
      expect(resultOf(first)).toMatchObject({ status: 'partial', failed: 3, retryQueue: 3, written: 0 });
      expect(patchCount(system) - before).toBe(3 * attempts);
      for (const failure of sectionOf(system.reports.at(-1)!).failures) {
        expect(failure).toMatchObject({
          permanent: false,
          code: 'mal_rate_limited',
          error: 'MyAnimeList asked to slow down (HTTP 429)',
        });
      }
      const state = await malState(system.store);
      expect(state.pending.map((p) => p.entry.id).sort()).toEqual(edited.map((e) => e.id).sort());
      // A throttled write does not count towards giving up on the entry.
      expect(state.pending.every((p) => !p.permanent && p.attempts === 0)).toBe(true);
      for (const p of state.pending) expect(state.watermark).toBeLessThan(p.entry.updatedAt);
      expect(state.throttled).toMatchObject({ strikes: 1, skipRuns: 1 });

      // MAL recovers: the next scheduled run sits the pause out, the one after applies exactly the queued work.
      system.mal!.faults.clear();
      expect(resultOf(await system.runSync())).toMatchObject({ status: 'partial', written: 0, retryQueue: 3 });
      expect(patchCount(system) - before).toBe(3 * attempts);
      const second = await system.runSync();
      expect(second).toMatchObject({ status: 'ok' });
      expect(resultOf(second)).toMatchObject({ status: 'ok', retryQueue: 0, written: 3 });
      expect(patchCount(system) - before).toBe(3 * attempts + 3);
      expect(await differingMalIds(system)).toEqual([]);
      await expectMalMirrorsAniList(system);
    },
  );
});
