import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AniListFixtureError,
  AniListSandboxStore,
  buildAniListFixture,
  DEFAULT_SANDBOX_USER,
  defaultScoreConverter,
  generateAniListEntries,
  groupEntries,
  loadAniListFixture,
  SAMPLE_ANILIST_FIXTURE,
  SandboxInputError,
  scoreToPoint100,
} from '../../../local/sandbox/anilist';
import { ANILIST_STATUSES } from '../../../shared/anilist/types';
import { ManualClock } from '../../../shared/clock';

describe('bundled sample list', () => {
  const sample = loadAniListFixture(SAMPLE_ANILIST_FIXTURE);
  const byMal = (malId: number) => sample.entries.find((e) => e.media?.idMal === malId)!;

  it('serves a POINT_10_DECIMAL user with ~25 entries, merged across custom lists', () => {
    expect(sample.user).toMatchObject({
      name: 'MirrorSample',
      scoreFormat: 'POINT_10_DECIMAL',
      customLists: ['Favourites'],
    });
    expect(sample.entries.length).toBeGreaterThanOrEqual(25);
    expect(new Set(sample.entries.map((e) => e.id)).size).toBe(sample.entries.length);
  });

  it('covers every status and the scoring edges, converted to POINT_100', () => {
    expect(new Set(sample.entries.map((e) => e.status))).toEqual(new Set(ANILIST_STATUSES));
    expect(byMal(5114).score).toBe(100);
    expect(byMal(21).score).toBe(85);
    expect(byMal(1535).score).toBe(84);
    expect(byMal(30).score).toBe(5);
    expect(byMal(11061).score).toBe(0);
  });

  it('has full, partial and cleared dates, notes, a private entry and two without a MAL id', () => {
    expect(byMal(5114).startedAt).toEqual({ year: 2016, month: 3, day: 2 });
    expect(byMal(21).startedAt).toEqual({ year: 2015, month: null, day: null });
    expect(byMal(1535).completedAt).toEqual({ year: 2012, month: 8, day: null });
    expect(byMal(32281).completedAt).toEqual({ year: null, month: null, day: null });
    expect(sample.entries.filter((e) => e.private).map((e) => e.media?.idMal)).toEqual([44511]);
    // The fictional one, and a real one whose MAL id only the id dataset knows.
    expect(sample.entries.filter((e) => e.media?.idMal === null).map((e) => e.mediaId)).toEqual([900001, 99147]);
    expect(sample.entries.some((e) => e.notes !== null)).toBe(true);
  });

  it('knows which entries sit in the custom list and which only there', () => {
    expect(byMal(9253)).toMatchObject({ customLists: ['Favourites'], hiddenFromStatusLists: false });
    expect(byMal(34599)).toMatchObject({ customLists: ['Favourites'], hiddenFromStatusLists: true });
  });

  it('round-trips through buildAniListFixture', () => {
    const again = loadAniListFixture(buildAniListFixture(sample.user, sample.entries));
    expect(again.user).toEqual(sample.user);
    expect(again.entries).toEqual(sample.entries);
  });
});

