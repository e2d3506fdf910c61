import type { LocalSystem } from '../../local/system';
import { createAniListClient } from '../../shared/anilist/client';
import type { AniListEntry } from '../../shared/anilist/types';
import { type DesiredMalState, mapEntry } from '../../shared/destinations/mal/mapping';
import type { MalListStatus } from '../../shared/destinations/mal/types';

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
  let checked = 0;
  for (const entry of entries) {
    const mapped = mapEntry(entry, { mirrorPrivate: false, idOverrides: new Map() });
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
