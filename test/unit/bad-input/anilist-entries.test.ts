import { parseEntry } from '../../../shared/anilist/parse';
import { mapEntry, type SkipReason } from '../../../shared/destinations/mal/mapping';
import { formatReport } from '../../../shared/sync/report';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { differingMalIds } from '../../support/faults';
import { authorize, startTestSystem, type TestSystem } from '../../support/local-system';
import { resultOf, sectionOf, skippedOf } from '../../support/reports';

/** One well-formed `MediaList` object as AniList's GraphQL API returns it. */
const RAW = {
  id: 77,
  mediaId: 5114,
  status: 'COMPLETED',
  score: 85,
  progress: 64,
  repeat: 0,
  private: false,
  notes: 'fine',
  startedAt: { year: 2016, month: 3, day: 2 },
  completedAt: { year: 2016, month: 4, day: 20 },
  updatedAt: 1_700_000_000,
  media: { id: 5114, idMal: 5114, title: { romaji: 'Hagane', english: null, userPreferred: 'Hagane' } },
};

type Outcome = { skip: SkipReason; detail: RegExp } | 'mapped';

/**
 * Bad AniList input, each with the outcome the documented rules give: a malformed entry is an
 * `invalid_entry` skip naming the bad field (parse), a well-formed but impossible one is an
 * `invalid_entry` skip saying what is wrong (mapping), unknown enums and missing MAL ids have
 * their own reasons. None of them throws, and none of them stops the rest of the list.
 */
