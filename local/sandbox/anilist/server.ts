import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import {
  buildSchema,
  type DocumentNode,
  type ExecutionResult,
  execute,
  type GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  parse,
  type SelectionNode,
  validate,
} from 'graphql';
import { type Clock, systemClock } from '../../../shared/clock';
import { listen } from '../../net/listen';
import { loadAniListFixture } from './fixture';
import { type ResolverContext, rootValue } from './resolvers';
import {
  AniListSandboxStore,
  defaultScoreConverter,
  type SandboxEntry,
  type SandboxUser,
  type ScoreConverter,
} from './store';

/** Where the bundled sample list and the vendored copy of AniList's schema live. */
export const SANDBOX_DATA_DIR = path.resolve(__dirname, '../data');
export const SAMPLE_ANILIST_FIXTURE = path.join(SANDBOX_DATA_DIR, 'sample-anilist.json');
/** Vendored copy of AniList's public schema (provenance in `../data/README.md`), so the sandbox runs anywhere. */
export const VENDORED_ANILIST_SCHEMA = path.join(SANDBOX_DATA_DIR, 'anilist-schema.graphql');

/**
 * A fault a test schedules. Numbers answer with that HTTP status and AniList's JSON error envelope
 * (429 also gets Retry-After / X-RateLimit-Reset); `html` is a CDN block page; `reset` drops the
 * connection; `timeout` never answers; `graphql-error` is HTTP 200 with an `errors` array;
 * `bad-json` is a truncated JSON body.
 */
export type AniListFault =
  | { readonly status: number; readonly message?: string; readonly retryAfterSeconds?: number }
  | { readonly status: 'html'; readonly httpStatus?: number }
  | { readonly status: 'reset' }
  | { readonly status: 'timeout' }
  | { readonly status: 'graphql-error'; readonly message?: string; readonly errorStatus?: number }
  | { readonly status: 'bad-json'; readonly httpStatus?: number };

export interface AniListSandboxFaults {
  /** The next `count` requests fail with `fault` (before any GraphQL processing). */
  failNext(count: number, fault: AniListFault): void;
  /**
   * Requests for the `page`-th page of a paged read fail `times` times: an outage in the middle of
   * the read. That is `Page(page: page)`, or page 1 excluding (`mediaId_not_in`) the media of the
   * pages before it, as the mirror's incremental reads ask.
   */
  failOnPage(page: number, fault: AniListFault, times?: number): void;
  /** Requests for `MediaListCollection(chunk: chunk)` fail `times` times. */
  failOnChunk(chunk: number, fault: AniListFault, times?: number): void;
  /**
   * Responses carry this entry with the given raw JSON fields overwritten (`undefined` removes a
   * field), e.g. `{ progress: 'lots' }` or `{ status: 'REWATCHING_SOON' }`: malformed data that
   * GraphQL itself could never produce.
   */
  corruptEntry(entryId: number, fields: Record<string, unknown>): void;
  clear(): void;
}

export interface AniListSandboxCounters {
  /** Every HTTP request received, rejected ones included. */
  requests: number;
  /** Per root field of the requested operation, e.g. `{ Page: 3, MediaListCollection: 2 }`. */
  byOperation: Record<string, number>;
}

export interface AniListSandbox {
  readonly url: string;
  readonly port: number;
  readonly counters: AniListSandboxCounters;
  resetCounters(): void;
  close(): Promise<void>;
  readonly store: AniListSandboxStore;
  readonly faults: AniListSandboxFaults;
}

export interface AniListSandboxOptions {
  readonly port?: number;
  readonly host?: string;
  /** AniList's `MediaListCollection` response body (object or file path). Default: the bundled sample. */
  readonly fixture?: unknown;
  /** Replaces the fixture's entries (e.g. `generateAniListEntries(1000, 1)`); the fixture's user is kept. */
  readonly entries?: readonly SandboxEntry[];
  /** Overrides fields of the fixture's user. */
  readonly user?: Partial<SandboxUser>;
  /** 0 (default) disables rate limiting. */
  readonly rateLimitPerMinute?: number;
  /** Counting window and lock-out after an overflow; AniList uses 60 s. Shorter keeps tests fast. */
  readonly rateLimitWindowMs?: number;
  /** The owner's token; `Authorization: Bearer <it>` reveals private entries. Any other bearer → 400. */
  readonly validToken?: string;
  /** Default: `ANILIST_SCHEMA_PATH`, else the vendored copy of AniList's schema. */
  readonly schemaPath?: string;
  readonly clock?: Clock;
  /** AniList's rounding for POINT_10/5/3 is undocumented; replace it here if you know better. */
  readonly scoreConverter?: ScoreConverter;
  /** What `perChunk > 500` does (UNCERTAIN on AniList): clamp (default) or a 400 validation error. */
  readonly perChunkOverflow?: 'clamp' | 'error';
}

