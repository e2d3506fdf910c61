import { makeSyncHandler } from '../../../lambdas/sync-worker/handler';
import { ManualClock } from '../../../shared/clock';
import { createMalDestination } from '../../../shared/destinations/mal/destination';
import { malErrorFromResponse } from '../../../shared/destinations/mal/errors';
import type { MappingOptions } from '../../../shared/destinations/mal/mapping';
import { MAL_SKIP_FIXES, MAL_SKIP_LABELS } from '../../../shared/destinations/mal/planner';
import { TRAKT_SKIP_FIXES, TRAKT_SKIP_LABELS } from '../../../shared/destinations/trakt/planner';
import { NetworkError } from '../../../shared/errors';
import { OutOfTimeError } from '../../../shared/http/policy';
import { createJsonLogger, silentLogger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { runLogLine, runSync, type SyncDeps, type SyncSettings } from '../../../shared/sync/engine';
import type { SyncProgress } from '../../../shared/sync/progress';
import { type DestinationReport, formatReport, type RunReport } from '../../../shared/sync/report';
import { initialState, saveDestinationState } from '../../../shared/sync/state';
import { anilistEntry } from '../../support/entries';
import { FakeAniList, FakeMal, RecordingEvents } from '../../support/fakes';

/*
 * What a run that stops early says: every planned write is applied, failed (kept for retry) or not
 * attempted yet; the stop names its reason; error lines are for a person (the method and URL stay in
 * the debug log); skips name their fix; full runs count what is on MAL but not on AniList; and the
 * core tells a progress listener as writes settle. The real MAL destination runs over a fake MAL.
 */
const settings: SyncSettings = {
  anilistUser: 'alice',
  fullSyncIntervalHours: 24,
  checkpointEveryWrites: 2,
  deadlineSafetyMs: 0,
};
const T0 = Date.UTC(2026, 5, 1);
const mapping: MappingOptions = { mirrorPrivate: false, idOverrides: new Map() };

function setup(count = 6, options: { requestsPerMinute?: number } = {}) {
  const clock = new ManualClock(T0);
  const entries = Array.from({ length: count }, (_, i) =>
    anilistEntry({
      id: i + 1,
      idMal: 100 + i,
      title: `Show ${String(i + 1).padStart(2, '0')}`,
      status: 'COMPLETED',
      score: 70,
      progress: 12,
      updatedAt: 1000 + i,
    }),
  );
  const anilist = new FakeAniList(entries);
  const mal = new FakeMal();
  const logged: string[] = [];
  const progress: SyncProgress[] = [];
  const deps: SyncDeps = {
    source: anilist,
    destinations: () => [
      {
        prune: false,
        destination: createMalDestination({
          mal: () => mal,
          mapping,
          authorized: async () => true,
          ...(options.requestsPerMinute ? { requestsPerMinute: options.requestsPerMinute } : {}),
        }),
      },
    ],
    store: new MemoryStore(),
    events: new RecordingEvents(),
    clock,
    logger: createJsonLogger({ level: 'debug', write: (line) => logged.push(line) }),
    onProgress: (p) => progress.push(p),
  };
  return { clock, anilist, mal, deps, logged, progress };
}

const malOf = (report: RunReport): DestinationReport => report.destinations[0]!;
const outcomes = (d: DestinationReport) => d.writes.map((w) => w.outcome);
const count = (d: DestinationReport, outcome: string) => d.writes.filter((w) => w.outcome === outcome).length;

/** MAL answers 503 to the `n`th write (as the client maps it after its retries), and time runs out there. */
function unavailableAt(s: ReturnType<typeof setup>, n: number, deadline: number): void {
  s.mal.beforeWrite = (animeId, i) => {
    if (i < n) return;
    s.clock.set(deadline);
    const parts = { status: 503, headers: new Headers(), bodyText: '' };
    throw malErrorFromResponse(`PATCH /anime/${animeId}/my_list_status`, parts, T0);
  };
}

describe('a run that stops early reports each planned write truthfully', () => {
  test('applied, failed (kept for retry) and not attempted yet add up to the plan; no write is in two groups', async () => {
    const s = setup(6);
    const deadline = T0 + 60_000;
    unavailableAt(s, 2, deadline);
    const report = await runSync(s.deps, settings, { deadline });
    const mal = malOf(report);

    expect(outcomes(mal)).toEqual(['applied', 'applied', 'failed', 'not_attempted', 'not_attempted', 'not_attempted']);
    expect(mal.writes[2]).toMatchObject({ target: 'MAL 102', error: 'MyAnimeList was unavailable (HTTP 503)' });
    expect(count(mal, 'applied')).toBe(mal.applied.written);
    expect(count(mal, 'failed')).toBe(mal.failures.length);
    expect(mal.notAttempted).toBe(3);
    expect(mal.applied.written + mal.failures.length + mal.notAttempted!).toBe(mal.planned.writes);
    expect(mal.retryQueue).toBe(4);
    expect(mal.stopReason).toBe('unavailable');
    expect(report.stopReason).toBe('unavailable');

    const printed = formatReport(report);
    expect(printed).toContain('written: 2');
    const applied = printed.slice(printed.indexOf('written: 2'), printed.indexOf('failed writes'));
    expect(applied).toContain('• Show 01 (MAL 100)');
    expect(applied).toContain('• Show 02 (MAL 101)');
    expect(applied).not.toContain('Show 03');
    expect(printed).toContain('failed writes: 1 (kept for the next run: 4)');
    expect(printed).toContain('✗ Show 03 (MAL 102): MyAnimeList was unavailable (HTTP 503)');
    expect(printed).toContain('not attempted yet: 3; the next run continues with them');
    for (const title of ['Show 04', 'Show 05', 'Show 06']) {
      expect(printed.split('\n').filter((l) => l.includes(title))).toHaveLength(1);
    }
    expect(printed).toContain('stopped early: MAL unavailable; the next run continues');
  });

  test('the JSON carries an outcome per write (dry runs plan only: no outcome) and the log line the counts', async () => {
    const s = setup(3);
    const deadline = T0 + 60_000;
    s.mal.beforeWrite = (_id, i) => {
      if (i === 1) s.clock.set(deadline);
    };
    const dry = await runSync(s.deps, settings, { dryRun: true });
    expect(malOf(dry).writes).toHaveLength(3);
    for (const w of malOf(dry).writes) expect(w).not.toHaveProperty('outcome');
    expect(malOf(dry).notAttempted).toBeUndefined();

    const report = await runSync(s.deps, settings, { deadline });
    const json = JSON.parse(JSON.stringify(report)) as RunReport;
    expect(outcomes(malOf(json))).toEqual(['applied', 'applied', 'not_attempted']);
    expect(runLogLine(report)).toMatchObject({
      stopReason: 'time_budget',
      destinations: { mal: { written: 2, failed: 0, notAttempted: 1, stopReason: 'time_budget' } },
    });
    expect(formatReport(report)).toContain(
      "stopped early: time budget (the run's time was up); the next run continues",
    );
  });
});

describe('a write the clock stopped before it went out', () => {
  test('is not attempted, not failed: no failure line, no attempt counted, and the next run sends it', async () => {
    const s = setup(3);
    const deadline = T0 + 60_000;
    s.mal.beforeWrite = (animeId, i) => {
      if (i < 1) return;
      s.clock.set(deadline);
      throw new OutOfTimeError(
        `MAL PATCH https://api.myanimelist.net/v2/anime/${animeId}/my_list_status not sent: no time left in this run`,
      );
    };
    const report = await runSync(s.deps, settings, { deadline });
    expect(outcomes(malOf(report))).toEqual(['applied', 'not_attempted', 'not_attempted']);
    expect(malOf(report)).toMatchObject({ failures: [], notAttempted: 2, retryQueue: 2, stopReason: 'time_budget' });
    expect(formatReport(report)).not.toContain('failed writes');
    s.mal.beforeWrite = undefined;
    expect(malOf(await runSync(s.deps, settings))).toMatchObject({ applied: { written: 2 }, retryQueue: 0 });
  });
});

describe('the stop reason names what happened', () => {
  async function stoppedRun(interrupted: boolean | undefined, outage: boolean) {
    const s = setup(4);
    const deadline = T0 + 60_000;
    if (outage) unavailableAt(s, 1, deadline);
    else
      s.mal.beforeWrite = (_id, i) => {
        if (i === 1) s.clock.set(deadline);
      };
    const options = interrupted === undefined ? {} : { interrupted: () => interrupted };
    return runSync(s.deps, settings, { deadline, ...options });
  }

  test('Ctrl+C: "stopped by you", even when MAL was failing too', async () => {
    for (const outage of [false, true]) {
      const report = await stoppedRun(true, outage);
      expect(malOf(report).stopReason).toBe('interrupted');
      expect(report.stopReason).toBe('interrupted');
      const printed = formatReport(report);
      expect(printed).toMatch(/^Sync stopped by you \(Ctrl\+C\), with work left for the next run/);
      expect(printed).toContain('stopped early: stopped by you (Ctrl+C); the next run continues');
    }
  });

  test('the time budget, when nobody stopped it; MAL unavailable, when its last write met an outage', async () => {
    expect(malOf(await stoppedRun(false, false)).stopReason).toBe('time_budget');
    expect(malOf(await stoppedRun(undefined, false)).stopReason).toBe('time_budget');
    expect(malOf(await stoppedRun(false, true)).stopReason).toBe('unavailable');
  });

  test('a run that sits MAL out because it was throttling says so (throttled), with no write planned', async () => {
    const s = setup(2);
    await saveDestinationState(s.deps.store, {
      ...initialState('mal', 'alice'),
      throttled: { strikes: 1, skipRuns: 1, since: T0 },
    });
    const report = await runSync(s.deps, settings);
    expect(malOf(report)).toMatchObject({ status: 'partial', stopReason: 'throttled', writes: [] });
    expect(report.stopReason).toBe('throttled');
    expect(runLogLine(report)).toMatchObject({ destinations: { mal: { stopReason: 'throttled' } } });
  });

  test('a MAL list that cannot be read: the destination failed, reason unavailable, in words', async () => {
    const s = setup(2);
    s.mal.listAll = async () => {
      throw new NetworkError(
        'MAL GET https://api.myanimelist.net/v2/users/@me/animelist failed: fetch failed (other side closed)',
      );
    };
    const report = await runSync(s.deps, settings);
    expect(malOf(report)).toMatchObject({
      status: 'failed',
      stopReason: 'unavailable',
      error: 'MyAnimeList could not be reached (connection failed)',
    });
    expect(formatReport(report)).toContain('stopped early: MAL unavailable; the next run continues');
    expect(s.logged.join('\n')).toContain('https://api.myanimelist.net/v2/users/@me/animelist');
  });

  test('the local runtime context says Ctrl+C through the handler (interrupted())', async () => {
    const s = setup(3);
    let stopping = false;
    s.mal.beforeWrite = (_id, i) => {
      if (i === 1) stopping = true;
    };
    const reports: RunReport[] = [];
    const handler = makeSyncHandler({ sync: s.deps, settings, onReport: (r) => reports.push(r) });
    const result = await handler(
      {},
      { getRemainingTimeInMillis: () => (stopping ? 0 : 600_000), interrupted: () => stopping },
    );
    expect(result).toMatchObject({ stopReason: 'interrupted', destinations: { mal: { notAttempted: 1 } } });
    expect(malOf(reports[0]!).stopReason).toBe('interrupted');
  });
});

describe('error lines are written for a person', () => {
  test('no HTTP method, path or URL in the report; the debug log keeps them', async () => {
    const s = setup(3);
    let call = 0;
    s.mal.beforeWrite = (animeId) => {
      const i = call++;
      if (i === 0) {
        throw new NetworkError(
          `MAL PATCH https://api.myanimelist.net/v2/anime/${animeId}/my_list_status failed: timed out after 400 ms`,
        );
      }
      if (i === 1) {
        const parts = {
          status: 400,
          headers: new Headers(),
          bodyText: JSON.stringify({ error: 'bad_request', message: 'invalid score' }),
        };
        throw malErrorFromResponse(`PATCH /anime/${animeId}/my_list_status`, parts, T0);
      }
    };
    const report = await runSync(s.deps, settings);
    const mal = malOf(report);
    expect(mal.failures).toEqual([
      expect.objectContaining({
        target: 'MAL 100',
        error: 'MyAnimeList could not be reached (no answer in time)',
        code: 'network_error',
        permanent: false,
      }),
      expect.objectContaining({
        target: 'MAL 101',
        error: 'MyAnimeList rejected the request (HTTP 400: invalid score)',
        code: 'mal_request_rejected',
        permanent: true,
      }),
    ]);
    const printed = formatReport(report);
    const json = JSON.stringify(report);
    for (const text of [printed, json]) {
      expect(text).not.toMatch(/\b(PATCH|GET|POST)\b/);
      expect(text).not.toContain('https://');
      expect(text).not.toContain('/my_list_status');
    }
    const debug = s.logged.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'debug');
    expect(debug.map((l) => l.error)).toEqual([
      expect.stringContaining('PATCH https://api.myanimelist.net/v2/anime/100/my_list_status'),
      expect.stringContaining('PATCH /anime/101/my_list_status failed with HTTP 400'),
    ]);
  });
});

