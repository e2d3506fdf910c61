import { callbackConfigShape, mailerConfigShape, syncConfigShape } from './config';
import { malCallbackSchema, malMailerSchema, malWorkerSchema } from './destinations/mal/config';
import { traktCallbackSchema, traktMailerSchema, traktWorkerSchema } from './destinations/trakt/config';
import type { Logger } from './log';
import { closest, editDistance } from './text/suggest';

/**
 * A misspelled setting is silently ignored by every schema (unknown keys are not errors, since the
 * environment holds PATH, HOME, AWS_* and much else): `SYNC_INTERVAL_MINUTS=60` leaves the
 * interval at 15 and nobody says why. These helpers find the keys that look meant for this project
 * but are no setting of it, so that the local runtime and the Lambdas can warn (never refuse).
 */

/** Every setting any function reads: a key the worker reads is no typo in the mailer's environment. */
export const FUNCTION_SETTINGS: readonly string[] = [
  ...new Set([
    ...Object.keys(syncConfigShape),
    ...Object.keys(mailerConfigShape),
    ...Object.keys(callbackConfigShape),
    ...[malWorkerSchema, malMailerSchema, malCallbackSchema].flatMap((s) => Object.keys(s.shape)),
    ...[traktWorkerSchema, traktMailerSchema, traktCallbackSchema].flatMap((s) => Object.keys(s.shape)),
  ]),
];

/**
 * Beginnings only this project's settings have. Broader ones (HTTP_, LOG_, STATE_, EVENT_, S3_)
 * are left out: HTTP_PROXY or LOG_FILE belong to other tools. Other keys are only warned about
 * when they are within a few letters of a setting.
 */
export const PROJECT_PREFIXES = [
  'ANILIST_',
  'MAL_',
  'TRAKT_',
  'SYNC_',
  'MIRROR_',
  'LOCAL_',
  'SANDBOX_',
  'NOTIFY_',
  'SENDER_',
  'REAUTH_',
  'PRUNE',
  'EXCLUDE',
  'ID_OVERRIDE',
  'DESTINATION',
  'PARTIAL_DATE',
  'CHECKPOINT_',
  'DEADLINE_SAFETY',
  'FULL_SYNC',
] as const;

/** Other programs' settings, never ours whatever their spelling. */
const FOREIGN = /^(AWS_|NODE_|NPM_|LAMBDA_|_|JEST_|GITHUB_|RUNNER_|CI$|XDG_|LC_|SSH_)/i;

export interface UnknownSetting {
  readonly key: string;
  /** The setting probably meant, when one is close. */
  readonly meant?: string;
}

/** The keys among `keys` that look meant for this project but are not in `known`, in the order given. */
export function findUnknownSettings(keys: Iterable<string>, known: readonly string[]): UnknownSetting[] {
  const knownSet = new Set(known);
  const found: UnknownSetting[] = [];
  for (const key of keys) {
    if (knownSet.has(key) || FOREIGN.test(key)) continue;
    const upper = key.toUpperCase();
    const ours = PROJECT_PREFIXES.some((prefix) => upper.startsWith(prefix));
    // Outside our prefixes only a near spelling counts (not closest's prefix rule: SOURCE_DATE_EPOCH
    // starts like SOURCE but is another tool's).
    const meant = ours ? closest(key, known) : nearSpelling(key, known);
    if (ours || meant) found.push(meant ? { key, meant } : { key });
  }
  return found;
}

/** A known key spelled the same but for case, `-` and `_`, or at most 2 edits away (1 for short keys). */
function nearSpelling(key: string, known: readonly string[]): string | undefined {
  const squash = (text: string) => text.replace(/[-_]/g, '').toUpperCase();
  const same = known.find((k) => squash(k) === squash(key));
  if (same) return same;
  const limit = key.length <= 6 ? 1 : 2;
  return known.find((k) => editDistance(k, key.toUpperCase()) <= limit);
}

/**
 * `SYNC_INTERVAL_MINUTS (in .env) is not a setting and is ignored: did you mean SYNC_INTERVAL_MINUTES?`
 * Only the key is named, never its value (it may be a secret under a misspelled name).
 */
export function describeUnknownSetting(setting: UnknownSetting, where?: string): string {
  const named = where ? `${setting.key} (${where})` : setting.key;
  if (setting.meant && setting.meant === setting.key.toUpperCase()) {
    return `${named} is ignored: settings are upper case. Did you mean ${setting.meant}?`;
  }
  return setting.meant
    ? `${named} is not a setting and is ignored: did you mean ${setting.meant}?`
    : `${named} is not a setting and is ignored (.env.example lists them all)`;
}

/**
 * The Lambdas' check, once per cold start: one structured warning per unknown key of the
 * function's own environment. Cheap: a few hundred string comparisons.
 */
export function logUnknownSettings(env: Readonly<Record<string, string | undefined>>, logger: Logger): void {
  for (const setting of findUnknownSettings(Object.keys(env), FUNCTION_SETTINGS)) {
    logger.warn(describeUnknownSetting(setting), {
      event: 'unknown_setting',
      setting: setting.key,
      ...(setting.meant ? { didYouMean: setting.meant } : {}),
    });
  }
}
