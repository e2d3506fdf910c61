import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import startSesServer from 'aws-ses-v2-local';

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
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket }],
  });
  const address: AddressInfo = await server.run();
  const endpoint = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
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

/** aws-ses-v2-local on loopback; its web UI at `/` is the local inbox. */
export async function startSesEmulator(options: { port?: number; host?: string } = {}): Promise<SesEmulator> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = await startSesServer({ host, port: options.port ?? 0 });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host}:${port}`;
  const client = new SESClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await fetch(`${endpoint}/clear-store`, { method: 'POST' });
  return {
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
    },
  };
}
