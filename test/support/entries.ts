import type { AniListEntry, FuzzyDate } from '../../shared/anilist/types';

export const NO_DATE: FuzzyDate = { year: null, month: null, day: null };

let nextId = 1000;

/** A plausible AniList entry; override what the test is about. */
export function anilistEntry(overrides: Partial<AniListEntry> = {}): AniListEntry {
  const id = overrides.id ?? nextId++;
  return {
    id,
    mediaId: overrides.mediaId ?? id + 50_000,
    idMal: 'idMal' in overrides ? (overrides.idMal ?? null) : id + 10_000,
    title: `Anime ${id}`,
    status: 'CURRENT',
    score: 0,
    progress: 0,
    repeat: 0,
    notes: null,
    private: false,
    startedAt: NO_DATE,
    completedAt: NO_DATE,
    updatedAt: 1_700_000_000,
    episodes: 12,
    format: 'TV',
    ...overrides,
  };
}
