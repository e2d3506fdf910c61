import { randomUUID } from 'node:crypto';
import type { MediaKind } from '../anilist/types';
import { describeError, isReauthRequired } from '../errors';
import type { Destination } from './destination';
import { excludedFor } from './exclusions';
import { isPauseActive, type SyncPause, withoutPause } from './pause';
import { newDestinationReport, publishReauth, reasonOf, reconcileDestination } from './reconcile';
import { type DestinationReport, overallStatus, type RunReport, recoveryAction } from './report';
import { readForKinds, readSource, type SourceReadResult } from './source';
import {
  type DestinationState,
  initialState,
  type LoadedState,
  loadDestinationState,
  type StateRecovery,
  saveDestinationState,
} from './state';
import { pauseAfterSkip, type ThrottlePause } from './throttle';

// The run's dependencies and settings live apart, so that reconcile.ts needs them without importing the engine.
export type { DestinationRuntime, SyncDeps, SyncSettings } from './deps';

import type { DestinationRuntime, SyncDeps, SyncSettings } from './deps';

export interface RunOptions {
  readonly full?: boolean;
  readonly dryRun?: boolean;
  /**
   * Epoch ms when the runtime kills us (Lambda deadline). A function is read at every check: the
   * local runtime brings it forward when the user presses Ctrl-C, so the run stops as it would at
   * a Lambda deadline, checkpointing what it did.
   */
  readonly deadline?: number | (() => number);
  /**
   * Whether the user stopped the run (the local runtime's Ctrl+C): a destination that stops at the
   * deadline then reports `interrupted` ("stopped by you") rather than the time budget.
   */
  readonly interrupted?: () => boolean;
}

/**
 * Requests must settle this long before the deadline (at most the safety margin), so that the
 * run still has time to save its progress after a request that was started late is cut short.
 */
const PERSIST_RESERVE_MS = 5_000;

interface Participant {
  readonly runtime: DestinationRuntime;
  readonly state: DestinationState;
  readonly migratedFrom?: string | undefined;
  readonly recovered?: StateRecovery | undefined;
  readonly full: boolean;
}

/**
 * One sync run: read what changed on the source once, then reconcile each destination in turn
 * (the one furthest behind first, each with a fair share of the remaining time).
 *
 * Guarantees, per destination: a failed write stays in its retry list for the next run; its
 * watermark never passes an unapplied change; edits made during the run are picked up by the next
 * one (no watermark passes the source's clock at the start of the read); a run stops before its
 * deadline and the next resumes; a destination that fails or waits for the user holds no other
 * back. Steady state with no source changes costs 1 source request, no destination request and
 * one S3 read per enabled destination.
 */
export async function runSync(deps: SyncDeps, settings: SyncSettings, options: RunOptions = {}): Promise<RunReport> {
  const startedAt = deps.clock.now();
  const dryRun = options.dryRun ?? false;
  const report = newRunReport(settings, startedAt, dryRun);
  const deadlineAt = deadlineFunction(options.deadline);
  if (deadlineAt) {
    const reserve = Math.min(PERSIST_RESERVE_MS, settings.deadlineSafetyMs);
    deps.requestDeadline?.set(() => deadlineAt() - reserve);
  }
  try {
    const participants = await prepare(deps, settings, options, report);
    if (participants.length === 0) return finish(report, deps);
    const source = await readSourceOnce(deps, settings, participants);
    if (source.escalatedAfter !== undefined) {
      deps.logger.info('many changes since the last run: reading the whole list instead', {
        runId: report.runId,
        changedAtLeast: source.escalatedAfter,
      });
    }
    report.source.mode = source.full ? 'full' : 'incremental';
    report.source.fetched = source.read.entries.length;
    report.source.invalid = source.read.invalid.map((i) => ({ ...i }));
    const ordered = furthestBehindFirst(participants);
    for (const [index, p] of ordered.entries()) {
      const full = p.full || source.full;
      const stopAt = deadlineAt && shareOfRemainingTime(deps.clock.now(), deadlineAt, ordered.length - index);
      const section = await reconcileDestination({
        deps,
        settings,
        destination: p.runtime.destination,
        prune: p.runtime.prune,
        state: p.state,
        migratedFrom: p.migratedFrom,
        recovered: p.recovered,
        source: readForKinds(source, kindsOf(p)),
        full,
        dryRun,
        startedAt,
        ...(stopAt ? { stopAt: () => stopAt() - settings.deadlineSafetyMs } : {}),
        ...(options.interrupted ? { interrupted: options.interrupted } : {}),
        runId: report.runId,
      });
      report.destinations.push(section);
    }
    return finish(report, deps);
  } catch (err) {
    report.error = describeError(err);
    if (isReauthRequired(err)) {
      // The source itself needs the user (a MAL list read with MAL's tokens).
      await publishReauth(deps, settings.sourceKind ?? 'anilist', reasonOf(err));
      return finish(report, deps, 'reauth_required');
    }
    deps.logger.error('sync run failed', { runId: report.runId, error: report.error });
    return finish(report, deps, 'failed');
  } finally {
    // Before the deadline is lifted: refreshed tokens S3 did not take during the run get their last try.
    await deps.endOfRun?.();
    deps.requestDeadline?.set(undefined);
  }
}

