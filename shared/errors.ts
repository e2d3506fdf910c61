/**
 * Every error the domain raises carries a stable machine-readable `code` and, where it wraps
 * something lower-level, the original `cause`. Messages are redacted on construction so that a
 * careless `console.error(err)` can never print a token.
 */
export class AppError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(redactSecrets(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Configuration is missing or malformed. `issues` names each bad key. */
export class ConfigError extends AppError {
  readonly retryable = false;
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super('config_invalid', `Invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.issues = issues;
  }
}

/** Transport-level failure: timeout, connection reset, DNS, or retries exhausted. */
export class NetworkError extends AppError {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super('network_error', message, options);
  }
}

/** A conditional write lost the race (HTTP 412 / ETag mismatch). */
export class PreconditionFailedError extends AppError {
  readonly retryable = true;
  constructor(key: string, options?: { cause?: unknown }) {
    super('precondition_failed', `Conditional write to "${key}" lost a race with another writer`, options);
  }
}

const SECRET_PATTERNS: readonly RegExp[] = [
  // key=value pairs in query strings and form bodies
  /\b(access_token|refresh_token|code_verifier|code_challenge|client_secret|code|token|password)=([^&\s"']+)/gi,
  // JSON fields
  /"(access_token|refresh_token|accessToken|refreshToken|code_verifier|codeVerifier|client_secret|clientSecret)"\s*:\s*"[^"]*"/gi,
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/g,
];

/** Shorter values are never registered: replacing every occurrence of them would wreck ordinary text. */
export const MIN_SECRET_LENGTH = 8;
/** A long-running local runtime refreshes tokens for days: the oldest values are forgotten first. */
const MAX_KNOWN_SECRETS = 200;
const knownSecrets = new Set<string>();
/** The known values, longest first, so that a secret containing another is replaced whole. */
let longestFirst: string[] | undefined;

/**
 * Remembers secret values this process holds (tokens, client secrets, authorization codes,
 * verifiers) so that `redactSecrets` removes them wherever they appear: in a URL path, in a
 * provider's error text, in any syntax the patterns below do not know. Call it where a secret
 * comes into being (read from the store or a parameter, received from a provider).
 */
export function registerSecrets(...values: readonly (string | null | undefined)[]): void {
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
    for (const form of [value, encodeURIComponent(value)]) {
      knownSecrets.delete(form);
      knownSecrets.add(form);
    }
  }
  for (const oldest of knownSecrets) {
    if (knownSecrets.size <= MAX_KNOWN_SECRETS) break;
    knownSecrets.delete(oldest);
  }
  longestFirst = undefined;
}

/** Forgets every registered value: a fresh process, for tests that prove where values are registered. */
export function forgetSecrets(): void {
  knownSecrets.clear();
  longestFirst = undefined;
}

function redactKnownValues(text: string): string {
  if (knownSecrets.size === 0) return text;
  longestFirst ??= [...knownSecrets].sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of longestFirst) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  return out;
}

/** Removes bearer tokens, OAuth codes, verifiers and secrets from free text: known values, then known syntax. */
export function redactSecrets(text: string): string {
  let out = redactKnownValues(text);
  out = out.replace(SECRET_PATTERNS[0]!, (_m, key: string) => `${key}=[REDACTED]`);
  out = out.replace(SECRET_PATTERNS[1]!, (_m, key: string) => `"${key}":"[REDACTED]"`);
  out = out.replace(SECRET_PATTERNS[2]!, 'Bearer [REDACTED]');
  return out;
}

/** Short, single-line description of any thrown value, safe for logs and reports. */
export function describeError(err: unknown): string {
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return redactSecrets(`${err.name}: ${err.message}`);
  return redactSecrets(String(err));
}

/**
 * Whether trying again later can help: network trouble, throttling, outages. Every error of the
 * domain says so with its `retryable` flag; an error without one (a bug, an unexpected throw) is
 * treated as retryable, so that nothing is parked as if a destination had rejected it.
 */
export function isRetryable(err: unknown): boolean {
  const flagged = (err as { retryable?: unknown } | null)?.retryable;
  if (typeof flagged === 'boolean') return flagged;
  const code = (err as { code?: unknown } | null)?.code;
  return code === undefined;
}

/** The user has to authorize a destination (again) before it can be used. */
export function isReauthRequired(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'reauth_required';
}
