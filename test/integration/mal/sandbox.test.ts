import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MalFixtureError,
  type MalSandbox,
  type MalSandboxOptions,
  startMalSandbox,
} from '../../../local/sandbox/mal/server';
import { ManualClock } from '../../../shared/clock';
import { verifier } from './helpers';

const CLIENT_ID = 'raw-client';

let sandbox: MalSandbox;
let token: string;

afterEach(async () => {
  await sandbox?.close();
});

async function start(extra: Partial<MalSandboxOptions> = {}) {
  sandbox = await startMalSandbox({ clientId: CLIENT_ID, ...extra });
  token = sandbox.state.issueTokensDirectly().accessToken;
  return sandbox;
}

function api(path: string, init: RequestInit & { auth?: string | null; clientId?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.clientId !== null) headers.set('X-MAL-CLIENT-ID', init.clientId ?? CLIENT_ID);
  if (init.auth !== null) headers.set('Authorization', `Bearer ${init.auth ?? token}`);
  return fetch(`${sandbox.apiUrl}${path}`, { ...init, headers });
}

function patch(
  animeId: number | string,
  form: Record<string, string>,
  contentType = 'application/x-www-form-urlencoded',
) {
  return api(`/anime/${animeId}/my_list_status`, {
    method: 'PATCH',
    headers: { 'Content-Type': contentType },
    body: new URLSearchParams(form).toString(),
  });
}

const SAMPLE_FIXTURE = {
  data: [
    {
      node: { id: 967, title: 'Hokuto no Ken', main_picture: { medium: 'https://example/m.jpg' }, num_episodes: 109 },
      list_status: {
        status: 'watching',
        score: 0,
        num_episodes_watched: 73,
        is_rewatching: false,
        updated_at: '2021-03-15T09:00:58+00:00',
        start_date: '2022-02-20',
      },
    },
    {
      node: { id: 1535, title: 'Death Note', num_episodes: 37 },
      list_status: { status: 'completed', score: 10, num_episodes_watched: 37, is_rewatching: false, comments: 'L' },
    },
  ],
  paging: {},
};

describe('MAL sandbox: list reads', () => {
  test('seeds from a fixture file and projects list_status to the requested fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mal-fixture-'));
    try {
      const path = join(dir, 'list.json');
      writeFileSync(path, JSON.stringify(SAMPLE_FIXTURE));
      await start({ fixture: path });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const minimal = await (await api('/users/@me/animelist?fields=list_status')).json();
    expect(minimal.paging).toEqual({});
    expect(minimal.data[0]).toEqual({
      node: { id: 967, title: 'Hokuto no Ken', main_picture: { medium: 'https://example/m.jpg' }, num_episodes: 109 },
      list_status: {
        status: 'watching',
        score: 0,
        num_episodes_watched: 73,
        is_rewatching: false,
        updated_at: '2021-03-15T09:00:58+00:00',
      },
    });
    const rich = await (await api('/users/@me/animelist?fields=list_status{comments,start_date,finish_date}')).json();
    expect(rich.data[0].list_status.start_date).toBe('2022-02-20');
    expect(rich.data[0].list_status).not.toHaveProperty('finish_date');
    expect(rich.data[1].list_status.comments).toBe('L');
    expect(rich.data[1].list_status).not.toHaveProperty('tags');
  });

  test('limit/offset paging: next and previous are full URLs; the last page has no next', async () => {
    await start();
    sandbox.state.setList(
      Array.from({ length: 5 }, (_, i) => ({ animeId: 100 + i, listStatus: { status: 'plan_to_watch' } })),
    );
    const first = await (await api('/users/@me/animelist?limit=2&fields=list_status&nsfw=true')).json();
    expect(first.data.map((d: { node: { id: number } }) => d.node.id)).toEqual([100, 101]);
    expect(first.paging.previous).toBeUndefined();
    const next = new URL(first.paging.next);
    expect(next.origin).toBe(sandbox.url);
    expect(next.searchParams.get('offset')).toBe('2');
    expect(next.searchParams.get('nsfw')).toBe('true');
    const last = await (await api(`${next.pathname.replace('/v2', '')}?offset=4&limit=2`)).json();
    expect(last.data).toHaveLength(1);
    expect(last.paging.next).toBeUndefined();
    expect(last.paging.previous).toContain('offset=2');
    const defaultPage = await (await api('/users/@me/animelist')).json();
    expect(defaultPage.data).toHaveLength(5);
  });

  test('limit above 1000 and bad offsets are 400', async () => {
    await start();
    expect((await api('/users/@me/animelist?limit=1001')).status).toBe(400);
    expect((await api('/users/@me/animelist?offset=-1')).status).toBe(400);
    expect((await api('/users/@me/animelist?sort=random')).status).toBe(400);
  });

  test('nsfw entries are hidden unless nsfw=true', async () => {
    await start({ anime: [{ id: 9001, title: 'Hidden', num_episodes: 1, nsfw: true }] });
    sandbox.state.setList([{ animeId: 9001, listStatus: { status: 'completed' } }]);
    expect((await (await api('/users/@me/animelist')).json()).data).toHaveLength(0);
    expect((await (await api('/users/@me/animelist?nsfw=true')).json()).data).toHaveLength(1);
  });

  test('listResponse has every list_status field, dates only when set', async () => {
    await start({ fixture: SAMPLE_FIXTURE });
    const body = sandbox.state.listResponse();
    expect(Object.keys(body.data[1]!.list_status).sort()).toEqual(
      [
        'comments',
        'is_rewatching',
        'num_episodes_watched',
        'num_times_rewatched',
        'priority',
        'rewatch_value',
        'score',
        'status',
        'tags',
        'updated_at',
      ].sort(),
    );
    expect(body.data[0]!.list_status.start_date).toBe('2022-02-20');
  });
});

