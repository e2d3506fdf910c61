import { hasUsableTokens } from '../../auth/tokens';
import type { DestinationModule } from '../module';
import { TRAKT_CLIENT_SECRET, traktAuth, traktAuthModule } from './auth';
import { createTraktClient, TRAKT_RETRY_POLICY } from './client';
import { type TraktCallbackConfig, type TraktMailerConfig, type TraktWorkerConfig, traktWorkerSchema } from './config';
import { createTraktDestination } from './destination';

/** Trakt, wired: settings, secrets, OAuth and the destination. */
export const traktModule: DestinationModule<TraktWorkerConfig, TraktMailerConfig, TraktCallbackConfig> = {
  ...traktAuthModule,
  workerConfig: traktWorkerSchema,
  pruneSetting: 'TRAKT_PRUNE',
  pruneEnabled: (config) => config.TRAKT_PRUNE,

  async worker(config, context) {
    const provider = traktAuth(
      config,
      context,
      await context.readSecret(TRAKT_CLIENT_SECRET, config),
      context.base.CALLBACK_URL,
    );
    return {
      auth: provider,
      runtime: () => ({
        prune: config.TRAKT_PRUNE,
        destination: createTraktDestination({
          // Built on first use (a run that never needs Trakt never reads its tokens), with this run's token provider.
          client: () =>
            createTraktClient({
              fetch: context.fetch,
              timeoutMs: context.timeoutMs,
              clock: context.clock,
              ...(context.deadline ? { deadline: context.deadline } : {}),
              ...(context.onAttempt ? { onAttempt: context.onAttempt } : {}),
              apiUrl: config.TRAKT_API_URL,
              clientId: config.TRAKT_CLIENT_ID,
              retry: { ...TRAKT_RETRY_POLICY, ...context.retryTuning },
              getsPerMinute: config.TRAKT_GETS_PER_MINUTE,
              postsPerMinute: config.TRAKT_POSTS_PER_MINUTE,
              tokens: context.tokens.for(provider),
            }),
          store: context.store,
          clock: context.clock,
          rules: {
            unknownDate: config.TRAKT_UNKNOWN_DATE,
            progress: config.TRAKT_PROGRESS,
            rewatches: config.TRAKT_REWATCHES,
            mirrorPrivate: context.base.MIRROR_PRIVATE,
          },
          prune: config.TRAKT_PRUNE,
          batchSize: config.TRAKT_BATCH_SIZE,
          source: context.base.SOURCE,
          overrides: config.TRAKT_ID_OVERRIDES,
          datasets: () =>
            context.datasets({
              fallback: { tv: config.TRAKT_FALLBACK_TV_URL, movies: config.TRAKT_FALLBACK_MOVIES_URL },
            }),
          authorized: () => hasUsableTokens(context.store, 'trakt', context.logger),
        }),
      }),
    };
  },
};
