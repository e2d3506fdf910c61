import type { AuthProvider, DeviceCode, DeviceFlow, DevicePoll } from '../../shared/auth/provider';
import { saveTokensFromAuthorization } from '../../shared/auth/tokens';
import type { Clock } from '../../shared/clock';
import { AppError } from '../../shared/errors';
import { KEYS, type ObjectStore } from '../../shared/store/store';

/**
 * The OAuth device flow from a terminal (`npm run authorize -- trakt`), as a function of its
 * dependencies: the provider, the state store, the clock, where its lines go. It asks for a code,
 * shows it with the page to enter it on, polls at the provider's interval (longer after each
 * `slow_down`) until the person approves or denies, or the code expires, then stores the tokens
 * exactly as the OAuth callback does (`saveTokensFromAuthorization`: the destination's key,
 * conditional on the ETag read). Tokens and the device code are never printed.
 */

/** Where the flow's lines go. */
export interface DeviceLoginOutput {
  /** A line to keep. */
  line(text: string): void;
  /** The waiting line, once per poll: a terminal rewrites it in place, a log keeps some of them. */
  progress(text: string): void;
}

export type DeviceLoginProvider = Pick<
  AuthProvider,
  'destination' | 'label' | 'whoAmI' | 'refreshTokenLifetimeDays'
> & { readonly device: DeviceFlow };

export interface DeviceLoginDeps {
  readonly provider: DeviceLoginProvider;
  readonly store: ObjectStore;
  /** Polling waits with `clock.sleep`; a `ManualClock` runs a whole flow at once. */
  readonly clock: Clock;
  readonly out: DeviceLoginOutput;
  /** Refuse tokens of any other account (TRAKT_USERNAME), compared case-insensitively, as the callback does. */
  readonly expectedUser?: { readonly name: string; readonly setting: string };
  /** The command that starts over, for the messages. Default `npm run authorize -- <destination>`. */
  readonly rerun?: string;
  /** What to check when the provider refuses the app (which settings hold its id and secret). */
  readonly credentialsHint?: string;
  /** The provider's auth host, named when it cannot be reached. */
  readonly authHost?: string;
  /** The store, as the success line names it. Default `the state store`. */
  readonly storeName?: string;
  /** Called once the code is shown (tests and the browser test approve it from here). */
  readonly onCode?: (code: DeviceCode) => void | Promise<void>;
}

export type DeviceLoginOutcome =
  /** Tokens stored (or newer ones, stored meanwhile, kept). */
  | 'connected'
  | 'denied'
  /** The code expired (the provider said so, or its lifetime ran out here first) or was unknown. */
  | 'expired'
  /** The code was already exchanged, by another poller. */
  | 'used'
  /** Approved by another account than the expected one. */
  | 'user_mismatch'
  /** Approved, but the account could not be checked while one is expected. */
  | 'unverified'
  /** The provider refused the app itself (invalid client, 403). */
  | 'refused'
  | 'rate_limited'
  | 'unreachable'
  /** Approved, but the tokens could not be stored. */
  | 'not_stored';

export interface DeviceLoginResult {
  readonly outcome: DeviceLoginOutcome;
  /** The connected account (`connected`), or the account that approved (`user_mismatch`). */
  readonly user?: string | null;
  /** Polls sent, for tests and the summary. */
  readonly polls: number;
}

/** Seconds added to the interval at each `slow_down` (RFC 8628 §3.5, and Trakt's docs). */
export const SLOW_DOWN_STEP_SECONDS = 5;

/** Runs the device flow once; never throws for what the provider or the person decided. */
export async function runDeviceLogin(deps: DeviceLoginDeps): Promise<DeviceLoginResult> {
  const { provider, clock, out } = deps;
  const { label } = provider;
  const rerun = deps.rerun ?? `npm run authorize -- ${provider.destination}`;
  const again = `Run \`${rerun}\` again`;
  let polls = 0;
  const fail = (outcome: DeviceLoginOutcome, text: string, user?: string | null): DeviceLoginResult => {
    out.line(`✗ ${text}`);
    return { outcome, polls, ...(user !== undefined ? { user } : {}) };
  };

  let code: DeviceCode;
  try {
    code = await provider.device.start();
  } catch (err) {
    const refused = refusal(err, label, deps, again);
    return fail(refused.outcome, refused.text);
  }
  const lifetime = minutes(code.expiresIn);
  out.line(`To connect ${label}:`);
  out.line(`  1. Open      ${code.verificationUrl}`);
  out.line(`  2. Enter     ${code.userCode}`);
  out.line(`  3. Approve. This waits for you (the code works for ${lifetime}), then stores the tokens.`);
  await deps.onCode?.(code);

  const deadline = clock.now() + code.expiresIn * 1000;
  let intervalS = Math.max(1, code.interval);
  const expired = () =>
    fail('expired', `The code expired before it was approved (it works for ${lifetime}). ${again} for a new code.`);
  for (;;) {
    await clock.sleep(intervalS * 1000);
    if (clock.now() >= deadline) return expired();
    let poll: DevicePoll;
    polls++;
    try {
      poll = await provider.device.poll(code.deviceCode);
    } catch (err) {
      if (isTransient(err)) {
        out.line(`${label} did not answer the check (${reasonOf(err)}); trying again in ${intervalS} s.`);
        continue;
      }
      const refused = refusal(err, label, deps, again);
      return fail(refused.outcome, refused.text);
    }
    switch (poll.status) {
      case 'pending':
        out.progress(
          `Waiting for you to approve code ${code.userCode} at ${code.verificationUrl}… ${clockTime(deadline - clock.now())} left`,
        );
        continue;
      case 'slow_down':
        intervalS += SLOW_DOWN_STEP_SECONDS;
        out.line(`${label} asked to be checked less often: every ${intervalS} s from now on.`);
        continue;
      case 'denied':
        return fail(
          'denied',
          `The code was denied on ${label}, so nothing was stored. To connect after all, ${lc(again)}.`,
        );
      case 'expired':
        return expired();
      case 'invalid':
        return fail(
          'expired',
          `${label} no longer knows this code (it expired, or a newer one replaced it). ${again} for a new code.`,
        );
      case 'used':
        return fail(
          'used',
          `${label} says this code was already used: its tokens went to an earlier check whose answer never arrived ` +
            `here, or to another copy of this command. Nothing was stored here. If ${label} is still not connected, ${lc(again)}.`,
        );
      case 'approved':
        return finish(deps, poll.tokens, { polls, fail, again });
    }
  }
}

