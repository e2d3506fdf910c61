import type { IncomingMessage } from 'node:http';
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
} from '../kit/page';
import type { TraktContext } from './context';
import { newestFirst } from './history-read';
import type { Play } from './store';

/** How many of the latest plays the landing page lists. */
const RECENT_PLAYS = 20;

/**
 * `GET /` on either host from a browser; undefined for every other request. An API call (it carries
 * `trakt-api-key`) to `/` still gets the API host's own answer.
 */
export function traktPageReply(ctx: TraktContext, req: IncomingMessage, path: string): Reply | undefined {
  const method = (req.method ?? 'GET').toUpperCase();
  if (isFaviconRequest(method, path)) return NO_FAVICON;
  const fromBrowser = req.headers['trakt-api-key'] === undefined;
  return isPageRead(method) && path === '/' && fromBrowser ? landingPage(ctx) : undefined;
}

function what(play: Play): string {
  const { target } = play;
  if (target.kind === 'movie') return target.movie.title;
  const { show, episode } = target.ref;
  const code = `S${String(episode.season).padStart(2, '0')}E${String(episode.number).padStart(2, '0')}`;
  return `${show.title} ${code}`;
}

function playRow(play: Play): SafeHtml {
  const watched = play.watchedAt === null ? 'unknown date' : changedText(play.watchedAt);
  return html`<tr data-history-id="${play.id}"><td>${what(play)}</td><td>${watched}</td></tr>
`;
}

/** What this server is, whose history it holds, and the latest plays (Trakt's list is a watch history). */
function landingPage(ctx: TraktContext): Reply {
  const { username } = ctx.settings.user;
  const plays = [...ctx.store.allPlays()].sort(newestFirst);
  const lastChanged = Date.parse(String(ctx.store.lastActivities().all));
  const body = html`${standInIntro('Trakt', 'api.trakt.tv')}
<dl class="facts">
<dt>User</dt><dd id="user-name">${username}</dd>
<dt>History</dt><dd id="entry-count">${countText(plays.length, 'play', 'plays')}, ${countText(ctx.store.ratingCount(), 'rating', 'ratings')}</dd>
<dt>Last changed</dt><dd id="last-changed">${changedText(lastChanged)}</dd>
<dt>API</dt><dd><code>${ctx.apiOrigin()}</code></dd>
<dt>Sign-in host</dt><dd><code>${ctx.authOrigin()}</code></dd>
</dl>
<h2>Latest plays</h2>
${
  plays.length === 0
    ? html`<p>No plays yet: the mirror adds them once Trakt is connected.</p>`
    : html`<div class="table"><table>
<thead><tr><th>Watched</th><th>When</th></tr></thead>
<tbody>
${plays.slice(0, RECENT_PLAYS).map(playRow)}</tbody>
</table></div>`
}
<p class="muted">Trakt keeps a watch history rather than a list: the mirror adds a play for each episode watched on AniList, and ratings for scores.</p>`;
  return sandboxPage({ title: 'Trakt sandbox', body, wide: true });
}
