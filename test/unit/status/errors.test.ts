import { explainAwsError } from '../../../scripts/status/errors';
import { StoreError } from '../../../shared/store/s3-store';

/** An error as the AWS SDK v3 throws it: a name, a message, the HTTP status. */
function sdkError(name: string, message: string, status?: number): Error {
  const err = new Error(message);
  err.name = name;
  return Object.assign(err, status ? { $metadata: { httpStatusCode: status } } : {});
}

describe('explainAwsError: what went wrong and the fix', () => {
  test('access denied names the permission (and the stack)', () => {
    expect(
      explainAwsError(
        sdkError('AccessDenied', 'User is not authorized', 403),
        'cloudformation:DescribeStacks',
        'MirrorStack',
      ),
    ).toBe('Access denied: your AWS identity needs cloudformation:DescribeStacks on the stack MirrorStack.');
    expect(explainAwsError(sdkError('AccessDeniedException', 'no'), 'cloudwatch:DescribeAlarms')).toBe(
      'Access denied: your AWS identity needs cloudwatch:DescribeAlarms.',
    );
  });

  test('behind the store’s error: S3 refusing a read', () => {
    const refused = new StoreError('Listing s3://b/reports/ failed: AccessDenied', {
      cause: sdkError('AccessDenied', 'Access Denied', 403),
    });
    expect(explainAwsError(refused, 's3:ListBucket and s3:GetObject on reports/*')).toBe(
      'Access denied: your AWS identity needs s3:ListBucket and s3:GetObject on reports/*.',
    );
  });

  test('no credentials, expired ones, refused ones, no region', () => {
    expect(
      explainAwsError(sdkError('CredentialsProviderError', 'Could not load credentials from any providers'), 'x'),
    ).toMatch(/^No AWS credentials found: run `aws configure`.*AWS_PROFILE/);
    expect(
      explainAwsError(sdkError('ExpiredToken', 'The security token included in the request is expired'), 'x'),
    ).toMatch(/expired: log in again/);
    expect(explainAwsError(sdkError('InvalidClientTokenId', 'bad'), 'x')).toContain('AWS refused these credentials');
    expect(explainAwsError(sdkError('Error', 'Region is missing'), 'x')).toContain('No AWS region set');
  });

  test('anything else keeps the SDK’s name and message', () => {
    expect(explainAwsError(sdkError('ThrottlingException', 'Rate exceeded'), 'x')).toBe(
      'ThrottlingException: Rate exceeded',
    );
  });
});
