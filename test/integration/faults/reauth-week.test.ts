import { approveLatestEmail } from '../../../local/story';
import { readTokens } from '../../../shared/auth/tokens';
import { ManualClock } from '../../../shared/clock';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf } from '../../support/reports';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/**
 * The sync schedule's period in this simulation (SYNC_INTERVAL_MINUTES). Any period that divides
 * the throttle and the TTLs gives the same emails; 4 h keeps a simulated week to 42 runs.
 */
const SYNC_INTERVAL = 4 * HOUR;
const STEPS_PER_DAY = DAY / SYNC_INTERVAL;

/**
 * A MAL refresh token that stays dead (`invalid_grant`) for a simulated week: the sync runs at
 * every interval (each one publishes "Reauth Required" while the edit waits), the mailer runs on
 * each event and on its daily schedule, and the SES emulator counts what reached the inbox.
 *
 * shared/auth/reauth.ts promises: while the tokens are broken, send when no email was sent before,
 * when the last link was used, when it expired, or when the throttle window since the last email
 * has passed; otherwise stay quiet ("at most one email per window while the last link is still
 * usable"). So the period between emails is min(throttle, link TTL).
 */
describe('a persistent invalid_grant over a simulated week', () => {
  let system: TestSystem;
  afterEach(async () => {
    await system?.close();
  });

  test.each([
    // [link TTL h, throttle h, simulated days, emails, hours between emails]
    [168, 24, 7, 7, 24],
    [12, 24, 3, 6, 12],
  ])(
    'link TTL %i h, throttle %i h, %i days: exactly %i reauth emails, one every %i h',
    async (ttlHours, throttleHours, days, expected, periodHours) => {
      const clock = new ManualClock(Date.UTC(2026, 2, 2, 8, 0, 0));
      system = await startTestSystem({
        clock,
        env: { REAUTH_LINK_TTL_HOURS: String(ttlHours), REAUTH_THROTTLE_HOURS: String(throttleHours) },
      });
      await authorize(system);
      expect(await system.ses.messages()).toHaveLength(1); // the first authorization's email

      // MAL revokes the refresh token; an AniList edit waits to be written.
      clock.advance(5 * MINUTE);
      system.mal!.state.revokeRefreshTokens();
      system.mal!.state.expireAccessTokens();
      const entry = system.anilist!.store.entries().find((e) => e.media?.idMal === 9253)!;
      system.anilist!.store.upsertEntry({ id: entry.id, score: 10 });
      system.mal!.resetCounters();

      const sentAt: number[] = [];
      let seen = 1;
      const steps = days * STEPS_PER_DAY;
      for (let step = 1; step <= steps; step++) {
        clock.advance(SYNC_INTERVAL);
        const result = await system.runSync();
        expect(result).toMatchObject({ status: 'reauth_required' });
        expect(resultOf(result)).toMatchObject({ status: 'reauth_required', retryQueue: 1 });
        // Event deliveries first: s3rver ignores If-Match, so overlapping mailer runs are kept apart
        // only by S3's conditional writes in AWS (the mailer's unit tests cover that race).
        await system.settle();
        // The daily scheduled check, at its own time of day (12 h after the first run's).
        if (step % STEPS_PER_DAY === 3) await system.runMailer();
        const count = (await system.ses.messages()).length;
        if (count > seen) {
          expect(count).toBe(seen + 1); // never two emails at once
          sentAt.push(clock.now());
          seen = count;
        }
      }

      expect(system.errors).toEqual([]);
      expect(sentAt).toHaveLength(expected);
      // The first email goes out with the first failed run; then one per period, exactly.
      expect(sentAt[0]).toBe(Date.UTC(2026, 2, 2, 8, 5, 0) + SYNC_INTERVAL);
      sentAt.slice(1).forEach((t, i) => {
        expect(t - sentAt[i]!).toBe(periodHours * HOUR);
      });
      const mails = (await system.ses.messages()).slice(1);
      for (const mail of mails) expect(`${mail.subject} ${mail.text}`).toMatch(/expired|revoked|refused|invalid/i);

      // MAL saw one refresh attempt all week (the one that failed) and not a single write.
      expect(system.mal!.counters.byRoute['POST /v1/oauth2/token']).toBe(1);
      expect(system.mal!.counters.byRoute['PATCH /v2/anime/:id/my_list_status']).toBeUndefined();
      expect((await readTokens(system.store, 'mal')).tokens?.invalid).toMatchObject({ reason: 'invalid_grant' });

      // Nothing was lost: following the latest link resumes syncing and the waiting edit lands.
      expect((await approveLatestEmail(system)).callbackStatus).toBe(200);
      await system.settle();
      expect(system.mal!.state.getEntry(9253)?.listStatus.score).toBe(1);
    },
  );
});
