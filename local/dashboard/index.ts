import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { assertHttpUrl, html, type SafeHtml } from '../../shared/mail/html';
import type { RunReport } from '../../shared/sync/report';
import type { HttpApiHandler } from '../http-api-bridge';
import { defaultScoreConverter } from '../sandbox/anilist';
import { DELETE_ENTRY_MUTATION, SAVE_ENTRY_MUTATION } from '../sandbox/anilist/mutations';
import type { AuthorizationStatus, AuthTarget } from '../system/authorization';
import { needsWhat } from '../words';
import { editForm, parseEntryForm, saveVariables, sendMutation } from './edit';
import { CSRF_FIELD, createDashboardGuard, type DashboardGuard } from './guard';
import { listsSection, type SandboxLists } from './lists';

export type { SandboxLists } from './lists';

import { type PageResult, page, problemPage, seeOther } from './page';
import { runsSection, syncSection } from './runs';

/** What the dashboard shows and can do, from the local system. */
export interface DashboardSource {
  readonly sandbox: boolean;
  /** LOCAL_HOST and the callback port: the dashboard shares the callback's origin. */
  readonly host: string;
  readonly port: number;
  readonly authTargets: readonly AuthTarget[];
  authorization(): Promise<Record<string, AuthorizationStatus>>;
  /** The authorization links of the newest email in the local inbox that has some. */
  inboxLinks(): Promise<readonly { label: string; url: string }[]>;
  /** Has the mailer send the authorization email now, if one is needed. */
  sendAuthorizationLink(): Promise<unknown>;
  readonly inboxUrl: string;
  /** The last runs' reports, newest first. */
  runs(): readonly RunReport[];
  syncInProgress(): boolean;
  nextRunAt(): number | undefined;
  /** Starts a sync now, or right after the one in progress. */
  requestSync(): void;
  /** Sandbox mode with AniList as the source. */
  readonly lists?: SandboxLists;
  /** Each sandbox's own page, by its label (sandbox mode). */
  readonly sandboxPages?: readonly { label: string; url: string }[];
  /** Default 5: how often an open page reloads itself. */
  readonly refreshSeconds?: number;
}

export interface Dashboard {
  readonly routes: Record<string, HttpApiHandler>;
  /** The dashboard's path and query as the banner prints it (`/`, or `/?key=…` when reachable from other machines). */
  readonly link: string;
}

/**
 * The local dashboard on the callback's origin: authorization per destination, the last runs with
 * their whole reports, the next run and Sync now, the inbox, and in sandbox mode both lists side by
 * side with an editor for the sandbox AniList. No script; forms are guarded (./guard.ts).
 */
export function createDashboard(source: DashboardSource): Dashboard {
  const guard = createDashboardGuard({ host: source.host, port: source.port });
  const reading = (handle: (event: APIGatewayProxyEventV2) => Promise<PageResult>): HttpApiHandler => {
    return async (event) => {
      const refusal = guard.readRefusal(event);
      if (refusal) return problemPage(403, 'Not allowed', `Not shown: ${refusal}.`, '/');
      const result = await handle(event);
      const cookie = guard.setCookie(event);
      return cookie ? { ...result, headers: { ...result.headers, 'Set-Cookie': cookie } } : result;
    };
  };
  const acting = (handle: (form: URLSearchParams) => Promise<PageResult>): HttpApiHandler => {
    return async (event) => {
      const form = new URLSearchParams(event.body ?? '');
      const refusal = guard.postRefusal(event, form);
      if (refusal) return problemPage(403, 'Refused', `Nothing was done: ${refusal}.`, '/');
      return handle(form);
    };
  };
  const routes: Record<string, HttpApiHandler> = {
    'GET /': reading((event) => dashboardPage(source, guard, event)),
    'POST /sync': acting(async () => {
      source.requestSync();
      return seeOther('/?done=sync');
    }),
    'POST /authorize-link': acting(async () => {
      await source.sendAuthorizationLink();
      return seeOther('/?done=mail');
    }),
  };
  const { lists } = source;
  if (lists) Object.assign(routes, editRoutes(lists, guard, reading, acting));
  return { routes, link: `/${guard.linkQuery}` };
}

async function dashboardPage(
  source: DashboardSource,
  guard: DashboardGuard,
  event: APIGatewayProxyEventV2,
): Promise<PageResult> {
  const auth = await source.authorization();
  const needed = source.authTargets.some((t) => auth[t.destination]?.needed);
  const links = needed ? await source.inboxLinks() : [];
  const csrf = html`<input type="hidden" name="${CSRF_FIELD}" value="${guard.csrfToken}">`;
  const syncNow = html`<form class="inline" method="post" action="/sync">${csrf}<button type="submit">Sync now</button></form>`;
  const content = html`<h1>AniList mirror · local dashboard${source.sandbox ? ' (sandbox)' : ''}</h1>
${doneNotice(event, source)}${authorizationSection(source, auth, links, csrf)}
${syncSection({ inProgress: source.syncInProgress(), nextRunAt: source.nextRunAt(), syncNow })}
${source.lists ? listsSection(source.lists) : html``}
${runsSection(source.runs())}
${placesSection(source)}
<p class="muted">This page reloads itself every ${source.refreshSeconds ?? 5} seconds.</p>`;
  // A notice of what a button did is shown once: the next reload is of the plain page.
  const reloadTo = event.queryStringParameters?.done ? '/' : undefined;
  return page('Mirror dashboard', content, {
    refresh: { seconds: source.refreshSeconds ?? 5, ...(reloadTo ? { url: reloadTo } : {}) },
  });
}