describe('MAL sandbox: writes', () => {
  test("extra form fields are refused with MAL's 400 and the list is untouched", async () => {
    await start();
    const res = await patch(21, { status: 'watching', num_episodes_watched: '3' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'bad_request', message: 'This form should not contain extra fields.' });
    expect(sandbox.state.getEntry(21)).toBeUndefined();
  });

  test('values are validated', async () => {
    await start();
    const forms: Record<string, string>[] = [
      { score: '11' },
      { score: '7.5' },
      { status: 'rewatching' },
      { is_rewatching: 'yes' },
      { start_date: '2024-02-30' },
      { finish_date: '2024' },
      { priority: '3' },
    ];
    for (const form of forms) {
      const res = await patch(1, form);
      expect({ form, status: res.status }).toEqual({ form, status: 400 });
      expect((await res.json()).message).toBe(`invalid ${Object.keys(form)[0]}`);
    }
    expect(sandbox.state.list()).toEqual([]);
  });

  test('a PATCH adds the anime with the bare list_status as reply; PUT works too', async () => {
    const clock = new ManualClock(Date.UTC(2025, 4, 6, 7, 8, 9));
    await start({ clock });
    const res = await patch(123456, {
      status: 'watching',
      num_watched_episodes: '4',
      tags: 'a, b',
      is_rewatching: 'false',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'watching',
      score: 0,
      num_episodes_watched: 4,
      is_rewatching: false,
      updated_at: '2025-05-06T07:08:09+00:00',
      priority: 0,
      num_times_rewatched: 0,
      rewatch_value: 0,
      tags: ['a', 'b'],
      comments: '',
    });
    expect(sandbox.state.getEntry(123456)?.title).toBe('Anime #123456');
    clock.advance(1000);
    const put = await api('/anime/123456/my_list_status', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'score=6',
    });
    expect(await put.json()).toMatchObject({
      score: 6,
      num_episodes_watched: 4,
      updated_at: '2025-05-06T07:08:10+00:00',
    });
  });

  test('a JSON body is refused: MAL writes are form-encoded', async () => {
    await start();
    const res = await patch(1, {}, 'application/json');
    expect(res.status).toBe(400);
  });

  test('DELETE: 200 when present, 404 not_found when absent', async () => {
    await start({ fixture: SAMPLE_FIXTURE });
    const first = await api('/anime/967/my_list_status', { method: 'DELETE' });
    expect(first.status).toBe(200);
    const second = await api('/anime/967/my_list_status', { method: 'DELETE' });
    expect(second.status).toBe(404);
    expect(await second.json()).toEqual({ error: 'not_found' });
    expect(sandbox.state.list().map((e) => e.animeId)).toEqual([1535]);
  });
});

