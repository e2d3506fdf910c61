import type { ObjectStore, ObjectVersion, PutCondition, StoredObject } from '../../shared/store/store';

/**
 * Any ObjectStore with MemoryStore's `hooks`, so that a test which parks readers and writers at
 * chosen points (races, interleavings) runs unchanged against S3Store on moto.
 */
export class HookedStore implements ObjectStore {
  hooks: {
    beforeGet?: (key: string) => Promise<void> | void;
    beforePut?: (key: string, body: string) => Promise<void> | void;
  } = {};

  constructor(private readonly inner: ObjectStore) {}

  async get(key: string): Promise<StoredObject | undefined> {
    await this.hooks.beforeGet?.(key);
    return this.inner.get(key);
  }

  async put(key: string, body: string, condition?: PutCondition): Promise<{ etag: string }> {
    await this.hooks.beforePut?.(key, body);
    return this.inner.put(key, body, condition);
  }

  versions(key: string): Promise<ObjectVersion[]> {
    return this.inner.versions(key);
  }

  getVersion(key: string, versionId: string): Promise<StoredObject | undefined> {
    return this.inner.getVersion(key, versionId);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
}
