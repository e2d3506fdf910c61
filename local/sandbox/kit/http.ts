import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { urlHost } from '../../config';
import { listen } from '../../net/listen';

/** One answer of a sandbox, built with `json` / `html` / `text` and sent with `write`. */
export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly contentType?: string;
}

type Headers = Readonly<Record<string, string>>;

export function json(status: number, body: unknown, headers: Headers = {}): Reply {
  return { status, headers, body: JSON.stringify(body), contentType: 'application/json; charset=utf-8' };
}

export function html(status: number, body: string, headers: Headers = {}): Reply {
  return { status, headers, body, contentType: 'text/html; charset=utf-8' };
}

export function text(status: number, body: string, headers: Headers = {}): Reply {
  return { status, headers, body, contentType: 'text/plain; charset=utf-8' };
}

/**
 * Sends `reply` with an exact Content-Length. Does nothing once headers went out or the socket is
 * gone: a fault may already have answered, reset or abandoned the request.
 */
export function write(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.contentType) headers['Content-Type'] = reply.contentType;
  if (reply.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(reply.body));
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`request body larger than ${maxBytes} bytes`);
  }
}

/**
 * The request body as UTF-8 text. Past `maxBytes` it rejects with `BodyTooLargeError` but keeps
 * draining the request, so that the sandbox can still answer it.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new BodyTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The media type of a Content-Type header: lower case, without parameters; '' when the header is absent. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A form-encoded request body; any other content type reads as an empty form. */
export function formBody(req: IncomingMessage, body: string): URLSearchParams {
  return mediaType(req.headers['content-type']) === 'application/x-www-form-urlencoded'
    ? new URLSearchParams(body)
    : new URLSearchParams();
}

/** The token of `Authorization: Bearer <token>` (scheme in any case); undefined when the header is absent or not a bearer. */
export function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
}

/** Numeric character references, which every HTML parser reads the same in text and attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `http://host:port` as a client on this machine reaches a server listening on `host` (IPv6 bracketed). */
export function originOf(host: string, port: number): string {
  return `http://${urlHost(host)}:${port}`;
}

/** One request as a sandbox handler sees it. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Upper case. */
  readonly method: string;
  /** Parsed against the server's origin. */
  readonly url: URL;
  /** Never answers: the request stays open until the client gives up or the server closes. */
  hold(): void;
}

export type Handler = (exchange: Exchange) => Promise<void> | void;

export interface SandboxServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  readonly handle: Handler;
  /** The sandbox's own "500" for a handler that threw (default: a JSON `sandbox_bug` error). */
  readonly crashReply?: (err: unknown) => Reply;
}

export interface SandboxServer {
  /** E.g. `http://127.0.0.1:53211` (see `originOf`). */
  readonly origin: string;
  readonly port: number;
  /** Idempotent; ends held requests and keep-alive sockets instead of waiting for them. */
  close(): Promise<void>;
}

function defaultCrashReply(err: unknown): Reply {
  return json(500, { error: 'sandbox_bug', message: err instanceof Error ? err.message : String(err) });
}

/** Listens (rejecting on EADDRINUSE and the like) and serves every request with `handle`. */
export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const held = new Set<ServerResponse>();
  const crashReply = options.crashReply ?? defaultCrashReply;
  let origin = '';

  const hold = (res: ServerResponse) => {
    held.add(res);
    res.on('close', () => held.delete(res));
  };
  const server = createServer((req, res) => {
    // Inside the promise chain, so that even an unparsable request URL gets an answer.
    Promise.resolve()
      .then(() =>
        options.handle({
          req,
          res,
          method: (req.method ?? 'GET').toUpperCase(),
          url: new URL(req.url ?? '/', origin),
          hold: () => hold(res),
        }),
      )
      .catch((err: unknown) => {
        if (res.headersSent) res.destroy();
        else write(res, crashReply(err));
      });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  origin = originOf(host, port);

  let closing: Promise<void> | undefined;
  return {
    origin,
    port,
    close() {
      // Idempotent: tests may close in a finally block and again in afterEach.
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Held requests and idle keep-alive sockets would otherwise keep close() waiting.
        for (const res of held) res.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
