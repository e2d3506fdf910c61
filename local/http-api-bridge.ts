import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { urlHost } from './config';
import { listen } from './net/listen';
import { BodyTooLargeError, readBody } from './sandbox/kit/http';

export type HttpApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * A tiny stand-in for API Gateway HTTP API: turns real HTTP requests into payload v2 events for
 * the same Lambda handler that runs in AWS, and writes its result back.
 */
export async function startHttpApiBridge(options: {
  routes: Record<string, HttpApiHandler>;
  port?: number;
  host?: string;
  onError?: (err: unknown) => void;
}): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? urlHost(host)}`);
    const routeKey = `${req.method ?? 'GET'} ${url.pathname}`;
    const handler = options.routes[routeKey];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    readRequestBody(req)
      .then((body) => handler(toEvent(req, url, routeKey, body)))
      .then((result) => {
        res.writeHead(result.statusCode ?? 200, stringHeaders(result.headers));
        res.end(result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64') : (result.body ?? ''));
      })
      .catch((err: unknown) => {
        if (err instanceof BodyTooLargeError) {
          res.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"Request Entity Too Large"}');
          return;
        }
        options.onError?.(err);
        // API Gateway's own answer when an integration throws.
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
      });
  });
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Larger bodies are refused with 413: the local routes take small forms, never uploads. */
const MAX_BODY_BYTES = 64 * 1024;

/** The request's body as text (undefined when empty), as API Gateway passes it to the handler. */
async function readRequestBody(req: IncomingMessage): Promise<string | undefined> {
  const body = await readBody(req, MAX_BODY_BYTES);
  return body === '' ? undefined : body;
}

function toEvent(req: IncomingMessage, url: URL, routeKey: string, body: string | undefined): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const rawQueryString = url.search.startsWith('?') ? url.search.slice(1) : '';
  // API Gateway joins repeated parameters with commas; handlers must not trust this map for security decisions.
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

function stringHeaders(headers: APIGatewayProxyStructuredResultV2['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = String(v);
  return out;
}
