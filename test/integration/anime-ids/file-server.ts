import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with the next requests for a path, before serving the file as usual. */
export type Fault = 'status-503' | 'status-404' | 'reset' | 'stall' | 'html';

export interface ServedFile {
  body: Buffer;
  etag: string;
  lastModified?: string;
}

export interface RequestRecord {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * A loopback file server in the manner of GitHub's release assets: strong ETags, 304 for a matching
 * `If-None-Match`, optional redirects (`redirects[path] = absolute URL`), and scripted faults.
 */
export class FileServer {
  readonly files = new Map<string, ServedFile>();
  readonly redirects = new Map<string, string>();
  readonly requests: RequestRecord[] = [];
  /** Faults to apply, in order, to the next requests of a path (then it serves normally again). */
  readonly faults = new Map<string, Fault[]>();
  private server: Server | undefined;
  private readonly stalled = new Set<ServerResponse>();
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.requests.push({ path, headers: req.headers });
      const redirect = this.redirects.get(path);
      if (redirect) {
        res.writeHead(302, { location: redirect }).end();
        return;
      }
      const fault = this.faults.get(path)?.shift();
      const file = this.files.get(path);
      if (fault === 'status-503') return void res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      if (fault === 'status-404' || !file) return void res.writeHead(404).end('Not Found');
      if (fault === 'reset') return void req.socket.destroy();
      if (fault === 'html') {
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><p>Oops</p>');
      }
      if (req.headers['if-none-match'] === file.etag) return void res.writeHead(304, { etag: file.etag }).end();
      const headers: Record<string, string> = {
        etag: file.etag,
        'content-type': 'application/octet-stream',
        'content-length': String(file.body.length),
        ...(file.lastModified ? { 'last-modified': file.lastModified } : {}),
      };
      res.writeHead(200, headers);
      if (fault === 'stall') {
        // Half the body, then nothing: only an idle timeout gets the client out.
        res.write(file.body.subarray(0, Math.floor(file.body.length / 2)));
        this.stalled.add(res);
        return;
      }
      res.end(file.body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  serve(path: string, body: string | Buffer, lastModified?: string): ServedFile {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const file = { body: bytes, etag: `"${createHash('sha1').update(bytes).digest('hex')}"`, lastModified };
    this.files.set(path, file);
    return file;
  }

  fail(path: string, ...faults: Fault[]): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...faults]);
  }

  count(path?: string): number {
    return path === undefined ? this.requests.length : this.requests.filter((r) => r.path === path).length;
  }

  async close(): Promise<void> {
    for (const res of this.stalled) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
