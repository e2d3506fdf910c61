import { type SesEmulator, startSesEmulator } from '../../../local/emulators';
import { createSesMailSender, type ReauthMailerDeps, runReauthCheck } from '../../../shared/auth/mailer';
import { ManualClock } from '../../../shared/clock';
import { KEYS } from '../../../shared/store/store';
import { describeOnEachStore, type HookableStore } from '../../support/each-store';
import { FakeMalOAuth, gate, HOUR } from '../../unit/auth/fakes';

/**
 * The mailer claims a send by writing its state conditionally (If-None-Match when it has none yet,
 * If-Match on the ETag it read otherwise) before it emails; a run that loses the claim deletes its
 * unused link and sends nothing. Two runs (the schedule and a worker's event) that both read the
 * state before either claims must send one email, on MemoryStore and on S3Store over moto_server,
 * with mail through the SES emulator.
 */
describeOnEachStore('the mailer claims a send before it emails', (newStore) => {
  let ses: SesEmulator;
  beforeAll(async () => {
    ses = await startSesEmulator();
  });
  afterAll(async () => {
    await ses?.close();
  });

  function mailer(store: HookableStore, clock: ManualClock): ReauthMailerDeps {
    return {
      store,
      clock,
      destinations: [{ provider: new FakeMalOAuth() }],
      mail: createSesMailSender(ses.client),
      from: 'mirror@example.test',
      to: 'me@example.test',
      redirectUri: 'https://cb.example.test/callback',
      linkTtlHours: 168,
      throttleHours: 24,
      warnDays: 5,
    };
  }

  /** Both runs read the mailer state before either writes it. */
  async function twoRunsAtOnce(store: HookableStore, deps: ReauthMailerDeps) {
    const bothRead = gate();
    let reads = 0;
    store.hooks.beforeGet = (key) => {
      if (key === KEYS.mailerState && ++reads === 2) bothRead.open();
    };
    store.hooks.beforePut = async (key) => {
      if (key === KEYS.mailerState) await bothRead.promise;
    };
    const results = await Promise.all([
      runReauthCheck(deps, 'schedule'),
      runReauthCheck(deps, 'event', { destination: 'mal', reason: 'no_tokens' }),
    ]);
    store.hooks = {};
    return results;
  }

  async function expectOneClaim(store: HookableStore, results: Awaited<ReturnType<typeof twoRunsAtOnce>>) {
    expect(results.filter((r) => r.sent)).toHaveLength(1);
    expect(results.find((r) => !r.sent)?.why).toMatch(/another mailer run changed the mailer state first/);
    // The winner's link is kept; the loser's, never emailed, is deleted again.
    const state = JSON.parse((await store.get(KEYS.mailerState))!.body);
    expect(await store.list(KEYS.pendingAuthPrefix)).toContain(KEYS.pendingAuth(state.destinations.mal.lastState));
  }

  test('with no mailer state yet (If-None-Match): one email, one link', async () => {
    const store = await newStore();
    const deps = mailer(store, new ManualClock(Date.now()));
    const before = (await ses.messages()).length;
    const results = await twoRunsAtOnce(store, deps);
    await expectOneClaim(store, results);
    expect(await ses.messages()).toHaveLength(before + 1);
    expect(await store.list(KEYS.pendingAuthPrefix)).toHaveLength(1);
    expect(await store.versions(KEYS.mailerState)).toHaveLength(1);
  });

  test('with the state of an earlier send past its throttle window (If-Match): one more email', async () => {
    const store = await newStore();
    const clock = new ManualClock(Date.now());
    const deps = mailer(store, clock);
    const before = (await ses.messages()).length;
    expect(await runReauthCheck(deps, 'schedule')).toMatchObject({ sent: true });
    clock.advance(25 * HOUR);
    const results = await twoRunsAtOnce(store, deps);
    await expectOneClaim(store, results);
    expect(await ses.messages()).toHaveLength(before + 2);
    expect(await store.list(KEYS.pendingAuthPrefix)).toHaveLength(2);
    expect(await store.versions(KEYS.mailerState)).toHaveLength(2);
  });
});