describe('full runs: what is on MAL but not on AniList', () => {
  test('counted and named, left alone; entries this system wrote (orphans) are not in it; incremental runs say nothing', async () => {
    const s = setup(3);
    await runSync(s.deps, settings);
    // By hand on MAL: an anime AniList does not list. On AniList: an entry this system wrote is deleted.
    s.mal.list.set(999, { animeId: 999, title: 'Hand Added', listStatus: { ...s.mal.list.get(100)!.listStatus } });
    s.anilist.entries.delete(3);
    const writesBefore = s.mal.writes.length;

    const full = await runSync(s.deps, settings, { full: true });
    expect(malOf(full).unmatched).toEqual([{ key: '999', title: 'Hand Added' }]);
    expect(malOf(full).orphans).toEqual([{ key: '102', title: 'Show 03' }]);
    const printed = formatReport(full);
    expect(printed).toContain(
      'on MAL but not on AniList: 1 (left alone; PRUNE removes only entries this system wrote)',
    );
    expect(printed).toContain('◦ Hand Added (MAL 999)');
    expect(s.mal.writes.length).toBe(writesBefore);
    expect(s.mal.list.has(999)).toBe(true);

    const incremental = await runSync(s.deps, settings);
    expect(malOf(incremental).mode).toBe('incremental');
    expect(malOf(incremental).unmatched).toBeUndefined();
    expect(formatReport(incremental)).not.toContain('not on AniList');
  });
});

