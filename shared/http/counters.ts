import type { AttemptInfo } from './policy';

/** Counts HTTP attempts per service (and S3 calls by kind) for run reports and benchmarks. */
export class RequestCounters {
  private readonly counts = new Map<string, number>();

  readonly onAttempt = (info: AttemptInfo): void => {
    this.add(info.service);
  };

  readonly onStoreRequest = (kind: 'get' | 'put' | 'delete' | 'list'): void => {
    this.add(`s3_${kind}`);
  };

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }
}
