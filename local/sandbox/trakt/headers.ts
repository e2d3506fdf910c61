import type { IncomingHttpHeaders } from 'node:http';
import { mediaType, type Reply, text } from '../kit/http';
import type { TraktApp } from './options';
import { blockedPage, empty, forbidden } from './replies';

/** The kit's, still importable from here (the header unit tests read it with the checks below). */
export { bearerOf } from '../kit/http';

/**
 * The checks every API-host request meets before Trakt looks at its route, in the order the
 * layers apply them: the CDN blocks a request without `User-Agent` (an HTML page, not Trakt's);
 * Trakt then wants a known, live app in `trakt-api-key`, `trakt-api-version: 2`, and JSON on writes.
 */

export interface HeaderCheckOptions {
  readonly requireUserAgent: boolean;
  readonly app: (clientId: string) => TraktApp | undefined;
}

export type HeaderVerdict =
  | { readonly ok: true; readonly app: TraktApp }
  | { readonly ok: false; readonly reply: Reply };

const WRITES: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function isJsonContentType(value: string | undefined): boolean {
  return mediaType(value) === 'application/json';
}

export function checkApiHeaders(
  method: string,
  headers: IncomingHttpHeaders,
  options: HeaderCheckOptions,
): HeaderVerdict {
  if (options.requireUserAgent && !single(headers['user-agent'])?.trim()) return { ok: false, reply: blockedPage() };
  const app = options.app(single(headers['trakt-api-key']) ?? '');
  // An unknown key and an app Trakt removed (its owner is no longer VIP) look the same.
  if (!app?.vipOwner) return { ok: false, reply: forbidden() };
  if (single(headers['trakt-api-version']) !== '2') {
    return { ok: false, reply: text(400, 'Send the trakt-api-version: 2 header.') };
  }
  if (WRITES.has(method) && !isJsonContentType(single(headers['content-type']))) {
    return { ok: false, reply: empty(412) };
  }
  return { ok: true, app };
}
