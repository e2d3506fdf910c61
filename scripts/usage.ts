import type { CommandLineSpec } from '../shared/text/args';

/**
 * The command lines of `npm run deploy` and `npm run destroy` (parsed with shared/text/args.ts,
 * like every other command). Both hand their arguments on to `cdk`, so only the options below are
 * accepted: a mistyped `--profle` is refused here, before anything reaches AWS.
 */
export const DEPLOY_ARGS: CommandLineSpec = { flags: ['--check'], values: ['-c', '--context', '--profile'] };

export const DEPLOY_USAGE = `usage: npm run deploy -- [-c key=value ...] [--profile NAME] [--check]

Deploys the mirror stack to your AWS account with the CDK: checks the settings (cdk.json and each
-c key=value) and refuses the example values, checks your AWS credentials and that the account is
CDK-bootstrapped, runs cdk deploy, then prints what to do next.
  -c, --context key=value  one setting for this run, e.g. -c syncIntervalMinutes=30 (repeatable)
  --profile NAME           the AWS CLI profile to deploy with
  --check                  only check the settings, then stop (CI runs this before it builds)`;

export const DESTROY_ARGS: CommandLineSpec = { flags: ['--force'], values: ['-c', '--context', '--profile'] };

export const DESTROY_USAGE = `usage: npm run destroy -- [--force] [--profile NAME] [-c key=value ...]

Deletes the mirror stack (functions, API, alarms, queue, logs, the SES identities it created) once
you type "yes". The state bucket (your tokens, the sync state, list backups) is kept, and named at
the end with how to delete it too.
  --force                  do not ask
  --profile NAME           the AWS CLI profile to use
  -c, --context key=value  a setting as for npm run deploy, e.g. -c region=eu-west-1`;
