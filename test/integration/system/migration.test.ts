import { approveLatestEmail } from '../../../local/story';
import type { AniListEntry } from '../../../shared/anilist/types';
import { readTokens } from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { mapEntry, toComparable } from '../../../shared/destinations/mal/mapping';
import { KEYS } from '../../../shared/store/store';
import { expectMalMirrorsAniList, readAniList, sandboxMalMapping } from '../../support/expectations';
import { differingMalIds, preMirrorOntoMal } from '../../support/faults';
import { startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf } from '../../support/reports';
import { malState } from '../../support/state';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A bucket the first deployed version wrote, handed to this version over the local system (s3rver,
 * the sandboxes, the real handlers): its MyAnimeList-only `sync/state.json` (version 1) and its
 * `auth/tokens.json` naming the account `malUser`. Nothing in them may be lost, and each function
 * keeps working from them.
 */
describe('a bucket from the first version', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system?.close();
  });

  /** The AniList entry as the first version stored it: without `episodes` and `format`. */
  function asVersion1(entry: AniListEntry): Record<string, unknown> {
    const {
      episodes: _episodes,
      format: _format,
      ...v1
    } = entry as AniListEntry & { episodes?: unknown; format?: unknown };
    return v1;
  }

  test('the worker runs incrementally from the version 1 state, refreshes with the version 1 tokens, then migrates', async () => {
    const clock = new ManualClock(Date.now());
    system = await startTestSystem({ clock });
    // The first version mirrored the whole list; MAL holds it.
    await preMirrorOntoMal(system);
    clock.advance(10 * MINUTE);
    const mal = system.mal!;

    // One edit MAL refused to take (a 503) and waits in the retry list, and one made after the last run.
    const listed = await readAniList(system);
    const mapping = await sandboxMalMapping(listed);
    const mappable = listed.filter((e) => mapEntry(e, mapping).kind === 'mapped');
    const [waiting, later] = mappable;
    const T = Math.floor(clock.now() / 1000) - 100;
    system.anilist!.store.upsertEntry({ id: waiting!.id, notes: 'waiting since version 1', updatedAt: T });
    const waitingEntry = (await readAniList(system)).find((e) => e.id === waiting!.id)!;

    const mirrored: Record<string, unknown> = {};
    for (const e of mappable) {
      const mapped = mapEntry(e, mapping);
      if (mapped.kind !== 'mapped') continue;
      mirrored[String(mapped.malId)] = {
        title: e.title,
        anilistEntryId: e.id,
        // The first records were written before media ids were kept.
        ...(e.id === later!.id ? {} : { mediaId: e.mediaId }),
        state: toComparable(mal.state.getEntry(mapped.malId)!.listStatus),
        written: true,
      };
    }
    const v1State = {
      version: 1,
      anilistUser: system.config.base.ANILIST_USERNAME,
      watermark: T - 1,
      lastFullSyncAt: clock.now() - 3 * HOUR,
      fullSyncPending: false,
      lastBackupAt: clock.now() - 10 * DAY,
      mirrored,
      pending: [
        {
          entry: asVersion1(waitingEntry),
          attempts: 3,
          lastError: 'mal_unavailable: MAL PATCH /anime/{id}/my_list_status failed with HTTP 503',
          permanent: false,
        },
      ],
    };
    const issued = mal.state.issueTokensDirectly();
    const v1Tokens = {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      accessExpiresAt: clock.now() + HOUR,
      refreshIssuedAt: clock.now() - DAY,
      refreshExpiresAt: clock.now() + 29 * DAY,
      malUser: mal.state.user.name,
    };
    await system.store.put(KEYS.legacySyncState, JSON.stringify(v1State));
    await system.store.put(KEYS.tokens('mal'), JSON.stringify(v1Tokens));

    system.anilist!.store.upsertEntry({ id: later!.id, notes: 'edited after the last version 1 run' });
    const laterUpdatedAt = Math.floor(clock.now() / 1000);
    clock.advance(10_000);
    // MAL has expired the access token: the worker must refresh with the version 1 record.
    mal.state.expireAccessTokens();
    expect(await differingMalIds(system)).toHaveLength(2);
    system.anilist!.resetCounters();
    mal.resetCounters();

    const result = await system.runSync();
    expect(result).toMatchObject({ status: 'ok', source: { mode: 'incremental', fetched: 2 } });
    expect(resultOf(result)).toMatchObject({ mode: 'incremental', status: 'ok', written: 2, failed: 0, retryQueue: 0 });
    // An incremental read of AniList, not a whole-list one, and no read of MAL's list.
    expect(system.anilist!.counters.byOperation).toEqual({ Page: 1 });
    expect(mal.counters.byRoute).toEqual({
      'PATCH /v2/anime/:id/my_list_status': 3, // the first one met the dead access token
      'POST /v1/oauth2/token': 1,
    });
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);

    // The tokens were refreshed from the version 1 record and saved in the current shape, same account.
    const raw = JSON.parse((await system.store.get(KEYS.tokens('mal')))!.body) as Record<string, unknown>;
    expect(raw).toMatchObject({ user: mal.state.user.name });
    expect(raw).not.toHaveProperty('malUser');
    expect(raw.refreshToken).not.toBe(v1Tokens.refreshToken);
    expect((await readTokens(system.store, 'mal')).tokens?.invalid).toBeUndefined();

    // The state moved to its own key, the old object is gone, and nothing of it was lost.
    expect(await system.store.get(KEYS.legacySyncState)).toBeUndefined();
    const saved = await malState(system.store);
    expect(saved).toMatchObject({
      version: 2,
      destination: 'mal',
      anilistUser: v1State.anilistUser,
      watermark: laterUpdatedAt,
      lastFullSyncAt: v1State.lastFullSyncAt,
      fullSyncPending: false,
      lastBackupAt: v1State.lastBackupAt,
      pending: [],
    });
    expect(Object.keys(saved.mirrored).sort()).toEqual(Object.keys(mirrored).sort());
    for (const [key, record] of Object.entries(mirrored) as [string, { anilistEntryId: number }][]) {
      if (record.anilistEntryId === waiting!.id || record.anilistEntryId === later!.id) continue;
      expect(saved.mirrored[key]).toEqual(record);
    }
    expect(await system.store.list(KEYS.backupPrefix)).toEqual([]);

    // The next run starts from the migrated state: one request, nothing to write.
    mal.resetCounters();
    system.anilist!.resetCounters();
    const quiet = await system.runSync();
    expect(resultOf(quiet)).toMatchObject({ mode: 'incremental', status: 'ok', written: 0 });
    expect(system.anilist!.counters.requests).toBe(1);
    expect(mal.counters.requests).toBe(0);
  });

  test('the mailer waits for the worker to describe version 1 tokens, then names their account; a new authorization replaces them even when they are dated ahead', async () => {
    const clock = new ManualClock(Date.now());
    system = await startTestSystem({ clock });
    system.bus.route({ onAuthorizationCompleted: async () => {} });
    const issued = system.mal!.state.issueTokensDirectly();
    // Written by a first-version callback whose clock ran 10 minutes ahead; the refresh token ends in two days.
    const v1Tokens = {
      accessToken: issued.accessToken,
      refreshToken: issued.refreshToken,
      accessExpiresAt: clock.now() + HOUR,
      refreshIssuedAt: clock.now() + 10 * MINUTE,
      refreshExpiresAt: clock.now() + 2 * DAY,
      malUser: 'first_version_fan',
    };
    await system.store.put(KEYS.tokens('mal'), JSON.stringify(v1Tokens));
    expect(await system.authorization()).toEqual({
      mal: { needed: false, user: 'first_version_fan', refreshExpiresAt: v1Tokens.refreshExpiresAt },
    });

    // Right after the upgrade the mailer may not read the tokens, and they have no metadata yet: no email.
    const before = await system.runMailer();
    expect(before).toMatchObject({ sent: false, destinations: [{ destination: 'mal', reason: null }] });
    expect(before.why).toMatch(/not described yet/);
    expect(await system.ses.messages()).toHaveLength(0);

    // The first sync run uses the tokens and describes them.
    await system.runSync();
    expect(await system.store.get(KEYS.tokenMeta('mal'))).toBeDefined();
    const mail = await system.runMailer();
    expect(mail).toMatchObject({
      sent: true,
      destinations: [{ destination: 'mal', reason: 'refresh_token_expiring' }],
    });
    const message = (await system.ses.messages()).at(-1)!;
    expect(message.text).toContain('as first_version_fan, open this link and confirm on MyAnimeList:');

    // The user follows the link at once. The stored record claims to be newer (its writer's clock ran
    // ahead), but the user's fresh authorization wins: stored, and the page names the account it is for.
    const story = await approveLatestEmail(system);
    expect(story.callbackStatus).toBe(200);
    const user = system.mal!.state.user.name;
    expect(story.callbackPage).toContain(`<strong>${user}</strong>`);
    const stored = (await readTokens(system.store, 'mal')).tokens!;
    expect(stored).toMatchObject({ user, refreshIssuedAt: clock.now() });
    expect(stored.refreshToken).not.toBe(v1Tokens.refreshToken);
    await system.settle();
    expect(system.bus.published.filter((e) => e.detailType === 'Authorization Completed')).toEqual([
      { detailType: 'Authorization Completed', detail: expect.objectContaining({ destination: 'mal', user }) },
    ]);
  });
});
