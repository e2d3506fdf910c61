import { type Exchange, type Handler, html, json, type Reply, readBody, write } from './http';

/**
 * What a fault does to the request it meets:
 * - a status number: that status in the sandbox's own error envelope (`Retry-After` when given);
 * - `'html'`: a CDN / "request blocked" HTML page with `status` (default 403);
 * - `'timeout'`: never answers, until the client gives up or the server closes;
 * - `'reset'`: the socket is destroyed without an answer;
 * - `'body'`: `status` (default 200) with `body` verbatim (a string as is, anything else as JSON);
 * - `'lost'`: the sandbox APPLIES the request, then the answer is lost: the socket is reset, or,
 *   with `status` (429 or 5xx), that error is answered instead. A client must survive this without
 *   writing twice.
 */
export type FaultKind = number | 'html' | 'timeout' | 'reset' | 'body' | 'lost';

export interface FaultSpec<Route extends string = string> {
  /** Which requests it applies to, as the sandbox classifies them (default `'any'`: every request). */
  readonly route?: Route | 'any';
  /** How many matching requests it takes (default 1). */
  readonly times?: number;
  readonly kind: FaultKind;
  readonly retryAfterSeconds?: number;
  /** Status of an `'html'` page, a `'body'` answer, or the error that replaces a `'lost'` answer. */
  readonly status?: number;
  /** For `'body'`. */
  readonly body?: unknown;
  /** For `'body'`: default `application/json` (non-strings) or `text/plain` (strings). */
  readonly contentType?: string;
  /** For status kinds: the message of the sandbox's error envelope, where it has one. */
  readonly message?: string;
}

/** The fault API every sandbox exposes (as `sandbox.faults`, and over HTTP under `/_sandbox/faults`). */
export interface Faults<Route extends string = string> {
  /** Queues faults; they are used first injected, first used, one per matching request. */
  inject(spec: FaultSpec<Route> | readonly FaultSpec<Route>[]): void;
  clear(): void;
  /** Matching requests still to fail. */
  pending(): number;
}

export interface FaultQueue<Route extends string = string> extends Faults<Route> {
  /** Takes the first queued fault whose route is `'any'` or one of `routes`. */
  take(routes: readonly Route[]): FaultSpec<Route> | undefined;
}

export class FaultSpecError extends Error {}

const NAMED_KINDS: ReadonlySet<unknown> = new Set(['html', 'timeout', 'reset', 'body', 'lost']);

function isStatus(value: unknown, min = 100): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= 599;
}

/** Throws a `FaultSpecError` naming what is wrong; checks what a JSON spec could get wrong too. */
function checkSpec(spec: unknown, isRoute: (route: string) => boolean): void {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new FaultSpecError('a fault is an object');
  const { route, times, kind, status, retryAfterSeconds, contentType, message } = spec as Record<string, unknown>;
  if (!(isStatus(kind, 400) || NAMED_KINDS.has(kind))) {
    throw new FaultSpecError(`fault "kind" must be a status 400-599 or one of ${[...NAMED_KINDS].join(', ')}`);
  }
  if (route !== undefined && (typeof route !== 'string' || (route !== 'any' && !isRoute(route)))) {
    throw new FaultSpecError(`fault "route" ${JSON.stringify(route)} is not a route of this sandbox`);
  }
  if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 1)) {
    throw new FaultSpecError('fault "times" must be a whole number ≥ 1');
  }
  if (status !== undefined && !isStatus(status)) throw new FaultSpecError('fault "status" must be an HTTP status');
  if (kind === 'lost' && status !== undefined && status !== 429 && (status as number) < 500) {
    throw new FaultSpecError('a "lost" answer is replaced by a 429 or 5xx status, or by a reset');
  }
  if (retryAfterSeconds !== undefined && !(typeof retryAfterSeconds === 'number' && retryAfterSeconds >= 0)) {
    throw new FaultSpecError('fault "retryAfterSeconds" must be a number ≥ 0');
  }
  if (contentType !== undefined && typeof contentType !== 'string') {
    throw new FaultSpecError('fault "contentType" must be a string');
  }
  if (message !== undefined && typeof message !== 'string')
    throw new FaultSpecError('fault "message" must be a string');
}

interface Queued<Route extends string> {
  readonly spec: FaultSpec<Route>;
  remaining: number;
}

/** `isRoute` names the routes this sandbox classifies requests into (`'any'` is always valid). */
export function createFaultQueue<Route extends string>(isRoute: (route: string) => route is Route): FaultQueue<Route> {
  let queue: Queued<Route>[] = [];
  return {
    inject(spec) {
      const specs: readonly FaultSpec<Route>[] = Array.isArray(spec) ? spec : [spec as FaultSpec<Route>];
      // All or nothing: a bad spec in an array queues none of them.
      for (const one of specs) checkSpec(one, isRoute);
      for (const one of specs) queue.push({ spec: one, remaining: one.times ?? 1 });
    },
    clear() {
      queue = [];
    },
    pending() {
      return queue.reduce((sum, f) => sum + f.remaining, 0);
    },
    take(routes) {
      const found = queue.find((f) => {
        const route = f.spec.route ?? 'any';
        return route === 'any' || routes.includes(route);
      });
      if (!found) return undefined;
      found.remaining -= 1;
      if (found.remaining === 0) queue = queue.filter((f) => f !== found);
      return found.spec;
    },
  };
}

