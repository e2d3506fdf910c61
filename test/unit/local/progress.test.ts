import { barProgress, describeProgress, lineProgress } from '../../../local/progress';
import type { SyncProgress } from '../../../shared/sync/progress';

/** MAL at its default pace (1 write/s), 1,000 writes planned, `settled` of them done `settled` s in. */
function mal(
  phase: SyncProgress['phase'],
  applied: number,
  failed = 0,
  extra: Partial<SyncProgress> = {},
): SyncProgress {
  const total = 1_000;
  return {
    runId: 'run-1',
    destination: 'mal',
    label: 'MyAnimeList',
    phase,
    total,
    applied,
    failed,
    left: total - applied - failed,
    paceMs: 1_000,
    startedAt: 0,
    at: (applied + failed) * 1_000,
    ...extra,
  };
}

describe('progress in words', () => {
  test('a line names written, failed, left and the time left at the configured pace', () => {
    expect(describeProgress(mal('write', 50))).toBe(
      'MyAnimeList: 50 of 1,000 written, 0 failed, 950 left, about 16 min left',
    );
  });

  test('the time left follows the slower seen pace when writes take longer than the configured one', () => {
    // 100 writes took 300 s: 3 s each, so 900 left take 45 min, not 15.
    expect(describeProgress(mal('write', 90, 10, { at: 300_000 }))).toBe(
      'MyAnimeList: 90 of 1,000 written, 10 failed, 900 left, about 45 min left',
    );
  });

  test('start says how much there is to do and how long it takes; end says what is left for the next run', () => {
    expect(describeProgress(mal('start', 0))).toBe(
      'MyAnimeList: 1,000 writes to make, about 17 min at the configured pace',
    );
    expect(describeProgress(mal('end', 40, 2))).toBe(
      'MyAnimeList: stopped with 40 of 1,000 written, 2 failed; 958 not attempted (the next run makes them)',
    );
    expect(describeProgress(mal('end', 999, 1))).toBe('MyAnimeList: done, 999 of 1,000 written, 1 failed');
  });

  test('with no pace configured and nothing settled yet, no time is guessed', () => {
    expect(describeProgress(mal('start', 0, 0, { paceMs: undefined }))).toBe('MyAnimeList: 1,000 writes to make');
    expect(describeProgress({ ...mal('write', 0), paceMs: undefined, left: 1_000, at: 5 })).toBe(
      'MyAnimeList: 0 of 1,000 written, 0 failed, 1,000 left',
    );
  });
});

describe('line progress (not a terminal)', () => {
  /** A line up to "written" (start lines up to their estimate). */
  const short = (line: string) => line.replace(/ written.*/, ' written').replace(/, about .*/, '');
  const run = (events: SyncProgress[]) => {
    const lines: string[] = [];
    const view = lineProgress((l) => lines.push(l));
    for (const e of events) view.listener(e);
    return lines;
  };

  test('a line at start, every 25 writes and at end, not one per write', () => {
    const writes = Array.from({ length: 60 }, (_, i) => mal('write', i + 1));
    const lines = run([mal('start', 0), ...writes, mal('end', 60)]);
    expect(lines.map((l) => l.replace(/, about .*/, ''))).toEqual([
      'MyAnimeList: 1,000 writes to make',
      'MyAnimeList: 25 of 1,000 written, 0 failed, 975 left',
      'MyAnimeList: 50 of 1,000 written, 0 failed, 950 left',
      'MyAnimeList: stopped with 60 of 1,000 written, 0 failed; 940 not attempted (the next run makes them)',
    ]);
  });

  test('slow writes still show at least every 30 s', () => {
    // One write every 20 s: 25 writes would take over 8 minutes.
    const writes = [1, 2, 3, 4].map((n) => mal('write', n, 0, { at: n * 20_000 }));
    const lines = run([mal('start', 0), ...writes]);
    expect(lines.slice(1).map(short)).toEqual(['MyAnimeList: 2 of 1,000 written', 'MyAnimeList: 4 of 1,000 written']);
  });

  test('a destination with nothing to write shows nothing', () => {
    const none = { ...mal('start', 0), total: 0, left: 0 };
    expect(run([none, { ...none, phase: 'end' }])).toEqual([]);
  });

  test('each destination and each run counts on its own', () => {
    const trakt = (applied: number) => ({ ...mal('write', applied), destination: 'trakt', label: 'Trakt' });
    const lines = run([
      mal('start', 0),
      ...Array.from({ length: 25 }, (_, i) => mal('write', i + 1)),
      ...Array.from({ length: 24 }, (_, i) => trakt(i + 1)),
    ]);
    // Trakt's first write is shown (nothing of it shown before), then not again until its 25th.
    expect(lines.map(short)).toEqual([
      'MyAnimeList: 1,000 writes to make',
      'MyAnimeList: 25 of 1,000 written',
      'Trakt: 1 of 1,000 written',
    ]);
  });
});

describe('bar progress (a terminal)', () => {
  function terminal() {
    const chunks: string[] = [];
    return { chunks, stream: { isTTY: true as const, columns: 160, write: (t: string) => chunks.push(t) > 0 } };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the bar's cursor movements is the point
  const plain = (chunks: string[]) => chunks.join('').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

  test('draws one bar per destination with the counts and the time left, short enough for 80 columns', () => {
    const { chunks, stream } = terminal();
    const view = barProgress(stream);
    view.listener(mal('start', 0));
    view.listener(mal('write', 50));
    view.listener({ ...mal('start', 0), destination: 'trakt', label: 'Trakt', total: 10, left: 10, paceMs: undefined });
    view.stop();
    const text = plain(chunks);
    expect(text).toContain('MyAnimeList [█░░░░░░░░░░░░░] 50/1,000 written, 0 failed, 950 left (about 16 min)');
    expect(text).toContain('Trakt [░░░░░░░░░░░░░░] 0/10 written, 0 failed, 10 left\n');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // cli-progress moved the cursor to redraw: it really drew a bar, not lines.
    expect(chunks.join('')).toContain('\x1b[');
  });

  test('the end says what is left for the next run; notes go above the bars', () => {
    const { chunks, stream } = terminal();
    const view = barProgress(stream);
    view.listener(mal('start', 0));
    view.note('Stopping: the sync stops after the write in progress.');
    view.listener(mal('end', 40, 2));
    view.stop();
    const text = plain(chunks);
    expect(text).toContain('Stopping: the sync stops after the write in progress.\n');
    expect(text).toContain('MyAnimeList [█░░░░░░░░░░░░░] stopped: 40/1,000 written, 2 failed, 958 left\n');
  });

  test('a note before any bar is written at once', () => {
    const { chunks, stream } = terminal();
    barProgress(stream).note('Stopping…');
    expect(chunks).toEqual(['Stopping…\n']);
  });
});
