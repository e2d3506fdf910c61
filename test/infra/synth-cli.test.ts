import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './support';

/**
 * The real thing: `npx cdk synth` of the app in cdk.json, bundling the handlers with esbuild, with
 * cdk-nag registered, and no way to reach AWS (no credentials, no metadata service).
 */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  }
  const nowhere = path.join(os.tmpdir(), 'no-aws-config-here');
  return {
    ...env,
    AWS_CONFIG_FILE: nowhere,
    AWS_SHARED_CREDENTIALS_FILE: nowhere,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

function cdk(args: string[]) {
  return spawnSync('npx', ['cdk', ...args], { cwd: REPO_ROOT, env: offlineEnv(), encoding: 'utf8', timeout: 180_000 });
}

describe('cdk synth of the real app, offline', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('succeeds, bundles the three handlers and passes cdk-nag', () => {
    const result = cdk(['synth', '--quiet', '-o', outdir]);
    expect({ status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({
      status: 0,
      stderr: '',
    });

    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'MirrorStack.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
    for (const fn of functions) {
      const asset = fn.Metadata?.['aws:asset:path'];
      expect(asset).toBeDefined();
      const bundle = path.join(outdir, asset!, 'index.js');
      expect(fs.statSync(bundle).size).toBeGreaterThan(0);
      expect(fs.existsSync(`${bundle}.map`)).toBe(true);
      // The SDK's default credential chain is swapped for the environment provider alone
      // (lambdas/lambda-credentials.ts): none of the other sources may have been bundled.
      const code = fs.readFileSync(bundle, 'utf8');
      for (const marker of ['sso_start_url', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
        expect({ bundle: asset, marker, found: code.includes(marker) }).toEqual({
          bundle: asset,
          marker,
          found: false,
        });
      }
      // A CommonJS bundle exporting a `handler` function, which is what Lambda's `index.handler` loads:
      // load it as Lambda would, in a fresh Node process (no AWS access, nothing configured).
      const loaded = spawnSync(
        process.execPath,
        ['-e', `process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`],
        { cwd: os.tmpdir(), env: offlineEnv(), encoding: 'utf8', timeout: 60_000 },
      );
      expect({ bundle: asset, status: loaded.status, stdout: loaded.stdout, stderr: loaded.stderr }).toEqual({
        bundle: asset,
        status: 0,
        stdout: 'function',
        stderr: '',
      });
    }

    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  }, 180_000);

  test('a bad -c value fails synthesis with the key named', () => {
    const result = cdk(['synth', '--quiet', '-o', outdir, '-c', 'syncIntervalMinutes=1', '-c', 'mal.prune=sometimes']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('syncIntervalMinutes must be at least 2');
    expect(result.stderr).toContain('mal.prune must be true or false');
  }, 180_000);
});
