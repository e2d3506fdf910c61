import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag';

export const GITHUB_OIDC_STACK_ID = 'MirrorGithubOidc';
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';

/** The CDK bootstrap qualifier; deploys only ever act through the bootstrap roles it names. */
export const CDK_QUALIFIER = 'hnb659fds';

/** The workflow allowed to deploy; its deploy job is the only one that requests an OIDC token. */
export const DEPLOY_WORKFLOW_PATH = '.github/workflows/deploy.yml';

/** The GitHub environment the deploy job runs in (`environment:` in the workflow). */
export const DEFAULT_DEPLOY_ENVIRONMENT = 'production';

export interface GithubOidcStackProps extends StackProps {
  /** `owner/name` of the GitHub repository allowed to deploy. */
  readonly repository: string;
  /**
   * The only branch whose workflow runs may assume the role.
   * @default 'main'
   */
  readonly branch?: string;
  /**
   * The GitHub environment the deploy job runs in; it must match `environment:` in the workflow.
   * @default 'production'
   */
  readonly environment?: string;
  /**
   * ARN of the account's existing GitHub OIDC provider. An account can hold one provider per issuer
   * URL, so reuse it if another project already created it.
   * @default - the stack creates the provider
   */
  readonly existingProviderArn?: string;
  /**
   * @default 'anilist-mal-mirror-github-deploy'
   */
  readonly roleName?: string;
}

/**
 * One-time setup for `.github/workflows/deploy.yml`: GitHub's OIDC provider and a role that only
 * the deploy job of that workflow, on one branch of one repository, in one GitHub environment, can
 * assume without stored AWS keys.
 *
 * The role can do nothing itself but assume the CDK bootstrap roles (deploy, file publishing,
 * lookup), so what a deploy may change is bounded by the bootstrap's CloudFormation execution
 * policy, exactly as for a deploy from a laptop.
 */
export class GithubOidcStack extends Stack {
  readonly role: iam.Role;
  readonly provider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: GithubOidcStackProps) {
    super(scope, id, props);
    const branch = props.branch ?? 'main';
    const environment = props.environment ?? DEFAULT_DEPLOY_ENVIRONMENT;

    this.provider = props.existingProviderArn
      ? iam.OidcProviderNative.fromOidcProviderArn(this, 'Provider', props.existingProviderArn)
      : new iam.OidcProviderNative(this, 'Provider', {
          url: `https://${GITHUB_OIDC_ISSUER}`,
          clientIds: ['sts.amazonaws.com'],
        });

    this.role = new iam.Role(this, 'DeployRole', {
      roleName: props.roleName ?? 'anilist-mal-mirror-github-deploy',
      description: `Assumed by the deploy job of ${DEPLOY_WORKFLOW_PATH} in ${props.repository} on ${branch} (environment ${environment}) to run cdk deploy`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: deployJobClaims(props.repository, branch, environment),
      }),
    });

    const bootstrapRoles = ['deploy-role', 'file-publishing-role', 'lookup-role'].map((kind) =>
      this.formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName: `cdk-${CDK_QUALIFIER}-${kind}-${this.account}-*`,
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: bootstrapRoles }));
    acknowledge(this.role, {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-hnb659fds-deploy-role-<AWS::AccountId>-*]',
      reason:
        'Bootstrap role names end in the region; the wildcard admits this account’s CDK deploy role in any bootstrapped region and nothing else.',
    });
    acknowledge(this.role, {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-hnb659fds-file-publishing-role-<AWS::AccountId>-*]',
      reason:
        'Bootstrap role names end in the region; the wildcard admits this account’s CDK asset publishing role in any bootstrapped region and nothing else.',
    });
    acknowledge(this.role, {
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-hnb659fds-lookup-role-<AWS::AccountId>-*]',
      reason:
        'Bootstrap role names end in the region; the wildcard admits this account’s CDK lookup role in any bootstrapped region and nothing else.',
    });

    new CfnOutput(this, 'DeployRoleArn', {
      description: 'Set as the repository variable AWS_DEPLOY_ROLE_ARN',
      value: this.role.roleArn,
    });
  }
}

/**
 * The OIDC claims a token must carry, all of them exactly (`StringEquals`; a missing claim fails).
 *
 * - `sub`: a job that names an environment gets `repo:<owner/name>:environment:<env>` as its subject
 *   (the branch is no longer in it), so the subject pins the repository and the environment. The
 *   environment's deployment branch rule and reviewers (README) then gate who may reach it.
 * - `job_workflow_ref`: `<owner/name>/<workflow path>@<ref>`: only deploy.yml, only as committed on
 *   the branch, so another workflow of the repository (or one on another branch) naming the same
 *   environment gets no credentials. AWS STS has accepted GitHub's `job_workflow_ref` (and
 *   `environment`, `ref`, `repository`, ...) as condition keys since January 2026; before, only
 *   `sub` and `aud` were, and a key STS does not know never matches, so this fails closed.
 */
export function deployJobClaims(repository: string, branch: string, environment: string): Record<string, string> {
  return {
    [`${GITHUB_OIDC_ISSUER}:aud`]: 'sts.amazonaws.com',
    [`${GITHUB_OIDC_ISSUER}:sub`]: `repo:${repository}:environment:${environment}`,
    [`${GITHUB_OIDC_ISSUER}:job_workflow_ref`]: `${repository}/${DEPLOY_WORKFLOW_PATH}@refs/heads/${branch}`,
  };
}
