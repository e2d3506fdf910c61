import { html, type SafeHtml } from '../../../shared/mail/html';
import type { Reply } from '../kit/http';
import { changedText, countText, sandboxPage, standInIntro } from '../kit/page';
import type { MalContext } from './context';
import { nodeOf, projectListStatus } from './fields';
import { AUTHORIZE_PATH } from './oauth-routes';
import type { StoredEntry } from './store';

/** Where MAL shows a user's list to everyone (myanimelist.net/animelist/<name>). */
export function listPagePath(userName: string): string {
  return `/animelist/${encodeURIComponent(userName)}`;
}

function row(entry: StoredEntry): SafeHtml {
  const node = nodeOf(entry.node) as Record<string, unknown>;
  const ls = projectListStatus(entry.listStatus, 'all') as Record<string, unknown>;
  const status = String(ls.status ?? '').replace(/_/g, ' ') + (ls.is_rewatching ? ' (rewatching)' : '');
  const score = ls.score ? String(ls.score) : '-';
  const progress = `${String(ls.num_episodes_watched ?? 0)} / ${node.num_episodes ? String(node.num_episodes) : '?'}`;
  const changed = changedText(Date.parse(String(ls.updated_at ?? '')));
  return html`<tr data-anime-id="${String(node.id)}"><td>${String(node.title ?? '')}</td><td>${status}</td><td class="num">${score}</td><td class="num">${progress}</td><td>${changed}</td></tr>
`;
}

/** The user's public list page: what a person checks after syncing. */
export function publicListPage(ctx: MalContext): Reply {
  const { name } = ctx.user;
  const entries = [...ctx.store.entries.values()];
  const body = html`<h1>${name}'s anime list</h1>
<p>${countText(entries.length, 'entry', 'entries')}, last changed <strong id="last-changed">${changedText(ctx.store.lastChangedAt())}</strong>. Read-only, as MyAnimeList shows a list to everyone.</p>
<div class="table"><table>
<thead><tr><th>Title</th><th>Status</th><th class="num">Score</th><th class="num">Progress</th><th>Changed</th></tr></thead>
<tbody>
${entries.map(row)}</tbody>
</table></div>
<p class="muted"><a href="/">About this sandbox</a></p>`;
  return sandboxPage({ title: `${name}'s anime list - MyAnimeList sandbox`, body, wide: true });
}

/** `GET /`: what this server is, whose list it holds and where to see it. */
export function landingPage(ctx: MalContext): Reply {
  const { name } = ctx.user;
  const anime = ctx.store.entries.size;
  const manga = ctx.manga.list().length;
  const body = html`${standInIntro('MyAnimeList', 'myanimelist.net')}
<dl class="facts">
<dt>User</dt><dd id="user-name">${name}</dd>
<dt>List</dt><dd id="entry-count">${countText(anime, 'anime entry', 'anime entries')}${manga > 0 ? `, ${countText(manga, 'manga entry', 'manga entries')}` : ''}</dd>
<dt>Last changed</dt><dd id="last-changed">${changedText(ctx.store.lastChangedAt())}</dd>
<dt>API</dt><dd><code>${ctx.origin()}/v2</code></dd>
</dl>
<p><a href="${listPagePath(name)}">Open ${name}'s anime list</a></p>
<p class="muted">The mirror writes this list through MyAnimeList's API once it is authorized; it asks for that on this sandbox's consent page (<code>${AUTHORIZE_PATH}</code>), through the link in the email the local inbox shows.</p>`;
  return sandboxPage({ title: 'MyAnimeList sandbox', body });
}
