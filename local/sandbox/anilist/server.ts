import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
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
import { createFaultQueue, type FaultLook, type FaultQueue, sendFault, withControlEndpoints } from '../kit/faults';
import { bearerOf, type Exchange, json, type Reply, readBody, startSandboxServer, write } from '../kit/http';
import { mutationRoot } from './edits';
import {
  type AniListFaultRoute,
  type AniListFaultSpec,
  type AniListSandboxFaults,
  anilistErrors,
  anilistFaultLook,
  isAniListFaultRoute,
} from './faults';
import { loadAniListFixture } from './fixture';
import { anilistPageReply } from './pages';
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

export type { AniListFaultRoute, AniListFaultSpec, AniListSandboxFaults } from './faults';

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
  /**
   * The owner's bearer token: `Authorization: Bearer <it>` makes the caller the viewer, who may read
   * private entries and send `SaveMediaListEntry` / `DeleteMediaListEntry` (documents in `./mutations`).
   * It is `validToken` when the sandbox was started with one (ANILIST_TOKEN), else a random token made
   * at each start, so only code holding this handle (the local dashboard) can edit the list.
   */
  readonly editToken: string;
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
  /**
   * The owner's token; `Authorization: Bearer <it>` reveals private entries and allows the list-edit
   * mutations. Any other bearer → 400. Default: a random token, exposed as `editToken`.
   */
  readonly validToken?: string;
  /** Default: `ANILIST_SCHEMA_PATH`, else the vendored copy of AniList's schema. */
  readonly schemaPath?: string;
  readonly clock?: Clock;
  /** AniList's rounding for POINT_10/5/3 is undocumented; replace it here if you know better. */
  readonly scoreConverter?: ScoreConverter;
  /** What `perChunk > 500` does (UNCERTAIN on AniList): clamp (default) or a 400 validation error. */
  readonly perChunkOverflow?: 'clamp' | 'error';
  /**
   * `false`: answer without a `Date` header, as a proxy that strips it would, so that clients must
   * bound their watermark by their own clock. Default true.
   */
  readonly sendDate?: boolean;
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

/** Thrown by resolvers to turn the whole HTTP response into a queued fault. */
class FaultSignal extends Error {
  constructor(readonly fault: AniListFaultSpec) {
    super('sandbox fault');
  }
}

const MAX_BODY_BYTES = 1_000_000;

/** What answering one GraphQL request needs, fixed for the sandbox's life. */
interface GraphQLService {
  readonly schema: GraphQLSchema;
  readonly store: AniListSandboxStore;
  readonly options: AniListSandboxOptions;
  readonly ownerToken: string;
  readonly convertScore: ScoreConverter;
  readonly counters: AniListSandboxCounters;
  readonly corrupt: ReadonlyMap<number, Record<string, unknown>>;
  readonly queue: FaultQueue<AniListFaultRoute>;
}

/** A reply, or a page / chunk fault met while executing (a `lost` one after the execution finished). */
type Outcome = { reply: Reply } | { fault: AniListFaultSpec };

interface GraphQLBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

function errorsReply(status: number, message: string, extra: object = {}): Outcome {
  return { reply: json(status, { data: null, errors: [{ message, status, ...extra }] }) };
}

function parseBody(raw: string | undefined): GraphQLBody | undefined {
  try {
    const body = JSON.parse(raw ?? '') as GraphQLBody;
    return body !== null && typeof body === 'object' ? body : undefined;
  } catch {
    return undefined;
  }
}

/** A wrong token fails every request, public ones included (docs/apis.md#anilist-auth). */
function ownerCheck(req: IncomingMessage, ownerToken: string): boolean | 'invalid' {
  if (req.headers.authorization === undefined) return false;
  return bearerOf(req.headers) === ownerToken ? true : 'invalid';
}

/** The mutations `./edits` implements; any other is refused rather than silently ignored. */
const IMPLEMENTED_MUTATIONS: ReadonlySet<string> = new Set(Object.keys(mutationRoot));

