import { App } from 'aws-cdk-lib';
import * as z from 'zod';
import { ConfigError } from '../../shared/errors';
import { addNagPacks } from '../nag';
import { DEFAULT_DEPLOY_ENVIRONMENT, GITHUB_OIDC_STACK_ID, GithubOidcStack } from './stack';

/**
 * One-time setup app, deployed by hand with admin credentials:
 *
 *   npx cdk --app "npx tsx infra/github-oidc/app.ts" deploy -c githubRepository=owner/name
 *
 * Context: `githubRepository` (required), `githubBranch` (default main), `githubEnvironment`
 * (default production: the deploy job's `environment:`), `githubOidcProviderArn` (reuse an existing
 * provider), `githubDeployRoleName`.
 */
const unsetIfEmpty = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const githubOidcConfigSchema = z.object({
  githubRepository: z.preprocess(
    unsetIfEmpty,
    z
      .string({ message: 'is required: the GitHub repository allowed to deploy, as owner/name' })
      .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'must look like owner/name'),
  ),
  githubBranch: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[A-Za-z0-9._/-]+$/, 'must be a branch name')
      .default('main'),
  ),
  githubEnvironment: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/, 'must be a GitHub environment name (letters, digits, . _ -)')
      .default(DEFAULT_DEPLOY_ENVIRONMENT),
  ),
  githubOidcProviderArn: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
        'must be the ARN of the account’s token.actions.githubusercontent.com OIDC provider',
      )
      .optional(),
  ),
  githubDeployRoleName: z.preprocess(unsetIfEmpty, z.string().min(1).optional()),
});

export function buildGithubOidcApp(app: App = new App()): { app: App; stack: GithubOidcStack } {
  const result = githubOidcConfigSchema.safeParse(app.node.getAllContext());
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${String(i.path[0])} ${i.message}`));
  }
  const config = result.data;
  const stack = new GithubOidcStack(app, GITHUB_OIDC_STACK_ID, {
    description: 'anilist-mal-mirror: GitHub Actions OIDC deploy role',
    repository: config.githubRepository,
    branch: config.githubBranch,
    environment: config.githubEnvironment,
    existingProviderArn: config.githubOidcProviderArn,
    roleName: config.githubDeployRoleName,
  });
  addNagPacks(app);
  return { app, stack };
}

if (require.main === module) {
  try {
    buildGithubOidcApp();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