const CASES: [string, Record<string, unknown>, Outcome][] = [
  // malformed JSON values (parse)
  ['progress is text', { progress: 'lots' }, { skip: 'invalid_entry', detail: /^progress: / }],
  ['progress is fractional', { progress: 1.5 }, { skip: 'invalid_entry', detail: /^progress: / }],
  ['score is a string', { score: '85' }, { skip: 'invalid_entry', detail: /^score: / }],
  ['repeat is fractional', { repeat: 1.5 }, { skip: 'invalid_entry', detail: /^repeat: / }],
  ['notes is a number', { notes: 42 }, { skip: 'invalid_entry', detail: /^notes: / }],
  ['private is "no"', { private: 'no' }, { skip: 'invalid_entry', detail: /^private: / }],
  ['status is null', { status: null }, { skip: 'invalid_entry', detail: /^status: / }],
  ['status is empty', { status: '' }, { skip: 'invalid_entry', detail: /status is empty/ }],
  ['updatedAt is text', { updatedAt: 'yesterday' }, { skip: 'invalid_entry', detail: /^updatedAt: / }],
  [
    'a date part is text',
    { startedAt: { year: '2016', month: 3, day: 2 } },
    { skip: 'invalid_entry', detail: /^startedAt\.year: / },
  ],
  [
    'media.idMal is text',
    { media: { id: 1, idMal: 'x', title: null } },
    { skip: 'invalid_entry', detail: /^media\.idMal: / },
  ],
  ['media is a string', { media: 'Hagane' }, { skip: 'invalid_entry', detail: /^media: / }],
  // unknown enum values
  ['an unknown status', { status: 'REWATCHING_SOON' }, { skip: 'unknown_status', detail: /"REWATCHING_SOON"/ }],
  ['a lower-case status', { status: 'current' }, { skip: 'unknown_status', detail: /"current"/ }],
  // null media / no MAL id
  ['media is null', { media: null }, { skip: 'no_mal_id', detail: /no MyAnimeList id/ }],
  ['idMal is null', { media: { id: 1, idMal: null, title: null } }, { skip: 'no_mal_id', detail: /no MyAnimeList id/ }],
  [
    'idMal is negative',
    { media: { id: 1, idMal: -5, title: null } },
    { skip: 'no_mal_id', detail: /no MyAnimeList id/ },
  ],
  // well-formed but out of range (mapping)
  ['score above 100', { score: 150 }, { skip: 'invalid_entry', detail: /score 150 is outside AniList's 0–100 range/ }],
  ['score below 0', { score: -1 }, { skip: 'invalid_entry', detail: /score -1 is outside/ }],
  ['negative progress', { progress: -3 }, { skip: 'invalid_entry', detail: /progress -3 is not a count/ }],
  ['negative rewatch count', { repeat: -1 }, { skip: 'invalid_entry', detail: /rewatch count -1 is not a count/ }],
  [
    'absurdly long notes',
    { notes: 'x'.repeat(20_001) },
    { skip: 'invalid_entry', detail: /notes are 20001 characters long \(limit 20000\)/ },
  ],
  [
    'a date that does not exist',
    { startedAt: { year: 2023, month: 2, day: 30 } },
    { skip: 'invalid_entry', detail: /start date 2023-02-30 does not exist/ },
  ],
  [
    'month 13',
    { completedAt: { year: 2023, month: 13, day: 1 } },
    { skip: 'invalid_entry', detail: /completion date 2023-13-01 does not exist/ },
  ],
  // tolerated: AniList legitimately leaves these empty
  [
    'null numbers, notes and dates',
    { score: null, progress: null, repeat: null, notes: null, startedAt: null },
    'mapped',
  ],
  ['notes at exactly the limit', { notes: 'x'.repeat(20_000) }, 'mapped'],
  ['media.episodes is text (read as unknown)', { media: { ...RAW.media, episodes: 'twelve' } }, 'mapped'],
  ['media.format is a number (read as unknown)', { media: { ...RAW.media, format: 7 } }, 'mapped'],
  ['HTML in notes (copied verbatim as text)', { notes: '<script>alert(1)</script>' }, 'mapped'],
];

describe('bad AniList entries, parse → plan (pure)', () => {
  test.each(CASES)('%s', (_name, override, expected) => {
    const parsed = parseEntry({ ...RAW, ...override }, 'chunk 1 lists[0] "Completed" entries[0]');
    const outcome = parsed.ok ? mapEntry(parsed.entry, { mirrorPrivate: false, idOverrides: new Map() }) : undefined;
    if (expected === 'mapped') {
      expect(outcome).toMatchObject({ kind: 'mapped', malId: 5114 });
      return;
    }
    const got = parsed.ok
      ? outcome?.kind === 'skipped'
        ? { skip: outcome.reason, detail: outcome.detail }
        : { skip: 'mapped', detail: '' }
      : { skip: 'invalid_entry', detail: parsed.issue.reason };
    expect(got).toEqual({ skip: expected.skip, detail: expect.stringMatching(expected.detail) });
    // A malformed entry is still identified, so the report can say which one it is.
    if (!parsed.ok) expect(parsed.issue).toMatchObject({ entryId: 77, mediaId: 5114 });
  });

  test.each([
    ['null', null],
    ['a string', 'entry'],
    ['an array', [RAW]],
    ['an entry without a usable id', { ...RAW, id: -1 }],
  ])('%s is reported by position, never thrown', (_name, raw) => {
    const parsed = parseEntry(raw, 'Page 2 mediaList[7]');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issue).toMatchObject({ entryId: null, location: 'Page 2 mediaList[7]' });
  });
});

/**
 * The same kinds of bad input, served by the AniList sandbox (`corruptEntry` rewrites the JSON of
 * its responses) to a real full run: the run report lists each bad entry with a specific reason,
 * the rest of the list syncs, and once AniList serves the entries properly again they sync too.
 */
describe('bad AniList entries in a real run: reported skips, the rest syncs, nothing lost', () => {
  let system: TestSystem;
  afterAll(async () => {
    await system?.close();
  });

  // [sample entry id, its MAL id, raw JSON fields AniList sends instead, reason, detail]
  const CORRUPTED: [number, number, Record<string, unknown>, SkipReason, RegExp][] = [
    [4003, 21, { score: 150 }, 'invalid_entry', /score 150 is outside/],
    [4004, 1, { progress: -3 }, 'invalid_entry', /progress -3 is not a count/],
    [4005, 1535, { notes: 'x'.repeat(25_000) }, 'invalid_entry', /notes are 25000 characters long/],
    [4006, 16498, { status: 'REWATCHING_SOON' }, 'unknown_status', /unknown AniList status "REWATCHING_SOON"/],
    [4008, 1575, { progress: 'lots' }, 'invalid_entry', /^progress: /],
    [4009, 30, { score: -1 }, 'invalid_entry', /score -1 is outside/],
    [4010, 32281, { repeat: 1.5 }, 'invalid_entry', /^repeat: /],
    [4011, 199, { startedAt: { year: 2023, month: 2, day: 30 } }, 'invalid_entry', /2023-02-30 does not exist/],
    [4012, 32182, { status: null }, 'invalid_entry', /^status: /],
    [4018, 37521, { media: { id: 37521, idMal: 'x', title: null } }, 'invalid_entry', /^media\.idMal: /],
    [4020, 33352, { private: 'no' }, 'invalid_entry', /^private: /],
  ];

  test('the first full run reports every bad entry and mirrors the rest; fixed entries sync next run', async () => {
    system = await startTestSystem();
    for (const [id, , fields] of CORRUPTED) system.anilist!.faults.corruptEntry(id, fields);
    // No media object, so no MAL id from AniList: the anime id dataset knows the media's MAL id.
    system.anilist!.faults.corruptEntry(4007, { media: null });
    const report = await authorize(system);

    expect(report).toMatchObject({ status: 'ok', source: { mode: 'full' } });
    expect(sectionOf(report)).toMatchObject({ mode: 'full', status: 'ok' });
    for (const [id, malId, , reason, detail] of CORRUPTED) {
      expect(skippedOf(report)).toContainEqual(
        expect.objectContaining({ anilistEntryId: id, reason, detail: expect.stringMatching(detail) }),
      );
      expect(system.mal!.state.getEntry(malId)).toBeUndefined();
    }
    expect(skippedOf(report)).toContainEqual(
      expect.objectContaining({
        anilistEntryId: 4027,
        reason: 'no_mal_id',
        detail: expect.stringMatching(/no MyAnimeList id/),
      }),
    );
    expect(skippedOf(report).map((s) => s.anilistEntryId)).not.toContain(4007);
    expect(system.mal!.state.getEntry(11061)).toBeDefined();
    // The rest of the list is exactly what the rules require (the oracle reads AniList as served).
    expect(await differingMalIds(system)).toEqual([]);
    expect(await expectMalMirrorsAniList(system)).toBe(sectionOf(report).applied.written);
    expect(sectionOf(report).applied.written).toBeGreaterThanOrEqual(12);
    // The console report says it in plain words.
    const text = formatReport(report, { maxLines: 50 });
    expect(text).toMatch(/skipped: .*\d+ invalid data/);
    expect(text).toContain('unknown AniList status "REWATCHING_SOON"');

    // AniList serves the entries properly again (any edit bumps updatedAt): nothing was lost.
    system.anilist!.faults.clear();
    for (const [id] of CORRUPTED) system.anilist!.store.upsertEntry({ id });
    const next = await system.runSync();
    expect(next).toMatchObject({ status: 'ok', source: { mode: 'incremental' } });
    expect(resultOf(next)).toMatchObject({ mode: 'incremental', status: 'ok', written: CORRUPTED.length });
    for (const [, malId] of CORRUPTED) expect(system.mal!.state.getEntry(malId)).toBeDefined();
    expect(await differingMalIds(system)).toEqual([]);
    await expectMalMirrorsAniList(system);
  });
});
