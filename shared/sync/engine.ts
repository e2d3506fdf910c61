import { randomUUID } from 'node:crypto';
import type { AniListEntry, AniListRead, AniListSource } from '../anilist/types';
import type { Clock } from '../clock';
import { describeError } from '../errors';
import type { EventPublisher, ReauthReason } from '../events';
import type { RequestDeadline } from '../http/policy';
import type { Logger } from '../log';
import type { MalListEntry, MalTarget } from '../mal/types';
import { KEYS, type ObjectStore } from '../store/store';
import { applyWrites, isReauthRequired, type WriteOutcome } from './applier';
import { type ComparableMalState, type PartialDateMode, toComparable } from './mapping';
import { type Plan, type PlannedWrite, planSync } from './planner';
import type { RunReport } from './report';
import {
  initialState,
  knownFromMirrored,
  loadSyncState,
  type PendingEntry,
  type SyncState,
  saveSyncState,
} from './state';

export interface SyncSettings {
  readonly anilistUser: string;
  readonly mirrorPrivate: boolean;
  readonly prune: boolean;
  /** @default 'leave' */
  readonly partialDates?: PartialDateMode;
  readonly idOverrides: ReadonlyMap<number, number>;
  /** A full reconcile runs when the last one is older than this. 0 = every run. */
  readonly fullSyncIntervalHours: number;
  readonly checkpointEveryWrites: number;
  /**
   * …and at most once per this many ms. A checkpoint rewrites the whole state object, so on a
   * first sync of thousands of entries with pacing off, count-only checkpoints would upload it
   * hundreds of times; at real MAL pace (1 write/s) the two limits are about the same. Default 0.
   */
  readonly checkpointIntervalMs?: number;
  /** No write starts later than this before the deadline. */
  readonly deadlineSafetyMs: number;
  /** A write failing this many times in a row stops holding the watermark back. */
  readonly maxAttempts?: number;
}

export interface SyncDeps {
  readonly anilist: AniListSource;
  /** Created lazily: a run with nothing to write never touches MAL or reads the tokens. */
  readonly mal: () => MalTarget;
  readonly store: ObjectStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Live request counters, copied into the report. */
  readonly counters?: () => Record<string, number>;
  /** Read by the API clients: no request may run past it (set per run from `RunOptions.deadline`). */
  readonly requestDeadline?: RequestDeadline;
}

export interface RunOptions {
  readonly full?: boolean;
  readonly dryRun?: boolean;
  /**
   * Epoch ms when the runtime kills us (Lambda deadline). A function is read at every check: the
   * local runtime brings it forward when the user presses Ctrl-C, so the run stops as it would at
   * a Lambda deadline, checkpointing what it did.
   */
  readonly deadline?: number | (() => number);
}

const DEFAULT_MAX_ATTEMPTS = 5;
/**
 * Requests must settle this long before the deadline (at most the safety margin), so that the
 * run still has time to save its progress after a request that was started late is cut short.
 */
const PERSIST_RESERVE_MS = 5_000;
/**
 * Beyond this many changed entries (10 pages of 50), an incremental read stops and the run reads
 * the whole list instead: 500 entries per request instead of 50, and a diff against MAL itself.
 */
export const INCREMENTAL_READ_LIMIT = 500;
/**
 * The watermark stays this far below AniList's clock at the start of a read: the `Date` header is
 * written a moment after the query ran, and an edit in between must not fall under the watermark.
 */
const SERVER_CLOCK_MARGIN_S = 5;
/** Without a `Date` header, our own clock stands in, allowing for this much skew. */
const LOCAL_CLOCK_SKEW_MS = 60_000;

/**
 * One sync run: read what changed on AniList, plan, apply to MAL, persist progress.
 *
 * Guarantees: a failed write stays in `pending` for the next run; the watermark never passes an
 * unapplied change; edits made on AniList during the run are picked up by the next one (the
 * watermark never passes AniList's clock at the start of the read); a run stops before its
 * deadline and the next resumes. Steady state with no AniList changes costs 1 AniList request,
 * 0 MAL requests and a single S3 read.
 */
