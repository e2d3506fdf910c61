import type { Clock } from '../clock';
import { describeError } from '../errors';
import type { EventPublisher } from '../events';
import { type Logger, silentLogger } from '../log';
import type { MalOAuth, MalTokenSet } from '../mal/types';
import type { ObjectStore } from '../store/store';
import {
  badRequestPage,
  declinedPage,
  exchangeFailedPage,
  type HtmlResponse,
  malErrorPage,
  saveFailedPage,
  stateProblemPage,
  successPage,
  userMismatchPage,
  verifyFailedPage,
} from './pages';
import { consumePendingAuthorization, peekPendingAuthorization } from './pending';
import { saveTokensFromAuthorization } from './tokens';

export interface OAuthCallbackDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly oauth: Pick<MalOAuth, 'exchangeCode' | 'getMe'>;
  readonly events: Pick<EventPublisher, 'publishAuthorizationCompleted'>;
  /** Must equal the redirect_uri of the authorize request; the handler derives it per request when not configured. */
  readonly redirectUri: string;
  /** REFRESH_TOKEN_LIFETIME_DAYS */
  readonly refreshTokenLifetimeDays: number;
  /** MAL_USERNAME: when set, tokens for any other account are refused. Compared case-insensitively, as MAL names are. */
  readonly expectedMalUser?: string;
  /** Tells a rejected code (400 page) from an outage (502 page). */
  readonly isInvalidGrant?: (err: unknown) => boolean;
  readonly logger?: Logger;
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
 * MAL redirects here after the user approves (or declines). Nothing is stored unless the state
 * is valid, unused and unexpired, the code exchange succeeds and (when configured) the account
 * matches. Codes, tokens, verifiers and states are never echoed or logged; every echoed value is
 * HTML-escaped by the page templates.
 */
export async function handleOAuthCallback(
  deps: OAuthCallbackDeps,
  rawQueryString: string | undefined,
): Promise<HtmlResponse> {
  const logger = deps.logger ?? silentLogger;
  const done = (response: HtmlResponse, outcome: string, fields: Record<string, unknown> = {}) => {
    logger.info('oauth callback', { outcome, status: response.statusCode, ...fields });
    return response;
  };

  const parsed = parseCallbackQuery(rawQueryString);
  if (!parsed.ok) return done(badRequestPage(parsed.problem), 'bad_request', { problem: parsed.problem });
  const { code, state, error } = parsed.params;

  if (error !== undefined) {
    if (error === 'access_denied') {
      // Declining burns nothing: the emailed link stays usable until it expires.
      const peek = state ? await peekPendingAuthorization(deps, state) : undefined;
      return done(declinedPage(peek?.ok ? peek.expiresAt : undefined), 'declined');
    }
    const description = parsed.params.error_description ?? parsed.params.message ?? parsed.params.hint;
    return done(malErrorPage(error, description), 'mal_error', { error });
  }

  if (!state) return done(stateProblemPage('missing'), 'state_missing');
  // Checked before the state is consumed, so a truncated address does not burn the link.
  if (!code) return done(badRequestPage('the authorization code is missing'), 'code_missing');

  const consumed = await consumePendingAuthorization(deps, state);
  if (!consumed.ok) {
    return done(
      stateProblemPage(consumed.reason, {
        ...(consumed.expiresAt !== undefined ? { expiresAt: consumed.expiresAt } : {}),
        ...(consumed.usedAt !== undefined ? { usedAt: consumed.usedAt } : {}),
      }),
      `state_${consumed.reason}`,
    );
  }

  let tokens: MalTokenSet;
  try {
    tokens = await deps.oauth.exchangeCode({
      code,
      codeVerifier: consumed.codeVerifier,
      redirectUri: deps.redirectUri,
    });
  } catch (err) {
    const rejected = deps.isInvalidGrant?.(err) ?? false;
    return done(exchangeFailedPage(rejected ? 'rejected' : 'unavailable'), 'exchange_failed', {
      error: describeError(err),
    });
  }

  let malUser: string | null = null;
  try {
    malUser = (await deps.oauth.getMe(tokens.accessToken)).name;
  } catch (err) {
    if (deps.expectedMalUser) {
      return done(verifyFailedPage(), 'verify_failed', { error: describeError(err) });
    }
    // Without an expected user the name is only cosmetic.
    logger.warn('could not read the MAL user name; storing tokens without it', { error: describeError(err) });
  }
  if (deps.expectedMalUser && malUser?.toLowerCase() !== deps.expectedMalUser.toLowerCase()) {
    return done(userMismatchPage(malUser ?? '(unknown)', deps.expectedMalUser), 'user_mismatch', {
      malUser,
      expected: deps.expectedMalUser,
    });
  }

  let storedUser: string | null;
  try {
    const saved = await saveTokensFromAuthorization(deps, tokens, malUser);
    storedUser = saved.tokens.malUser;
  } catch (err) {
    logger.error('could not store the new MAL tokens', { error: describeError(err) });
    return done(saveFailedPage(), 'save_failed');
  }

  try {
    await deps.events.publishAuthorizationCompleted({
      malUser: storedUser,
      at: new Date(deps.clock.now()).toISOString(),
    });
  } catch (err) {
    // The tokens are stored; the next scheduled sync picks them up even without the event.
    logger.warn('could not publish the authorization-completed event', { error: describeError(err) });
  }
  return done(successPage(storedUser), 'authorized', { malUser: storedUser });
}
