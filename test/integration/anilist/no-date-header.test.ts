import { type AniListSandbox, generateAniListEntries, startAniListSandbox } from '../../../local/sandbox/anilist';
import { createAniListClient } from '../../../shared/anilist/client';
import { type Clock, ManualClock } from '../../../shared/clock';
import { silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import { loadDestinationState } from '../../../shared/sync/state';
import { FakeDestination } from '../../support/fake-destination';
import { RecordingEvents } from '../../support/fakes';
import { sectionOf } from '../../support/reports';

/**
 * AniList normally tells its clock in the `Date` header, and no watermark passes it. When the header
 * is missing (a proxy strips it), our own clock stands in, allowing for a minute of skew
 * (`watermarkCeiling`). Here the AniList sandbox answers without it, over real HTTP, and our clock
 * runs 30 s ahead of AniList's: an edit made during the read must still be picked up by the next run.
 */
describe('AniList answering without a Date header', () => {
  let sandbox: AniListSandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  test('the sandbox can leave the Date header out', async () => {
    sandbox = await startAniListSandbox({ sendDate: false, clock: new ManualClock(Date.UTC(2026, 5, 1)) });
    const res = await fetch(sandbox.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: '{ Viewer { id } }' }),
    });
    await res.arrayBuffer();
    expect(res.headers.get('date')).toBeNull();
    const client = createAniListClient({ url: sandbox.url, fetch, timeoutMs: 5_000, requestsPerMinute: 0 });
    const read = await client.readAll(sandbox.store.user.name);
    expect(read.entries.length).toBeGreaterThan(20);
    expect(read.serverTime).toBeUndefined();
  });

  test('an entry edited during the read, in the second the read started, is picked up by the next run', async () => {
    const anilistClock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
    // Our clock is 30 s ahead of AniList's: the allowed skew (a minute) must cover it.
    const ourClock: Clock = { now: () => anilistClock.now() + 30_000, sleep: async () => {} };
    sandbox = await startAniListSandbox({
      entries: generateAniListEntries(140, 31),
      clock: anilistClock,
      sendDate: false,
    });
    const anilist = sandbox;
    const user = anilist.store.user.name;

    // Once armed: after the first page of the read has been served, an entry on it is edited again.
    let armed = false;
    let reEdited: { id: number; progress: number } | undefined;
    const duringTheRead = (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      if (armed && !reEdited) {
        const page = (await res.clone().json()) as { data?: { Page?: { mediaList?: { id: number }[] } } };
        const onPage = (page.data?.Page?.mediaList ?? []).map((e) => e.id);
        const entry = anilist.store.entries().find((e) => onPage.includes(e.id) && e.status !== 'PLANNING');
        if (entry) {
          reEdited = { id: entry.id, progress: entry.progress + 10 };
          anilist.store.upsertEntry(reEdited);
        }
      }
      return res;
    }) as typeof fetch;

    const destination = new FakeDestination('alpha', 'Alpha');
    const store = new MemoryStore();
    const deps: SyncDeps = {
      source: createAniListClient({
        url: anilist.url,
        fetch: duringTheRead,
        timeoutMs: 5_000,
        requestsPerMinute: 0,
        clock: ourClock,
      }),
      destinations: () => [{ destination, prune: false }],
      store,
      events: new RecordingEvents(),
      clock: ourClock,
      logger: silentLogger,
    };
    const settings: SyncSettings = {
      anilistUser: user,
      fullSyncIntervalHours: 24,
      checkpointEveryWrites: 50,
      deadlineSafetyMs: 0,
    };
    expect((await runSync(deps, settings)).status).toBe('ok');

    // Ten minutes later, every entry is edited in AniList's second T, which is also when the next
    // read starts (three pages of changes).
    anilistClock.advance(10 * 60_000);
    const T = Math.floor(anilistClock.now() / 1000);
    for (const e of anilist.store.entries()) anilist.store.upsertEntry({ id: e.id, progress: e.progress + 1 });
    armed = true;
    const during = await runSync(deps, settings);
    expect(during).toMatchObject({ status: 'ok', source: { mode: 'incremental' } });
    expect(reEdited).toBeDefined();
    expect(anilist.store.entries().find((e) => e.id === reEdited!.id)?.updatedAt).toBe(T);
    expect(during.source.fetched).toBeGreaterThan(100);
    const key = FakeDestination.targetOf(reEdited!);
    // The run wrote the version it read on page 1; the edit made after that page was served is not in it.
    expect(destination.held.get(key)?.progress).toBe(reEdited!.progress - 10);
    const saved = await loadDestinationState(store, 'alpha', (s) => destination.checkRecordState(s));
    expect(saved!.state.watermark).toBeLessThan(T);

    // The next run reads that second again and writes exactly the edit it missed.
    destination.written.length = 0;
    const next = await runSync(deps, settings);
    expect(sectionOf(next, 'alpha')).toMatchObject({ status: 'ok', applied: { written: 1 } });
    expect(destination.written).toEqual([key]);
    expect(destination.held.get(key)?.progress).toBe(reEdited!.progress);
  });
});
