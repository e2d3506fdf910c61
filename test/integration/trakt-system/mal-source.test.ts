import { createAwsPlatform } from '../../../lambdas/runtime';
import { buildSyncWorkerDeps, makeSyncHandler } from '../../../lambdas/sync-worker/handler';
import { banner } from '../../../local/console';
import type { SandboxEntry } from '../../../local/sandbox/anilist';
import { SANDBOX_MAL_CLIENT_ID } from '../../../local/system';
import { loadWorkerConfig } from '../../../shared/destinations';
import { toSourceEntry } from '../../../shared/destinations/mal/source';
import { REVIEW_KEY } from '../../../shared/destinations/trakt/destination';
import { RequestCounters } from '../../../shared/http/counters';
import { silentLogger } from '../../../shared/log';
import type { RunReport } from '../../../shared/sync/report';
import { expectMalMirrorsAniList } from '../../support/expectations';
import { resultOf, sectionOf } from '../../support/reports';
import {
  approveDestination,
  authorizeAll,
  holdingsAfterJjkCompleted,
  holdingsOf,
  SAMPLE_TRAKT_PLAYS,
  sampleEntry,
  startTraktSystem,
  type TraktTestSystem,
  traktHoldings,
  traktRatings,
  traktSection,
} from '../../support/trakt';

const MINUTE = 60_000;

