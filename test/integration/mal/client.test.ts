import { type MalSandbox, type MalSandboxOptions, startMalSandbox } from '../../../local/sandbox/mal/server';
import { ManualClock } from '../../../shared/clock';
import { createMalClient, MAL_RETRY_POLICY, type MalClientOptions } from '../../../shared/destinations/mal/client';
import {
  MalApiError,
  MalAuthError,
  MalInvalidInputError,
  MalRateLimitError,
  MalResponseError,
} from '../../../shared/destinations/mal/errors';
import { createMalAuth } from '../../../shared/destinations/mal/oauth';
import type { MalWriteFields } from '../../../shared/destinations/mal/types';
import { NetworkError } from '../../../shared/errors';
import type { AttemptInfo, RetryPolicy } from '../../../shared/http/policy';
import { BrokenRefreshProvider, SandboxTokenProvider } from './helpers';

const CLIENT_ID = 'client-under-test';
const LIST_ROUTE = 'GET /v2/users/@me/animelist';
const WRITE_ROUTE = 'PATCH /v2/anime/:id/my_list_status';
const DELETE_ROUTE = 'DELETE /v2/anime/:id/my_list_status';

let sandbox: MalSandbox;

async function start(extra: Partial<MalSandboxOptions> = {}): Promise<MalSandbox> {
  sandbox = await startMalSandbox({ clientId: CLIENT_ID, ...extra });
  return sandbox;
}

afterEach(async () => {
  await sandbox?.close();
});

function setup(overrides: Partial<MalClientOptions> & { retry?: RetryPolicy } = {}) {
  const oauth = createMalAuth({
    oauthUrl: sandbox.oauthUrl,
    apiUrl: sandbox.apiUrl,
    clientId: CLIENT_ID,
    fetch,
    timeoutMs: 5_000,
  });
  const tokens = new SandboxTokenProvider(oauth, sandbox.state.issueTokensDirectly());
  const clock = new ManualClock();
  const attempts: AttemptInfo[] = [];
  const client = createMalClient({
    apiUrl: sandbox.apiUrl,
    clientId: CLIENT_ID,
    tokens,
    fetch,
    timeoutMs: 5_000,
    requestsPerMinute: 0,
    clock,
    random: () => 0.5,
    onAttempt: (info) => attempts.push(info),
    ...overrides,
  });
  return { client, tokens, clock, attempts, oauth };
}

