import { html, type SafeHtml } from '../../../shared/mail/html';
import type { Reply } from '../kit/http';
import {
  changedText,
  countText,
  isFaviconRequest,
  isPageRead,
  NO_FAVICON,
  sandboxPage,
  standInIntro,
  wantsHtml,
} from '../kit/page';
import {
  type AniListSandboxStore,
  mediaTypeOf,
  preferredTitle,
  type SandboxEntry,
  type ScoreConverter,
  STATUS_LIST_NAMES,
} from './store';

/**
 * The sandbox AniList's pages for people: `/` says what it is, `/user/<name>/animelist` (and
 * `mangalist`) show the list read-only, as anilist.co's list view would. GraphQL stays `POST /`.
 */

type ListType = 'ANIME' | 'MANGA';
const LIST_PATH = /^\/user\/([^/]+)\/(animelist|mangalist)$/;

export function listPagePath(userName: string, type: ListType = 'ANIME'): string {
  return `/user/${encodeURIComponent(userName)}/${type === 'MANGA' ? 'mangalist' : 'animelist'}`;
}

/**
 * The page a GET asks for, or undefined when the request is not for a page (GraphQL, API paths).
 * `GET /` is the landing page for a browser (it asks for HTML); a program still gets AniList's 405.
 */
export function anilistPageReply(
  request: { readonly method: string; readonly url: URL; readonly accept: string | undefined },
  store: AniListSandboxStore,
  convertScore: ScoreConverter,
): Reply | undefined {
  const { method, url } = request;
  if (isFaviconRequest(method, url.pathname)) return NO_FAVICON;
  if (!isPageRead(method)) return undefined;
  if (url.pathname === '/') return wantsHtml(request.accept) ? landingPage(store, `${url.origin}/`) : undefined;
  const list = LIST_PATH.exec(url.pathname);
  if (!list) return undefined;
  const type: ListType = list[2] === 'mangalist' ? 'MANGA' : 'ANIME';
  // AniList matches user names case-insensitively.
  if (safeDecode(list[1]!).toLowerCase() !== store.user.name.toLowerCase()) return unknownUserPage(store);
  return listPage(store, type, convertScore);
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function entriesOf(store: AniListSandboxStore, type: ListType): SandboxEntry[] {
  return store.entries().filter((e) => mediaTypeOf(e) === type);
}

function landingPage(store: AniListSandboxStore, endpoint: string): Reply {
  const { name } = store.user;
  const anime = entriesOf(store, 'ANIME').length;
  const manga = entriesOf(store, 'MANGA').length;
  const body = html`${standInIntro('AniList', 'graphql.anilist.co')}
<dl class="facts">
<dt>User</dt><dd id="user-name">${name}</dd>
<dt>List</dt><dd id="entry-count">${countText(anime, 'anime entry', 'anime entries')}${manga > 0 ? `, ${countText(manga, 'manga entry', 'manga entries')}` : ''}</dd>
<dt>Last changed</dt><dd id="last-changed">${changedText(store.lastChangedAt())}</dd>
<dt>GraphQL</dt><dd><code>POST ${endpoint}</code></dd>
</dl>
<p><a href="${listPagePath(name)}">Open ${name}'s anime list</a>${manga > 0 ? html` · <a href="${listPagePath(name, 'MANGA')}">manga list</a>` : ''}</p>
<p class="muted">To change an entry, use the mirror's local dashboard (<code>npm start</code> prints its address). It edits this list through AniList's own SaveMediaListEntry mutation, and the next sync carries the change to the mirror.</p>`;
  return sandboxPage({ title: 'AniList sandbox', body });
}

function unknownUserPage(store: AniListSandboxStore): Reply {
  const { name } = store.user;
  const body = html`<h1>No such user here</h1>
<p>The AniList sandbox has one user, <strong>${name}</strong>: <a href="${listPagePath(name)}">open ${name}'s anime list</a>.</p>`;
  return sandboxPage({ title: 'Not found - AniList sandbox', body, status: 404 });
}

const MANGA_STATUS_NAMES: Readonly<Record<string, string>> = { CURRENT: 'Reading', REPEATING: 'Rereading' };

function row(entry: SandboxEntry, store: AniListSandboxStore, convertScore: ScoreConverter): SafeHtml {
  const { user } = store;
  const title = (entry.media && preferredTitle(entry.media, user.titleLanguage)) ?? `AniList #${entry.mediaId}`;
  const manga = mediaTypeOf(entry) === 'MANGA';
  const status = (manga ? MANGA_STATUS_NAMES[entry.status] : undefined) ?? STATUS_LIST_NAMES[entry.status];
  const score = entry.score > 0 ? String(convertScore(entry.score, user.scoreFormat)) : '-';
  const total = manga ? entry.media?.chapters : entry.media?.episodes;
  return html`<tr data-entry-id="${entry.id}" data-media-id="${entry.mediaId}"><td>${title}${entry.private ? html`<span class="private">private</span>` : ''}</td><td>${status}</td><td class="num">${score}</td><td class="num">${entry.progress} / ${total ?? '?'}</td><td>${changedText(entry.updatedAt * 1000)}</td></tr>
`;
}

function listPage(store: AniListSandboxStore, type: ListType, convertScore: ScoreConverter): Reply {
  const { name, scoreFormat } = store.user;
  const kind = type === 'MANGA' ? 'manga' : 'anime';
  // Most recently changed first: the entry just edited is the one a person looks for.
  const entries = entriesOf(store, type).sort((a, b) => b.updatedAt - a.updatedAt || a.id - b.id);
  const body = html`<h1>${name}'s ${kind} list</h1>
<p>${countText(entries.length, 'entry', 'entries')}, last changed <strong id="last-changed">${changedText(store.lastChangedAt())}</strong>. Read-only; most recently changed first. Scores are on ${name}'s scale (${scoreFormat}).</p>
<div class="table"><table>
<thead><tr><th>Title</th><th>Status</th><th class="num">Score</th><th class="num">Progress</th><th>Changed</th></tr></thead>
<tbody>
${entries.map((e) => row(e, store, convertScore))}</tbody>
</table></div>
<p class="muted"><a href="/">About this sandbox</a></p>`;
  return sandboxPage({ title: `${name}'s ${kind} list - AniList sandbox`, body, wide: true });
}
