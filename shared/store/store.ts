/**
 * The one persistence port of the domain. S3 in AWS and locally (s3rver); an in-memory fake
 * that enforces ETag conditions in tests, because s3rver ignores If-Match/If-None-Match.
 */
export interface StoredObject {
  readonly body: string;
  readonly etag: string;
}

export interface PutCondition {
  /** Write only if the current object has this ETag (optimistic concurrency). */
  readonly ifMatch?: string;
  /** `'*'`: write only if no object exists yet. */
  readonly ifNoneMatch?: '*';
}

export interface ObjectStore {
  get(key: string): Promise<StoredObject | undefined>;
  /** Throws `PreconditionFailedError` when a condition does not hold. */
  put(key: string, body: string, condition?: PutCondition): Promise<{ etag: string }>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix, in lexical order. */
  list(prefix: string): Promise<string[]>;
}

/** Object key layout. Prefixes matter: IAM grants in the CDK stack are scoped to them. */
export const KEYS = {
  tokens: 'auth/tokens.json',
  pendingAuth: (state: string) => `auth/pending/${state}.json`,
  pendingAuthPrefix: 'auth/pending/',
  mailerState: 'auth/mailer-state.json',
  syncState: 'sync/state.json',
  backup: (isoTimestamp: string) => `backups/mal-animelist-${isoTimestamp.replace(/[:.]/g, '-')}.json`,
  backupPrefix: 'backups/',
} as const;

/** Top-level prefixes, one per concern (used for least-privilege grants). */
export const PREFIXES = {
  auth: 'auth/',
  sync: 'sync/',
  backups: 'backups/',
} as const;

export async function getJson<T>(
  store: ObjectStore,
  key: string,
  parse: (raw: unknown) => T,
): Promise<{ value: T; etag: string } | undefined> {
  const obj = await store.get(key);
  if (!obj) return undefined;
  return { value: parse(JSON.parse(obj.body)), etag: obj.etag };
}

export function putJson(store: ObjectStore, key: string, value: unknown, condition?: PutCondition) {
  return store.put(key, JSON.stringify(value), condition);
}
