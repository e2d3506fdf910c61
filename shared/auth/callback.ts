import type { Clock } from '../clock';
import { describeError, registerSecrets } from '../errors';
import type { EventPublisher } from '../events';
import { type Logger, silentLogger } from '../log';
import type { ObjectStore } from '../store/store';
import {
  alreadyConnectedPage,
  badRequestPage,
  declinedPage,
  destinationDisabledPage,
  exchangeFailedPage,
  type HtmlResponse,
  knownProviderError,
  providerErrorPage,
  saveFailedPage,
  stateProblemPage,
  successPage,
  userMismatchPage,
  verifyFailedPage,
} from './pages';
import { consumePendingAuthorization, peekPendingAuthorization } from './pending';
import type { AuthProvider, TokenSet } from './provider';
import { readTokenMeta } from './token-meta';
import { saveTokensFromAuthorization } from './tokens';

/** One destination the callback can complete an authorization for. */
export interface CallbackDestination {
  readonly provider: Pick<
    AuthProvider,
    'destination' | 'label' | 'exchangeCode' | 'whoAmI' | 'isInvalidGrant' | 'refreshTokenLifetimeDays'
  >;
  /** When set (MAL_USERNAME, TRAKT_USERNAME), tokens for any other account are refused. Compared case-insensitively. */
  readonly expectedUser?: string;
}

export interface OAuthCallbackDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** By destination key: a pending link names the destination it was made for. */
  readonly destinations: Readonly<Record<string, CallbackDestination>>;
  readonly events: Pick<EventPublisher, 'publishAuthorizationCompleted'>;
  /** Must equal the redirect_uri of the authorize request; the handler derives it per request when not configured. */
  readonly redirectUri: string;
  readonly logger?: Logger;
  /** The local dashboard, where the success page tells a person to watch the first sync. */
  readonly dashboardUrl?: string;
  /**
   * Each refusal (and a reused link that changed nothing) in one sentence for a person: locally the
   * console. Without it a refusal is a warn log line with its reason code (Lambda).
   */
  readonly onRefusal?: (text: string) => void;
}

/** Longest accepted parameter value; anything beyond it is not from MAL. */
export const MAX_PARAM_LENGTH = 2048;
/**
 * MAL's codes are encrypted blobs that embed the 128-character PKCE challenge and the redirect
 * URI (about 1–1.3 kB). Their length is not documented, so `code` gets extra headroom.
 */
export const MAX_CODE_LENGTH = 4096;
const MAX_QUERY_LENGTH = 16_384;
/** Parameters we read. Each may appear at most once; other parameters are ignored. */
const KNOWN_PARAMS = ['code', 'state', 'error', 'error_description', 'message', 'hint'] as const;
type KnownParam = (typeof KNOWN_PARAMS)[number];
const KNOWN = new Set<string>(KNOWN_PARAMS);
/** code and state are opaque ASCII tokens: printable, no spaces. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export type ParsedQuery =
  | { readonly ok: true; readonly params: Partial<Record<KnownParam, string>> }
  | { readonly ok: false; readonly problem: string };

/**
 * Parses `event.rawQueryString` ourselves: API Gateway's `queryStringParameters` joins repeated
 * parameters with commas, which would hide a duplicated `code` or `state`.
 */
export function parseCallbackQuery(raw: string | undefined): ParsedQuery {
  const params: Partial<Record<KnownParam, string>> = {};
  if (raw === undefined || raw === '') return { ok: true, params };
  if (raw.length > MAX_QUERY_LENGTH) return { ok: false, problem: 'the address is far too long' };
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return { ok: false, problem: 'it contains malformed percent-encoding' };
    }
    if (!KNOWN.has(key)) continue;
    const name = key as KnownParam;
    if (params[name] !== undefined) return { ok: false, problem: `the parameter "${name}" appears more than once` };
    if (value.length > (name === 'code' ? MAX_CODE_LENGTH : MAX_PARAM_LENGTH))
      return { ok: false, problem: `the parameter "${name}" is too long` };
    if (CONTROL_CHARS.test(value)) return { ok: false, problem: `the parameter "${name}" contains invalid characters` };
    if ((name === 'code' || name === 'state') && value !== '' && !TOKEN_CHARS.test(value)) {
      return { ok: false, problem: `the parameter "${name}" contains invalid characters` };
    }
    params[name] = value;
  }
  return { ok: true, params };
}

