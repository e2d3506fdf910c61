import { describeError, isReauthRequired, isRetryable } from '../../errors';
import type { ApplyContext, ApplyResult, PlannedWrite, WriteOutcome } from '../../sync/destination';
import { MalRateLimitError } from './errors';
import { applyFields, type ComparableMalState } from './mapping';
import type { MalUpdatePayload } from './planner';
import type { MalTarget } from './types';

/**
 * Executes planned writes one at a time (MAL is paced to ~1 request/s anyway). Stops cleanly
 * before `stopAt` (which the core also brings forward once MAL is throttling) and at the first
 * sign that the user must re-authorize; everything not applied is reported so that the core can
 * keep it for the next run.
 */
export async function applyMalWrites(
  writes: readonly PlannedWrite[],
  mal: () => MalTarget,
  known: (key: string) => ComparableMalState | undefined,
  context: ApplyContext,
): Promise<ApplyResult> {
  let stoppedBy: ApplyResult['stoppedBy'];
  let reauthError: unknown;
  for (const write of writes) {
    if (stoppedBy || (context.stopAt !== undefined && context.now() >= context.stopAt())) {
      stoppedBy ??= 'deadline';
      await context.onSettled(write, { result: 'not_attempted' });
      continue;
    }
    let outcome: WriteOutcome;
    try {
      const { malId, fields } = write.payload as MalUpdatePayload;
      if (write.kind === 'put') {
        await mal().update(malId, fields);
        // Record what we asked for, not MAL's echo: MAL may normalise fields (e.g. episodes on completion),
        // and diffing against its echo would rewrite the same entry every run.
        outcome = { result: 'applied', state: applyFields(known(write.key), fields) };
      } else {
        await mal().remove(malId);
        outcome = { result: 'applied' };
      }
    } catch (err) {
      if (isReauthRequired(err)) {
        stoppedBy = 'reauth_required';
        reauthError = err;
        outcome = { result: 'not_attempted' };
      } else {
        outcome = {
          result: 'failed',
          error: describeError(err),
          permanent: !isRetryable(err),
          // 429, a 403 other than `invalid_token` (MAL's "DoS detected"), or a "Request blocked" page.
          throttled: err instanceof MalRateLimitError,
        };
      }
    }
    await context.onSettled(write, outcome);
  }
  return { ...(stoppedBy ? { stoppedBy } : {}), ...(reauthError ? { reauthError } : {}) };
}
