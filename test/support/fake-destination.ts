import type {
  ApplyContext,
  ApplyResult,
  Destination,
  DestinationList,
  DestinationPlan,
  Orphan,
  PlannedWrite,
  PlanRequest,
  UnchangedTarget,
  WriteOutcome,
} from '../../shared/sync/destination';
import type { SourceEntry } from '../../shared/sync/source';

/** What a fake destination holds per target: the two fields it mirrors. */
export interface FakeTargetState {
  readonly progress: number;
  readonly score: number;
}

export interface FakeList extends DestinationList {
  readonly held: ReadonlyMap<string, FakeTargetState>;
}

/**
 * An in-memory destination behind the real seam: one target per source entry (key `e<entry id>`),
 * holding the entry's progress and score. It diffs like a real one (against its list on full
 * runs, against the core's records otherwise), writes one target at a time, stops at `stopAt`,
 * and records every call so that tests can see what the core asked of it.
 */
export class FakeDestination implements Destination<FakeList> {
  readonly shortLabel: string;
  readonly pruneSetting: string;
  readonly skipLabels = { unwatched: 'not started' };
  /** What the destination holds now. */
  readonly held = new Map<string, FakeTargetState>();
  readonly calls = { readList: 0, plan: 0, apply: 0, authorized: 0 };
  /** Every write request that reached the destination, in order. */
  readonly written: string[] = [];
  /** `context.stopAt()` as each `apply` call started (undefined without a deadline). */
  readonly stopAtSeen: (number | undefined)[] = [];
  /** Whether its tokens are usable (`authorized`). */
  authorizedNow = true;
  /** Thrown by `readList` and `plan` when set: the destination is down. */
  failure?: Error;
  /** Called before each write; throw to fail it, e.g. with a `reauth_required` error. */
  beforeWrite?: (key: string, n: number) => void;

  constructor(
    readonly key: string,
    readonly label: string,
  ) {
    this.shortLabel = label.slice(0, 3).toUpperCase();
    this.pruneSetting = `${key.toUpperCase()}_PRUNE`;
  }

  static targetOf(entry: Pick<SourceEntry, 'id'>): string {
    return `e${entry.id}`;
  }

  checkRecordState(state: unknown): void {
    const s = state as Partial<FakeTargetState> | null;
    if (typeof s?.progress !== 'number' || typeof s.score !== 'number') throw new Error('not a fake target state');
  }

  async authorized(): Promise<boolean> {
    this.calls.authorized++;
    return this.authorizedNow;
  }

  async readList(): Promise<FakeList> {
    this.calls.readList++;
    if (this.failure) throw this.failure;
    const held = new Map(this.held);
    return { held, backupBody: () => Object.fromEntries(held) };
  }

  async plan(request: PlanRequest<FakeList>): Promise<DestinationPlan> {
    this.calls.plan++;
    if (this.failure) throw this.failure;
    const known: ReadonlyMap<string, unknown> = request.list
      ? request.list.held
      : new Map(Object.entries(request.mirrored).map(([key, r]) => [key, r.state]));
    const writes: PlannedWrite[] = [];
    const unchanged: UnchangedTarget[] = [];
    const skipped = [];
    for (const entry of request.entries) {
      if (entry.status === 'PLANNING') {
        skipped.push({
          anilistEntryId: entry.id,
          mediaId: entry.mediaId,
          title: entry.title,
          reason: 'unwatched',
          detail: 'planned, nothing to record yet',
        });
        continue;
      }
      const key = FakeDestination.targetOf(entry);
      const desired: FakeTargetState = { progress: entry.progress, score: entry.score };
      const current = known.get(key) as FakeTargetState | undefined;
      if (current && current.progress === desired.progress && current.score === desired.score) {
        unchanged.push({ key, entry, state: current });
        continue;
      }
      writes.push({
        kind: 'put',
        key,
        title: entry.title,
        target: `${this.shortLabel} ${key}`,
        entry,
        reasons: [current ? `progress ${current.progress} → ${desired.progress}` : 'new'],
        fields: { ...desired },
        payload: desired,
      });
    }
    return {
      writes,
      unchanged,
      skipped,
      notes: [],
      ...(request.list ? { actual: request.list.held } : {}),
    };
  }

  planRemovals(orphans: readonly Orphan[]): PlannedWrite[] {
    return orphans.map((o) => ({
      kind: 'remove',
      key: o.key,
      title: o.record.title,
      target: `${this.shortLabel} ${o.key}`,
      reasons: ['deleted on AniList'],
      payload: undefined,
    }));
  }

  async apply(writes: readonly PlannedWrite[], context: ApplyContext): Promise<ApplyResult> {
    this.calls.apply++;
    this.stopAtSeen.push(context.stopAt?.());
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
        this.beforeWrite?.(write.key, this.written.length);
        this.written.push(write.key);
        if (write.kind === 'remove') {
          this.held.delete(write.key);
          outcome = { result: 'applied' };
        } else {
          this.held.set(write.key, write.payload as FakeTargetState);
          outcome = { result: 'applied', state: write.payload };
        }
      } catch (err) {
        if ((err as { code?: unknown }).code === 'reauth_required') {
          stoppedBy = 'reauth_required';
          reauthError = err;
          outcome = { result: 'not_attempted' };
        } else {
          outcome = { result: 'failed', error: String(err), permanent: false };
        }
      }
      await context.onSettled(write, outcome);
    }
    return { ...(stoppedBy ? { stoppedBy } : {}), ...(reauthError ? { reauthError } : {}) };
  }
}
