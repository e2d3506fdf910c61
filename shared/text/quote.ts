import { escapeRawInJson } from './printable';

/**
 * Values quoted back in messages ("SYNC_INTERVAL_MINUTES="fifteen" must be …", "score: 11 is above
 * 10"), so that the user finds the slip. Quoted as JSON (quotes, backslashes and control
 * characters escaped, nothing a terminal acts on) and cut short: a message is not a dump.
 */

/** Longest value shown whole; longer ones are cut, with their length. */
export const MAX_SHOWN = 60;

/** `"fifteen"`, `11`, `null`, `"{\"21\":\"twenty-…" (312 characters)`. */
export function shownValue(value: unknown, max = MAX_SHOWN): string {
  if (typeof value === 'string' && value.length > max) {
    return `${escapeRawInJson(JSON.stringify(`${value.slice(0, max - 1)}…`))} (${value.length} characters)`;
  }
  const text = escapeRawInJson(JSON.stringify(value) ?? String(value));
  return text.length > max + 2 ? `${text.slice(0, max - 1)}… (${text.length} characters of JSON)` : text;
}

/**
 * Settings that hold a secret by name: `*_SECRET`, `*_TOKEN`, `*_KEY`, passwords, credentials.
 * `REFRESH_TOKEN_LIFETIME_DAYS` or `ANILIST_TOKEN_PARAMETER` (a parameter's name) hold none.
 */
const SECRET_NAME = /(SECRET|TOKEN|KEY|COOKIE|CREDENTIALS?)S?$|PASSW(OR)?D|PASSPHRASE/i;

export function isSecretSetting(key: string): boolean {
  return SECRET_NAME.test(key);
}

/**
 * Text that may be a secret pasted into the wrong setting: a run of 12+ letters and digits that
 * mixes both (a token, a hex key), or 32+ characters of base64 without a break. Such a value is
 * only measured, never shown.
 */
export function looksLikeSecret(text: string): boolean {
  const runs = text.match(/[A-Za-z0-9]{12,}/g) ?? [];
  return runs.some((run) => /\d/.test(run) && /[A-Za-z]/.test(run)) || /[A-Za-z0-9+/_=-]{32,}/.test(text);
}

/** The setting's value as a message may quote it, or undefined when it must not be shown. */
export function quotedSetting(key: string, value: string): string | undefined {
  if (isSecretSetting(key) || looksLikeSecret(value)) return undefined;
  return shownValue(value);
}