export async function runSync(deps: SyncDeps, settings: SyncSettings, options: RunOptions = {}): Promise<RunReport> {
  const startedAt = deps.clock.now();
  const runId = randomUUID();
  const { deadline } = options;
  const deadlineAt = deadline === undefined ? undefined : typeof deadline === 'number' ? () => deadline : deadline;
  const stopAt = deadlineAt && (() => deadlineAt() - settings.deadlineSafetyMs);
  const loaded = await loadSyncState(deps.store);
  let state = loaded?.state ?? initialState(settings.anilistUser);
  if (state.anilistUser !== settings.anilistUser) {
    // A different AniList account: start over rather than diff against someone else's list.
    state = { ...initialState(settings.anilistUser), mirrored: state.mirrored, lastBackupAt: state.lastBackupAt };
  }
  const watermarkBefore = state.watermark;
  let full = decideFull(state, settings, options, startedAt);
  const report = newReport(
    runId,
    full ? 'full' : 'incremental',
    settings.anilistUser,
    startedAt,
    options,
    watermarkBefore,
  );
  if (deadlineAt) {
    const reserve = Math.min(PERSIST_RESERVE_MS, settings.deadlineSafetyMs);
    deps.requestDeadline?.set(() => deadlineAt() - reserve);
  }

  try {
    // ---- read
    let entries: AniListEntry[];
    let known: Map<number, ComparableMalState>;
    let malList: MalListEntry[] | undefined;
    let mal: MalTarget | undefined;
    let readStartedAt = deps.clock.now();
    // Incremental runs retry MAL's permanent rejections only once the entry changes on AniList (a
    // newer updatedAt). Full runs re-plan everything from MAL's real list, rejections included: a
    // daily second chance costs one request each and heals rejections MAL no longer makes.
    const rejected = new Map(state.pending.filter((p) => p.permanent).map((p) => [p.entry.id, p.entry.updatedAt]));
    let read: AniListRead = full
      ? await deps.anilist.readAll(settings.anilistUser)
      : await deps.anilist.readChangedSince(settings.anilistUser, state.watermark, {
          maxEntries: INCREMENTAL_READ_LIMIT,
        });
    if (read.truncated) {
      deps.logger.info('many changes since the last run: reading the whole list instead', {
        runId,
        changedAtLeast: read.entries.length,
      });
      full = true;
      report.mode = 'full';
      readStartedAt = deps.clock.now();
      read = await deps.anilist.readAll(settings.anilistUser);
    }
    report.fetched = read.entries.length;
    if (full) {
      entries = read.entries;
      mal = deps.mal();
      malList = await mal.listAll();
      known = new Map(malList.map((e) => [e.animeId, toComparable(e.listStatus)]));
    } else {
      entries = mergeNewest(
        state.pending.filter((p) => !p.permanent).map((p) => p.entry),
        read.entries.filter((e) => rejected.get(e.id) !== e.updatedAt),
      );
      known = knownFromMirrored(state);
    }
    const ceiling = watermarkCeiling(read, readStartedAt);

    // ---- plan
    const previouslyWritten = new Map(
      Object.entries(state.mirrored)
        .filter(([, r]) => r.written)
        .map(([id, r]) => [Number(id), r.title] as const),
    );
    let plan = planSync({
      entries,
      known,
      options: {
        mirrorPrivate: settings.mirrorPrivate,
        idOverrides: settings.idOverrides,
        prune: settings.prune,
        ...(settings.partialDates ? { partialDates: settings.partialDates } : {}),
      },
      ...(full ? { fullList: { previouslyWritten, present: presentMalIds(read, state, settings.idOverrides) } } : {}),
    });
    if (plan.writes.some((w) => w.kind === 'delete')) plan = await verifyPrune(plan, state, deps, settings);
    fillPlanReport(report, plan);
    for (const bad of read.invalid) {
      report.skipped.push({
        anilistEntryId: bad.entryId ?? 0,
        mediaId: bad.mediaId ?? 0,
        title: bad.entryId === null ? `AniList entry at ${bad.location}` : `AniList entry #${bad.entryId}`,
        reason: 'invalid_entry',
        detail: bad.reason,
      });
    }
    const maxFetched = [...read.entries, ...entries].reduce((m, e) => Math.max(m, e.updatedAt), 0);

    if (options.dryRun) {
      report.status = 'dry_run';
      return finish(report, deps, state.watermark);
    }

    // ---- remember what already matches
    const next: SyncState = structuredClone(state);
    if (full) {
      // Rebuild the baseline from MAL's real list: entries removed on MAL by hand are forgotten,
      // entries still there keep their "written by us" mark (prune needs it).
      next.mirrored = {};
      for (const [malId, record] of Object.entries(state.mirrored)) {
        const actual = known.get(Number(malId));
        if (actual) next.mirrored[malId] = { ...record, state: actual };
      }
    }
    for (const target of plan.unchanged) {
      const prior = next.mirrored[String(target.malId)];
      next.mirrored[String(target.malId)] = {
        title: target.entry.title,
        anilistEntryId: target.entry.id,
        mediaId: target.entry.mediaId,
        state: known.get(target.malId)!,
        written: prior?.written ?? false,
      };
    }
    if (full) {
      for (const o of plan.orphans) if (!settings.prune) report.orphans.push(o);
    }

    // ---- backup before the first write ever, then before a full run's writes (at most daily)
    if (plan.writes.length > 0 && (state.lastBackupAt === null || (full && shouldBackup(state, startedAt)))) {
      // A first full run that found MAL already matching wrote nothing, so the first write can come later.
      mal ??= deps.mal();
      malList ??= await mal.listAll();
      const key = KEYS.backup(new Date(startedAt).toISOString());
      await deps.store.put(key, JSON.stringify(toMalResponseShape(malList)));
      next.lastBackupAt = startedAt;
      report.backupKey = key;
    }

    // ---- apply
    const pendingByEntry = new Map<number, PendingEntry>();
    for (const p of state.pending) pendingByEntry.set(p.entry.id, p);
    const entriesInPlan = new Set(entries.map((e) => e.id));
    // Entries no longer in the plan's input are settled (full runs re-plan everything from scratch).
    next.pending = full ? [] : state.pending.filter((p) => !entriesInPlan.has(p.entry.id));

    let sinceCheckpoint = 0;
    let lastCheckpointAt = deps.clock.now();
    // Entries whose write was applied in this run: a mirrored record alone does not say so, since an
    // edit of an entry mirrored earlier already has one (with its old state).
    const appliedEntries = new Set<number>();
    const settle = (outcome: WriteOutcome) => {
      const write = outcome.write;
      if (outcome.result === 'applied') {
        if (write.kind === 'update') appliedEntries.add(write.entry.id);
        report.applied[write.kind === 'update' ? 'updated' : 'deleted']++;
        if (write.kind === 'update') {
          next.mirrored[String(write.malId)] = {
            title: write.title,
            anilistEntryId: write.entry.id,
            mediaId: write.entry.mediaId,
            state: outcome.state!,
            written: true,
          };
        } else {
          delete next.mirrored[String(write.malId)];
        }
      } else if (write.kind === 'update') {
        const prior = pendingByEntry.get(write.entry.id);
        const sameVersion = prior && prior.entry.updatedAt === write.entry.updatedAt;
        const attempts = (sameVersion ? prior.attempts : 0) + (outcome.result === 'failed' ? 1 : 0);
        const permanent =
          outcome.result === 'failed' &&
          (outcome.permanent || attempts >= (settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
        next.pending.push({
          entry: write.entry,
          attempts,
          lastError: outcome.result === 'failed' ? outcome.error : 'not attempted before the run stopped',
          permanent,
        });
        if (outcome.result === 'failed') {
          report.failures.push({ malId: write.malId, title: write.title, error: outcome.error, permanent });
        }
      } else if (outcome.result === 'failed') {
        report.failures.push({ malId: write.malId, title: write.title, error: outcome.error, permanent: false });
      }
    };

    let stoppedBy: string | undefined;
    if (plan.writes.length > 0) {
      mal ??= deps.mal();
      const result = await applyWrites(plan.writes, {
        mal,
        clock: deps.clock,
        known,
        ...(stopAt === undefined ? {} : { stopAt }),
        onSettled: async (outcome) => {
          settle(outcome);
          if (
            outcome.result === 'applied' &&
            ++sinceCheckpoint >= settings.checkpointEveryWrites &&
            deps.clock.now() - lastCheckpointAt >= (settings.checkpointIntervalMs ?? 0)
          ) {
            sinceCheckpoint = 0;
            lastCheckpointAt = deps.clock.now();
            await saveSyncState(
              deps.store,
              withWatermark(next, state, plan.writes, maxFetched, ceiling, full, true, appliedEntries),
            );
          }
        },
      });
      stoppedBy = result.stoppedBy;
      if (result.stoppedBy === 'reauth_required') await signalReauth(deps, report, result.reauthError);
    }

    // ---- persist
    const completed = stoppedBy === undefined && report.failures.every((f) => f.permanent);
    const final = withWatermark(next, state, plan.writes, maxFetched, ceiling, full, !completed, appliedEntries);
    if (full) {
      final.fullSyncPending = !completed;
      if (completed) final.lastFullSyncAt = startedAt;
    }
    report.stoppedEarly = stoppedBy === 'deadline';
    report.status =
      stoppedBy === 'reauth_required' ? 'reauth_required' : report.failures.length > 0 || stoppedBy ? 'partial' : 'ok';
    report.retryQueue = final.pending.length;
    if (canonicalJson(final) !== canonicalJson(state)) await saveSyncState(deps.store, final);
    return finish(report, deps, final.watermark);
  } catch (err) {
    // Nothing was saved: the stored retry list is still what waits for the next run.
    report.retryQueue = state.pending.length;
    if (isReauthRequired(err)) {
      await signalReauth(deps, report, err);
      report.status = 'reauth_required';
      return finish(report, deps, state.watermark);
    }
    report.status = 'failed';
    report.error = describeError(err);
    deps.logger.error('sync run failed', { runId, error: report.error });
    return finish(report, deps, state.watermark);
  } finally {
    deps.requestDeadline?.set(undefined);
  }
}

function decideFull(state: SyncState, settings: SyncSettings, options: RunOptions, now: number): boolean {
  if (options.full || state.fullSyncPending || state.lastFullSyncAt === null) return true;
  return now - state.lastFullSyncAt >= settings.fullSyncIntervalHours * 3_600_000;
}

function shouldBackup(state: SyncState, now: number): boolean {
  // One backup before the first write ever, then at most one a day from full reconciles.
  return state.lastBackupAt === null || now - state.lastBackupAt >= 24 * 3_600_000;
}

/**
 * The highest watermark a read allows (Unix seconds): every edit stamped at or below it had
 * happened when the read began. Later edits may have been missed (an entry edited again after
 * it was read is not read twice), so they must stay above the watermark for the next run.
 */
function watermarkCeiling(read: AniListRead, readStartedAt: number): number {
  const serverNowMs = read.serverTime ?? readStartedAt - LOCAL_CLOCK_SKEW_MS;
  return Math.floor(serverNowMs / 1000) - SERVER_CLOCK_MARGIN_S;
}

/**
 * The new watermark: the newest entry read, but never past what the read could see (`ceiling`),
 * and held below every change that is still waiting to be applied.
 */
function withWatermark(
  next: SyncState,
  before: SyncState,
  writes: readonly PlannedWrite[],
  maxFetched: number,
  ceiling: number,
  full: boolean,
  holdForUnsettled: boolean,
  applied: ReadonlySet<number>,
): SyncState {
  let candidate = Math.min(maxFetched, ceiling);
  if (!full) candidate = Math.max(candidate, before.watermark);
  for (const p of next.pending) if (!p.permanent) candidate = Math.min(candidate, p.entry.updatedAt - 1);
  if (holdForUnsettled) {
    // Mid-run checkpoints: writes not settled yet must not be passed either.
    const settled = new Set(next.pending.map((p) => p.entry.id));
    for (const w of writes) {
      if (w.kind !== 'update' || settled.has(w.entry.id) || applied.has(w.entry.id)) continue;
      candidate = Math.min(candidate, w.entry.updatedAt - 1);
    }
  }
  return { ...next, watermark: Math.max(0, candidate) };
}

/**
 * MAL ids whose AniList entry is still there, for prune. An entry AniList sent but we could not
 * parse is still there too: it protects the record with its entry or media id. One we cannot
 * even identify could be any record, so it blocks pruning for this run.
 */
function presentMalIds(
  read: AniListRead,
  state: SyncState,
  idOverrides: ReadonlyMap<number, number>,
): ReadonlySet<number> | { readonly unknown: string } {
  const present = new Set<number>();
  for (const e of read.entries) {
    const malId = idOverrides.get(e.mediaId) ?? e.idMal;
    if (malId !== null) present.add(malId);
  }
  for (const bad of read.invalid) {
    if (bad.entryId === null && bad.mediaId === null) {
      return { unknown: `AniList sent an entry that could not be read or identified (${bad.location})` };
    }
    for (const [malId, record] of Object.entries(state.mirrored)) {
      if (record.anilistEntryId === bad.entryId || (bad.mediaId !== null && record.mediaId === bad.mediaId)) {
        present.add(Number(malId));
      }
    }
  }
  return present;
}

/**
 * Asks AniList, entry by entry, whether what prune is about to delete is really gone: a full read
 * can miss an entry (a deletion while it reads shifts the chunks), and a missed entry must never
 * cost the user their MAL entry. Only deletes AniList confirms stay in the plan.
 */
async function verifyPrune(plan: Plan, state: SyncState, deps: SyncDeps, settings: SyncSettings): Promise<Plan> {
  const deletes = plan.writes.filter((w) => w.kind === 'delete');
  const mediaIdOf = (malId: number) => state.mirrored[String(malId)]?.mediaId;
  const checkable = deletes.map((d) => mediaIdOf(d.malId)).filter((id): id is number => id !== undefined);
  const listed = checkable.length > 0 ? await deps.anilist.findListedMedia(settings.anilistUser, checkable) : new Set();
  const keep = (malId: number) => {
    const mediaId = mediaIdOf(malId);
    return mediaId === undefined || listed.has(mediaId);
  };
  const kept = deletes.filter((d) => keep(d.malId));
  if (kept.length === 0) return plan;
  const reasons = kept.map((d) =>
    mediaIdOf(d.malId) === undefined
      ? `${d.title}: its AniList media id is not on record yet`
      : `${d.title}: still on AniList`,
  );
  return {
    ...plan,
    writes: plan.writes.filter((w) => w.kind !== 'delete' || !keep(w.malId)),
    pruneRefused: [plan.pruneRefused, `not removed from MAL: ${reasons.join('; ')}`].filter(Boolean).join('; '),
  };
}

/** JSON with sorted keys, so that "did anything change?" does not depend on property order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function mergeNewest(a: readonly AniListEntry[], b: readonly AniListEntry[]): AniListEntry[] {
  const byId = new Map<number, AniListEntry>();
  for (const e of [...a, ...b]) {
    const existing = byId.get(e.id);
    if (!existing || e.updatedAt >= existing.updatedAt) byId.set(e.id, e);
  }
  return [...byId.values()];
}

async function signalReauth(deps: SyncDeps, report: RunReport, err: unknown): Promise<void> {
  const reason = ((err as { reason?: ReauthReason })?.reason ?? 'no_tokens') as ReauthReason;
  report.reauthReason = reason;
  try {
    await deps.events.publishReauthRequired({ reason, at: new Date(deps.clock.now()).toISOString() });
  } catch (publishErr) {
    // The mailer's daily check catches this case too; do not fail the run over it.
    deps.logger.warn('could not publish the reauth event', { error: describeError(publishErr) });
  }
}

function newReport(
  runId: string,
  mode: 'full' | 'incremental',
  anilistUser: string,
  startedAt: number,
  options: RunOptions,
  watermarkBefore: number,
): RunReport {
  return {
    runId,
    mode,
    dryRun: options.dryRun ?? false,
    anilistUser,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: '',
    durationMs: 0,
    status: 'ok',
    fetched: 0,
    planned: { updates: 0, deletes: 0 },
    applied: { updated: 0, deleted: 0 },
    unchanged: 0,
    writes: [],
    skipped: [],
    partialDates: [],
    failures: [],
    orphans: [],
    retryQueue: 0,
    stoppedEarly: false,
    watermark: { before: watermarkBefore, after: watermarkBefore },
    requests: {},
  };
}

function fillPlanReport(report: RunReport, plan: Plan): void {
  report.planned.updates = plan.writes.filter((w) => w.kind === 'update').length;
  report.planned.deletes = plan.writes.filter((w) => w.kind === 'delete').length;
  report.unchanged = plan.unchanged.length;
  report.skipped = plan.skipped.map((s) => ({ ...s }));
  report.partialDates = plan.partialDates.map((p) => ({ ...p }));
  report.writes = plan.writes.map((w) =>
    w.kind === 'update'
      ? { kind: 'update', malId: w.malId, title: w.title, fields: { ...w.fields }, reasons: [...w.reasons] }
      : { kind: 'delete', malId: w.malId, title: w.title, fields: {}, reasons: [w.reason] },
  );
  if (plan.pruneRefused) report.pruneRefused = plan.pruneRefused;
}

function finish(report: RunReport, deps: SyncDeps, watermarkAfter: number): RunReport {
  const finished = deps.clock.now();
  report.finishedAt = new Date(finished).toISOString();
  report.durationMs = finished - Date.parse(report.startedAt);
  report.watermark.after = watermarkAfter;
  report.requests = deps.counters?.() ?? {};
  deps.logger.info('sync run', {
    runId: report.runId,
    mode: report.mode,
    status: report.status,
    fetched: report.fetched,
    updated: report.applied.updated,
    deleted: report.applied.deleted,
    unchanged: report.unchanged,
    skipped: report.skipped.length,
    failed: report.failures.length,
    retryQueue: report.retryQueue,
    durationMs: report.durationMs,
    requests: report.requests,
  });
  return report;
}

/** The list in the shape of MAL's `GET /users/@me/animelist` response, for backups. */
export function toMalResponseShape(list: readonly MalListEntry[]): { data: unknown[]; paging: object } {
  return {
    data: list.map((e) => ({ node: { id: e.animeId, title: e.title }, list_status: e.listStatus })),
    paging: {},
  };
}
