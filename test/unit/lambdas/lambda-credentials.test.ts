import { S3Client } from '@aws-sdk/client-s3';
import { defaultProvider } from '../../../lambdas/lambda-credentials';

/**
 * The Lambda bundles replace `@aws-sdk/credential-provider-node` with this module (an esbuild
 * alias): the SDK clients call it through their `credentialDefaultProvider` hook, exactly as here.
 */
describe('the credential provider bundled into the Lambdas', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test("an SDK client gets the function role's credentials from Lambda's environment", async () => {
    process.env.AWS_ACCESS_KEY_ID = 'ASIAEXAMPLEKEYID';
    process.env.AWS_SECRET_ACCESS_KEY = 'example-secret';
    process.env.AWS_SESSION_TOKEN = 'example-session-token';
    const client = new S3Client({ region: 'eu-west-1', credentialDefaultProvider: defaultProvider });
    await expect(client.config.credentials()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLEKEYID',
      secretAccessKey: 'example-secret',
      sessionToken: 'example-session-token',
    });
  });

  test('without them it fails plainly instead of probing files, SSO or instance metadata', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_SESSION_TOKEN;
    const client = new S3Client({ region: 'eu-west-1', credentialDefaultProvider: defaultProvider });
    await expect(client.config.credentials()).rejects.toThrow(/environment/i);
  });
});
