import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CommandRun, runTsx } from '../../support/run-tsx';

/**
 * Issue #11: `npm run demo` is for reading, `npm run demo -- --json` for programs. Without --json no
 * JSON line is printed (the report in words, and how to get the JSON); with it, the JSON line is the
 * only output, so `npm run -s demo -- --json | jq` works.
 */
function runDemo(dir: string, args: string[]): Promise<CommandRun> {
  return runTsx('local/demo.ts', args, { cwd: dir, env: { PATH: process.env.PATH, HOME: dir }, timeoutMs: 170_000 });
}

const isJsonObject = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

describe('npm run demo output', () => {
  let dir: string;
  let plain: Awaited<ReturnType<typeof runDemo>>;
  let json: Awaited<ReturnType<typeof runDemo>>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'demo-output-'));
    [plain, json] = await Promise.all([runDemo(dir, []), runDemo(dir, ['--json'])]);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('without --json: the story and the report in words, and no JSON line', () => {
    expect(plain.stderr).toBe('');
    expect(plain.status).toBe(0);
    const lines = plain.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Sandbox AniList user ".+" → sandbox MyAnimeList/);
    expect(plain.stdout).toMatch(
      /1\. Reauth email sent \(.+\); its links work until \w+day, \d+ \w+ \d{4}, \d\d:\d\d UTC/,
    );
    expect(plain.stdout).toContain('3. Tokens stored; the first (full) sync:');
    expect(lines.filter(isJsonObject)).toEqual([]);
    expect(lines.at(-1)).toBe('The lists as JSON (the report, the sandbox MAL list, Trakt): npm run -s demo -- --json');
  });

  test('with --json: one JSON line and nothing else', () => {
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const lines = json.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual(
      expect.objectContaining({ report: expect.any(Object), mal: expect.any(Object) }),
    );
  });
});
