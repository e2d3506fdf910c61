import { createHash } from 'node:crypto';
import { PreconditionFailedError } from '../errors';
import type { ObjectStore, ObjectVersion, PutCondition, StoredObject } from './store';

/**
 * In-memory store with S3's semantics as the `ObjectStore` contract states them: conditional
 * writes, ETags that are the MD5 of the body, a versioned bucket's history. The conformance suite
 * (test/integration/store) runs the same checks against it and against S3Store on moto.
 * `hooks` let tests inject faults or interleave a competing writer between a read and a write.
 */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  /** Every version written per key, oldest first, as a versioned bucket keeps them. */
  readonly history = new Map<string, Array<StoredObject & { versionId: string; lastModified: number }>>();
  readonly counters = { get: 0, put: 0, delete: 0, list: 0 };
  /** Stamps versions; tests that need distinct times can replace it. */
  now: () => number = Date.now;
  private nextVersion = 0;
  hooks: {
    beforeGet?: (key: string) => Promise<void> | void;
    beforePut?: (key: string, body: string) => Promise<void> | void;
  } = {};

  async get(key: string): Promise<StoredObject | undefined> {
    this.counters.get++;
    await this.hooks.beforeGet?.(key);
    return this.objects.get(key);
  }

  async put(key: string, body: string, condition?: PutCondition): Promise<{ etag: string }> {
    this.counters.put++;
    await this.hooks.beforePut?.(key, body);
    const current = this.objects.get(key);
    if (condition?.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key);
    // If-Match on a missing key fails too (S3 answers 404 NoSuchKey, which S3Store reports the same way).
    if (condition?.ifMatch !== undefined && current?.etag !== condition.ifMatch) throw new PreconditionFailedError(key);
    const etag = etagOf(body);
    this.objects.set(key, { body, etag });
    const versions = this.history.get(key) ?? [];
    versions.push({ body, etag, versionId: `v${++this.nextVersion}`, lastModified: this.now() });
    this.history.set(key, versions);
    return { etag };
  }

  /** As S3 lists them: a deleted key keeps its data versions, none of them latest (a delete marker is). */
  async versions(key: string): Promise<ObjectVersion[]> {
    const versions = this.history.get(key) ?? [];
    const exists = this.objects.has(key);
    return versions
      .map((v, i) => ({
        versionId: v.versionId,
        lastModified: v.lastModified,
        isLatest: exists && i === versions.length - 1,
      }))
      .reverse();
  }

  async getVersion(key: string, versionId: string): Promise<StoredObject | undefined> {
    const version = this.history.get(key)?.find((v) => v.versionId === versionId);
    return version && { body: version.body, etag: version.etag };
  }

  async delete(key: string): Promise<void> {
    this.counters.delete++;
    this.objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    this.counters.list++;
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** S3's ETag of a single-part upload: the quoted MD5 of the bytes, so identical bytes keep it. */
function etagOf(body: string): string {
  return `"${createHash('md5').update(body, 'utf8').digest('hex')}"`;
}
