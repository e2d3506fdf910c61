/**
 * The one persistence port of the domain: S3 in AWS, s3rver in the local runtime (which ignores
 * If-Match / If-None-Match), MemoryStore in unit tests. The contract below is S3's; the conformance
 * suite in test/integration/store runs it against MemoryStore and against S3Store on moto_server,
 * which enforces the conditions as S3 does.
 */
export interface StoredObject {
  readonly body: string;
  /**
   * S3's ETag: the quoted MD5 of the body. Writing identical bytes again keeps it, so an ETag tells
   * contents apart, not writes: an If-Match cannot notice A → B → A.
   */
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
  /**
   * Throws `PreconditionFailedError` when a condition does not hold: If-None-Match '*' and an
   * object exists, or If-Match and the current object has another ETag or there is none. For that
   * last case S3 answers 404 NoSuchKey; it counts as a lost race here too, so a caller's
   * re-read-and-retry loop finds the object gone (deleted concurrently) and decides afresh,
   * instead of failing as if S3 were unavailable. Other S3 trouble is a retryable `StoreError`.
   */
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
  /**
   * What the reauth mailer may read about them (issued, expiry, account, invalid mark; never a
   * token): its own key, so that the mailer's grant names it and not the tokens.
   */
  tokenMeta: (destination: string) => `auth/token-meta/${destination}.json`,
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
  /**
   * A destination's list in a format its own import page reads (MAL's import XML), saved on full
   * reconciles: `exports/mal-animelist-<timestamp>.xml`. Expires like the backups.
   */
  listExport: (destination: string, list: string, isoTimestamp: string) =>
    `exports/${destination}-${list}list-${isoTimestamp.replace(/[:.]/g, '-')}.xml`,
  listExportPrefix: 'exports/',
  /**
   * The report of one sync run (not dry runs), for `npm run status`: `reports/<startedAt>-<runId>.json`.
   * The start time leads, so the keys sort by time; they expire (the bucket's lifecycle rule).
   */
  runReport: (isoTimestamp: string, runId: string) => `reports/${isoTimestamp.replace(/[:.]/g, '-')}-${runId}.json`,
  runReportPrefix: 'reports/',
} as const;

/** Top-level prefixes, one per concern (used for least-privilege grants). */
export const PREFIXES = {
  auth: 'auth/',
  sync: 'sync/',
  backups: 'backups/',
  /** Lists in a destination's import format (MAL's XML), written on full reconciles. */
  exports: 'exports/',
  /** Downloaded datasets (anime id mappings), shared by destinations. */
  cache: 'cache/',
  /** The worker's run reports, written after each run and read by `npm run status`; they expire. */
  reports: 'reports/',
} as const;
