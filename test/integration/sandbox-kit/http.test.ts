import { Agent, request } from 'node:http';
import {
  BodyTooLargeError,
  escapeHtml,
  type Handler,
  html,
  json,
  originOf,
  readBody,
  type SandboxServer,
  type SandboxServerOptions,
  startSandboxServer,
  text,
  write,
} from '../../../local/sandbox/kit/http';

const open: SandboxServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(handle: Handler, extra: Partial<SandboxServerOptions> = {}): Promise<SandboxServer> {
  const server = await startSandboxServer({ handle, ...extra });
  open.push(server);
  return server;
}

/** Resolves once `condition` holds, checking on every turn of the event loop (no timers). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('sandbox kit: replies', () => {
  test('json, html and text set their content type; write sends an exact Content-Length', async () => {
    const replies = { '/json': json(201, { név: 'ü' }), '/html': html(200, '<p>é</p>'), '/text': text(418, 'tea ☕') };
    const server = await start(({ url, res }) => write(res, replies[url.pathname as keyof typeof replies]));
    const answers = await Promise.all(
      Object.keys(replies).map(async (path) => {
        const res = await fetch(`${server.origin}${path}`);
        const body = Buffer.from(await res.arrayBuffer());
        return [res.status, res.headers.get('content-type'), Number(res.headers.get('content-length')), body];
      }),
    );
    expect(answers.map(([status, type]) => [status, type])).toEqual([
      [201, 'application/json; charset=utf-8'],
      [200, 'text/html; charset=utf-8'],
      [418, 'text/plain; charset=utf-8'],
    ]);
    for (const [, , length, body] of answers) expect(length).toBe((body as Buffer).length);
    expect(JSON.parse((answers[0]![3] as Buffer).toString('utf8'))).toEqual({ név: 'ü' });
  });

  test('write does nothing once an answer went out', async () => {
    const server = await start(({ res }) => {
      write(res, text(200, 'first'));
      write(res, text(500, 'second'));
    });
    const res = await fetch(server.origin);
    expect([res.status, await res.text()]).toEqual([200, 'first']);
  });

  test('a reply may carry extra headers and no body', async () => {
    const server = await start(({ res }) =>
      write(res, { status: 302, headers: { Location: '/elsewhere', 'X-Sandbox': 'yes' } }),
    );
    const res = await fetch(server.origin, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/elsewhere');
    expect(res.headers.get('x-sandbox')).toBe('yes');
  });
});

describe('sandbox kit: readBody', () => {
  test('reads the body as text, and refuses one past the limit while still letting the sandbox answer', async () => {
    const server = await start(async ({ req, res }) => {
      try {
        write(res, text(200, `got ${await readBody(req, 10)}`));
      } catch (err) {
        expect(err).toBeInstanceOf(BodyTooLargeError);
        write(res, text(413, 'too large'));
      }
    });
    const small = await fetch(server.origin, { method: 'POST', body: 'héllo' });
    expect(await small.text()).toBe('got héllo');
    const large = await fetch(server.origin, { method: 'POST', body: 'x'.repeat(100_000) });
    expect([large.status, await large.text()]).toEqual([413, 'too large']);
  });
});

describe('sandbox kit: escapeHtml and originOf', () => {
  test('escapeHtml leaves no markup or attribute breakout', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    );
  });

  test('originOf brackets IPv6 and shows wildcard listen addresses as loopback', () => {
    expect(originOf('127.0.0.1', 4100)).toBe('http://127.0.0.1:4100');
    expect(originOf('::1', 4100)).toBe('http://[::1]:4100');
    expect(originOf('0.0.0.0', 4100)).toBe('http://127.0.0.1:4100');
    expect(originOf('::', 4100)).toBe('http://127.0.0.1:4100');
    expect(originOf('localhost', 4100)).toBe('http://localhost:4100');
    expect(new URL(originOf('fe80::1', 1)).port).toBe('1');
  });
});

describe('sandbox kit: startSandboxServer', () => {
  test('listens on 127.0.0.1 on a free port and hands the handler method and URL', async () => {
    const server = await start(({ method, url, res }) =>
      write(res, json(200, { method, path: url.pathname, q: url.searchParams.get('q') })),
    );
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
    const res = await fetch(`${server.origin}/some/path?q=1`, { method: 'delete' });
    expect(await res.json()).toEqual({ method: 'DELETE', path: '/some/path', q: '1' });
  });

  test("a handler that throws gets the sandbox's crash reply (a JSON sandbox_bug by default)", async () => {
    const plain = await start(() => {
      throw new Error('oops');
    });
    const res = await fetch(plain.origin);
    expect([res.status, await res.json()]).toEqual([500, { error: 'sandbox_bug', message: 'oops' }]);
    const own = await start(
      async () => {
        throw new Error('again');
      },
      { crashReply: (err) => text(500, `own: ${(err as Error).message}`) },
    );
    expect(await (await fetch(own.origin)).text()).toBe('own: again');
  });

  test('a port in use is refused at start', async () => {
    const first = await start(({ res }) => write(res, text(200, 'ok')));
    await expect(startSandboxServer({ port: first.port, handle: () => {} })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  test('close() ends a held request instead of waiting for it, and is idempotent', async () => {
    let held = 0;
    const server = await start((exchange) => {
      held += 1;
      exchange.hold();
    });
    const answer = fetch(server.origin).then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => held === 1);
    const closing = server.close();
    expect(server.close()).toBe(closing);
    await closing;
    expect(await answer).toBe('failed');
    await expect(server.close()).resolves.toBeUndefined();
  });

  test('close() does not wait for idle keep-alive sockets', async () => {
    const server = await start(({ res }) => write(res, text(200, 'ok')));
    const agent = new Agent({ keepAlive: true });
    try {
      await new Promise<void>((resolve, reject) => {
        request(server.origin, { agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
          .on('error', reject)
          .end();
      });
      await until(() => Object.keys(agent.freeSockets).length === 1);
      await server.close();
    } finally {
      agent.destroy();
    }
  });
});
