import { parseRestoreArgs } from '../../../local/restore/args';

describe('npm run restore arguments', () => {
  test.each([
    [['--list'], { kind: 'list' }],
    [['latest', '--dry-run'], { kind: 'restore', backup: 'latest', dryRun: true, takeOver: false }],
    [['mal-animelist-2026-12-02T08-55-46-123Z'], { kind: 'restore', dryRun: false }],
    [['--resume', '--aws', '--profile', 'me'], { kind: 'resume', aws: { profile: 'me' } }],
    [['--list', '--aws', '--bucket=b-1'], { kind: 'list', aws: { bucket: 'b-1' } }],
    [['x', '--take-over'], { kind: 'restore', takeOver: true }],
    [['--help'], { kind: 'help' }],
  ])('%j', (args, expected) => {
    expect(parseRestoreArgs(args)).toMatchObject(expected);
  });

  test.each([
    [['--dryrun', 'latest'], 'unknown option --dryrun (did you mean --dry-run?)'],
    [['--lsit'], 'unknown option --lsit (did you mean --list?)'],
    [['--frobnicate'], 'unknown option --frobnicate'],
    [[], 'give one of: --list, a backup name (or "latest"), --resume'],
    [['a', 'b'], 'give one of'],
    [['--list', 'latest'], 'give one of'],
    [['--list', '--dry-run'], '--dry-run and --take-over go with a backup name'],
    [['--list', '--profile', 'me'], '--profile only go with --aws'],
    [['--aws', '--bucket'], '--bucket needs a value'],
  ])('refuses %j', (args, message) => {
    const parsed = parseRestoreArgs(args);
    expect(parsed.kind).toBe('usage_error');
    expect(parsed.kind === 'usage_error' && parsed.message).toContain(message);
  });
});
