import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Store } from '../../shared/store/s3-store';
import { MOTO_CREDENTIALS, MOTO_REGION, type Moto, startMoto } from './moto';

/** S3 on a running moto_server: fresh buckets with an S3Store over each. */
export interface MotoS3 {
  readonly client: S3Client;
  /** A new bucket (versioned like the state bucket unless told otherwise) and a store over it. */
  newStore(options?: { readonly versioned?: boolean; readonly pageSize?: number }): Promise<S3Store>;
  destroy(): void;
}

export function motoS3(moto: Moto): MotoS3 {
  const client = new S3Client({
    endpoint: moto.endpoint,
    region: MOTO_REGION,
    forcePathStyle: true,
    credentials: MOTO_CREDENTIALS,
  });
  let buckets = 0;
  return {
    client,
    async newStore(options = {}) {
      // moto, like S3, wants bucket names of 3 to 63 characters.
      const bucket = `test-bucket-${++buckets}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      if (options.versioned ?? true) {
        await client.send(
          new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
        );
      }
      return new S3Store({ client, bucket, pageSize: options.pageSize });
    },
    destroy: () => client.destroy(),
  };
}

/**
 * Starts a moto_server for the enclosing describe block and stops it afterwards; the returned
 * function gives its MotoS3 inside tests (and beforeAll/beforeEach registered after this call).
 */
export function useMotoS3(): () => MotoS3 {
  let moto: Moto | undefined;
  let s3: MotoS3 | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    s3 = motoS3(moto);
  });
  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });
  return () => {
    if (!s3) throw new Error('moto_server is not running: call useMotoS3() inside a describeWithMoto block');
    return s3;
  };
}
