import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of an S3 emulator (moto_server) that answers chosen requests with S3's
 * 503 instead of forwarding them: the worker's real S3Store and SDK client see exactly what S3
 * would send, retries included. Path-style requests only (`/<bucket>/<key>`).
 */
export interface S3FaultProxy {
  readonly endpoint: string;
  /**
   * From now on, answer `PUT /<bucket>/<key>` with 503 SlowDown, `times` times (default: until
   * `heal`). Other requests, and other keys, pass through.
   */
  failPuts(bucket: string, key: string, times?: number): void;
  /** Stop failing. */
  heal(): void;
  /** 503s served so far, and requests forwarded, per `METHOD /bucket/key`. */
  readonly served: { readonly faults: number; readonly forwarded: Record<string, number> };
  close(): Promise<void>;
}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

export async function startS3FaultProxy(upstream: string): Promise<S3FaultProxy> {
  const target = new URL(upstream);
  let rule: { path: string; left: number } | undefined;
  const served = { faults: 0, forwarded: {} as Record<string, number> };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      const name = `${req.method} ${path}`;
      if (rule && req.method === 'PUT' && path === rule.path && rule.left > 0) {
        rule.left--;
        served.faults++;
        res.writeHead(503, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(SLOW_DOWN) });
        res.end(SLOW_DOWN);
        return;
      }
      served.forwarded[name] = (served.forwarded[name] ?? 0) + 1;
      const body = Buffer.concat(chunks);
      const headers: IncomingHttpHeaders = { ...req.headers, 'content-length': String(body.length) };
      // The body is already here: no 100-continue round trip upstream.
      delete headers.expect;
      const forward = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      forward.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failPuts(bucket, key, times = Number.POSITIVE_INFINITY) {
      rule = { path: `/${bucket}/${key}`, left: times };
    },
    heal() {
      rule = undefined;
    },
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
