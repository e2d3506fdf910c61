import { describeError, isReauthRequired, redactSecrets } from '../errors';
import { isReauthReason, type ReauthReason } from '../events';
import { KEYS } from '../store/store';
import type { SyncDeps, SyncSettings } from './deps';
import type {
  ApplyResult,
  Destination,
  DestinationPlan,
  MirroredRecord,
  PlannedWrite,
  WriteOutcome,
} from './destination';
import { ExclusionFilter, excludedFor } from './exclusions';
import { describeFailure, failureKind, isOutage } from './failure';
import type { ProgressListener, SyncProgress } from './progress';
import { decidePrune, findOrphans } from './prune';
import type { DestinationReport, RunStatus, StopReason } from './report';
import { mergeNewest, type SourceEntry, type SourceReadResult } from './source';
import { type DestinationState, type PendingEntry, type StateRecovery, saveDestinationState } from './state';
import { pauseAfterRun, ThrottleBreaker } from './throttle';
import { nextWatermark } from './watermark';

const DEFAULT_MAX_ATTEMPTS = 5;

/** One destination's part of a run. */
export interface ReconcileInput {
  readonly deps: SyncDeps;
  readonly settings: SyncSettings;
  readonly destination: Destination;
  readonly prune: boolean;
  readonly state: DestinationState;
  /** The state was read from an older layout: save it under the new key even if nothing changed. */
  readonly migratedFrom?: string | undefined;
  /** The stored state was corrupt and this one recovered from it (reported with the run). */
  readonly recovered?: StateRecovery | undefined;
  readonly source: SourceReadResult;
  /** This destination reconciles against its whole list (its own schedule, or the read escalated). */
  readonly full: boolean;
  readonly dryRun: boolean;
  readonly startedAt: number;
  /** Epoch ms after which no write starts (this destination's share of the run, minus the safety margin). */
  readonly stopAt?: (() => number) | undefined;
  /** Whether the user stopped the run (Ctrl+C): a stop then reads `interrupted`, not `time_budget`. */
  readonly interrupted?: (() => boolean) | undefined;
  /** The run's id, for live progress. */
  readonly runId?: string | undefined;
}

/**
 * Plans and applies one destination: the entries it has not seen yet (or the whole list on a full
 * run) are diffed against what it holds, written with checkpoints, and its state and watermark
 * saved. Any failure stays inside this destination: it is reported, its stored state is left as it
 * was for the next run, and the other destinations carry on.
 */
export async function reconcileDestination(input: ReconcileInput): Promise<DestinationReport> {
  const { destination, state } = input;
  const report = newDestinationReport(destination, input.full, state.watermark);
  if (input.recovered) report.stateRecovery = input.recovered;
  const live = new LiveProgress(input, report);
  try {
    await reconcile(input, report, live);
  } catch (err) {
    report.stopReason = stopReasonOfError(err, input);
    // Nothing of this run was saved: the stored retry list is still what waits for the next run.
    report.retryQueue = state.pending.length;
    const blockedBy = (err as { blockedBy?: unknown } | null)?.blockedBy;
    if (isReauthRequired(err)) {
      await signalReauth(input, report, err);
      if (!input.dryRun) await rememberAuthBlock(input, report);
    } else if (typeof blockedBy === 'string') {
      // The account refuses writes (a limit, a lock, a plan it needs): retrying cannot help, a person can.
      report.status = 'blocked';
      report.blockedBy = blockedBy;
      report.error = describeError(err);
      input.deps.logger.error('destination blocked', { destination: destination.key, error: report.error });
    } else {
      report.status = 'failed';
      // The report says what happened in words; the log keeps the method, URL and status.
      report.error = describeFailure(err, destination.label);
      input.deps.logger.error('destination failed', { destination: destination.key, error: describeError(err) });
    }
  }
  live.end();
  countOutcomes(report);
  return report;
}

/** Why a destination that threw stopped: the user, the clock, an outage, or a failure. */
function stopReasonOfError(err: unknown, input: ReconcileInput): StopReason {
  if (isReauthRequired(err)) return 'reauth_required';
  if (typeof (err as { blockedBy?: unknown } | null)?.blockedBy === 'string') return 'blocked';
  if (input.interrupted?.()) return 'interrupted';
  const kind = failureKind(err);
  if (kind === 'out_of_time') return 'time_budget';
  if (kind === 'throttled') return 'throttled';
  return isOutage(err) ? 'unavailable' : 'failed';
}

