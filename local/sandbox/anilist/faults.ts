import type { Clock } from '../../../shared/clock';
import type { FaultLook, FaultSpec, Faults } from '../kit/faults';
import { json, type Reply } from '../kit/http';

/**
 * Which requests a fault applies to, besides `'any'`: `page:N` is the N-th page of a paged read
 * (`Page(page: N)`, or page 1 excluding (`mediaId_not_in`) the media of the pages before it, as the
 * mirror's incremental reads ask); `chunk:N` is `MediaListCollection(chunk: N)`. An outage in the
 * middle of a read.
 */
export type AniListFaultRoute = `page:${number}` | `chunk:${number}`;

export function isAniListFaultRoute(route: string): route is AniListFaultRoute {
  return /^(page|chunk):[1-9]\d*$/.test(route);
}

/**
 * The kit's fault spec on AniList's routes. A status answers AniList's JSON error envelope (429
 * also gets Retry-After, default 60, and X-RateLimit-Reset); `'html'` is a Cloudflare block page.
 * A GraphQL error inside HTTP 200, or a truncated JSON body, is a `'body'` fault.
 */
export type AniListFaultSpec = FaultSpec<AniListFaultRoute>;

export interface AniListSandboxFaults extends Faults<AniListFaultRoute> {
  /**
   * Responses carry this entry with the given raw JSON fields overwritten (`undefined` removes a
   * field), e.g. `{ progress: 'lots' }` or `{ status: 'REWATCHING_SOON' }`: malformed data that
   * GraphQL itself could never produce. Data, not a transport fault: it lasts until `clear()`.
   */
  corruptEntry(entryId: number, fields: Record<string, unknown>): void;
  /** Drops queued faults and corrupted entries. */
  clear(): void;
}

const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad Request.',
  401: 'Unauthorized.',
  403: 'Forbidden.',
  404: 'Not Found.',
  429: 'Too Many Requests.',
  500: 'Internal Server Error.',
  502: 'Bad Gateway.',
  503: 'Service Unavailable.',
};

/** AniList's error envelope: `{"data": null, "errors": [{"message", "status"}]}`. */
export function anilistErrors(status: number, message: string, headers: Record<string, string> = {}): Reply {
  return json(status, { data: null, errors: [{ message, status }] }, headers);
}

export function anilistFaultLook(clock: Clock): FaultLook {
  return {
    statusReply(status, fault) {
      const headers: Record<string, string> = {};
      if (status === 429) {
        const seconds = fault.retryAfterSeconds ?? 60;
        headers['Retry-After'] = String(seconds);
        headers['X-RateLimit-Reset'] = String(Math.ceil(clock.now() / 1000) + seconds);
        headers['X-RateLimit-Remaining'] = '0';
      }
      return anilistErrors(status, fault.message ?? DEFAULT_MESSAGES[status] ?? `HTTP ${status}`, headers);
    },
    blockPage:
      '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>' +
      '<body><h1>Sorry, you have been blocked</h1><p>You are unable to access anilist.co</p></body></html>',
  };
}
