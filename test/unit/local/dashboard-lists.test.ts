import { sideBySide } from '../../../local/dashboard/compare';
import type { SandboxEntry } from '../../../local/sandbox/anilist';
import type { MappingOptions } from '../../../shared/destinations/mal/mapping';
import type { MalListEntry } from '../../../shared/destinations/mal/types';

const NO_DATE = { year: null, month: null, day: null };
const OPTIONS: MappingOptions = { mirrorPrivate: false, idOverrides: new Map([[103, 9003]]) };

function entry(id: number, idMal: number | null, fields: Partial<SandboxEntry> = {}): SandboxEntry {
  return {
    id,
    mediaId: id,
    status: 'CURRENT',
    score: 70,
    progress: 3,
    repeat: 0,
    priority: 0,
    private: false,
    notes: null,
    hiddenFromStatusLists: false,
    customLists: [],
    startedAt: { year: 2024, month: 1, day: 2 },
    completedAt: NO_DATE,
    createdAt: 1,
    updatedAt: 1,
    media: { id, idMal, title: { romaji: `Anime ${id}`, english: null, native: null }, format: 'TV', episodes: 12 },
    ...fields,
  };
}

function onMal(animeId: number, fields: Partial<MalListEntry['listStatus']> = {}): MalListEntry {
  return {
    animeId,
    title: `MAL ${animeId}`,
    listStatus: {
      status: 'watching',
      score: 7,
      num_episodes_watched: 3,
      is_rewatching: false,
      num_times_rewatched: 0,
      comments: '',
      start_date: '2024-01-02',
      ...fields,
    },
  };
}

/** "Match" is the mirror's own judgement: what the next sync would write, by the MAL mapping. */
describe('the sandbox lists side by side', () => {
  test('match, differences by column, not on MAL yet, not mirrored (why), and on MAL only', () => {
    const rows = sideBySide(
      [
        entry(101, 9001),
        entry(102, 9002, { score: 90, status: 'REPEATING', startedAt: { year: 2024, month: 1, day: null } }),
        entry(103, null),
        entry(104, 9004),
        entry(105, null),
        entry(106, 9006, { private: true }),
      ],
      [onMal(9001), onMal(9002, { start_date: '2023-05-05' }), onMal(9003, { score: 0 }), onMal(9999)],
      OPTIONS,
    );
    expect(rows.map((r) => [r.anilist?.entryId ?? r.mal?.animeId, r.match, r.differences.join(',')])).toEqual([
      [101, 'match', ''],
      // A partial AniList date leaves MAL's alone: not a difference.
      [102, 'differs', 'status,score'],
      // ID_OVERRIDES gives it its MAL id.
      [103, 'differs', 'score'],
      [104, 'missing', ''],
      [105, 'skipped', ''],
      [106, 'skipped', ''],
      [9999, 'mal_only', ''],
    ]);
    expect(rows[4]!.why).toBe('AniList has no MyAnimeList id for this anime');
    expect(rows[5]!.why).toContain('MIRROR_PRIVATE=true');
    expect(rows[1]!.mal).toMatchObject({ title: 'MAL 9002', score: 7, started: '2023-05-05' });
    expect(rows[1]!.anilist).toMatchObject({ title: 'Anime 102', score: 90, started: '2024-01' });
  });
});