/** Real runs: how many planned writes were never tried (the rest were applied or failed). */
function countOutcomes(report: DestinationReport): void {
  if (report.status === 'dry_run' || report.writes.every((w) => w.outcome === undefined)) return;
  report.notAttempted = report.writes.filter((w) => w.outcome === 'not_attempted').length;
}

async function reconcile(given: ReconcileInput, report: DestinationReport, live: LiveProgress): Promise<void> {
  const { deps, destination, source } = given;
  const exclusion = new ExclusionFilter(excludedFor(given.settings.exclude, destination.key), source.read.entries);
  // The run works on the state without excluded entries in the retry list; `given.state` is what is stored.
  const input = withoutExcludedRetries(given, exclusion);
  const { state } = input;
  const readEntries = exclusion.keep(source.read.entries);
  const entries = input.full ? readEntries : entriesToPlan(state, readEntries);
  const list = input.full ? await destination.readList() : undefined;
  const plan = await destination.plan({
    entries,
    full: input.full,
    mirrored: state.mirrored,
    ...(list ? { list } : {}),
    dryRun: input.dryRun,
    ...(input.full && !exclusion.empty ? { excluded: exclusion.entries() } : {}),
    ...(input.stopAt ? { stopAt: input.stopAt } : {}),
  });
  const baseline = input.full ? rebuildBaseline(state.mirrored, plan) : state.mirrored;
  const removals = input.full ? await planPrune(input, plan, baseline, report, exclusion) : [];
  const writes = [...plan.writes, ...removals];
  fillPlanReport(report, plan, writes);
  if (input.full && plan.unmatched) report.unmatched = unmatchedNotOurs(plan.unmatched, baseline, writes, report);
  // Once per full run: what EXCLUDE kept from this destination.
  if (input.full && !exclusion.empty) report.excluded = exclusion.report();
  // Excluded entries count too: their changes are deliberately not applied, and must not hold the watermark.
  const maxFetched = [...source.read.entries, ...entries].reduce((m, e) => Math.max(m, e.updatedAt), 0);

  if (input.dryRun) {
    report.status = 'dry_run';
    return;
  }

  // The records are copied once, from the baseline (the plan's view of them), not also from the state.
  const { mirrored: _previous, ...rest } = state;
  const next: DestinationState = { ...structuredClone(rest), mirrored: structuredClone(baseline) };
  delete next.authBlocked;
  if (exclusion.empty) delete next.excluded;
  else next.excluded = [...exclusion.mediaIds].sort((a, b) => a - b);
  for (const target of plan.unchanged) {
    next.mirrored[target.key] = record(target.entry, target.state, next.mirrored[target.key]?.written ?? false);
  }

  if (writes.length > 0 && (state.lastBackupAt === null || (input.full && backupDue(state, input.startedAt)))) {
    // A first full run that found the destination already matching wrote nothing: the first write can come later.
    const current = list ?? (await destination.readList());
    const key = KEYS.backup(destination.key, new Date(input.startedAt).toISOString());
    await deps.store.put(key, JSON.stringify(current.backupBody()));
    next.lastBackupAt = input.startedAt;
    report.backupKey = key;
  }

  const progress = new ApplyProgress(input, next, entries, writes, report);
  // Entries planning had no time for wait for the next run, like writes never attempted.
  for (const entry of plan.deferred ?? []) progress.defer(entry);
  if (plan.deferred?.length) report.deferred = plan.deferred.length;
  const breaker = new ThrottleBreaker(state.throttled);
  live.start(writes.length, destination.writePaceMs);
  const result =
    writes.length > 0
      ? await destination.apply(writes, {
          now: () => deps.clock.now(),
          // A destination that is throttling starts no further write: the rest waits in the retry list.
          stopAt: () => (breaker.tripped ? Number.NEGATIVE_INFINITY : (input.stopAt?.() ?? Number.POSITIVE_INFINITY)),
          onSettled: async (write, given) => {
            breaker.record(given);
            const outcome = notSentIsNotAttempted(withoutSecrets(given));
            if (outcome.result === 'failed' && outcome.detail) {
              deps.logger.debug('write failed', {
                destination: destination.key,
                target: write.target,
                error: outcome.detail,
              });
            }
            await progress.settle(write, outcome, maxFetched);
            if (outcome.result !== 'not_attempted') live.settled();
          },
        })
      : {};
  const stoppedBy = stopReason(result, breaker.tripped, (plan.deferred?.length ?? 0) > 0);
  const why = stopReasonOf(stoppedBy, input, report);
  if (why) report.stopReason = why;
  if (stoppedBy === 'reauth_required') await signalReauth(input, report, result.reauthError);
  if (stoppedBy === 'blocked') report.blockedBy = result.blockedBy;

  const completed = stoppedBy === undefined && report.failures.every((f) => f.permanent);
  const final = progress.withWatermark(maxFetched, !completed);
  if (input.full) {
    final.fullSyncPending = !completed;
    if (completed) final.lastFullSyncAt = input.startedAt;
  }
  recordMediaKinds(final, destination.mediaKinds, input.full);
  if (stoppedBy === 'reauth_required') final.authBlocked = authBlock(report, deps.clock.now());
  const applied = report.applied.written + report.applied.removed;
  const pause = pauseAfterRun(state.throttled, { tripped: breaker.tripped, applied, now: deps.clock.now() });
  if (pause) final.throttled = pause;
  else delete final.throttled;
  if (stoppedBy === 'throttled') report.throttled = { skippedRun: false, skipRuns: pause?.skipRuns ?? 0 };
  report.stoppedEarly = stoppedBy === 'deadline';
  report.status = statusOf(stoppedBy, report);
  report.retryQueue = final.pending.length;
  report.watermark.after = final.watermark;
  if (input.migratedFrom !== undefined || canonicalJson(final) !== canonicalJson(given.state)) {
    await saveDestinationState(deps.store, final);
    // The old object goes only once the new one is saved: deleting the new one then starts over for real.
    if (input.migratedFrom !== undefined) await deps.store.delete(input.migratedFrom);
  }
}

