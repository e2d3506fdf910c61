import type { Clock } from '../../../shared/clock';
import { OAuthServer } from '../kit/oauth';
import { AppRegistry } from './apps';
import type { Catalogue } from './catalogue';
import { defaultTraktFixturePath, loadTraktFixture } from './fixture';
import { resolveSettings, type TraktSandboxOptions, type TraktSettings } from './options';
import { RateLimiter } from './rate-limit';
import { RequestIds } from './replies';
import { TraktStore } from './store';

/** What every part of the Trakt sandbox reads: its settings, data, OAuth state and limits. */
export interface TraktContext {
  readonly settings: TraktSettings;
  readonly clock: Clock;
  readonly catalogue: Catalogue;
  readonly store: TraktStore;
  readonly oauth: OAuthServer;
  readonly apps: AppRegistry;
  /** undefined when rate limiting is off. */
  readonly rateLimiter: RateLimiter | undefined;
  readonly requestIds: RequestIds;
  /** Origins, known once the servers listen. */
  apiOrigin(): string;
  authOrigin(): string;
}

export interface Origins {
  api: string;
  auth: string;
}

export function createTraktContext(options: TraktSandboxOptions, clock: Clock, origins: Origins): TraktContext {
  const settings = resolveSettings(options);
  // Read here, not at import: the default file may not exist where the sandbox is never started without a fixture.
  const fixture = loadTraktFixture(options.fixture ?? defaultTraktFixturePath());
  const store = new TraktStore(clock.now());
  store.replacePlays(fixture.history, clock.now());
  store.replaceRatings(fixture.ratings);
  const oauth = new OAuthServer({
    clock,
    clients: settings.apps.map((app) => ({
      id: app.clientId,
      secret: app.clientSecret,
      redirectUris: app.redirectUris,
    })),
    accessTokenTtlSeconds: settings.expiresIn,
    refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
    codeTtlSeconds: settings.codeTtlSeconds,
    deviceCodeTtlSeconds: settings.deviceCodeTtlSeconds,
    devicePollIntervalSeconds: settings.devicePollIntervalSeconds,
  });
  return {
    settings,
    clock,
    catalogue: fixture.catalogue,
    store,
    oauth,
    apps: new AppRegistry(settings, oauth, clock),
    rateLimiter: settings.rateLimits ? new RateLimiter(settings.rateLimits, clock) : undefined,
    requestIds: new RequestIds(),
    apiOrigin: () => origins.api,
    authOrigin: () => origins.auth,
  };
}
