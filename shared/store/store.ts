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

/** One stored version of a key, in a versioned bucket (the state bucket is versioned). */
export interface ObjectVersion {
  readonly versionId: string;
  readonly isLatest: boolean;
  /** Epoch milliseconds. */
  readonly lastModified: number;
}

export interface ObjectStore {
  get(key: string): Promise<StoredObject | undefined>;
  /** The versions of `key` that hold data, newest first; delete markers are left out. */
  versions(key: string): Promise<ObjectVersion[]>;
  /** One version's body; undefined when that version does not exist. */
  getVersion(key: string, versionId: string): Promise<StoredObject | undefined>;
  /** Throws `PreconditionFailedError` when a condition does not hold. */
  put(key: string, body: string, condition?: PutCondition): Promise<{ etag: string }>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix, in lexical order. */
  list(prefix: string): Promise<string[]>;
}

/**
 * Object key layout. Prefixes matter: IAM grants in the CDK stack are scoped to them. Each
 * destination keeps its sync state under `sync/<destination>/`; MyAnimeList's tokens keep the key
 * the first version used, so buckets deployed before there was more than one destination work as
 * they are.
 */
export const KEYS = {
  tokens: (destination: string) => (destination === 'mal' ? 'auth/tokens.json' : `auth/${destination}/tokens.json`),
  pendingAuth: (state: string) => `auth/pending/${state}.json`,
  pendingAuthPrefix: 'auth/pending/',
  mailerState: 'auth/mailer-state.json',
  syncState: (destination: string) => `sync/${destination}/state.json`,
  /** Version 1: MyAnimeList's state from before destinations had their own; migrated on load. */
  legacySyncState: 'sync/state.json',
  /** Destination-owned objects (caches, indexes) next to its state. */
  syncPrefix: (destination: string) => `sync/${destination}/`,
  backup: (destination: string, isoTimestamp: string) =>
    `backups/${destination === 'mal' ? 'mal-animelist' : destination}-${isoTimestamp.replace(/[:.]/g, '-')}.json`,
  backupPrefix: 'backups/',
} as const;

/** Top-level prefixes, one per concern (used for least-privilege grants). */
export const PREFIXES = {
  auth: 'auth/',
  sync: 'sync/',
  backups: 'backups/',
  /** Downloaded datasets (anime id mappings), shared by destinations. */
  cache: 'cache/',
} as const;
