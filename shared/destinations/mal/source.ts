import type { ChangedSinceOptions, FuzzyDate } from '../../anilist/types';
import type { SourceEntry, SourceRead, SourceReader } from '../../sync/source';
import { MAL_LIST_FIELDS, type MalClient } from './client';
import { parseListItem } from './parse';
import type { MalListStatus } from './types';

/** The list fields plus what a destination needs of the anime itself (Trakt: its episode count and kind). */
const SOURCE_FIELDS = `${MAL_LIST_FIELDS},num_episodes,media_type`;
/** Incremental reads ask for the newest changes in pages of this size: a quiet list costs one small request. */
const CHANGES_PAGE = 100;

/**
 * A MyAnimeList list as the source (`SOURCE=mal`), for people whose list lives on MAL: its entries
 * in the common entry shape (AniList's), MAL's anime id standing in for the media id. Incremental
 * reads walk the list newest update first (`sort=list_updated_at`) and stop at the watermark.
 */
export function createMalSource(mal: () => MalClient): SourceReader {
  return {
    async readChangedSince(_user: string, watermark: number, options: ChangedSinceOptions = {}): Promise<SourceRead> {
      const entries: SourceEntry[] = [];
      let serverTime: number | undefined;
      for await (const page of mal().pages({ sort: 'list_updated_at', limit: CHANGES_PAGE, fields: SOURCE_FIELDS })) {
        serverTime ??= page.serverTime;
        for (const [index, item] of page.data.entries()) {
          const entry = toSourceEntry(item, index);
          if (entry.updatedAt <= watermark) return read(entries, serverTime);
          entries.push(entry);
        }
        if (options.maxEntries !== undefined && entries.length >= options.maxEntries) {
          return { ...read(entries, serverTime), truncated: true };
        }
      }
      return read(entries, serverTime);
    },

    async readAll(): Promise<SourceRead> {
      const entries: SourceEntry[] = [];
      let serverTime: number | undefined;
      for await (const page of mal().pages({ fields: SOURCE_FIELDS })) {
        serverTime ??= page.serverTime;
        for (const [index, item] of page.data.entries()) entries.push(toSourceEntry(item, index));
      }
      return read(entries, serverTime);
    },

    async findListedMedia(_user: string, mediaIds: readonly number[]): Promise<Set<number>> {
      const wanted = new Set(mediaIds);
      const listed = new Set<number>();
      for await (const page of mal().pages({ fields: 'list_status{status}' })) {
        for (const [index, item] of page.data.entries()) {
          const id = parseListItem(item, index).animeId;
          if (wanted.has(id)) listed.add(id);
        }
      }
      return listed;
    },
  };
}

function read(entries: SourceEntry[], serverTime: number | undefined): SourceRead {
  return { entries, invalid: [], ...(serverTime !== undefined ? { serverTime } : {}) };
}

const STATUS: Record<MalListStatus['status'], string> = {
  watching: 'CURRENT',
  completed: 'COMPLETED',
  on_hold: 'PAUSED',
  dropped: 'DROPPED',
  plan_to_watch: 'PLANNING',
};

const FORMATS: Record<string, string> = {
  tv: 'TV',
  movie: 'MOVIE',
  ova: 'OVA',
  ona: 'ONA',
  special: 'SPECIAL',
  music: 'MUSIC',
  tv_special: 'TV_SHORT',
};

/** One MAL list item as a source entry. MAL's 0–10 score is POINT_100 / 10; a rewatch is COMPLETED + rewatching. */
export function toSourceEntry(item: unknown, index: number): SourceEntry {
  const { animeId, title, listStatus: ls } = parseListItem(item, index);
  const node = (item as { node?: { num_episodes?: unknown; media_type?: unknown } }).node ?? {};
  const episodes = typeof node.num_episodes === 'number' && node.num_episodes > 0 ? node.num_episodes : null;
  const format =
    typeof node.media_type === 'string' ? (FORMATS[node.media_type] ?? node.media_type.toUpperCase()) : null;
  const updated = Date.parse(ls.updated_at ?? '');
  return {
    id: animeId,
    mediaId: animeId,
    idMal: animeId,
    title,
    status: ls.status === 'completed' && ls.is_rewatching ? 'REPEATING' : STATUS[ls.status],
    score: ls.score * 10,
    progress: ls.num_episodes_watched,
    repeat: ls.num_times_rewatched,
    notes: ls.comments === '' ? null : ls.comments,
    private: false,
    startedAt: fuzzy(ls.start_date),
    completedAt: fuzzy(ls.finish_date),
    updatedAt: Number.isFinite(updated) ? Math.floor(updated / 1000) : 0,
    episodes,
    format,
  };
}

function fuzzy(date: string | undefined): FuzzyDate {
  const [year, month, day] = (date ?? '').split('-').map(Number);
  const part = (n: number | undefined) => (n !== undefined && Number.isFinite(n) && n > 0 ? n : null);
  return { year: part(year), month: part(month), day: part(day) };
}
