import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import startSesServer from 'aws-ses-v2-local';
import { type Email, getStoreReadonly } from 'aws-ses-v2-local/dist/store';
import { urlHost } from './config';
import { probePort } from './net/ports';
import { checkSigV4, type LocalCredentials } from './net/sigv4';

// s3rver ships no type definitions.
// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS module
const S3rver: any = require('s3rver');
// The account s3rver resolves access key ids against (its only one).
// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS module
const S3rverAccount: any = require('s3rver/lib/models/account');

export const LOCAL_REGION = 'us-east-1';

/**
 * Credentials for one run of the S3 emulator, random and kept in memory: only clients of this
 * process (and children it hands them to) can sign, so nothing else that reaches the port can
 * read the tokens or write state. Never printed.
 */
export function randomCredentials(): LocalCredentials {
  return {
    accessKeyId: `LOCAL${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
}

export interface S3Emulator {
  readonly endpoint: string;
  readonly bucket: string;
  readonly client: S3Client;
  /** The only credentials the emulator accepts (for a child process's SDK, e.g. the benchmark's worker). */
  readonly credentials: LocalCredentials;
  close(): Promise<void>;
}

/** s3rver on loopback, with the state bucket created. `directory` keeps data between runs. */
export async function startS3Emulator(options: {
  port?: number;
  host?: string;
  bucket: string;
  directory: string;
}): Promise<S3Emulator> {
  const host = options.host ?? '127.0.0.1';
  // s3rver leaves a listen error unhandled (the process dies with a stack trace): check first.
  await probePort(host, options.port ?? 0);
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  const server = new S3rver({
    address: host,
    port: options.port ?? 0,
    silent: true,
    // Clients use path-style URLs. s3rver would read an IPv6 host ("[::1]") as a bucket name.
    vhostBuckets: false,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket }],
  });
  const credentials = randomCredentials();
  requireSignature(server, credentials);
  const address: AddressInfo = await server.run();
  const endpoint = `http://${urlHost(host)}:${address.port}`;
  const client = new S3Client({ endpoint, region: LOCAL_REGION, forcePathStyle: true, credentials });
  return {
    endpoint,
    bucket: options.bucket,
    client,
    credentials,
    close: async () => {
      client.destroy();
      await server.close();
      S3rverAccount.DUMMY_ACCOUNT.revokeAccessKey(credentials.accessKeyId);
    },
  };
}

/**
 * Puts a signature check in front of every s3rver route. s3rver serves anonymous requests, and
 * of a V4 signature checks only that the key id exists, with a fixed, published key pair; so it
 * gets this run's key pair, and a request not signed with it gets S3's 403 before s3rver sees it.
 */
// biome-ignore lint/suspicious/noExplicitAny: s3rver is a Koa app without types
function requireSignature(server: any, credentials: LocalCredentials): void {
  S3rverAccount.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  // biome-ignore lint/suspicious/noExplicitAny: Koa context
  const gate = async (ctx: any, next: () => Promise<void>) => {
    const refusal = checkSigV4({ method: ctx.method, url: ctx.url, headers: ctx.headers }, credentials);
    if (!refusal) return next();
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`;
  };
  // First in Koa's chain, before s3rver's own middleware and routes.
  server.middleware.unshift(gate);
}

export interface SesEmulator {
  readonly endpoint: string;
  /** The web inbox the user opens in a browser. */
  readonly inboxUrl: string;
  readonly client: SESClient;
  /** Messages restored from `inboxFile` at start. */
  readonly restored: number;
  /** Messages sent so far (the emulator's GET /store). */
  messages(): Promise<SentMail[]>;
  close(): Promise<void>;
}

export interface SentMail {
  readonly messageId: string;
  readonly subject: string;
  readonly to: string[];
  readonly from: string;
  readonly html?: string;
  readonly text?: string;
  readonly at: number;
}

/**
 * aws-ses-v2-local on loopback; its web UI at `/` is the local inbox.
 *
 * The emulator keeps mail in memory only. With `inboxFile`, the inbox is restored from that file
 * at start and written back after every send and at close: the mailer remembers in S3 (which does
 * persist) that it sent a link, and throttles the next email, so an inbox wiped by a restart would
 * leave the user with no link to click.
 *
 * The emulator's store is one per process, so one process runs one SES emulator at a time.
 */
export async function startSesEmulator(
  options: { port?: number; host?: string; inboxFile?: string } = {},
): Promise<SesEmulator> {
  const host = options.host ?? '127.0.0.1';
  await probePort(host, options.port ?? 0);
  const server: Server = await startSesServer({ host, port: options.port ?? 0 });
  const address = server.address() as AddressInfo | null;
  if (!address) {
    // Express reports the listen error only to a callback the emulator ignores; the port was taken
    // between the probe and the listen.
    throw Object.assign(new Error(`the SES emulator could not listen on ${host}:${options.port}`), {
      code: 'EADDRINUSE',
    });
  }
  const endpoint = `http://${urlHost(host)}:${address.port}`;
  const credentials = randomCredentials();
  const inboxFile = options.inboxFile;
  const saved = inboxFile ? readInbox(inboxFile) : { emails: [] };
  const key = saved.key ?? randomBytes(18).toString('base64url');
  guardInbox(server, { key, accessKeyId: credentials.accessKeyId });
  const client = new SESClient({ endpoint, region: LOCAL_REGION, credentials });
  await fetch(`${endpoint}/clear-store?key=${key}`, { method: 'POST' });
  let restored = 0;
  if (inboxFile) {
    getStoreReadonly().emails.push(...saved.emails);
    restored = saved.emails.length;
    const save = () => writeInbox(inboxFile, getStoreReadonly().emails, key);
    client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        save();
        return out;
      },
      { step: 'initialize', name: 'keepLocalInbox' },
    );
  }
  return {
    restored,
    endpoint,
    inboxUrl: `${endpoint}/?key=${key}`,
    client,
    async messages() {
      const res = await fetch(`${endpoint}/store?key=${key}`);
      const body = (await res.json()) as {
        emails: {
          messageId: string;
          subject: string;
          to?: string;
          from: string;
          destination?: { to?: string[] };
          body?: { html?: string; text?: string };
          at: number;
        }[];
      };
      return body.emails.map((e) => ({
        messageId: e.messageId,
        subject: e.subject,
        to: e.destination?.to ?? (e.to ? [e.to] : []),
        from: e.from,
        ...(e.body?.html !== undefined ? { html: e.body.html } : {}),
        ...(e.body?.text !== undefined ? { text: e.body.text } : {}),
        at: e.at,
      }));
    },
    close: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (inboxFile) writeInbox(inboxFile, getStoreReadonly().emails, key);
    },
  };
}

