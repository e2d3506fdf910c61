import { MemoryStore } from '../../shared/store/memory-store';
import type { ObjectStore } from '../../shared/store/store';
import { HookedStore } from './hooked-store';
import { describeWithMoto } from './moto';
import { useMotoS3 } from './moto-s3';

/** A store whose reads and writes a test can park (MemoryStore's own hooks, or HookedStore's). */
export type HookableStore = ObjectStore & Pick<HookedStore, 'hooks'>;

/**
 * Describes the same tests twice: on a MemoryStore, and on S3Store over moto_server, which
 * enforces If-Match / If-None-Match as S3 does (s3rver ignores them). `newStore` gives a fresh,
 * empty store each time (on moto: a new versioned bucket). Without moto_server the second block
 * is skipped (see describeWithMoto).
 */
export function describeOnEachStore(name: string, body: (newStore: () => Promise<HookableStore>) => void): void {
  describe(`${name} (MemoryStore)`, () => {
    body(async () => new MemoryStore());
  });
  describeWithMoto(`${name} (S3Store on moto_server)`, () => {
    const s3 = useMotoS3();
    body(async () => new HookedStore(await s3().newStore()));
  });
}
