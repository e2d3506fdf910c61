import { REVIEW_KEY } from '../../../shared/destinations/trakt/destination';
import { formatReport } from '../../../shared/sync/report';
import { startTestSystem, type TestSystem } from '../../support/local-system';
import { sectionOf } from '../../support/reports';

/**
 * `npm run sync -- --dry-run` is how a person audits Trakt's mapping before anything is written:
 * the run plans everything, prints every entry's decision, and writes nothing anywhere.
 */
describe('a dry run against Trakt', () => {
  let system: TestSystem;
  afterAll(async () => {
    await system?.close();
  });

  test('prints the whole mapping review and writes nothing, not even the review', async () => {
    system = await startTestSystem({ env: { DESTINATIONS: 'trakt' } });
    await system.authorizeSandboxes();
    system.trakt!.resetCounters();
    await system.runSync({ dryRun: true });
    const report = system.reports.at(-1)!;
    expect(report.status).toBe('dry_run');
    const trakt = sectionOf(report, 'trakt');
    expect(trakt.planned.writes).toBeGreaterThan(0);
    expect(trakt.review).toHaveLength(30);

    const text = formatReport(report, { maxLines: 200 });
    expect(text).toContain('mapping review (30 entries):');
    expect(text).toMatch(
      /Jujutsu Kaisen 2nd Season \(AniList 145064\) → Trakt show "[^"]+" \[\d+\] S1E25–47 \(anibridge\)/,
    );
    expect(text).toMatch(/Sandbox Original: Hoshizora Donghua \(AniList 900001\) → skipped: /);
    expect(text).not.toContain('mapping review saved');

    const writes = Object.entries(system.trakt!.counters.byRoute).filter(([route]) => !route.startsWith('GET '));
    expect(writes).toEqual([]);
    expect(system.trakt!.state.history()).toEqual([]);
    expect(await system.store.get(REVIEW_KEY)).toBeUndefined();
  });
});
