import type { WorkerConfig } from '../../shared/destinations';
import type { MappingOptions } from '../../shared/destinations/mal/mapping';
import type { RunReport } from '../../shared/sync/report';
import type { SentMail } from '../emulators';
import type { HttpApiHandler } from '../http-api-bridge';
import type { AniListSandbox } from '../sandbox/anilist';
import type { MalSandbox } from '../sandbox/mal/server';
import type { AuthorizationLink, AuthorizationStatus, AuthTarget } from '../system/authorization';
import { authorizeLinksOf } from '../system/inbox';
import { createDashboard, type Dashboard, type SandboxLists } from './index';

/**
 * What the dashboard needs of a started local system (`LocalSystem` has it all). Named here rather
 * than imported, because the system mounts the dashboard: importing its type back would tie the two
 * files in a circle.
 */
export interface DashboardHost {
  readonly sandbox: boolean;
  readonly config: WorkerConfig;
  readonly authTargets: readonly AuthTarget[];
  readonly urls: { readonly callback: string; readonly inbox: string };
  readonly ses: { messages(): Promise<SentMail[]> };
  readonly anilist?: AniListSandbox;
  readonly mal?: MalSandbox;
  readonly sandboxUrls: Readonly<Record<string, string>>;
  authorization(): Promise<Record<string, AuthorizationStatus>>;
  ensureAuthorizationLink(): Promise<AuthorizationLink>;
  runs(): readonly RunReport[];
  syncInProgress(): boolean;
  nextSyncAt(): number | undefined;
  requestSync(): void;
}

/**
 * The dashboard of a started local system, served beside the callback (`routes` are the callback
 * bridge's). Returns the dashboard's full URL as the banner prints it.
 */
export function mountDashboard(
  system: DashboardHost,
  routes: Record<string, HttpApiHandler>,
  options: { host: string; refreshSeconds?: number },
): string {
  const origin = new URL(system.urls.callback).origin;
  const dashboard: Dashboard = createDashboard({
    sandbox: system.sandbox,
    host: options.host,
    port: Number(new URL(origin).port || 80),
    authTargets: system.authTargets,
    authorization: () => system.authorization(),
    inboxLinks: async () => {
      const messages = await system.ses.messages();
      for (const message of messages.reverse()) {
        const links = authorizeLinksOf(message);
        if (links.length > 0) return links;
      }
      return [];
    },
    sendAuthorizationLink: () => system.ensureAuthorizationLink(),
    inboxUrl: system.urls.inbox,
    runs: () => system.runs(),
    syncInProgress: () => system.syncInProgress(),
    nextRunAt: () => system.nextSyncAt(),
    requestSync: () => system.requestSync(),
    ...(sandboxListsOf(system) ? { lists: sandboxListsOf(system)! } : {}),
    ...(system.sandbox ? { sandboxPages: sandboxPagesOf(system) } : {}),
    ...(options.refreshSeconds ? { refreshSeconds: options.refreshSeconds } : {}),
  });
  Object.assign(routes, dashboard.routes);
  return `${origin}${dashboard.link}`;
}

/** Sandbox mode with AniList as the source: its list, MAL's when MAL is a destination, and the mapping settings. */
function sandboxListsOf(system: DashboardHost): SandboxLists | undefined {
  const { anilist } = system;
  if (!system.sandbox || !anilist || system.config.base.SOURCE !== 'anilist') return undefined;
  const malConfig = system.config.destinations.find((d) => d.module.key === 'mal')?.config as
    | { ID_OVERRIDES?: ReadonlyMap<number, number>; PARTIAL_DATES?: MappingOptions['partialDates'] }
    | undefined;
  const mapping: MappingOptions = {
    mirrorPrivate: system.config.base.MIRROR_PRIVATE,
    idOverrides: malConfig?.ID_OVERRIDES ?? new Map(),
    ...(malConfig?.PARTIAL_DATES ? { partialDates: malConfig.PARTIAL_DATES } : {}),
  };
  return {
    anilist,
    ...(malConfig && system.mal ? { mal: system.mal.state } : {}),
    mapping,
    token: () => anilist.editToken,
  };
}

/** Each sandbox's own page: AniList's, and each stand-in's by the label its user authorizes. */
function sandboxPagesOf(system: DashboardHost): { label: string; url: string }[] {
  const labelOf = (key: string) => system.authTargets.find((t) => t.destination === key)?.label ?? key;
  const pages = Object.entries(system.sandboxUrls).map(([key, url]) => ({ label: labelOf(key), url }));
  return system.anilist && system.config.base.SOURCE === 'anilist'
    ? [{ label: 'AniList', url: system.anilist.url }, ...pages]
    : pages;
}
