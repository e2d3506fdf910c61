/** Trakt's date-times: ISO 8601 in UTC with whole seconds, e.g. `2014-09-01T09:10:11.000Z`. */

function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export function traktDateTime(ms: number): string {
  return new Date(floorToSecond(ms)).toISOString();
}

const ISO_START = /^\d{4}-\d{2}-\d{2}/;

/** Epoch ms of an ISO date or date-time (seconds precision), or undefined when it is not one. */
export function parseDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_START.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : floorToSecond(ms);
}
