import { ANILIST_STATUSES, type AniListStatus, type FuzzyDate } from '../../shared/anilist/types';
import { html, type SafeHtml } from '../../shared/mail/html';
import { preferredTitle, type SandboxEntry, SCORE_FORMAT_MAX, type ScoreFormat } from '../sandbox/anilist';
import type { SaveEntryVariables } from '../sandbox/anilist/mutations';
import { fuzzyDate } from './compare';
import { CSRF_FIELD } from './guard';

/** AniList's own limit on notes (the schema: "Text notes (Min: 0, Max: 6000)"). */
const MAX_NOTES = 6000;

/** The fields the edit form sends, as SaveMediaListEntry takes them. */
export interface EntryEdit {
  readonly id: number;
  readonly status: AniListStatus;
  /** In the user's score format, as AniList's `score` argument takes it. */
  readonly score: number;
  readonly progress: number;
  readonly startedAt: FuzzyDate;
  readonly completedAt: FuzzyDate;
  readonly notes: string;
}

/** The form's values read and checked; each problem in words that name the field. */
export function parseEntryForm(
  form: URLSearchParams,
  scoreFormat: ScoreFormat,
): { ok: true; edit: EntryEdit } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const id = Number(form.get('id'));
  if (!Number.isInteger(id) || id <= 0) problems.push('the entry id is missing');
  const status = form.get('status') ?? '';
  if (!(ANILIST_STATUSES as readonly string[]).includes(status))
    problems.push(`status "${status}" is not one of AniList's`);
  const max = SCORE_FORMAT_MAX[scoreFormat];
  const scoreText = (form.get('score') ?? '').trim();
  const score = scoreText === '' ? 0 : Number(scoreText);
  if (!Number.isFinite(score) || score < 0 || score > max)
    problems.push(`score "${scoreText}" must be a number from 0 to ${max}`);
  const progressText = (form.get('progress') ?? '').trim();
  const progress = progressText === '' ? 0 : Number(progressText);
  if (!Number.isInteger(progress) || progress < 0)
    problems.push(`progress "${progressText}" must be a whole number ≥ 0`);
  const startedAt = parseFuzzyDate(form.get('startedAt') ?? '', 'start date', problems);
  const completedAt = parseFuzzyDate(form.get('completedAt') ?? '', 'finish date', problems);
  const notes = form.get('notes') ?? '';
  if (notes.length > MAX_NOTES)
    problems.push(`notes are ${notes.length} characters long (AniList's limit is ${MAX_NOTES})`);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, edit: { id, status: status as AniListStatus, score, progress, startedAt, completedAt, notes } };
}

/** `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (AniList keeps partial dates); empty clears the date. */
function parseFuzzyDate(text: string, name: string, problems: string[]): FuzzyDate {
  const value = text.trim();
  if (value === '') return { year: null, month: null, day: null };
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(value);
  const part = (i: number) => (match?.[i] === undefined ? null : Number(match[i]));
  const [year, month, day] = [part(1), part(2), part(3)];
  const valid =
    year !== null &&
    (month === null || (month >= 1 && month <= 12)) &&
    (day === null || (month !== null && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate()));
  if (!valid) {
    problems.push(`${name} "${value}" must be YYYY-MM-DD, YYYY-MM or YYYY (or empty)`);
    return { year: null, month: null, day: null };
  }
  return { year, month, day };
}

/** The edit page's content: one entry's fields, Save, and Delete in its own form. */
export function editForm(options: {
  entry: SandboxEntry;
  scoreFormat: ScoreFormat;
  score: number;
  csrfToken: string;
  back: string;
  problems?: readonly string[];
  values?: URLSearchParams;
}): SafeHtml {
  const { entry } = options;
  const title = (entry.media && preferredTitle(entry.media, 'ROMAJI')) ?? `AniList #${entry.mediaId}`;
  const value = (name: string, fallback: string) => options.values?.get(name) ?? fallback;
  const status = value('status', entry.status);
  const max = SCORE_FORMAT_MAX[options.scoreFormat];
  const problems = options.problems?.length
    ? html`<div class="notice bad"><p><strong>Not saved:</strong></p><ul>${options.problems.map((p) => html`<li>${p}</li>`)}</ul></div>`
    : html``;
  const csrf = html`<input type="hidden" name="${CSRF_FIELD}" value="${options.csrfToken}">`;
  return html`<section class="card"><h1>Edit “${title}” on the sandbox AniList</h1>
<p class="muted">Saved through AniList's own SaveMediaListEntry mutation, as AniList's site would. The next sync (or Sync now on the dashboard) carries the change to the mirror.</p>
${problems}<form method="post" action="/anilist/entry">
${csrf}<input type="hidden" name="id" value="${entry.id}">
<label>Status <select name="status">${ANILIST_STATUSES.map((s) =>
    s === status ? html`<option value="${s}" selected>${s}</option>` : html`<option value="${s}">${s}</option>`,
  )}</select></label>
<label>Score (0–${max}, 0 = no score) <input name="score" inputmode="decimal" value="${value('score', String(options.score))}"></label>
<label>Progress (episodes) <input name="progress" inputmode="numeric" value="${value('progress', String(entry.progress))}"></label>
<label>Started (YYYY-MM-DD, YYYY-MM or YYYY; empty clears) <input name="startedAt" value="${value('startedAt', fuzzyDate(entry.startedAt))}"></label>
<label>Finished <input name="completedAt" value="${value('completedAt', fuzzyDate(entry.completedAt))}"></label>
<label>Notes <textarea name="notes">${value('notes', entry.notes ?? '')}</textarea></label>
<button type="submit">Save on the sandbox AniList</button> <a class="button plain" href="${options.back}">Cancel</a>
</form>
<hr>
<form method="post" action="/anilist/entry/delete">
${csrf}<input type="hidden" name="id" value="${entry.id}">
<button type="submit" class="danger">Delete from the sandbox AniList</button>
</form></section>`;
}

/**
 * Sends one mutation to the sandbox AniList, server-side (the bearer token never reaches the
 * browser), and returns AniList's error message when it refused.
 */
export async function sendMutation(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown>,
): Promise<string | undefined> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => undefined)) as { errors?: AniListError[] } | undefined;
  const messages = (body?.errors ?? []).map(errorWords);
  if (res.ok && messages.length === 0) return undefined;
  return `the sandbox AniList answered ${res.status}${messages.length ? `: ${messages.join('; ')}` : ''}`;
}

interface AniListError {
  readonly message?: unknown;
  /** AniList's `"validation"` errors: field name → messages. */
  readonly validation?: Record<string, unknown>;
}

function errorWords(error: AniListError): string {
  const message = typeof error.message === 'string' ? error.message : 'unknown error';
  if (!error.validation || typeof error.validation !== 'object') return message;
  return Object.entries(error.validation)
    .map(([field, problems]) => `${field}: ${Array.isArray(problems) ? problems.join(' ') : String(problems)}`)
    .join('; ');
}

/** The save mutation's variables: an empty notes field clears the notes, as AniList's site does. */
export function saveVariables(edit: EntryEdit): SaveEntryVariables {
  return { ...edit, notes: edit.notes === '' ? null : edit.notes };
}
