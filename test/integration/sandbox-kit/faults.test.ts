import {
  createFaultQueue,
  type FaultLook,
  type FaultQueue,
  FaultSpecError,
  serveWithFault,
  withControlEndpoints,
} from '../../../local/sandbox/kit/faults';
import { json, readBody, type SandboxServer, startSandboxServer } from '../../../local/sandbox/kit/http';

type ToyRoute = 'read' | 'write';
const isToyRoute = (route: string): route is ToyRoute => route === 'read' || route === 'write';

/** The toy sandbox's own error envelope and block page, so that the tests see the kit use them. */
const TOY_LOOK: FaultLook = {
  statusReply: (status, fault) => json(status, { toy_error: status, message: fault.message ?? 'toy default' }),
  blockPage: '<html><body>toy blocked</body></html>',
};

interface Toy {
  readonly server: SandboxServer;
  readonly faults: FaultQueue<ToyRoute>;
  /** What POST requests appended: the effect a `lost` answer must not hide. */
  readonly items: string[];
  readonly counters: { requests: number };
  get(): Promise<Response>;
  post(item: string): Promise<Response>;
}

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** The smallest sandbox built on the kit: GET reads the items, POST appends one. */
async function startToy(): Promise<Toy> {
  const items: string[] = [];
  const counters = { requests: 0 };
  const faults = createFaultQueue(isToyRoute);
  const server = await startSandboxServer({
    handle: withControlEndpoints({ faults, counters: () => counters }, async (exchange) => {
      counters.requests += 1;
      const body = await readBody(exchange.req, 1000);
      const route: ToyRoute = exchange.method === 'POST' ? 'write' : 'read';
      await serveWithFault(exchange, faults.take([route]), TOY_LOOK, () => {
        if (route === 'write') items.push(body);
        return json(200, { items });
      });
    }),
  });
  open.push(server);
  return {
    server,
    faults,
    items,
    counters,
    get: () => fetch(`${server.origin}/items`),
    post: (item) => fetch(`${server.origin}/items`, { method: 'POST', body: item }),
  };
}

const outcome = (promise: Promise<Response>) =>
  promise.then(
    (res) => res.status,
    () => 'network-error' as const,
  );

describe('sandbox kit: the fault queue', () => {
  test('first injected, first used; per route; `any` matches everything; times defaults to 1', () => {
    const queue = createFaultQueue(isToyRoute);
    queue.inject({ route: 'write', kind: 503, times: 2 });
    queue.inject({ kind: 500 });
    queue.inject([
      { route: 'read', kind: 502 },
      { route: 'any', kind: 'reset' },
    ]);
    expect(queue.pending()).toBe(5);
    expect(queue.take(['read'])?.kind).toBe(500);
    expect(queue.take(['read'])?.kind).toBe(502);
    expect(queue.take(['write'])?.kind).toBe(503);
    expect(queue.take([])?.kind).toBe('reset');
    expect(queue.take([])).toBeUndefined();
    expect(queue.take(['write'])?.kind).toBe(503);
    expect(queue.pending()).toBe(0);
    queue.inject({ kind: 'timeout', times: 3 });
    queue.clear();
    expect(queue.take(['read'])).toBeUndefined();
  });

  test.each<[string, unknown]>([
    ['an unknown kind', { kind: 'explode' }],
    ['a status below 400', { kind: 302 }],
    ['a route the sandbox does not have', { route: 'page:2', kind: 500 }],
    ['times 0', { kind: 500, times: 0 }],
    ['fractional times', { kind: 500, times: 1.5 }],
    ['a lost answer replaced by a 404', { kind: 'lost', status: 404 }],
    ['a status that is no HTTP status', { kind: 'html', status: 99 }],
    ['a negative Retry-After', { kind: 429, retryAfterSeconds: -1 }],
    ['not an object', 'reset'],
  ])('%s is refused with a FaultSpecError, and an array with it queues nothing', (_name, spec) => {
    const queue = createFaultQueue(isToyRoute);
    expect(() => queue.inject(spec as never)).toThrow(FaultSpecError);
    expect(() => queue.inject([{ kind: 500 }, spec] as never)).toThrow(FaultSpecError);
    expect(queue.pending()).toBe(0);
  });
});