/**
 * Loads every enabled destination's state. A destination the user must authorize first is left
 * out of this run (reported as waiting) unless its tokens have become usable since.
 */
async function prepare(
  deps: SyncDeps,
  settings: SyncSettings,
  options: RunOptions,
  report: RunReport,
): Promise<Participant[]> {
  const runtimes = deps.destinations();
  const loaded = await Promise.all(
    runtimes.map((r) =>
      loadDestinationState(deps.store, r.destination.key, (s) => r.destination.checkRecordState(s)).then(
        (state) => ({ state }),
        (error: unknown) => ({ error }),
      ),
    ),
  );
  const participants: Participant[] = [];
  const recoveries = new Map<string, StateRecovery>();
  for (const [i, runtime] of runtimes.entries()) {
    const load = loaded[i] ?? { state: undefined };
    if ('error' in load) {
      // Its state cannot be read (S3 trouble, or an object that does not match): this destination
      // sits the run out, reported as failed; the others go on.
      report.destinations.push(unreadableState(deps, runtime.destination, load.error));
      continue;
    }
    const state = forUser(load.state, runtime.destination.key, settings.anilistUser);
    if (load.state?.recovered) recoveries.set(runtime.destination.key, logRecovery(deps, load.state.recovered));
    if (state.authBlocked && !(await runtime.destination.authorized())) {
      report.destinations.push(waitingForUser(runtime.destination, state));
      // Every run that skips it still tells the mailer, as the run that found out did: the mailer
      // decides (and throttles) the email, and a used or expired link is replaced in time.
      await publishReauth(deps, runtime.destination.key, state.authBlocked.reason);
      continue;
    }
    if (isPauseActive(state.paused, deps.clock.now()) && !options.dryRun) {
      // Paused (a restore is running, or a person paused it): no read, no write, nothing saved.
      report.destinations.push(sitOutPause(runtime.destination, state, state.paused));
      continue;
    }
    if (state.throttled && state.throttled.skipRuns > 0 && !options.dryRun) {
      // It was throttling: this run leaves it alone (its retry list and watermark wait), and counts down.
      report.destinations.push(await sitOutThrottle(deps, runtime.destination, state, state.throttled));
      continue;
    }
    participants.push({
      runtime,
      // A pause still here has expired (its holder died) or the run is dry: the run's saves drop it.
      state: state.paused ? withoutPause(state) : state,
      migratedFrom: load.state?.migratedFrom,
      recovered: load.state?.recovered,
      full:
        decideFull(state, settings, options, deps.clock.now()) || coversNewList(state, runtime.destination.mediaKinds),
    });
  }
  // A destination that sits this run out still says its state was recovered (participants say it as they run).
  for (const section of report.destinations) {
    const recovered = recoveries.get(section.destination);
    if (recovered) section.stateRecovery = recovered;
  }
  return participants;
}

