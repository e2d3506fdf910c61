import { collectConfig, type DestinationKey, type SyncBaseConfig, syncBaseSchema } from '../config';
import { ConfigError } from '../errors';
import { composeConfig, type FunctionConfig } from './compose';
import { malModule } from './mal';
import type { DestinationModule } from './module';
import { traktModule } from './trakt';

export { type CallbackConfig, loadCallbackConfig, loadMailerConfig, type MailerConfig } from './auth';

/**
 * Every destination the mirror knows, by key: the one place a destination is wired in (its auth
 * side alone is in `./auth.ts`, for the mailer's and the callback's bundles). Lambdas, the local
 * runtime and the stack all start from here.
 */
// biome-ignore lint/suspicious/noExplicitAny: each module's config types are its own
export const DESTINATION_MODULES: Readonly<Partial<Record<DestinationKey, DestinationModule<any, any, any>>>> = {
  mal: malModule,
  trakt: traktModule,
};

// biome-ignore lint/suspicious/noExplicitAny: see DESTINATION_MODULES
export type WorkerConfig = FunctionConfig<SyncBaseConfig, DestinationModule<any, any, any>>;

export function loadWorkerConfig(env: Record<string, string | undefined> = process.env): WorkerConfig {
  const issues: string[] = [];
  const base = collectConfig(syncBaseSchema, env, issues);
  const config = composeConfig(base, DESTINATION_MODULES, (m) => m.workerConfig, env, issues);
  if (config) checkWorker(config, issues);
  // A bad common key must not hide that the source's user is missing: one error names every bad key.
  else checkSourceUser(env.SOURCE?.trim() || 'anilist', env.ANILIST_USERNAME?.trim(), issues);
  if (!config || issues.length > 0) throw new ConfigError(issues);
  return config;
}

/** SOURCE=anilist (the default) reads one user's list: that user must be named. */
function checkSourceUser(source: string, user: string | undefined, issues: string[]): void {
  if (source === 'anilist' && !user) {
    issues.push('ANILIST_USERNAME is required: the AniList user whose list is mirrored');
  }
}

/** Rules that span keys: the source's own requirements, and what prune and private entries need. */
function checkWorker(config: WorkerConfig, issues: string[]): void {
  const { base } = config;
  checkSourceUser(base.SOURCE, base.ANILIST_USERNAME, issues);
  if (base.SOURCE === 'mal' && base.DESTINATIONS.includes('mal')) {
    issues.push('DESTINATIONS cannot include mal while SOURCE=mal: the MyAnimeList list is the source');
  }
  // Anonymous AniList reads leave private entries out: they would look deleted to prune, and
  // mirroring them is impossible. Both settings need the list owner's token.
  if (base.SOURCE !== 'anilist' || base.ANILIST_TOKEN || base.ANILIST_TOKEN_PARAMETER) return;
  for (const { module, config: own } of config.destinations) {
    if (!module.pruneEnabled(own)) continue;
    issues.push(
      `${module.pruneSetting} needs ANILIST_TOKEN (or ANILIST_TOKEN_PARAMETER): without it private AniList entries are invisible, look deleted, and would be removed from ${module.label}`,
    );
  }
  if (base.MIRROR_PRIVATE) {
    issues.push(
      'MIRROR_PRIVATE needs ANILIST_TOKEN (or ANILIST_TOKEN_PARAMETER): private AniList entries are only visible to their owner',
    );
  }
}
