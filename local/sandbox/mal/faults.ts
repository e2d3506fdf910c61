import type { FaultLook, FaultSpec, Faults } from '../kit/faults';
import { html, json, type Reply } from '../kit/http';
import { malError } from './replies';

/** Which requests a fault applies to (besides `'any'`). */
export type MalFaultRoute = 'list' | 'write' | 'delete' | 'token' | 'me' | 'authorize';

const ROUTES: ReadonlySet<string> = new Set<MalFaultRoute>(['list', 'write', 'delete', 'token', 'me', 'authorize']);

export function isMalFaultRoute(route: string): route is MalFaultRoute {
  return ROUTES.has(route);
}

/**
 * The kit's fault spec on MAL's routes. Status kinds look like MAL:
 * - `429`: `Retry-After: retryAfterSeconds` (default 1) and a JSON body;
 * - `403`: MAL's throttling answer `{"error":"forbidden","message":""}`;
 * - `502`/`503`/`504`: a gateway's HTML page, as proxies send them;
 * - any other status: MAL's JSON error `{"error", "message"}`.
 * `'html'` is MAL's "Request blocked" page (default status 403).
 */
export type MalFaultSpec = FaultSpec<MalFaultRoute>;
export type MalFaults = Faults<MalFaultRoute>;

const GATEWAY_TITLES: Readonly<Record<number, string>> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

function malStatusReply(status: number, fault: FaultSpec): Reply {
  const gateway = GATEWAY_TITLES[status];
  if (gateway) {
    return html(status, `<html><head><title>${gateway}</title></head><body><h1>${gateway}</h1></body></html>`);
  }
  if (status === 429) {
    return json(
      429,
      { error: 'too_many_requests', message: fault.message ?? 'Too Many Requests' },
      { 'Retry-After': String(fault.retryAfterSeconds ?? 1) },
    );
  }
  return malError(status, fault.message);
}

export const MAL_FAULT_LOOK: FaultLook = {
  statusReply: malStatusReply,
  blockPage:
    '<!DOCTYPE html><html><head><title>Request blocked</title></head><body><h1>Request blocked</h1>' +
    '<p>Your request has been blocked. If you believe this is an error, please contact support.</p></body></html>',
};
