import { loadAnimeIdsFromFile } from '../../shared/anime-ids/load';
import { type MappingOptions, mapEntry } from '../../shared/destinations/mal/mapping';
import type { SourceEntry } from '../../shared/sync/source';
import { preferredTitle, type SandboxEntry } from '../sandbox/anilist';
import type { SandboxAnime } from '../sandbox/mal/catalogue';
import { malDateTime } from '../sandbox/mal/store';

/**
 * The sandbox MyAnimeList as the list the worker reads (SOURCE=mal): its anime, and the user's
 * list as the AniList → MAL mirror would have written it from the sandbox AniList's list (the
 * user's earlier setup). Built from the same entries the sandbox AniList serves, so both sandboxes
 * know the same anime, as the real sites do.
 */

/** AniList's `MediaFormat` → MAL's `media_type` (MAL has no short-TV kind: those are `tv` there). */
const MAL_MEDIA_TYPES: Readonly<Record<string, string>> = {
  TV: 'tv',
  TV_SHORT: 'tv',
  MOVIE: 'movie',
  SPECIAL: 'special',
  OVA: 'ova',
  ONA: 'ona',
  MUSIC: 'music',
};

export function malMediaType(format: string | null | undefined): string | undefined {
  return format ? MAL_MEDIA_TYPES[format] : undefined;
}

/**
 * MAL ids from the anime id dataset (an anibridge v3 file) for AniList media that have no `idMal`,
 * only where it names exactly one: the ids the MAL mirror would have used.
 */
export async function datasetMalIds(
  entries: readonly SandboxEntry[],
  animeIdsFile: string,
): Promise<Map<number, number>> {
  const missing = entries.filter((e) => e.media && e.media.idMal === null);
  const found = new Map<number, number>();
  if (missing.length === 0) return found;
  const index = await loadAnimeIdsFromFile(animeIdsFile);
  for (const { mediaId } of missing) {
    const mal = index.byAnilist(mediaId)?.mal ?? [];
    if (mal.length === 1 && mal[0] !== undefined) found.set(mediaId, mal[0]);
  }
  return found;
}

/**
 * The anime of the sandbox AniList's list, by MAL id: title, episode count and kind as MAL would
 * show them (AniList's `episodes` and `format`). Media without a MAL id are left out, unless
 * `datasetIds` gives one.
 */
export function malCatalogueFrom(
  entries: readonly SandboxEntry[],
  datasetIds: ReadonlyMap<number, number> = new Map(),
): SandboxAnime[] {
  const seen = new Map<number, SandboxAnime>();
  for (const { media } of entries) {
    const malId = media ? (media.idMal ?? datasetIds.get(media.id)) : undefined;
    if (!media || malId === undefined || seen.has(malId)) continue;
    const title = preferredTitle(media, 'ROMAJI') ?? `Anime #${malId}`;
    const mediaType = malMediaType(media.format);
    seen.set(malId, {
      id: malId,
      title,
      num_episodes: media.episodes ?? 0,
      ...(mediaType ? { media_type: mediaType } : {}),
    });
  }
  return [...seen.values()];
}

/**
 * A sandbox AniList entry as the worker reads it from AniList. An entry whose media the sandbox
 * does not know reads with null media fields (the dashboard still shows it); the seed skips those.
 */
export function sourceEntryOf(entry: SandboxEntry): SourceEntry {
  const { media } = entry;
  return {
    id: entry.id,
    mediaId: entry.mediaId,
    idMal: media?.idMal ?? null,
    title: (media && preferredTitle(media, 'ROMAJI')) ?? `AniList #${entry.mediaId}`,
    status: entry.status,
    score: entry.score,
    progress: entry.progress,
    repeat: entry.repeat,
    notes: entry.notes,
    private: entry.private,
    startedAt: entry.startedAt,
    completedAt: entry.completedAt,
    updatedAt: entry.updatedAt,
    episodes: media?.episodes ?? null,
    format: media?.format ?? null,
  };
}

/**
 * The user's MAL list, as a `GET /users/@me/animelist` body with every field, that the MAL mirror
 * would have written from `entries` with its default settings (`mapEntry`: no ID_OVERRIDES,
 * private entries left out, partial dates left unset; MAL ids from `datasetIds` where AniList has
 * none; when two entries claim one MAL id, the newer edit wins). Each `updated_at` is its AniList
 * entry's `updatedAt`, so the list's edit order is AniList's. Each `node` is copied from
 * `catalogue`: `malCatalogueFrom(entries, datasetIds)`, which the sandbox also serves.
 */
export function malListFromAniList(
  entries: readonly SandboxEntry[],
  catalogue: readonly SandboxAnime[],
  datasetIds: ReadonlyMap<number, number> = new Map(),
): { data: { node: Record<string, unknown>; list_status: Record<string, unknown> }[]; paging: object } {
  const options: MappingOptions = { mirrorPrivate: false, idOverrides: new Map(), datasetIds };
  const anime = new Map(catalogue.map((a) => [a.id, a]));
  const claimed = new Map<number, number>();
  const mapped = new Map<number, { malId: number; listStatus: Record<string, unknown> }>();
  const newestFirst = [...entries].sort((a, b) => b.updatedAt - a.updatedAt || a.id - b.id);
  for (const entry of newestFirst) {
    const source = entry.media ? sourceEntryOf(entry) : undefined;
    if (!source || mapped.has(entry.id)) continue;
    const result = mapEntry(source, options);
    if (result.kind !== 'mapped' || claimed.has(result.malId)) continue;
    claimed.set(result.malId, entry.id);
    const { desired } = result;
    mapped.set(entry.id, {
      malId: result.malId,
      listStatus: {
        status: desired.status,
        score: desired.score,
        num_episodes_watched: desired.num_watched_episodes,
        is_rewatching: desired.is_rewatching,
        num_times_rewatched: desired.num_times_rewatched,
        comments: desired.comments,
        ...(desired.start_date ? { start_date: desired.start_date } : {}),
        ...(desired.finish_date ? { finish_date: desired.finish_date } : {}),
        updated_at: malDateTime(entry.updatedAt * 1000),
      },
    });
  }
  // In the AniList list's order.
  const data = entries.flatMap((entry) => {
    const item = mapped.get(entry.id);
    if (!item || claimed.get(item.malId) !== entry.id) return [];
    const node = anime.get(item.malId) ?? { id: item.malId, title: `Anime #${item.malId}`, num_episodes: 0 };
    return [{ node: { ...node }, list_status: item.listStatus }];
  });
  return { data, paging: {} };
}
