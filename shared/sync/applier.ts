import type { Clock } from '../clock';
import { describeError } from '../errors';
import type { MalTarget } from '../mal/types';
import { applyFields, type ComparableMalState } from './mapping';
import type { PlannedWrite } from './planner';

export type WriteOutcome =
  | { readonly write: PlannedWrite; readonly result: 'applied'; readonly state?: ComparableMalState }
  | { readonly write: PlannedWrite; readonly result: 'failed'; readonly error: string; readonly permanent: boolean }
  | { readonly write: PlannedWrite; readonly result: 'not_attempted' };

export interface ApplyResult {
  readonly outcomes: readonly WriteOutcome[];
  /** Why the loop stopped before the end, if it did. */
  readonly stoppedBy?: 'deadline' | 'reauth_required';
  readonly reauthError?: unknown;
}

export interface ApplyContext {
  readonly mal: MalTarget;
  readonly clock: Clock;
  /** Epoch ms after which no new write may start, read before each write. */
  readonly stopAt?: () => number;
  readonly known: ReadonlyMap<number, ComparableMalState>;
  /** Called after each write settles, so progress can be checkpointed. */
  readonly onSettled?: (outcome: WriteOutcome, index: number) => Promise<void>;
}

/** A failure the next run may succeed at: network trouble, throttling, MAL outages. */
export function isTransient(err: unknown): boolean {
  const flagged = (err as { retryable?: unknown })?.retryable;
  if (typeof flagged === 'boolean') return flagged;
  const code = (err as { code?: unknown })?.code;
  return code === 'network_error' || code === undefined;
}

export function isReauthRequired(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 'reauth_required';
}

/**
 * Executes planned writes one at a time (MAL is paced to ~1 request/s anyway). Stops cleanly
 * before `stopAt` and at the first sign that the user must re-authorize; everything not applied
 * is reported so that the caller can keep it for the next run.
 */
export async function applyWrites(writes: readonly PlannedWrite[], ctx: ApplyContext): Promise<ApplyResult> {
  const outcomes: WriteOutcome[] = [];
  let stoppedBy: ApplyResult['stoppedBy'];
  let reauthError: unknown;
  for (const [index, write] of writes.entries()) {
    if (stoppedBy || (ctx.stopAt !== undefined && ctx.clock.now() >= ctx.stopAt())) {
      stoppedBy ??= 'deadline';
      outcomes.push({ write, result: 'not_attempted' });
      continue;
    }
    let outcome: WriteOutcome;
    try {
      if (write.kind === 'update') {
        await ctx.mal.update(write.malId, write.fields);
        // Record what we asked for, not MAL's echo: MAL may normalise fields (e.g. episodes on completion),
        // and diffing against its echo would rewrite the same entry every run.
        outcome = { write, result: 'applied', state: applyFields(ctx.known.get(write.malId), write.fields) };
      } else {
        await ctx.mal.remove(write.malId);
        outcome = { write, result: 'applied' };
      }
    } catch (err) {
      if (isReauthRequired(err)) {
        stoppedBy = 'reauth_required';
        reauthError = err;
        outcome = { write, result: 'not_attempted' };
      } else {
        outcome = { write, result: 'failed', error: describeError(err), permanent: !isTransient(err) };
      }
    }
    outcomes.push(outcome);
    await ctx.onSettled?.(outcome, index);
  }
  return { outcomes, ...(stoppedBy ? { stoppedBy } : {}), ...(reauthError ? { reauthError } : {}) };
}
