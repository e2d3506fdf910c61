import type { AniListEntry, AniListRead, AniListSource, ChangedSinceOptions } from '../../shared/anilist/types';
import type { MalListEntry, MalListStatus, MalTarget, MalWriteFields } from '../../shared/destinations/mal/types';
import type { AuthorizationCompletedDetail, EventPublisher, ReauthRequiredDetail } from '../../shared/events';

/**
 * In-memory AniList with the same read semantics as the real client: incremental reads newest
 * first, 50 at a time, each further request excluding the media already read; a full read; the
 * server's clock of the first request (`now`, when given); and the prune check.
 */
export class FakeAniList implements AniListSource {
  entries = new Map<number, AniListEntry>();
  requests = 0;
  /** Runs after each page is served: lets a test edit the list "while the run is going". */
  afterPage?: (page: number) => void;
  failNext = 0;
  /** AniList's clock (epoch ms); without it reads carry no server time, as without a Date header. */
  now?: () => number;
  /** Media ids that prune checks asked about. */
  presenceChecks: number[][] = [];

  constructor(entries: AniListEntry[] = []) {
    for (const e of entries) this.entries.set(e.id, e);
  }

  upsert(entry: AniListEntry): void {
    this.entries.set(entry.id, entry);
  }

  async readChangedSince(_user: string, watermark: number, options: ChangedSinceOptions = {}): Promise<AniListRead> {
    const out: AniListEntry[] = [];
    const seenMedia = new Set<number>();
    const serverTime = this.now?.();
    for (let page = 1; ; page++) {
      this.request();
      const unseen = [...this.entries.values()]
        .filter((e) => !seenMedia.has(e.mediaId))
        .sort((a, b) => b.updatedAt - a.updatedAt);
      const slice = unseen.slice(0, 50);
      let reached = false;
      for (const e of slice) {
        if (e.updatedAt <= watermark) {
          reached = true;
          break;
        }
        seenMedia.add(e.mediaId);
        out.push(e);
      }
      this.afterPage?.(page);
      const read = { entries: out, invalid: [], ...(serverTime === undefined ? {} : { serverTime }) };
      if (reached || unseen.length <= 50) return read;
      if (options.maxEntries !== undefined && seenMedia.size >= options.maxEntries) return { ...read, truncated: true };
    }
  }

  async readAll(): Promise<AniListRead> {
    const serverTime = this.now?.();
    const all = [...this.entries.values()];
    for (let i = 0; i === 0 || i < all.length; i += 500) this.request();
    return { entries: all, invalid: [], ...(serverTime === undefined ? {} : { serverTime }) };
  }

  async findListedMedia(_user: string, mediaIds: readonly number[]): Promise<Set<number>> {
    this.presenceChecks.push([...mediaIds]);
    const listed = new Set([...this.entries.values()].map((e) => e.mediaId));
    for (let i = 0; i < mediaIds.length; i += 50) this.request();
    return new Set(mediaIds.filter((id) => listed.has(id)));
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