/** The cookie that carries the inbox key for the page's own requests (`/store`, `/clear-store`). */
const INBOX_COOKIE = 'mirror_inbox_key';

/**
 * Lets through only what the local runtime itself sends: the SES API signed with this run's access
 * key id (the emulator checks no more than that an Authorization header exists), and the inbox
 * with its key, in the URL (`?key=`, as printed) or in the cookie the page gets with it. The
 * emulator's inbox, `/store` and `/clear-store` are otherwise open to anyone who reaches the port,
 * and to any web page by DNS rebinding: they list every authorization link.
 */
function guardInbox(server: Server, secrets: { key: string; accessKeyId: string }): void {
  const [app] = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (!app) throw new Error('the SES emulator has no request handler to guard');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      if (authorization.includes(`Credential=${secrets.accessKeyId}/`)) return app(req, res);
    } else {
      const query = new URL(req.url ?? '/', 'http://inbox').searchParams.get('key');
      if (query !== null && sameSecret(query, secrets.key)) {
        res.setHeader('Set-Cookie', `${INBOX_COOKIE}=${secrets.key}; HttpOnly; SameSite=Strict; Path=/`);
        return app(req, res);
      }
      if (sameSecret(cookieOf(req, INBOX_COOKIE) ?? '', secrets.key)) return app(req, res);
    }
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('This local inbox needs its key: open the inbox link `npm start` printed.\n');
  });
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The saved inbox and its key (so that a page left open keeps working across restarts); an
 * unreadable file costs only the old mail, never the start.
 */
function readInbox(file: string): { emails: Email[]; key?: string } {
  if (!existsSync(file)) return { emails: [] };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { emails?: unknown; key?: unknown };
    const emails = Array.isArray(parsed.emails)
      ? parsed.emails.filter((e): e is Email => typeof e?.messageId === 'string' && typeof e?.at === 'number')
      : [];
    return typeof parsed.key === 'string' && parsed.key.length >= 16 ? { emails, key: parsed.key } : { emails };
  } catch {
    return { emails: [] };
  }
}

function writeInbox(file: string, emails: readonly Email[], key: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Write then rename, so that a crash mid-write never leaves half a file. Owner-only: it holds
  // every authorization link, and the inbox key.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ emails, key }), { mode: 0o600 });
  renameSync(tmp, file);
}
