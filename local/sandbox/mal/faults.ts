/** Which requests a fault applies to. */
export type MalFaultRoute = 'list' | 'write' | 'delete' | 'token' | 'me' | 'authorize' | 'any';

/**
 * - `429`: `Retry-After: retryAfterSeconds` (default 1) and a JSON body.
 * - `403`: MAL's throttling answer `{"message":"","error":"forbidden"}` (Retry-After only if given).
 * - `500`/`502`/`503`: an outage; 502/503 come as a gateway's HTML page, as proxies send them.
 * - `'html'`: MAL's "Request blocked" HTML page, with `status` (default 403).
 * - `'timeout'`: never answers; the connection stays open until the client gives up.
 * - `'reset'`: the socket is destroyed without an answer.
 * - `'body'`: answers `status` (default 200) with `body` verbatim (an object is sent as JSON), to feed
 *   clients the malformed or surprising payloads the sandbox itself would never produce.
 */
export type MalFaultKind = 429 | 403 | 500 | 502 | 503 | 'html' | 'timeout' | 'reset' | 'body';

export interface MalFaultSpec {
  readonly route?: MalFaultRoute;
  /** How many matching requests fail (default 1). */
  readonly times?: number;
  readonly kind: MalFaultKind;
  readonly retryAfterSeconds?: number;
  /** Status of an `'html'` page or a `'body'` answer. */
  readonly status?: number;
  /** For `'body'`: a string is sent as is, anything else as JSON. */
  readonly body?: unknown;
  /** For `'body'`: default `application/json` (objects) or `text/plain` (strings). */
  readonly contentType?: string;
}

export interface MalFaults {
  /** Queues a fault; faults are consumed in the order injected, one per matching request. */
  inject(spec: MalFaultSpec): void;
  clear(): void;
  /** Failures still queued. */
  pending(): number;
}

interface QueuedFault {
  readonly spec: MalFaultSpec;
  remaining: number;
}

export interface FaultQueue extends MalFaults {
  /** Takes the next fault matching `route`, if any. Deterministic: first injected, first used. */
  take(route: Exclude<MalFaultRoute, 'any'> | 'other'): MalFaultSpec | undefined;
}

export function createFaultQueue(): FaultQueue {
  let queue: QueuedFault[] = [];
  return {
    inject(spec) {
      const times = spec.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new Error(`fault "times" must be a whole number ≥ 1`);
      queue.push({ spec, remaining: times });
    },
    clear() {
      queue = [];
    },
    pending() {
      return queue.reduce((sum, f) => sum + f.remaining, 0);
    },
    take(route) {
      const fault = queue.find((f) => (f.spec.route ?? 'any') === 'any' || f.spec.route === route);
      if (!fault) return undefined;
      fault.remaining -= 1;
      if (fault.remaining <= 0) queue = queue.filter((f) => f !== fault);
      return fault.spec;
    },
  };
}
