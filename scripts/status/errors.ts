import { redactSecrets } from '../../shared/errors';

/** A problem that stops `npm run status`, in words that name the fix. */
export class StatusError extends Error {
  override readonly name = 'StatusError';
}

const ACCESS_DENIED = /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedAccess|Forbidden)$/;
const NO_CREDENTIALS = /^(CredentialsProviderError|ProviderError|TokenProviderError)$/;
const EXPIRED = /^(ExpiredToken|ExpiredTokenException|RequestExpired)$/;
const BAD_CREDENTIALS = /^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|InvalidAccessKeyId)$/;

/**
 * What went wrong with an AWS call, and what to do about it: no credentials, credentials refused or
 * expired, a missing permission (named), no region. Anything else keeps the SDK's own name and
 * message (redacted), found also behind a StoreError's `cause`.
 */
export function explainAwsError(err: unknown, permission: string, stackName?: string): string {
  const cause = rootCause(err);
  const name = cause instanceof Error ? cause.name : '';
  const message = cause instanceof Error ? cause.message : String(cause);
  if (NO_CREDENTIALS.test(name) || /Could not load credentials/i.test(message)) {
    return 'No AWS credentials found: run `aws configure` (or `aws sso login`), or set AWS_PROFILE to a profile that has them.';
  }
  if (/Region is missing/i.test(message)) {
    return 'No AWS region set: put "region" in cdk.json, set AWS_REGION, or pass --region (the region you deployed to).';
  }
  if (EXPIRED.test(name))
    return 'Your AWS credentials have expired: log in again (`aws sso login`, or renew the session).';
  if (BAD_CREDENTIALS.test(name)) {
    return `AWS refused these credentials (${name}): check \`aws configure\` or AWS_PROFILE.`;
  }
  if (ACCESS_DENIED.test(name) || httpStatus(cause) === 403) {
    const what = stackName ? ` on the stack ${stackName}` : '';
    return `Access denied: your AWS identity needs ${permission}${what}.`;
  }
  return redactSecrets(`${name || 'Error'}: ${message}`);
}

/** The innermost error: S3Store wraps the SDK's error in a StoreError whose `cause` it is. */
function rootCause(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
  }
  return current;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
