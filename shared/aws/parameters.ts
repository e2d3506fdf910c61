import { type Clock, systemClock } from '../clock';
import { AppError, registerSecrets } from '../errors';
import { type BufferedResponse, type RetryPolicy, sendWithPolicy } from '../http/policy';

/**
 * How long the function waits for one answer of the extension. The extension's own limit on its
 * Parameter Store call (SSM_PARAMETER_STORE_TIMEOUT_MILLIS, set in infra/) is shorter, so a slow
 * SSM ends as the extension's error answer rather than as a bare timeout here.
 */
export const PARAMETER_READ_TIMEOUT_MS = 5_000;

/** The extension's port when PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is not set. */
export const DEFAULT_EXTENSION_PORT = 2773;

/** Why a parameter could not be read. */
export type ParameterReadFailure =
  /** No AWS_SESSION_TOKEN or an unusable port setting: not running in Lambda with the extension. */
  | 'not_in_lambda'
  /** No answer: nothing listens on the port (extension layer missing) or it timed out. */
  | 'unreachable'
  /** The extension said it is not ready yet, also on the second try. */
  | 'not_ready'
  /** A 4xx answer: unknown parameter, access denied, or the token was refused. */
  | 'rejected'
  /** A 5xx answer. */
  | 'extension_error'
  /** A 2xx answer without a usable GetParameter JSON body. */
  | 'bad_response';

/**
 * A secret parameter could not be read. The message names the parameter and what went wrong, never
 * the value: a 2xx body (which may hold it) is never quoted.
 */
export class SecretUnavailableError extends AppError {
  readonly parameterName: string;
  readonly reason: ParameterReadFailure;
  /** HTTP status of the extension's answer, when there was one. */
  readonly status: number | undefined;

  constructor(
    parameterName: string,
    reason: ParameterReadFailure,
    detail: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(
      'secret_unavailable',
      `Could not read SSM parameter "${parameterName}" through the AWS Parameters and Secrets Lambda Extension: ${detail}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.parameterName = parameterName;
    this.reason = reason;
    this.status = options.status;
  }
}

export interface ExtensionParameterReaderOptions {
  readonly fetch: typeof fetch;
  /**
   * The function's environment: AWS_SESSION_TOKEN (the extension's access token, set by Lambda) and
   * PARAMETERS_SECRETS_EXTENSION_HTTP_PORT (set with the layer; 2773 when absent).
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Per-attempt timeout, body included. */
  readonly timeoutMs: number;
  /** Sleeps before the one retry on a "not ready" answer. */
  readonly clock?: Clock;
  /** Jitter source of that wait, for deterministic tests. */
  readonly random?: () => number;
  /**
   * Where the extension listens.
   * @default 'localhost' (the extension's address inside Lambda)
   */
  readonly host?: string;
}

/**
 * The extension answers "not ready to serve traffic, please wait" (HTTP 400) while it is still
 * starting. AWS documents only that it serves the INVOKE phase, not INIT (the handlers read their
 * secrets in the first invocation, see `lazyHandler`); the answer itself is reported from the field,
 * so it is matched loosely and retried once, after a short wait.
 */
export function isNotReadyAnswer(response: Pick<BufferedResponse, 'status' | 'bodyText'>): boolean {
  return response.status === 400 && /not ready/i.test(response.bodyText);
}

/**
 * Reads SSM parameters (SecureStrings decrypted) through the AWS Parameters and Secrets Lambda
 * Extension on localhost, which calls GetParameter with the function's role and caches the answer.
 * The function then needs no SSM client: no SDK in the bundle, none to import at cold start.
 *
 * No cache of its own: the handlers resolve their secrets once per cold start (`lazyHandler`).
 */
export function createExtensionParameterReader(
  options: ExtensionParameterReaderOptions,
): (name: string) => Promise<string> {
  const clock = options.clock ?? systemClock;
  const retry: RetryPolicy = {
    maxAttempts: 2,
    doNotRetry: [],
    // Only the "not ready" 400 is retried; `isFinal` sends every other 400 straight back.
    retryOn: [400],
    baseDelayMs: 250,
    maxDelayMs: 250,
    maxRetryAfterMs: 1_000,
    budgetMs: 2 * options.timeoutMs + 1_000,
    retryNetworkErrors: false,
  };

  return async (name) => {
    const token = options.env.AWS_SESSION_TOKEN;
    if (!token) {
      throw new SecretUnavailableError(
        name,
        'not_in_lambda',
        'AWS_SESSION_TOKEN is not set (the extension only runs inside Lambda; locally, set the value itself)',
      );
    }
    const portSetting = options.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? String(DEFAULT_EXTENSION_PORT);
    const port = /^\d{1,5}$/.test(portSetting) ? Number(portSetting) : Number.NaN;
    if (!(port >= 1 && port <= 65_535)) {
      throw new SecretUnavailableError(
        name,
        'not_in_lambda',
        `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is not a port number: "${portSetting}"`,
      );
    }
    const url =
      `http://${options.host ?? 'localhost'}:${port}/systemsmanager/parameters/get` +
      `?name=${encodeURIComponent(name)}&withDecryption=true`;

    let response: Response;
    try {
      response = await sendWithPolicy(
        'parameters-extension',
        url,
        { method: 'GET', headers: { 'X-Aws-Parameters-Secrets-Token': token } },
        {
          fetch: options.fetch,
          timeoutMs: options.timeoutMs,
          retry,
          isFinal: (answer) => !isNotReadyAnswer(answer),
          clock,
          ...(options.random ? { random: options.random } : {}),
        },
      );
    } catch (err) {
      throw new SecretUnavailableError(
        name,
        'unreachable',
        `no answer (${err instanceof Error ? err.message : String(err)}); is the extension layer attached to this function?`,
        { cause: err },
      );
    }

    const bodyText = await response.text();
    const { status } = response;
    if (status < 200 || status > 299) {
      const reason: ParameterReadFailure = isNotReadyAnswer({ status, bodyText })
        ? 'not_ready'
        : status < 500
          ? 'rejected'
          : 'extension_error';
      // An error answer carries SSM's or the extension's message, never the value: quote its start.
      throw new SecretUnavailableError(name, reason, `HTTP ${status}${excerpt(bodyText)}`, { status });
    }
    let value: unknown;
    try {
      value = (JSON.parse(bodyText) as { Parameter?: { Value?: unknown } } | null)?.Parameter?.Value;
    } catch {
      // No cause: JSON.parse's message quotes the body, which may hold the value.
      throw new SecretUnavailableError(name, 'bad_response', `HTTP ${status} with a body that is not JSON`, {
        status,
      });
    }
    if (typeof value !== 'string' || value === '') {
      throw new SecretUnavailableError(name, 'bad_response', `HTTP ${status} without a Parameter.Value`, { status });
    }
    return value;
  };
}

/** The start of an error body on one line, for the message; empty for an empty body. */
function excerpt(bodyText: string): string {
  const line = bodyText.replace(/\s+/g, ' ').trim();
  if (line === '') return '';
  return `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`;
}

/**
 * The secret from plain config (local runs) or from SSM (AWS); undefined when neither is set. Every
 * client secret and the AniList token pass here, so here they are registered for redaction.
 */
export async function resolveSecret(
  direct: string | undefined,
  parameterName: string | undefined,
  read: (name: string) => Promise<string>,
): Promise<string | undefined> {
  const secret = direct || (parameterName ? await read(parameterName) : undefined);
  registerSecrets(secret);
  return secret;
}