/**
 * Which lists the state covers: set by full runs, dropped by any run once the destination mirrors
 * the anime list only (switched back on later, manga then gets its full run again). Absent means anime.
 */
function recordMediaKinds(state: DestinationState, kinds: readonly string[] | undefined, full: boolean): void {
  const beyondAnime = kinds?.some((k) => k !== 'anime') ?? false;
  if (!beyondAnime) delete state.mediaKinds;
  else if (full) state.mediaKinds = [...kinds!];
}

/**
 * A failure as the retry list stores it and the report shows it: without any known secret, whatever
 * text the destination built (its errors are redacted already; this holds for any other text too).
 */
function withoutSecrets(outcome: WriteOutcome): WriteOutcome {
  if (outcome.result !== 'failed') return outcome;
  const detail = outcome.detail === undefined ? {} : { detail: redactSecrets(outcome.detail) };
  return { ...outcome, error: redactSecrets(outcome.error), ...detail };
}

/**
 * A write the run's clock stopped before it went out (the client's `out_of_time`: the user pressed
 * Ctrl+C or the time was up while it waited for its turn) was not attempted, not failed: it neither
 * counts as an attempt nor shows as a failure.
 */
function notSentIsNotAttempted(outcome: WriteOutcome): WriteOutcome {
  return outcome.result === 'failed' && outcome.code === 'out_of_time' ? { result: 'not_attempted' } : outcome;
}

/**
 * The stop reason in the report's terms: a deadline the user brought forward is `interrupted`; one
 * met right after an outage (each write spending its retries on a destination that is down) is
 * `unavailable`; otherwise the run's time budget.
 */
function stopReasonOf(
  stoppedBy: ReturnType<typeof stopReason>,
  input: ReconcileInput,
  report: DestinationReport,
): StopReason | undefined {
  if (stoppedBy === undefined) return undefined;
  if (stoppedBy === 'reauth_required' || stoppedBy === 'blocked' || stoppedBy === 'throttled') return stoppedBy;
  if (input.interrupted?.()) return 'interrupted';
  const last = report.failures.at(-1);
  const lastSettled = [...report.writes].reverse().find((w) => w.outcome !== 'not_attempted');
  const outage = last !== undefined && lastSettled?.outcome === 'failed' && isOutage({ code: last.code });
  return outage ? 'unavailable' : 'time_budget';
}

