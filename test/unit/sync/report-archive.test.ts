import { forgetSecrets, registerSecrets } from '../../../shared/errors';
import type { Logger } from '../../../shared/log';
import { MemoryStore } from '../../../shared/store/memory-store';
import { KEYS } from '../../../shared/store/store';
import { listRunReports, saveRunReport } from '../../../shared/sync/report-archive';
import { destinationSection, runReport } from '../../support/reports';

function recordingLogger(): Logger & { warnings: { message: string; fields?: Record<string, unknown> }[] } {
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  return { debug() {}, info() {}, error() {}, warn: (message, fields) => warnings.push({ message, fields }), warnings };
}

describe('saveRunReport', () => {
  afterEach(() => forgetSecrets());

  test('stores the report as JSON under reports/, keyed by start time then run id', async () => {
    const store = new MemoryStore();
    const report = runReport('2026-12-01T10:15:00.000Z', { runId: 'abc' });
    const key = await saveRunReport(store, report, recordingLogger());
    expect(key).toBe('reports/2026-12-01T10-15-00-000Z-abc.json');
    expect(JSON.parse(store.objects.get(key!)!.body)).toEqual(report);
  });

  test('keys sort by time', () => {
    const keys = ['2026-12-01T09:59:59.999Z', '2026-12-01T10:00:00.000Z', '2026-11-30T23:00:00.000Z'].map((t) =>
      KEYS.runReport(t, 'ffff'),
    );
    expect([...keys].sort()).toEqual([keys[2], keys[0], keys[1]]);
  });

  test('a dry run stores nothing', async () => {
    const store = new MemoryStore();
    const key = await saveRunReport(
      store,
      runReport('2026-12-01T10:15:00.000Z', { dryRun: true, status: 'dry_run' }),
      recordingLogger(),
    );
    expect(key).toBeUndefined();
    expect(await store.list(KEYS.runReportPrefix)).toEqual([]);
  });

  test('a store that refuses the write: a warning, and no error for the run', async () => {
    const store = new MemoryStore();
    store.hooks.beforePut = () => {
      throw new Error('S3 is down');
    };
    const logger = recordingLogger();
    await expect(saveRunReport(store, runReport('2026-12-01T10:15:00.000Z'), logger)).resolves.toBeUndefined();
    expect(logger.warnings).toEqual([
      expect.objectContaining({
        message: 'run report not saved; the run itself is unaffected',
        fields: expect.objectContaining({ error: expect.stringContaining('S3 is down') }),
      }),
    ]);
  });

  test('a known secret quoted in an error text is not stored', async () => {
    const secret = 'sEcReT-refresh-token-value-1234567890';
    registerSecrets(secret);
    const store = new MemoryStore();
    const report = runReport('2026-12-01T10:15:00.000Z', {
      destinations: [destinationSection({ status: 'failed', error: `MAL refused refresh_token ${secret}` })],
    });
    const key = await saveRunReport(store, report, recordingLogger());
    const body = store.objects.get(key!)!.body;
    expect(body).not.toContain(secret);
    expect(JSON.parse(body).destinations[0].error).toContain('[REDACTED]');
  });
});

describe('listRunReports', () => {
  test('the newest first, at most the number asked for', async () => {
    const store = new MemoryStore();
    const times = ['2026-12-01T09:30:00.000Z', '2026-12-01T10:00:00.000Z', '2026-12-01T09:45:00.000Z'];
    for (const t of times) await saveRunReport(store, runReport(t), recordingLogger());
    const listed = await listRunReports(store, 2);
    expect(listed.map((r) => ('report' in r ? r.report.startedAt : r.problem))).toEqual([
      '2026-12-01T10:00:00.000Z',
      '2026-12-01T09:45:00.000Z',
    ]);
  });

  test('an object that is not a report is named, and the others still read', async () => {
    const store = new MemoryStore();
    await saveRunReport(store, runReport('2026-12-01T09:30:00.000Z'), recordingLogger());
    await store.put('reports/2026-12-01T10-00-00-000Z-x.json', '{not json');
    await store.put('reports/2026-12-01T10-05-00-000Z-y.json', '{"hello":1}');
    const listed = await listRunReports(store, 5);
    expect(listed.map((r) => ('problem' in r ? r.problem : 'ok'))).toEqual(['not a run report', 'not JSON', 'ok']);
  });
});