const schemaCache = new Map<string, GraphQLSchema>();

export function loadAniListSchema(schemaPath?: string): GraphQLSchema {
  const file = path.resolve(schemaPath ?? process.env.ANILIST_SCHEMA_PATH ?? VENDORED_ANILIST_SCHEMA);
  let schema = schemaCache.get(file);
  if (!schema) {
    schema = buildSchema(readFileSync(file, 'utf8'));
    schemaCache.set(file, schema);
  }
  return schema;
}

/** Thrown by resolvers to turn the whole HTTP response into a scheduled fault. */
class FaultSignal extends Error {
  constructor(readonly fault: AniListFault) {
    super('sandbox fault');
  }
}

interface ScheduledFault {
  readonly fault: AniListFault;
  remaining: number;
  readonly page?: number;
  readonly chunk?: number;
}

const MAX_BODY_BYTES = 1_000_000;

/**
 * A local stand-in for `https://graphql.anilist.co`: real HTTP, real schema, graphql-js execution,
 * and AniList's quirks (status codes mirrored in `errors[].status`, 404 for unknown users, private
 * entries, "Invalid token", chunked collections, capped pages, rate limiting). See docs/apis.md#anilist.
 */
export async function startAniListSandbox(options: AniListSandboxOptions = {}): Promise<AniListSandbox> {
  const clock = options.clock ?? systemClock;
  const schema = loadAniListSchema(options.schemaPath);
  const fixture = loadAniListFixture(options.fixture ?? SAMPLE_ANILIST_FIXTURE, {
    defaultTimestamp: Math.floor(clock.now() / 1000),
  });
  const store = new AniListSandboxStore(clock, fixture.user, options.entries ?? fixture.entries);
  store.setUser(options.user ?? {});
  const convertScore = options.scoreConverter ?? defaultScoreConverter;
  const counters: AniListSandboxCounters = { requests: 0, byOperation: {} };
  const scheduled: ScheduledFault[] = [];
  const corrupt = new Map<number, Record<string, unknown>>();
  const limit = options.rateLimitPerMinute ?? 0;
  const windowMs = options.rateLimitWindowMs ?? 60_000;
  const rate = { windowStart: 0, count: 0, blockedUntil: 0 };

  const faults: AniListSandboxFaults = {
    failNext(count, fault) {
      scheduled.push({ fault, remaining: count });
    },
    failOnPage(page, fault, times = 1) {
      scheduled.push({ fault, remaining: times, page });
    },
    failOnChunk(chunk, fault, times = 1) {
      scheduled.push({ fault, remaining: times, chunk });
    },
    corruptEntry(entryId, fields) {
      corrupt.set(entryId, { ...corrupt.get(entryId), ...fields });
    },
    clear() {
      scheduled.length = 0;
      corrupt.clear();
    },
  };

  const takeFault = (match: (s: ScheduledFault) => boolean): AniListFault | undefined => {
    const found = scheduled.find((s) => s.remaining > 0 && match(s));
    if (!found) return undefined;
    found.remaining--;
    if (found.remaining === 0) scheduled.splice(scheduled.indexOf(found), 1);
    return found.fault;
  };

  /** X-RateLimit-* headers, or a 429 when the caller is in its lock-out. */
  const applyRateLimit = (): { headers: Record<string, string>; blocked: boolean } => {
    if (limit <= 0) return { headers: {}, blocked: false };
    const now = clock.now();
    const blockedHeaders = () => ({
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': '0',
      'Retry-After': String(Math.max(1, Math.ceil((rate.blockedUntil - now) / 1000))),
      'X-RateLimit-Reset': String(Math.ceil(rate.blockedUntil / 1000)),
    });
    if (now < rate.blockedUntil) return { headers: blockedHeaders(), blocked: true };
    if (now - rate.windowStart >= windowMs) {
      rate.windowStart = now;
      rate.count = 0;
    }
    rate.count++;
    if (rate.count > limit) {
      rate.blockedUntil = now + windowMs;
      return { headers: blockedHeaders(), blocked: true };
    }
    return {
      headers: { 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': String(limit - rate.count) },
      blocked: false,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests++;
    // The sandbox's own clock stamps `updatedAt`; its Date header must tell the same time, as
    // AniList's does, since clients bound their watermark by it.
    res.setHeader('Date', new Date(clock.now()).toUTCString());
    const rateLimit = applyRateLimit();
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(text)),
        ...rateLimit.headers,
        ...extra,
      });
      res.end(text);
    };
    const sendFault = (fault: AniListFault) => respondWithFault(fault, req, res, rateLimit.headers, clock);
    const sendErrors = (status: number, message: string, extra: object = {}) =>
      send(status, { data: null, errors: [{ message, status, ...extra }] });

    if (rateLimit.blocked) {
      await drain(req);
      sendErrors(429, 'Too Many Requests.');
      return;
    }
    const next = takeFault((s) => s.page === undefined && s.chunk === undefined);
    if (next) {
      await drain(req);
      sendFault(next);
      return;
    }
    if (req.method !== 'POST') {
      await drain(req);
      sendErrors(405, 'Method Not Allowed: send POST with a JSON body');
      return;
    }

    let body: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      const raw = await readBody(req);
      body = JSON.parse(raw) as typeof body;
      if (body === null || typeof body !== 'object') throw new Error('not an object');
    } catch {
      sendErrors(400, 'Invalid JSON body: expected {"query": "...", "variables": {...}}');
      return;
    }

    // A wrong token fails every request, public ones included (docs/apis.md#anilist-auth).
    const auth = req.headers.authorization;
    let isOwner = false;
    if (auth !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
      if (token === undefined || options.validToken === undefined || token !== options.validToken) {
        sendErrors(400, 'Invalid token');
        return;
      }
      isOwner = true;
    }

    if (typeof body.query !== 'string' || body.query.trim() === '') {
      sendErrors(400, 'Must provide query string.');
      return;
    }
    let document: DocumentNode;
    try {
      document = parse(body.query);
    } catch (err) {
      const gqlErr = err as GraphQLError;
      sendErrors(400, gqlErr.message, gqlErr.locations ? { locations: gqlErr.locations } : {});
      return;
    }
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    const operation = getOperationAST(document, operationName);
    countOperation(counters, operation?.selectionSet.selections ?? []);

    const validationErrors = validate(schema, document);
    if (validationErrors.length > 0) {
      send(400, { data: null, errors: validationErrors.map((e) => anilistShape(e, 400)) });
      return;
    }
    if (operation?.operation === 'mutation') {
      sendErrors(400, 'The sandbox does not implement mutations; change data through sandbox.store');
      return;
    }

    const context: ResolverContext = {
      store,
      isOwner,
      convertScore,
      perChunkOverflow: options.perChunkOverflow ?? 'clamp',
      checkFault: ({ page, chunk }) => {
        const fault = takeFault(
          (s) => (page !== undefined && s.page === page) || (chunk !== undefined && s.chunk === chunk),
        );
        if (fault) throw new FaultSignal(fault);
      },
    };
    const variables =
      body.variables !== null && typeof body.variables === 'object' ? (body.variables as Record<string, unknown>) : {};
    const result = (await execute({
      schema,
      document,
      rootValue,
      contextValue: context,
      variableValues: variables,
      operationName,
    })) as ExecutionResult;

    const signal = result.errors?.map((e) => e.originalError).find((e) => e instanceof FaultSignal);
    if (signal instanceof FaultSignal) {
      sendFault(signal.fault);
      return;
    }
    if (result.errors && result.errors.length > 0) {
      // Variable coercion failures leave no data: a bad request, like a validation error.
      const status = result.data === undefined ? 400 : statusOf(result.errors[0]!);
      send(status, { data: result.data ?? null, errors: result.errors.map((e) => anilistShape(e, statusOf(e))) });
      return;
    }
    if (corrupt.size > 0) applyCorruption(result.data, corrupt);
    send(200, { data: result.data });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ data: null, errors: [{ message: `sandbox bug: ${message}`, status: 500 }] }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);

  return {
    url: `http://${host}:${port}/`,
    port,
    counters,
    store,
    faults,
    resetCounters() {
      counters.requests = 0;
      for (const key of Object.keys(counters.byOperation)) delete counters.byOperation[key];
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Also ends keep-alive sockets and requests held by a `timeout` fault.
        server.closeAllConnections();
      });
    },
  };
}

