import { createHash } from 'node:crypto';
import { type AniListSandbox, startAniListSandbox } from '../../../local/sandbox/anilist';
import { type MalSandbox, startMalSandbox } from '../../../local/sandbox/mal/server';
import { startTraktSandbox, type TraktSandbox } from '../../../local/sandbox/trakt';
import { ManualClock } from '../../../shared/clock';
import { formatUtc } from '../../../shared/mail/html';
import { expectEscapedEcho } from '../../support/html-safety';

/** The sandboxes' pages for people, over real HTTP: what they say, their headers, and that the APIs around them are unchanged. */

const START = Date.UTC(2026, 2, 1, 12);
const HOSTILE = `<img src=x onerror="alert(1)">'&"`;
const BROWSER = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function anilist(): Promise<{ sandbox: AniListSandbox; clock: ManualClock }> {
  const clock = new ManualClock(START);
  const sandbox = await startAniListSandbox({ clock });
  open.push(sandbox);
  return { sandbox, clock };
}

async function mal(): Promise<{ sandbox: MalSandbox; clock: ManualClock }> {
  const clock = new ManualClock(START);
  const sandbox = await startMalSandbox({ clientId: 'pages-client', clock, user: { id: 7, name: 'page_fan' } });
  open.push(sandbox);
  return { sandbox, clock };
}

async function trakt(): Promise<TraktSandbox> {
  const sandbox = await startTraktSandbox({ clock: new ManualClock(START) });
  open.push(sandbox);
  return sandbox;
}

async function page(url: string, headers: Record<string, string> = BROWSER) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** Only the page's own style block may apply: the CSP names its hash, and nothing may script. */
function expectStrictPage(res: Awaited<ReturnType<typeof page>>) {
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)?.[1] ?? '';
  const hash = createHash('sha256').update(style).digest('base64');
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain(`style-src 'sha256-${hash}'`);
  expect(csp).toContain("default-src 'none'");
  expect(style).toContain('prefers-color-scheme:dark');
  expect(res.body).not.toMatch(/<script/i);
}

describe('AniList sandbox pages', () => {
  it('GET / in a browser: what it is, the user, the list link, entry count and last change', async () => {
    const { sandbox } = await anilist();
    const res = await page(sandbox.url);
    expect(res.status).toBe(200);
    expectStrictPage(res);
    expect(res.body).toContain('A local stand-in for AniList');
    expect(res.body).toContain('Nothing here leaves this machine');
    expect(res.body).toContain('<dd id="user-name">MirrorSample</dd>');
    const anime = sandbox.store.entries().length;
    expect(res.body).toContain(`<dd id="entry-count">${anime} anime entries</dd>`);
    expect(res.body).toContain(`<dd id="last-changed">${formatUtc(new Date(sandbox.store.lastChangedAt()!))}</dd>`);
    expect(res.body).toContain('<a href="/user/MirrorSample/animelist">');
  });

  it('a program still gets GraphQL: POST / answers, GET / without asking for HTML is the 405 it was', async () => {
    const { sandbox } = await anilist();
    const api = await page(sandbox.url, { accept: 'application/json' });
    expect(api.status).toBe(405);
    expect(JSON.parse(api.body)).toMatchObject({ data: null, errors: [{ status: 405 }] });
    const gql = await fetch(sandbox.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...BROWSER },
      body: JSON.stringify({ query: '{ User(name: "MirrorSample") { id } }' }),
    });
    expect(gql.status).toBe(200);
    expect(await gql.json()).toEqual({ data: { User: { id: expect.any(Number) } } });
  });

  it('pages neither count as API requests nor use up queued faults', async () => {
    const { sandbox } = await anilist();
    sandbox.faults.inject({ kind: 503 });
    await page(sandbox.url);
    await page(`${sandbox.url}user/MirrorSample/animelist`);
    await page(`${sandbox.url}favicon.ico`);
    expect(sandbox.counters.requests).toBe(0);
    expect(sandbox.faults.pending()).toBe(1);
  });

  it('the list page shows each entry, newest change first, and an edit moves the last change', async () => {
    const { sandbox, clock } = await anilist();
    clock.advance(86_400_000);
    sandbox.store.upsertEntry({ id: 4004, progress: 11 });
    const res = await page(`${sandbox.url}user/mirrorsample/animelist`);
    expect(res.status).toBe(200);
    expectStrictPage(res);
    const rows = [...res.body.matchAll(/<tr data-entry-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(rows[0]).toBe(4004);
    expect(rows.sort()).toEqual(
      sandbox.store
        .entries()
        .map((e) => e.id)
        .sort(),
    );
    expect(res.body).toContain(`last changed <strong id="last-changed">${formatUtc(new Date(START + 86_400_000))}`);
  });

  it('a deletion is a change too', async () => {
    const { sandbox, clock } = await anilist();
    clock.set(Date.UTC(2027, 0, 1));
    sandbox.store.deleteEntry(4004);
    const res = await page(sandbox.url);
    expect(res.body).toContain(formatUtc(new Date(Date.UTC(2027, 0, 1))));
  });

  it('another user name is an HTML 404 that names the sandbox user', async () => {
    const { sandbox } = await anilist();
    const res = await page(`${sandbox.url}user/ghost/animelist`);
    expect(res.status).toBe(404);
    expect(res.body).toContain('has one user, <strong>MirrorSample</strong>');
  });

  it('escapes a hostile title', async () => {
    const { sandbox } = await anilist();
    const media = {
      id: 777,
      idMal: null,
      title: { romaji: HOSTILE, english: null, native: null },
      format: 'TV',
      episodes: 1,
    };
    sandbox.store.upsertEntry({ mediaId: 777, media, notes: HOSTILE });
    const res = await page(`${sandbox.url}user/MirrorSample/animelist`);
    expectEscapedEcho(res.body, HOSTILE, true);
  });
});