async function finish(
  deps: DeviceLoginDeps,
  tokens: Extract<DevicePoll, { status: 'approved' }>['tokens'],
  context: {
    polls: number;
    fail: (outcome: DeviceLoginOutcome, text: string, user?: string | null) => DeviceLoginResult;
    again: string;
  },
): Promise<DeviceLoginResult> {
  const { provider, out, expectedUser } = deps;
  const { label } = provider;
  const { fail, again, polls } = context;
  let user: string | null = null;
  try {
    user = (await provider.whoAmI(tokens.accessToken)).name;
  } catch (err) {
    if (expectedUser) {
      return fail(
        'unverified',
        `${label} approved, but which account approved could not be checked (${reasonOf(err)}), and ` +
          `${expectedUser.setting} is set: nothing was stored. ${again}.`,
      );
    }
    out.line(`(Could not read the ${label} account name: ${reasonOf(err)}. Storing the tokens without it.)`);
  }
  if (expectedUser && user?.toLowerCase() !== expectedUser.name.toLowerCase()) {
    return fail(
      'user_mismatch',
      `The code was approved by ${label} user "${user}", but ${expectedUser.setting} is "${expectedUser.name}": ` +
        `nothing was stored. Sign in to ${label} as "${expectedUser.name}" (or change ${expectedUser.setting}), then ${lc(again)}.`,
      user,
    );
  }
  let saved: Awaited<ReturnType<typeof saveTokensFromAuthorization>>;
  try {
    saved = await saveTokensFromAuthorization({ store: deps.store, clock: deps.clock }, provider, tokens, user);
  } catch (err) {
    return fail('not_stored', `${label} approved, but the tokens could not be stored: ${reasonOf(err)}. ${again}.`);
  }
  const who = saved.tokens.user ? ` as "${saved.tokens.user}"` : '';
  const where = `${deps.storeName ?? 'the state store'} (${KEYS.tokens(provider.destination)})`;
  out.line(`✓ Connected to ${label}${who}. The tokens are stored in ${where}.`);
  return { outcome: 'connected', user: saved.tokens.user, polls };
}

interface StatusError {
  readonly status?: unknown;
  readonly oauthError?: unknown;
  readonly code?: unknown;
}

/** A network failure or a provider answer that says "not now" (429 aside, which is `slow_down`): poll again. */
function isTransient(err: unknown): boolean {
  const { status, code } = (err ?? {}) as StatusError;
  if (code === 'network_error' || code === 'out_of_time') return true;
  return typeof status === 'number' && (status >= 500 || status === 408);
}

/** Why the provider will not run the flow for this app, in words that say what to do. */
function refusal(
  err: unknown,
  label: string,
  deps: DeviceLoginDeps,
  again: string,
): { outcome: DeviceLoginOutcome; text: string } {
  const { status, oauthError, code } = (err ?? {}) as StatusError;
  const check = deps.credentialsHint ? ` ${deps.credentialsHint}` : '';
  if (oauthError === 'invalid_client' || status === 401) {
    return {
      outcome: 'refused',
      text: `${label} does not accept this app's credentials (HTTP ${status} invalid_client).${check}`,
    };
  }
  if (status === 403) {
    return {
      outcome: 'refused',
      text:
        `${label} refused this app (HTTP 403). ${label} disables API apps whose owner is no longer VIP, ` +
        `and refuses unknown ones.${check}`,
    };
  }
  if (status === 429) {
    return {
      outcome: 'rate_limited',
      text: `${label} is rate-limiting this app (HTTP 429). Wait a few minutes, then ${lc(again)}.`,
    };
  }
  if (code === 'network_error' || code === 'out_of_time') {
    return {
      outcome: 'unreachable',
      text: `Could not reach ${label}${deps.authHost ? ` at ${deps.authHost}` : ''}: ${reasonOf(err)}. ${again} once it answers.`,
    };
  }
  return { outcome: 'refused', text: `${label} could not run the device login: ${reasonOf(err)}.` };
}

function reasonOf(err: unknown): string {
  if (err instanceof AppError || err instanceof Error) return err.message;
  return String(err);
}

function lc(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function minutes(seconds: number): string {
  if (seconds % 60 !== 0 || seconds < 60) return `${seconds} seconds`;
  const m = seconds / 60;
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/** `9:05` */
function clockTime(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}