function respondWithFault(
  fault: AniListFault,
  req: IncomingMessage,
  res: ServerResponse,
  rateHeaders: Record<string, string>,
  clock: Clock,
): void {
  const json = (status: number, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...rateHeaders, ...extra });
    res.end(body);
  };
  switch (fault.status) {
    case 'reset':
      req.socket.destroy();
      return;
    case 'timeout':
      // Hold the request open; the client's timeout (or close()) ends it.
      return;
    case 'html': {
      const status = fault.httpStatus ?? 403;
      res.writeHead(status, { 'Content-Type': 'text/html; charset=UTF-8', ...rateHeaders });
      res.end(
        '<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>' +
          '<body><h1>Sorry, you have been blocked</h1><p>You are unable to access anilist.co</p></body></html>',
      );
      return;
    }
    case 'graphql-error': {
      const error: Record<string, unknown> = { message: fault.message ?? 'Internal Server Error' };
      if (fault.errorStatus !== undefined) error.status = fault.errorStatus;
      json(200, JSON.stringify({ data: null, errors: [error] }));
      return;
    }
    case 'bad-json':
      json(fault.httpStatus ?? 200, '{"data":{"Page":{"pageInfo":{"hasNextPage":tr');
      return;
    default: {
      const status = fault.status;
      const extra: Record<string, string> = {};
      if (status === 429) {
        const seconds = fault.retryAfterSeconds ?? 60;
        extra['Retry-After'] = String(seconds);
        extra['X-RateLimit-Reset'] = String(Math.ceil(clock.now() / 1000) + seconds);
        extra['X-RateLimit-Remaining'] = '0';
      }
      const message = fault.message ?? DEFAULT_MESSAGES[status] ?? `HTTP ${status}`;
      json(status, JSON.stringify({ data: null, errors: [{ message, status }] }), extra);
    }
  }
}

