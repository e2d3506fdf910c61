import { type FuzzyDate, kindOf } from '../../anilist/types';
import type { SkippedEntry } from '../../sync/destination';
import type { SourceEntry } from '../../sync/source';
import type { MalXmlAnime, MalXmlDate, MalXmlDocument, MalXmlLeftOut, MalXmlManga } from './export-xml';
import { mapMangaEntry, planMalManga } from './manga';
import { type MappingOptions, mapDate, mapEntry } from './mapping';
import { MAL_SKIP_LABELS, planMal } from './planner';

/** AniList `Media.format` → the media type word of MAL's XML (`series_type`). */
const SERIES_TYPES: Readonly<Record<string, string>> = {
  TV: 'TV',
  TV_SHORT: 'TV',
  MOVIE: 'Movie',
  SPECIAL: 'Special',
  OVA: 'OVA',
  ONA: 'ONA',
  MUSIC: 'Music',
};

/** Why an entry is not in the file, and the setting that would put it there when there is one. */
const FIXES: Readonly<Record<string, string>> = {
  no_mal_id: 'add it to ID_OVERRIDES (AniList media id → MAL id)',
};

/**
 * The user's anime list as the MAL destination maps it, for MAL's XML import: the same planner
 * (ids from ID_OVERRIDES, AniList or the dataset; private entries; one entry per MAL id, the most
 * recently edited winning) and the same mapping of each field. Every entry left out is listed with
 * the planner's reason.
 */
export function malAnimeExport(
  entries: readonly SourceEntry[],
  options: MappingOptions,
  userName: string,
): Extract<MalXmlDocument, { kind: 'anime' }> {
  const anime = entries.filter((e) => kindOf(e) === 'anime');
  // Planned against an empty MAL list, every entry the planner keeps becomes a write.
  const plan = planMal(anime, new Map(), options);
  const exported: MalXmlAnime[] = [];
  for (const write of plan.writes) {
    const entry = write.entry;
    const mapped = entry ? mapEntry(entry, options) : undefined;
    if (!entry || mapped?.kind !== 'mapped') continue;
    const { desired } = mapped;
    exported.push({
      malId: mapped.malId,
      title: entry.title,
      seriesType: SERIES_TYPES[entry.format ?? ''] ?? 'Unknown',
      seriesEpisodes: entry.episodes ?? 0,
      status: desired.status,
      rewatching: desired.is_rewatching,
      score: desired.score,
      watchedEpisodes: desired.num_watched_episodes,
      timesWatched: desired.num_times_rewatched,
      comments: desired.comments,
      startDate: xmlDate(entry.startedAt),
      finishDate: xmlDate(entry.completedAt),
    });
  }
  return { kind: 'anime', userName, entries: exported, leftOut: leftOutOf(plan.skipped) };
}

/**
 * The manga list (AniList entries read from its manga list) as the MAL destination maps it with
 * MIRROR_MANGA=true: its manga planner and mapping (ids from ID_OVERRIDES or AniList only; the
 * anime id dataset knows no manga). AniList's entries carry no chapter or volume totals: 0, as
 * MAL's own files write an unknown total.
 */
export function malMangaExport(
  entries: readonly SourceEntry[],
  options: MappingOptions,
  userName: string,
): Extract<MalXmlDocument, { kind: 'manga' }> {
  const manga = entries.filter((e) => kindOf(e) === 'manga');
  const plan = planMalManga(manga, new Map(), options);
  const exported: MalXmlManga[] = [];
  for (const write of plan.writes) {
    const entry = write.entry;
    const mapped = entry ? mapMangaEntry(entry, options) : undefined;
    if (!entry || mapped?.kind !== 'mapped') continue;
    const { desired } = mapped;
    exported.push({
      malId: mapped.malId,
      title: entry.title,
      volumes: 0,
      chapters: 0,
      status: desired.status,
      rereading: desired.is_rereading,
      score: desired.score,
      readVolumes: desired.num_volumes_read,
      readChapters: desired.num_chapters_read,
      timesRead: desired.num_times_reread,
      comments: desired.comments,
      startDate: xmlDate(entry.startedAt),
      finishDate: xmlDate(entry.completedAt),
    });
  }
  return { kind: 'manga', userName, entries: exported, leftOut: leftOutOf(plan.skipped) };
}

function leftOutOf(skipped: readonly SkippedEntry[]): MalXmlLeftOut[] {
  return skipped
    .map((s) => ({ mediaId: s.mediaId, title: s.title, reason: leftOutReason(s.reason, s.detail) }))
    .sort((a, b) => a.title.localeCompare(b.title) || a.mediaId - b.mediaId);
}

function leftOutReason(reason: string, detail: string): string {
  const label = MAL_SKIP_LABELS[reason as keyof typeof MAL_SKIP_LABELS] ?? reason;
  const fix = FIXES[reason];
  return `${label}: ${detail}${fix ? `; ${fix}` : ''}`;
}

/**
 * A date as MAL's XML writes it: `YYYY-MM-DD`, `0000-00-00` when there is none. A partial AniList
 * date keeps what AniList knows, with `00` for the rest (`2019-04-00`), where the API writes leave
 * MAL's date alone: a file has no "leave it" (docs/apis.md#mal-xml).
 */
export function xmlDate(date: FuzzyDate): MalXmlDate {
  const { value } = mapDate(date, 'send');
  if (!value) return '0000-00-00';
  if (value.length === 4) return `${value}-00-00`;
  if (value.length === 7) return `${value}-00`;
  return value;
}