/** Everything between the HTTP request and graphql-js: method, JSON body, token, query syntax, validation. */
async function answer(service: GraphQLService, exchange: Exchange, raw: string | undefined): Promise<Outcome> {
  if (exchange.method !== 'POST') return errorsReply(405, 'Method Not Allowed: send POST with a JSON body');
  const body = parseBody(raw);
  if (!body) return errorsReply(400, 'Invalid JSON body: expected {"query": "...", "variables": {...}}');
  const isOwner = ownerCheck(exchange.req, service.ownerToken);
  if (isOwner === 'invalid') return errorsReply(400, 'Invalid token');
  if (typeof body.query !== 'string' || body.query.trim() === '') return errorsReply(400, 'Must provide query string.');
  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (err) {
    const gqlErr = err as GraphQLError;
    return errorsReply(400, gqlErr.message, gqlErr.locations ? { locations: gqlErr.locations } : {});
  }
  const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
  const operation = getOperationAST(document, operationName);
  countOperation(service.counters, operation?.selectionSet.selections ?? []);

  const validationErrors = validate(service.schema, document);
  if (validationErrors.length > 0) {
    return { reply: json(400, { data: null, errors: validationErrors.map((e) => anilistShape(e, 400)) }) };
  }
  if (operation?.operation === 'mutation' && !onlyImplemented(operation.selectionSet.selections)) {
    return errorsReply(
      400,
      `The sandbox implements only the ${[...IMPLEMENTED_MUTATIONS].join(' and ')} mutations; change other data through sandbox.store`,
    );
  }
  const variables =
    body.variables !== null && typeof body.variables === 'object' ? (body.variables as Record<string, unknown>) : {};
  return run(service, { document, variables, operationName, isOwner });
}

/** graphql-js execution, with the faults queued for the pages / chunks it reads. */
async function run(
  service: GraphQLService,
  request: { document: DocumentNode; variables: Record<string, unknown>; operationName?: string; isOwner: boolean },
): Promise<Outcome> {
  let lost: AniListFaultSpec | undefined;
  const context: ResolverContext = {
    store: service.store,
    isOwner: request.isOwner,
    convertScore: service.convertScore,
    perChunkOverflow: service.options.perChunkOverflow ?? 'clamp',
    checkFault: (route) => {
      const fault = service.queue.take([route]);
      // A lost answer is lost after the request was served; any other fault answers at once.
      if (fault?.kind === 'lost') lost ??= fault;
      else if (fault) throw new FaultSignal(fault);
    },
  };
  const result = (await execute({
    schema: service.schema,
    document: request.document,
    rootValue: { ...rootValue, ...mutationRoot },
    contextValue: context,
    variableValues: request.variables,
    operationName: request.operationName,
  })) as ExecutionResult;

  const signal = result.errors?.map((e) => e.originalError).find((e) => e instanceof FaultSignal);
  if (signal instanceof FaultSignal) return { fault: signal.fault };
  if (lost) return { fault: lost };
  if (result.errors && result.errors.length > 0) {
    // Variable coercion failures leave no data: a bad request, like a validation error.
    const status = result.data === undefined ? 400 : statusOf(result.errors[0]!);
    const errors = result.errors.map((e) => anilistShape(e, statusOf(e)));
    return { reply: json(status, { data: result.data ?? null, errors }) };
  }
  if (service.corrupt.size > 0) applyCorruption(result.data, service.corrupt);
  return { reply: json(200, { data: result.data }) };
}