/**
 * Full runs: the destination's entries that no source entry maps to, less the targets this system
 * wrote (its orphans, reported and pruned on their own): what the user has there that prune never touches.
 */
function unmatchedNotOurs(
  unmatched: NonNullable<DestinationPlan['unmatched']>,
  baseline: Readonly<Record<string, MirroredRecord>>,
  writes: readonly PlannedWrite[],
  report: DestinationReport,
): { key: string; title: string }[] {
  const ours = new Set([
    ...Object.entries(baseline).flatMap(([key, r]) => (r.written ? [key] : [])),
    ...report.orphans.map((o) => o.key),
    ...writes.map((w) => w.key),
  ]);
  return unmatched.filter((u) => !ours.has(u.key)).map((u) => ({ key: u.key, title: u.title }));
}

/**
 * Live progress for `SyncDeps.onProgress`: `start` once the plan is known, `write` after each
 * settled write, `end` once applying stops (also when the destination failed mid-way). A
 * listener that throws is logged once and never breaks the run.
 */
class LiveProgress {
  private started: { at: number; total: number; paceMs: number | undefined } | undefined;
  private ended = false;
  private complained = false;

  constructor(
    private readonly input: ReconcileInput,
    private readonly report: DestinationReport,
  ) {}

  start(total: number, paceMs: number | undefined): void {
    this.started = { at: this.input.deps.clock.now(), total, paceMs };
    this.emit('start');
  }

  /** After a write settled: the counts are the report's (ApplyProgress keeps them). */
  settled(): void {
    this.emit('write');
  }

  end(): void {
    if (!this.started || this.ended) return;
    this.ended = true;
    this.emit('end');
  }

  private emit(phase: SyncProgress['phase']): void {
    const listener: ProgressListener | undefined = this.input.deps.onProgress;
    if (!listener || !this.started) return;
    const { total, at, paceMs } = this.started;
    const applied = this.report.applied.written + this.report.applied.removed;
    const failed = this.report.failures.length;
    const event: SyncProgress = {
      runId: this.input.runId ?? '',
      destination: this.report.destination,
      label: this.report.label,
      phase,
      total,
      applied,
      failed,
      left: Math.max(0, total - applied - failed),
      ...(paceMs !== undefined && paceMs > 0 ? { paceMs } : {}),
      startedAt: at,
      at: this.input.deps.clock.now(),
    };
    try {
      listener(event);
    } catch (err) {
      if (this.complained) return;
      this.complained = true;
      this.input.deps.logger.warn('progress listener failed; the run goes on', { error: describeError(err) });
    }
  }
}

/**
 * Why applying stopped early, if it did: a person's action (reauth, blocked) comes first; then the
 * throttle breaker, which stops the destination through its `stopAt` (so it reads as a deadline
 * to the destination); then the deadline, which planning may have met too.
 */
function stopReason(
  result: ApplyResult,
  throttled: boolean,
  deferred: boolean,
): ApplyResult['stoppedBy'] | 'throttled' | undefined {
  if (result.stoppedBy === 'reauth_required' || result.stoppedBy === 'blocked') return result.stoppedBy;
  if (throttled) return 'throttled';
  return result.stoppedBy ?? (deferred ? 'deadline' : undefined);
}

/**
 * The run's view of the state: an entry excluded since it failed leaves the retry list, as it
 * waits for nothing now and must not hold the watermark (a full run mirrors it once un-excluded).
 */
function withoutExcludedRetries(input: ReconcileInput, exclusion: ExclusionFilter): ReconcileInput {
  const pending = input.state.pending.filter((p) => !exclusion.excludes(p.entry));
  return pending.length === input.state.pending.length ? input : { ...input, state: { ...input.state, pending } };
}

/** Incremental runs: what changed since this destination's watermark, plus its retry list. */
function entriesToPlan(state: DestinationState, read: readonly SourceEntry[]): SourceEntry[] {
  // Rejected writes are retried only once the entry changes on the source (a newer updatedAt); full
  // runs re-plan everything, rejections included: a daily second chance costs one request each.
  const rejected = new Map(state.pending.filter((p) => p.permanent).map((p) => [p.entry.id, p.entry.updatedAt]));
  return mergeNewest(
    state.pending.filter((p) => !p.permanent).map((p) => p.entry),
    read.filter((e) => e.updatedAt > state.watermark && rejected.get(e.id) !== e.updatedAt),
  );
}

