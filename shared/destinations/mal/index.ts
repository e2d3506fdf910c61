import type { AuthProvider } from '../../auth/provider';
import { hasUsableTokens } from '../../auth/tokens';
import type { IdDatasets } from '../datasets';
import type { DestinationModule, WorkerContext } from '../module';
import { MAL_CLIENT_SECRET, malAuth, malAuthModule } from './auth';
import { createMalClient, MAL_RETRY_POLICY } from './client';
import { type MalCallbackConfig, type MalMailerConfig, type MalWorkerConfig, malWorkerSchema } from './config';
import { createMalDestination } from './destination';
import { withXmlExport } from './export-object';
import { createMalSource } from './source';

/** MyAnimeList, wired: settings, secrets, OAuth and the destination. */
export const malModule: DestinationModule<MalWorkerConfig, MalMailerConfig, MalCallbackConfig> = {
  ...malAuthModule,
  workerConfig: malWorkerSchema,
  pruneSetting: 'PRUNE',
  pruneEnabled: (config) => config.PRUNE,

  async worker(config, context) {
    const provider = malAuth(config, context, await context.readSecret(MAL_CLIENT_SECRET, config));
    const mapping = {
      mirrorPrivate: context.base.MIRROR_PRIVATE,
      idOverrides: config.ID_OVERRIDES,
      partialDates: config.PARTIAL_DATES,
    };
    const datasetIds = async (mediaIds: readonly number[]) => malIdsFrom(await context.datasets(), mediaIds);
    // Full reconciles also save the list as mapped in MAL's import XML (exports/).
    const xmlExport = {
      store: context.store,
      userName: context.base.ANILIST_USERNAME ?? '',
      now: () => context.clock.now(),
      logger: context.logger,
      mapping,
      datasetIds,
      manga: context.base.MIRROR_MANGA,
    };
    return {
      auth: provider,
      runtime: () => ({
        prune: config.PRUNE,
        destination: withXmlExport(
          createMalDestination({
            // Built on first use (a run that never needs MAL never reads its tokens), with this run's token provider.
            mal: () => malClient(config, context, provider),
            mapping,
            datasetIds,
            authorized: () => hasUsableTokens(context.store, 'mal', context.logger),
            manga: context.base.MIRROR_MANGA,
            requestsPerMinute: config.MAL_REQUESTS_PER_MINUTE,
          }),
          xmlExport,
        ),
      }),
    };
  },

  async source(config, context) {
    const provider = malAuth(config, context, await context.readSecret(MAL_CLIENT_SECRET, config));
    return createMalSource(() => malClient(config, context, provider));
  },
};

function malClient(config: MalWorkerConfig, context: WorkerContext, provider: AuthProvider) {
  return createMalClient({
    fetch: context.fetch,
    timeoutMs: context.timeoutMs,
    clock: context.clock,
    ...(context.deadline ? { deadline: context.deadline } : {}),
    ...(context.onAttempt ? { onAttempt: context.onAttempt } : {}),
    apiUrl: config.MAL_API_URL,
    clientId: config.MAL_CLIENT_ID,
    retry: { ...MAL_RETRY_POLICY, ...context.retryTuning },
    requestsPerMinute: config.MAL_REQUESTS_PER_MINUTE,
    tokens: context.tokens.for(provider),
  });
}

/**
 * MAL ids the anime id dataset knows for AniList media that AniList gives none: only where it
 * names exactly one (two would be a guess).
 */
export function malIdsFrom(datasets: IdDatasets, mediaIds: readonly number[]): ReadonlyMap<number, number> {
  const found = new Map<number, number>();
  for (const id of mediaIds) {
    const mal = datasets.ids?.byAnilist(id)?.mal ?? [];
    if (mal.length === 1 && mal[0] !== undefined) found.set(id, mal[0]);
  }
  return found;
}
