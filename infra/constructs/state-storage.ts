import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PREFIXES } from '../../shared/store/store';
import { DEFAULTS } from '../defaults';
import { acknowledge, nagResourceText } from '../nag';

export interface StateStorageProps {
  /**
   * How long overwritten or deleted object versions (sync state, caches) stay recoverable; `auth/` has
   * its own, shorter rule.
   * @default DEFAULTS.noncurrentVersionExpiration (30 days)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long overwritten or deleted versions under `auth/` (tokens, pending authorizations) stay.
   * @default DEFAULTS.authNoncurrentVersionExpiration (1 day)
   */
  readonly authNoncurrentVersionExpiration?: Duration;
  /**
   * How long MAL list backups (`backups/`) and exports in MAL's import XML (`exports/`) are kept.
   * @default DEFAULTS.backupExpiration (90 days)
   */
  readonly backupExpiration?: Duration;
  /**
   * How long the sync runs' reports (`reports/`, read by `npm run status`) are kept.
   * @default DEFAULTS.reportExpiration (30 days)
   */
  readonly reportExpiration?: Duration;
}

/**
 * The one S3 bucket holding tokens, sync state and backups. Private, encrypted, versioned, TLS-only
 * and retained on stack deletion (it holds the user's MAL authorization and list backups).
 *
 * Grants are per object key or key prefix (`auth/tokens.json`, `sync/*`) with exact actions, so each
 * function can touch only the part of the layout (`shared/store/store.ts` KEYS) it owns.
 */
export class StateStorage extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StateStorageProps = {}) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-old-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? DEFAULTS.noncurrentVersionExpiration,
          expiredObjectDeleteMarker: true,
        },
        {
          // Overlaps the rule above; where expirations overlap S3 honours the shorter one, so this one.
          id: 'expire-old-auth-versions',
          prefix: PREFIXES.auth,
          noncurrentVersionExpiration:
            props.authNoncurrentVersionExpiration ?? DEFAULTS.authNoncurrentVersionExpiration,
        },
        {
          id: 'expire-backups',
          prefix: PREFIXES.backups,
          expiration: props.backupExpiration ?? DEFAULTS.backupExpiration,
        },
        {
          // The list in MAL's import XML, saved on full reconciles: a portable copy, kept like the backups.
          id: 'expire-exports',
          prefix: PREFIXES.exports,
          expiration: props.backupExpiration ?? DEFAULTS.backupExpiration,
        },
        {
          // One small object per run: kept for a look back with `npm run status`, not for ever.
          id: 'expire-reports',
          prefix: PREFIXES.reports,
          expiration: props.reportExpiration ?? DEFAULTS.reportExpiration,
        },
      ],
    });
    acknowledge(this.bucket, {
      id: 'AwsSolutions-S1',
      reason:
        'Single-user state bucket written only by this stack’s three functions, whose every invocation is logged; ' +
        'server access logs would need a second bucket costing more than the data it describes. ' +
        'Enable CloudTrail S3 data events if you need an object-level audit trail.',
    });
  }

  /** `s3:GetObject` on the given keys or `prefix/*` patterns. */
  grantReadObjects(grantee: iam.IGrantable, ...keys: string[]): iam.Grant {
    return this.grantObjects(grantee, ['s3:GetObject'], keys);
  }

  /** `s3:PutObject` (covers conditional If-Match/If-None-Match writes) on the given keys or patterns. */
  grantWriteObjects(grantee: iam.IGrantable, ...keys: string[]): iam.Grant {
    return this.grantObjects(grantee, ['s3:PutObject'], keys);
  }

  /** `s3:DeleteObject` on the given keys or patterns. */
  grantDeleteObjects(grantee: iam.IGrantable, ...keys: string[]): iam.Grant {
    return this.grantObjects(grantee, ['s3:DeleteObject'], keys);
  }

  /**
   * `s3:ListBucket`, only for requests whose `s3:prefix` matches one of `prefixes` (`StringLike`): a
   * listing without a prefix, or outside them, is refused. (`StringLikeIfExists` would let a listing
   * with no prefix through, exposing every key name, pending OAuth state ids included.)
   *
   * Every function needs this even if it never lists: S3 answers a GET of a missing key with 403
   * instead of 404 unless the caller may list the bucket, and the store maps only 404 to "absent"
   * (first run: no tokens, no state yet). For that implicit check S3 evaluates `s3:ListBucket` with
   * the requested key as `s3:prefix`, so `prefixes` must cover every key the grantee reads, and
   * every `ObjectStore.list(prefix)` call it makes (S3Store always sends that `Prefix`).
   */
  grantListKeys(grantee: iam.IGrantable, ...prefixes: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes } },
    });
  }

  /**
   * Reading the earlier versions of the given keys: `s3:ListBucketVersions` only with one of them as
   * `s3:prefix` (S3Store lists one key's versions with that key as the prefix), and
   * `s3:GetObjectVersion` on them alone. The worker recovers a corrupt sync state from them.
   */
  grantReadVersions(grantee: iam.IGrantable, ...keys: string[]): iam.Grant {
    const read = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObjectVersion'],
      resourceArns: keys.map((key) => this.bucket.arnForObjects(key)),
    });
    const wildcards = keys.filter((key) => key.includes('*'));
    if (wildcards.length > 0 && grantee.grantPrincipal instanceof iam.Role) {
      acknowledge(
        grantee.grantPrincipal,
        ...wildcards.map((key) => ({
          id: `AwsSolutions-IAM5[Resource::${nagResourceText(this, this.bucket.arnForObjects(key))}]`,
          reason: `One object per destination ("${key}", the destinations are configured), read by version only to recover a corrupt sync state.`,
        })),
      );
    }
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucketVersions'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': keys } },
    });
    return read;
  }

  private grantObjects(grantee: iam.IGrantable, actions: string[], keys: string[]): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: keys.map((key) => this.bucket.arnForObjects(key)),
    });
    // A `prefix/*` grant is the narrowest form for keys made at run time (OAuth state ids, timestamps).
    const wildcards = keys.filter((key) => key.endsWith('*'));
    if (wildcards.length > 0 && grantee.grantPrincipal instanceof iam.Role) {
      acknowledge(
        grantee.grantPrincipal,
        ...wildcards.map((key) => ({
          id: `AwsSolutions-IAM5[Resource::${nagResourceText(this, this.bucket.arnForObjects(key))}]`,
          reason: `Object keys under "${key.slice(0, -1)}" are created at run time (OAuth state ids, timestamps); the grant is limited to that prefix of this one bucket and to single-object actions.`,
        })),
      );
    }
    return grant;
  }
}