/**
 * Full runs rebuild the baseline from the destination's real list: targets removed there by hand
 * are forgotten, targets still there keep their "written by us" mark (prune needs it).
 */
function rebuildBaseline(
  mirrored: Readonly<Record<string, MirroredRecord>>,
  plan: DestinationPlan,
): Record<string, MirroredRecord> {
  const baseline: Record<string, MirroredRecord> = {};
  for (const [key, rec] of Object.entries(mirrored)) {
    if (plan.actual?.has(key)) baseline[key] = { ...rec, state: plan.actual.get(key) };
  }
  return baseline;
}

/**
 * Full runs: targets this system wrote whose entry is gone. With prune off they are only reported;
 * with prune on, the ones that pass prune's safety rules are removed.
 */
async function planPrune(
  input: ReconcileInput,
  plan: DestinationPlan,
  baseline: Readonly<Record<string, MirroredRecord>>,
  report: DestinationReport,
  exclusion: ExclusionFilter,
): Promise<PlannedWrite[]> {
  // What the destination holds for an excluded entry is left as it is: never an orphan, never pruned.
  const { orphans, unknown } = findOrphans(baseline, plan, input.source.read, (r) => exclusion.holds(r));
  if (!input.prune || !input.destination.planRemovals) {
    report.orphans = orphans.map((o) => ({ key: o.key, title: o.record.title }));
    return [];
  }
  const decision = await decidePrune(orphans, {
    ...(unknown ? { unknown } : {}),
    writtenCount: Object.values(baseline).filter((r) => r.written).length,
    source: input.deps.source,
    user: input.settings.anilistUser,
    label: input.destination.shortLabel,
    ...(input.destination.mediaKinds?.includes('manga') ? { anyType: true } : {}),
  });
  if (decision.refused) report.pruneRefused = decision.refused;
  return decision.confirmed.length > 0 ? input.destination.planRemovals(decision.confirmed) : [];
}

/**
 * Follows the writes as they settle: records what was applied, keeps what failed (or was never
 * attempted) in the retry list, and checkpoints every few writes.
 */
class ApplyProgress {
  private readonly pendingBefore: Map<number, PendingEntry>;
  private readonly pending = new Map<number, PendingEntry>();
  /** Writes not settled yet, per entry: an entry is done once all of its writes are. */
  private readonly open = new Map<number, number>();
  private sinceCheckpoint = 0;
  private lastCheckpointAt: number;
  /** Each planned write's line in the report (`fillPlanReport` keeps the plan's order). */
  private readonly lines: Map<PlannedWrite, DestinationReport['writes'][number]>;

  constructor(
    private readonly input: ReconcileInput,
    private readonly next: DestinationState,
    entries: readonly SourceEntry[],
    private readonly writes: readonly PlannedWrite[],
    private readonly report: DestinationReport,
  ) {
    const { state } = input;
    this.pendingBefore = new Map(state.pending.map((p) => [p.entry.id, p]));
    // Entries no longer in the plan's input are settled (full runs re-plan everything from scratch).
    const planned = new Set(entries.map((e) => e.id));
    if (!input.full) for (const p of state.pending) if (!planned.has(p.entry.id)) this.pending.set(p.entry.id, p);
    for (const w of writes) if (w.entry) this.open.set(w.entry.id, (this.open.get(w.entry.id) ?? 0) + 1);
    this.lastCheckpointAt = input.deps.clock.now();
    // Until a write settles, it was not attempted: a run that stops (or throws) says so truthfully.
    for (const line of report.writes) line.outcome = 'not_attempted';
    this.lines = new Map(writes.flatMap((w, i) => (report.writes[i] ? [[w, report.writes[i]] as const] : [])));
  }

