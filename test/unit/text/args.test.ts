import { answerUsage, EXIT_USAGE, parseCommandLine, unknownOption } from '../../../shared/text/args';
import { closest, didYouMean, editDistance } from '../../../shared/text/suggest';

describe('closest: the name meant', () => {
  const options = ['--dry-run', '--full', '--json', '--list', '--out', '--aws', '--manga'];
  test.each([
    ['--dryrun', '--dry-run'],
    ['--dry-rn', '--dry-run'],
    ['--DRY_RUN', '--dry-run'],
    ['--lsit', '--list'],
    ['--jsn', '--json'],
    ['--output', '--out'],
    ['--mange', '--manga'],
  ])('%s -> %s', (typed, meant) => {
    expect(closest(typed, options)).toBe(meant);
  });

  test.each(['--frobnicate', '--verbose', '--all', '-x', '--'])('%s: nothing close', (typed) => {
    expect(closest(typed, options)).toBeUndefined();
  });

  test('settings: a missing letter, or lower case', () => {
    const keys = ['SYNC_INTERVAL_MINUTES', 'MIRROR_PRIVATE', 'MIRROR_MANGA'];
    expect(closest('SYNC_INTERVAL_MINUTS', keys)).toBe('SYNC_INTERVAL_MINUTES');
    expect(closest('MIRROR_PRIVAT', keys)).toBe('MIRROR_PRIVATE');
    expect(closest('mirror_manga', keys)).toBe('MIRROR_MANGA');
  });

  test('the nearest of several wins', () => {
    expect(closest('--fulk', ['--fuzzy', '--full'])).toBe('--full');
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(didYouMean('--jsno', ['--json'])).toBe(' (did you mean --json?)');
    expect(didYouMean('--xyz', ['--json'])).toBe('');
  });
});

describe('parseCommandLine', () => {
  const spec = { flags: ['--dry-run', '--json'], values: ['--out'] };

  test('flags, values (both spellings) and help', () => {
    const parsed = parseCommandLine(['--dry-run', '--out', 'a.xml'], spec);
    expect(parsed).toEqual({ kind: 'ok', flags: new Set(['--dry-run']), values: { '--out': 'a.xml' }, positional: [] });
    expect(parseCommandLine(['--out=b.xml'], spec)).toMatchObject({ values: { '--out': 'b.xml' } });
    expect(parseCommandLine(['--json', '-h'], spec)).toEqual({ kind: 'help' });
    expect(parseCommandLine(['--nope', '--help'], spec)).toEqual({ kind: 'help' });
  });

  test.each([
    [['--dryrun'], 'unknown option --dryrun (did you mean --dry-run?)'],
    [['--jsno=1'], 'unknown option --jsno=1 (did you mean --json?)'],
    [['--hepl'], 'unknown option --hepl (did you mean --help?)'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [['--out'], '--out needs a value, e.g. --out VALUE'],
    [['--out', '--json'], '--out needs a value, e.g. --out VALUE'],
    [['--json=yes'], '--json takes no value'],
    [['extra'], 'this command takes no arguments, only options (got extra)'],
  ])('%j is refused: %s', (args, message) => {
    expect(parseCommandLine(args, spec)).toEqual({ kind: 'usage_error', message });
  });

  test('positional arguments up to the limit', () => {
    expect(parseCommandLine(['latest'], { maxPositional: 1 })).toMatchObject({ kind: 'ok', positional: ['latest'] });
    expect(parseCommandLine(['a', 'b'], { maxPositional: 1 })).toEqual({
      kind: 'usage_error',
      message: 'too many arguments: a b',
    });
  });

  test('answerUsage: help on stdout with 0, a usage error on stderr with 2, nothing when fine', () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { log: (t: string) => out.push(t), error: (t: string) => err.push(t) };
    expect(answerUsage({ kind: 'help' }, 'usage: x', io)).toBe(0);
    expect(answerUsage({ kind: 'usage_error', message: unknownOption('--jsn', ['--json']) }, 'usage: x', io)).toBe(
      EXIT_USAGE,
    );
    expect(answerUsage(parseCommandLine([], spec), 'usage: x', io)).toBeUndefined();
    expect(out).toEqual(['usage: x']);
    expect(err).toEqual(['unknown option --jsn (did you mean --json?)\n\nusage: x']);
  });
});