describe('MAL sandbox: API authentication', () => {
  test('a missing or unknown bearer is 401 invalid_token', async () => {
    await start();
    for (const auth of [null, 'bogus']) {
      const res = await api('/users/@me', { auth });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_token' });
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  test('an expired token says so in WWW-Authenticate', async () => {
    const clock = new ManualClock();
    await start({ clock, accessTokenTtlSeconds: 10 });
    expect((await api('/users/@me')).status).toBe(200);
    clock.advance(10_000);
    const res = await api('/users/@me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token",error_description="The access token expired"',
    );
  });

  test('a Bearer token alone is accepted, as MAL does; a wrong X-MAL-CLIENT-ID is refused', async () => {
    await start();
    expect((await api('/users/@me', { clientId: null })).status).toBe(200);
    expect((await api('/users/@me/animelist', { clientId: null })).status).toBe(200);
    const write = await api('/anime/21/my_list_status', {
      method: 'PATCH',
      clientId: null,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'status=watching',
    });
    expect(write.status).toBe(200);
    expect((await api('/users/@me', { clientId: 'wrong' })).status).toBe(400);
  });

  test('without a Bearer token the client id is what identifies the call: neither gets 400', async () => {
    await start();
    expect((await api('/users/@me', { clientId: null, auth: null })).status).toBe(400);
    expect((await api('/users/@me', { auth: null })).status).toBe(401);
  });

  test('requireClientIdWithBearer: the strict mode refuses a Bearer call without X-MAL-CLIENT-ID', async () => {
    await start({ requireClientIdWithBearer: true });
    const res = await api('/users/@me', { clientId: null });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_request', message: 'invalid client id' });
    expect((await api('/users/@me')).status).toBe(200);
  });
});

describe('MAL sandbox: authorize endpoint validation', () => {
  async function authorizeStatus(params: Record<string, string>) {
    const res = await fetch(`${sandbox.oauthUrl}/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
  }
  const good = {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: 'http://localhost/cb',
    code_challenge: verifier('ok'),
    state: 's',
  };

  test('S256, short challenges and a missing challenge are refused like MAL does', async () => {
    await start({ redirectUris: ['http://localhost/cb'] });
    expect(await authorizeStatus({ ...good, code_challenge_method: 'S256' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request', hint: 'Code challenge method must be one of `plain`' },
    });
    expect(await authorizeStatus({ ...good, code_challenge: 'short' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_request' },
    });
    const { code_challenge: _omit, ...noChallenge } = good;
    expect(await authorizeStatus(noChallenge)).toMatchObject({
      status: 400,
      body: { hint: 'Check the `code_challenge` parameter' },
    });
    expect((await authorizeStatus(good)).status).toBe(200);
  });

  test('unknown clients, unregistered redirect URIs and other response types are refused', async () => {
    await start({ redirectUris: ['http://localhost/cb'] });
    expect(await authorizeStatus({ ...good, client_id: 'nope' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_client' },
    });
    expect(await authorizeStatus({ ...good, redirect_uri: 'http://localhost/cb2' })).toMatchObject({ status: 401 });
    expect(await authorizeStatus({ ...good, response_type: 'token' })).toMatchObject({ status: 400 });
  });

  test('the consent page escapes what it echoes', async () => {
    await start({ user: { id: 2, name: '<script>x</script>' } });
    const { body } = await authorizeStatus({ ...good, state: '"><img src=x>' });
    expect(body).not.toContain('<script>x</script>');
    expect(body).not.toContain('"><img');
    expect(body).toContain('&#60;script&#62;');
  });
});

describe('MAL sandbox: faults and counters', () => {
  test('faults are consumed in order, per route, and counted', async () => {
    await start();
    sandbox.faults.inject({ route: 'write', kind: 503, times: 2 });
    sandbox.faults.inject({ route: 'any', kind: 429, retryAfterSeconds: 3 });
    expect(sandbox.faults.pending()).toBe(3);
    const list = await api('/users/@me/animelist');
    expect(list.status).toBe(429);
    expect(list.headers.get('retry-after')).toBe('3');
    expect((await patch(1, { score: '1' })).status).toBe(503);
    expect((await patch(1, { score: '1' })).status).toBe(503);
    expect((await patch(1, { score: '1' })).status).toBe(200);
    expect(sandbox.faults.pending()).toBe(0);
    expect(sandbox.counters).toMatchObject({
      requests: 4,
      api: 4,
      oauth: 0,
      byRoute: { 'GET /v2/users/@me/animelist': 1, 'PATCH /v2/anime/:id/my_list_status': 3 },
    });
    sandbox.resetCounters();
    expect(sandbox.counters).toEqual({ requests: 0, api: 0, oauth: 0, byRoute: {} });
    sandbox.faults.inject({ route: 'list', kind: 500, times: 5 });
    sandbox.faults.clear();
    expect((await api('/users/@me/animelist')).status).toBe(200);
  });

  test('revokeRefreshTokens makes the token endpoint refuse every refresh token', async () => {
    await start();
    const tokens = sandbox.state.issueTokensDirectly();
    sandbox.state.revokeRefreshTokens();
    const res = await fetch(`${sandbox.oauthUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: CLIENT_ID,
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
      }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      message: 'The refresh token is invalid.',
      hint: 'Token has been revoked',
    });
    expect(sandbox.state.tokens().activeRefreshTokens).toBe(0);
  });
});

describe('loadMalFixture errors', () => {
  test('bad fixtures are refused with the bad path named', async () => {
    await expect(
      startMalSandbox({ clientId: 'x', fixture: { data: [{ node: { id: 1, title: 'A' } }] } }),
    ).rejects.toThrow(/data\[0\]\.list_status: is missing; it must be an object/);
    await expect(
      startMalSandbox({
        clientId: 'x',
        fixture: { data: [{ node: { id: 1, title: 'A' }, list_status: { status: 'watchin' } }] },
      }),
    ).rejects.toThrow(MalFixtureError);
    await expect(startMalSandbox({ clientId: 'x', fixture: '/nonexistent/mal.json' })).rejects.toThrow(
      /\/nonexistent\/mal\.json cannot be read/,
    );
  });
});
