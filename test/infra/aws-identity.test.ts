import { checkCredentials } from '../../scripts/aws-identity';
import { describeWithMoto, MOTO_CREDENTIALS, type Moto, startMoto } from '../support/moto';

/**
 * The credential check against a real STS emulator (moto), in-process: the SDK's request and
 * moto's answer are the real protocol, not a stand-in's idea of it.
 */
describeWithMoto('checkCredentials against moto STS', () => {
  let moto: Moto;
  const saved = { ...process.env };
  beforeAll(async () => {
    moto = await startMoto();
  }, 90_000);
  afterAll(async () => {
    process.env = saved;
    await moto.stop();
  });
  beforeEach(() => {
    process.env = {
      ...saved,
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    };
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    delete process.env.AWS_SESSION_TOKEN;
  });

  test('with credentials: the account, the caller and the region it will act in', async () => {
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    const check = await checkCredentials('eu-west-1');
    expect(check).toEqual({
      ok: true,
      account: expect.stringMatching(/^\d{12}$/),
      arn: expect.stringMatching(/^arn:aws:/),
      region: 'eu-west-1',
    });
  }, 30_000);

  test('without credentials: the fix, and no request needed to know it', async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const check = await checkCredentials('eu-west-1');
    expect(check.ok).toBe(false);
    expect(!check.ok && check.message).toMatch(/^No AWS credentials found/);
    expect(!check.ok && check.message).toContain('aws configure');
  }, 30_000);

  test('no region pinned and none in the environment: says where to set one', async () => {
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    const check = await checkCredentials(undefined);
    expect(!check.ok && check.message).toMatch(/^No AWS region/);
  }, 30_000);
});