/** How a sandbox dresses the faults whose look is its own. */
export interface FaultLook {
  /** A status fault (or the status replacing a lost answer) in the sandbox's error envelope. */
  statusReply(status: number, fault: FaultSpec): Reply;
  /** The HTML page of an `'html'` fault. */
  readonly blockPage: string;
}

function withRetryAfter(reply: Reply, fault: FaultSpec): Reply {
  const headers = reply.headers ?? {};
  if (fault.retryAfterSeconds === undefined || 'Retry-After' in headers) return reply;
  return { ...reply, headers: { ...headers, 'Retry-After': String(fault.retryAfterSeconds) } };
}

function verbatim(fault: FaultSpec): Reply {
  const isText = typeof fault.body === 'string';
  return {
    status: fault.status ?? 200,
    body: isText ? (fault.body as string) : JSON.stringify(fault.body ?? null),
    contentType: fault.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
  };
}

/**
 * Answers `exchange` as `fault` says. For `'lost'`, call it after the sandbox applied the request
 * (see `serveWithFault`).
 */
export function sendFault(exchange: Exchange, fault: FaultSpec, look: FaultLook): void {
  const { kind } = fault;
  if (kind === 'timeout') {
    exchange.hold();
    return;
  }
  if (kind === 'reset' || (kind === 'lost' && fault.status === undefined)) {
    exchange.req.socket.destroy();
    return;
  }
  let reply: Reply;
  if (kind === 'html') reply = html(fault.status ?? 403, look.blockPage);
  else if (kind === 'body') reply = verbatim(fault);
  else reply = look.statusReply(kind === 'lost' ? fault.status! : kind, fault);
  write(exchange.res, withRetryAfter(reply, fault));
}

/**
 * Answers with `serve()`, unless `fault` (taken for this request) answers instead. A `'lost'` fault
 * lets `serve()` apply the request first, then loses its answer.
 */
export async function serveWithFault(
  exchange: Exchange,
  fault: FaultSpec | undefined,
  look: FaultLook,
  serve: () => Reply | Promise<Reply>,
): Promise<void> {
  if (fault && fault.kind !== 'lost') {
    sendFault(exchange, fault, look);
    return;
  }
  const reply = await serve();
  if (fault) sendFault(exchange, fault, look);
  else write(exchange.res, reply);
}

/** What the `/_sandbox/*` endpoints reach. */
export interface SandboxControl {
  /** The sandbox's public fault API (its `clear` may reset more than the queue). */
  readonly faults: Faults;
  counters(): unknown;
}

const CONTROL_PREFIX = '/_sandbox/';

async function injectFromBody(exchange: Exchange, faults: Faults): Promise<Reply> {
  let spec: unknown;
  try {
    spec = JSON.parse(await readBody(exchange.req, 1_000_000));
  } catch {
    return json(400, { error: 'invalid_json', message: 'send a fault spec, or an array of them, as JSON' });
  }
  try {
    faults.inject(spec as FaultSpec | FaultSpec[]);
  } catch (err) {
    if (err instanceof FaultSpecError) return json(400, { error: 'invalid_fault', message: err.message });
    throw err;
  }
  return json(201, { pending: faults.pending() });
}

async function controlReply(exchange: Exchange, control: SandboxControl): Promise<Reply> {
  const { method } = exchange;
  const path = exchange.url.pathname;
  if (path === `${CONTROL_PREFIX}counters`) {
    return method === 'GET' ? json(200, control.counters()) : json(405, { error: 'method_not_allowed' });
  }
  if (path !== `${CONTROL_PREFIX}faults`) return json(404, { error: 'not_found' });
  if (method === 'POST') return injectFromBody(exchange, control.faults);
  if (method === 'DELETE') control.faults.clear();
  else if (method !== 'GET') return json(405, { error: 'method_not_allowed' });
  return json(200, { pending: control.faults.pending() });
}

/**
 * Serves `/_sandbox/counters` (GET) and `/_sandbox/faults` (POST a spec or an array, DELETE to
 * clear, GET for `pending`), so that any client, in any process, can be run against a sandbox
 * started alone. Every other request goes to `handle`; control requests are neither counted nor
 * faulted.
 */
export function withControlEndpoints(control: SandboxControl, handle: Handler): Handler {
  return async (exchange) => {
    if (!exchange.url.pathname.startsWith(CONTROL_PREFIX)) return handle(exchange);
    write(exchange.res, await controlReply(exchange, control));
  };
}
