import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AppError, PreconditionFailedError } from '../errors';
import type { ObjectStore, ObjectVersion, PutCondition, StoredObject } from './store';

export class StoreError extends AppError {
  /**
   * S3 trouble is worth another try: a write that failed because its tokens could not be read
   * must stay in the retry list, not be parked as if MAL had rejected it.
   */
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_error', message, options);
  }
}

export interface S3StoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Counts requests by kind; benchmarks read it. */
  readonly onRequest?: (kind: 'get' | 'put' | 'delete' | 'list') => void;
  /** Keys per list page; S3's own limit (1,000) unless a test wants paging with a few keys. */
  readonly pageSize?: number;
}

/** S3-backed store. Conditional writes use S3's native If-Match / If-None-Match support. */
export class S3Store implements ObjectStore {
  constructor(private readonly options: S3StoreOptions) {}

  async get(key: string): Promise<StoredObject | undefined> {
    this.options.onRequest?.('get');
    try {
      const out = await this.options.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      const body = (await out.Body?.transformToString('utf-8')) ?? '';
      return { body, etag: out.ETag ?? '' };
    } catch (err) {
      if (isStatus(err, 404) || errName(err) === 'NoSuchKey') return undefined;
      throw new StoreError(`Reading s3://${this.options.bucket}/${key} failed: ${errName(err)}`, { cause: err });
    }
  }

  async getVersion(key: string, versionId: string): Promise<StoredObject | undefined> {
    this.options.onRequest?.('get');
    try {
      const out = await this.options.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: key, VersionId: versionId }),
      );
      const body = (await out.Body?.transformToString('utf-8')) ?? '';
      return { body, etag: out.ETag ?? '' };
    } catch (err) {
      if (isStatus(err, 404) || errName(err) === 'NoSuchKey' || errName(err) === 'NoSuchVersion') return undefined;
      throw new StoreError(`Reading a version of s3://${this.options.bucket}/${key} failed: ${errName(err)}`, {
        cause: err,
      });
    }
  }

  async versions(key: string): Promise<ObjectVersion[]> {
    const versions: ObjectVersion[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    try {
      do {
        this.options.onRequest?.('list');
        const out = await this.options.client.send(
          new ListObjectVersionsCommand({
            Bucket: this.options.bucket,
            Prefix: key,
            MaxKeys: this.options.pageSize,
            KeyMarker: keyMarker,
            VersionIdMarker: versionIdMarker,
          }),
        );
        for (const v of out.Versions ?? []) {
          if (v.Key !== key || !v.VersionId) continue;
          versions.push({
            versionId: v.VersionId,
            isLatest: v.IsLatest === true,
            lastModified: v.LastModified?.getTime() ?? 0,
          });
        }
        const more = out.IsTruncated === true;
        keyMarker = more ? out.NextKeyMarker : undefined;
        versionIdMarker = more ? out.NextVersionIdMarker : undefined;
      } while (keyMarker);
    } catch (err) {
      throw new StoreError(`Listing versions of s3://${this.options.bucket}/${key} failed: ${errName(err)}`, {
        cause: err,
      });
    }
    return versions.sort((a, b) => b.lastModified - a.lastModified);
  }

  async put(key: string, body: string, condition?: PutCondition): Promise<{ etag: string }> {
    this.options.onRequest?.('put');
    try {
      const out = await this.options.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          IfMatch: condition?.ifMatch,
          IfNoneMatch: condition?.ifNoneMatch,
        }),
      );
      return { etag: out.ETag ?? '' };
    } catch (err) {
      if (conditionFailed(err, condition)) throw new PreconditionFailedError(key, { cause: err });
      throw new StoreError(`Writing s3://${this.options.bucket}/${key} failed: ${errName(err)}`, { cause: err });
    }
  }

  async delete(key: string): Promise<void> {
    this.options.onRequest?.('delete');
    try {
      await this.options.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (err) {
      throw new StoreError(`Deleting s3://${this.options.bucket}/${key} failed: ${errName(err)}`, { cause: err });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        this.options.onRequest?.('list');
        const out = await this.options.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix,
            MaxKeys: this.options.pageSize,
            ContinuationToken: token,
          }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw new StoreError(`Listing s3://${this.options.bucket}/${prefix} failed: ${errName(err)}`, { cause: err });
    }
    return keys.sort();
  }
}

/**
 * 412 PreconditionFailed; 409 ConditionalRequestConflict (a concurrent conditional write is in
 * flight: same outcome for us); and 404 NoSuchKey for an If-Match on a key with no current object
 * (the port's contract counts it as a lost race). Not NoSuchBucket: that is a misconfiguration.
 */
function conditionFailed(err: unknown, condition: PutCondition | undefined): boolean {
  if (isStatus(err, 412) || isStatus(err, 409) || errName(err) === 'PreconditionFailed') return true;
  return condition?.ifMatch !== undefined && errName(err) === 'NoSuchKey';
}

function isStatus(err: unknown, status: number): boolean {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === status;
}

function errName(err: unknown): string {
  return err instanceof Error ? err.name : String(err);
}