describe('every skip names its fix', () => {
  test('no MAL id points to ID_OVERRIDES with its syntax; private to MIRROR_PRIVATE; invalid source data to AniList', async () => {
    const s = setup(1);
    s.anilist.entries.set(
      7,
      anilistEntry({ id: 7, mediaId: 5007, idMal: null, title: 'No Id', status: 'CURRENT', updatedAt: 1007 }),
    );
    s.anilist.entries.set(8, anilistEntry({ id: 8, idMal: 108, title: 'Hidden', private: true, updatedAt: 1008 }));
    const report = await runSync(s.deps, settings);
    report.source.invalid.push({ entryId: 9, mediaId: 9, location: 'entries[9]', reason: 'status is "WATCHING?"' });
    const printed = formatReport(report);
    expect(printed).toContain('skipped: 1 private, 1 no MAL id, 1 invalid data');
    expect(printed).toContain(
      'no MAL id: to fix, add its MAL id to ID_OVERRIDES, a JSON object of AniList id → MAL id: ID_OVERRIDES={"<AniList id>":<MAL id>}, e.g. {"21":21}',
    );
    expect(printed).toContain('private: to fix, set MIRROR_PRIVATE=true to mirror private entries too');
    expect(printed).toContain('invalid data: to fix, correct the entry on AniList');
  });

  test('each skip reason of MAL and Trakt has a fix', () => {
    expect(Object.keys(MAL_SKIP_FIXES).sort()).toEqual(Object.keys(MAL_SKIP_LABELS).sort());
    expect(Object.keys(TRAKT_SKIP_FIXES).sort()).toEqual(Object.keys(TRAKT_SKIP_LABELS).sort());
    expect(TRAKT_SKIP_FIXES.unmapped).toContain('TRAKT_ID_OVERRIDES={"<AniList id>":{"show":<Trakt id>');
  });
});

