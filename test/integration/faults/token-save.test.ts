import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { TOKENS_LOST_LOG } from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { createJsonLogger } from '../../../shared/log';
import { S3Store } from '../../../shared/store/s3-store';
import { KEYS, type ObjectStore } from '../../../shared/store/store';
import { buildWorker, type TestWorker } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { describeWithMoto, MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from '../../support/moto';
import { sectionOf } from '../../support/reports';
import { type S3FaultProxy, startS3FaultProxy } from '../../support/s3-fault-proxy';
import { authorizeAll, completeJujutsuKaisen, sampleEntry, startTraktSystem } from '../../support/trakt';

const BUCKET = 'token-save-state';
const MAL_TOKENS = KEYS.tokens('mal');
const TRAKT_TOKENS = KEYS.tokens('trakt');

/**
 * Issue #12, point 2: MAL (and Trakt) retire the refresh token on every refresh, so refreshed
 * tokens that S3 does not take are lost for good, and the user must click an email. Here the
 * worker is the production wiring (`buildSyncWorkerDeps`, real MAL/Trakt and AniList clients over
 * HTTP against the sandboxes, which revoke the old refresh and access tokens on refresh), and its
 * store is S3Store over real HTTP: moto_server behind a proxy that answers 503 SlowDown to exactly
 * one request kind, a PUT of the tokens object. The SDK retries each PUT (3 attempts), then the
 * token provider retries the save with backoff, keeps the tokens in memory for the rest of the run
 * and saves them once more at its end.
 */
describeWithMoto('refreshed tokens and a failing S3 write of the tokens object', () => {
  let moto: Moto;
  let proxy: S3FaultProxy;
  let system: TestSystem | undefined;
  let lines: string[];

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startS3FaultProxy(moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    proxy.heal();
    lines = [];
  });
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  /** The system's S3 state (tokens, sync state) copied onto moto, and a worker on it through the proxy. */
  async function workerOnMoto(
    from: TestSystem,
    clock: ManualClock,
    fetchImpl?: typeof fetch,
  ): Promise<{ worker: TestWorker; store: ObjectStore }> {
    const client = new S3Client({
      endpoint: proxy.endpoint,
      region: MOTO_REGION,
      forcePathStyle: true,
      credentials: MOTO_CREDENTIALS,
    });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const store = new S3Store({ client, bucket: BUCKET });
    for (const key of await from.store.list('')) {
      const obj = await from.store.get(key);
      if (obj) await store.put(key, obj.body);
    }
    from.bus.route({ onReauthRequired: async () => {}, onAuthorizationCompleted: async () => {} });
    const logger = createJsonLogger({ level: 'info', write: (line) => lines.push(line) });
    const worker = await buildWorker(from, { store, clock, logger, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
    return { worker, store };
  }

  const refreshTokenOf = async (store: ObjectStore, key: string) =>
    (JSON.parse((await store.get(key))!.body) as { refreshToken: string }).refreshToken;

  /** MyAnimeList authorized and mirrored; then MAL expires the access token and one AniList edit waits. */
  async function malNeedsRefresh(): Promise<{ clock: ManualClock; system: TestSystem }> {
    const clock = new ManualClock(Date.now());
    system = await startTestSystem({ clock });
    await authorize(system);
    editOnAniList(system, clock);
    return { clock, system };
  }

  /** A new AniList score (on AniList's 100 scale: a tenth of it on MAL) for the worker to write. */
  function editOnAniList(on: TestSystem, clock: ManualClock, score = 10) {
    clock.advance(10 * 60_000);
    on.mal!.state.expireAccessTokens();
    const entry = on.anilist!.store.entries().find((e) => e.media?.idMal === 9253)!;
    on.anilist!.store.upsertEntry({ id: entry.id, score });
  }

  /**
   * A PATCH to the MAL sandbox after a refresh calls `onWrite` first: the worker is writing with the
   * refreshed tokens, whose save has failed by then. (The first PATCH of a run meets the expired token.)
   */
  const onMalWriteAfterRefresh = (onWrite: () => void): typeof fetch => {
    let refreshed = false;
    return ((input: string | URL | Request, init?: RequestInit) => {
      const method = (init?.method ?? 'GET').toUpperCase();
      if (method === 'POST' && String(input).endsWith('/oauth2/token')) refreshed = true;
      if (method === 'PATCH' && refreshed) onWrite();
      return fetch(input, init);
    }) as typeof fetch;
  };

  test('MAL: a few 503s on the save are retried within the run, and the next run refreshes with the rotated token', async () => {
    const { clock, system } = await malNeedsRefresh();
    const { worker, store } = await workerOnMoto(system, clock);
    const before = await refreshTokenOf(store, MAL_TOKENS);
    // More than the SDK's own 3 attempts of one PUT: only the token provider's retry gets the save through.
    proxy.failPuts(BUCKET, MAL_TOKENS, 5);

    const first = await worker.run();
    expect(proxy.served.faults).toBe(5);
    expect(sectionOf(first)).toMatchObject({ status: 'ok', applied: { written: 1 } });
    const rotated = await refreshTokenOf(store, MAL_TOKENS);
    expect(rotated).not.toBe(before);
    expect(system.mal!.state.tokens().refreshes).toBe(1);
    // Saved by the retries during the refresh itself: the end of the run had nothing left to save.
    expect(lines.filter((l) => /not saved yet|saved at the end of the run|tokens lost/.test(l))).toEqual([]);

    // The next run: MAL has expired the access token again; the stored (rotated) refresh token works.
    editOnAniList(system, clock, 50);
    const next = await worker.run();
    expect(sectionOf(next)).toMatchObject({ status: 'ok', applied: { written: 1 } });
    expect(system.mal!.state.tokens().refreshes).toBe(2);
    expect(await refreshTokenOf(store, MAL_TOKENS)).not.toBe(rotated);
    expect(JSON.parse((await store.get(MAL_TOKENS))!.body)).not.toHaveProperty('invalid');
  });

  test('MAL: S3 refusing the save until the run writes: the fresh tokens serve the run and are saved at its end', async () => {
    const { clock, system } = await malNeedsRefresh();
    const { worker, store } = await workerOnMoto(
      system,
      clock,
      onMalWriteAfterRefresh(() => proxy.heal()),
    );
    const before = await refreshTokenOf(store, MAL_TOKENS);
    proxy.failPuts(BUCKET, MAL_TOKENS);

    const first = await worker.run();
    // Every attempt of the save during the run failed (4 saves, each retried by the SDK)...
    expect(proxy.served.faults).toBeGreaterThanOrEqual(4);
    // ...yet MAL took the write, made with the refreshed tokens (MAL had revoked the old access token).
    expect(sectionOf(first)).toMatchObject({ status: 'ok', applied: { written: 1 } });
    expect(lines.some((l) => l.includes('refreshed tokens not saved yet'))).toBe(true);
    expect(lines.some((l) => l.includes('refreshed tokens saved at the end of the run'))).toBe(true);
    const saved = await refreshTokenOf(store, MAL_TOKENS);
    expect(saved).not.toBe(before);

    editOnAniList(system, clock, 50);
    const next = await worker.run();
    expect(sectionOf(next)).toMatchObject({ status: 'ok', applied: { written: 1 } });
    expect(system.mal!.state.tokens().refreshes).toBe(2);
  });

  test('MAL: S3 refusing it for the whole run: the run still writes, then "refreshed tokens lost"; the next run asks for the user', async () => {
    const { clock, system } = await malNeedsRefresh();
    const { worker, store } = await workerOnMoto(system, clock);
    const before = await store.get(MAL_TOKENS);
    proxy.failPuts(BUCKET, MAL_TOKENS);

    const first = await worker.run();
    expect(sectionOf(first)).toMatchObject({ status: 'ok', applied: { written: 1 } });
    expect((await store.get(MAL_TOKENS))!.etag).toBe(before!.etag);
    const lost = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === TOKENS_LOST_LOG);
    expect(lost).toEqual([expect.objectContaining({ level: 'error', destination: 'mal', errorCode: 'tokens_lost' })]);
    // No token in any line.
    const stored = JSON.parse(before!.body) as { accessToken: string; refreshToken: string };
    expect(lines.join('\n')).not.toContain(stored.refreshToken);
    expect(lines.join('\n')).not.toContain(stored.accessToken);

    // The next run (S3 healthy again) has only the spent refresh token: MAL refuses it, the tokens are
    // marked invalid and the mailer is told, as for any dead grant; the edit waits for the new authorization.
    proxy.heal();
    editOnAniList(system, clock, 50);
    const next = await worker.run();
    expect(sectionOf(next)).toMatchObject({ status: 'reauth_required', retryQueue: 1 });
    expect(JSON.parse((await store.get(MAL_TOKENS))!.body)).toMatchObject({ invalid: { reason: 'invalid_grant' } });
    expect(system.bus.published).toEqual(
      expect.arrayContaining([
        {
          detailType: 'Reauth Required',
          detail: expect.objectContaining({ destination: 'mal', reason: 'invalid_grant' }),
        },
      ]),
    );
  });

  test('Trakt (single-use refresh tokens): refused until the run writes, saved at its end; the next run refreshes fine', async () => {
    const trakt = await startTraktSystem();
    system = trakt;
    await authorizeAll(trakt);
    const clock = trakt.clock;
    const { worker, store } = await workerOnMoto(
      trakt,
      clock,
      onTraktWrite(() => proxy.heal()),
    );
    const before = await refreshTokenOf(store, TRAKT_TOKENS);
    clock.advance(15 * 60_000);
    trakt.trakt!.state.expireAccessTokens();
    completeJujutsuKaisen(trakt);
    proxy.failPuts(BUCKET, TRAKT_TOKENS);

    const first = await worker.run();
    expect(proxy.served.faults).toBeGreaterThan(0);
    expect(sectionOf(first, 'trakt')).toMatchObject({ status: 'ok' });
    const saved = await refreshTokenOf(store, TRAKT_TOKENS);
    expect(saved).not.toBe(before);
    expect(trakt.trakt!.state.tokens().refreshes).toBe(1);

    // The next run: Trakt's refresh tokens are single use; only the saved one can refresh.
    clock.advance(15 * 60_000);
    trakt.trakt!.state.expireAccessTokens();
    // A new score: a rating for Trakt to write.
    trakt.anilist!.store.upsertEntry({ id: sampleEntry(trakt, 9253).id, score: 70 });
    const next = await worker.run();
    expect(sectionOf(next, 'trakt')).toMatchObject({ status: 'ok' });
    expect(trakt.trakt!.state.tokens().refreshes).toBe(2);
    expect(JSON.parse((await store.get(TRAKT_TOKENS))!.body)).not.toHaveProperty('invalid');
  });
});

/** Every POST to the Trakt sandbox's sync API calls `onWrite` first. */
function onTraktWrite(onWrite: () => void): typeof fetch {
  return ((input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if ((init?.method ?? 'GET').toUpperCase() === 'POST' && url.includes('/sync/')) onWrite();
    return fetch(input, init);
  }) as typeof fetch;
}
