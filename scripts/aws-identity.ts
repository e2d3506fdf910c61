import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

/**
 * Who the AWS credentials on this machine are, asked of STS (GetCallerIdentity needs no permission,
 * costs nothing and answers in well under a second): so that deploy and destroy stop at once, with
 * the fix, when there are none or they expired, and say which account and region they act on.
 */
export type CallerCheck =
  | { readonly ok: true; readonly account: string; readonly arn: string; readonly region: string }
  | { readonly ok: false; readonly message: string };

/** The ways to get credentials, for every "no or expired credentials" message. */
function loginHelp(profile: string | undefined): string {
  const named = profile ? ` --profile ${profile}` : ' --profile <name>';
  return [
    'Get credentials, then run the command again:',
    `  - AWS IAM Identity Center (SSO): aws sso login${named}` +
      (profile ? '' : ', then export AWS_PROFILE=<name> (or add -- --profile <name> to the npm command)'),
    '  - access keys: aws configure (or export AWS_PROFILE=<a profile that has them>)',
  ].join('\n');
}

/** SDK error names that mean "credentials missing, expired or refused", not "AWS is unreachable". */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'TokenProviderError',
]);

/**
 * `region`: the pinned `region` setting, if any; otherwise the SDK's own (AWS_REGION, the profile's).
 * `profile`: `--profile` from the command line, already put in AWS_PROFILE by the caller.
 */
export async function checkCredentials(region: string | undefined, profile?: string): Promise<CallerCheck> {
  const client = new STSClient({ ...(region ? { region } : {}), maxAttempts: 2 });
  try {
    let resolvedRegion: string;
    try {
      resolvedRegion = await client.config.region();
    } catch {
      resolvedRegion = '';
    }
    if (!resolvedRegion) {
      return {
        ok: false,
        message:
          'No AWS region: set "region" in cdk.local.json or cdk.json, export AWS_REGION=<region>, or use a profile that has one (aws configure set region <region>).',
      };
    }
    const who = await client.send(new GetCallerIdentityCommand({}));
    return { ok: true, account: who.Account ?? '?', arn: who.Arn ?? '?', region: resolvedRegion };
  } catch (err) {
    return { ok: false, message: credentialProblem(err, profile) };
  } finally {
    client.destroy();
  }
}

function credentialProblem(err: unknown, profile: string | undefined): string {
  const name = err instanceof Error ? err.name : 'Error';
  const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
  if (!CREDENTIAL_ERRORS.has(name)) {
    return `Could not reach AWS STS to check your credentials (${name}: ${detail}). Check your network connection and retry.`;
  }
  // An expired SSO session also surfaces as CredentialsProviderError, with "expired" in its message.
  const missing = name === 'CredentialsProviderError' && !/expired/i.test(detail);
  const what = !missing
    ? 'Your AWS credentials have expired or were refused'
    : profile
      ? `No usable AWS credentials for the profile "${profile}"`
      : 'No AWS credentials found';
  return `${what} (${name}: ${detail}).\n${loginHelp(profile)}`;
}

/**
 * The `account` setting pins the stack to one account: credentials for another would make cdk fail
 * later with a less plain message (or, for destroy, look in the wrong account).
 */
export function accountMismatch(pinned: string | undefined, caller: { readonly account: string }): string | undefined {
  if (!pinned || pinned === caller.account) return undefined;
  return (
    `The "account" setting pins account ${pinned}, but your AWS credentials are for account ${caller.account}. ` +
    'Use credentials for that account (--profile <name> / AWS_PROFILE), or change the setting.'
  );
}
