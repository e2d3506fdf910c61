import type { AniListEntry, FuzzyDate } from '../../../shared/anilist/types';
import {
  isKnownStatus,
  type PlaysWanted,
  playsWanted,
  ratingFor,
  type TraktRules,
  type UnknownDateMode,
  watchedAtFor,
} from '../../../shared/destinations/trakt/rules';
import { anilistEntry, NO_DATE } from '../../support/entries';
import { RULES } from './world';

const withRules = (overrides: Partial<TraktRules> = {}): TraktRules => ({ ...RULES, ...overrides });

describe('playsWanted', () => {
  const cases: [name: string, entry: Partial<AniListEntry>, rules: Partial<TraktRules>, wanted: PlaysWanted][] = [
    [
      'COMPLETED series: every episode of the media, once',
      { status: 'COMPLETED', episodes: 12, progress: 12 },
      {},
      { kind: 'completed', count: 12, times: 1 },
    ],
    [
      'COMPLETED counts the media episodes, not a lower progress',
      { status: 'COMPLETED', episodes: 24, progress: 3 },
      {},
      { kind: 'completed', count: 24, times: 1 },
    ],
    [
      'COMPLETED movie: one play whatever the episode count says',
      { status: 'COMPLETED', format: 'MOVIE', episodes: 3, progress: 3 },
      {},
      { kind: 'completed', count: 1, times: 1 },
    ],
    [
      'COMPLETED with an unknown episode count falls back to the progress',
      { status: 'COMPLETED', episodes: null, progress: 9 },
      {},
      { kind: 'completed', count: 9, times: 1 },
    ],
    [
      'COMPLETED with an episode count of 0 falls back to the progress',
      { status: 'COMPLETED', episodes: 0, progress: 5 },
      {},
      { kind: 'completed', count: 5, times: 1 },
    ],
    [
      'REPEATING counts as completed before: every episode',
      { status: 'REPEATING', episodes: 12, progress: 4 },
      {},
      { kind: 'completed', count: 12, times: 1 },
    ],
    [
      'rewatches are ignored without TRAKT_REWATCHES',
      { status: 'COMPLETED', episodes: 12, repeat: 2 },
      {},
      { kind: 'completed', count: 12, times: 1 },
    ],
    [
      'TRAKT_REWATCHES: a rewatch count of 2 makes 3 plays of each episode',
      { status: 'COMPLETED', episodes: 12, repeat: 2 },
      { rewatches: true },
      { kind: 'completed', count: 12, times: 3 },
    ],
    [
      'TRAKT_REWATCHES applies to REPEATING too',
      { status: 'REPEATING', episodes: 12, repeat: 1 },
      { rewatches: true },
      { kind: 'completed', count: 12, times: 2 },
    ],
    [
      'TRAKT_REWATCHES: a movie watched twice more is 3 plays',
      { status: 'COMPLETED', format: 'MOVIE', episodes: 1, repeat: 2 },
      { rewatches: true },
      { kind: 'completed', count: 1, times: 3 },
    ],
    ['CURRENT without TRAKT_PROGRESS: no plays', { status: 'CURRENT', progress: 5 }, {}, { kind: 'none' }],
    [
      'TRAKT_PROGRESS: CURRENT gets episodes 1..progress',
      { status: 'CURRENT', progress: 5 },
      { progress: true },
      { kind: 'progress', count: 5, times: 1 },
    ],
    [
      'TRAKT_PROGRESS: PAUSED gets episodes 1..progress',
      { status: 'PAUSED', progress: 7 },
      { progress: true },
      { kind: 'progress', count: 7, times: 1 },
    ],
    [
      'TRAKT_PROGRESS: DROPPED gets episodes 1..progress',
      { status: 'DROPPED', progress: 2 },
      { progress: true },
      { kind: 'progress', count: 2, times: 1 },
    ],
    [
      'TRAKT_PROGRESS ignores the rewatch count',
      { status: 'CURRENT', progress: 2, repeat: 3 },
      { progress: true, rewatches: true },
      { kind: 'progress', count: 2, times: 1 },
    ],
    [
      'TRAKT_PROGRESS with progress 0: nothing',
      { status: 'CURRENT', progress: 0 },
      { progress: true },
      { kind: 'none' },
    ],
    [
      'PLANNING: never plays, even with TRAKT_PROGRESS',
      { status: 'PLANNING', progress: 3 },
      { progress: true, rewatches: true },
      { kind: 'none' },
    ],
    [
      'an unknown status: never plays',
      { status: 'REWATCHING_LATER', progress: 3 },
      { progress: true },
      { kind: 'none' },
    ],
  ];

  test.each(cases)('%s', (_name, entry, rules, wanted) => {
    expect(playsWanted(anilistEntry(entry), withRules(rules))).toEqual(wanted);
  });
});

