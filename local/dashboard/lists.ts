import type { MappingOptions } from '../../shared/destinations/mal/mapping';
import { html, type SafeHtml } from '../../shared/mail/html';
import type { AniListSandbox } from '../sandbox/anilist';
import { defaultScoreConverter } from '../sandbox/anilist';
import type { MalSandboxState } from '../sandbox/mal/server';
import { type ComparedField, type SideBySideRow, sideBySide } from './compare';

const COLUMNS: readonly { field: ComparedField; label: string }[] = [
  { field: 'status', label: 'status' },
  { field: 'score', label: 'score' },
  { field: 'progress', label: 'progress' },
  { field: 'started', label: 'started' },
  { field: 'finished', label: 'finished' },
];

const MATCH_WORDS: Readonly<Record<SideBySideRow['match'], string>> = {
  match: '✓ match',
  differs: 'differs',
  missing: 'not on MAL yet',
  skipped: 'not mirrored',
  mal_only: 'on MAL only (left alone)',
};

export interface SandboxLists {
  readonly anilist: AniListSandbox;
  /** The sandbox MAL, when MAL is a destination. */
  readonly mal?: MalSandboxState;
  /** The MAL mirror's mapping settings (MIRROR_PRIVATE, ID_OVERRIDES, PARTIAL_DATES). */
  readonly mapping: MappingOptions;
  /** The bearer token the sandbox AniList accepts mutations with (sent server-side only). */
  token(): string | undefined;
}

/**
 * The sandbox lists side by side (AniList entry | MAL entry | match), each difference the next
 * sync would write highlighted; each AniList entry has an Edit link.
 */
export function listsSection(lists: SandboxLists): SafeHtml {
  const anilistEntries = lists.anilist.store.entries();
  const mal = lists.mal;
  const { scoreFormat } = lists.anilist.store.user;
  if (!mal) {
    return html`<section class="card" id="lists"><h2>Sandbox AniList list</h2>
<p class="muted">MAL is not a destination, so there is no MAL list to compare with. Edit an entry: ${anilistEntries.map(
      (e) => html`<a href="/anilist/entry?id=${e.id}">${e.media?.title.romaji ?? `#${e.id}`}</a> `,
    )}</p></section>`;
  }
  const rows = sideBySide(anilistEntries, mal.list(), lists.mapping);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.match, (counts.get(row.match) ?? 0) + 1);
  const summary = [...counts].map(([match, n]) => `${MATCH_WORDS[match as SideBySideRow['match']]}: ${n}`).join(' · ');
  const head = html`<tr><th>AniList entry</th>${COLUMNS.map((c) => html`<th>${c.label}</th>`)}<th class="side">MAL entry</th>${COLUMNS.map(
    (c) => html`<th>${c.label}</th>`,
  )}<th class="side">match</th><th></th></tr>`;
  const body = rows.map((row) => rowHtml(row, (p) => defaultScoreConverter(p, scoreFormat)));
  return html`<section class="card" id="lists"><h2>Sandbox lists side by side</h2>
<p>${summary}. Highlighted: what the next sync writes to MAL. AniList scores are in the user's format (${scoreFormat}), MAL's out of 10.</p>
<div class="scroll"><table class="lists"><thead>${head}</thead><tbody>
${body}</tbody></table></div></section>`;
}

function rowHtml(row: SideBySideRow, anilistScore: (point100: number) => number): SafeHtml {
  const differs = new Set(row.differences);
  const cell = (field: ComparedField, value: string | number | undefined) =>
    differs.has(field) ? html`<td class="diff">${value}</td>` : html`<td>${value}</td>`;
  const a = row.anilist;
  const m = row.mal;
  const left = a
    ? html`<td>${a.title}</td>${cell('status', a.status)}${cell('score', anilistScore(a.score))}${cell('progress', a.progress)}${cell('started', a.started)}${cell('finished', a.finished)}`
    : html`<td class="muted">—</td><td></td><td></td><td></td><td></td><td></td>`;
  const right = m
    ? html`<td class="side">${m.title}</td>${cell('status', m.status)}${cell('score', m.score)}${cell('progress', m.progress)}${cell('started', m.started)}${cell('finished', m.finished)}`
    : html`<td class="side muted">—</td><td></td><td></td><td></td><td></td><td></td>`;
  const extra = row.match === 'differs' ? ` (${row.differences.join(', ')})` : row.why ? `: ${row.why}` : '';
  const tone = row.match === 'match' ? 'ok' : row.match === 'mal_only' ? 'muted' : 'warn';
  const edit = a ? html`<a href="/anilist/entry?id=${a.entryId}">Edit</a>` : html``;
  const id = a ? `anilist-${a.entryId}` : `mal-${m?.animeId ?? 0}`;
  return html`<tr id="${id}">${left}${right}<td class="side ${tone}">${MATCH_WORDS[row.match]}${extra}</td><td>${edit}</td></tr>\n`;
}