/**
 * The provider redirects here after the user approves (or declines). The pending link names the
 * destination, so this one route completes MyAnimeList and Trakt authorizations alike. Nothing is
 * stored unless the state is valid, unused and unexpired, the code exchange succeeds and (when
 * configured) the account matches. Codes, tokens, verifiers and states are never echoed or logged;
 * every echoed value is HTML-escaped by the page templates.
 */
export async function handleOAuthCallback(
  deps: OAuthCallbackDeps,
  rawQueryString: string | undefined,
): Promise<HtmlResponse> {
  const done = reporter(deps);

  const parsed = parseCallbackQuery(rawQueryString);
  if (!parsed.ok) return done(badRequestPage(parsed.problem), 'bad_request', { problem: parsed.problem });
  const { code, state, error } = parsed.params;

  if (error !== undefined) {
    // Declining burns nothing: the emailed link stays usable until it expires.
    const peek = state ? await peekPendingAuthorization(deps, state) : undefined;
    const label = labelOf(deps, peek?.destination);
    if (error === 'access_denied') {
      return done(declinedPage(label, peek?.ok ? peek.expiresAt : undefined), 'declined', {
        destination: peek?.destination,
      });
    }
    // Only a known code is shown or logged as such; error_description, message and hint never are.
    const known = knownProviderError(error);
    return done(providerErrorPage(label, known), 'provider_error', {
      destination: peek?.destination,
      error: known ?? `unrecognized (${loggableCode(error)})`,
    });
  }

  if (!state) return done(stateProblemPage('missing'), 'state_missing');
  // Checked before the state is consumed, so a truncated address does not burn the link.
  if (!code) return done(badRequestPage('the authorization code is missing'), 'code_missing');

  const consumed = await consumePendingAuthorization(deps, state);
  if (!consumed.ok) {
    const connected = consumed.reason === 'used' ? await connectedAs(deps, consumed.destination) : undefined;
    if (connected) {
      const page = alreadyConnectedPage(connected.label, connected.user, deps.dashboardUrl);
      return done(page, 'already_connected', { destination: consumed.destination });
    }
    return done(
      stateProblemPage(consumed.reason, {
        ...(consumed.expiresAt !== undefined ? { expiresAt: consumed.expiresAt } : {}),
        ...(consumed.usedAt !== undefined ? { usedAt: consumed.usedAt } : {}),
      }),
      `state_${consumed.reason}`,
    );
  }
  registerSecrets(code, consumed.codeVerifier);
  const target = deps.destinations[consumed.destination];
  if (!target) {
    // A link made for a destination this deployment no longer has enabled.
    return done(destinationDisabledPage(consumed.destination), 'destination_disabled', {
      destination: consumed.destination,
    });
  }
  return complete(deps, target, code, consumed.codeVerifier, done);
}