describe('SOURCE=mal in sandbox mode, as a user runs it (`npm start`, `npm run demo`, `npm run sync`)', () => {
  let system: TraktTestSystem;
  afterEach(async () => {
    await system?.close();
  });

  test('the sandbox MAL list mirrors to Trakt with the plays from AniList; steady state and an edit on MAL', async () => {
    system = await startTraktSystem({ destinations: 'trakt', env: { SOURCE: 'mal' } });
    expect(system.env).toMatchObject({ SOURCE: 'mal', DESTINATIONS: 'trakt' });
    expect(system.config.destinations.map((d) => d.module.key)).toEqual(['trakt']);
    // MyAnimeList is started as the source, and is in the email beside Trakt.
    expect(system.mal).toBeDefined();
    expect(system.authTargets.map((t) => t.destination)).toEqual(['trakt', 'mal']);

    // The user's MAL list: every mappable AniList entry, as the AniList → MAL mirror writes it…
    expect(await expectMalMirrorsAniList(system)).toBe(system.mal!.state.list().length);
    // …each edited when its AniList entry was, so nothing looks newer than it is.
    for (const [mediaId, malId] of [
      [154587, 52991], // Frieren
      [99147, 35760], // SnK Season 3
    ] as const) {
      const updated = system.mal!.state.getEntry(malId)?.listStatus.updated_at ?? '';
      expect(Date.parse(updated)).toBe(sampleEntry(system, mediaId).updatedAt * 1000);
    }
    // SnK Season 3 has no idMal on AniList: its MAL id comes from the id dataset, as the mirror's did.
    expect(system.mal!.state.getEntry(35760)?.listStatus).toMatchObject({
      status: 'completed',
      finish_date: '2018-10-15',
    });
    // The only AniList entries it lacks add no plays: a private PLANNING entry (the mirror leaves
    // private entries out) and a CURRENT one MAL has no id for.
    const malIds = new Set(system.mal!.state.list().map((e) => e.animeId));
    const anilist = system.anilist!.store.entries();
    const missing = anilist.filter((e) => !malIds.has(malIdOf(e) ?? -1)).map((e) => [e.mediaId, e.status, e.private]);
    expect(missing).toEqual([
      [127230, 'PLANNING', true],
      [900001, 'CURRENT', false],
    ]);
    // What the MAL source reads of each anime (MAL's media_type and num_episodes, through the API,
    // converted by the worker's own code) is what AniList says: movies are movies, and a completed
    // entry's plays are placed over the same episode count.
    const read = (await readMalSourceList(system)).map((e) => [e.mediaId, e.format, e.episodes]);
    const fromAniList = anilist
      .filter((e) => malIds.has(malIdOf(e) ?? -1))
      .map((e) => [malIdOf(e), e.media!.format, e.media!.episodes]);
    expect(read.sort(byFirst)).toEqual(fromAniList.sort(byFirst));
    expect(read).toContainEqual([199, 'MOVIE', 1]);

    // The console says where the list comes from.
    const text = banner(system, {
      intervalMinutes: 15,
      mode: 'SANDBOX=true',
      sandboxSetting: 'true',
      auth: await system.authorization(),
    });
    expect(text).toContain(' MyAnimeList → Trakt mirror · local runtime');
    expect(text.replace(/\s+/g, ' ')).toContain(
      'local sandbox MyAnimeList and Trakt services stand in for the real ones, and nothing leaves this machine. ' +
        'SOURCE=mal: the list is read from the sandbox MyAnimeList and mirrored to the sandbox Trakt.',
    );
    expect(text).toMatch(
      /MyAnimeList \(sandbox\) +http\S+ +user "sandbox_user", 29 entries, seeded from the sandbox AniList list\n/,
    );
    expect(text).not.toContain('AniList (sandbox)');

    // Authorized from the email, Trakt then MyAnimeList, as a user would; the second approval's
    // sync is the first full one.
    const first = await authorizeAll(system);
    expect(first).toMatchObject({ status: 'ok', source: { kind: 'mal', mode: 'full' } });
    expect(traktSection(first)).toMatchObject({ status: 'ok', failures: [], skipped: [] });
    // Every play the sample AniList list gives Trakt, no more and no fewer: movies as movies, and
    // each completed entry's plays over MAL's episode count.
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
    expect(traktRatings(system)).toMatchObject({ 'show:198225': 9, 'season:1420:1': 8, 'movie:97': 10 });

    // Steady state: one MAL request (the newest changes, none), nothing to Trakt.
    system.clock.advance(15 * MINUTE);
    system.mal!.resetCounters();
    system.trakt!.resetCounters();
    const quiet = await system.runSync();
    expect(resultOf(quiet, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok', written: 0 });
    expect(system.mal!.counters.requests).toBe(1);
    expect(system.trakt!.counters.requests).toBe(0);

    // The user finishes Jujutsu Kaisen on MAL (20 of 24 watched until now).
    expect(sampleEntry(system, 113415).status).toBe('CURRENT');
    system.clock.advance(MINUTE);
    editMalEntry(system, 40748, { status: 'completed', num_episodes_watched: 24, finish_date: '2026-03-01' });
    system.clock.advance(15 * MINUTE);
    system.mal!.resetCounters();
    system.trakt!.resetCounters();
    const result = await system.runSync();
    expect(resultOf(result, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok', written: 1 });
    expect(system.reports.at(-1)).toMatchObject({ status: 'ok', source: { kind: 'mal', mode: 'incremental' } });
    expect(system.mal!.counters.requests).toBe(1);
    expect(traktHoldings(system)).toEqual(holdingsAfterJjkCompleted());
  });

  test('`npm run sync`: the sandbox authorizes MyAnimeList (the source) and Trakt itself, and the run mirrors', async () => {
    system = await startTraktSystem({ destinations: 'trakt', env: { SOURCE: 'mal' } });
    await system.authorizeSandboxes();
    expect(await system.authorization()).toMatchObject({ mal: { needed: false }, trakt: { needed: false } });
    await system.runSync({ full: true });
    expect(system.reports.at(-1)).toMatchObject({ status: 'ok', source: { kind: 'mal', mode: 'full' } });
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));
  });
});

/** The MAL id of a sample AniList entry: AniList's, or the id dataset's (SnK Season 3 has none on AniList). */
function malIdOf(entry: SandboxEntry): number | undefined {
  return entry.media?.idMal ?? (entry.mediaId === 99147 ? 35760 : undefined);
}

const byFirst = (a: readonly unknown[], b: readonly unknown[]) => Number(a[0]) - Number(b[0]);

/** The sandbox MAL list read over its API with the fields the MAL source asks for, as the source converts it. */
async function readMalSourceList(system: TraktTestSystem) {
  const { accessToken } = system.mal!.state.issueTokensDirectly();
  const response = await fetch(
    `${system.urls.malApi}/users/@me/animelist?fields=list_status,num_episodes,media_type&limit=1000`,
    { headers: { Authorization: `Bearer ${accessToken}`, 'X-MAL-CLIENT-ID': SANDBOX_MAL_CLIENT_ID } },
  );
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: unknown[] };
  return body.data.map((item, index) => toSourceEntry(item, index));
}

/**
 * An edit made on MyAnimeList's website: the entry's list status changes and MAL stamps
 * `updated_at` with its clock (here the sandbox's, through its state API).
 */
function editMalEntry(system: TraktTestSystem, animeId: number, changes: Record<string, unknown>): void {
  const list = system.mal!.state.listResponse();
  const item = list.data.find((d) => d.node.id === animeId);
  if (!item) throw new Error(`MAL anime ${animeId} is not on the list`);
  const { updated_at: _stamp, ...status } = item.list_status;
  item.list_status = { ...status, ...changes };
  system.mal!.state.setList(list);
}

/**
 * SOURCE=mal for a Trakt-only user, run twice over.
 *
 * First as a user runs it: the local system in sandbox mode with SOURCE=mal, DESTINATIONS=trakt,
 * whose MAL sandbox holds the sample AniList list as the MAL mirror would have written it (seeded
 * by the local runtime, local/system/mal-seed.ts), authorized from the email like any provider.
 *
 * Then as `buildSyncWorkerDeps` wires it in AWS, aimed at a local system's MAL and Trakt sandboxes,
 * with the MAL list written by the real AniList → MAL mirror (the user's earlier setup) rather than
 * seeded: the two MAL lists must give Trakt the same plays.
 *
 * Either way the plays Trakt must get are the same as from AniList: the hand-written oracle.
 */
describe('SOURCE=mal, DESTINATIONS=trakt (the AWS worker wiring, aimed at the sandboxes)', () => {
  let system: TraktTestSystem;
  afterEach(async () => {
    await system.close();
  });

  test('a MAL list mirrors to Trakt with the same plays and ratings as the AniList list it came from', async () => {
    system = await startTraktSystem({ destinations: 'mal,trakt' });
    // The user's past: AniList → MAL mirrored. Trakt is approved without the AniList-sourced sync it would start.
    await system.runMailer();
    await approveDestination(system, 'MyAnimeList');
    system.bus.route({ onAuthorizationCompleted: async () => {} });
    await approveDestination(system, 'Trakt');
    expect(system.trakt!.state.history()).toEqual([]);

    const env = { ...system.env, SOURCE: 'mal', DESTINATIONS: 'trakt' };
    const config = loadWorkerConfig(env);
    expect(config.auth.map((a) => a.module.key)).toEqual(['trakt', 'mal']);
    const platform = createAwsPlatform(config.base, {
      store: system.store,
      events: system.bus,
      clock: system.clock,
      logger: silentLogger,
      counters: new RequestCounters(),
      readParameter: async (name) => {
        throw new Error(`no SSM in tests (${name})`);
      },
    });
    const reports: RunReport[] = [];
    const run = makeSyncHandler({ ...(await buildSyncWorkerDeps(config, platform)), onReport: (r) => reports.push(r) });

    await run({});
    const report = reports.at(-1)!;
    expect(report).toMatchObject({ status: 'ok', source: { kind: 'mal', mode: 'full' } });
    const trakt = sectionOf(report, 'trakt');
    expect(trakt).toMatchObject({ status: 'ok', failures: [], skipped: [] });
    expect(traktHoldings(system)).toEqual(holdingsOf(SAMPLE_TRAKT_PLAYS));

    // Ratings as from AniList (the show when no other AniList media shares it, seasons otherwise):
    // exactly what a Trakt-only AniList user's first sync sets, taken from such a run.
    const fromAniList = await startTraktSystem();
    let anilistRatings: Record<string, number>;
    try {
      await authorizeAll(fromAniList);
      anilistRatings = traktRatings(fromAniList);
    } finally {
      await fromAniList.close();
    }
    expect(traktRatings(system)).toEqual(anilistRatings);
    expect(traktRatings(system)).toMatchObject({
      'show:198225': 9, // Frieren (AniList 154587, MAL 52991)
      'show:105481': 9, // Mob Psycho 100 (AniList 21507, MAL 32182)
      'show:191883': 9, // Bocchi the Rock! (AniList 130003, MAL 47917)
      'season:1420:1': 8,
      'movie:97': 10,
    });

    // The mapping review has a decision per MAL entry, named as MAL entries.
    const review = JSON.parse((await system.store.get(REVIEW_KEY))!.body) as { entries: Record<string, string> };
    const malIds = system.mal!.state.listResponse().data.map((d) => d.node.id as number);
    expect(
      Object.keys(review.entries)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...malIds].sort((a, b) => a - b));
    expect(review.entries['52991']).toBe(
      'Sousou no Frieren (MAL 52991) → Trakt show "Frieren: Beyond Journey\'s End" [198225] S1E1–28 (anibridge)',
    );

    // Steady state from MAL: one MAL request, none to Trakt.
    system.clock.advance(15 * 60_000);
    system.mal!.resetCounters();
    system.trakt!.resetCounters();
    await run({});
    expect(sectionOf(reports.at(-1)!, 'trakt')).toMatchObject({ mode: 'incremental', status: 'ok' });
    expect(system.mal!.counters.requests).toBe(1);
    expect(system.trakt!.counters.requests).toBe(0);
  });
});
