import { createHash } from 'node:crypto';
import { PreconditionFailedError } from '../../../shared/errors';
import { MemoryStore } from '../../../shared/store/memory-store';
import { S3Store, StoreError } from '../../../shared/store/s3-store';
import type { ObjectStore } from '../../../shared/store/store';
import { describeWithMoto } from '../../support/moto';
import { type MotoS3, useMotoS3 } from '../../support/moto-s3';

/**
 * The `ObjectStore` contract (shared/store/store.ts), which is S3's, checked the same way against
 * MemoryStore (what the unit tests use) and against S3Store on moto_server (which enforces
 * If-Match / If-None-Match and keeps versions as S3 does; s3rver ignores the conditions). Single-use
 * links, token rotation and the mailer's claim-before-send rest on these answers.
 */
function describeObjectStore(
  name: string,
  makeStore: () => Promise<ObjectStore>,
  options: { readonly describe?: (name: string, body: () => void) => void; readonly extra?: () => void } = {},
): void {
  (options.describe ?? describe)(`ObjectStore contract: ${name}`, () => {
    options.extra?.();
    let store: ObjectStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    describe('get, put, delete, list', () => {
      test('a missing key reads as undefined; put then get returns the body and the ETag put returned', async () => {
        expect(await store.get('auth/tokens.json')).toBeUndefined();
        const { etag } = await store.put('auth/tokens.json', '{"a":1}');
        expect(await store.get('auth/tokens.json')).toEqual({ body: '{"a":1}', etag });
      });

      test('the ETag is the quoted MD5 of the UTF-8 body: identical bytes keep it, other bytes change it', async () => {
        const body = '{"title":"進撃の巨人 — Attack on Titan"}';
        const first = await store.put('k', body);
        expect(first.etag).toBe(`"${createHash('md5').update(body, 'utf8').digest('hex')}"`);
        expect((await store.put('k', body)).etag).toBe(first.etag);
        expect((await store.put('k', `${body} `)).etag).not.toBe(first.etag);
      });

      test('delete removes the object; deleting a missing key is not an error', async () => {
        await store.put('k', 'v');
        await store.delete('k');
        expect(await store.get('k')).toBeUndefined();
        await expect(store.delete('k')).resolves.toBeUndefined();
        await expect(store.delete('never-written')).resolves.toBeUndefined();
      });

      test('list: the keys under a prefix, in lexical order, without deleted ones', async () => {
        for (const key of ['auth/pending/b.json', 'auth/tokens.json', 'auth/pending/a.json', 'auth/pending.json']) {
          await store.put(key, '{}');
        }
        await store.put('auth/pending/c.json', '{}');
        await store.delete('auth/pending/c.json');
        expect(await store.list('auth/pending/')).toEqual(['auth/pending/a.json', 'auth/pending/b.json']);
        expect(await store.list('auth/')).toEqual([
          'auth/pending.json',
          'auth/pending/a.json',
          'auth/pending/b.json',
          'auth/tokens.json',
        ]);
        expect(await store.list('nothing/')).toEqual([]);
      });

      test('list and versions come back whole when S3 answers in pages', async () => {
        const keys = Array.from({ length: 7 }, (_, i) => `many/${i}`);
        for (const key of keys) await store.put(key, 'x');
        expect(await store.list('many/')).toEqual(keys);
        for (const body of ['a', 'b', 'c', 'd']) await store.put('many/0', body);
        expect(await store.versions('many/0')).toHaveLength(5);
      });
    });

    describe('conditional writes', () => {
      test('If-None-Match *: creates a missing key; on an existing key it fails and keeps the object', async () => {
        await store.put('k', 'first', { ifNoneMatch: '*' });
        await expect(store.put('k', 'second', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
        expect((await store.get('k'))?.body).toBe('first');
      });

      test('If-None-Match *: a deleted key counts as missing', async () => {
        await store.put('k', 'first');
        await store.delete('k');
        await store.put('k', 'again', { ifNoneMatch: '*' });
        expect((await store.get('k'))?.body).toBe('again');
      });

      test('If-Match: the current ETag writes; a stale ETag fails and keeps the object', async () => {
        const { etag: first } = await store.put('k', 'one');
        const { etag: second } = await store.put('k', 'two', { ifMatch: first });
        await expect(store.put('k', 'stale', { ifMatch: first })).rejects.toBeInstanceOf(PreconditionFailedError);
        expect(await store.get('k')).toEqual({ body: 'two', etag: second });
      });

      test('If-Match on a missing key (never written, or deleted) fails as a lost race and creates nothing', async () => {
        const { etag } = await store.put('deleted', 'v');
        await store.delete('deleted');
        await expect(store.put('deleted', 'w', { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
        await expect(store.put('never', 'w', { ifMatch: etag })).rejects.toBeInstanceOf(PreconditionFailedError);
        expect(await store.get('deleted')).toBeUndefined();
        expect(await store.get('never')).toBeUndefined();
      });

      test('an ETag read before an A → B → A rewrite still matches: ETags tell contents apart, not writes', async () => {
        const { etag } = await store.put('k', 'A');
        await store.put('k', 'B');
        await store.put('k', 'A');
        await expect(store.put('k', 'C', { ifMatch: etag })).resolves.toEqual({ etag: expect.any(String) });
      });

      test('of 20 concurrent If-Match writers holding the same ETag, exactly one wins', async () => {
        const { etag } = await store.put('k', 'base');
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => store.put('k', `writer ${i}`, { ifMatch: etag })),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
        expect((await store.get('k'))?.body).toBe(`writer ${winners[0]}`);
      });

      test('of 20 concurrent If-None-Match creators, exactly one wins', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => store.put('k', `creator ${i}`, { ifNoneMatch: '*' })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PreconditionFailedError);
      });
    });

    describe('a versioned bucket', () => {
      test('versions are newest first, each readable; identical bytes are a new version too', async () => {
        await store.put('sync/mal/state.json', 'one');
        await store.put('sync/mal/state.json', 'two');
        await store.put('sync/mal/state.json', 'two');
        const versions = await store.versions('sync/mal/state.json');
        expect(versions.map((v) => v.isLatest)).toEqual([true, false, false]);
        expect(new Set(versions.map((v) => v.versionId)).size).toBe(3);
        const bodies = await Promise.all(versions.map((v) => store.getVersion('sync/mal/state.json', v.versionId)));
        expect(bodies.map((b) => b?.body)).toEqual(['two', 'two', 'one']);
        expect(bodies[0]?.etag).toBe((await store.get('sync/mal/state.json'))?.etag);
      });

      test('after a delete the data versions stay, none latest, the delete marker left out; a new put is latest', async () => {
        await store.put('k', 'one');
        await store.put('k', 'two');
        const before = await store.versions('k');
        await store.delete('k');
        const after = await store.versions('k');
        expect(after.map((v) => v.versionId)).toEqual(before.map((v) => v.versionId));
        expect(after.map((v) => v.isLatest)).toEqual([false, false]);
        expect((await store.getVersion('k', after[0]!.versionId))?.body).toBe('two');
        await store.put('k', 'three');
        const again = await store.versions('k');
        expect(again.map((v) => v.isLatest)).toEqual([true, false, false]);
        expect((await store.getVersion('k', again[0]!.versionId))?.body).toBe('three');
      });

      test("a missing key has no versions, a key's versions leave out keys it prefixes, an unknown version reads as undefined", async () => {
        expect(await store.versions('k')).toEqual([]);
        await store.put('k', 'v');
        await store.put('k2', 'other');
        const [only, ...rest] = await store.versions('k');
        expect(rest).toEqual([]);
        const [other] = await store.versions('k2');
        expect(await store.getVersion('k', other!.versionId)).toBeUndefined();
        expect(await store.getVersion('k2', only!.versionId)).toBeUndefined();
      });
    });
  });
}

describeObjectStore('MemoryStore', async () => new MemoryStore());

let s3: (() => MotoS3) | undefined;
// Pages of 2 keys make S3's paging (at most 1,000 keys a page) happen with a handful of objects.
describeObjectStore('S3Store on moto_server', async () => s3!().newStore({ versioned: true, pageSize: 2 }), {
  describe: describeWithMoto,
  extra: () => {
    s3 = useMotoS3();

    test('a conditional write to a missing bucket is S3 trouble (StoreError), not a lost race', async () => {
      const store = new S3Store({ client: s3!().client, bucket: 'no-such-bucket' });
      const etag = '"0cc175b9c0f1b6a831c399e269772661"';
      const failure = await store.put('k', 'v', { ifMatch: etag }).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(StoreError);
      expect((failure as StoreError).message).toMatch(/NoSuchBucket/);
    });
  },
});
