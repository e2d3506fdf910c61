import * as fs from 'node:fs';
import * as path from 'node:path';
import { MIRROR_STACK_ID } from '../../infra/mirror-stack';
import { asArray, REAL_SETTINGS, resourcesOf, synthMirror } from './support';

// The optional narrower CloudFormation execution policy (README: Continuous deployment from GitHub).
// It must keep covering every resource type the stack creates, or a deploy through it fails half-way.
const POLICY_FILE = path.join(__dirname, '..', '..', 'infra', 'github-oidc', 'cfn-execution-policy.json');
const policy = JSON.parse(fs.readFileSync(POLICY_FILE, 'utf8')) as {
  Version: string;
  Statement: { Effect: string; Action: string | string[]; Resource: string | string[] }[];
};

/** IAM service prefix of each CloudFormation namespace the stack uses. */
const SERVICE_OF: Record<string, string> = {
  ApiGatewayV2: 'apigateway',
  CloudWatch: 'cloudwatch',
  Events: 'events',
  IAM: 'iam',
  KMS: 'kms',
  Lambda: 'lambda',
  Logs: 'logs',
  S3: 's3',
  SES: 'ses',
  SNS: 'sns',
  SQS: 'sqs',
  SSM: 'ssm',
};

// Every optional resource on: alarm topic and key, secrets from SSM, the AniList token.
const { template } = synthMirror({
  ...REAL_SETTINGS,
  alarmEmail: 'alerts@mail.test',
  'mal.clientSecretParameter': '/anilist-mal-mirror/mal-client-secret',
  anilistTokenParameter: 'anilist-token',
});

const statements = policy.Statement.map((s) => ({
  effect: s.Effect,
  actions: asArray(s.Action),
  resources: asArray(s.Resource),
}));
const allowedAnywhere = statements
  .filter((s) => s.effect === 'Allow' && s.resources.includes('*'))
  .flatMap((s) => s.actions);

describe('infra/github-oidc/cfn-execution-policy.json', () => {
  test('covers the service of every resource type in the mirror stack', () => {
    const types = [
      ...new Set(Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type)),
    ];
    const missing = types
      .filter((type) => type !== 'AWS::CDK::Metadata')
      .filter((type) => {
        const service = SERVICE_OF[type.split('::')[1]!];
        if (!service) return true;
        if (service === 'iam')
          return !['iam:CreateRole', 'iam:PutRolePolicy', 'iam:PassRole'].every((a) =>
            statements.some((s) => s.actions.includes(a)),
          );
        return !allowedAnywhere.includes(`${service}:*`);
      });
    expect(missing).toEqual([]);
  });

  test('IAM: only roles named after the stack, only inline policies; nothing else in IAM', () => {
    const iamStatements = statements.filter((s) => s.actions.some((a) => a.startsWith('iam:')));
    expect(iamStatements).toHaveLength(1);
    expect(iamStatements[0]!.resources).toEqual([`arn:aws:iam::*:role/${MIRROR_STACK_ID}-*`]);
    for (const action of iamStatements[0]!.actions) {
      // Role actions only (no users, groups or managed policies), and no managed policy attached to a role.
      expect(action).toMatch(/^iam:[A-Za-z]*Role[A-Za-z]*$/);
      expect(action).not.toMatch(/^iam:(Attach|Detach)|PermissionsBoundary/);
    }
    // CloudFormation names the stack's roles `<stack>-<logical id>-<suffix>`: none may pick its own name.
    for (const [, role] of resourcesOf(template, 'AWS::IAM::Role')) {
      expect((role.Properties as { RoleName?: unknown }).RoleName).toBeUndefined();
    }
  });

  test('Allow statements naming a service each, no bare "*" action', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of statements) {
      expect(s.effect).toBe('Allow');
      for (const action of s.actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z*]+$/);
    }
  });
});
