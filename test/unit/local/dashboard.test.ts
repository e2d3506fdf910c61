import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createDashboard, type DashboardSource } from '../../../local/dashboard';
import { formatUtc } from '../../../shared/mail/html';
import type { DestinationReport, RunReport } from '../../../shared/sync/report';
import { destinationSection, runReport } from '../../support/reports';

const PORT = 3000;
const NEXT_RUN = Date.UTC(2026, 0, 5, 10, 15);

/** A real-mode source: MAL waiting for the user, one run, the schedule running. */
function realMode(overrides: Partial<DashboardSource> = {}): DashboardSource & { syncs: number } {
  const source = {
    syncs: 0,
    sandbox: false,
    host: '127.0.0.1',
    port: PORT,
    authTargets: [{ destination: 'mal', label: 'MyAnimeList' }],
    authorization: async () => ({ mal: { needed: true as const, reason: 'invalid_grant' as const } }),
    inboxLinks: async () => [{ label: 'MyAnimeList', url: 'https://myanimelist.net/v1/oauth2/authorize?state=abc' }],
    sendAuthorizationLink: async () => undefined,
    inboxUrl: 'http://127.0.0.1:3002/?key=inbox-key',
    runs: () => [] as RunReport[],
    syncInProgress: () => false,
    nextRunAt: () => NEXT_RUN,
    requestSync() {
      source.syncs++;
    },
    ...overrides,
  };
  return source;
}

function event(options: {
  method?: string;
  path?: string;
  host?: string;
  origin?: string;
  query?: Record<string, string>;
  cookie?: string;
  body?: string;
}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = { host: options.host ?? `127.0.0.1:${PORT}` };
  if (options.origin) headers.origin = options.origin;
  if (options.cookie) headers.cookie = options.cookie;
  return {
    headers,
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.body ? { body: options.body } : {}),
  } as unknown as APIGatewayProxyEventV2;
}

async function call(routes: ReturnType<typeof createDashboard>['routes'], key: string, e: APIGatewayProxyEventV2) {
  const handler = routes[key];
  if (!handler) throw new Error(`no route ${key}`);
  const result = await handler(e);
  if (typeof result === 'string') throw new Error('unexpected string result');
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.body ?? '',
  };
}

const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';

describe('the dashboard in real mode', () => {
  test('shows authorization with the emailed link, the next run, Sync now and the inbox; no sandbox parts', async () => {
    const { routes, link } = createDashboard(realMode());
    expect(link).toBe('/');
    const page = await call(routes, 'GET /', event({}));
    expect(page.status).toBe(200);
    expect(page.body).toContain('MyAnimeList needs you to authorize again');
    expect(page.body).toContain(
      '<a class="button" href="https://myanimelist.net/v1/oauth2/authorize?state=abc">Re-authorize MyAnimeList</a>',
    );
    expect(page.body).toContain(`Next scheduled sync: <strong>${formatUtc(new Date(NEXT_RUN))}</strong>`);
    expect(page.body).toContain('>Sync now</button>');
    expect(page.body).toContain('href="http://127.0.0.1:3002/?key=inbox-key"');
    expect(page.body).not.toMatch(/sandbox|side by side|\/anilist\/entry/i);
    expect(Object.keys(routes).sort()).toEqual(['GET /', 'POST /authorize-link', 'POST /sync']);
  });

  test('Sync now needs the CSRF token and the Origin; a loopback name at another port is not this dashboard', async () => {
    const source = realMode();
    const { routes } = createDashboard(source);
    const csrf = csrfOf((await call(routes, 'GET /', event({}))).body);
    const origin = `http://127.0.0.1:${PORT}`;
    const body = `csrf=${encodeURIComponent(csrf)}`;
    expect((await call(routes, 'POST /sync', event({ origin, body: 'csrf=wrong' }))).status).toBe(403);
    expect((await call(routes, 'POST /sync', event({ body }))).status).toBe(403);
    expect((await call(routes, 'POST /sync', event({ origin: 'null', body }))).status).toBe(403);
    const otherPort = `127.0.0.1:${PORT + 1}`;
    expect(
      (await call(routes, 'POST /sync', event({ host: otherPort, origin: `http://${otherPort}`, body }))).status,
    ).toBe(403);
    expect(source.syncs).toBe(0);
    const ok = await call(
      routes,
      'POST /sync',
      event({ host: `localhost:${PORT}`, origin: `http://localhost:${PORT}`, body }),
    );
    expect(ok).toMatchObject({ status: 303, headers: { Location: '/?done=sync' } });
    expect(source.syncs).toBe(1);
  });
});

