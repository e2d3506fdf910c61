import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDotEnv } from '../../../local/config';

/**
 * `.env` as the local commands read it (README, "Configuration"): Node's parser, a byte-order mark
 * dropped first, and the real environment always winning.
 */
describe('readDotEnv', () => {
  const keys = ['MIRROR_T_FIRST', 'MIRROR_T_A', 'MIRROR_T_B', 'MIRROR_T_C', 'MIRROR_T_D', 'MIRROR_T_REAL'];
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dotenv-'));
    for (const key of keys) delete process.env[key];
    delete process.env['\uFEFFMIRROR_T_FIRST'];
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const key of keys) delete process.env[key];
    delete process.env['\uFEFFMIRROR_T_FIRST'];
  });

  test('a byte-order mark (Windows editors) does not eat the first key', () => {
    writeFileSync(path.join(dir, '.env'), '\uFEFFMIRROR_T_FIRST=one\nMIRROR_T_A=two\n');
    readDotEnv(dir);
    expect(process.env.MIRROR_T_FIRST).toBe('one');
    expect(process.env['\uFEFFMIRROR_T_FIRST']).toBeUndefined();
    expect(process.env.MIRROR_T_A).toBe('two');
  });

  test('# in a value: unquoted it starts a comment, even without a space before it; quoted it is kept', () => {
    writeFileSync(
      path.join(dir, '.env'),
      ['MIRROR_T_A=b#c', 'MIRROR_T_B=b #c', 'MIRROR_T_C="b#c"', "MIRROR_T_D='x # y'", '# a comment line'].join('\n'),
    );
    readDotEnv(dir);
    expect([process.env.MIRROR_T_A, process.env.MIRROR_T_B, process.env.MIRROR_T_C, process.env.MIRROR_T_D]).toEqual([
      'b',
      'b',
      'b#c',
      'x # y',
    ]);
  });

  test('the real environment wins over .env', () => {
    process.env.MIRROR_T_REAL = 'from the shell';
    writeFileSync(path.join(dir, '.env'), 'MIRROR_T_REAL=from the file\n');
    readDotEnv(dir);
    expect(process.env.MIRROR_T_REAL).toBe('from the shell');
  });
});