/** What the last button did, in fixed words (nothing from the query is shown). */
function doneNotice(event: APIGatewayProxyEventV2, source: DashboardSource): SafeHtml {
  const query = event.queryStringParameters ?? {};
  const entryId = Number(query.entry);
  const entry = Number.isInteger(entryId) ? source.lists?.anilist.store.getEntry(entryId) : undefined;
  const title = entry?.media?.title.romaji ?? entry?.media?.title.english ?? `entry ${entryId}`;
  const text: Record<string, SafeHtml> = {
    sync: html`Sync requested: it starts now, or right after the run in progress.`,
    mail: html`The authorization email is in the <a href="${source.inboxUrl}">local inbox</a>; the button below opens its link.`,
    saved: html`Saved “${title}” on the sandbox AniList. Press Sync now to carry it to the mirror (or wait for the next scheduled run).`,
    deleted: html`Deleted entry ${Number.isInteger(entryId) ? entryId : ''} from the sandbox AniList. The mirror leaves its copy alone unless PRUNE=true.`,
  };
  const notice = query.done ? text[query.done] : undefined;
  return notice ? html`<p class="notice">${notice}</p>\n` : html``;
}

function authorizationSection(
  source: DashboardSource,
  auth: Record<string, AuthorizationStatus>,
  links: readonly { label: string; url: string }[],
  csrf: SafeHtml,
): SafeHtml {
  const rows = source.authTargets.map((target) => {
    const status = auth[target.destination];
    if (!status?.needed) {
      const who = status?.user ? html` as <strong>${status.user}</strong>` : html``;
      return html`<tr><td>${target.label}</td><td class="ok">connected${who}</td><td></td></tr>\n`;
    }
    const link = links.find((l) => l.label === target.label);
    const verbs = target.verbs ?? { first: 'Authorize', again: 'Re-authorize' };
    const verb = status.reason === 'no_tokens' || status.reason === 'unreadable' ? verbs.first : verbs.again;
    const action = link
      ? html`<a class="button" href="${assertHttpUrl(link.url).href}">${verb} ${target.label}</a>`
      : html`<form class="inline" method="post" action="/authorize-link">${csrf}<button type="submit">Send the authorization email</button></form>`;
    return html`<tr><td>${target.label}</td><td class="warn">${needsWhat(target.label, status)}</td><td>${action}</td></tr>\n`;
  });
  return html`<section class="card" id="authorization"><h2>Authorization</h2>
<table><tbody>
${rows}</tbody></table>
<p class="muted">The authorization links also arrive by email, in the <a href="${source.inboxUrl}">local inbox</a>.</p></section>`;
}

function placesSection(source: DashboardSource): SafeHtml {
  const sandboxes = (source.sandboxPages ?? []).map(
    (p) => html`<li><a href="${assertHttpUrl(p.url).href}">${p.label} (sandbox)</a></li>\n`,
  );
  return html`<section class="card" id="places"><h2>Where things are</h2><ul>
<li><a href="${source.inboxUrl}">Local inbox</a>: the authorization emails</li>
${sandboxes}</ul></section>`;
}

type Wrap<T> = (handle: T) => HttpApiHandler;

/** The sandbox AniList's entry editor: through AniList's own mutations, never the store directly. */
function editRoutes(
  lists: SandboxLists,
  guard: DashboardGuard,
  reading: Wrap<(event: APIGatewayProxyEventV2) => Promise<PageResult>>,
  acting: Wrap<(form: URLSearchParams) => Promise<PageResult>>,
): Record<string, HttpApiHandler> {
  const { store } = lists.anilist;
  const formFor = (id: number, extra: { problems?: string[]; values?: URLSearchParams } = {}) => {
    const entry = store.getEntry(id);
    if (!entry) return undefined;
    const scoreFormat = store.user.scoreFormat;
    return editForm({
      entry,
      scoreFormat,
      score: defaultScoreConverter(entry.score, scoreFormat),
      csrfToken: guard.csrfToken,
      back: '/',
      ...extra,
    });
  };
  const noEntry = () => problemPage(404, 'No such entry', 'The sandbox AniList has no entry with this id.', '/');
  return {
    'GET /anilist/entry': reading(async (event) => {
      const content = formFor(Number(event.queryStringParameters?.id));
      return content ? page('Edit an entry', content) : noEntry();
    }),
    'POST /anilist/entry': acting(async (form) => {
      const id = Number(form.get('id'));
      if (!store.getEntry(id)) return noEntry();
      const parsed = parseEntryForm(form, store.user.scoreFormat);
      const problem = parsed.ok
        ? await sendMutation(lists.anilist.url, lists.token(), SAVE_ENTRY_MUTATION, { ...saveVariables(parsed.edit) })
        : undefined;
      const problems = parsed.ok ? (problem ? [problem] : []) : parsed.problems;
      if (problems.length === 0) return seeOther(`/?done=saved&entry=${id}`);
      return page('Edit an entry', formFor(id, { problems, values: form })!, { status: 400 });
    }),
    'POST /anilist/entry/delete': acting(async (form) => {
      const id = Number(form.get('id'));
      if (!store.getEntry(id)) return noEntry();
      const problem = await sendMutation(lists.anilist.url, lists.token(), DELETE_ENTRY_MUTATION, { id });
      if (!problem) return seeOther(`/?done=deleted&entry=${id}`);
      return page('Edit an entry', formFor(id, { problems: [problem] })!, { status: 502 });
    }),
  };
}
