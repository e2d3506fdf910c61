import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildGithubOidcApp } from '../../infra/github-oidc/app';
import { addNagPacks } from '../../infra/nag';
import { REAL_SETTINGS, synthMirror } from './support';

const FULL = {
  ...REAL_SETTINGS,
  alarmEmail: 'alerts@mail.test',
  'mal.clientSecretParameter': '/anilist-mal-mirror/mal-client-secret',
  anilistTokenParameter: '/anilist-mal-mirror/anilist-token',
};

function tempOutdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nag-test-'));
}

interface Finding {
  readonly rule: string;
  readonly path: string;
}

function findings(app: IConstruct): Finding[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(app)
      .violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' }))),
  );
}

/** Every acknowledgement in the tree: rule id, where it was made, and its reason. */
function acknowledgements(root: IConstruct): { id: string; path: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          path: c.node.path,
          reason,
        })),
      ),
  );
}

/** Findings as if nothing were acknowledged (cdk-nag consults `isAcknowledged` for each one). */
function rawFindings(app: IConstruct): Finding[] {
  const proto = NagPack.prototype as unknown as { isAcknowledged: unknown };
  if (typeof proto.isAcknowledged !== 'function') throw new Error('cdk-nag internals changed: update this test');
  const original = proto.isAcknowledged;
  proto.isAcknowledged = () => false;
  try {
    return findings(app);
  } finally {
    proto.isAcknowledged = original;
  }
}

const variants: [string, () => App][] = [
  ['mirror stack, cdk.json defaults', () => synthMirror().app],
  ['mirror stack, every option on', () => synthMirror(FULL).app],
  [
    'mirror stack, imported SES identity',
    () => synthMirror({ ...REAL_SETTINGS, sesIdentity: 'import', sesIdentityName: 'mail.test' }).app,
  ],
  [
    'github-oidc stack',
    () => buildGithubOidcApp(new App({ context: { githubRepository: 'someone/anilist-mal-mirror' } })).app,
  ],
];

describe.each(variants)('%s', (_name, build) => {
  const app = build();

  test('synthesizes with the nag packs registered: zero unacknowledged findings', () => {
    expect(findings(app)).toEqual([]);
    // And through CDK's own validation path, the one `cdk synth` uses.
    expect(() => app.synth({ force: true })).not.toThrow();
  });

  test('every acknowledgement matches a real finding and gives a reason', () => {
    const raw = rawFindings(app);
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length).toBeGreaterThanOrEqual(40);
      const used = raw.some((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      if (!used) throw new Error(`acknowledgement ${ack.id} at ${ack.path} matches no finding: remove it`);
    }
  });
});

describe('the baseline can fail', () => {
  test('an unacknowledged finding fails synthesis', () => {
    const app = new App({ outdir: tempOutdir() });
    const stack = new Stack(app, 'Throwaway');
    new s3.Bucket(stack, 'PlainBucket'); // no access logs, no TLS enforcement
    addNagPacks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });

  test('an acknowledgement covers only its own rule', () => {
    const app = new App({ outdir: tempOutdir() });
    const stack = new Stack(app, 'Throwaway');
    const bucket = new s3.Bucket(stack, 'PlainBucket');
    Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'testing that S10 is still reported' });
    addNagPacks(app);
    let message = '';
    try {
      app.synth();
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/AwsSolutions-S10/);
    expect(message).not.toMatch(/The S3 Bucket has server access logs disabled/);
  });
});
