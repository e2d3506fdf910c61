import { escapeHtml, html, type Reply } from '../kit/http';
import type { MalContext } from './context';
import { nodeOf, projectListStatus } from './fields';
import type { StoredEntry } from './store';

/** Where MAL shows a user's list to everyone (myanimelist.net/animelist/<name>). */
export function listPagePath(userName: string): string {
  return `/animelist/${encodeURIComponent(userName)}`;
}

function row(entry: StoredEntry): string {
  const node = nodeOf(entry.node) as Record<string, unknown>;
  const ls = projectListStatus(entry.listStatus, 'all') as Record<string, unknown>;
  const cells = [
    String(node.title ?? ''),
    String(ls.status ?? '').replace(/_/g, ' ') + (ls.is_rewatching ? ' (rewatching)' : ''),
    ls.score ? String(ls.score) : '-',
    `${String(ls.num_episodes_watched ?? 0)} / ${node.num_episodes ? String(node.num_episodes) : '?'}`,
  ];
  return `<tr data-anime-id="${escapeHtml(String(node.id))}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
}

/** The user's public list page: what a person checks after syncing. */
export function publicListPage(ctx: MalContext): Reply {
  const rows = [...ctx.store.entries.values()].map(row).join('\n');
  const name = escapeHtml(ctx.user.name);
  return html(
    200,
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${name}'s Anime List - MyAnimeList (sandbox)</title></head>` +
      `<body><h1>${name}'s Anime List</h1><table><thead><tr><th>Title</th><th>Status</th><th>Score</th><th>Progress</th></tr></thead>` +
      `<tbody>${rows}</tbody></table></body></html>`,
  );
}
