import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { loadAniListFixture, SAMPLE_ANILIST_FIXTURE, type SandboxEntry } from '../../../local/sandbox/anilist';
import { escapeHtml } from '../../../shared/mail/html';
import { expectEscapedEcho } from '../../support/html-safety';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';

/** The dashboard over real HTTP, as `npm start` serves it beside the callback. */

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function get(system: TestSystem, path = '/'): Promise<Answer> {
  const res = await fetch(new URL(path, system.urls.dashboard));
  return { status: res.status, headers: res.headers, body: await res.text() };
}

function csrfOf(body: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

/** A form POST as the dashboard's own page sends it (Origin: the dashboard's), unless told otherwise. */
async function post(
  system: TestSystem,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(new URL(path, system.urls.dashboard), {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: new URL(system.urls.dashboard).origin,
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** No script, image or frame element, and no event handler attribute in any tag (escaped text is harmless). */
function expectNoActiveMarkup(body: string): void {
  expect(body).not.toMatch(/<(script|img|svg|iframe|object|embed)\b/i);
  const handlers = [...body.matchAll(/<[a-z][^>]*>/gi)].filter((tag) => /\son[a-z]+\s*=/i.test(tag[0]));
  expect(handlers.map((t) => t[0])).toEqual([]);
}

/** The row of the side-by-side table for an AniList entry. */
function rowOf(body: string, entryId: number): string {
  return new RegExp(`<tr id="anilist-${entryId}">.*?</tr>`).exec(body)?.[0] ?? '';
}

describe('the local dashboard', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  test('before authorization: each destination says so, with a button; strict CSP, no script, no token', async () => {
    const page = await get(system);
    expect(page.status).toBe(200);
    expect(page.body).toContain('MyAnimeList needs your authorization before the first sync.');
    expect(page.body).toContain('Send the authorization email');
    expect(page.body).toContain('No sync has run since npm start began.');
    expect(page.body).toContain('Sandbox lists side by side');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/unsafe|script-src/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.body)?.[1] ?? '';
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expectNoActiveMarkup(page.body);
    expect(page.body).not.toContain(system.anilist!.editToken);
  });

  test('a POST without the CSRF token, from another origin, or on another Host name is refused', async () => {
    const token = csrfOf((await get(system)).body);
    const refused = [
      await post(system, '/sync', {}),
      await post(system, '/sync', { csrf: 'not-the-token' }),
      await post(system, '/sync', { csrf: token }, { Origin: 'http://evil.example' }),
      await post(system, '/anilist/entry', { csrf: 'x', id: '4014', status: 'DROPPED', score: '1' }),
      await postWithHost(system, '/sync', `evil.example:${new URL(system.urls.dashboard).port}`, token),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    expect(refused[0]!.body).toContain('Nothing was done');
    expect(system.syncInProgress()).toBe(false);
    expect(system.reports).toHaveLength(0);
    expect(system.anilist!.store.getEntry(4014)!.status).toBe('CURRENT');
    expect(system.anilist!.counters.byOperation.SaveMediaListEntry).toBeUndefined();
  });

  test('authorized: the run and its whole report; an edit through SaveMediaListEntry; Sync now carries it to MAL', async () => {
    await authorize(system);
    let page = await get(system);
    expect(page.body).toMatch(/MyAnimeList<\/td><td class="ok">connected as <strong>/);
    expect(page.body).toContain('Sync finished');
    expect(page.body).not.toMatch(/… and \d+ more/);
    // Every write of the first run is listed, in the table and in the report.
    const first = system.reports.at(-1)!;
    for (const write of first.destinations[0]!.writes) expect(page.body).toContain(escapeHtml(write.title));
    expect(rowOf(page.body, 4014)).toContain('✓ match');

    const token = csrfOf(page.body);
    const edit = await get(system, '/anilist/entry?id=4014');
    expect(edit.body).toContain('Edit “Jujutsu Kaisen” on the sandbox AniList');
    const form = { csrf: token, id: '4014', status: 'CURRENT', score: '9', progress: '21', startedAt: '2024-01-02' };
    const bad = await post(system, '/anilist/entry', { ...form, score: '11', startedAt: '2024-02-30' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('score &quot;11&quot; must be a number from 0 to 10');
    expect(bad.body).toContain('start date &quot;2024-02-30&quot; must be YYYY-MM-DD');
    expect(system.anilist!.store.getEntry(4014)!.score).toBe(75);

    const saved = await post(system, '/anilist/entry', { ...form, completedAt: '', notes: '' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/?done=saved&entry=4014');
    expect(system.anilist!.counters.byOperation.SaveMediaListEntry).toBe(1);
    expect(system.anilist!.store.getEntry(4014)).toMatchObject({ score: 90, progress: 21 });
    page = await get(system, '/?done=saved&entry=4014');
    expect(page.body).toContain('Saved “Jujutsu Kaisen” on the sandbox AniList.');
    expect(rowOf(page.body, 4014)).toMatch(/differs \(score, progress, started\)/);
    expect(rowOf(page.body, 4014)).toContain('<td class="diff">9</td>');

    const runs = system.reports.length;
    expect((await post(system, '/sync', { csrf: token })).status).toBe(303);
    await until(() => system.reports.length > runs && !system.syncInProgress(), 'the requested run');
    expect(system.mal!.state.getEntry(40748)!.listStatus).toMatchObject({
      score: 9,
      num_episodes_watched: 21,
      start_date: '2024-01-02',
    });
    page = await get(system);
    expect(rowOf(page.body, 4014)).toContain('✓ match');
    // Newest first.
    expect(page.body.indexOf('incremental run')).toBeLessThan(page.body.indexOf('full run'));
  });

  test('a run in progress is shown, and its report appears once it ends', async () => {
    const token = csrfOf((await get(system)).body);
    // The sandbox AniList holds the run's read until the client's timeout.
    system.anilist!.faults.inject({ kind: 'timeout' });
    const runs = system.reports.length;
    await post(system, '/sync', { csrf: token });
    expect(system.syncInProgress()).toBe(true);
    expect((await get(system)).body).toContain('A sync run is in progress.');
    await until(() => !system.syncInProgress(), 'the run to end');
    expect(system.reports.length).toBe(runs + 1);
    expect((await get(system)).body).not.toContain('A sync run is in progress.');
  });

  test('Delete goes through DeleteMediaListEntry', async () => {
    const token = csrfOf((await get(system)).body);
    const deleted = await post(system, '/anilist/entry/delete', { csrf: token, id: '4016' });
    expect(deleted.status).toBe(303);
    expect(system.anilist!.counters.byOperation.DeleteMediaListEntry).toBe(1);
    expect(system.anilist!.store.getEntry(4016)).toBeUndefined();
  });
});

describe('the dashboard and a hostile title', () => {
  const HOSTILE = `<img src=x onerror="alert(1)">'&"</td><script>`;
  let system: TestSystem;

  beforeAll(async () => {
    const sample = loadAniListFixture(SAMPLE_ANILIST_FIXTURE).entries;
    const base = sample.find((e) => e.id === 4014)!;
    const hostile: SandboxEntry = {
      ...base,
      id: 9001,
      mediaId: 990001,
      notes: HOSTILE,
      media: { ...base.media!, id: 990001, idMal: 990001, title: { romaji: HOSTILE, english: null, native: null } },
    };
    system = await startTestSystem({ anilistEntries: [base, hostile] });
    await authorize(system);
  });
  afterAll(async () => {
    await system?.close();
  });

  test('is escaped in the lists, the run report and the edit page', async () => {
    const page = await get(system);
    expect(system.reports.at(-1)!.destinations[0]!.writes.map((w) => w.title)).toContain(HOSTILE);
    expectEscapedEcho(page.body, HOSTILE, true);
    const edit = await get(system, '/anilist/entry?id=9001');
    expectEscapedEcho(edit.body, HOSTILE, true);
    for (const body of [page.body, edit.body]) expectNoActiveMarkup(body);
  });
});

/** A POST with a Host header fetch would not let us choose (a DNS-rebinding page's). */
function postWithHost(system: TestSystem, path: string, host: string, csrf: string): Promise<Answer> {
  const url = new URL(path, system.urls.dashboard);
  const body = new URLSearchParams({ csrf }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          Host: host,
          Origin: `http://${host}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: new Headers(), body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
