import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './support';

const WORKFLOWS = path.join(REPO_ROOT, '.github', 'workflows');
const LINT = path.join(REPO_ROOT, 'scripts', 'lint-workflows.sh');

function lint(dir?: string) {
  return spawnSync('bash', dir ? [LINT, dir] : [LINT], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
}

/** A GitHub expression as written in a workflow, e.g. `${{ vars.X }}`. */
const expr = (inner: string) => `\${{ ${inner} }}`;

function read(name: string): string {
  return fs.readFileSync(path.join(WORKFLOWS, name), 'utf8');
}

describe('scripts/lint-workflows.sh', () => {
  test('the repository workflows are clean', () => {
    const result = lint();
    expect({ status: result.status, output: result.status === 0 ? '' : result.stdout + result.stderr }).toEqual({
      status: 0,
      output: '',
    });
  });

  test('fails on an actionlint finding and on a shellcheck finding inside run:', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-workflows-'));
    fs.writeFileSync(
      path.join(dir, 'bad.yml'),
      [
        'name: bad',
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-24.04',
        '    steps:',
        `      - run: echo "${expr('matrix.missing')}"`,
        '      - name: unquoted',
        '        run: |',
        '          cp $SOURCE_FILE /tmp/',
        '',
      ].join('\n'),
    );
    const result = lint(dir);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('property "missing" is not defined');
    expect(result.stdout).toContain('SC2086');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('workflow policy', () => {
  const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  test.each(files)('%s: every action is pinned to a full commit SHA with a version comment', (file) => {
    const uses = read(file)
      .split('\n')
      .filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  test.each(files)('%s: read-only token by default', (file) => {
    expect(read(file)).toMatch(/^permissions:\n {2}contents: read\n/m);
  });

  test('deploy.yml: OIDC only in the deploy job, deploys never overlap, deploys the tested assembly', () => {
    const deploy = read('deploy.yml');
    const jobs = deploy.split(/^ {2}(?=[\w-]+:\n)/m);
    const deployJob = jobs.find((j) => j.startsWith('deploy:'))!;
    const buildJob = jobs.find((j) => j.startsWith('build:'))!;
    expect(deploy.match(/id-token: write/g)).toHaveLength(1);
    expect(deployJob).toContain('id-token: write');
    // Whole runs are serialized (workflow level, never cancelled), so an older push's assembly cannot
    // deploy after a newer one's; no job-level group besides it.
    expect(deploy).toMatch(/^concurrency:\n {2}group: [\w-]+\n {2}cancel-in-progress: false\n/m);
    expect(deploy.match(/concurrency:/g)).toHaveLength(1);
    expect(deployJob).toContain(`role-to-assume: ${expr('vars.AWS_DEPLOY_ROLE_ARN')}`);
    expect(deployJob).toContain(`aws-region: ${expr('vars.AWS_REGION')}`);
    expect(deployJob).toMatch(/download-artifact@.*\n\s+with:\n\s+name: cloud-assembly\n\s+path: cdk.out/);
    expect(deployJob).toMatch(/\/cdk-cli\/node_modules\/\.bin\/cdk" deploy \S+ --app cdk.out /);
    expect(deployJob).not.toMatch(/cdk synth/);
    expect(buildJob).toMatch(/npx cdk synth/);
    expect(buildJob).toMatch(/npm test/);
    expect(buildJob).toMatch(/upload-artifact@.*\n\s+with:\n\s+name: cloud-assembly\n\s+path: cdk.out/);
  });

  test('deploy.yml: the job with AWS credentials installs only the pinned CDK CLI, scripts off, in an environment', () => {
    const jobs = read('deploy.yml').split(/^ {2}(?=[\w-]+:\n)/m);
    const deployJob = jobs.find((j) => j.startsWith('deploy:'))!;
    const buildJob = jobs.find((j) => j.startsWith('build:'))!;
    // No project install (642 packages, install scripts on), no npx (it fetches whatever is missing),
    // no dependency cache restored into the job.
    expect(deployJob).not.toMatch(/npm (ci|install|i)\b|npx |yarn|pnpm|cache:/);
    expect(deployJob).toMatch(/^ {8}run: bash scripts\/install-cdk-cli\.sh "\$RUNNER_TEMP\/cdk-cli"$/m);
    const installer = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'install-cdk-cli.sh'), 'utf8');
    expect(installer).toMatch(/^npm ci --ignore-scripts /m);
    expect(installer.match(/^\s*npm /gm)).toHaveLength(1);
    expect(deployJob).toMatch(/^ {4}environment: [\w-]+$/m);
    expect(buildJob).not.toMatch(/environment:|id-token/);
    expect(buildJob).toMatch(/npm ci/);
  });

  test.each(files)('%s: every container image is pinned by digest', (file) => {
    const containers = [...read(file).matchAll(/^\s*(?:container|image):\s*(\S+)/gm)].map((m) => m[1]);
    expect(containers.length).toBeGreaterThan(0);
    for (const image of containers) expect(image).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
  });

  test('deploy.yml: a missing AWS_REGION fails the build job first, with a message naming the variable', () => {
    const deploy = read('deploy.yml');
    const jobs = deploy.split(/^ {2}(?=[\w-]+:\n)/m);
    const buildJob = jobs.find((j) => j.startsWith('build:'))!;
    const deployJob = jobs.find((j) => j.startsWith('deploy:'))!;
    const steps = buildJob.split(/\n {6}- /).slice(1);
    expect(steps[0]).toContain(`: ${expr('vars.AWS_REGION')}`);
    expect(steps[0]).toMatch(/::error[^\n]*AWS_REGION/);
    expect(steps[0]).toContain('exit 1');
    expect(deployJob).toMatch(/^ {4}if: vars\.AWS_REGION != ''$/m);
  });

  test.each(files)('%s: runs on Node 22', (file) => {
    const text = read(file);
    const versions = [...text.matchAll(/container: node:(\d+)-/g), ...text.matchAll(/node-version: ['"]?(\d+)/g)].map(
      (m) => m[1],
    );
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set(['22']));
  });

  test('deploy.yml: personal settings come from repository variables, passed to cdk as -c in the check and the synth', () => {
    const deploy = read('deploy.yml');
    const jobs = deploy.split(/^ {2}(?=[\w-]+:\n)/m);
    const buildJob = jobs.find((j) => j.startsWith('build:'))!;
    const script = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'with-repo-settings.sh'), 'utf8');
    const variables = [...script.matchAll(/^ {2}"SETTING_(\w+) [\w.]+"$/gm)].map((m) => m[1]!);
    expect(variables).toEqual(
      expect.arrayContaining(['NOTIFY_EMAIL', 'SENDER_EMAIL', 'ANILIST_USERNAME', 'MAL_CLIENT_ID']),
    );
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const name of variables) {
      expect(buildJob).toContain(`SETTING_${name}: ${expr(`vars.${name}`)}`);
      expect(readme).toMatch(new RegExp(`\\|\\s*\`${name}\`\\s*\\|`));
    }
    expect(buildJob).toMatch(/^ {8}run: bash scripts\/with-repo-settings\.sh npx tsx scripts\/deploy\.ts --check$/m);
    expect(buildJob).toMatch(/^ {8}run: bash scripts\/with-repo-settings\.sh npx cdk synth --quiet$/m);
  });

  test('deploy.yml: after a deploy, a job without AWS credentials writes the next steps to the run summary', () => {
    const jobs = read('deploy.yml').split(/^ {2}(?=[\w-]+:\n)/m);
    const deployJob = jobs.find((j) => j.startsWith('deploy:'))!;
    const nextSteps = jobs.find((j) => j.startsWith('next-steps:'))!;
    expect(nextSteps).toBeDefined();
    expect(nextSteps).toMatch(/^ {4}needs: deploy$/m);
    expect(nextSteps).not.toMatch(/id-token|environment:|configure-aws-credentials|AWS_DEPLOY_ROLE_ARN/);
    // The outputs go from the deploy job to this one as an artifact.
    expect(deployJob).toMatch(/upload-artifact@.*\n\s+with:\n\s+name: stack-outputs\n\s+path: outputs.json/);
    expect(nextSteps).toMatch(/download-artifact@.*\n\s+with:\n\s+name: stack-outputs/);
    expect(nextSteps).toMatch(
      /bash scripts\/with-repo-settings\.sh npx tsx scripts\/deploy-summary\.ts --outputs outputs\.json "\$\{hide\[@\]\}" \\\n\s+>> "\$GITHUB_STEP_SUMMARY"/,
    );
    // A public repository's summary shows no address in full.
    expect(nextSteps).toContain(`PRIVATE_REPOSITORY: ${expr('github.event.repository.private')}`);
    expect(nextSteps).toMatch(
      /hide=\(--hide-addresses\)\n\s+if \[ "\$PRIVATE_REPOSITORY" = true \]; then hide=\(\); fi/,
    );
  });
});