/** X-RateLimit-* headers, or a 429 when the caller is in its lock-out. */
function createRateLimiter(limit: number, windowMs: number, clock: Clock) {
  const rate = { windowStart: 0, count: 0, blockedUntil: 0 };
  return (): { headers: Record<string, string>; blocked: boolean } => {
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
}

function faultsOf(
  queue: FaultQueue<AniListFaultRoute>,
  corrupt: Map<number, Record<string, unknown>>,
): AniListSandboxFaults {
  return {
    inject: (spec) => queue.inject(spec),
    pending: () => queue.pending(),
    corruptEntry(entryId, fields) {
      corrupt.set(entryId, { ...corrupt.get(entryId), ...fields });
    },
    clear() {
      queue.clear();
      corrupt.clear();
    },
  };
}

/** Serves one request: rate limit, a queued `any` fault, then the GraphQL answer (or its page fault). */
function handler(service: GraphQLService, clock: Clock, look: FaultLook) {
  const rateLimit = createRateLimiter(
    service.options.rateLimitPerMinute ?? 0,
    service.options.rateLimitWindowMs ?? 60_000,
    clock,
  );
  return async (exchange: Exchange): Promise<void> => {
    const { res } = exchange;
    // Pages for people come first: they are not AniList's API, so they neither count nor meet faults.
    const page = anilistPageReply(
      { method: exchange.method, url: exchange.url, accept: exchange.req.headers.accept },
      service.store,
      service.convertScore,
    );
    if (page) {
      write(res, page);
      return;
    }
    service.counters.requests++;
    // The sandbox's own clock stamps `updatedAt`; its Date header must tell the same time, as
    // AniList's does, since clients bound their watermark by it.
    if (service.options.sendDate === false) res.sendDate = false;
    else res.setHeader('Date', new Date(clock.now()).toUTCString());
    const limited = rateLimit();
    for (const [name, value] of Object.entries(limited.headers)) res.setHeader(name, value);
    // Read (or drain) the body before any answer; one too large reads as no JSON at all.
    const raw = await readBody(exchange.req, MAX_BODY_BYTES).catch(() => undefined);
    if (limited.blocked) {
      write(res, anilistErrors(429, 'Too Many Requests.'));
      return;
    }
    const fault = service.queue.take([]);
    if (fault && fault.kind !== 'lost') {
      sendFault(exchange, fault, look);
      return;
    }
    const outcome = await answer(service, exchange, raw);
    if (fault) sendFault(exchange, fault, look);
    else if ('fault' in outcome) sendFault(exchange, outcome.fault, look);
    else write(res, outcome.reply);
  };
}

/**
 * A local stand-in for `https://graphql.anilist.co`: real HTTP, real schema, graphql-js execution,
 * and AniList's quirks (status codes mirrored in `errors[].status`, 404 for unknown users, private
 * entries, "Invalid token", chunked collections, capped pages, rate limiting), with the kit's
 * faults and control endpoints. See docs/apis.md#anilist.
 */
export async function startAniListSandbox(options: AniListSandboxOptions = {}): Promise<AniListSandbox> {
  const clock = options.clock ?? systemClock;
  const schema = loadAniListSchema(options.schemaPath);
  const fixture = loadAniListFixture(options.fixture ?? SAMPLE_ANILIST_FIXTURE, {
    defaultTimestamp: Math.floor(clock.now() / 1000),
  });
  const store = new AniListSandboxStore(clock, fixture.user, options.entries ?? fixture.entries);
  store.setUser(options.user ?? {});
  const counters: AniListSandboxCounters = { requests: 0, byOperation: {} };
  const corrupt = new Map<number, Record<string, unknown>>();
  const queue = createFaultQueue(isAniListFaultRoute);
  const faults = faultsOf(queue, corrupt);
  const ownerToken = options.validToken ?? randomBytes(24).toString('base64url');
  const service: GraphQLService = {
    schema,
    store,
    options,
    ownerToken,
    convertScore: options.scoreConverter ?? defaultScoreConverter,
    counters,
    corrupt,
    queue,
  };
  const server = await startSandboxServer({
    host: options.host,
    port: options.port,
    handle: withControlEndpoints(
      { faults, counters: () => counters },
      handler(service, clock, anilistFaultLook(clock)),
    ),
    crashReply: (err) => anilistErrors(500, `sandbox bug: ${err instanceof Error ? err.message : String(err)}`),
  });
  return {
    url: `${server.origin}/`,
    port: server.port,
    counters,
    store,
    faults,
    editToken: ownerToken,
    resetCounters() {
      counters.requests = 0;
      for (const key of Object.keys(counters.byOperation)) delete counters.byOperation[key];
    },
    close: () => server.close(),
  };
}

function statusOf(error: GraphQLError): number {
  const status = error.extensions?.status;
  return typeof status === 'number' ? status : 500;
}

/** AniList's error objects: message, status, locations, and a mutation's `validation` (no `path`/`extensions`). */
function anilistShape(error: GraphQLError, status: number): Record<string, unknown> {
  const validation = error.extensions?.validation;
  return {
    message: error.message,
    status,
    ...(error.locations ? { locations: error.locations } : {}),
    ...(validation ? { validation } : {}),
  };
}

function onlyImplemented(selections: readonly SelectionNode[]): boolean {
  return selections.every((s) => s.kind === Kind.FIELD && IMPLEMENTED_MUTATIONS.has(s.name.value));
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
