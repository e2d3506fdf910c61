import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TokenSet } from '../../../shared/auth/provider';
import { type Clock, systemClock } from '../../../shared/clock';
import type { MalListEntry, MalListStatus, MalUser } from '../../../shared/destinations/mal/types';
import { listen } from '../../net/listen';
import type { SandboxAnime } from './catalogue';
import { createFaultQueue, type MalFaultRoute, type MalFaultSpec, type MalFaults } from './faults';
import { nodeOf, parseFieldsParam, projectListStatus, readWriteForm } from './fields';
import { loadMalFixture, parseSeed, type SandboxEntrySeed } from './fixture';
import { malDateTime, SandboxStore, type StoredEntry, type TokenInfo } from './store';

export type { SandboxAnime } from './catalogue';
export { DEFAULT_MAL_CATALOGUE } from './catalogue';
export type { MalFaultKind, MalFaultRoute, MalFaultSpec, MalFaults } from './faults';
export { loadMalFixture, MalFixtureError, type SandboxEntrySeed, type SandboxListStatus } from './fixture';
export type { TokenInfo } from './store';

export interface MalSandboxOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly clientId: string;
  /** Set for a MAL "web" app: the token endpoint then requires it. "Other" apps have none. */
  readonly clientSecret?: string;
  /** Registered redirect URIs; when given, `redirect_uri` must match one exactly. */
  readonly redirectUris?: readonly string[];
  /** Shown on the consent page. */
  readonly appName?: string;
  /** Default 3600 (MAL documents one hour). */
  readonly accessTokenTtlSeconds?: number;
  /** Default 30 days (MAL documents "one month"). */
  readonly refreshTokenTtlSeconds?: number;
  /** What `expires_in` says; default = the access TTL. Real responses have said 2678400 (31 days). */
  readonly expiresInReported?: number;
  /** Authorization codes live this long (default 600 s). */
  readonly codeTtlSeconds?: number;
  readonly user?: MalUser;
  /** The authorizing user's existing list: a `GET /users/@me/animelist` body or a path to one. */
  readonly fixture?: string | object;
  readonly clock?: Clock;
  /** Extra anime known by id (titles, episode counts, nsfw), on top of the built-in few. */
  readonly anime?: readonly SandboxAnime[];
  /** Answer 400 when `X-MAL-CLIENT-ID` is missing or wrong on API calls (default true). */
  readonly requireClientIdHeader?: boolean;
  /** UNCERTAIN at MAL: whether `list_status` appears when `fields` is absent (default true). */
  readonly listStatusWithoutFields?: boolean;
  /** UNCERTAIN at MAL: page size when `limit` is absent (default 100). */
  readonly defaultLimit?: number;
  /** UNCERTAIN at MAL: whether writes accept `YYYY` / `YYYY-MM` dates (default false: 400 invalid). */
  readonly acceptPartialDates?: boolean;
  /** UNCERTAIN at MAL: `num_watched_episodes` above the anime's known count (default 'accept'). */
  readonly episodeOverflow?: 'accept' | 'clamp' | 'reject';
  /** Writes to an id outside the catalogue: add it as `Anime #<id>` (default) or answer 404. */
  readonly unknownAnime?: 'create' | 'not_found';
}

export interface MalSandboxCounters {
  requests: number;
  api: number;
  oauth: number;
  /** Keyed like `PATCH /v2/anime/:id/my_list_status`. */
  byRoute: Record<string, number>;
}

/** A MAL entry as tests hand it to `setList`: only `status` is required in `listStatus`. */
export interface MalListEntryInput {
  readonly animeId: number;
  readonly title?: string;
  readonly listStatus: Partial<MalListStatus> & Pick<MalListStatus, 'status'>;
}

export interface MalAnimeListResponse {
  data: { node: Record<string, unknown>; list_status: Record<string, unknown> }[];
  paging: { next?: string; previous?: string };
}

export interface MalSandboxState {
  readonly user: MalUser;
  /** Entries in list order, with every list_status field. */
  list(): MalListEntry[];
  /** Replaces the list: entries, or a `GET /users/@me/animelist` body. */
  setList(entries: readonly MalListEntryInput[] | object): void;
  getEntry(animeId: number): MalListEntry | undefined;
  tokens(): TokenInfo;
  expireAccessTokens(): void;
  expireRefreshTokens(): void;
  revokeRefreshTokens(): void;
  /** Tokens as if the user had just authorized, for tests that skip the consent page. */
  issueTokensDirectly(): TokenSet;
  /** The whole list in MAL's GET animelist shape with all list_status fields (demo output, backups). */
  listResponse(): MalAnimeListResponse;
}