describe('sandbox kit: fault kinds over HTTP', () => {
  test("a status is answered in the sandbox's envelope, with Retry-After only when given", async () => {
    const toy = await startToy();
    toy.faults.inject([
      { route: 'read', kind: 429, retryAfterSeconds: 7, message: 'slow down' },
      { route: 'read', kind: 500 },
    ]);
    const limited = await toy.get();
    expect([limited.status, limited.headers.get('retry-after'), await limited.json()]).toEqual([
      429,
      '7',
      { toy_error: 429, message: 'slow down' },
    ]);
    const broken = await toy.get();
    expect([broken.status, broken.headers.get('retry-after'), await broken.json()]).toEqual([
      500,
      null,
      { toy_error: 500, message: 'toy default' },
    ]);
    expect((await toy.get()).status).toBe(200);
  });

  test("html is the sandbox's block page, 403 unless told otherwise", async () => {
    const toy = await startToy();
    toy.faults.inject([{ kind: 'html' }, { kind: 'html', status: 200, retryAfterSeconds: 1 }]);
    const blocked = await toy.get();
    expect([blocked.status, blocked.headers.get('content-type'), await blocked.text()]).toEqual([
      403,
      'text/html; charset=utf-8',
      TOY_LOOK.blockPage,
    ]);
    const sneaky = await toy.get();
    expect([sneaky.status, sneaky.headers.get('retry-after')]).toEqual([200, '1']);
  });

  test('body answers verbatim: strings as text, anything else as JSON, or with the given type and status', async () => {
    const toy = await startToy();
    toy.faults.inject([
      { kind: 'body', body: 'just text' },
      { kind: 'body', body: { weird: [1] } },
      { kind: 'body', status: 207, body: '{"cut":', contentType: 'application/json' },
    ]);
    const plain = await toy.get();
    expect([plain.status, plain.headers.get('content-type'), await plain.text()]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'just text',
    ]);
    const object = await toy.get();
    expect([object.headers.get('content-type'), await object.json()]).toEqual([
      'application/json; charset=utf-8',
      { weird: [1] },
    ]);
    const cut = await toy.get();
    expect([cut.status, cut.headers.get('content-type'), await cut.text()]).toEqual([
      207,
      'application/json',
      '{"cut":',
    ]);
  });

  test('reset drops the connection without applying the request', async () => {
    const toy = await startToy();
    toy.faults.inject({ route: 'write', kind: 'reset' });
    expect(await outcome(toy.post('a'))).toBe('network-error');
    expect(toy.items).toEqual([]);
    expect(await outcome(toy.post('b'))).toBe(200);
    expect(toy.items).toEqual(['b']);
  });

  test('timeout never answers; the client gives up and the sandbox serves the next request', async () => {
    const toy = await startToy();
    toy.faults.inject({ kind: 'timeout' });
    const giveUp = new AbortController();
    const held = outcome(fetch(`${toy.server.origin}/items`, { signal: giveUp.signal }));
    while (toy.counters.requests === 0) await new Promise((resolve) => setImmediate(resolve));
    giveUp.abort();
    expect(await held).toBe('network-error');
    expect(await outcome(toy.get())).toBe(200);
  });

  test('lost: the write IS applied, then the answer is lost to a reset', async () => {
    const toy = await startToy();
    toy.faults.inject({ route: 'write', kind: 'lost' });
    expect(await outcome(toy.post('once'))).toBe('network-error');
    expect(toy.items).toEqual(['once']);
    expect(await (await toy.get()).json()).toEqual({ items: ['once'] });
  });

  test("lost with a status: the write is applied, and the client is told it failed, in the sandbox's envelope", async () => {
    const toy = await startToy();
    toy.faults.inject([
      { route: 'write', kind: 'lost', status: 503 },
      { route: 'write', kind: 'lost', status: 429, retryAfterSeconds: 2 },
    ]);
    const unavailable = await toy.post('first');
    expect([unavailable.status, await unavailable.json()]).toEqual([503, { toy_error: 503, message: 'toy default' }]);
    const limited = await toy.post('second');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect(toy.items).toEqual(['first', 'second']);
  });
});

describe('sandbox kit: control endpoints', () => {
  const control = (toy: Toy, path: string, init: RequestInit = {}) =>
    fetch(`${toy.server.origin}/_sandbox/${path}`, init);
  const post = (toy: Toy, body: unknown) =>
    control(toy, 'faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  test('POST queues a spec or an array, GET reports pending, DELETE clears', async () => {
    const toy = await startToy();
    const one = await post(toy, { route: 'write', kind: 503 });
    expect([one.status, await one.json()]).toEqual([201, { pending: 1 }]);
    const many = await post(toy, [
      { kind: 500, times: 2 },
      { route: 'read', kind: 'reset' },
    ]);
    expect(await many.json()).toEqual({ pending: 4 });
    expect(await (await control(toy, 'faults')).json()).toEqual({ pending: 4 });
    expect(await (await control(toy, 'faults', { method: 'DELETE' })).json()).toEqual({ pending: 0 });
    expect(toy.faults.pending()).toBe(0);
  });

  test('faults injected over HTTP hit the requests they match, in order', async () => {
    const toy = await startToy();
    await post(toy, [{ route: 'write', kind: 'lost' }, { kind: 502 }]);
    expect(await outcome(toy.get())).toBe(502);
    expect(await outcome(toy.post('x'))).toBe('network-error');
    expect(toy.items).toEqual(['x']);
  });

  test('counters are served as JSON; control requests are neither counted nor faulted', async () => {
    const toy = await startToy();
    await toy.get();
    await post(toy, { kind: 'reset', times: 5 });
    const counters = await control(toy, 'counters');
    expect([counters.status, await counters.json()]).toEqual([200, { requests: 1 }]);
    expect(await (await control(toy, 'faults')).json()).toEqual({ pending: 5 });
  });

  test('bad JSON and bad specs are 400 and queue nothing; unknown paths 404; wrong methods 405', async () => {
    const toy = await startToy();
    const broken = await post(toy, '{"kind":');
    expect([broken.status, (await broken.json()).error]).toEqual([400, 'invalid_json']);
    const invalid = await post(toy, [{ kind: 500 }, { kind: 500, route: 'nowhere' }]);
    const body = await invalid.json();
    expect([invalid.status, body.error]).toEqual([400, 'invalid_fault']);
    expect(body.message).toMatch(/"nowhere" is not a route of this sandbox/);
    expect(toy.faults.pending()).toBe(0);
    expect((await control(toy, 'nothing-here')).status).toBe(404);
    expect((await control(toy, 'counters', { method: 'POST' })).status).toBe(405);
    expect((await control(toy, 'faults', { method: 'PUT' })).status).toBe(405);
    expect(toy.counters.requests).toBe(0);
  });
});