/** Loud on purpose: a corrupt state object points at a bug or a hand edit, and someone should look. */
function logRecovery(deps: SyncDeps, recovered: StateRecovery): StateRecovery {
  deps.logger.error('sync state was corrupt', { ...recovered, action: recoveryAction(recovered) });
  return recovered;
}

function forUser(loaded: LoadedState | undefined, destination: string, user: string): DestinationState {
  const state = loaded?.state ?? initialState(destination, user);
  if (state.anilistUser === user) return state;
  // A different source account: start over rather than diff against someone else's list.
  return { ...initialState(destination, user), mirrored: state.mirrored, lastBackupAt: state.lastBackupAt };
}

function unreadableState(deps: SyncDeps, destination: Destination, err: unknown): DestinationReport {
  const section = newDestinationReport(destination, false, 0);
  section.status = 'failed';
  section.error = describeError(err);
  deps.logger.error('destination failed', { destination: destination.key, error: section.error });
  return section;
}

async function sitOutThrottle(
  deps: SyncDeps,
  destination: Destination,
  state: DestinationState,
  pause: ThrottlePause,
): Promise<DestinationReport> {
  const next = pauseAfterSkip(pause);
  try {
    await saveDestinationState(deps.store, { ...state, throttled: next });
  } catch (err) {
    // Not counted down: it sits out one run more than planned, which is the safe side.
    deps.logger.warn('could not count down the throttle pause', {
      destination: destination.key,
      error: describeError(err),
    });
  }
  const section = newDestinationReport(destination, false, state.watermark);
  section.status = 'partial';
  section.retryQueue = state.pending.length;
  section.throttled = { skippedRun: true, skipRuns: next.skipRuns };
  section.stopReason = 'throttled';
  return section;
}

function sitOutPause(destination: Destination, state: DestinationState, pause: SyncPause): DestinationReport {
  const section = newDestinationReport(destination, false, state.watermark);
  section.retryQueue = state.pending.length;
  section.paused = { reason: pause.reason, since: new Date(pause.since).toISOString() };
  return section;
}

function waitingForUser(destination: Destination, state: DestinationState): DestinationReport {
  const section = newDestinationReport(destination, false, state.watermark);
  section.status = 'reauth_required';
  section.reauthReason = state.authBlocked?.reason ?? 'no_tokens';
  section.retryQueue = state.pending.length;
  return section;
}

/**
 * One read for all: whole when any destination reconciles fully, else from the lowest watermark.
 * The manga list is read only for destinations that mirror it, from the lowest of their watermarks,
 * so no list's read passes a change a destination that mirrors it has not applied.
 */
function readSourceOnce(
  deps: SyncDeps,
  settings: SyncSettings,
  participants: readonly Participant[],
): Promise<SourceReadResult> {
  const manga = participants.filter((p) => kindsOf(p).includes('manga'));
  return readSource(deps.source, settings.anilistUser, {
    full: participants.some((p) => p.full),
    watermark: Math.min(...participants.map((p) => p.state.watermark)),
    mangaWatermark: manga.length > 0 ? Math.min(...manga.map((p) => p.state.watermark)) : undefined,
    now: () => deps.clock.now(),
  });
}

function kindsOf(p: Participant): readonly MediaKind[] {
  return p.runtime.destination.mediaKinds ?? ['anime'];
}

function decideFull(state: DestinationState, settings: SyncSettings, options: RunOptions, now: number): boolean {
  if (options.full || state.fullSyncPending || state.lastFullSyncAt === null) return true;
  // An entry excluded until now is mirrored at once: an incremental run would not read it until it changes.
  const excluded = excludedFor(settings.exclude, state.destination);
  if (state.excluded?.some((id) => !excluded.has(id))) return true;
  return now - state.lastFullSyncAt >= settings.fullSyncIntervalHours * 3_600_000;
}

/** A list the destination mirrors now (manga, switched on) that its last full run did not cover. */
function coversNewList(state: DestinationState, kinds: readonly MediaKind[] | undefined): boolean {
  const covered = state.mediaKinds ?? ['anime'];
  return (kinds ?? []).some((kind) => !covered.includes(kind));
}

