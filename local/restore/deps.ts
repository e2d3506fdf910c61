import type { Platform } from '../../lambdas/runtime';
import { buildSyncWorkerDeps } from '../../lambdas/sync-worker/handler';
import { loadWorkerConfig } from '../../shared/destinations';
import type { MalDestination } from '../../shared/destinations/mal/destination';
import type { RestoreDeps } from '../../shared/destinations/mal/restore';
import { RestoreError } from '../../shared/destinations/mal/restore-plan';

export type BaseRestoreDeps = Omit<RestoreDeps, 'onProgress' | 'stopAt'>;

/** The MAL destination exactly as the worker builds it: its client, pacing, retries and token refresh. */
export async function restoreDeps(env: Record<string, string | undefined>, platform: Platform) {
  const config = loadWorkerConfig(env);
  const worker = await buildSyncWorkerDeps(config, platform);
  const runtime = worker.sync.destinations().find((r) => r.destination.key === 'mal');
  if (!runtime) throw new RestoreError('MyAnimeList is not among DESTINATIONS: there is no MAL list to restore');
  const restore: BaseRestoreDeps = {
    store: platform.store,
    destination: runtime.destination as unknown as MalDestination,
    clock: platform.clock,
    checkpointEveryWrites: config.base.CHECKPOINT_EVERY_WRITES,
  };
  return { restore, endOfRun: () => worker.sync.endOfRun?.() ?? Promise.resolve() };
}
