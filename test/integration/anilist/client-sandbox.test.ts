import {
  type AniListSandbox,
  type AniListSandboxOptions,
  generateAniListEntries,
  type SandboxEntry,
  startAniListSandbox,
} from '../../../local/sandbox/anilist';
import { type AniListClientOptions, createAniListClient } from '../../../shared/anilist/client';
import {
  AniListApiError,
  AniListGraphQLError,
  AniListInvalidTokenError,
  AniListMalformedResponseError,
  AniListRateLimitError,
  AniListUserNotFoundError,
} from '../../../shared/anilist/errors';
import type { AniListInvalidEntry } from '../../../shared/anilist/types';
import { ManualClock } from '../../../shared/clock';
import { NetworkError } from '../../../shared/errors';
import { type AttemptInfo, DEFAULT_RETRY_POLICY } from '../../../shared/http/policy';

const USER = 'MirrorSample';
const TOKEN = 'sandbox-owner-token';
const open: AniListSandbox[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function setup(sandboxOptions: AniListSandboxOptions = {}, clientOptions: Partial<AniListClientOptions> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sandbox = await startAniListSandbox({ clock, validToken: TOKEN, ...sandboxOptions });
  open.push(sandbox);
  const attempts: AttemptInfo[] = [];
  const issues: AniListInvalidEntry[] = [];
  const client = createAniListClient({
    url: sandbox.url,
    fetch,
    timeoutMs: 5_000,
    requestsPerMinute: 0,
    clock,
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 },
    onAttempt: (a) => attempts.push(a),
    onInvalidEntry: (i) => issues.push(i),
    ...clientOptions,
  });
  return { sandbox, client, clock, attempts, issues };
}

const publicEntries = (sandbox: AniListSandbox) => sandbox.store.entries().filter((e) => !e.private);
/** The sandbox's order for `UPDATED_TIME_DESC` (ties by id). */
const newestFirst = (entries: readonly SandboxEntry[]) =>
  [...entries].sort((a, b) => b.updatedAt - a.updatedAt || a.id - b.id);

describe('full read (MediaListCollection, chunked)', () => {
  it('reads 1203 entries in 3 chunks of 500 and deduplicates custom-list copies', async () => {
    const { sandbox, client } = await setup({ entries: generateAniListEntries(1203, 5) });
    const visible = publicEntries(sandbox);

    // Prove dedupe is needed: the raw collection holds more rows than unique entries.
    const raw = (await (
      await fetch(sandbox.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `{ MediaListCollection(userName: "${USER}", type: ANIME) { lists { entries { id } } } }`,
        }),
      })
    ).json()) as { data: { MediaListCollection: { lists: { entries: { id: number }[] }[] } } };
    const rawRows = raw.data.MediaListCollection.lists.flatMap((l) => l.entries).length;
    expect(rawRows).toBeGreaterThan(visible.length);
    sandbox.resetCounters();

    const result = await client.readAll(USER);
    expect(sandbox.counters).toEqual({ requests: 3, byOperation: { MediaListCollection: 3 } });
    expect(result.invalid).toEqual([]);
    expect(result.entries.map((e) => e.id).sort((a, b) => a - b)).toEqual(visible.map((e) => e.id));
    // Entries hidden from status lists live only in a custom list and must not be lost.
    const hidden = visible.find((e) => e.hiddenFromStatusLists)!;
    expect(result.entries.some((e) => e.id === hidden.id)).toBe(true);
    expect(result.entries.map((e) => e.updatedAt)).toEqual(newestFirst(visible).map((e) => e.updatedAt));
  });

  it('normalises fields and always reads POINT_100 scores, whatever the user format', async () => {
    const { sandbox, client } = await setup();
    expect(sandbox.store.user.scoreFormat).toBe('POINT_10_DECIMAL');
    const { entries } = await client.readAll(USER);
    const fmab = entries.find((e) => e.idMal === 5114)!;
    expect(fmab).toEqual({
      id: 4001,
      mediaId: 5114,
      idMal: 5114,
      title: 'Hagane no Renkinjutsushi: FULLMETAL ALCHEMIST',
      status: 'COMPLETED',
      score: 100,
      progress: 64,
      repeat: 1,
      notes: 'Rewatch every few years.',
      private: false,
      startedAt: { year: 2016, month: 3, day: 2 },
      completedAt: { year: 2016, month: 4, day: 20 },
      updatedAt: 1747900000,
      episodes: 64,
      format: 'TV',
    });
    // Still airing: AniList does not know the episode count yet.
    expect(entries.find((e) => e.idMal === 21)).toMatchObject({ title: 'ONE PIECE', episodes: null, format: 'TV' });
    expect(entries.find((e) => e.idMal === 199)).toMatchObject({ episodes: 1, format: 'MOVIE' });
    expect(entries.find((e) => e.idMal === 1535)!.score).toBe(84);
    expect(entries.find((e) => e.idMal === 30)!.score).toBe(5);
    // The sample's two media without a MAL id: the fictional one, and one only the id dataset knows the MAL id of.
    expect(
      entries
        .filter((e) => e.idMal === null)
        .map((e) => e.mediaId)
        .sort((a, b) => a - b),
    ).toEqual([99147, 900001]);
  });
});

