import type { AniListEntry, AniListRead, AniListSource } from '../../shared/anilist/types';
import type { AuthorizationCompletedDetail, EventPublisher, ReauthRequiredDetail } from '../../shared/events';
import type { MalListEntry, MalListStatus, MalTarget, MalWriteFields } from '../../shared/mal/types';

/**
 * In-memory AniList with the same read semantics as the real API: newest-first incremental paging
 * (page size 50) and a full read. Used by engine unit tests; integration tests use the sandbox over HTTP.
 */
export class FakeAniList implements AniListSource {
  entries = new Map<number, AniListEntry>();
  requests = 0;
  /** Runs after each page is served: lets a test edit the list "while the run is going". */
  afterPage?: (page: number) => void;
  failNext = 0;

  constructor(entries: AniListEntry[] = []) {
    for (const e of entries) this.entries.set(e.id, e);
  }

  upsert(entry: AniListEntry): void {
    this.entries.set(entry.id, entry);
  }

  async readChangedSince(user: string, watermark: number): Promise<AniListRead> {
    return { entries: await this.changedSince(user, watermark), invalid: [] };
  }

  async readAll(): Promise<AniListRead> {
    const all = [...this.entries.values()];
    for (let i = 0; i === 0 || i < all.length; i += 500) this.request();
    return { entries: all, invalid: [] };
  }

  private async changedSince(_user: string, watermark: number): Promise<AniListEntry[]> {
    const out: AniListEntry[] = [];
    for (let page = 1; ; page++) {
      this.request();
      const sorted = [...this.entries.values()].sort((a, b) => b.updatedAt - a.updatedAt);
      const slice = sorted.slice((page - 1) * 50, page * 50);
      let reached = false;
      for (const e of slice) {
        if (e.updatedAt <= watermark) {
          reached = true;
          break;
        }
        out.push(e);
      }
      this.afterPage?.(page);
      if (reached || sorted.length <= page * 50) return out;
    }
  }

  private request(): void {
    this.requests++;
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('AniList is down'), { code: 'anilist_api_error' });
    }
  }
}

export class FakeMal implements MalTarget {
  list = new Map<number, MalListEntry>();
  requests = 0;
  writes: { animeId: number; fields: MalWriteFields }[] = [];
  /** Called before each write; throw to inject a fault. */
  beforeWrite?: (animeId: number, n: number) => void;

  async listAll(): Promise<MalListEntry[]> {
    this.requests += Math.max(1, Math.ceil(this.list.size / 1000));
    return [...this.list.values()];
  }

  async update(animeId: number, fields: MalWriteFields): Promise<MalListStatus> {
    this.requests++;
    this.beforeWrite?.(animeId, this.writes.length);
    this.writes.push({ animeId, fields });
    const prior = this.list.get(animeId)?.listStatus;
    const next: MalListStatus = {
      status: fields.status ?? prior?.status ?? 'plan_to_watch',
      score: fields.score ?? prior?.score ?? 0,
      num_episodes_watched: fields.num_watched_episodes ?? prior?.num_episodes_watched ?? 0,
      is_rewatching: fields.is_rewatching ?? prior?.is_rewatching ?? false,
      num_times_rewatched: fields.num_times_rewatched ?? prior?.num_times_rewatched ?? 0,
      comments: fields.comments ?? prior?.comments ?? '',
      ...dateField('start_date', fields.start_date, prior?.start_date),
      ...dateField('finish_date', fields.finish_date, prior?.finish_date),
    };
    this.list.set(animeId, { animeId, title: `MAL ${animeId}`, listStatus: next });
    return next;
  }

  async remove(animeId: number): Promise<void> {
    this.requests++;
    this.list.delete(animeId);
  }
}

function dateField(key: string, written: string | undefined, prior: string | undefined) {
  const value = written ?? prior;
  return value ? { [key]: value } : {};
}

export class RecordingEvents implements EventPublisher {
  reauth: ReauthRequiredDetail[] = [];
  completed: AuthorizationCompletedDetail[] = [];
  async publishReauthRequired(detail: ReauthRequiredDetail) {
    this.reauth.push(detail);
  }
  async publishAuthorizationCompleted(detail: AuthorizationCompletedDetail) {
    this.completed.push(detail);
  }
}
