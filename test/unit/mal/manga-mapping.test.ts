import { mapMangaEntry } from '../../../shared/destinations/mal/manga';
import type { MappingOptions } from '../../../shared/destinations/mal/mapping';
import type { SourceEntry } from '../../../shared/sync/source';
import { anilistEntry } from '../../support/entries';

const OPTIONS: MappingOptions = { mirrorPrivate: false, idOverrides: new Map() };
const manga = (o: Partial<SourceEntry>) =>
  anilistEntry({ kind: 'manga', idMal: 11, status: 'CURRENT', progressVolumes: 0, ...o });

describe('mapMangaEntry: numbers MAL cannot hold skip the entry with the reason', () => {
  test.each([
    ['score above 100', { score: 150 }, /score 150 is outside AniList's 0–100 range/],
    ['negative chapters', { progress: -3 }, /chapters -3 is not a count/],
    ['fractional volumes', { progressVolumes: 1.5 }, /volumes 1.5 is not a count/],
    ['negative reread count', { repeat: -1 }, /reread count -1 is not a count/],
    ['notes too long', { notes: 'x'.repeat(70_000) }, /notes are 70000 characters long/],
  ])('%s', (_name, overrides, detail) => {
    expect(mapMangaEntry(manga(overrides), OPTIONS)).toMatchObject({
      kind: 'skipped',
      reason: 'invalid_entry',
      detail,
    });
  });

  test('a valid entry maps', () => {
    expect(mapMangaEntry(manga({ progress: 3, progressVolumes: 1 }), OPTIONS)).toMatchObject({ kind: 'mapped' });
  });
});
