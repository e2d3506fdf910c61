export type { Episode, Movie, Season, Show } from './catalogue';
export type { UserCodeOutcome } from './device-routes';
export type { TraktFaultRoute, TraktFaultSpec, TraktFaults } from './faults';
export {
  defaultTraktFixturePath,
  loadTraktFixture,
  type TraktFixture,
  type TraktFixtureEpisode,
  TraktFixtureError,
  type TraktFixtureMovie,
  type TraktFixtureSeason,
  type TraktFixtureShow,
  type TraktHistoryItemInput,
  type TraktRatingItemInput,
} from './fixture';
export type {
  AccountLimitOptions,
  ConnectedAppsOptions,
  RateLimitOptions,
  RateLimitRule,
  TraktAppOptions,
  TraktSandboxOptions,
  TraktUser,
  TraktUserOptions,
} from './options';
export type { TraktSandboxCounters } from './routing';
export {
  type EpisodePlays,
  startTraktSandbox,
  type TraktSandbox,
  type TraktSandboxState,
  type TraktTokenInfo,
  type TraktTokenSet,
} from './server';
