import { type CommandRun, runTsx } from '../../support/run-tsx';

/**
 * Issue #11, "Command lines": every command answers --help with its usage (status 0) and refuses a
 * mistyped option naming the one meant (status 2), as a user runs it, before it starts any server
 * or reads any setting (a broken SYNC_INTERVAL_MINUTES and a callback port of 1 are never reached).
 */
// A setting that would stop any command that got as far as reading it.
const BROKEN_SETTINGS = { ...process.env, SYNC_INTERVAL_MINUTES: 'soon', LOCAL_CALLBACK_PORT: '1' };

function run(script: string, args: readonly string[]): Promise<CommandRun> {
  return runTsx(script, args, { env: BROKEN_SETTINGS, timeoutMs: 60_000 });
}

/** command, script, a mistyped option (with what it needs around it), the option meant. */
const COMMANDS: readonly (readonly [string, string, readonly string[], string])[] = [
  ['npm start', 'local/main.ts', ['--hlep'], '--help'],
  ['npm run sync', 'local/sync-once.ts', ['--dryrun'], '--dry-run'],
  ['npm run demo', 'local/demo.ts', ['--jsno'], '--json'],
  ['npm run sandbox', 'local/sandbox-only.ts', ['--hepl'], '--help'],
  ['npm run restore', 'local/restore.ts', ['latest', '--dryrun'], '--dry-run'],
  ['npm run authorize', 'local/authorize.ts', ['trakt', '--hepl'], '--help'],
  ['npm run export', 'local/export.ts', ['--mange'], '--manga'],
  ['npm run bench', 'bench/run.ts', ['--quik'], '--quick'],
  ['npm run deploy', 'scripts/deploy.ts', ['--chek'], '--check'],
  ['npm run destroy', 'scripts/destroy.ts', ['--forse'], '--force'],
  ['npm run status', 'scripts/status.ts', ['--jsn'], '--json'],
];

/** A few at a time: each is a Node process with tsx, on a machine others share. */
async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

describe('every command: --help and a mistyped option', () => {
  const help = new Map<string, CommandRun>();
  const mistyped = new Map<string, CommandRun>();

  beforeAll(async () => {
    await inBatches(COMMANDS, 3, async ([name, script, wrong]) => {
      help.set(name, await run(script, ['--help']));
      mistyped.set(name, await run(script, wrong));
    });
  }, 300_000);

  test.each(COMMANDS.map((c) => [c[0], c[1]] as const))('%s -- --help: the usage, status 0', (name) => {
    const r = help.get(name)!;
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^usage: ${name.replace(/ /g, '\\s')}`));
  });

  test.each(COMMANDS.map((c) => [c[0], c[2].join(' '), c[3]] as const))(
    '%s -- %s: refused with "did you mean %s?", status 2',
    (name, wrong, meant) => {
      const r = mistyped.get(name)!;
      const typed = wrong.split(' ').find((a) => a.startsWith('-'))!;
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`unknown option ${typed} (did you mean ${meant}?)`);
      expect(r.stderr).toContain(`usage: ${name}`);
      expect(r.stdout).toBe('');
    },
  );
});