/** The destination with the oldest watermark goes first; on a tie, the one with more to retry. */
function furthestBehindFirst(participants: readonly Participant[]): Participant[] {
  return [...participants].sort(
    (a, b) => a.state.watermark - b.state.watermark || b.state.pending.length - a.state.pending.length,
  );
}

/**
 * When this destination must stop: an equal share of what is left for the destinations still to
 * run. One that finishes early leaves its time to the next; a moved deadline (Ctrl-C) still wins.
 */
function shareOfRemainingTime(now: number, deadlineAt: () => number, remaining: number): () => number {
  const shareEnd = now + (deadlineAt() - now) / remaining;
  return () => Math.min(deadlineAt(), shareEnd);
}

function deadlineFunction(deadline: RunOptions['deadline']): (() => number) | undefined {
  if (deadline === undefined) return undefined;
  return typeof deadline === 'number' ? () => deadline : deadline;
}

function newRunReport(settings: SyncSettings, startedAt: number, dryRun: boolean): RunReport {
  return {
    version: 2,
    runId: randomUUID(),
    dryRun,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: '',
    durationMs: 0,
    status: 'ok',
    source: {
      kind: settings.sourceKind ?? 'anilist',
      user: settings.anilistUser,
      mode: 'none',
      fetched: 0,
      invalid: [],
      watermark: { before: 0, after: 0 },
    },
    destinations: [],
    requests: {},
  };
}

function finish(report: RunReport, deps: SyncDeps, status?: RunReport['status']): RunReport {
  const finished = deps.clock.now();
  if (report.destinations.length > 0) {
    // The source's watermark is the lowest of the destinations': no change any of them still needs is passed.
    report.source.watermark = {
      before: Math.min(...report.destinations.map((d) => d.watermark.before)),
      after: Math.min(...report.destinations.map((d) => d.watermark.after)),
    };
  }
  report.finishedAt = new Date(finished).toISOString();
  report.durationMs = finished - Date.parse(report.startedAt);
  report.status =
    status ??
    overallStatus(
      report.destinations.map((d) => d.status),
      report.dryRun,
    );
  report.requests = deps.counters?.() ?? {};
  const stopReason = runStopReason(report);
  if (stopReason) report.stopReason = stopReason;
  deps.logger.info('sync run', runLogLine(report));
  return report;
}

/** The run's stop reason: the user's stop says it all; otherwise the first destination's. */
function runStopReason(report: RunReport): RunReport['stopReason'] {
  const reasons = report.destinations.flatMap((d) => (d.stopReason ? [d.stopReason] : []));
  return reasons.includes('interrupted') ? 'interrupted' : reasons[0];
}

/** The run's one log line: what a person scanning CloudWatch needs, per destination. */
export function runLogLine(report: RunReport): Record<string, unknown> {
  return {
    runId: report.runId,
    status: report.status,
    ...(report.stopReason ? { stopReason: report.stopReason } : {}),
    source: { mode: report.source.mode, fetched: report.source.fetched, invalid: report.source.invalid.length },
    destinations: Object.fromEntries(
      report.destinations.map((d) => [
        d.destination,
        {
          mode: d.mode,
          status: d.status,
          written: d.applied.written,
          removed: d.applied.removed,
          unchanged: d.unchanged,
          skipped: d.skipped.length,
          failed: d.failures.length,
          ...(d.notAttempted !== undefined ? { notAttempted: d.notAttempted } : {}),
          ...(d.stopReason ? { stopReason: d.stopReason } : {}),
          retryQueue: d.retryQueue,
          ...(d.throttled ? { throttledSkipRuns: d.throttled.skipRuns } : {}),
          ...(d.paused ? { paused: true } : {}),
          ...(d.excluded ? { excluded: d.excluded.length } : {}),
          ...(d.stateRecovery ? { stateRecovered: d.stateRecovery.how } : {}),
        },
      ]),
    ),
    durationMs: report.durationMs,
    requests: report.requests,
  };
}