  async settle(write: PlannedWrite, outcome: WriteOutcome, maxFetched: number): Promise<void> {
    const { report, next } = this;
    const line = this.lines.get(write);
    if (line && outcome.result !== 'not_attempted') {
      line.outcome = outcome.result;
      if (outcome.result === 'failed') line.error = outcome.error;
    }
    if (outcome.result === 'applied') {
      report.applied[write.kind === 'put' ? 'written' : 'removed']++;
      if (write.kind === 'remove' && outcome.state === undefined) delete next.mirrored[write.key];
      else next.mirrored[write.key] = this.recordOf(write, outcome.state);
    } else {
      // A removal has no entry to retry: its failure is never final.
      const givenUp = write.entry ? this.keepForRetry(write.entry, outcome) : false;
      if (outcome.result === 'failed') {
        report.failures.push({
          key: write.key,
          target: write.target,
          title: write.title,
          error: outcome.error,
          ...(outcome.code ? { code: outcome.code } : {}),
          permanent: givenUp,
        });
      }
    }
    if (write.entry) this.open.set(write.entry.id, (this.open.get(write.entry.id) ?? 1) - 1);
    await this.maybeCheckpoint(outcome, maxFetched);
  }

  /** The state to save, with the watermark held below every change not applied yet. */
  withWatermark(maxFetched: number, holdForUnsettled: boolean): DestinationState {
    const pending = [...this.pending.values()];
    const unsettled = holdForUnsettled
      ? this.writes.filter((w) => w.entry !== undefined && (this.open.get(w.entry.id) ?? 0) > 0)
      : [];
    return {
      ...this.next,
      pending,
      watermark: nextWatermark({
        before: this.input.state.watermark,
        maxFetched,
        ceiling: this.input.source.ceiling,
        full: this.input.full,
        pending,
        unsettled,
      }),
    };
  }

  /** An entry left for the next run before any of its writes was planned. */
  defer(entry: SourceEntry): void {
    this.keepForRetry(entry, { result: 'not_attempted' });
  }

  private recordOf(write: PlannedWrite, state: unknown): MirroredRecord {
    const entry = write.entry;
    const prior = this.next.mirrored[write.key];
    return {
      title: write.title,
      anilistEntryId: entry?.id ?? prior?.anilistEntryId ?? 0,
      ...(entry ? { mediaId: entry.mediaId } : prior?.mediaId !== undefined ? { mediaId: prior.mediaId } : {}),
      state,
      written: true,
    };
  }

  /**
   * Keeps the entry in the retry list; returns whether this write is given up on (rejected, or
   * failed `maxAttempts` times): the report's verdict on it, and what lets a full run complete.
   */
  private keepForRetry(entry: SourceEntry, outcome: Exclude<WriteOutcome, { result: 'applied' }>): boolean {
    const prior = this.pending.get(entry.id) ?? this.pendingBefore.get(entry.id);
    const sameVersion = prior !== undefined && prior.entry.updatedAt === entry.updatedAt;
    const failed = outcome.result === 'failed';
    // A throttled write was not refused: it never counts towards giving up on the entry.
    const countsAsAttempt = failed && !outcome.throttled;
    const attempts = (sameVersion ? prior.attempts : 0) + (countsAsAttempt && !this.pending.has(entry.id) ? 1 : 0);
    const maxAttempts = this.input.settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    // Of an entry's writes, a retryable failure wins over a rejection: the entry must be tried again.
    const alreadyRetryable = this.pending.has(entry.id) && !this.pending.get(entry.id)?.permanent;
    const givenUp = countsAsAttempt && (outcome.permanent || attempts >= maxAttempts);
    this.pending.set(entry.id, {
      entry,
      attempts,
      lastError: failed ? outcome.error : 'not attempted before the run stopped',
      permanent: !alreadyRetryable && givenUp,
    });
    return givenUp;
  }

  private async maybeCheckpoint(outcome: WriteOutcome, maxFetched: number): Promise<void> {
    const { settings, deps } = this.input;
    if (outcome.result !== 'applied' || ++this.sinceCheckpoint < settings.checkpointEveryWrites) return;
    if (deps.clock.now() - this.lastCheckpointAt < (settings.checkpointIntervalMs ?? 0)) return;
    this.sinceCheckpoint = 0;
    this.lastCheckpointAt = deps.clock.now();
    await saveDestinationState(deps.store, this.withWatermark(maxFetched, true));
  }
}

function record(entry: SourceEntry, state: unknown, written: boolean): MirroredRecord {
  return { title: entry.title, anilistEntryId: entry.id, mediaId: entry.mediaId, state, written };
}

function backupDue(state: DestinationState, now: number): boolean {
  // One backup before the first write ever, then at most one a day from full reconciles.
  return state.lastBackupAt === null || now - state.lastBackupAt >= 24 * 3_600_000;
}

