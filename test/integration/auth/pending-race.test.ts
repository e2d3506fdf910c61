import { consumePendingAuthorization, createPendingAuthorization } from '../../../shared/auth/pending';
import { ManualClock } from '../../../shared/clock';
import { KEYS } from '../../../shared/store/store';
import { describeOnEachStore } from '../../support/each-store';
import { gate } from '../../unit/auth/fakes';

const CONSUMERS = 20;

/**
 * A link is single use because consuming it is an If-Match write of the record marked used,
 * before the code is exchanged. Here 20 callbacks with the same link all read the unused record
 * before any of them writes (the worst case), on MemoryStore and on S3Store over moto_server:
 * exactly one may win. On s3rver, which ignores If-Match, all of them would.
 */
describeOnEachStore(`${CONSUMERS} concurrent consumers of one pending authorization`, (newStore) => {
  test('exactly one wins; the others are told the link was used, and only the winner wrote', async () => {
    const store = await newStore();
    const clock = new ManualClock(Date.now());
    const deps = { store, clock };
    const link = await createPendingAuthorization({
      ...deps,
      linkTtlHours: 168,
      destination: 'mal',
      pkceMethod: 'S256',
    });
    const key = KEYS.pendingAuth(link.state);

    const allRead = gate();
    let reads = 0;
    store.hooks.beforeGet = (k) => {
      if (k === key && ++reads === CONSUMERS) allRead.open();
    };
    store.hooks.beforePut = async (k) => {
      if (k === key) await allRead.promise;
    };
    const results = await Promise.all(
      Array.from({ length: CONSUMERS }, () => consumePendingAuthorization(deps, link.state)),
    );
    store.hooks = {};

    const winners = results.filter((r) => r.ok);
    expect(winners).toEqual([
      { ok: true, destination: 'mal', codeVerifier: link.codeVerifier, expiresAt: link.expiresAt },
    ]);
    expect(results.filter((r) => !r.ok)).toEqual(
      Array.from({ length: CONSUMERS - 1 }, () => expect.objectContaining({ ok: false, reason: 'used' })),
    );
    // The versioned bucket shows the writes that landed: the record's creation and one "used" mark.
    expect(await store.versions(key)).toHaveLength(2);
    expect(JSON.parse((await store.get(key))!.body)).toMatchObject({ state: link.state, usedAt: clock.now() });
  });
});