describe('MyAnimeList sandbox pages', () => {
  it('GET /: what it is, the user, the list link, entry count and last change', async () => {
    const { sandbox } = await mal();
    sandbox.state.setList([
      {
        animeId: 1,
        title: 'Cowboy Bebop',
        listStatus: { status: 'completed', updated_at: '2026-02-03T04:05:06+00:00' },
      },
    ]);
    const res = await page(`${sandbox.url}/`);
    expect(res.status).toBe(200);
    expectStrictPage(res);
    expect(res.body).toContain('A local stand-in for MyAnimeList');
    expect(res.body).toContain('Nothing here leaves this machine');
    expect(res.body).toContain('<dd id="user-name">page_fan</dd>');
    expect(res.body).toContain('<dd id="entry-count">1 anime entry</dd>');
    expect(res.body).toContain(`<dd id="last-changed">${formatUtc(new Date('2026-02-03T04:05:06Z'))}</dd>`);
    expect(res.body).toContain('<a href="/animelist/page_fan">');
  });

  it('API paths keep their JSON 404; pages do not count or use up faults', async () => {
    const { sandbox } = await mal();
    sandbox.faults.inject({ kind: 503 });
    await page(`${sandbox.url}/`);
    await page(`${sandbox.url}/animelist/page_fan`);
    expect(sandbox.counters.requests).toBe(0);
    expect(sandbox.faults.pending()).toBe(1);
    sandbox.faults.clear();
    for (const path of ['/nothing-here', '/animelist/someone_else']) {
      const other = await page(`${sandbox.url}${path}`);
      expect(other.status).toBe(404);
      expect(JSON.parse(other.body)).toMatchObject({ error: 'not_found' });
    }
    const api = await page(`${sandbox.apiUrl}/users/@me/animelist`);
    expect(api.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(api.body)).toHaveProperty('error');
  });

  it('the list page: the look, the rows, when the list last changed, and a deletion moves it', async () => {
    const { sandbox, clock } = await mal();
    sandbox.state.setList([
      { animeId: 1, title: 'Cowboy Bebop', listStatus: { status: 'completed', score: 9 } },
      { animeId: 5, title: HOSTILE, listStatus: { status: 'watching', num_episodes_watched: 2 } },
    ]);
    const res = await page(`${sandbox.url}/animelist/page_fan`);
    expect(res.status).toBe(200);
    expectStrictPage(res);
    expect([...res.body.matchAll(/<tr data-anime-id="(\d+)"/g)].map((m) => m[1])).toEqual(['1', '5']);
    expect(res.body).toContain(`last changed <strong id="last-changed">${formatUtc(new Date(START))}</strong>`);
    expectEscapedEcho(res.body, HOSTILE, true);

    clock.advance(3_600_000);
    const token = sandbox.state.issueTokensDirectly().accessToken;
    const del = await fetch(`${sandbox.apiUrl}/anime/1/my_list_status`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(del.status).toBe(200);
    const after = await page(`${sandbox.url}/animelist/page_fan`);
    expect(after.body).toContain(`<strong id="last-changed">${formatUtc(new Date(START + 3_600_000))}</strong>`);
  });

  it('the consent page has the look, keeps its form and buttons, and escapes what the request carries', async () => {
    const { sandbox } = await mal();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'pages-client',
      redirect_uri: 'http://127.0.0.1:9/callback',
      state: HOSTILE,
      code_challenge: 'c'.repeat(43),
    });
    const res = await page(`${sandbox.oauthUrl}/authorize?${query}`);
    expect(res.status).toBe(200);
    expectStrictPage(res);
    // The consent form's answer redirects to another origin, which a form-action rule would block.
    expect(res.headers.get('content-security-policy')).not.toContain('form-action');
    expect(res.body).toMatch(/<button type="submit" name="decision" value="approve">Approve<\/button>/);
    expect(res.body).toContain('<strong id="user-name">page_fan</strong>');
    expect(res.body).not.toContain(HOSTILE);
  });
});

describe('Trakt sandbox landing page', () => {
  it('GET / in a browser: what it is, the user, plays, ratings and last change, on both hosts', async () => {
    const sandbox = await trakt();
    for (const origin of [sandbox.apiUrl, sandbox.authUrl]) {
      const res = await page(`${origin}/`);
      expect(res.status).toBe(200);
      expectStrictPage(res);
      expect(res.body).toContain('A local stand-in for Trakt');
      expect(res.body).toContain(`<dd id="user-name">${sandbox.state.user.username}</dd>`);
      const plays = sandbox.state.history().length;
      const ratings = sandbox.state.ratings().length;
      expect(res.body).toContain(
        `${plays} play${plays === 1 ? '' : 's'}, ${ratings} rating${ratings === 1 ? '' : 's'}`,
      );
      const all = String(sandbox.state.lastActivities().all);
      expect(res.body).toContain(`<dd id="last-changed">${formatUtc(new Date(all))}</dd>`);
    }
  });

  it('an API call to / (it sends trakt-api-key) gets the API host answer, as before', async () => {
    const sandbox = await trakt();
    const res = await page(`${sandbox.apiUrl}/`, {
      'content-type': 'application/json',
      'trakt-api-key': 'sandbox-trakt-client-id',
      'trakt-api-version': '2',
      'user-agent': 'pages-test/1.0',
    });
    expect(res.status).not.toBe(200);
    expect(res.body).not.toContain('<html');
  });
});