describe('watchedAtFor', () => {
  const completed: PlaysWanted = { kind: 'completed', count: 12, times: 1 };
  const progress: PlaysWanted = { kind: 'progress', count: 4, times: 1 };
  const date = (year: number | null, month: number | null, day: number | null): FuzzyDate => ({ year, month, day });

  const fullDates: [name: string, completedAt: FuzzyDate, watchedAt: string][] = [
    ['a full date is noon UTC of that day', date(2023, 12, 28), '2023-12-28T12:00:00.000Z'],
    ['single-digit month and day are padded', date(2021, 3, 7), '2021-03-07T12:00:00.000Z'],
    ['29 February of a leap year exists', date(2024, 2, 29), '2024-02-29T12:00:00.000Z'],
    ['31 December', date(1999, 12, 31), '1999-12-31T12:00:00.000Z'],
  ];

  test.each(fullDates)('%s', (_name, completedAt, watchedAt) => {
    for (const unknownDate of ['unknown', 'release', 'skip'] as const) {
      for (const kind of ['show', 'movie'] as const) {
        expect(watchedAtFor(anilistEntry({ completedAt }), completed, withRules({ unknownDate }), kind)).toBe(
          watchedAt,
        );
      }
    }
  });

  const notFull: [name: string, completedAt: FuzzyDate][] = [
    ['no date at all', NO_DATE],
    ['a year only', date(2023, null, null)],
    ['a year and month only', date(2023, 5, null)],
    ['a month and day without a year', date(null, 5, 4)],
    ['an impossible day (30 February)', date(2023, 2, 30)],
    ['29 February of a common year', date(2023, 2, 29)],
    ['month 13', date(2023, 13, 1)],
    ['day 0', date(2023, 1, 0)],
    ['day 32', date(2023, 1, 32)],
  ];

  const modes: [mode: UnknownDateMode, show: string | undefined, movie: string | undefined][] = [
    ['unknown', 'unknown', 'unknown'],
    ['release', 'released', 'unknown'],
    ['skip', undefined, undefined],
  ];

  describe.each(notFull)('%s', (_name, completedAt) => {
    test.each(modes)('TRAKT_UNKNOWN_DATE=%s → show %s, movie %s', (mode, show, movie) => {
      const entry = anilistEntry({ status: 'COMPLETED', completedAt });
      expect(watchedAtFor(entry, completed, withRules({ unknownDate: mode }), 'show')).toBe(show);
      expect(watchedAtFor(entry, completed, withRules({ unknownDate: mode }), 'movie')).toBe(movie);
    });
  });

  test.each(modes)('progress plays never use the completion date (TRAKT_UNKNOWN_DATE=%s)', (mode, show, movie) => {
    const entry = anilistEntry({ status: 'CURRENT', completedAt: date(2023, 12, 28) });
    expect(watchedAtFor(entry, progress, withRules({ unknownDate: mode }), 'show')).toBe(show);
    expect(watchedAtFor(entry, progress, withRules({ unknownDate: mode }), 'movie')).toBe(movie);
  });

  test('never "now": no answer is a time near the test run', () => {
    const answers = [NO_DATE, date(2023, null, null), date(2023, 2, 30)].flatMap((completedAt) =>
      (['unknown', 'release', 'skip'] as const).flatMap((unknownDate) =>
        (['show', 'movie'] as const).map((kind) =>
          watchedAtFor(anilistEntry({ completedAt }), completed, withRules({ unknownDate }), kind),
        ),
      ),
    );
    for (const answer of answers) expect([undefined, 'unknown', 'released']).toContain(answer);
  });
});

describe('ratingFor', () => {
  const cases: [score: number, rating: number | undefined][] = [
    [0, undefined],
    [-5, undefined],
    [Number.NaN, undefined],
    [1, 1],
    [4, 1],
    [5, 1],
    [14, 1],
    [15, 2],
    [45, 5],
    [50, 5],
    [84, 8],
    [85, 9],
    [94, 9],
    [95, 10],
    [99, 10],
    [100, 10],
  ];

  test.each(cases)('POINT_100 %p → Trakt %p (half up, never below 1, 0 = no rating)', (score, rating) => {
    expect(ratingFor(score)).toBe(rating);
  });

  test('every score 1–100 is an integer 1–10 (Trakt rejects anything else)', () => {
    for (let score = 1; score <= 100; score++) {
      const rating = ratingFor(score)!;
      expect(Number.isInteger(rating) && rating >= 1 && rating <= 10).toBe(true);
    }
  });
});

describe('isKnownStatus', () => {
  test.each([
    ['CURRENT', true],
    ['PLANNING', true],
    ['COMPLETED', true],
    ['DROPPED', true],
    ['PAUSED', true],
    ['REPEATING', true],
    ['REWATCHING', false],
    ['completed', false],
    ['', false],
  ])('%p → %p', (status, known) => {
    expect(isKnownStatus(status)).toBe(known);
  });
});