const DEFAULT_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad Request.',
  401: 'Unauthorized.',
  403: 'Forbidden.',
  404: 'Not Found.',
  429: 'Too Many Requests.',
  500: 'Internal Server Error.',
  502: 'Bad Gateway.',
  503: 'Service Unavailable.',
};

function statusOf(error: GraphQLError): number {
  const status = error.extensions?.status;
  return typeof status === 'number' ? status : 500;
}

/** AniList's error objects: message, status, locations (no `path`/`extensions`). */
function anilistShape(error: GraphQLError, status: number): Record<string, unknown> {
  return error.locations
    ? { message: error.message, status, locations: error.locations }
    : { message: error.message, status };
}

function countOperation(counters: AniListSandboxCounters, selections: readonly SelectionNode[]): void {
  const names = selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
  for (const name of names.length > 0 ? names : ['(invalid)']) {
    counters.byOperation[name] = (counters.byOperation[name] ?? 0) + 1;
  }
}

/** Overwrites raw fields of the chosen entries wherever list entries appear in the result. */
function applyCorruption(data: unknown, corrupt: ReadonlyMap<number, Record<string, unknown>>): void {
  const visit = (node: unknown, parentKey: string | undefined): void => {
    if (Array.isArray(node)) {
      for (const item of node) {
        if ((parentKey === 'mediaList' || parentKey === 'entries') && item && typeof item === 'object') {
          const fields = corrupt.get((item as { id?: unknown }).id as number);
          if (fields) {
            for (const [key, value] of Object.entries(fields)) {
              if (value === undefined) delete (item as Record<string, unknown>)[key];
              else (item as Record<string, unknown>)[key] = value;
            }
          }
        }
        visit(item, undefined);
      }
      return;
    }
    if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) visit(value, key);
    }
  };
  visit(data, undefined);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}
