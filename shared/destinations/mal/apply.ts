import { isReauthRequired, isRetryable } from '../../errors';
import type { ApplyContext, ApplyResult, PlannedWrite, WriteOutcome } from '../../sync/destination';
import { writeFailure } from '../../sync/failure';
import { MalInvalidInputError, MalRateLimitError } from './errors';
import { applyMangaFields, type ComparableMangaState, type MalMangaPayload } from './manga';
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
  known: (key: string) => unknown,
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
      if (isMangaPayload(write.payload)) {
        outcome = await applyManga(write, write.payload, mal(), known);
      } else {
        outcome = await applyAnime(write, write.payload as MalUpdatePayload, mal(), known);
      }
    } catch (err) {
      if (isReauthRequired(err)) {
        stoppedBy = 'reauth_required';
        reauthError = err;
        outcome = { result: 'not_attempted' };
      } else {
        // In words for the report; the method, path and body summary go to the debug log.
        outcome = writeFailure(err, 'MyAnimeList', {
          permanent: !isRetryable(err),
          // 429, a 403 other than `invalid_token` (MAL's "DoS detected"), or a "Request blocked" page.
          throttled: err instanceof MalRateLimitError,
        });
      }
    }
    await context.onSettled(write, outcome);
  }
  return { ...(stoppedBy ? { stoppedBy } : {}), ...(reauthError ? { reauthError } : {}) };
}

async function applyAnime(
  write: PlannedWrite,
  { malId, fields }: MalUpdatePayload,
  mal: MalTarget,
  known: (key: string) => unknown,
): Promise<WriteOutcome> {
  if (write.kind === 'remove') {
    await mal.remove(malId);
    return { result: 'applied' };
  }
  await mal.update(malId, fields);
  // Record what we asked for, not MAL's echo: MAL may normalise fields (e.g. episodes on completion),
  // and diffing against its echo would rewrite the same entry every run.
  return { result: 'applied', state: applyFields(known(write.key) as ComparableMalState | undefined, fields) };
}

async function applyManga(
  write: PlannedWrite,
  { malId, fields }: MalMangaPayload,
  mal: MalTarget,
  known: (key: string) => unknown,
): Promise<WriteOutcome> {
  if (!mal.updateManga || !mal.removeManga) {
    throw new MalInvalidInputError('this MAL client cannot write the manga list', 'media');
  }
  if (write.kind === 'remove') {
    await mal.removeManga(malId);
    return { result: 'applied' };
  }
  await mal.updateManga(malId, fields);
  return { result: 'applied', state: applyMangaFields(known(write.key) as ComparableMangaState | undefined, fields) };
}

function isMangaPayload(payload: unknown): payload is MalMangaPayload {
  return (payload as { media?: unknown } | null)?.media === 'manga';
}
