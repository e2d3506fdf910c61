import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import startSesServer from 'aws-ses-v2-local';
import { type Email, getStoreReadonly } from 'aws-ses-v2-local/dist/store';
import { urlHost } from './config';
import { probePort } from './net/ports';

// s3rver ships no type definitions.
// biome-ignore lint/suspicious/noExplicitAny: untyped CommonJS module
const S3rver: any = require('s3rver');

/** Credentials s3rver accepts; the SES emulator accepts anything. Local only, never real keys. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface S3Emulator {
  readonly endpoint: string;
  readonly bucket: string;
  readonly client: S3Client;
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
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: host,
    port: options.port ?? 0,
    silent: true,
    // Clients use path-style URLs. s3rver would read an IPv6 host ("[::1]") as a bucket name.
    vhostBuckets: false,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket }],
  });
  const address: AddressInfo = await server.run();
  const endpoint = `http://${urlHost(host)}:${address.port}`;
  const client = new S3Client({
    endpoint,
    region: LOCAL_REGION,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  return {
    endpoint,
    bucket: options.bucket,
    client,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
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
  const client = new SESClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await fetch(`${endpoint}/clear-store`, { method: 'POST' });
  const inboxFile = options.inboxFile;
  let restored = 0;
  if (inboxFile) {
    const saved = readInbox(inboxFile);
    getStoreReadonly().emails.push(...saved);
    restored = saved.length;
    const save = () => writeInbox(inboxFile, getStoreReadonly().emails);
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
    inboxUrl: `${endpoint}/`,
    client,
    async messages() {
      const res = await fetch(`${endpoint}/store`);
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
      if (inboxFile) writeInbox(inboxFile, getStoreReadonly().emails);
    },
  };
}

/** The saved inbox; an unreadable file costs only the old mail, never the start. */
function readInbox(file: string): Email[] {
  if (!existsSync(file)) return [];
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    const emails = (parsed as { emails?: unknown }).emails;
    return Array.isArray(emails)
      ? emails.filter((e): e is Email => typeof e?.messageId === 'string' && typeof e?.at === 'number')
      : [];
  } catch {
    return [];
  }
}

function writeInbox(file: string, emails: readonly Email[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename, so that a crash mid-write never leaves half a file.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ emails }));
  renameSync(tmp, file);
}
