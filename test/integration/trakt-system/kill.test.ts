import { buildWorker, killed, memoryCopyOf } from '../../support/faults';
import {
  authorizeAll,
  completeJujutsuKaisen,
  doubledPlays,
  holdingsAfterJjkCompleted,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktPosts,
  traktSection,
} from '../../support/trakt';

const MINUTE = 60_000;

/**
 * Trakt's history does not de-duplicate: a play sent twice is two plays. A run killed after Trakt
 * added plays, before the worker learned it (or checkpointed), must not add them again: the next
 * run reads how many plays the account holds before planning (Trakt's `last_activities` moved with
 * the landed write) and adds only what is missing. README, Guarantees.
 */
describe('Trakt: a run killed after a history write landed', () => {
  let system: TraktTestSystem;
  afterEach(async () => {
    await system?.close();
  });

  test('the next run adds no play twice, and finishes with nothing left to write', async () => {
    system = await startTraktSystem();
    await authorizeAll(system);
    const doubledBefore = doubledPlays(system);
    system.clock.advance(15 * MINUTE);
    completeJujutsuKaisen(system); // 21 plays missing on Trakt
    system.trakt!.resetCounters();

    const store = await memoryCopyOf(system.store);
    let reached!: () => void;
    const frozen = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const dyingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST' && String(input instanceof Request ? input.url : input).endsWith('/sync/history')) {
        // Trakt has added the plays; the process dies before it reads the answer.
        await response.arrayBuffer();
        reached();
        return killed();
      }
      return response;
    }) as typeof fetch;
    const dying = await buildWorker(system, {
      store,
      clock: system.clock,
      fetch: dyingFetch,
      config: { HTTP_TIMEOUT_MS: 500 },
    });
    void dying.run();
    await frozen;
    expect(traktPosts(system)).toEqual({ 'POST /sync/history': 1 });
    expect(traktHoldings(system)).toEqual(holdingsAfterJjkCompleted());

    system.clock.advance(MINUTE);
    const fresh = await buildWorker(system, { store, clock: system.clock });
    const report = await fresh.run();
    expect(traktSection(report)).toMatchObject({ status: 'ok', applied: { written: 0 } });
    // No second POST: the plays that landed are counted, none is added again.
    expect(traktPosts(system)).toEqual({ 'POST /sync/history': 1 });
    expect(traktHoldings(system)).toEqual(holdingsAfterJjkCompleted());
    expect(doubledPlays(system)).toEqual(doubledBefore);
  });
});