describe('the dashboard on a LOCAL_HOST other machines can reach', () => {
  test('needs its key, as the inbox does: in the link once, then in a cookie', async () => {
    const source = realMode({ host: '0.0.0.0' });
    const { routes, link } = createDashboard(source);
    const key = /^\/\?key=([\w-]{20,})$/.exec(link)?.[1];
    expect(key).toBeDefined();
    const lan = '192.168.1.20:3000';
    const refused = await call(routes, 'GET /', event({ host: lan }));
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('this dashboard needs its key: open the link npm start printed');
    expect(refused.body).not.toContain('inbox-key');

    const opened = await call(routes, 'GET /', event({ host: lan, query: { key: key! } }));
    expect(opened.status).toBe(200);
    const cookie = opened.headers['Set-Cookie'] ?? '';
    expect(cookie).toMatch(/^mirror_dashboard_key=[\w-]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const again = await call(routes, 'GET /', event({ host: lan, cookie: cookie.split(';')[0]! }));
    expect(again.status).toBe(200);

    const body = `csrf=${encodeURIComponent(csrfOf(again.body))}`;
    const origin = `http://${lan}`;
    expect((await call(routes, 'POST /sync', event({ host: lan, origin, body }))).status).toBe(403);
    const pressed = await call(routes, 'POST /sync', event({ host: lan, origin, body, cookie: cookie.split(';')[0]! }));
    expect(pressed.status).toBe(303);
    expect(source.syncs).toBe(1);
  });
});

describe('the runs on the dashboard', () => {
  const write = (i: number, outcome: DestinationReport['writes'][number]['outcome'], error?: string) => ({
    kind: 'put' as const,
    key: `anime:${i}`,
    target: `MAL ${i}`,
    title: `Anime ${i}`,
    fields: {},
    reasons: ['new on MAL'],
    ...(outcome ? { outcome } : {}),
    ...(error ? { error } : {}),
  });

  test('newest first, each with every write and what became of it: applied, failed (why), not attempted yet', async () => {
    const writes = [
      write(1, 'applied'),
      write(2, 'failed', 'MAL did not answer in time'),
      ...Array.from({ length: 25 }, (_, i) => write(100 + i, 'not_attempted')),
    ];
    const older = runReport('2026-01-05T09:00:00.000Z', { source: { ...runReport('x').source, mode: 'full' } });
    const newer = runReport('2026-01-05T09:15:00.000Z', {
      status: 'partial',
      destinations: [destinationSection({ status: 'partial', writes, planned: { writes: 27, removals: 0 } })],
    });
    const { routes } = createDashboard(realMode({ runs: () => [newer, older] }));
    const { body } = await call(routes, 'GET /', event({}));
    expect(body.indexOf(formatUtc(new Date(newer.finishedAt)))).toBeLessThan(
      body.indexOf(formatUtc(new Date(older.finishedAt))),
    );
    expect(body).toContain('<td class="ok">applied</td>');
    expect(body).toContain('<td class="bad">failed, kept for the next run: MAL did not answer in time</td>');
    expect(body.match(/<td class="warn">not attempted yet: the next run does it<\/td>/g)).toHaveLength(25);
    expect(body).toContain('Anime 124');
    expect(body).not.toMatch(/… and \d+ more/);
  });
});