describe('loadAniListFixture errors', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'anilist-fixture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const valid = () =>
    JSON.parse(JSON.stringify(buildAniListFixture(DEFAULT_SANDBOX_USER, generateAniListEntries(3, 9)))) as {
      data: { MediaListCollection: { lists: { entries: Record<string, unknown>[] }[]; user: Record<string, unknown> } };
    };

  it('names the file for unreadable or non-JSON files', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"data": ');
    expect(() => loadAniListFixture(file)).toThrow(AniListFixtureError);
    expect(() => loadAniListFixture(file)).toThrow(/broken\.json[\s\S]*not valid JSON/);
    expect(() => loadAniListFixture(path.join(dir, 'missing.json'))).toThrow(/cannot read the file/);
  });

  it('names the JSON path and the entry id of a bad entry', () => {
    const body = valid();
    const entry = body.data.MediaListCollection.lists[0]!.entries[0]!;
    delete (entry.media as Record<string, unknown>).idMal;
    let error: unknown;
    try {
      loadAniListFixture(body);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AniListFixtureError);
    expect((error as AniListFixtureError).issues).toEqual([
      expect.stringMatching(
        new RegExp(
          `^data\\.MediaListCollection\\.lists\\[0\\]\\.entries\\[0\\]\\.media\\.idMal \\(entry id ${entry.id}\\)`,
        ),
      ),
    ]);
  });

  it('rejects scores outside the user format and a missing scoreFormat', () => {
    const body = valid();
    body.data.MediaListCollection.lists[0]!.entries[0]!.score = 101;
    expect(() => loadAniListFixture(body)).toThrow(
      /\.score \(entry id \d+\): 101 is above 100, the maximum for POINT_100/,
    );
    const noFormat = valid();
    noFormat.data.MediaListCollection.user.mediaListOptions = {};
    expect(() => loadAniListFixture(noFormat)).toThrow(/scoreFormat: is missing; it must be one of POINT_100/);
  });

  it('rejects a user name AniList could not have at its JSON path, not as an ANILIST_USERNAME the user never set', () => {
    const body = valid();
    body.data.MediaListCollection.user.name = 'Jane Doe';
    expect(() => loadAniListFixture(body)).toThrow(
      /data\.MediaListCollection\.user\.name[\s\S]*the user name contains " "[\s\S]*sandbox serves it as an AniList user/,
    );
    expect(() => loadAniListFixture(body)).not.toThrow(/ANILIST_USERNAME/);
  });

  it('explains when given the inner MediaListCollection object', () => {
    expect(() => loadAniListFixture(valid().data.MediaListCollection)).toThrow(/full GraphQL response body/);
  });

  it('defaults missing timestamps and optional fields', () => {
    const body = valid();
    const entry = body.data.MediaListCollection.lists[0]!.entries[0]!;
    for (const key of ['updatedAt', 'createdAt', 'notes', 'private', 'startedAt', 'repeat']) delete entry[key];
    const loaded = loadAniListFixture(body, { defaultTimestamp: 1234 }).entries.find((e) => e.id === entry.id)!;
    expect(loaded).toMatchObject({ updatedAt: 1234, createdAt: 1234, notes: null, private: false, repeat: 0 });
    expect(loaded.startedAt).toEqual({ year: null, month: null, day: null });
  });
});

describe('scores', () => {
  it('converts POINT_100 to every format and back', () => {
    const cases: [number, Record<string, number>][] = [
      [85, { POINT_100: 85, POINT_10_DECIMAL: 8.5, POINT_10: 9, POINT_5: 4, POINT_3: 3 }],
      [84, { POINT_100: 84, POINT_10_DECIMAL: 8.4, POINT_10: 8, POINT_5: 4, POINT_3: 3 }],
      [5, { POINT_100: 5, POINT_10_DECIMAL: 0.5, POINT_10: 1, POINT_5: 1, POINT_3: 1 }],
      [0, { POINT_100: 0, POINT_10_DECIMAL: 0, POINT_10: 0, POINT_5: 0, POINT_3: 0 }],
      [100, { POINT_100: 100, POINT_10_DECIMAL: 10, POINT_10: 10, POINT_5: 5, POINT_3: 3 }],
    ];
    for (const [point100, expected] of cases) {
      for (const [format, value] of Object.entries(expected)) {
        expect([point100, format, defaultScoreConverter(point100, format as never)]).toEqual([point100, format, value]);
      }
    }
    expect(scoreToPoint100(8.5, 'POINT_10_DECIMAL')).toBe(85);
    expect(scoreToPoint100(4, 'POINT_5')).toBe(80);
    expect(scoreToPoint100(2, 'POINT_3')).toBe(60);
  });
});