describe('the whole report on request', () => {
  test('maxLines: Infinity prints every write; the default cuts at 20 with "… and N more"', async () => {
    const s = setup(30);
    const report = await runSync(s.deps, settings);
    expect(formatReport(report)).toContain('… and 10 more');
    const whole = formatReport(report, { maxLines: Number.POSITIVE_INFINITY });
    expect(whole).not.toContain('… and');
    for (let i = 1; i <= 30; i++) expect(whole).toContain(`• Show ${String(i).padStart(2, '0')} (MAL ${99 + i})`);
  });
});

describe('live progress', () => {
  test('start once the plan is known, one event per settled write, end with what is left; pace from MAL_REQUESTS_PER_MINUTE', async () => {
    const s = setup(4, { requestsPerMinute: 60 });
    const deadline = T0 + 60_000;
    unavailableAt(s, 2, deadline);
    const report = await runSync(s.deps, settings, { deadline });
    const brief = s.progress.map((p) => [p.phase, p.total, p.applied, p.failed, p.left]);
    expect(brief).toEqual([
      ['start', 4, 0, 0, 4],
      ['write', 4, 1, 0, 3],
      ['write', 4, 2, 0, 2],
      ['write', 4, 2, 1, 1],
      ['end', 4, 2, 1, 1],
    ]);
    expect(s.progress.at(-1)?.left).toBe(malOf(report).notAttempted);
    for (const p of s.progress) {
      expect(p).toMatchObject({ runId: report.runId, destination: 'mal', label: 'MyAnimeList', paceMs: 1000 });
    }
  });

  test('nothing to write: start and end; a dry run: no events', async () => {
    const s = setup(2);
    await runSync(s.deps, settings, { dryRun: true });
    expect(s.progress).toEqual([]);
    await runSync(s.deps, settings);
    s.progress.length = 0;
    await runSync(s.deps, settings);
    expect(s.progress.map((p) => [p.phase, p.total, p.left])).toEqual([
      ['start', 0, 0],
      ['end', 0, 0],
    ]);
    expect(s.progress[0]).not.toHaveProperty('paceMs');
  });

  test('a listener that throws never breaks the run: same writes, same report, one warning', async () => {
    const quiet = setup(3);
    const calm = await runSync({ ...quiet.deps, logger: silentLogger }, settings);
    const s = setup(3);
    let calls = 0;
    const report = await runSync(
      {
        ...s.deps,
        onProgress: () => {
          calls++;
          throw new Error('the terminal went away');
        },
      },
      settings,
    );
    expect(calls).toBe(5);
    expect(report.status).toBe('ok');
    expect(malOf(report).applied.written).toBe(3);
    expect(outcomes(malOf(report))).toEqual(outcomes(malOf(calm)));
    expect(s.mal.writes).toHaveLength(3);
    const warnings = s.logged.filter((l) => l.includes('progress listener failed'));
    expect(warnings).toHaveLength(1);
  });

  test('a destination that throws mid-way still ends its progress', async () => {
    const s = setup(3);
    s.mal.beforeWrite = (_id, i) => {
      if (i === 1) throw Object.assign(new Error('tokens gone'), { code: 'reauth_required', reason: 'invalid_grant' });
    };
    await runSync(s.deps, settings);
    expect(s.progress.map((p) => p.phase)).toEqual(['start', 'write', 'end']);
    expect(s.progress.at(-1)).toMatchObject({ applied: 1, failed: 0, left: 2 });
  });
});