describe('MAL client against the sandbox', () => {
  test('listAll follows paging.next across more than 1000 entries, nsfw entries included', async () => {
    await start({ anime: [{ id: 777_777, title: 'Adult Title', num_episodes: 2, nsfw: true }] });
    const entries = Array.from({ length: 2345 }, (_, i) => ({
      animeId: i + 1_000,
      listStatus: { status: 'watching' as const, score: i % 11, num_episodes_watched: i % 7 },
    }));
    sandbox.state.setList([...entries, { animeId: 777_777, listStatus: { status: 'completed' } }]);
    const { client, attempts } = setup();

    const list = await client.listAll();

    expect(list).toHaveLength(2346);
    expect(list.map((e) => e.animeId)).toEqual([...entries.map((e) => e.animeId), 777_777]);
    expect(list[5]).toMatchObject({
      animeId: 1005,
      title: 'Anime #1005',
      listStatus: { score: 5, num_episodes_watched: 5 },
    });
    expect(sandbox.counters.byRoute[LIST_ROUTE]).toBe(3);
    expect(attempts.map((a) => a.status)).toEqual([200, 200, 200]);
  });

  test('paces requests to one a second by default', async () => {
    await start();
    const { client, clock } = setup({ requestsPerMinute: undefined });
    const before = clock.now();
    await client.update(1, { score: 1 });
    await client.update(1, { score: 2 });
    await client.update(1, { score: 3 });
    // The manual clock only moves when the pacer sleeps: two gaps of 1 s between three starts.
    expect(clock.now() - before).toBe(2_000);
  });

  test('listAllRaw returns MAL-shaped items merged over pages with all requested list_status fields', async () => {
    await start();
    sandbox.state.setList([
      { animeId: 1, listStatus: { status: 'completed', score: 9, comments: 'classic', tags: ['space'] } },
      { animeId: 21, listStatus: { status: 'watching', num_episodes_watched: 1000, start_date: '2020-05-01' } },
    ]);
    const { client } = setup();
    const raw = await client.listAllRaw();
    expect(raw.paging).toEqual({});
    expect(raw.data).toEqual(sandbox.state.listResponse().data);
    expect(raw.data[0]).toMatchObject({
      node: { id: 1, title: 'Cowboy Bebop', num_episodes: 26 },
      list_status: { comments: 'classic', tags: ['space'], priority: 0, rewatch_value: 0, num_times_rewatched: 0 },
    });
  });

  test('update sends the write name and reads back the read name; an empty date clears', async () => {
    await start();
    const { client } = setup();
    const written = await client.update(21, {
      status: 'watching',
      num_watched_episodes: 5,
      score: 8,
      is_rewatching: false,
      start_date: '2024-01-02',
      comments: 'notes & "quotes"',
    });
    expect(written).toMatchObject({ status: 'watching', num_episodes_watched: 5, score: 8, start_date: '2024-01-02' });
    expect(written.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);

    const [entry] = await client.listAll();
    expect(entry).toMatchObject({
      animeId: 21,
      title: 'One Piece',
      listStatus: { num_episodes_watched: 5, comments: 'notes & "quotes"', start_date: '2024-01-02' },
    });

    const cleared = await client.update(21, { start_date: '' });
    expect(cleared.start_date).toBeUndefined();
    expect(cleared.num_episodes_watched).toBe(5);
    expect(sandbox.state.getEntry(21)?.listStatus.start_date).toBeUndefined();
  });

  test('rewatching is sent as the string "true" and stored as a boolean', async () => {
    await start();
    const { client } = setup();
    const written = await client.update(1, { status: 'completed', is_rewatching: true, num_times_rewatched: 2 });
    expect(written).toMatchObject({ status: 'completed', is_rewatching: true, num_times_rewatched: 2 });
  });

  test('partial dates (PARTIAL_DATES=send) reach a MAL that accepts them, and one that does not says so', async () => {
    await start({ acceptPartialDates: true });
    const { client } = setup();
    const written = await client.update(21, { status: 'watching', start_date: '2024-05', finish_date: '2025' });
    expect(written).toMatchObject({ start_date: '2024-05', finish_date: '2025' });
    expect((await client.listAll())[0]!.listStatus).toMatchObject({ start_date: '2024-05', finish_date: '2025' });
    await sandbox.close();

    await start({ acceptPartialDates: false });
    const strict = setup().client;
    const err = await strict.update(21, { status: 'watching', start_date: '2024-05' }).catch((e: unknown) => e);
    // A permanent rejection: reported in the run, retried only when the entry changes or daily.
    expect(err).toMatchObject({ status: 400, retryable: false });
  });

  test('unknown fields are refused before anything is sent', async () => {
    await start();
    const { client } = setup();
    const bad = { status: 'watching', num_episodes_watched: 3 } as unknown as MalWriteFields;
    await expect(client.update(21, bad)).rejects.toThrow(MalInvalidInputError);
    await expect(client.update(21, bad)).rejects.toThrow(/num_watched_episodes/);
    await expect(client.update(0, { score: 1 })).rejects.toThrow(MalInvalidInputError);
    expect(sandbox.counters.requests).toBe(0);
  });

  test('a value the sandbox rejects comes back as a permanent MalApiError', async () => {
    await start({ episodeOverflow: 'reject' });
    const { client } = setup();
    const err = await client.update(1, { num_watched_episodes: 27 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalApiError);
    expect(err).toMatchObject({ status: 400, malError: 'bad_request', retryable: false, code: 'mal_request_rejected' });
    expect(sandbox.state.getEntry(1)).toBeUndefined();
  });

  test('remove deletes, and a 404 for an entry that is already gone counts as done', async () => {
    await start();
    sandbox.state.setList([{ animeId: 5114, listStatus: { status: 'completed' } }]);
    const { client, attempts } = setup();
    await client.remove(5114);
    expect(sandbox.state.getEntry(5114)).toBeUndefined();
    await expect(client.remove(5114)).resolves.toBeUndefined();
    expect(attempts.map((a) => a.status)).toEqual([200, 404]);
    expect(sandbox.counters.byRoute[DELETE_ROUTE]).toBe(2);
  });

  test('401 invalid_token: one refresh through the token endpoint, then success', async () => {
    await start();
    sandbox.state.setList([{ animeId: 1, listStatus: { status: 'watching' } }]);
    const { client, tokens } = setup();
    const firstAccess = tokens.current.accessToken;
    const firstRefresh = tokens.current.refreshToken;
    sandbox.state.expireAccessTokens();

    const list = await client.listAll();

    expect(list).toHaveLength(1);
    expect(tokens.refreshCalls).toBe(1);
    expect(tokens.staleTokensSeen).toEqual([firstAccess]);
    expect(tokens.current.refreshToken).not.toBe(firstRefresh);
    expect(sandbox.state.tokens().refreshes).toBe(1);
    expect(sandbox.counters.byRoute[LIST_ROUTE]).toBe(2);
    expect(sandbox.counters.byRoute['POST /v1/oauth2/token']).toBe(1);
  });

  test('403 invalid_token is not waited out as throttling: one refresh at once, then success', async () => {
    await start();
    sandbox.state.setList([{ animeId: 1, listStatus: { status: 'watching' } }]);
    // Some gateways answer a dead token with 403; MAL's own throttling answer is 403 "forbidden" too.
    sandbox.faults.inject({
      route: 'list',
      kind: 'body',
      status: 403,
      body: { error: 'invalid_token', message: 'token is invalid' },
    });
    const { client, tokens, clock, attempts } = setup();
    const before = clock.now();
    expect(await client.listAll()).toHaveLength(1);
    expect(tokens.refreshCalls).toBe(1);
    expect(attempts.filter((a) => a.service === 'mal').map((a) => a.status)).toEqual([403, 200]);
    expect(clock.now() - before).toBe(0);
  });

  test('a second 401 after the refresh is a MalAuthError, with no further refresh', async () => {
    await start();
    const provider = new BrokenRefreshProvider('never-issued');
    const { client } = setup({ tokens: provider });
    const err = await client.update(1, { score: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalAuthError);
    expect(err).toMatchObject({ status: 401, malError: 'invalid_token', retryable: true });
    expect(provider.refreshCalls).toBe(1);
    expect(sandbox.counters.byRoute[WRITE_ROUTE]).toBe(2);
  });

  test('429 with Retry-After is waited out, then the request succeeds', async () => {
    await start();
    sandbox.faults.inject({ route: 'list', times: 1, kind: 429, retryAfterSeconds: 7 });
    const { client, clock, attempts } = setup();
    const before = clock.now();
    await expect(client.listAll()).resolves.toEqual([]);
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(clock.now() - before).toBeGreaterThanOrEqual(7_000);
  });

  test('reads: 403 throttling and 5xx are retried with backoff', async () => {
    await start();
    sandbox.faults.inject({ route: 'list', times: 1, kind: 403 });
    sandbox.faults.inject({ route: 'list', times: 1, kind: 500 });
    sandbox.faults.inject({ route: 'list', times: 1, kind: 503 });
    const { client, attempts } = setup({ retry: { ...MAL_RETRY_POLICY, maxAttempts: 4 } });
    await expect(client.listAll()).resolves.toEqual([]);
    expect(attempts.map((a) => a.status)).toEqual([403, 500, 503, 200]);
  });

  test('writes: 5xx are retried with backoff', async () => {
    await start();
    sandbox.faults.inject({ route: 'write', times: 1, kind: 500 });
    sandbox.faults.inject({ route: 'write', times: 1, kind: 503 });
    const { client, attempts } = setup({ retry: { ...MAL_RETRY_POLICY, maxAttempts: 4 } });
    await expect(client.update(1, { status: 'watching' })).resolves.toMatchObject({ status: 'watching' });
    expect(attempts.map((a) => a.status)).toEqual([500, 503, 200]);
  });

  // The sync core's throttle breaker decides what follows a throttled write (shared/sync/throttle.ts).
  test.each([
    ['429', 429],
    ['throttling 403', 403],
  ])('writes: a %s is not retried in the request: one attempt, a MalRateLimitError', async (_name, kind) => {
    await start();
    sandbox.faults.inject({ route: 'write', times: 4, kind });
    const { client, attempts } = setup({ retry: { ...MAL_RETRY_POLICY, maxAttempts: 4 } });
    const err = await client.update(1, { status: 'watching' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalRateLimitError);
    expect(err).toMatchObject({ status: kind, retryable: true });
    expect(attempts.map((a) => a.status)).toEqual([kind]);
    expect(sandbox.faults.pending()).toBe(3);
  });

  test('persistent 429 ends as MalRateLimitError carrying Retry-After', async () => {
    await start();
    sandbox.faults.inject({ route: 'write', times: 5, kind: 429, retryAfterSeconds: 2 });
    const { client } = setup({ retry: { ...MAL_RETRY_POLICY, maxAttempts: 2 } });
    const err = await client.update(1, { status: 'watching' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalRateLimitError);
    expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: 2_000 });
  });

  test('an HTML "Request blocked" page is a typed error, never a crash', async () => {
    await start();
    sandbox.faults.inject({ route: 'list', times: 1, kind: 'html', status: 200 });
    const { client } = setup();
    const err = await client.listAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalRateLimitError);
    expect(err).toMatchObject({ malError: 'request_blocked', retryable: true });
    expect((err as Error).message).toMatch(/Request blocked/);
  });

  test('a persistent gateway HTML page ends as a retryable MalApiError', async () => {
    await start();
    sandbox.faults.inject({ route: 'delete', times: 3, kind: 502 });
    const { client } = setup({ retry: { ...MAL_RETRY_POLICY, maxAttempts: 3 } });
    const err = await client.remove(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalApiError);
    expect(err).toMatchObject({ status: 502, malError: 'non_json_response', retryable: true, code: 'mal_unavailable' });
    expect((err as Error).message).toContain('502 Bad Gateway');
  });

  test('a timeout becomes a NetworkError', async () => {
    await start();
    sandbox.faults.inject({ route: 'list', times: 1, kind: 'timeout' });
    const { client } = setup({ timeoutMs: 300, retry: { ...MAL_RETRY_POLICY, maxAttempts: 1 } });
    await expect(client.listAll()).rejects.toThrow(NetworkError);
  });

  test('a reset connection is retried as a network error', async () => {
    await start();
    sandbox.state.setList([{ animeId: 21, listStatus: { status: 'watching', num_episodes_watched: 3 } }]);
    sandbox.faults.inject({ route: 'any', times: 1, kind: 'reset' });
    const { client, attempts } = setup();
    await expect(client.listAll()).resolves.toEqual([
      expect.objectContaining({ animeId: 21, listStatus: expect.objectContaining({ num_episodes_watched: 3 }) }),
    ]);
    expect(attempts.map((a) => a.status)).toEqual(['network-error', 200]);
  });

  test('sends X-MAL-CLIENT-ID with its token, so it works with a MAL that demands both', async () => {
    await start({ requireClientIdWithBearer: true });
    sandbox.state.setList([{ animeId: 21, listStatus: { status: 'watching', num_episodes_watched: 3 } }]);
    const { client } = setup();
    await expect(client.listAll()).resolves.toEqual([expect.objectContaining({ animeId: 21 })]);
  });

  test('sends X-MAL-CLIENT-ID: a client with the wrong id is refused', async () => {
    await start();
    const { client } = setup({ clientId: 'someone-else' });
    const err = await client.listAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalApiError);
    expect(err).toMatchObject({ status: 400, retryable: false });
  });

  test('an unknown list status from MAL is a clear MalResponseError naming the anime', async () => {
    await start();
    sandbox.faults.inject({
      route: 'list',
      kind: 'body',
      body: { data: [{ node: { id: 42, title: 'X' }, list_status: { status: 'rewatching', score: 0 } }], paging: {} },
    });
    const { client } = setup();
    const err = await client.listAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalResponseError);
    expect(err).toMatchObject({ retryable: false });
    expect((err as Error).message).toMatch(/anime 42.*"rewatching"/);
  });

  test('malformed JSON on a 200 is a MalResponseError, not a crash', async () => {
    await start();
    sandbox.faults.inject({
      route: 'write',
      kind: 'body',
      body: '{"status":"watching",',
      contentType: 'application/json',
    });
    const { client } = setup();
    const err = await client.update(1, { score: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalResponseError);
    expect(err).toMatchObject({ malError: 'invalid_json', status: 200 });
  });

  test('refuses to follow paging.next to another origin (the bearer token would go with it)', async () => {
    await start();
    sandbox.faults.inject({
      route: 'list',
      kind: 'body',
      body: { data: [], paging: { next: 'https://evil.example/v2/users/@me/animelist?offset=1' } },
    });
    const { client } = setup();
    await expect(client.listAll()).rejects.toThrow(/evil\.example/);
    expect(sandbox.counters.byRoute[LIST_ROUTE]).toBe(1);
  });
});
