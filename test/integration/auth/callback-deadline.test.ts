import { buildCallbackDeps, CALLBACK_RESERVE_MS, makeCallbackHandler } from '../../../lambdas/oauth-callback/handler';
import { createAwsPlatform } from '../../../lambdas/runtime';
import { type MalSandbox, startMalSandbox } from '../../../local/sandbox/mal/server';
import { createPendingAuthorization } from '../../../shared/auth/pending';
import { systemClock } from '../../../shared/clock';
import { loadCallbackConfig } from '../../../shared/destinations/auth';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { RecordingEvents } from '../../support/fakes';

const CLIENT_ID = 'deadline-client';
const REDIRECT = 'https://cb.example.test/callback';

/**
 * The callback spends the single-use link before it calls MAL. If MAL then hangs, the function must
 * still answer with its own page before Lambda kills it: otherwise the user sees API Gateway's bare
 * 503, the link is gone, and nothing says what to do. MAL hangs for real here (the sandbox's
 * `timeout` fault holds the connection open); the client's 15 s timeout gives way to the deadline.
 */
describe('OAuth callback under its Lambda deadline', () => {
  let mal: MalSandbox;
  beforeAll(async () => {
    mal = await startMalSandbox({ clientId: CLIENT_ID, redirectUris: [REDIRECT] });
  });
  afterAll(async () => {
    await mal?.close();
  });

  test('a hanging token endpoint gets a friendly 502 page in time, and nothing is stored', async () => {
    const store = new MemoryStore();
    const config = loadCallbackConfig({
      STATE_BUCKET: 'mirror-state',
      MAL_CLIENT_ID: CLIENT_ID,
      MAL_OAUTH_URL: mal.oauthUrl,
      MAL_API_URL: mal.apiUrl,
      CALLBACK_URL: REDIRECT,
      HTTP_TIMEOUT_MS: '15000',
    });
    const platform = createAwsPlatform(config.base, { store, events: new RecordingEvents(), logger: silentLogger });
    const handler = makeCallbackHandler(await buildCallbackDeps(config, platform));
    const pending = await createPendingAuthorization({
      store,
      clock: systemClock,
      linkTtlHours: 1,
      destination: 'mal',
      pkceMethod: 'plain',
    });
    mal.faults.inject({ route: 'token', kind: 'timeout' });

    const started = Date.now();
    const remainingAtStart = CALLBACK_RESERVE_MS + 300;
    const page = await handler(
      {
        rawPath: '/callback',
        rawQueryString: `code=some-code&state=${pending.state}`,
        headers: {},
        requestContext: { domainName: 'cb.example.test' },
      } as never,
      { getRemainingTimeInMillis: () => remainingAtStart - (Date.now() - started) },
    );
    const answeredAfter = Date.now() - started;

    expect(page.statusCode).toBe(502);
    expect(page.body).toMatch(/MyAnimeList/);
    // It answered with time to spare, not after the 15 s HTTP timeout.
    expect(answeredAfter).toBeLessThan(remainingAtStart);
    expect(await store.get(KEYS.tokens('mal'))).toBeUndefined();
  });
});
