import * as z from 'zod';

/**
 * The building blocks of the deployment settings (`cdk.json` → `context`, overridable with
 * `-c key=value`). Values given with `-c` always arrive as strings, so every schema accepts both
 * the JSON type (from cdk.json) and its string spelling, and treats an empty string as unset
 * (`-c alarmEmail=` switches the alarm mail off).
 */
export const unsetIfEmpty = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const text = z.preprocess(unsetIfEmpty, z.string({ message: 'is required' }).trim().min(1, 'is required'));
export const optionalText = z.preprocess(unsetIfEmpty, z.string({ message: 'must be text' }).trim().min(1).optional());
export const email = z.preprocess(unsetIfEmpty, z.email({ message: 'must be an email address' }));
export const optionalEmail = z.preprocess(unsetIfEmpty, z.email({ message: 'must be an email address' }).optional());

export const bool = (fallback: boolean) =>
  z.preprocess(
    (v) => {
      const value = unsetIfEmpty(v);
      if (typeof value !== 'string') return value;
      const s = value.trim().toLowerCase();
      if (s === 'true' || s === '1' || s === 'yes') return true;
      if (s === 'false' || s === '0' || s === 'no') return false;
      return value;
    },
    z.boolean({ message: 'must be true or false' }).default(fallback),
  );

export const wholeNumber = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => {
      const value = unsetIfEmpty(v);
      return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
    },
    z
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

/** SSM parameter names: plain (`name`) or hierarchical (`/a/b`); the value is never part of config. */
const parameterName = z
  .string({ message: 'is required: the NAME of an SSM SecureString parameter' })
  .trim()
  .max(1011, 'is too long for an SSM parameter name')
  .regex(
    /^(?:(?:\/[A-Za-z0-9_.-]+)+|[A-Za-z0-9_.-]+)$/,
    'must be an SSM parameter name such as /anilist-mal-mirror/mal-client-secret (the NAME, never the secret itself)',
  );
export const ssmParameterName = z.preprocess(unsetIfEmpty, parameterName.optional());
export const requiredSsmParameterName = z.preprocess(unsetIfEmpty, parameterName);