function statusOf(stoppedBy: string | undefined, report: DestinationReport): RunStatus {
  if (stoppedBy === 'reauth_required') return 'reauth_required';
  if (stoppedBy === 'blocked') return 'blocked';
  return report.failures.length > 0 || stoppedBy ? 'partial' : 'ok';
}

function authBlock(report: DestinationReport, now: number): DestinationState['authBlocked'] {
  return { reason: report.reauthReason ?? 'no_tokens', since: now };
}

/**
 * A destination that needs the user is skipped by the next runs until its tokens work again, so
 * that it neither costs a read of its list nor decides how the source is read meanwhile.
 */
async function rememberAuthBlock(input: ReconcileInput, report: DestinationReport): Promise<void> {
  const { deps, state } = input;
  try {
    await saveDestinationState(deps.store, { ...state, authBlocked: authBlock(report, deps.clock.now()) });
    // Saved under the new key: the first version's object has nothing left to give.
    if (input.migratedFrom) await deps.store.delete(input.migratedFrom);
  } catch (err) {
    deps.logger.warn('could not remember that the destination needs authorization', { error: describeError(err) });
  }
}

async function signalReauth(input: ReconcileInput, report: DestinationReport, err: unknown): Promise<void> {
  report.status = 'reauth_required';
  report.reauthReason = await publishReauth(input.deps, input.destination.key, reasonOf(err));
}

/** The reauth reason an auth error carries, if any. */
export function reasonOf(err: unknown): unknown {
  return (err as { reason?: unknown } | null)?.reason;
}

/**
 * Tells the mailer that `destination` needs the user (an unknown reason is `no_tokens`), and
 * returns the reason sent. The mailer's daily check catches a lost event too: a failed publish is
 * logged, never fatal to the run.
 */
export async function publishReauth(deps: SyncDeps, destination: string, given: unknown): Promise<ReauthReason> {
  const reason = isReauthReason(given) ? given : 'no_tokens';
  try {
    await deps.events.publishReauthRequired({ destination, reason, at: new Date(deps.clock.now()).toISOString() });
  } catch (publishErr) {
    deps.logger.warn('could not publish the reauth event', { error: describeError(publishErr) });
  }
  return reason;
}

export function newDestinationReport(destination: Destination, full: boolean, watermark: number): DestinationReport {
  return {
    destination: destination.key,
    label: destination.label,
    shortLabel: destination.shortLabel,
    pruneSetting: destination.pruneSetting,
    mode: full ? 'full' : 'incremental',
    status: 'ok',
    planned: { writes: 0, removals: 0 },
    applied: { written: 0, removed: 0 },
    unchanged: 0,
    writes: [],
    skipped: [],
    skipLabels: { ...destination.skipLabels },
    ...(destination.skipFixes ? { skipFixes: { ...destination.skipFixes } } : {}),
    ...(destination.countsNote ? { countsNote: destination.countsNote } : {}),
    notes: [],
    failures: [],
    orphans: [],
    retryQueue: 0,
    stoppedEarly: false,
    watermark: { before: watermark, after: watermark },
  };
}

function fillPlanReport(report: DestinationReport, plan: DestinationPlan, writes: readonly PlannedWrite[]): void {
  report.planned.writes = writes.filter((w) => w.kind === 'put').length;
  report.planned.removals = writes.filter((w) => w.kind === 'remove').length;
  report.unchanged = plan.unchanged.length;
  report.skipped = plan.skipped.map((s) => ({ ...s }));
  report.notes = plan.notes.map((n) => ({ ...n }));
  report.writes = writes.map((w) => ({
    kind: w.kind,
    key: w.key,
    target: w.target,
    title: w.title,
    fields: { ...w.fields },
    reasons: [...w.reasons],
  }));
  if (plan.review) report.review = [...plan.review];
  if (plan.reviewKey) report.reviewKey = plan.reviewKey;
}

/** Code-unit order: any fixed order will do, and `localeCompare` costs most of a quiet run's CPU. */
const byKey = ([a]: [string, unknown], [b]: [string, unknown]): number => (a < b ? -1 : a > b ? 1 : 0);

/** JSON with sorted keys, so that "did anything change?" does not depend on property order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(byKey))
      : v,
  );
}
