import { describeError, redactSecrets } from '../errors';
import type { WriteOutcome } from './destination';

/**
 * What went wrong, in the words a report uses. Read from the fields every error of the domain
 * carries (`code`, and `status` for an HTTP answer), so the core needs no destination's classes.
 */
export type FailureKind =
  | 'out_of_time'
  | 'unreachable'
  | 'throttled'
  | 'unavailable'
  | 'auth'
  | 'not_found'
  | 'rejected'
  | 'unreadable'
  | 'other';

interface ErrorFields {
  readonly code?: unknown;
  readonly status?: unknown;
  /** The service's own explanation, when its error carries one (MAL's `message`). */
  readonly serviceMessage?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
}

export function failureKind(err: unknown): FailureKind {
  const fields = (err ?? {}) as ErrorFields;
  const code = typeof fields.code === 'string' ? fields.code : '';
  const status = typeof fields.status === 'number' && fields.status > 0 ? fields.status : undefined;
  if (code === 'out_of_time') return 'out_of_time';
  if (code === 'network_error') return 'unreachable';
  if (code.endsWith('_rate_limited') || status === 429) return 'throttled';
  if (code.endsWith('_unavailable') || (status !== undefined && status >= 500)) return 'unavailable';
  if (code === 'reauth_required' || code.endsWith('_auth_failed') || code.endsWith('_unauthorized')) return 'auth';
  if (code.endsWith('_not_found') || status === 404) return 'not_found';
  if (code.endsWith('_bad_response')) return 'unreadable';
  if (code.endsWith('_rejected') || code.endsWith('_invalid_input') || (status !== undefined && status >= 400)) {
    return 'rejected';
  }
  return 'other';
}

/**
 * One sentence a person can read about a failed call to `label` (`MyAnimeList`), without the
 * HTTP method, URL or path the technical description names (those go to the debug log). A
 * rejection quotes the service's own explanation (`serviceMessage`, e.g. MAL's "invalid score"),
 * which is what a person can act on. Without any known secret.
 */
export function describeFailure(err: unknown, label: string): string {
  return redactSecrets(sentence(err, label));
}

function sentence(err: unknown, label: string): string {
  const { status, serviceMessage } = (err ?? {}) as ErrorFields;
  const said = typeof serviceMessage === 'string' && serviceMessage !== '' ? serviceMessage : undefined;
  const http = typeof status === 'number' && status > 0 ? `HTTP ${status}` : undefined;
  switch (failureKind(err)) {
    case 'out_of_time':
      return `not sent to ${label}: the run's time was up`;
    case 'unreachable':
      return `${label} could not be reached (${/timed out/i.test(causeText(err)) ? 'no answer in time' : 'connection failed'})`;
    case 'throttled':
      // MAL's "Request blocked" page (sometimes with a 200) is its firmest way of saying it.
      if (/request.blocked/i.test(messageOf(err))) return `${label} blocked the requests ("Request blocked" page)`;
      return `${label} asked to slow down${http ? ` (${http})` : ''}`;
    case 'unavailable':
      return `${label} was unavailable${http ? ` (${http})` : ''}`;
    case 'auth':
      return `${label} did not accept the authorization${http ? ` (${http})` : ''}`;
    case 'not_found':
      return `${label} does not know this title${http ? ` (${http})` : ''}`;
    case 'rejected':
      return `${label} rejected the request${http || said ? ` (${[http, said].filter(Boolean).join(': ')})` : ''}`;
    case 'unreadable': {
      const what = withoutOperation(messageOf(err));
      return what.startsWith('answered') ? `${label} ${what}` : `${label}'s answer could not be read: ${what}`;
    }
    case 'other':
      return withoutOperation(describeError(err));
  }
}

/**
 * A failed write's outcome: the sentence for the report (`error`), the technical description for
 * the debug log (`detail`) and the error's stable code.
 */
export function writeFailure(
  err: unknown,
  label: string,
  options: { permanent: boolean; throttled?: boolean },
): Extract<WriteOutcome, { result: 'failed' }> {
  const code = (err as ErrorFields | null)?.code;
  return {
    result: 'failed',
    error: describeFailure(err, label),
    detail: describeError(err),
    ...(typeof code === 'string' ? { code } : {}),
    permanent: options.permanent,
    ...(options.throttled !== undefined ? { throttled: options.throttled } : {}),
  };
}

/** The destination is down or out of reach (an outage, not a refusal): the stop reason `unavailable`. */
export function isOutage(err: unknown): boolean {
  const kind = failureKind(err);
  return kind === 'unreachable' || kind === 'unavailable';
}

const METHOD_AND_TARGET = /\b(GET|POST|PUT|PATCH|DELETE|HEAD)\s+\S+/g;
const URL = /\bhttps?:\/\/\S+/g;

/** Removes `PATCH /anime/21/my_list_status`, `GET https://…` and bare URLs; tidies what is left. */
export function withoutOperation(text: string): string {
  return redactSecrets(text)
    .replace(METHOD_AND_TARGET, '')
    .replace(URL, '')
    .replace(/^(MAL|Trakt|AniList)\s+(?=\S)/, '')
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+([:,)])/g, '$1')
    .trim();
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function causeText(err: unknown): string {
  const cause = (err as ErrorFields | null)?.cause;
  const inner = cause instanceof Error ? `${cause.message} ${String((cause as ErrorFields).cause ?? '')}` : '';
  return `${messageOf(err)} ${inner}`;
}
