import { withXmlExport } from '../../../shared/destinations/mal/export-object';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { StoreError } from '../../../shared/store/s3-store';
import type { Destination, DestinationPlan, PlanRequest } from '../../../shared/sync/destination';
import { anilistEntry } from '../../support/entries';

/** The export the MAL destination saves on full runs: S3 trouble saving it is a note, never a failed run. */
const EMPTY_PLAN: DestinationPlan = { writes: [], unchanged: [], skipped: [], notes: [] };
const inner = { key: 'mal', plan: async () => EMPTY_PLAN } as unknown as Destination;
const request = (full: boolean): PlanRequest => ({
  entries: [anilistEntry({ idMal: 1 })],
  full,
  mirrored: {},
  dryRun: false,
});

function setUp(store: MemoryStore) {
  return withXmlExport(inner, {
    store,
    userName: 'someone',
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    logger: silentLogger,
    mapping: { mirrorPrivate: false, idOverrides: new Map() },
  });
}

test('a full run saves the export and says where', async () => {
  const store = new MemoryStore();
  const plan = await setUp(store).plan(request(true));
  expect(await store.list('exports/')).toEqual(['exports/mal-animelist-2026-01-02T03-04-05-000Z.xml']);
  expect(plan.notes).toEqual([
    {
      title: 'MAL import XML (anime)',
      kind: 'list_export',
      detail: 'saved: exports/mal-animelist-2026-01-02T03-04-05-000Z.xml (1 anime)',
    },
  ]);
});

test('S3 refusing the export leaves the plan as it was, with a note', async () => {
  const store = new MemoryStore();
  store.put = async () => {
    throw new StoreError('S3 answered 503 SlowDown');
  };
  const plan = await setUp(store).plan(request(true));
  expect(plan.writes).toBe(EMPTY_PLAN.writes);
  expect(plan.notes).toEqual([
    expect.objectContaining({
      kind: 'list_export',
      detail: expect.stringMatching(/^not saved \(.*503 SlowDown.*\); the next full run tries again$/),
    }),
  ]);
});

test('an incremental run touches no S3 object', async () => {
  const store = new MemoryStore();
  let puts = 0;
  const put = store.put.bind(store);
  store.put = (...args) => {
    puts++;
    return put(...args);
  };
  expect(await setUp(store).plan(request(false))).toBe(EMPTY_PLAN);
  expect(puts).toBe(0);
});
