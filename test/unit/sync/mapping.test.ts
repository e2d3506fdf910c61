import { type MappingOptions, mapDate, mapEntry, mapScore } from '../../../shared/destinations/mal/mapping';
import { anilistEntry } from '../../support/entries';

const options: MappingOptions = { mirrorPrivate: false, idOverrides: new Map() };

describe('mapScore: POINT_100 → MAL 0–10, round half up, clamped to 1–10', () => {
  test.each([
    [0, 0],
    [1, 1],
    [4, 1],
    [5, 1],
    [14, 1],
    [15, 2],
    [50, 5],
    [84, 8],
    [85, 9],
    [94, 9],
    [95, 10],
    [100, 10],
  ])('%i → %i', (input, expected) => {
    expect(mapScore(input)).toBe(expected);
  });
});

describe('mapDate', () => {
  test.each([
    [{ year: 2024, month: 3, day: 9 }, '2024-03-09', false],
    [{ year: null, month: null, day: null }, '', false],
    [{ year: 2024, month: null, day: null }, undefined, true],
    [{ year: 2024, month: 5, day: null }, undefined, true],
    [{ year: null, month: 5, day: 1 }, undefined, true],
  ])('%j → %j (partial %s)', (date, value, partial) => {
    expect(mapDate(date)).toEqual({ value, partial });
  });

  test('a missing date object counts as cleared', () => {
    expect(mapDate(undefined)).toEqual({ value: '', partial: false });
  });

  // PARTIAL_DATES=send: what AniList knows is written, and nothing more.
  test.each([
    [{ year: 2024, month: 3, day: 9 }, '2024-03-09', false],
    [{ year: 2024, month: 5, day: null }, '2024-05', false],
    [{ year: 2024, month: null, day: null }, '2024', false],
    [{ year: 2024, month: null, day: 9 }, '2024', false],
    [{ year: null, month: 5, day: 1 }, undefined, true],
    [{ year: null, month: null, day: null }, '', false],
  ])('send mode: %j → %j (partial %s)', (date, value, partial) => {
    expect(mapDate(date, 'send')).toEqual({ value, partial });
  });
});

describe('mapEntry: the table of tricky entries', () => {
  test.each([
    ['CURRENT', 'watching', false],
    ['PLANNING', 'plan_to_watch', false],
    ['COMPLETED', 'completed', false],
    ['DROPPED', 'dropped', false],
    ['PAUSED', 'on_hold', false],
    ['REPEATING', 'completed', true],
  ])('status %s → %s, rewatching %s', (status, malStatus, rewatching) => {
    const result = mapEntry(anilistEntry({ status }), options);
    expect(result).toMatchObject({ kind: 'mapped', desired: { status: malStatus, is_rewatching: rewatching } });
  });

  test('copies progress, repeat and notes to their MAL names', () => {
    const result = mapEntry(
      anilistEntry({ progress: 12, repeat: 2, notes: 'rewatch with friends', score: 85 }),
      options,
    );
    expect(result).toMatchObject({
      kind: 'mapped',
      desired: { num_watched_episodes: 12, num_times_rewatched: 2, comments: 'rewatch with friends', score: 9 },
    });
  });

  test('cleared notes clear the MAL comments', () => {
    expect(mapEntry(anilistEntry({ notes: null }), options)).toMatchObject({ desired: { comments: '' } });
  });

  test('unscored entries stay unscored', () => {
    expect(mapEntry(anilistEntry({ score: 0 }), options)).toMatchObject({ desired: { score: 0 } });
  });

  test('full dates are written, cleared dates are cleared, partial dates are left alone and noted', () => {
    const result = mapEntry(
      anilistEntry({ startedAt: { year: 2023, month: 1, day: 31 }, completedAt: { year: 2023, month: 2, day: null } }),
      options,
    );
    expect(result).toEqual(
      expect.objectContaining({
        kind: 'mapped',
        partialDates: ['finish_date'],
        desired: expect.objectContaining({ start_date: '2023-01-31', finish_date: undefined }),
      }),
    );
  });

  test('with PARTIAL_DATES=send a partial date is written as far as it goes, and not noted', () => {
    const result = mapEntry(
      anilistEntry({ startedAt: { year: 2023, month: 1, day: 31 }, completedAt: { year: 2023, month: 2, day: null } }),
      { ...options, partialDates: 'send' },
    );
    expect(result).toEqual(
      expect.objectContaining({
        kind: 'mapped',
        partialDates: [],
        desired: expect.objectContaining({ start_date: '2023-01-31', finish_date: '2023-02' }),
      }),
    );
  });

  test('entries without a MAL id are skipped with a reason', () => {
    expect(mapEntry(anilistEntry({ idMal: null }), options)).toMatchObject({ kind: 'skipped', reason: 'no_mal_id' });
  });

  test('the override map fixes a missing or wrong idMal', () => {
    const entry = anilistEntry({ idMal: null, mediaId: 777 });
    const result = mapEntry(entry, { ...options, idOverrides: new Map([[777, 4242]]) });
    expect(result).toMatchObject({ kind: 'mapped', malId: 4242 });
    const wrong = anilistEntry({ idMal: 1, mediaId: 778 });
    expect(mapEntry(wrong, { ...options, idOverrides: new Map([[778, 99]]) })).toMatchObject({ malId: 99 });
  });

  test('private entries are skipped unless MIRROR_PRIVATE is on', () => {
    const entry = anilistEntry({ private: true });
    expect(mapEntry(entry, options)).toMatchObject({ kind: 'skipped', reason: 'private' });
    expect(mapEntry(entry, { ...options, mirrorPrivate: true })).toMatchObject({ kind: 'mapped' });
  });

  test('an unknown status value is reported, not guessed', () => {
    const result = mapEntry(anilistEntry({ status: 'REWATCHING_TWICE' }), options);
    expect(result).toEqual({
      kind: 'skipped',
      reason: 'unknown_status',
      detail: expect.stringContaining('REWATCHING_TWICE'),
    });
  });

  test.each([
    [{ score: 150 }, 'score 150'],
    [{ score: -1 }, 'score -1'],
    [{ progress: -3 }, 'progress -3'],
    [{ repeat: 1.5 }, 'rewatch count 1.5'],
    [{ notes: 'x'.repeat(20_001) }, 'notes are 20001 characters'],
    [{ startedAt: { year: 2023, month: 2, day: 30 } }, '2023-02-30 does not exist'],
  ])('invalid data %j is skipped with a specific reason', (overrides, detail) => {
    expect(mapEntry(anilistEntry(overrides), options)).toEqual({
      kind: 'skipped',
      reason: 'invalid_entry',
      detail: expect.stringContaining(detail),
    });
  });
});
