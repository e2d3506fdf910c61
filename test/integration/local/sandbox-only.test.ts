import { createServer, type Server } from 'node:net';
import { ephemeralLocalConfig } from '../../../local/config';
import { LocalListenError } from '../../../local/net/ports';
import type { MalSandbox } from '../../../local/sandbox/mal/server';
import type { TraktSandbox } from '../../../local/sandbox/trakt';
import { describeSandboxRuntime, type SandboxRuntime, startSandboxRuntime } from '../../../local/sandbox-runtime';

/**
 * `npm run sandbox`: the sandbox services alone on their own ports (here free ones), every printed
 * address live, the aggregate counters, and a clean close.
 */
describe('npm run sandbox (the sandbox services alone)', () => {
  let runtime: SandboxRuntime;
  let printed: string;

  beforeAll(async () => {
    // DESTINATIONS chooses what a sync mirrors to; the sandbox runtime starts every stand-in anyway.
    runtime = await startSandboxRuntime({ local: ephemeralLocalConfig(), env: { DESTINATIONS: 'mal' } });
    printed = describeSandboxRuntime(runtime);
  });

  afterAll(async () => {
    await runtime?.close();
  });

  const urlsIn = (text: string) => [...new Set(text.match(/https?:\/\/[^\s)]+/g) ?? [])];

  test('prints every address, the OAuth apps and the settings that point a client at them', () => {
    const mal = runtime.standIns.mal!.handle as MalSandbox;
    const trakt = runtime.standIns.trakt!.handle as TraktSandbox;
    for (const url of [
      runtime.anilistUrl,
      `${runtime.anilistUrl}_sandbox/counters`,
      mal.apiUrl,
      `${mal.oauthUrl}/authorize`,
      `${mal.url}/_sandbox/counters`,
      trakt.apiUrl,
      trakt.authUrl,
      trakt.authorizeUrl,
      trakt.verificationUrl,
      `${trakt.apiUrl}/_sandbox/counters`,
      runtime.datasets.urls.animeIds,
      runtime.datasets.urls.fallbackTv,
      runtime.datasets.urls.fallbackMovies,
      runtime.countersUrl,
    ]) {
      expect(printed).toContain(url);
    }
    for (const line of [
      'MAL_CLIENT_ID=sandbox-mal-client',
      'TRAKT_CLIENT_ID=sandbox-trakt-client-id',
      'TRAKT_CLIENT_SECRET=sandbox-trakt-client-secret',
      `ANILIST_URL=${runtime.anilistUrl}`,
      `TRAKT_AUTH_URL=${trakt.authUrl}`,
      `ANIME_IDS_URL=${runtime.datasets.urls.animeIds}`,
    ]) {
      expect(printed).toContain(line);
    }
    expect(printed).toContain('Redirect URI accepted: http://127.0.0.1:3000/callback');
  });

  test('every printed address answers', async () => {
    const urls = urlsIn(printed).filter((u) => !u.endsWith('/callback'));
    expect(urls.length).toBeGreaterThanOrEqual(18);
    for (const url of urls) {
      const res = await fetch(url, { headers: { 'User-Agent': 'sandbox-only-test' } });
      await res.arrayBuffer();
      expect({ url, serverError: res.status >= 500 }).toEqual({ url, serverError: false });
    }
  });

  test('AniList answers GraphQL, MAL and Trakt their counters, the dataset server the mappings', async () => {
    const graphql = await fetch(runtime.anilistUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        query: 'query ($u: String) { MediaListCollection(userName: $u, type: ANIME) { user { name } } }',
        variables: { u: runtime.settings.ANILIST_USERNAME },
      }),
    });
    expect(graphql.status).toBe(200);
    expect(await graphql.json()).toEqual({
      data: { MediaListCollection: { user: { name: runtime.settings.ANILIST_USERNAME } } },
    });

    const mal = runtime.standIns.mal!.handle as MalSandbox;
    const malCounters = await fetch(`${mal.url}/_sandbox/counters`);
    expect(malCounters.status).toBe(200);
    expect(await malCounters.json()).toMatchObject({ requests: expect.any(Number), api: expect.any(Number) });

    const trakt = runtime.standIns.trakt!.handle as TraktSandbox;
    for (const origin of [trakt.apiUrl, trakt.authUrl]) {
      const counters = await fetch(`${origin}/_sandbox/counters`);
      expect(counters.status).toBe(200);
      expect(await counters.json()).toMatchObject({ api: expect.any(Number), auth: expect.any(Number) });
    }

    const mappings = await fetch(runtime.datasets.urls.animeIds);
    expect(mappings.status).toBe(200);
    expect(mappings.headers.get('etag')).toMatch(/^"[0-9a-f]{40}"$/);
    expect(Object.keys((await mappings.json()) as object).length).toBeGreaterThan(0);
  });

  test("the dataset server's counters hold every sandbox's", async () => {
    const before = (await (await fetch(runtime.countersUrl)).json()) as Record<string, { requests: number }>;
    expect(Object.keys(before).sort()).toEqual(['anilist', 'datasets', 'mal', 'trakt']);
    await (await fetch(runtime.datasets.urls.fallbackTv)).arrayBuffer();
    await (await fetch(`${runtime.settings.MAL_API_URL}/users/@me`)).arrayBuffer();
    const after = (await (await fetch(runtime.countersUrl)).json()) as Record<string, { requests: number }>;
    expect(after.datasets!.requests).toBe(before.datasets!.requests + 1);
    expect(after.mal!.requests).toBe(before.mal!.requests + 1);
    expect(after.anilist!.requests).toBe(before.anilist!.requests);
  });
});

describe('npm run sandbox: ports', () => {
  let blocker: Server;
  beforeEach(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  test.each(['SANDBOX_ANILIST_PORT', 'SANDBOX_MAL_PORT', 'SANDBOX_TRAKT_PORT', 'SANDBOX_DATASETS_PORT'] as const)(
    'a taken %s is one line naming it',
    async (key) => {
      const port = (blocker.address() as { port: number }).port;
      const err = await startSandboxRuntime({ local: { ...ephemeralLocalConfig(), [key]: port }, env: {} }).then(
        async (runtime) => {
          await runtime.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LocalListenError);
      expect((err as LocalListenError).key).toBe(key);
      expect((err as Error).message).toBe(
        `Port ${port} on 127.0.0.1 is already in use (by another program, or another \`npm start\`?): ` +
          `set ${key} to a free port in .env.`,
      );
    },
  );

  test('close frees every port', async () => {
    const runtime = await startSandboxRuntime({ local: ephemeralLocalConfig(), env: {} });
    const urls = [runtime.anilistUrl, runtime.countersUrl, ...Object.values(runtime.standIns).map((s) => s.url)];
    await runtime.close();
    for (const url of urls) await expect(fetch(url)).rejects.toThrow();
  });
});
