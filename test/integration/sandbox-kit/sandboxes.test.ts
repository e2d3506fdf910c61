import { type AniListSandbox, startAniListSandbox } from '../../../local/sandbox/anilist';
import { type MalSandbox, startMalSandbox } from '../../../local/sandbox/mal/server';

/**
 * The kit's fault API and control endpoints on the real sandboxes: what a client in another
 * process (or another language) uses against a sandbox started alone.
 */

const CLIENT_ID = 'kit-client';
let mal: MalSandbox | undefined;
let anilist: AniListSandbox | undefined;

afterEach(async () => {
  await mal?.close();
  await anilist?.close();
  mal = undefined;
  anilist = undefined;
});

/** `base` is a sandbox's URL (AniList's ends in a slash, MAL's does not). */
function injectOverHttp(base: string, spec: unknown): Promise<Response> {
  return fetch(new URL('/_sandbox/faults', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
}

async function startMal(): Promise<{
  sandbox: MalSandbox;
  patch: (animeId: number, form: string) => Promise<Response>;
}> {
  const sandbox = await startMalSandbox({ clientId: CLIENT_ID });
  mal = sandbox;
  const token = sandbox.state.issueTokensDirectly().accessToken;
  const patch = (animeId: number, form: string) =>
    fetch(`${sandbox.apiUrl}/anime/${animeId}/my_list_status`, {
      method: 'PATCH',
      headers: {
        'X-MAL-CLIENT-ID': CLIENT_ID,
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: form,
    });
  return { sandbox, patch };
}

describe('MAL sandbox on the kit', () => {
  test('a lost write is applied on MAL, though the client only sees the connection drop', async () => {
    const { sandbox, patch } = await startMal();
    expect((await injectOverHttp(sandbox.url, { route: 'write', kind: 'lost' })).status).toBe(201);
    await expect(patch(21, 'status=watching&num_watched_episodes=3')).rejects.toThrow();
    expect(sandbox.state.getEntry(21)?.listStatus).toMatchObject({ status: 'watching', num_episodes_watched: 3 });
    expect(sandbox.faults.pending()).toBe(0);
  });

  test("a lost write answered 503 gets the gateway's HTML page, and is applied all the same", async () => {
    const { sandbox, patch } = await startMal();
    sandbox.faults.inject({ route: 'write', kind: 'lost', status: 503 });
    const res = await patch(21, 'score=7');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('503 Service Temporarily Unavailable');
    expect(sandbox.state.getEntry(21)?.listStatus.score).toBe(7);
  });

  test('counters over HTTP are the sandbox counters, and control requests are not among them', async () => {
    const { sandbox, patch } = await startMal();
    await patch(21, 'score=7');
    await injectOverHttp(sandbox.url, { route: 'any', kind: 500 });
    const counters = await (await fetch(new URL('/_sandbox/counters', sandbox.url))).json();
    expect(counters).toEqual(sandbox.counters);
    expect(counters).toEqual({
      requests: 1,
      api: 1,
      oauth: 0,
      byRoute: { 'PATCH /v2/anime/:id/my_list_status': 1 },
    });
  });

  test("only MAL's routes are accepted over HTTP", async () => {
    const { sandbox } = await startMal();
    const res = await injectOverHttp(sandbox.url, { route: 'page:2', kind: 500 });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/"page:2" is not a route of this sandbox/);
    expect(sandbox.faults.pending()).toBe(0);
  });
});

const MEDIA_LIST_QUERY =
  '{ MediaListCollection(userName: "MirrorSample", type: ANIME) { lists { entries { id progress } } } }';

async function startAniList(): Promise<{ sandbox: AniListSandbox; read: () => Promise<Response> }> {
  const sandbox = await startAniListSandbox();
  anilist = sandbox;
  const read = () =>
    fetch(sandbox.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: MEDIA_LIST_QUERY }),
    });
  return { sandbox, read };
}

describe('AniList sandbox on the kit', () => {
  test("a status fault injected over HTTP comes in AniList's error envelope, with its Date header", async () => {
    const { sandbox, read } = await startAniList();
    await injectOverHttp(sandbox.url, { route: 'chunk:1', kind: 503 });
    const res = await read();
    expect(res.status).toBe(503);
    expect(res.headers.get('date')).toBeTruthy();
    expect(await res.json()).toEqual({ data: null, errors: [{ message: 'Service Unavailable.', status: 503 }] });
    expect((await read()).status).toBe(200);
    expect(await (await fetch(new URL('/_sandbox/counters', sandbox.url))).json()).toEqual({
      requests: 2,
      byOperation: { MediaListCollection: 2 },
    });
  });

  test('a lost answer on a chunk: the read is served, then the connection drops', async () => {
    const { sandbox, read } = await startAniList();
    sandbox.faults.inject({ route: 'chunk:1', kind: 'lost' });
    await expect(read()).rejects.toThrow();
    expect(sandbox.counters.byOperation).toEqual({ MediaListCollection: 1 });
    expect((await read()).status).toBe(200);
  });

  test('DELETE /_sandbox/faults also forgets corrupted entries, as faults.clear() does', async () => {
    const { sandbox, read } = await startAniList();
    const entryId = sandbox.store.entries().find((e) => !e.private)!.id;
    sandbox.faults.corruptEntry(entryId, { progress: 'lots' });
    sandbox.faults.inject({ route: 'any', kind: 500, times: 3 });
    expect(await (await fetch(new URL('/_sandbox/faults', sandbox.url), { method: 'DELETE' })).json()).toEqual({
      pending: 0,
    });
    const body = (await (await read()).json()) as {
      data: { MediaListCollection: { lists: { entries: { id: number; progress: unknown }[] }[] } };
    };
    const entries = body.data.MediaListCollection.lists.flatMap((l) => l.entries);
    expect(entries.find((e) => e.id === entryId)?.progress).toEqual(expect.any(Number));
  });
});
