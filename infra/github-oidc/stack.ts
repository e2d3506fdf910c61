import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag';

export const GITHUB_OIDC_STACK_ID = 'MirrorGithubOidc';
export const GITHUB_OIDC_ISSUER = 'token.actions.githubusercontent.com';

/** The CDK bootstrap qualifier; deploys only ever act through the bootstrap roles it names. */
export const CDK_QUALIFIER = 'hnb659fds';

export interface GithubOidcStackProps extends StackProps {
  /** `owner/name` of the GitHub repository allowed to deploy. */
  readonly repository: string;
  /**
   * The only branch whose workflow runs may assume the role.
   * @default 'main'
   */
  readonly branch?: string;
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
 * One-time setup for `.github/workflows/deploy.yml`: GitHub's OIDC provider and a role that
 * workflow runs on one branch of one repository can assume without stored AWS keys.
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

    this.provider = props.existingProviderArn
      ? iam.OidcProviderNative.fromOidcProviderArn(this, 'Provider', props.existingProviderArn)
      : new iam.OidcProviderNative(this, 'Provider', {
          url: `https://${GITHUB_OIDC_ISSUER}`,
          clientIds: ['sts.amazonaws.com'],
        });

    this.role = new iam.Role(this, 'DeployRole', {
      roleName: props.roleName ?? 'anilist-mal-mirror-github-deploy',
      description: `Assumed by GitHub Actions in ${props.repository} on ${branch} to run cdk deploy`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_ISSUER}:aud`]: 'sts.amazonaws.com',
          // Exact subject: this repository, this branch; no pull requests, forks, tags or environments.
          [`${GITHUB_OIDC_ISSUER}:sub`]: `repo:${props.repository}:ref:refs/heads/${branch}`,
        },
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
