import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REVIEW_KEY } from '../../../shared/destinations/trakt/destination';
import {
  authorizeAll,
  episodeKeyOf,
  holdingsOf,
  SAMPLE_TRAKT_PLAYS,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktRatings,
  traktSection,
} from '../../support/trakt';

const STEINS_GATE = 42285;
const MADE_IN_ABYSS = 117856;
const MOB_PSYCHO = 105481;

/**
 * A small anibridge v3 file (both directions of each edge, as the release writes them) with two
 * wrong mappings: Steins;Gate's 24 episodes onto TMDB season 1 episodes 3–26 (Trakt's season 1 has
 * 24), and Made in Abyss onto a season 3 Trakt does not have. Two right ones for contrast.
 */
function wrongMappings(): Record<string, unknown> {
  return {
    $meta: { schema_version: '3.0.3', generated_on: '2026-12-01T00:00:00Z' },
    'anilist:9253': { 'mal:9253': { '1-24': '1-24' }, 'tmdb_show:42509:s1': { '1-24': '3-26' } },
    'tmdb_show:42509:s1': { 'anilist:9253': { '3-26': '1-24' } },
    'anilist:97986': { 'mal:34599': { '1-13': '1-13' }, 'tmdb_show:72636:s3': { '1-13': '1-13' } },
    'tmdb_show:72636:s3': { 'anilist:97986': { '1-13': '1-13' } },
    'anilist:21507': { 'mal:32182': { '1-12': '1-12' }, 'tmdb_show:67075:s1': { '1-12': '1-12' } },
    'tmdb_show:67075:s1': { 'anilist:21507': { '1-12': '1-12' } },
    'anilist:20954': { 'mal:28851': { '1': '1' }, 'tmdb_movie:378064': { '1': '1' } },
    'tmdb_movie:378064': { 'anilist:20954': { '1': '1' } },
  };
}

describe('a mapping dataset that disagrees with Trakt’s seasons', () => {
  let system: TraktTestSystem;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trakt-system-ids-'));
  });
  afterEach(async () => {
    await system.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an entry mapped to episodes Trakt does not have is skipped, naming them; nothing is written for it; the rest syncs', async () => {
    const fixture = path.join(dir, 'mappings.min.json');
    writeFileSync(fixture, JSON.stringify(wrongMappings()));
    system = await startTraktSystem({ local: { SANDBOX_ANIME_IDS_FIXTURE: fixture } });
    const report = await authorizeAll(system);
    const trakt = traktSection(report);
    expect(trakt).toMatchObject({ status: 'ok', failures: [] });

    const skip = (mediaId: number) => trakt.skipped.find((s) => s.mediaId === mediaId);
    expect(skip(9253)).toMatchObject({ title: 'Steins;Gate', reason: 'not_on_trakt' });
    expect(skip(9253)!.detail).toBe('Trakt\'s "Steins;Gate" has no S1E25–26 (it has S0E1–2, S1E1–24)');
    expect(skip(97986)).toMatchObject({ title: 'Made in Abyss', reason: 'not_on_trakt' });
    expect(skip(97986)!.detail).toMatch(/has no S3E1–13 \(it has S1E1–13, S2E1–12\)/);

    // Nothing for either: no play of any of their shows' episodes, no rating, no write in the report.
    const held = traktHoldings(system);
    expect(Object.keys(held).filter((k) => k.startsWith(`show:${STEINS_GATE}:`))).toEqual([]);
    expect(Object.keys(held).filter((k) => k.startsWith(`show:${MADE_IN_ABYSS}:`))).toEqual([]);
    const ratings = traktRatings(system);
    expect(ratings[`show:${STEINS_GATE}`]).toBeUndefined();
    expect(ratings[`show:${MADE_IN_ABYSS}`]).toBeUndefined();
    expect(trakt.writes.filter((w) => /^(plays:|rating:.*:)(9253|97986|42285|117856)\b/.test(w.key))).toEqual([]);

    // The rest syncs: the right mappings in full, and every play on Trakt is one the list requires.
    for (let e = 1; e <= 12; e++) expect(held[episodeKeyOf(MOB_PSYCHO, 1, e)]).toEqual(['2016-09-27T12:00:00.000Z']);
    expect(held['movie:225063']).toEqual(['2018-05-20T12:00:00.000Z']);
    expect(ratings).toMatchObject({ [`show:${MOB_PSYCHO}`]: 9, 'movie:225063': 9 });
    const oracle = holdingsOf(SAMPLE_TRAKT_PLAYS);
    for (const [key, plays] of Object.entries(held)) expect([key, plays]).toEqual([key, oracle[key]]);

    // The review says the same to the person auditing it.
    const review = JSON.parse((await system.store.get(REVIEW_KEY))!.body) as { entries: Record<string, string> };
    expect(review.entries['9253']).toBe(
      'Steins;Gate (AniList 9253) → skipped: Trakt\'s "Steins;Gate" has no S1E25–26 (it has S0E1–2, S1E1–24)',
    );
  });
});