export interface MalSandbox {
  /** Origin, e.g. `http://127.0.0.1:53211`. */
  readonly url: string;
  readonly apiUrl: string;
  readonly oauthUrl: string;
  readonly port: number;
  readonly counters: MalSandboxCounters;
  resetCounters(): void;
  close(): Promise<void>;
  readonly state: MalSandboxState;
  readonly faults: MalFaults;
}

const INVALID_REQUEST_MESSAGE =
  'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.';
const INVALID_GRANT_MESSAGE =
  'The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.';
const CODE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;
const MAX_BODY_BYTES = 1_000_000;
const MAX_LIMIT = 1000;

interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  contentType?: string;
}

type Params = URLSearchParams;

export async function startMalSandbox(options: MalSandboxOptions): Promise<MalSandbox> {
  if (!options.clientId) throw new Error('startMalSandbox: clientId is required');
  const clock = options.clock ?? systemClock;
  const accessTtl = options.accessTokenTtlSeconds ?? 3600;
  const store = new SandboxStore({
    clock,
    clientId: options.clientId,
    accessTokenTtlSeconds: accessTtl,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 30 * 24 * 3600,
    expiresInReported: options.expiresInReported ?? accessTtl,
    codeTtlSeconds: options.codeTtlSeconds ?? 600,
    catalogue: options.anime ?? [],
  });
  store.seed(options.fixture === undefined ? [] : loadMalFixture(options.fixture));
  const user: MalUser = options.user ?? { id: 1, name: 'sandbox_user' };
  const appName = options.appName ?? 'Sandbox MAL App';
  const requireClientIdHeader = options.requireClientIdHeader ?? true;
  const faults = createFaultQueue();
  const counters: MalSandboxCounters = { requests: 0, api: 0, oauth: 0, byRoute: {} };
  let origin = '';

  // ---------------------------------------------------------------- OAuth

  interface AuthorizeRequest {
    clientId: string;
    /** As given (undefined when omitted and the single registered URI is implied). */
    redirectUriParam: string | undefined;
    redirectUri: string;
    state: string | undefined;
    codeChallenge: string;
    codeChallengeMethod: string | undefined;
  }

  function validateAuthorize(
    params: Params,
  ): { ok: true; request: AuthorizeRequest } | { ok: false; reply: HttpReply } {
    const clientId = params.get('client_id');
    if (!clientId) return { ok: false, reply: invalidRequest('client_id') };
    if (clientId !== options.clientId) return { ok: false, reply: invalidClient() };
    const redirectParam = params.get('redirect_uri') ?? undefined;
    let redirectUri: string;
    const registered = options.redirectUris ?? [];
    if (redirectParam !== undefined) {
      if (registered.length > 0 ? !registered.includes(redirectParam) : !isHttpUrl(redirectParam)) {
        return { ok: false, reply: invalidClient() };
      }
      redirectUri = redirectParam;
    } else if (registered.length === 1) {
      redirectUri = registered[0]!;
    } else {
      return { ok: false, reply: invalidRequest('redirect_uri') };
    }
    const responseType = params.get('response_type');
    if (responseType !== 'code') {
      return {
        ok: false,
        reply: json(400, {
          error: 'unsupported_response_type',
          message: 'The authorization server does not support obtaining an authorization code using this method.',
          hint: 'Check the `response_type` parameter',
        }),
      };
    }
    const codeChallenge = params.get('code_challenge');
    if (!codeChallenge) return { ok: false, reply: invalidRequest('code_challenge') };
    const method = params.get('code_challenge_method') ?? undefined;
    // MAL: "Currently, only the plain method is supported." S256 requests fail.
    if (method !== undefined && method !== 'plain') {
      return { ok: false, reply: invalidRequest(undefined, 'Code challenge method must be one of `plain`') };
    }
    if (!CODE_CHALLENGE.test(codeChallenge)) {
      return {
        ok: false,
        reply: invalidRequest(undefined, 'Code challenge must follow the specifications of RFC-7636.'),
      };
    }
    return {
      ok: true,
      request: {
        clientId,
        redirectUriParam: redirectParam,
        redirectUri,
        state: params.get('state') ?? undefined,
        codeChallenge,
        codeChallengeMethod: method,
      },
    };
  }

  function consentPage(request: AuthorizeRequest): HttpReply {
    const hidden: [string, string | undefined][] = [
      ['response_type', 'code'],
      ['client_id', request.clientId],
      ['redirect_uri', request.redirectUriParam],
      ['state', request.state],
      ['code_challenge', request.codeChallenge],
      ['code_challenge_method', request.codeChallengeMethod],
    ];
    const inputs = hidden
      .filter((pair): pair is [string, string] => pair[1] !== undefined)
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join('\n      ');
    const body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>MyAnimeList (sandbox) - Authorize ${escapeHtml(appName)}</title></head>
<body>
  <main>
    <h1>Authorize ${escapeHtml(appName)} to access your MyAnimeList account?</h1>
    <p>Logged in as <strong id="user-name">${escapeHtml(user.name)}</strong>.</p>
    <p>${escapeHtml(appName)} will be able to read and update your anime list.</p>
    <p><small>Sandbox: nothing here talks to the real MyAnimeList.</small></p>
    <form method="post" action="/v1/oauth2/authorize">
      ${inputs}
      <button type="submit" name="decision" value="approve">Approve</button>
      <button type="submit" name="decision" value="deny">Deny</button>
    </form>
  </main>
</body>
</html>`;
    return { status: 200, contentType: 'text/html; charset=utf-8', body, headers: { 'Cache-Control': 'no-store' } };
  }

  function decide(form: Params): HttpReply {
    const checked = validateAuthorize(form);
    if (!checked.ok) return checked.reply;
    const { request } = checked;
    const target = new URL(request.redirectUri);
    const decision = form.get('decision');
    if (decision === 'approve') {
      const code = store.issueCode({
        clientId: request.clientId,
        redirectUri: request.redirectUriParam,
        challenge: request.codeChallenge,
      });
      target.searchParams.set('code', code);
    } else if (decision === 'deny') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('message', 'The resource owner or authorization server denied the request.');
      target.searchParams.set('hint', 'The user denied the request');
    } else {
      return invalidRequest('decision');
    }
    if (request.state !== undefined) target.searchParams.set('state', request.state);
    return { status: 302, headers: { Location: target.toString(), 'Cache-Control': 'no-store' } };
  }

  function clientCredentials(req: IncomingMessage, form: Params): { id: string | null; secret: string | null } {
    // MAL also accepts HTTP Basic client authentication.
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) {
        return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
      }
    }
    return { id: form.get('client_id'), secret: form.get('client_secret') };
  }

  function token(req: IncomingMessage, form: Params): HttpReply {
    const client = clientCredentials(req, form);
    if (!client.id) return invalidRequest('client_id');
    if (client.id !== options.clientId) return invalidClient();
    if (options.clientSecret !== undefined && client.secret !== options.clientSecret) return invalidClient();
    const grant = form.get('grant_type');
    if (!grant) return invalidRequest('grant_type');
    if (grant === 'authorization_code') return codeGrant(form, client.id);
    if (grant === 'refresh_token') return refreshGrant(form, client.id);
    return json(400, {
      error: 'unsupported_grant_type',
      message: 'The authorization grant type is not supported by the authorization server.',
      hint: 'Check that all required parameters have been provided',
    });
  }

  function codeGrant(form: Params, clientId: string): HttpReply {
    const code = form.get('code');
    if (!code) return invalidRequest('code');
    const record = store.code(code);
    if (!record) return invalidGrant('Cannot decrypt the authorization code');
    if (record.expiresAt <= clock.now()) return invalidGrant('Authorization code has expired');
    if (record.used) return invalidGrant('Authorization code has been revoked');
    if (record.clientId !== clientId)
      return invalidRequest(undefined, 'Authorization code was not issued to this client');
    if (record.redirectUri !== undefined) {
      const given = form.get('redirect_uri');
      if (given === null) return invalidRequest('redirect_uri');
      if (given !== record.redirectUri) return invalidRequest(undefined, 'Invalid redirect URI');
    }
    const verifier = form.get('code_verifier');
    if (!verifier) return invalidRequest('code_verifier');
    if (!CODE_CHALLENGE.test(verifier)) {
      return invalidRequest(undefined, 'Code Verifier must follow the specifications of RFC-7636.');
    }
    // plain PKCE: the verifier is the challenge.
    if (verifier !== record.challenge) return invalidGrant('Failed to verify `code_verifier`.');
    record.used = true;
    return tokenReply(store.issueTokens(clientId, 'code'));
  }

  function refreshGrant(form: Params, clientId: string): HttpReply {
    const refreshToken = form.get('refresh_token');
    if (!refreshToken) return invalidRequest('refresh_token');
    const checked = store.checkRefresh(refreshToken, clientId);
    if (!checked.ok) {
      return json(401, { error: 'invalid_request', message: 'The refresh token is invalid.', hint: checked.hint });
    }
    return tokenReply(store.rotate(checked.record));
  }

  function tokenReply(tokens: TokenSet): HttpReply {
    return json(
      200,
      {
        token_type: tokens.tokenType,
        expires_in: tokens.expiresIn,
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
      },
      { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    );
  }

  // ---------------------------------------------------------------- API

  /** Returns an error reply, or undefined when the caller may proceed. */
  function checkApiAuth(req: IncomingMessage): HttpReply | undefined {
    if (requireClientIdHeader) {
      const clientHeader = req.headers['x-mal-client-id'];
      if (clientHeader !== options.clientId) {
        return json(400, { error: 'bad_request', message: 'invalid client id' });
      }
    }
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const state = store.checkAccess(bearer === '' ? undefined : bearer);
    if (state === 'valid') return undefined;
    const description =
      state === 'expired'
        ? 'The access token expired'
        : state === 'revoked'
          ? 'The access token has been revoked'
          : state === 'missing'
            ? 'The access token is missing'
            : 'The access token is invalid';
    return json(
      401,
      { error: 'invalid_token' },
      { 'WWW-Authenticate': `Bearer error="invalid_token",error_description="${description}"` },
    );
  }

  function me(): HttpReply {
    return json(200, { id: user.id, name: user.name, location: '', joined_at: '2020-01-01T00:00:00+00:00' });
  }

  function animelist(params: Params): HttpReply {
    const limitRaw = params.get('limit');
    const offsetRaw = params.get('offset');
    const limit = limitRaw === null ? (options.defaultLimit ?? 100) : Number(limitRaw);
    const offset = offsetRaw === null ? 0 : Number(offsetRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return json(400, { error: 'bad_request', message: 'invalid limit' });
    }
    if (!Number.isInteger(offset) || offset < 0) return json(400, { error: 'bad_request', message: 'invalid offset' });
    const status = params.get('status');
    if (status !== null && !['watching', 'completed', 'on_hold', 'dropped', 'plan_to_watch'].includes(status)) {
      return json(400, { error: 'bad_request', message: 'invalid status' });
    }
    const sort = params.get('sort');
    const comparator = sort === null ? undefined : SORTS[sort];
    if (sort !== null && comparator === undefined) return json(400, { error: 'bad_request', message: 'invalid sort' });
    const nsfw = params.get('nsfw') === 'true' || params.get('nsfw') === '1';
    let entries = [...store.entries.values()].filter(
      (e) => (nsfw || !e.node.nsfw) && (status === null || e.listStatus.status === status),
    );
    if (comparator) entries = entries.sort(comparator);

    const fields = parseFieldsParam(params.get('fields'));
    const includeListStatus =
      fields.has('list_status') || (params.get('fields') === null && (options.listStatusWithoutFields ?? true));
    const requested = fields.get('list_status') ?? new Set<string>();
    const page = entries.slice(offset, offset + limit);
    const paging: { previous?: string; next?: string } = {};
    if (offset > 0) paging.previous = pageUrl(params, Math.max(0, offset - limit), limit);
    if (offset + limit < entries.length) paging.next = pageUrl(params, offset + limit, limit);
    return json(200, {
      data: page.map((e) => ({
        node: nodeOf(e.node),
        ...(includeListStatus ? { list_status: projectListStatus(e.listStatus, requested) } : {}),
      })),
      paging,
    });
  }

  function pageUrl(params: Params, offset: number, limit: number): string {
    const next = new URLSearchParams(params);
    next.set('offset', String(offset));
    next.set('limit', String(limit));
    return `${origin}/v2/users/@me/animelist?${next.toString()}`;
  }

  function writeListStatus(req: IncomingMessage, animeId: number, body: string): HttpReply {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      return json(400, {
        error: 'bad_request',
        message: 'invalid content type: send application/x-www-form-urlencoded',
      });
    }
    const result = readWriteForm(new URLSearchParams(body), {
      acceptPartialDates: options.acceptPartialDates ?? false,
    });
    if (!result.ok) return json(400, { error: 'bad_request', message: result.message });
    let entry = store.entries.get(animeId);
    if (!entry) {
      const known = store.anime(animeId);
      if (!known && options.unknownAnime === 'not_found') return json(404, { error: 'not_found', message: '' });
      entry = {
        node: known ?? { id: animeId, title: `Anime #${animeId}`, num_episodes: 0 },
        // UNCERTAIN at MAL: the status of an entry created without one. plan_to_watch changes nothing watched.
        listStatus: {
          status: 'plan_to_watch',
          score: 0,
          num_episodes_watched: 0,
          is_rewatching: false,
          num_times_rewatched: 0,
          comments: '',
          updated_at: '',
          priority: 0,
          rewatch_value: 0,
          tags: [],
        },
      } satisfies StoredEntry;
    }
    const { changes } = result;
    const maxEpisodes = entry.node.num_episodes;
    if (changes.num_episodes_watched !== undefined && maxEpisodes > 0 && changes.num_episodes_watched > maxEpisodes) {
      if (options.episodeOverflow === 'reject') {
        return json(400, { error: 'bad_request', message: 'invalid num_watched_episodes' });
      }
      if (options.episodeOverflow === 'clamp') changes.num_episodes_watched = maxEpisodes;
    }
    const next = { ...entry.listStatus, ...changes };
    // An empty date clears it: MAL then omits the field on reads.
    if (next.start_date === '') delete next.start_date;
    if (next.finish_date === '') delete next.finish_date;
    next.updated_at = malDateTime(clock.now());
    entry.listStatus = next;
    store.entries.set(animeId, entry);
    return json(200, projectListStatus(next, 'all'));
  }

  function deleteListStatus(animeId: number): HttpReply {
    if (!store.entries.delete(animeId)) return json(404, { error: 'not_found' });
    return json(200, []);
  }

  // ---------------------------------------------------------------- routing

  interface Route {
    key: string;
    area: 'api' | 'oauth' | 'other';
    fault: Exclude<MalFaultRoute, 'any'> | 'other';
    animeId?: number;
  }

  function classify(method: string, path: string): Route {
    if (path === '/v1/oauth2/authorize') return { key: `${method} ${path}`, area: 'oauth', fault: 'authorize' };
    if (path === '/v1/oauth2/token') return { key: `${method} ${path}`, area: 'oauth', fault: 'token' };
    if (path.startsWith('/v1/oauth2/')) return { key: `${method} ${path}`, area: 'oauth', fault: 'other' };
    if (path === '/v2/users/@me') return { key: `${method} ${path}`, area: 'api', fault: 'me' };
    if (path === '/v2/users/@me/animelist') return { key: `${method} ${path}`, area: 'api', fault: 'list' };
    const write = /^\/v2\/anime\/([^/]+)\/my_list_status$/.exec(path);
    if (write) {
      const animeId = /^[1-9]\d{0,9}$/.test(write[1]!) ? Number(write[1]) : Number.NaN;
      const fault = method === 'DELETE' ? 'delete' : method === 'PATCH' || method === 'PUT' ? 'write' : 'other';
      return { key: `${method} /v2/anime/:id/my_list_status`, area: 'api', fault, animeId };
    }
    if (path.startsWith('/v2/')) return { key: `${method} ${path}`, area: 'api', fault: 'other' };
    return { key: `${method} ${path}`, area: 'other', fault: 'other' };
  }

  function dispatch(req: IncomingMessage, method: string, url: URL, route: Route, body: string): HttpReply {
    const path = url.pathname;
    if (path === '/v1/oauth2/authorize') {
      if (method === 'GET') {
        const checked = validateAuthorize(url.searchParams);
        return checked.ok ? consentPage(checked.request) : checked.reply;
      }
      if (method === 'POST') return decide(formOf(req, body));
      return methodNotAllowed();
    }
    if (path === '/v1/oauth2/token') return method === 'POST' ? token(req, formOf(req, body)) : methodNotAllowed();
    if (path === `/animelist/${encodeURIComponent(user.name)}` && method === 'GET') return publicListPage();
    if (route.area !== 'api') return json(404, { error: 'not_found', message: '' });

    const denied = checkApiAuth(req);
    if (denied) return denied;
    if (path === '/v2/users/@me') return method === 'GET' ? me() : methodNotAllowed();
    if (path === '/v2/users/@me/animelist') return method === 'GET' ? animelist(url.searchParams) : methodNotAllowed();
    if (route.animeId !== undefined) {
      if (Number.isNaN(route.animeId)) return json(400, { error: 'bad_request', message: 'invalid anime_id' });
      if (method === 'PATCH' || method === 'PUT') return writeListStatus(req, route.animeId, body);
      if (method === 'DELETE') return deleteListStatus(route.animeId);
      return methodNotAllowed();
    }
    return json(404, { error: 'not_found', message: '' });
  }

  /** The user's public list page (myanimelist.net/animelist/<name>): what a person checks after syncing. */
  function publicListPage(): HttpReply {
    const rows = [...store.entries.values()]
      .map((e) => {
        const node = nodeOf(e.node) as Record<string, unknown>;
        const ls = projectListStatus(e.listStatus, 'all') as Record<string, unknown>;
        const cells = [
          String(node.title ?? ''),
          String(ls.status ?? '').replace(/_/g, ' ') + (ls.is_rewatching ? ' (rewatching)' : ''),
          ls.score ? String(ls.score) : '-',
          `${String(ls.num_episodes_watched ?? 0)} / ${node.num_episodes ? String(node.num_episodes) : '?'}`,
        ];
        return `<tr data-anime-id="${escapeHtml(String(node.id))}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
      })
      .join('\n');
    const name = escapeHtml(user.name);
    return html(
      200,
      `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${name}'s Anime List - MyAnimeList (sandbox)</title></head>` +
        `<body><h1>${name}'s Anime List</h1><table><thead><tr><th>Title</th><th>Status</th><th>Score</th><th>Progress</th></tr></thead>` +
        `<tbody>${rows}</tbody></table></body></html>`,
    );
  }

  const held = new Set<ServerResponse>();

  function applyFault(fault: MalFaultSpec, req: IncomingMessage, res: ServerResponse): void {
    const retryAfter = fault.retryAfterSeconds;
    switch (fault.kind) {
      case 429:
        write(
          res,
          json(
            429,
            { error: 'too_many_requests', message: 'Too Many Requests' },
            { 'Retry-After': String(retryAfter ?? 1) },
          ),
        );
        return;
      case 403:
        write(
          res,
          json(
            403,
            { message: '', error: 'forbidden' },
            retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
          ),
        );
        return;
      case 500:
        write(res, json(500, { error: 'internal_server_error', message: '' }));
        return;
      case 502:
      case 503: {
        const text = fault.kind === 502 ? '502 Bad Gateway' : '503 Service Temporarily Unavailable';
        write(res, html(fault.kind, `<html><head><title>${text}</title></head><body><h1>${text}</h1></body></html>`));
        return;
      }
      case 'html':
        write(
          res,
          html(
            fault.status ?? 403,
            '<!DOCTYPE html><html><head><title>Request blocked</title></head><body><h1>Request blocked</h1>' +
              '<p>Your request has been blocked. If you believe this is an error, please contact support.</p></body></html>',
            retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
          ),
        );
        return;
      case 'timeout':
        // Never answer; the client's timeout ends it, or close() does.
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'body': {
        const isText = typeof fault.body === 'string';
        write(res, {
          status: fault.status ?? 200,
          body: isText ? (fault.body as string) : JSON.stringify(fault.body ?? null),
          contentType: fault.contentType ?? (isText ? 'text/plain; charset=UTF-8' : 'application/json; charset=UTF-8'),
          headers: retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
        });
        return;
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', origin);
    const route = classify(method, url.pathname);
    counters.requests += 1;
    if (route.area === 'api') counters.api += 1;
    if (route.area === 'oauth') counters.oauth += 1;
    counters.byRoute[route.key] = (counters.byRoute[route.key] ?? 0) + 1;

    let body: string;
    try {
      body = await readBody(req);
    } catch {
      write(res, json(413, { error: 'bad_request', message: 'request body too large' }));
      return;
    }
    const fault = faults.take(route.fault);
    if (fault) {
      applyFault(fault, req, res);
      return;
    }
    let reply: HttpReply;
    try {
      reply = dispatch(req, method, url, route, body);
    } catch (err) {
      reply = json(500, { error: 'internal_server_error', message: `sandbox bug: ${(err as Error).message}` });
    }
    write(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) write(res, json(500, { error: 'internal_server_error', message: '' }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  origin = `http://${shownHost}:${port}`;

  let closing: Promise<void> | undefined;

  const state: MalSandboxState = {
    user,
    list: () => [...store.entries.values()].map((e) => store.toListEntry(e)),
    setList(entries) {
      store.seed(Array.isArray(entries) ? entries.map((e, i) => seedFromInput(e, i)) : loadMalFixture(entries));
    },
    getEntry(animeId) {
      const entry = store.entries.get(animeId);
      return entry ? store.toListEntry(entry) : undefined;
    },
    tokens: () => store.tokenInfo(),
    expireAccessTokens: () => store.expireAccessTokens(),
    expireRefreshTokens: () => store.expireRefreshTokens(),
    revokeRefreshTokens: () => store.revokeRefreshTokens(),
    issueTokensDirectly: () => store.issueTokens(options.clientId, 'direct'),
    listResponse: () => ({
      data: [...store.entries.values()].map((e) => ({
        node: nodeOf(e.node),
        list_status: projectListStatus(e.listStatus, 'all'),
      })),
      paging: {},
    }),
  };

  function seedFromInput(input: MalListEntryInput, index: number): SandboxEntrySeed {
    const known = store.anime(input.animeId);
    return parseSeed(
      {
        node: {
          ...(known ?? {}),
          id: input.animeId,
          title: input.title ?? known?.title ?? `Anime #${input.animeId}`,
          num_episodes: known?.num_episodes ?? 0,
        },
        list_status: input.listStatus,
      },
      `setList entries[${index}]`,
    );
  }

  return {
    url: origin,
    apiUrl: `${origin}/v2`,
    oauthUrl: `${origin}/v1/oauth2`,
    port,
    counters,
    resetCounters() {
      counters.requests = 0;
      counters.api = 0;
      counters.oauth = 0;
      for (const key of Object.keys(counters.byRoute)) delete counters.byRoute[key];
    },
    close() {
      // Idempotent: tests may close in a finally block and again in afterEach.
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets and held ('timeout') requests would otherwise keep close() waiting.
        for (const res of held) res.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
    state,
    faults,
  };
}

// ---------------------------------------------------------------- helpers

const SORTS: Record<string, (a: StoredEntry, b: StoredEntry) => number> = {
  list_score: (a, b) => b.listStatus.score - a.listStatus.score || a.node.id - b.node.id,
  list_updated_at: (a, b) => b.listStatus.updated_at.localeCompare(a.listStatus.updated_at) || a.node.id - b.node.id,
  anime_title: (a, b) => a.node.title.localeCompare(b.node.title) || a.node.id - b.node.id,
  // The sandbox knows no start dates: keep list order.
  anime_start_date: () => 0,
  anime_id: (a, b) => a.node.id - b.node.id,
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpReply {
  return { status, headers, body: JSON.stringify(body), contentType: 'application/json; charset=UTF-8' };
}

function html(status: number, body: string, headers: Record<string, string> = {}): HttpReply {
  return { status, headers, body, contentType: 'text/html; charset=UTF-8' };
}

function invalidRequest(parameter: string | undefined, hint?: string): HttpReply {
  return json(400, {
    error: 'invalid_request',
    message: INVALID_REQUEST_MESSAGE,
    hint: hint ?? `Check the \`${parameter}\` parameter`,
  });
}

function invalidGrant(hint: string): HttpReply {
  return json(400, { error: 'invalid_grant', message: INVALID_GRANT_MESSAGE, hint });
}

function invalidClient(): HttpReply {
  return json(401, { error: 'invalid_client', message: 'Client authentication failed' });
}

function methodNotAllowed(): HttpReply {
  return json(405, { error: 'method_not_allowed', message: '' });
}

function formOf(req: IncomingMessage, body: string): URLSearchParams {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  // OAuth endpoints only read form bodies; anything else reads as an empty form (and fails validation).
  return contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(body) : new URLSearchParams();
}

function write(res: ServerResponse, reply: HttpReply): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.contentType) headers['Content-Type'] = reply.contentType;
  if (reply.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(reply.body));
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
