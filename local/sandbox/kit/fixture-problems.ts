import { shownValue } from '../../../shared/text/quote';

/**
 * How the sandbox fixture loaders (AniList, MyAnimeList, Trakt) say what is wrong: every problem
 * at once, each with its JSON path, and a value that is there but bad quoted as it is, never
 * called missing. `data[3].list_status.score: is 11, but must be a whole number 0–10`.
 */

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `is missing; it must be an object` or `is "7", but must be a whole number ≥ 1`. */
export function valueProblem(value: unknown, expected: string): string {
  return value === undefined
    ? `is missing; it must be ${expected}`
    : `is ${shownValue(value)}, but must be ${expected}`;
}

/** Collects problems instead of stopping at the first. Each check returns the value when good, else undefined. */
export class FixtureProblems {
  readonly list: string[] = [];

  add(path: string, message: string): undefined {
    this.list.push(`${path}: ${message}`);
    return undefined;
  }

  /** `value` is not what `expected` says: missing or bad, as it is. */
  expected(path: string, value: unknown, expected: string): undefined {
    return this.add(path, valueProblem(value, expected));
  }

  record(value: unknown, path: string): Json | undefined {
    return isRecord(value) ? value : this.expected(path, value, 'an object');
  }

  /** Absent is an empty list. */
  array(value: unknown, path: string): readonly unknown[] {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    this.expected(path, value, 'an array');
    return [];
  }

  text(value: unknown, path: string): string | undefined {
    return typeof value === 'string' && value !== '' ? value : this.expected(path, value, 'non-empty text');
  }

  /** A whole number from `min` (to `max`): a number outside the range is said to be above or below it. */
  whole(value: unknown, path: string, min: number, max?: number): number | undefined {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return this.expected(path, value, max === undefined ? `a whole number ≥ ${min}` : `a whole number ${min}–${max}`);
    }
    if (value < min) return this.add(path, `${value} is below ${min}`);
    if (max !== undefined && value > max) return this.add(path, `${value} is above ${max}`);
    return value;
  }

  /** Absent or null → null. */
  wholeOrNull(value: unknown, path: string, min: number): number | null {
    if (value === undefined || value === null) return null;
    return this.whole(value, path, min) ?? null;
  }

  textOrNull(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    return this.text(value, path) ?? null;
  }
}

/** The words for zod's type names, as a person would say what belongs there. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
};

/** A minimal view of a zod issue (classic and mini alike), so that this file needs no zod. */
export interface IssueLike {
  readonly code: string;
  readonly message: string;
  readonly expected?: unknown;
  readonly origin?: unknown;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
  readonly inclusive?: boolean;
  readonly values?: readonly unknown[];
}

/**
 * A zod issue in the words of `valueProblem`, `value` being what the fixture holds at the issue's
 * path: missing, or there but bad (quoted). Custom issues keep their own message.
 */
export function issueProblem(issue: IssueLike, value: unknown): string {
  const numeric = issue.origin === 'number' || issue.origin === 'int';
  switch (issue.code) {
    case 'invalid_type':
      return valueProblem(value, TYPE_WORDS[String(issue.expected)] ?? String(issue.expected));
    case 'invalid_value':
      return valueProblem(value, `one of ${(issue.values ?? []).map(String).join(', ')}`);
    case 'too_small':
      return numeric
        ? `${shownValue(value)} is ${issue.inclusive ? 'below' : 'not above'} ${String(issue.minimum)}`
        : valueProblem(
            value,
            `at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'items' : 'characters'} long`,
          );
    case 'too_big':
      return numeric
        ? `${shownValue(value)} is ${issue.inclusive ? 'above' : 'not below'} ${String(issue.maximum)}`
        : valueProblem(
            value,
            `at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'items' : 'characters'} long`,
          );
    case 'custom':
      return issue.message;
    default:
      return value === undefined ? `is missing: ${issue.message}` : `is ${shownValue(value)}: ${issue.message}`;
  }
}
