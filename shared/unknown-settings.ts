import { callbackConfigShape, mailerConfigShape, syncConfigShape } from './config';
import { malCallbackSchema, malMailerSchema, malWorkerSchema } from './destinations/mal/config';
import { traktCallbackSchema, traktMailerSchema, traktWorkerSchema } from './destinations/trakt/config';
import { createJsonLogger, type Logger } from './log';
import { editDistance } from './text/suggest';

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
    // Outside our prefixes only a near spelling counts, and nearer for shorter keys: SOURCE_DATE_EPOCH
    // starts like SOURCE and IS_SANDBOX ends like SANDBOX, but both are other tools'.
    const meant = ours
      ? (nearSpelling(key, known, 0) ?? completion(key, known) ?? nearSpelling(key, known, 3))
      : nearSpelling(key, known, key.length >= 12 ? 2 : 1);
    if (ours || meant) found.push(meant ? { key, meant } : { key });
  }
  return found;
}

const squash = (text: string) => text.replace(/[-_]/g, '').toUpperCase();

/**
 * The known key spelled the same but for case, `-` and `_`, else the nearest within `most` edits
 * (1 for keys of up to 6 characters, so that short words are not taken for each other).
 */
function nearSpelling(key: string, known: readonly string[], most: number): string | undefined {
  const same = known.find((k) => squash(k) === squash(key));
  if (same) return same;
  const limit = key.length <= 6 ? 1 : most;
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(squash(candidate), squash(key));
    if (distance <= limit && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** The shortest known key that `key` begins (a name cut short: ANILIST_USER for ANILIST_USERNAME). */
function completion(key: string, known: readonly string[]): string | undefined {
  const bare = squash(key);
  return known.filter((k) => squash(k).startsWith(bare)).sort((a, b) => a.length - b.length)[0];
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
 * function's own environment. Cheap: a few hundred string comparisons. Called before the
 * settings are read, so that it also explains a "required" error caused by a misspelled key.
 */
export function logUnknownSettings(
  env: Readonly<Record<string, string | undefined>> = process.env,
  logger: Logger = createJsonLogger(),
): void {
  for (const setting of findUnknownSettings(Object.keys(env), FUNCTION_SETTINGS)) {
    logger.warn(describeUnknownSetting(setting), {
      event: 'unknown_setting',
      setting: setting.key,
      ...(setting.meant ? { didYouMean: setting.meant } : {}),
    });
  }
}