describe('incremental read (Page.mediaList, UPDATED_TIME_DESC)', () => {
  it('steady state costs exactly one request', async () => {
    const { sandbox, client } = await setup({ entries: generateAniListEntries(1203, 5) });
    const sorted = newestFirst(publicEntries(sandbox));

    const none = await client.readChangedSince(USER, sorted[0]!.updatedAt);
    // serverTime: the sandbox's Date header, which follows its clock (second resolution).
    expect(none).toEqual({ entries: [], invalid: [], serverTime: Date.UTC(2026, 0, 1) });
    expect(sandbox.counters).toEqual({ requests: 1, byOperation: { Page: 1 } });

    sandbox.resetCounters();
    const { entries: one } = await client.readChangedSince(USER, sorted[1]!.updatedAt);
    expect(one.map((e) => e.id)).toEqual([sorted[0]!.id]);
    expect(sandbox.counters.requests).toBe(1);
  });

  it('pages until it meets the watermark and returns only newer entries, newest first', async () => {
    const { sandbox, client } = await setup({ entries: generateAniListEntries(1203, 5) });
    const sorted = newestFirst(publicEntries(sandbox));
    // Pick a watermark with exactly 120 strictly newer entries.
    const watermark = sorted[120]!.updatedAt;
    const expected = sorted.filter((e) => e.updatedAt > watermark);
    expect(expected.length).toBeGreaterThan(100);

    const result = await client.readChangedSince(USER, watermark);
    expect(result.entries.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(sandbox.counters.byOperation).toEqual({ Page: Math.ceil((expected.length + 1) / 50) });
  });

  it('stops when there is no next page', async () => {
    const { sandbox, client } = await setup();
    const result = await client.readChangedSince(USER, 0);
    expect(result.entries).toHaveLength(publicEntries(sandbox).length);
    expect(sandbox.counters.requests).toBe(1);
  });

  it('an edit (score, notes or dates) shows up in the next incremental read', async () => {
    const { sandbox, client, clock } = await setup();
    const watermark = Math.max(...sandbox.store.entries().map((e) => e.updatedAt));
    clock.set((watermark + 3600) * 1000);
    expect((await client.readChangedSince(USER, watermark)).entries).toEqual([]);

    clock.advance(60_000);
    sandbox.store.upsertEntry({ id: 4005, score: 90 });
    clock.advance(60_000);
    sandbox.store.upsertEntry({ id: 4020, completedAt: { year: null, month: null, day: null } });
    const { entries: changed } = await client.readChangedSince(USER, watermark);
    expect(changed.map((e) => [e.id, e.score])).toEqual([
      [4020, 86],
      [4005, 90],
    ]);
    expect(changed[0]!.completedAt).toEqual({ year: null, month: null, day: null });

    const next = Math.max(...changed.map((e) => e.updatedAt));
    sandbox.resetCounters();
    expect((await client.readChangedSince(USER, next)).entries).toEqual([]);
    expect(sandbox.counters.requests).toBe(1);
  });
});

describe('bounded reads and prune checks', () => {
  it('stops an incremental read at maxEntries and says so', async () => {
    const { sandbox, client } = await setup({ entries: generateAniListEntries(300, 6) });
    const sorted = newestFirst(publicEntries(sandbox));
    const result = await client.readChangedSince(USER, sorted[200]!.updatedAt, { maxEntries: 100 });
    expect(result.truncated).toBe(true);
    expect(sandbox.counters.requests).toBe(2);
    expect(result.entries.map((e) => e.id)).toEqual(sorted.slice(0, 100).map((e) => e.id));
  });

  it('findListedMedia answers which media are on the list, 50 per request', async () => {
    const { sandbox, client } = await setup({ entries: generateAniListEntries(300, 6) });
    const listed = publicEntries(sandbox)
      .slice(0, 70)
      .map((e) => e.mediaId);
    const gone = [9_990_001, 9_990_002];
    sandbox.resetCounters();
    expect(await client.findListedMedia(USER, [...gone, ...listed])).toEqual(new Set(listed));
    expect(sandbox.counters.byOperation).toEqual({ Page: 2 });
  });
});

describe('private entries and tokens', () => {
  it('hides private entries without a token and shows them to the owner', async () => {
    const { sandbox, client } = await setup();
    const withToken = createAniListClient({
      url: sandbox.url,
      fetch,
      timeoutMs: 5_000,
      requestsPerMinute: 0,
      token: TOKEN,
    });
    const privateIds = sandbox.store
      .entries()
      .filter((e) => e.private)
      .map((e) => e.id);
    expect(privateIds).toEqual([4017]);

    expect((await client.readAll(USER)).entries.some((e) => e.id === 4017)).toBe(false);
    expect((await client.readChangedSince(USER, 0)).entries.some((e) => e.id === 4017)).toBe(false);
    const { entries: all } = await withToken.readAll(USER);
    expect(all.find((e) => e.id === 4017)).toMatchObject({ private: true, idMal: 44511 });
    expect((await withToken.readChangedSince(USER, 0)).entries.some((e) => e.id === 4017)).toBe(true);
  });

  it('an invalid token fails even public reads, without retries', async () => {
    const { sandbox, client, attempts } = await setup({}, { token: 'revoked-token' });
    await expect(client.readAll(USER)).rejects.toBeInstanceOf(AniListInvalidTokenError);
    await expect(client.readChangedSince(USER, 0)).rejects.toMatchObject({
      code: 'anilist_invalid_token',
      status: 400,
    });
    expect(attempts.map((a) => a.status)).toEqual([400, 400]);
    expect(sandbox.counters.requests).toBe(2);
  });

  it('the token never appears in errors', async () => {
    const { client } = await setup({}, { token: 'revoked-token' });
    const err = (await client.readAll(USER).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toBeInstanceOf(AniListInvalidTokenError);
    expect(`${err.message} ${String(err.cause ?? '')} ${JSON.stringify(err)}`).not.toContain('revoked-token');
  });
});

describe('typed errors', () => {
  it('unknown user → AniListUserNotFoundError from both reads; names match case-insensitively', async () => {
    const { sandbox, client } = await setup();
    await expect(client.readAll('nobody-here')).rejects.toBeInstanceOf(AniListUserNotFoundError);
    await expect(client.readChangedSince('nobody-here', 0)).rejects.toMatchObject({
      code: 'anilist_user_not_found',
      userName: 'nobody-here',
      status: 404,
    });
    expect((await client.readAll('mirrorsample')).entries).toHaveLength(publicEntries(sandbox).length);
  });

  it('429 with Retry-After: the client waits and retries, then succeeds', async () => {
    const { sandbox, client, clock, attempts } = await setup({ rateLimitPerMinute: 2 });
    const before = clock.now();
    await client.readChangedSince(USER, 0);
    await client.readAll(USER);
    const { entries } = await client.readAll(USER);
    expect(entries.length).toBeGreaterThan(20);
    expect(attempts.map((a) => a.status)).toEqual([200, 200, 429, 200]);
    expect(clock.now() - before).toBeGreaterThanOrEqual(60_000);
    expect(sandbox.counters.requests).toBe(4);
  });

  it('429 that outlasts the retries → AniListRateLimitError with retryAfterMs', async () => {
    const { sandbox, client } = await setup();
    sandbox.faults.inject({ route: 'any', times: 10, kind: 429, retryAfterSeconds: 2 });
    const err = await client.readAll(USER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListRateLimitError);
    expect(err).toMatchObject({ retryAfterMs: 2_000, retryable: true, status: 429 });
    expect(sandbox.counters.requests).toBe(3);
  });

  it('a Retry-After longer than the policy accepts is not waited out', async () => {
    const { sandbox, client, clock } = await setup(
      { rateLimitPerMinute: 1, rateLimitWindowMs: 60_000 },
      { retry: { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 1_000 } },
    );
    await client.readAll(USER);
    const before = clock.now();
    const err = await client.readAll(USER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListRateLimitError);
    expect((err as AniListRateLimitError).retryAfterMs).toBe(60_000);
    expect(clock.now()).toBe(before);
    expect(sandbox.counters.requests).toBe(2);
  });

  it('GraphQL errors inside HTTP 200 → AniListGraphQLError', async () => {
    const { sandbox, client } = await setup();
    sandbox.faults.inject({
      route: 'any',
      kind: 'body',
      body: { data: null, errors: [{ message: 'Something broke' }] },
    });
    const err = await client.readChangedSince(USER, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListGraphQLError);
    expect(err).toMatchObject({ status: 200, errors: [{ message: 'Something broke' }] });
  });

  it('an HTML block page → AniListApiError (403 is final, not retried)', async () => {
    const { sandbox, client } = await setup();
    sandbox.faults.inject({ route: 'any', kind: 'html', status: 403 });
    const err = await client.readAll(USER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListApiError);
    expect(err).toMatchObject({ code: 'anilist_api_error', status: 403 });
    expect((err as Error).message).toContain('Cloudflare');
    expect(sandbox.counters.requests).toBe(1);
  });

  it('a CDN page served with HTTP 200 → AniListMalformedResponseError naming the status and the page title', async () => {
    const { sandbox, client } = await setup();
    sandbox.faults.inject({ route: 'any', kind: 'html', status: 200 });
    const err = await client.readAll(USER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListMalformedResponseError);
    expect(err).toMatchObject({ code: 'anilist_malformed_response', status: 200, retryable: true });
    expect((err as Error).message).toContain('text/html');
    expect((err as Error).message).toContain('Attention Required! | Cloudflare');
    expect((err as Error).message).not.toContain('<body>');
    expect(sandbox.counters.requests).toBe(1);
  });

  it('truncated JSON in a 200 → AniListMalformedResponseError', async () => {
    const { sandbox, client } = await setup();
    sandbox.faults.inject({
      route: 'any',
      kind: 'body',
      body: '{"data":{"Page":{"pageInfo":{"hasNextPage":tr',
      contentType: 'application/json; charset=utf-8',
    });
    const err = await client.readChangedSince(USER, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListMalformedResponseError);
    expect(err).toMatchObject({ code: 'anilist_malformed_response', retryable: true });
  });

  it('JSON in a 200 that is not a GraphQL result → AniListMalformedResponseError', async () => {
    // The sandbox never sends this; a fetch that swaps its answer's body stands in for such a server.
    const { sandbox } = await setup();
    const client = createAniListClient({
      url: sandbox.url,
      timeoutMs: 5_000,
      requestsPerMinute: 0,
      fetch: async (input, init) => {
        const real = await fetch(input, init);
        return new Response('[1, 2]', { status: real.status, headers: real.headers });
      },
    });
    const err = await client.readAll(USER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListMalformedResponseError);
    expect(err).toMatchObject({ code: 'anilist_malformed_response', retryable: true });
  });

  it('a request that cannot be built → AniListApiError, and nothing is sent', async () => {
    let sent = 0;
    const client = createAniListClient({
      url: 'not a url',
      timeoutMs: 5_000,
      requestsPerMinute: 0,
      fetch: async (input, init) => {
        sent++;
        return fetch(input, init);
      },
    });
    const err = await client.readAll(USER).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListApiError);
    expect((err as Error).message).toMatch(/^AniList request could not be sent: /);
    expect(sent).toBe(0);
  });

  it('an outage in the middle of a paged read is retried; a lasting one fails typed and retryable', async () => {
    const { sandbox, client, attempts } = await setup({ entries: generateAniListEntries(1203, 5) });
    sandbox.faults.inject({ route: 'chunk:2', times: 1, kind: 502 });
    const { entries } = await client.readAll(USER);
    expect(entries).toHaveLength(publicEntries(sandbox).length);
    expect(attempts.map((a) => a.status)).toEqual([200, 502, 200, 200]);

    sandbox.faults.inject({ route: 'page:2', times: 5, kind: 500 });
    const err = await client.readChangedSince(USER, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AniListApiError);
    expect(err).toMatchObject({ status: 500, retryable: true });
  });

  it('connection resets and timeouts are retried; if they persist the NetworkError surfaces', async () => {
    const { sandbox, client } = await setup({}, { timeoutMs: 300 });
    sandbox.faults.inject({ route: 'any', kind: 'reset' });
    sandbox.faults.inject({ route: 'any', kind: 'timeout' });
    expect((await client.readAll(USER)).entries.length).toBeGreaterThan(20);
    expect(sandbox.counters.requests).toBe(3);

    sandbox.faults.inject({ route: 'any', times: 3, kind: 'reset' });
    await expect(client.readAll(USER)).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('malformed entries (documented: skipped and reported, the rest is used)', () => {
  it('a broken entry is skipped with its id; the page and the list survive', async () => {
    const { sandbox, client, issues } = await setup();
    sandbox.faults.corruptEntry(4002, { progress: 'lots' }); // Steins;Gate: also repeated in "Favourites"
    sandbox.faults.corruptEntry(4006, { status: 'REWATCHING_SOON' });

    const result = await client.readAll(USER);
    expect(result.entries).toHaveLength(publicEntries(sandbox).length - 1);
    expect(result.entries.some((e) => e.id === 4002)).toBe(false);
    expect(result.entries.find((e) => e.id === 4006)!.status).toBe('REWATCHING_SOON');
    expect(result.invalid).toEqual([
      {
        entryId: 4002,
        mediaId: 9253,
        location: expect.stringContaining('chunk 1'),
        reason: expect.stringContaining('progress'),
      },
    ]);
    expect(issues).toEqual(result.invalid);
  });

  it('incremental reads report the broken entry and still stop at the watermark', async () => {
    const { sandbox, client, issues } = await setup();
    const sorted = newestFirst(publicEntries(sandbox));
    sandbox.faults.corruptEntry(sorted[0]!.id, { media: 'not an object' });
    const result = await client.readChangedSince(USER, sorted[3]!.updatedAt);
    expect(result.entries.map((e) => e.id)).toEqual([sorted[1]!.id, sorted[2]!.id]);
    expect(result.invalid.map((i) => i.entryId)).toEqual([sorted[0]!.id]);
    expect(issues).toHaveLength(1);
    expect(sandbox.counters.requests).toBe(1);
  });
});

describe('list changing during a paged read', () => {
  it('an entry deleted between pages does not make the read skip the next one', async () => {
    const { sandbox, clock } = await setup({ entries: generateAniListEntries(300, 6) });
    const sorted = newestFirst(publicEntries(sandbox));
    const watermark = sorted[80]!.updatedAt;
    // After page 1 (entries 0..49), entry 3 is deleted: everything after it moves up by one, so
    // with page numbers entry 50 would now sit on page 1 and page 2 would start at 51.
    const { client, ran } = clientEditingBetweenPages(sandbox, clock, () => {
      sandbox.store.deleteEntry(sorted[3]!.id);
    });
    const result = await client.readChangedSince(USER, watermark);
    expect(ran()).toBe(true);
    expect(result.entries.map((e) => e.id)).toEqual(sorted.filter((e) => e.updatedAt > watermark).map((e) => e.id));
  });

  /** A client that runs `between` once, just before the read's second request. */
  function clientEditingBetweenPages(sandbox: AniListSandbox, clock: ManualClock, between: () => void) {
    let done = false;
    const client = createAniListClient({
      url: sandbox.url,
      requestsPerMinute: 0,
      timeoutMs: 5_000,
      clock,
      fetch: async (input, init) => {
        // The second request of the read excludes the media already read.
        if (!done && JSON.stringify(init?.body ?? '').includes('seenMediaIds')) {
          done = true;
          between();
        }
        return fetch(input, init);
      },
    });
    return { client, ran: () => done };
  }

  it('an entry not read yet that is edited between pages is read once, in its new version', async () => {
    const { sandbox, clock } = await setup({ entries: generateAniListEntries(300, 6) });
    const sorted = newestFirst(publicEntries(sandbox));
    const watermark = sorted[80]!.updatedAt;
    // An entry older than the watermark is edited and jumps to the top of what is still unread.
    const moved = sorted[120]!;
    const { client, ran } = clientEditingBetweenPages(sandbox, clock, () => {
      clock.set((sorted[0]!.updatedAt + 60) * 1000);
      sandbox.store.upsertEntry({ id: moved.id, progress: moved.progress + 1 });
    });
    const result = await client.readChangedSince(USER, watermark);
    expect(ran()).toBe(true);
    const newer = sorted.filter((e) => e.updatedAt > watermark).map((e) => e.id);
    expect(result.entries.map((e) => e.id)).toEqual([...newer.slice(0, 50), moved.id, ...newer.slice(50)]);
    expect(result.entries[50]).toMatchObject({ id: moved.id, progress: moved.progress + 1 });
  });

  it('an entry already read that is edited between pages is not repeated, and stays after serverTime', async () => {
    const { sandbox, client, clock } = await setup({ entries: generateAniListEntries(300, 6) });
    const sorted = newestFirst(publicEntries(sandbox));
    const watermark = sorted[80]!.updatedAt;
    const moved = sorted[10]!;
    const { client: editing } = clientEditingBetweenPages(sandbox, clock, () => {
      clock.set((sorted[0]!.updatedAt + 60) * 1000);
      sandbox.store.upsertEntry({ id: moved.id, progress: moved.progress + 1 });
    });
    clock.set((sorted[0]!.updatedAt + 30) * 1000);
    const result = await editing.readChangedSince(USER, watermark);
    expect(result.entries.map((e) => e.id)).toEqual(sorted.filter((e) => e.updatedAt > watermark).map((e) => e.id));
    expect(result.entries.find((e) => e.id === moved.id)!.progress).toBe(moved.progress);
    // The edit happened after the read began, so it is newer than the read's server time: a
    // watermark kept below that time reads it next.
    expect(result.serverTime).toBe((sorted[0]!.updatedAt + 30) * 1000);
    const { entries: next } = await client.readChangedSince(USER, Math.floor(result.serverTime! / 1000));
    expect(next).toEqual([expect.objectContaining({ id: moved.id, progress: moved.progress + 1 })]);
  });
});