async function complete(
  deps: OAuthCallbackDeps,
  target: CallbackDestination,
  code: string,
  codeVerifier: string,
  done: Done,
): Promise<HtmlResponse> {
  const logger = deps.logger ?? silentLogger;
  const { provider, expectedUser } = target;
  const { destination, label } = provider;
  let tokens: TokenSet;
  try {
    tokens = await provider.exchangeCode({ code, codeVerifier, redirectUri: deps.redirectUri });
  } catch (err) {
    const rejected = provider.isInvalidGrant(err);
    return done(exchangeFailedPage(label, rejected ? 'rejected' : 'unavailable'), 'exchange_failed', {
      destination,
      error: describeError(err),
    });
  }

  let user: string | null = null;
  try {
    user = (await provider.whoAmI(tokens.accessToken)).name;
  } catch (err) {
    if (expectedUser) return done(verifyFailedPage(label), 'verify_failed', { destination, error: describeError(err) });
    // Without an expected user the name is only cosmetic.
    logger.warn('could not read the account name; storing tokens without it', {
      destination,
      error: describeError(err),
    });
  }
  if (expectedUser && user?.toLowerCase() !== expectedUser.toLowerCase()) {
    return done(userMismatchPage(label, user ?? '(unknown)', expectedUser), 'user_mismatch', {
      destination,
      user,
      expected: expectedUser,
    });
  }

  let storedUser: string | null;
  try {
    storedUser = (await saveTokensFromAuthorization(deps, provider, tokens, user)).tokens.user;
  } catch (err) {
    logger.error('could not store the new tokens', { destination, error: describeError(err) });
    return done(saveFailedPage(label), 'save_failed', { destination });
  }

  let syncStarted = true;
  try {
    await deps.events.publishAuthorizationCompleted({
      destination,
      user: storedUser,
      at: new Date(deps.clock.now()).toISOString(),
    });
  } catch (err) {
    // The tokens are stored; the next scheduled sync picks them up even without the event.
    syncStarted = false;
    logger.warn('could not publish the authorization-completed event', { error: describeError(err) });
  }
  const next = { syncStarted, ...(deps.dashboardUrl ? { dashboardUrl: deps.dashboardUrl } : {}) };
  return done(successPage(label, storedUser, next), 'authorized', { destination, user: storedUser });
}

type Done = (response: HtmlResponse, outcome: string, fields?: Record<string, unknown>) => HtmlResponse;

/**
 * Logs what the callback answered. A success is an info line. A refusal is a warn line with its
 * reason code (the outcome), or, with `onRefusal` (locally), a sentence on the console. Neither
 * ever carries the code, the state or the verifier: `fields` hold only our own words and names.
 */
function reporter(deps: OAuthCallbackDeps): Done {
  const logger = deps.logger ?? silentLogger;
  return (response, outcome, fields = {}) => {
    const record = { outcome, status: response.statusCode, ...fields };
    if (outcome === 'authorized' || deps.onRefusal) logger.info('oauth callback', record);
    else logger.warn('oauth callback refused', record);
    if (outcome !== 'authorized') deps.onRefusal?.(describeRefusal(outcome, response.title));
    return response;
  };
}

/** The console's line for a refused (or no-op) callback: what the browser showed, and the reason code. */
export function describeRefusal(outcome: string, title: string | undefined): string {
  if (outcome === 'already_connected')
    return `✓ ${title ?? 'Already connected'}: a link was used again; nothing to do.`;
  return `✗ Authorization callback: "${title ?? 'refused'}" (${outcome}). Nothing was stored; the page in the browser says what to do.`;
}

/**
 * Whether `destination` holds a working authorization, from the tokens' metadata: the callback
 * may write tokens but never read them (infra grants it the metadata only). Unknown (undefined)
 * when the metadata is missing, unreadable, marked invalid or expired, or cannot be read at all.
 */
async function connectedAs(
  deps: OAuthCallbackDeps,
  destination: string | undefined,
): Promise<{ label: string; user: string | null } | undefined> {
  const target = destination ? deps.destinations[destination] : undefined;
  if (!target || !destination) return undefined;
  try {
    const { meta } = await readTokenMeta(deps.store, destination);
    if (!meta || 'unreadable' in meta || meta.invalid || meta.refreshExpiresAt <= deps.clock.now()) return undefined;
    return { label: target.provider.label, user: meta.user };
  } catch (err) {
    (deps.logger ?? silentLogger).warn('could not read the token metadata', { destination, error: describeError(err) });
    return undefined;
  }
}

/** An unrecognized error code as the log may carry it: letters, digits and `_.-` only, at most 40 of them. */
function loggableCode(error: string): string {
  return error.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40);
}

/** The label of the destination a link was for; generic words when it cannot be told. */
function labelOf(deps: OAuthCallbackDeps, destination: string | undefined): string {
  if (destination && deps.destinations[destination]) return deps.destinations[destination].provider.label;
  const all = Object.values(deps.destinations);
  return all.length === 1 && all[0] ? all[0].provider.label : 'the service';
}
