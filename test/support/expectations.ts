import { SAMPLE_ANIME_IDS } from '../../local/sandbox/datasets';
import type { LocalSystem } from '../../local/system';
import { createAniListClient } from '../../shared/anilist/client';
import type { AniListEntry } from '../../shared/anilist/types';
import type { AnimeIdIndex } from '../../shared/anime-ids/anime-id-index';
import { loadAnimeIdsFromFile } from '../../shared/anime-ids/load';
import { type DesiredMalState, type MappingOptions, mapEntry } from '../../shared/destinations/mal/mapping';
import type { MalListStatus } from '../../shared/destinations/mal/types';

let sampleIds: Promise<AnimeIdIndex> | undefined;

/**
 * The MAL mapping options the sandbox system runs with: no overrides, and MAL ids from the bundled
 * anime id dataset for media AniList gives none (only where it names exactly one, as the worker does).
 */
export async function sandboxMalMapping(entries: readonly AniListEntry[]): Promise<MappingOptions> {
  sampleIds ??= loadAnimeIdsFromFile(SAMPLE_ANIME_IDS);
  const ids = await sampleIds;
  const datasetIds = new Map<number, number>();
  for (const entry of entries) {
    const mal = entry.idMal === null ? ids.byAnilist(entry.mediaId)?.mal : undefined;
    if (mal?.length === 1) datasetIds.set(entry.mediaId, mal[0]!);
  }
  return { mirrorPrivate: false, idOverrides: new Map(), datasetIds };
}

/** What MAL's list (read shape) holds once `desired` is written; dates only where there is one to write. */
export function malListStatusFor(desired: DesiredMalState): MalListStatus {
  return {
    status: desired.status,
    is_rewatching: desired.is_rewatching,
    score: desired.score,
    num_episodes_watched: desired.num_watched_episodes,
    num_times_rewatched: desired.num_times_rewatched,
    comments: desired.comments,
    ...(desired.start_date ? { start_date: desired.start_date } : {}),
    ...(desired.finish_date ? { finish_date: desired.finish_date } : {}),
  };
}

/** AniList's view of the list, read over HTTP like the worker does (anonymous: private entries hidden). */
export async function readAniList(system: LocalSystem): Promise<AniListEntry[]> {
  const client = createAniListClient({ url: system.urls.anilist, fetch, timeoutMs: 5000, requestsPerMinute: 0 });
  return (await client.readAll(system.config.base.ANILIST_USERNAME ?? '')).entries;
}

/**
 * Asserts the sandbox MAL list holds exactly what the mapping rules require for every mappable
 * AniList entry (partial dates: whatever MAL had, here nothing).
 */
export async function expectMalMirrorsAniList(system: LocalSystem): Promise<number> {
  const entries = await readAniList(system);
  const mapping = await sandboxMalMapping(entries);
  let checked = 0;
  for (const entry of entries) {
    const mapped = mapEntry(entry, mapping);
    if (mapped.kind !== 'mapped') continue;
    const actual = system.mal!.state.getEntry(mapped.malId);
    const { desired } = mapped;
    const { start_date: _start, finish_date: _finish, ...expected } = malListStatusFor(desired);
    expect({ id: mapped.malId, ...actual?.listStatus }).toMatchObject({ id: mapped.malId, ...expected });
    if (desired.start_date !== undefined) expect(actual?.listStatus.start_date ?? '').toBe(desired.start_date);
    if (desired.finish_date !== undefined) expect(actual?.listStatus.finish_date ?? '').toBe(desired.finish_date);
    checked++;
  }
  return checked;
}
