/**
 * `npm run deploy [-- -c key=value ... --profile name]`
 *
 * 1. validates the effective config (cdk.json, then cdk.local.json, then -c overrides), refuses
 *    placeholder values and warns about a sender address that fails DMARC;
 * 2. checks the AWS credentials (STS) and says which account and region it deploys to, then that
 *    the account/region is CDK-bootstrapped;
 * 3. runs `cdk deploy` with the outputs written to cdk.out/outputs.json;
 * 4. prints what to do next (scripts/deploy-summary.ts: redirect URL, SES, first email, status).
 *
 * `--check` stops after step 1 (CI uses it before synthesizing the assembly it deploys).
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CDK_QUALIFIER } from '../infra/github-oidc/stack';
import { MIRROR_STACK_ID } from '../infra/mirror-stack';
import { answerUsage, parseCommandLine } from '../shared/text/args';
import { guardConsoleOutput } from '../shared/text/terminal';
import { accountMismatch, checkCredentials } from './aws-identity';
import { checkDeployConfig, OUTPUTS_FILE, profileArg, readOutputs, runCdk, withLocalSettings } from './cdk-config';
import { nextSteps, renderText } from './deploy-summary';
import { DEPLOY_ARGS, DEPLOY_USAGE } from './usage';

// Everything this command prints passes `printable`: no text from a provider can drive the terminal.
guardConsoleOutput();

const BOOTSTRAP_PARAMETER = `/cdk-bootstrap/${CDK_QUALIFIER}/version`;

async function main(argv: readonly string[]): Promise<number> {
  const usage = answerUsage(parseCommandLine(argv, DEPLOY_ARGS), DEPLOY_USAGE);
  if (usage !== undefined) return usage;
  const checkOnly = argv.includes('--check');
  // The local settings file (cdk.local.json) goes to cdk as -c arguments, validated here as such.
  const cdkArgs = withLocalSettings(argv.filter((a) => a !== '--check'));

  const check = checkDeployConfig(cdkArgs);
  if (!check.ok) {
    console.error(check.message);
    return 1;
  }
  const { config } = check;
  for (const warning of check.warnings) {
    // In GitHub Actions, an annotation on the run's page; on a terminal, a line before the long part.
    console.warn(
      process.env.GITHUB_ACTIONS === 'true' ? `::warning title=senderEmail::${warning}` : `Warning: ${warning}`,
    );
  }
  if (checkOnly) {
    console.log('Config OK: no placeholder values left.');
    return 0;
  }

  const profile = profileArg(cdkArgs);
  if (profile) process.env.AWS_PROFILE = profile;
  const caller = await checkCredentials(config.region, profile);
  if (!caller.ok) {
    console.error(caller.message);
    return 1;
  }
  const mismatch = accountMismatch(config.account, caller);
  if (mismatch) {
    console.error(mismatch);
    return 1;
  }
  console.log(`Deploying to AWS account ${caller.account}, region ${caller.region} (as ${caller.arn}).`);
  const bootstrap = await bootstrapVersion(config.region);
  if (!bootstrap.ok) {
    console.error(bootstrap.message);
    return 1;
  }
  console.log(`CDK bootstrap found in ${bootstrap.region} (version ${bootstrap.version}).`);

  const code = await runCdk([
    'deploy',
    MIRROR_STACK_ID,
    '--require-approval',
    'never',
    '--outputs-file',
    OUTPUTS_FILE,
    ...cdkArgs,
  ]);
  if (code !== 0) return code;

  const outputs = readOutputs() ?? {};
  console.log(renderText(nextSteps({ config, outputs, region: bootstrap.region }), check.warnings));
  return 0;
}

type BootstrapCheck =
  | { readonly ok: true; readonly version: string; readonly region: string }
  | { readonly ok: false; readonly message: string };

async function bootstrapVersion(region: string | undefined): Promise<BootstrapCheck> {
  const client = new SSMClient(region ? { region } : {});
  let resolvedRegion: string;
  try {
    resolvedRegion = await client.config.region();
  } catch {
    return {
      ok: false,
      message: 'No AWS region: set "region" in cdk.json, or AWS_REGION / a profile with a region (--profile name).',
    };
  }
  try {
    const out = await client.send(new GetParameterCommand({ Name: BOOTSTRAP_PARAMETER }));
    return { ok: true, version: out.Parameter?.Value ?? '?', region: resolvedRegion };
  } catch (err) {
    const name = err instanceof Error ? err.name : String(err);
    if (name === 'ParameterNotFound') {
      return {
        ok: false,
        message:
          `This account is not CDK-bootstrapped in ${resolvedRegion} (no SSM parameter ${BOOTSTRAP_PARAMETER}).\n` +
          `Run once:  npx cdk bootstrap aws://<your-account-id>/${resolvedRegion}`,
      };
    }
    if (
      name === 'CredentialsProviderError' ||
      name === 'ExpiredTokenException' ||
      name === 'UnrecognizedClientException'
    ) {
      return {
        ok: false,
        message: `No usable AWS credentials (${name}). Log in (aws sso login / aws configure) and retry.`,
      };
    }
    return {
      ok: false,
      message: `Could not read ${BOOTSTRAP_PARAMETER} in ${resolvedRegion}: ${name}. Is the account bootstrapped (npx cdk bootstrap)?`,
    };
  } finally {
    client.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
