import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildGithubOidcApp } from '../../infra/github-oidc/app';
import { DEFAULT_DEPLOY_ENVIRONMENT, DEPLOY_WORKFLOW_PATH } from '../../infra/github-oidc/stack';
import { REPO_ROOT } from './support';

function synth(context: Record<string, unknown>): Template {
  return Template.fromStack(buildGithubOidcApp(new App({ context })).stack);
}

describe('GitHub OIDC deploy role', () => {
  const template = synth({ githubRepository: 'someone/anilist-mal-mirror' });

  test('creates the GitHub OIDC provider for sts.amazonaws.com', () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  test('trusts only the deploy job of deploy.yml on main of the one repository, in its environment', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as {
      Properties: { AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] } };
    }[];
    expect(roles).toHaveLength(1);
    const statements = roles[0]!.Properties.AssumeRolePolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toEqual({
      Action: 'sts:AssumeRoleWithWebIdentity',
      Effect: 'Allow',
      Principal: { Federated: { Ref: Object.keys(template.findResources('AWS::IAM::OIDCProvider'))[0] } },
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          // A job that names an environment gets this subject (no branch in it).
          'token.actions.githubusercontent.com:sub': 'repo:someone/anilist-mal-mirror:environment:production',
          // Only this workflow file, as committed on main: no other workflow naming the environment.
          'token.actions.githubusercontent.com:job_workflow_ref':
            'someone/anilist-mal-mirror/.github/workflows/deploy.yml@refs/heads/main',
        },
      },
    });
  });

  test('the environment the role trusts is the one the deploy job runs in, and the workflow it names exists', () => {
    const workflow = fs.readFileSync(path.join(REPO_ROOT, DEPLOY_WORKFLOW_PATH), 'utf8');
    const jobs = workflow.split(/^ {2}(?=[\w-]+:\n)/m);
    const deployJob = jobs.find((j) => j.startsWith('deploy:'))!;
    expect(deployJob).toMatch(new RegExp(`^ {4}environment: ${DEFAULT_DEPLOY_ENVIRONMENT}$`, 'm'));
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: Match.objectLike({
                'token.actions.githubusercontent.com:sub': Match.stringLikeRegexp(
                  `:environment:${DEFAULT_DEPLOY_ENVIRONMENT}$`,
                ),
              }),
            },
          }),
        ],
      },
    });
  });

  test('may do nothing but assume the CDK bootstrap roles of its own account', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: { Action: string; Resource: unknown[] }[] } };
    }[];
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.Action).toBe('sts:AssumeRole');
    const resources = statements[0]!.Resource.map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(3);
    for (const r of resources) expect(r).toMatch(/:role\/cdk-hnb659fds-(deploy|file-publishing|lookup)-role-/);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
  });

  test('reuses an existing provider instead of creating a second one; other branches and environments are possible', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const t = synth({
      githubRepository: 'someone/mirror',
      githubBranch: 'release',
      githubEnvironment: 'aws-prod',
      githubOidcProviderArn: arn,
    });
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Federated: arn },
            Condition: {
              StringEquals: Match.objectLike({
                'token.actions.githubusercontent.com:sub': 'repo:someone/mirror:environment:aws-prod',
                'token.actions.githubusercontent.com:job_workflow_ref':
                  'someone/mirror/.github/workflows/deploy.yml@refs/heads/release',
              }),
            },
          }),
        ],
      },
    });
  });

  test('outputs the role ARN for the AWS_DEPLOY_ROLE_ARN repository variable', () => {
    template.hasOutput('DeployRoleArn', { Value: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } });
  });

  test('refuses to synthesize without a valid repository', () => {
    expect(() => synth({})).toThrow(/githubRepository is required/);
    expect(() => synth({ githubRepository: 'not a repo' })).toThrow(/githubRepository must look like owner\/name/);
    expect(() => synth({ githubRepository: 'someone/mirror', githubEnvironment: 'prod env' })).toThrow(
      /githubEnvironment must be a GitHub environment name/,
    );
  });
});