describe('generateAniListEntries', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(generateAniListEntries(50, 7)).toEqual(generateAniListEntries(50, 7));
    expect(generateAniListEntries(50, 8)).not.toEqual(generateAniListEntries(50, 7));
  });

  it('has unique ids and MAL ids and a realistic mix at 5000 entries', () => {
    const entries = generateAniListEntries(5000, 1);
    expect(entries).toHaveLength(5000);
    expect(new Set(entries.map((e) => e.id)).size).toBe(5000);
    expect(new Set(entries.map((e) => e.mediaId)).size).toBe(5000);
    const malIds = entries.flatMap((e) => (e.media?.idMal == null ? [] : [e.media.idMal]));
    expect(new Set(malIds).size).toBe(malIds.length);
    expect(malIds.length).toBeLessThan(5000);
    expect(new Set(entries.map((e) => e.status))).toEqual(new Set(ANILIST_STATUSES));
    for (const score of [0, 5, 84, 85, 100]) expect(entries.some((e) => e.score === score)).toBe(true);
    expect(entries.some((e) => e.private)).toBe(true);
    expect(entries.some((e) => e.repeat > 0)).toBe(true);
    expect(entries.some((e) => e.customLists.length > 0 && !e.hiddenFromStatusLists)).toBe(true);
    expect(entries.some((e) => e.hiddenFromStatusLists)).toBe(true);
    expect(entries.some((e) => e.startedAt.year !== null && e.startedAt.day === null)).toBe(true);
    expect(entries.every((e) => e.createdAt <= e.updatedAt)).toBe(true);
  });
});

describe('AniListSandboxStore', () => {
  const setup = () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new AniListSandboxStore(clock, DEFAULT_SANDBOX_USER, generateAniListEntries(5, 3));
    return { clock, store };
  };

  it('bumps updatedAt on any edit, notes and dates included', () => {
    const { clock, store } = setup();
    const [first] = store.entries();
    clock.advance(5000);
    const edited = store.upsertEntry({ id: first!.id, notes: 'new note' });
    expect(edited.updatedAt).toBe(Math.floor(clock.now() / 1000));
    expect(edited.notes).toBe('new note');
    clock.advance(5000);
    expect(store.upsertEntry({ id: first!.id, startedAt: { year: 2020 } }).startedAt).toEqual({
      year: 2020,
      month: null,
      day: null,
    });
    expect(store.getEntry(first!.id)!.updatedAt).toBe(Math.floor(clock.now() / 1000));
  });

  it('finds an entry by mediaId and re-adds a deleted media with its known title', () => {
    const { store } = setup();
    const [first] = store.entries();
    expect(store.deleteEntry(first!.id)).toBe(true);
    const readded = store.upsertEntry({ mediaId: first!.mediaId, status: 'CURRENT' });
    expect(readded.id).not.toBe(first!.id);
    expect(readded.media).toEqual(first!.media);
    expect(store.upsertEntry({ mediaId: first!.mediaId, progress: 3 }).id).toBe(readded.id);
  });

  it('rejects invalid edits with a clear error', () => {
    const { store } = setup();
    const [first, second] = store.entries();
    expect(() => store.upsertEntry({ id: first!.id, score: 101 })).toThrow(SandboxInputError);
    expect(() => store.upsertEntry({ id: first!.id, status: 'WATCHING' as never })).toThrow(/status must be one of/);
    expect(() => store.upsertEntry({ id: first!.id, mediaId: second!.mediaId })).toThrow(/already on the list/);
    expect(() => store.upsertEntry({ notes: 'x' })).toThrow(/needs a mediaId/);
  });

  it('groups split completed lists unless forced into one', () => {
    const { store } = setup();
    const user = { ...DEFAULT_SANDBOX_USER, splitCompletedSectionByFormat: true };
    const entries = generateAniListEntries(300, 2);
    const split = groupEntries(user, entries, { forceSingleCompletedList: false });
    expect(split.filter((g) => g.isSplitCompletedList).length).toBeGreaterThan(1);
    const single = groupEntries(user, entries, { forceSingleCompletedList: true });
    expect(single.filter((g) => g.status === 'COMPLETED').map((g) => g.name)).toEqual(['Completed']);
    expect(store.entries()).toHaveLength(5);
  });
});
