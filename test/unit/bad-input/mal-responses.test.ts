import type { MalFaultSpec } from '../../../local/sandbox/mal/server';
import { KEYS } from '../../../shared/store/store';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { differingMalIds, patchCount } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf, sectionOf } from '../../support/reports';

const item = (listStatus: Record<string, unknown>, node: Record<string, unknown> = { id: 5114, title: 'FMA' }) => ({
  data: [{ node, list_status: listStatus }],
  paging: {},
});

/**
 * Malformed or surprising MAL answers, served verbatim by the MAL sandbox (`kind: 'body'`) to real
 * sync runs. Each gets a specific error in the run report (never a crash), nothing is written on
 * the strength of data we could not read, and a later run puts everything right.
 */
describe('bad MAL responses in real runs', () => {
  let system: TestSystem;
  let edits = 0;
  beforeAll(async () => {
    system = await startTestSystem();
    await authorize(system);
  });
  afterAll(async () => {
    await system?.close();
  });

  /** One AniList edit, so that a run has exactly one write to make. */
  function editOne(): number {
    const entry = system.anilist!.store.entries().find((e) => e.media?.idMal === 52991)!;
    system.anilist!.store.upsertEntry({ id: entry.id, notes: `edit ${++edits}` });
    return 52991;
  }

  // [case, body MAL sends for GET /users/@me/animelist, error the run reports]
  test.each<[string, Pick<MalFaultSpec, 'body' | 'contentType' | 'status'>, RegExp]>([
    [
      'plain text',
      { body: 'Service temporarily unavailable' },
      /MyAnimeList answered HTTP 200 with a body that is not JSON \[non-JSON text\/plain/,
    ],
    ['truncated JSON', { body: '{"data":[{"node":', contentType: 'application/json' }, /not JSON/],
    [
      'a "Request blocked" page with HTTP 200',
      { body: '<html><head><title>Request blocked</title></head></html>', contentType: 'text/html' },
      /MyAnimeList blocked the requests \("Request blocked" page\)/,
    ],
    ['"data" that is not a list', { body: { data: 'nope' } }, /a list page without a "data" array/],
    [
      'an unknown list status',
      { body: item({ status: 'rewatching' }) },
      /list_status \(anime 5114\)\.status is "rewatching", not one of watching, completed/,
    ],
    [
      'a node id that is text',
      { body: item({ status: 'completed' }, { id: '5114', title: 'FMA' }) },
      /node\.id is "5114", not a positive whole number/,
    ],
    ['a score above 10', { body: item({ status: 'completed', score: 11 }) }, /score is 11, outside MAL's 0–10/],
    [
      'a negative episode count',
      { body: item({ status: 'watching', num_episodes_watched: -2 }) },
      /num_episodes_watched is -2, not a whole number/,
    ],
    [
      'a date in prose',
      { body: item({ status: 'completed', start_date: 'March 2016' }) },
      /start_date is "March 2016", not YYYY, YYYY-MM or YYYY-MM-DD/,
    ],
    [
      'rewatching as a string',
      { body: item({ status: 'completed', is_rewatching: 'yes' }) },
      /is_rewatching is "yes", not true\/false/,
    ],
    [
      'paging.next that is not a URL',
      { body: { data: [], paging: { next: 42 } } },
      /"paging\.next" that is not a URL string/,
    ],
  ])(
    'animelist read: %s → the full run fails with a specific error and writes nothing; the next run converges',
    async (_name, spec, error) => {
      const malId = editOne();
      const stateBefore = (await system.store.get(KEYS.syncState('mal')))!.body;
      const before = patchCount(system);
      system.mal!.faults.inject({ route: 'list', kind: 'body', ...spec });

      // The handler throws, as the Lambda would (its Errors alarm), with the report's error.
      await expect(system.runSync({ full: true })).rejects.toThrow(error);
      const failed = system.reports.at(-1)!;
      expect(failed.status).toBe('failed');
      expect(sectionOf(failed)).toMatchObject({ mode: 'full', status: 'failed', applied: { written: 0 } });
      expect(sectionOf(failed).error).toMatch(error);
      expect(patchCount(system)).toBe(before);
      expect((await system.store.get(KEYS.syncState('mal')))!.body).toBe(stateBefore);
      expect(system.mal!.faults.pending()).toBe(0);

      const next = await system.runSync({ full: true });
      expect(next).toMatchObject({ status: 'ok' });
      expect(resultOf(next)).toMatchObject({ status: 'ok', written: 1 });
      expect(patchCount(system) - before).toBe(1);
      expect(system.mal!.state.getEntry(malId)?.listStatus.comments).toBe(`edit ${edits}`);
    },
  );

  // [case, retried by the next run?, reply to the PATCH (which the sandbox did not apply), error]
  test.each<[string, boolean, Pick<MalFaultSpec, 'body' | 'contentType' | 'status'>, RegExp]>([
    ['an empty 200', true, { body: '' }, /not JSON \[empty body\]/],
    ['a non-JSON 200', true, { body: 'OK' }, /not JSON \[non-JSON text\/plain/],
    ['an unknown status in the echo', false, { body: { status: 'rewatching' } }, /status is "rewatching"/],
    [
      'a score that is text in the echo',
      false,
      { body: { status: 'completed', score: 'high' } },
      /score is "high", not a whole number/,
    ],
  ])('write reply: %s → reported; retried by the next run: %s; nothing lost', async (_name, transient, spec, error) => {
    const malId = editOne();
    const before = patchCount(system);
    system.mal!.faults.inject({ route: 'write', kind: 'body', ...spec });

    const first = await system.runSync();
    expect(first).toMatchObject({ status: 'partial' });
    expect(resultOf(first)).toMatchObject({ status: 'partial', failed: 1, written: 0 });
    const failure = sectionOf(system.reports.at(-1)!).failures[0]!;
    expect(failure).toMatchObject({
      key: String(malId),
      target: `MAL ${malId}`,
      permanent: !transient,
      error: expect.stringMatching(error),
    });

    const second = await system.runSync();
    expect(second).toMatchObject({ status: 'ok' });
    if (transient) {
      // A reply we could not read is retried by the next run.
      expect(resultOf(second)).toMatchObject({ status: 'ok', written: 1, retryQueue: 0 });
      expect(patchCount(system) - before).toBe(2);
    } else {
      // A reply with values we do not understand is a permanent failure: reported, not retried in a loop...
      expect(resultOf(second)).toMatchObject({ status: 'ok', written: 0 });
      expect(patchCount(system) - before).toBe(1);
      // ...and the next full reconcile, which reads MAL's real list, repairs the entry.
      const repaired = await system.runSync({ full: true });
      expect(repaired).toMatchObject({ status: 'ok' });
      expect(resultOf(repaired)).toMatchObject({ status: 'ok', written: 1 });
      expect(patchCount(system) - before).toBe(2);
    }
    expect(system.mal!.state.getEntry(malId)?.listStatus.comments).toBe(`edit ${edits}`);
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);
  });
});
