import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './support';

// The deploy job's only install (.github/workflows/deploy.yml). Needs the npm registry, like `npm ci`.
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'install-cdk-cli.sh');
const LOCK = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version: string; integrity: string }>;
};
const PINNED = LOCK.packages['node_modules/aws-cdk']!;

function install(lockfile?: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cli-'));
  const result = spawnSync('bash', [SCRIPT, path.join(dir, 'cli'), ...(lockfile ? [lockfile] : [])], {
    encoding: 'utf8',
    timeout: 170_000,
  });
  return { dir, status: result.status, output: result.stdout + result.stderr };
}

describe('scripts/install-cdk-cli.sh', () => {
  test('installs exactly the lockfile’s aws-cdk and nothing else', () => {
    const { dir, status, output } = install();
    try {
      expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining(`\n${PINNED.version} (build`) });
      expect(fs.readdirSync(path.join(dir, 'cli', 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual([
        'aws-cdk',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  test('refuses bytes that do not match the lockfile’s integrity hash', () => {
    const tampered = structuredClone(LOCK);
    // The hash of other bytes: what a registry serving a swapped tarball under the pinned version would fail.
    tampered.packages['node_modules/aws-cdk']!.integrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-lock-'));
    const lockfile = path.join(lockDir, 'package-lock.json');
    fs.writeFileSync(lockfile, JSON.stringify(tampered));
    const { dir, status, output } = install(lockfile);
    try {
      expect(status).not.toBe(0);
      expect(output).toMatch(/EINTEGRITY|integrity checksum failed/);
      expect(fs.existsSync(path.join(dir, 'cli', 'node_modules', '.bin', 'cdk'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(lockDir, { recursive: true, force: true });
    }
  }, 180_000);

  test('fails with the reason when the lockfile has no aws-cdk pin', () => {
    const lockDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-lock-'));
    const lockfile = path.join(lockDir, 'package-lock.json');
    fs.writeFileSync(lockfile, JSON.stringify({ lockfileVersion: 3, packages: { '': {} } }));
    const { dir, status, output } = install(lockfile);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(lockDir, { recursive: true, force: true });
    expect(status).toBe(1);
    expect(output).toContain('has no aws-cdk entry with a version and an integrity hash');
  });
});
