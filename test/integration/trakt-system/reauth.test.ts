import { authorizeLinksOf } from '../../../local/system/inbox';
import { readTokens } from '../../../shared/auth/tokens';
import { resultOf, sectionOf } from '../../support/reports';
import {
  approveDestination,
  authorizeAll,
  completeJujutsuKaisen,
  doubledPlays,
  holdingsAfterJjkCompleted,
  holdingsOf,
  SAMPLE_TRAKT_PLAYS,
  sampleEntry,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktRatings,
} from '../../support/trakt';

const MINUTE = 60_000;

/** The user disconnects the app on Trakt (every token revoked): the mirror asks again, by email, and resumes. */
describe('Trakt access revoked → reauthorization', () => {
  let system: TraktTestSystem;
  afterEach(async () => {
    await system.close();
  });

  /** Two AniList edits that wait for Trakt: a new rating and 24 new plays. */
  function editWhileRevoked(): void {
    const steins = sampleEntry(system, 9253);
    system.anilist!.store.upsertEntry({ id: steins.id, score: 70 });
    completeJujutsuKaisen(system);
  }

  test('DESTINATIONS=trakt: reauth_required, a Trakt link by email, and the sync resumes with nothing lost or doubled', async () => {
    system = await startTraktSystem();
    await authorizeAll(system);
    const ratings = traktRatings(system);
    const before = (await readTokens(system.store, 'trakt')).tokens!;
    const mailsBefore = (await system.ses.messages()).length;

    system.clock.advance(15 * MINUTE);
    system.trakt!.state.revokeAllTokens();
    editWhileRevoked();
    const result = await system.runSync();
    expect(result).toMatchObject({ status: 'reauth_required' });
    expect(resultOf(result, 'trakt')).toMatchObject({ status: 'reauth_required' });
    const section = sectionOf(system.reports.at(-1)!, 'trakt');
    expect(section).toMatchObject({ status: 'reauth_required', reauthReason: 'invalid_grant' });
    expect((await readTokens(system.store, 'trakt')).tokens?.invalid).toMatchObject({ reason: 'invalid_grant' });

    // "Reauth Required" for Trakt reaches the mailer, which emails a Trakt link.
    await system.settle();
    expect(system.bus.published).toEqual(
      expect.arrayContaining([
        {
          detailType: 'Reauth Required',
          detail: expect.objectContaining({ destination: 'trakt', reason: 'invalid_grant' }),
        },
      ]),
    );
    const mails = await system.ses.messages();
    expect(mails).toHaveLength(mailsBefore + 1);
    const mail = mails.at(-1)!;
    expect(authorizeLinksOf(mail).map((l) => l.label)).toEqual(['Trakt']);
    expect(`${mail.subject} ${mail.text}`).toMatch(/Trakt/);
    expect(`${mail.subject} ${mail.text}`).toMatch(/expired|revoked|refused|invalid|disconnected/i);

    // While it waits, runs leave Trakt alone entirely.
    system.clock.advance(15 * MINUTE);
    system.trakt!.resetCounters();
    const waiting = await system.runSync();
    expect(resultOf(waiting, 'trakt')).toMatchObject({ status: 'reauth_required', retryQueue: 0 });
    expect(system.trakt!.counters.requests).toBe(0);
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));

    // Approving the emailed link stores new tokens; the sync it starts lands both edits, once.
    system.clock.advance(15 * MINUTE);
    const resumed = await approveDestination(system, 'Trakt');
    const after = (await readTokens(system.store, 'trakt')).tokens!;
    expect(after.invalid).toBeUndefined();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(sectionOf(resumed!, 'trakt')).toMatchObject({ status: 'ok', failures: [], retryQueue: 0 });
    expect(doubledPlays(system)).toEqual({});
    expect(traktHoldings(system)).toEqual(holdingsAfterJjkCompleted());
    expect(traktRatings(system)).toEqual({ ...ratings, 'show:42285': 7 });
  });

  test('DESTINATIONS=mal,trakt: MyAnimeList keeps syncing while Trakt waits for the user', async () => {
    system = await startTraktSystem({ destinations: 'mal,trakt' });
    await authorizeAll(system);
    const ratings = traktRatings(system);

    system.clock.advance(15 * MINUTE);
    system.trakt!.state.revokeAllTokens();
    editWhileRevoked();
    const first = await system.runSync();
    expect(first).toMatchObject({ status: 'reauth_required' });
    expect(resultOf(first, 'trakt')).toMatchObject({ status: 'reauth_required' });
    expect(resultOf(first, 'mal')).toMatchObject({ status: 'ok', written: 2 });
    expect(system.mal!.state.getEntry(9253)?.listStatus.score).toBe(7);
    await system.settle();
    // The email asks for Trakt only: MyAnimeList's tokens are fine.
    expect(authorizeLinksOf((await system.ses.messages()).at(-1)!).map((l) => l.label)).toEqual(['Trakt']);

    // Another edit while Trakt waits: MAL gets it, Trakt is not even asked.
    system.clock.advance(15 * MINUTE);
    const frieren = sampleEntry(system, 154587);
    system.anilist!.store.upsertEntry({ id: frieren.id, score: 100 });
    system.trakt!.resetCounters();
    const second = await system.runSync();
    expect(resultOf(second, 'mal')).toMatchObject({ status: 'ok', written: 1 });
    expect(resultOf(second, 'trakt')).toMatchObject({ status: 'reauth_required' });
    expect(system.mal!.state.getEntry(52991)?.listStatus.score).toBe(10);
    expect(system.trakt!.counters.requests).toBe(0);

    // Trakt approved: every edit it missed lands, once; MAL has nothing left to do.
    system.clock.advance(15 * MINUTE);
    system.mal!.resetCounters();
    const resumed = await approveDestination(system, 'Trakt');
    expect(sectionOf(resumed!, 'trakt')).toMatchObject({ status: 'ok', failures: [], retryQueue: 0 });
    expect(system.mal!.counters.byRoute['PATCH /v2/anime/:id/my_list_status']).toBeUndefined();
    expect(doubledPlays(system)).toEqual({});
    expect(traktHoldings(system)).toEqual(holdingsAfterJjkCompleted());
    expect(traktRatings(system)).toEqual({ ...ratings, 'show:42285': 7, 'show:198225': 10 });
  });
});
