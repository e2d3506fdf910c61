import { traktDateTime } from '../../../local/sandbox/trakt/dates';
import { resolveSettings } from '../../../local/sandbox/trakt/options';
import { pageRequest, paginate } from '../../../local/sandbox/trakt/replies';

/** Defaults, paging arithmetic and Trakt's date format. */

describe('Trakt sandbox settings', () => {
  test('defaults', () => {
    const s = resolveSettings({});
    expect(s.mainApp).toEqual({
      clientId: 'sandbox-trakt-client-id',
      clientSecret: 'sandbox-trakt-client-secret',
      redirectUris: ['http://127.0.0.1:3000/callback', 'urn:ietf:wg:oauth:2.0:oob'],
      name: 'Sandbox Trakt App',
      vipOwner: true,
    });
    expect(s).toMatchObject({
      pkceRequired: true,
      expiresIn: 604_800,
      devicePollBodies: 'empty',
      deviceCodeTtlSeconds: 600,
      devicePollIntervalSeconds: 5,
      tokenErrorStatus: 400,
      preMigrationRefreshTokens: false,
      legacyOAuthOnApiHost: false,
      connectedApps: { mode: 'off', freeLimit: 1, vipLimit: 50 },
      requireUserAgent: true,
      rateLimits: {
        authedWrite: { limit: 1, periodSeconds: 1 },
        authedGet: { limit: 1000, periodSeconds: 300 },
        unauthedGet: { limit: 1000, periodSeconds: 300 },
        xRatelimitHeader: true,
        penaltyBoxSeconds: 0,
      },
      historyDefaultLimit: 100,
      maxPageLimit: 250,
      expandSpecials: true,
      expandUnaired: false,
      unknownWatchedAt: 'accept',
      unknownWatchedAtShownAs: 'null',
      missingNumbersReportedAs: 'episodes',
      invalidRatingStatus: 422,
      searchNotFound: 'empty',
      watchedMode: '2026',
      accountLimits: { historyPlays: 100_000, ratingsFree: 10_000, ratingsVip: 20_000 },
    });
    expect(s.user).toMatchObject({
      username: 'sandbox_user',
      vip: false,
      private: false,
      ids: { slug: 'sandbox-user' },
    });
    expect(resolveSettings({ rateLimits: false }).rateLimits).toBeUndefined();
  });

  test('bad numbers and shared client ids are refused at start', () => {
    expect(() => resolveSettings({ expiresIn: 0 })).toThrow(/expiresIn/);
    expect(() => resolveSettings({ rateLimits: { authedWrite: { limit: 0, periodSeconds: 1 } } })).toThrow(
      /authedWrite/,
    );
    expect(() => resolveSettings({ otherApps: [{ clientId: 'sandbox-trakt-client-id', clientSecret: 'x' }] })).toThrow(
      /share a client id/,
    );
  });

  test('paging: page from 1, limit defaulted then clamped, counts in headers', () => {
    const params = (q: string) => new URLSearchParams(q);
    expect(pageRequest(params(''), 100, 250)).toEqual({ page: 1, limit: 100 });
    expect(pageRequest(params('page=3&limit=1000'), 100, 250)).toEqual({ page: 3, limit: 250 });
    expect(pageRequest(params('page=0&limit=-5'), 10, 250)).toEqual({ page: 1, limit: 10 });
    const items = Array.from({ length: 7 }, (_, i) => i);
    expect(paginate(items, { page: 3, limit: 3 })).toEqual({
      page: [6],
      headers: {
        'X-Pagination-Page': '3',
        'X-Pagination-Limit': '3',
        'X-Pagination-Page-Count': '3',
        'X-Pagination-Item-Count': '7',
      },
    });
  });

  test('dates: whole seconds, .000Z', () => {
    expect(traktDateTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toBe('2024-01-02T03:04:05.000Z');
  });
});
