import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AniListSandbox,
  type AniListSandboxOptions,
  buildAniListFixture,
  DEFAULT_SANDBOX_USER,
  generateAniListEntries,
  startAniListSandbox,
} from '../../../local/sandbox/anilist';
import { ManualClock } from '../../../shared/clock';

const open: AniListSandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(options: AniListSandboxOptions = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sandbox = await startAniListSandbox({ clock, validToken: 'owner-token', ...options });
  open.push(sandbox);
  return { sandbox, clock };
}

interface GqlResponse {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; status?: number }[] };
}

async function gql(sandbox: AniListSandbox, query: string, variables?: object, headers: Record<string, string> = {}) {
  const res = await fetch(sandbox.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse['body'] };
}

const collection = (r: GqlResponse) =>
  r.body.data!.MediaListCollection as {
    hasNextChunk: boolean;
    lists: { name: string; isCustomList: boolean; status: string | null; entries: { id: number; score: number }[] }[];
  };

describe('AniList sandbox protocol', () => {
  it('binds to 127.0.0.1 on a free port', async () => {
    const { sandbox } = await start();
    expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}/`);
    expect(sandbox.port).toBeGreaterThan(0);
  });

  it('answers validation errors with HTTP 400 = errors[].status and locations', async () => {
    const { sandbox } = await start();
    const r = await gql(sandbox, '{ Page { mediaList(userName: "MirrorSample") { nonexistentField } } }');
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Cannot query field "nonexistentField" on type "MediaList".',
          status: 400,
          locations: [{ line: 1, column: 48 }],
        },
      ],
    });
    expect((await gql(sandbox, '{ Page { ')).status).toBe(400);
  });

  it('unknown users get 404 "Not Found." with the root field set to null', async () => {
    const { sandbox } = await start();
    const user = await gql(sandbox, '{ User(name: "ghost") { id } }');
    expect(user.status).toBe(404);
    expect(user.body).toMatchObject({ data: { User: null }, errors: [{ message: 'Not Found.', status: 404 }] });
    const list = await gql(sandbox, '{ MediaListCollection(userName: "ghost", type: ANIME) { hasNextChunk } }');
    expect(list.status).toBe(404);
    expect(list.body).toMatchObject({
      data: { MediaListCollection: null },
      errors: [{ message: 'Not Found.', status: 404 }],
    });
  });

  it('a wrong bearer token fails even public queries; the owner token reveals private entries', async () => {
    const { sandbox } = await start();
    const query = '{ MediaListCollection(userName: "MirrorSample", type: ANIME) { lists { entries { id private } } } }';
    const bad = await gql(sandbox, '{ User(name: "MirrorSample") { id } }', undefined, {
      authorization: 'Bearer nope',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ data: null, errors: [{ message: 'Invalid token', status: 400 }] });

    const ids = (r: GqlResponse) => collection(r).lists.flatMap((l) => l.entries.map((e) => e.id));
    expect(ids(await gql(sandbox, query))).not.toContain(4017);
    expect(ids(await gql(sandbox, query, undefined, { authorization: 'Bearer owner-token' }))).toContain(4017);

    expect((await gql(sandbox, '{ Viewer { name } }')).status).toBe(401);
    const viewer = await gql(sandbox, '{ Viewer { name } }', undefined, { authorization: 'Bearer owner-token' });
    expect(viewer.body.data).toEqual({ Viewer: { name: 'MirrorSample' } });
  });

  it('converts scores: requested format, else the user format', async () => {
    const { sandbox } = await start();
    const score = async (format: string) => {
      const r = await gql(
        sandbox,
        `{ Page { mediaList(userName: "MirrorSample", mediaId: 1535) { score${format} } } }`,
      );
      return (r.body.data!.Page as { mediaList: { score: number }[] }).mediaList[0]!.score;
    };
    expect(await score('')).toBe(8.4);
    expect(await score('(format: POINT_100)')).toBe(84);
    expect(await score('(format: POINT_10)')).toBe(8);
    expect(await score('(format: POINT_5)')).toBe(4);
    expect(await score('(format: POINT_3)')).toBe(3);
  });

  it('caps perPage at 50 and reports pageInfo', async () => {
    const { sandbox } = await start({ entries: generateAniListEntries(120, 4) });
    const visible = sandbox.store.entries().filter((e) => !e.private).length;
    const page = async (n: number) =>
      (
        await gql(
          sandbox,
          'query($p: Int) { Page(page: $p, perPage: 100) { pageInfo { total perPage currentPage lastPage hasNextPage } mediaList(userName: "MirrorSample", type: ANIME, sort: [UPDATED_TIME_DESC]) { id updatedAt } } }',
          { p: n },
        )
      ).body.data!.Page as { pageInfo: Record<string, unknown>; mediaList: { id: number; updatedAt: number }[] };
    const first = await page(1);
    expect(first.pageInfo).toEqual({ total: visible, perPage: 50, currentPage: 1, lastPage: 3, hasNextPage: true });
    expect(first.mediaList).toHaveLength(50);
    const updated = first.mediaList.map((e) => e.updatedAt);
    expect(updated).toEqual([...updated].sort((a, b) => b - a));
    const last = await page(3);
    expect(last.pageInfo.hasNextPage).toBe(false);
    expect(last.mediaList).toHaveLength(visible - 100);
  });

  it('chunks collections, clamps perChunk > 500 by default and can refuse it instead', async () => {
    const { sandbox } = await start({ entries: generateAniListEntries(700, 4) });
    const q =
      'query($c: Int, $n: Int) { MediaListCollection(userName: "MirrorSample", type: ANIME, chunk: $c, perChunk: $n) { hasNextChunk lists { entries { id } } } }';
    const unique = (r: GqlResponse) => new Set(collection(r).lists.flatMap((l) => l.entries.map((e) => e.id))).size;
    const c1 = await gql(sandbox, q, { c: 1, n: 1000 });
    expect(collection(c1).hasNextChunk).toBe(true);
    expect(unique(c1)).toBe(500);
    const c2 = await gql(sandbox, q, { c: 2, n: 1000 });
    expect(collection(c2).hasNextChunk).toBe(false);
    expect(unique(c1) + unique(c2)).toBe(sandbox.store.entries().filter((e) => !e.private).length);

    const strict = (await start({ perChunkOverflow: 'error' })).sandbox;
    const refused = await gql(strict, q, { c: 1, n: 1000 });
    expect(refused.status).toBe(400);
  });

  it('splits Completed by format unless forceSingleCompletedList', async () => {
    const { sandbox } = await start({ entries: generateAniListEntries(200, 4) });
    sandbox.store.setUser({ splitCompletedSectionByFormat: true });
    const names = async (force: boolean) =>
      collection(
        await gql(
          sandbox,
          `{ MediaListCollection(userName: "MirrorSample", type: ANIME, forceSingleCompletedList: ${force}) { lists { name isCustomList status entries { id } } } }`,
        ),
      ).lists.map((l) => l.name);
    expect((await names(false)).filter((n) => n.startsWith('Completed ')).length).toBeGreaterThan(1);
    expect((await names(true)).filter((n) => n.startsWith('Completed'))).toEqual(['Completed']);
    expect(await names(true)).toContain('Favourites');
  });

  it('rate limits: headers on every response, 429 with Retry-After for the window, then recovers', async () => {
    const { sandbox, clock } = await start({ rateLimitPerMinute: 2, rateLimitWindowMs: 10_000 });
    const q = '{ User(name: "MirrorSample") { id } }';
    const first = await gql(sandbox, q);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await gql(sandbox, q);
    const limited = await gql(sandbox, q);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ data: null, errors: [{ message: 'Too Many Requests.', status: 429 }] });
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(String((clock.now() + 10_000) / 1000));
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    clock.advance(9_000);
    expect((await gql(sandbox, q)).status).toBe(429);
    clock.advance(1_000);
    expect((await gql(sandbox, q)).status).toBe(200);
  });

  it('counts requests per root field and resets the counters', async () => {
    const { sandbox } = await start();
    await gql(sandbox, '{ User(name: "MirrorSample") { id } }');
    await gql(sandbox, '{ a: User(name: "MirrorSample") { id } Page { pageInfo { total } } }');
    expect(sandbox.counters).toEqual({ requests: 2, byOperation: { User: 2, Page: 1 } });
    sandbox.resetCounters();
    expect(sandbox.counters).toEqual({ requests: 0, byOperation: {} });
  });

  it('rejects non-POST and non-JSON requests clearly', async () => {
    const { sandbox } = await start();
    expect((await fetch(sandbox.url)).status).toBe(405);
    const bad = await fetch(sandbox.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'nope',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/Invalid JSON body/);
  });

  it('serves a fixture file, with scores converted from the user format', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'anilist-sandbox-'));
    try {
      const user = { ...DEFAULT_SANDBOX_USER, name: 'FileUser', scoreFormat: 'POINT_5' as const };
      const entries = generateAniListEntries(30, 11).map((e) => ({ ...e, score: e.score === 0 ? 0 : 80 }));
      const file = path.join(dir, 'list.json');
      writeFileSync(file, JSON.stringify(buildAniListFixture(user, entries)));
      const { sandbox } = await start({ fixture: file });
      expect(sandbox.store.user.name).toBe('FileUser');
      const r = await gql(
        sandbox,
        '{ MediaListCollection(userName: "FileUser", type: ANIME) { lists { entries { id score(format: POINT_100) } } } }',
      );
      const scores = new Set(collection(r).lists.flatMap((l) => l.entries.map((e) => e.score)));
      expect([...scores].sort()).toEqual(entries.some((e) => e.score === 0) ? [0, 80] : [80]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close() ends requests held open by a timeout fault', async () => {
    const { sandbox } = await start();
    sandbox.faults.inject({ route: 'any', kind: 'timeout' });
    const pending = fetch(sandbox.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ User(name: "MirrorSample") { id } }' }),
    }).then(
      () => 'answered',
      () => 'failed',
    );
    while (sandbox.counters.requests === 0) await new Promise((r) => setImmediate(r));
    await open.splice(0)[0]!.close();
    expect(await pending).toBe('failed');
  });
});
