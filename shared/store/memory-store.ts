import { createHash } from 'node:crypto';
import { PreconditionFailedError } from '../errors';
import type { ObjectStore, PutCondition, StoredObject } from './store';

/**
 * In-memory store with real S3 conditional-write semantics (If-Match / If-None-Match: *).
 * `hooks` let tests inject faults or interleave a competing writer between a read and a write.
 */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>();
  readonly counters = { get: 0, put: 0, delete: 0, list: 0 };
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
    if (condition?.ifMatch !== undefined && current?.etag !== condition.ifMatch) throw new PreconditionFailedError(key);
    // Include a version counter so rewriting identical bytes still changes the ETag, as S3 versioning would not
    // guarantee; this makes lost-update bugs visible in tests.
    const etag = `"${createHash('md5').update(body).update(String(this.counters.put)).digest('hex')}"`;
    this.objects.set(key, { body, etag });
    return { etag };
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
