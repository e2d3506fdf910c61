import { AniListMalformedResponseError } from '../../../shared/anilist/errors';
import { parseCollectionEnvelope, parseEntry, parsePageEnvelope, rawUpdatedAt } from '../../../shared/anilist/parse';

const full = {
  id: 11,
  mediaId: 5114,
  status: 'COMPLETED',
  score: 85,
  progress: 64,
  repeat: 1,
  private: false,
  notes: 'great',
  startedAt: { year: 2016, month: 3, day: 2 },
  completedAt: { year: 2016, month: 4, day: null },
  updatedAt: 1_700_000_000,
  media: {
    id: 5114,
    idMal: 5114,
    title: { romaji: 'Hagane', english: 'FMA:B', userPreferred: 'Preferred' },
    format: 'TV',
    episodes: 64,
  },
};

function ok(raw: unknown) {
  const parsed = parseEntry(raw, 'test');
  if (!parsed.ok) throw new Error(`expected ok, got ${parsed.issue.reason}`);
  return parsed.entry;
}

function issue(raw: unknown) {
  const parsed = parseEntry(raw, 'Page 1 mediaList[3]');
  if (parsed.ok) throw new Error('expected an issue');
  return parsed.issue;
}

describe('parseEntry normalisation', () => {
  it('maps a complete entry', () => {
    expect(ok(full)).toEqual({
      id: 11,
      mediaId: 5114,
      idMal: 5114,
      title: 'Preferred',
      status: 'COMPLETED',
      score: 85,
      progress: 64,
      repeat: 1,
      notes: 'great',
      private: false,
      startedAt: { year: 2016, month: 3, day: 2 },
      completedAt: { year: 2016, month: 4, day: null },
      updatedAt: 1_700_000_000,
      episodes: 64,
      format: 'TV',
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['absent', {}],
    ['null', { episodes: null, format: null }],
    ['zero episodes, empty format', { episodes: 0, format: '  ' }],
    ['negative or fractional episodes', { episodes: -1, format: 42 }],
    ['fractional episodes, format an object', { episodes: 12.5, format: { name: 'TV' } }],
    ['episodes as text', { episodes: '12', format: [] }],
  ])('media episodes and format %s: null, and the entry is kept', (_name, values) => {
    const { episodes: _e, format: _f, ...media } = full.media;
    expect(ok({ ...full, media: { ...media, ...values } })).toMatchObject({ id: 11, episodes: null, format: null });
  });

  it('keeps a format AniList adds tomorrow verbatim', () => {
    expect(ok({ ...full, media: { ...full.media, format: 'TV_SPECIAL' } }).format).toBe('TV_SPECIAL');
  });

  it('falls back userPreferred → romaji → english → "AniList #<mediaId>"', () => {
    const withTitle = (title: object | null) => ok({ ...full, media: { ...full.media, title } }).title;
    expect(withTitle({ userPreferred: null, romaji: 'Romaji', english: 'English' })).toBe('Romaji');
    expect(withTitle({ userPreferred: '  ', romaji: null, english: 'English' })).toBe('English');
    expect(withTitle({ userPreferred: null, romaji: null, english: null })).toBe('AniList #5114');
    expect(withTitle(null)).toBe('AniList #5114');
  });

  it('keeps an entry whose media is null (no MAL id, generic title)', () => {
    const entry = ok({ ...full, media: null });
    expect(entry.idMal).toBeNull();
    expect(entry.title).toBe('AniList #5114');
  });

  it('turns nulls into 0 / false / null dates', () => {
    const entry = ok({
      ...full,
      score: null,
      progress: null,
      repeat: null,
      private: null,
      notes: null,
      startedAt: null,
      completedAt: { year: null, month: null, day: null },
      updatedAt: null,
    });
    expect(entry).toMatchObject({ score: 0, progress: 0, repeat: 0, private: false, notes: null, updatedAt: 0 });
    expect(entry.startedAt).toEqual({ year: null, month: null, day: null });
    expect(entry.completedAt).toEqual({ year: null, month: null, day: null });
  });

  it('keeps an unknown status string verbatim for the planner to report', () => {
    expect(ok({ ...full, status: 'REWATCHING_LATER' }).status).toBe('REWATCHING_LATER');
  });

  it('treats idMal 0 as "no MAL id"', () => {
    expect(ok({ ...full, media: { ...full.media, idMal: 0 } }).idMal).toBeNull();
  });

  it('reports a malformed entry with its id, media id, location and the bad field', () => {
    expect(issue({ ...full, progress: 'lots' })).toEqual({
      entryId: 11,
      mediaId: 5114,
      location: 'Page 1 mediaList[3]',
      reason: expect.stringContaining('progress'),
    });
    expect(issue({ ...full, startedAt: 20160302 }).reason).toContain('startedAt');
    expect(issue({ ...full, status: null }).reason).toContain('status');
  });

  it('reports entries without a usable id by position', () => {
    expect(issue({ ...full, id: 'x' })).toMatchObject({
      entryId: null,
      mediaId: 5114,
      location: 'Page 1 mediaList[3]',
    });
    expect(issue(null)).toMatchObject({ entryId: null, reason: 'entry is null' });
    expect(issue([1, 2])).toMatchObject({ reason: 'entry is an array' });
  });

  it('reads updatedAt even from a broken entry (needed to stop paging)', () => {
    expect(rawUpdatedAt({ id: 'broken', updatedAt: 5 })).toBe(5);
    expect(rawUpdatedAt({ updatedAt: null })).toBe(0);
    expect(rawUpdatedAt({ updatedAt: 'soon' })).toBeUndefined();
    expect(rawUpdatedAt(null)).toBeUndefined();
  });
});

describe('envelopes', () => {
  it('reads a Page envelope', () => {
    expect(parsePageEnvelope({ Page: { pageInfo: { hasNextPage: true }, mediaList: [1, 2] } }, 200)).toEqual({
      hasNextPage: true,
      rawEntries: [1, 2],
    });
  });

  it('refuses a Page without hasNextPage: it cannot know where the list ends', () => {
    expect(() => parsePageEnvelope({ Page: { pageInfo: {}, mediaList: [] } }, 200)).toThrow(
      AniListMalformedResponseError,
    );
    expect(() => parsePageEnvelope({ Page: null }, 200)).toThrow(/data\.Page/);
    expect(() => parsePageEnvelope(undefined, 200)).toThrow(AniListMalformedResponseError);
  });

  it('reads a collection, dropping null groups and treating a null hasNextChunk as the end', () => {
    const parsed = parseCollectionEnvelope(
      {
        MediaListCollection: {
          hasNextChunk: null,
          lists: [null, { name: 'Favourites', isCustomList: true, status: null, entries: [{ id: 1 }] }],
        },
      },
      200,
    );
    expect(parsed).toEqual({
      hasNextChunk: false,
      lists: [{ name: 'Favourites', isCustomList: true, rawEntries: [{ id: 1 }] }],
    });
  });

  it('refuses a collection without lists', () => {
    expect(() => parseCollectionEnvelope({ MediaListCollection: { hasNextChunk: false } }, 200)).toThrow(
      /MediaListCollection\.lists/,
    );
  });
});
