import * as z from 'zod/mini';
import { type Clock, systemClock } from '../clock';
import { describeError } from '../errors';
import type { TransportOptions } from '../http/policy';
import type { ObjectStore } from '../store/store';
import { downloadStreaming } from './download';
import { AnimeIdsFormatError, AnimeIdsUnavailableError, safeUrl } from './errors';
import '../zod-messages';

/**
 * Download-and-cache discipline shared by the id datasets. A dataset is one or more parts (files), each kept in
 * S3 as its compact serialised form under `cache/anime-ids/`, with one small meta object per dataset recording,
 * per part, the source URL, the server's validators (ETag, Last-Modified), when it was fetched, and the ETag of
 * the stored object (so a meta that does not belong to the object next to it is noticed).
 *
 * - Cache younger than `maxAgeHours`: used as is, no HTTP.
 * - Older: a conditional GET. 304 keeps the object and refreshes `fetchedAt`; 200 is streamed into the compact
 *   form, stored, and the meta rewritten.
 * - A failed download with a cached copy: the stale copy, and a warning for the caller's report.
 *   Without one: `AnimeIdsUnavailableError` (retryable), or `AnimeIdsFormatError` when the body was not the
 *   dataset at all. Messages name the URL without its query string.
 */

/** Everything this module stores lives under this prefix (the worker's IAM grant is scoped to it). */
export const ANIME_IDS_PREFIX = 'cache/anime-ids/';

export const ANIME_IDS_KEYS = {
  anibridgeMeta: `${ANIME_IDS_PREFIX}anibridge/meta.json`,
  anibridgeIndex: `${ANIME_IDS_PREFIX}anibridge/index.txt`,
  rensetsuMeta: `${ANIME_IDS_PREFIX}rensetsu/meta.json`,
  rensetsuTv: `${ANIME_IDS_PREFIX}rensetsu/tv.json`,
  rensetsuMovies: `${ANIME_IDS_PREFIX}rensetsu/movies.json`,
} as const;

export const DEFAULT_MAX_AGE_HOURS = 24;

const partMetaSchema = z.object({
  url: z.string(),
  etag: z.nullable(z.string()),
  lastModified: z.nullable(z.string()),
  fetchedAt: z.number(),
  objectEtag: z.string(),
  counts: z.record(z.string(), z.number()),
});
export type PartMeta = z.infer<typeof partMetaSchema>;

const datasetMetaSchema = z.object({
  v: z.literal(1),
  parts: z.record(z.string(), partMetaSchema),
});
type DatasetMeta = z.infer<typeof datasetMetaSchema>;

/** One file of a dataset. */
export interface DatasetPart<T> {
  readonly name: string;
  /** S3 key of its compact form (under `ANIME_IDS_PREFIX`). */
  readonly key: string;
  readonly url: string;
  /** Streams a downloaded body into the part's value, its serialised text and counts for the meta. */
  extract(body: AsyncIterable<Uint8Array>): Promise<Extracted<T>>;
  /** Reads the stored text; throws if it cannot (then the cache counts as absent). */
  parse(text: string, meta: PartMeta): T;
  /** Why a fresh download should not replace the cached copy (e.g. it lost half its entries), if it should not. */
  implausible?(fresh: Readonly<Record<string, number>>, cached: Readonly<Record<string, number>>): string | undefined;
}

export interface Extracted<T> {
  readonly value: T;
  readonly text: string;
  readonly counts: Readonly<Record<string, number>>;
}

export type PartOutcome = 'cache' | 'not_modified' | 'downloaded' | 'stale';

export interface PartResult<T> {
  readonly name: string;
  readonly value: T;
  readonly meta: PartMeta;
  readonly outcome: PartOutcome;
}

export interface CacheOptions extends TransportOptions {
  readonly store: ObjectStore;
  /** Download again when the cached copy is older than this. Default 24. */
  readonly maxAgeHours?: number;
}

export async function loadDataset<T>(
  label: string,
  metaKey: string,
  parts: readonly DatasetPart<T>[],
  options: CacheOptions,
): Promise<{ parts: PartResult<T>[]; warnings: string[] }> {
  const clock: Clock = options.clock ?? systemClock;
  const maxAgeMs = (options.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS) * 3_600_000;
  const warnings: string[] = [];
  const meta = await readMeta(options.store, metaKey, label, warnings);
  const cached = await Promise.all(parts.map((part) => readPart(options.store, part, meta, label, warnings)));

  const now = clock.now();
  // A fetchedAt in the future (clock trouble) does not count as fresh.
  const fresh = (m: PartMeta) => now - m.fetchedAt < maxAgeMs && m.fetchedAt <= now + 300_000;
  const results: PartResult<T>[] = [];
  const nextMeta: DatasetMeta = { v: 1, parts: { ...meta?.parts } };
  let changed = false;

  for (const [i, part] of parts.entries()) {
    const old = cached[i];
    if (old && fresh(old.meta)) {
      results.push({ name: part.name, value: old.value, meta: old.meta, outcome: 'cache' });
      continue;
    }
    const url = safeUrl(part.url);
    try {
      const outcome = await downloadStreaming(
        part.url,
        old ? { etag: old.meta.etag, lastModified: old.meta.lastModified } : undefined,
        options,
        (body) => part.extract(body),
      );
      const at = clock.now();
      if (outcome.kind === 'not_modified') {
        const refreshed = { ...old!.meta, fetchedAt: at };
        nextMeta.parts[part.name] = refreshed;
        changed = true;
        results.push({ name: part.name, value: old!.value, meta: refreshed, outcome: 'not_modified' });
        continue;
      }
      const { value, text, counts } = outcome.value;
      const doubt = old ? part.implausible?.(counts, old.meta.counts) : undefined;
      if (old && doubt) {
        warnings.push(`${label} ${part.name}: kept the copy fetched ${iso(old.meta.fetchedAt)}: ${url} ${doubt}`);
        results.push({ name: part.name, value: old.value, meta: old.meta, outcome: 'stale' });
        continue;
      }
      const partMeta: PartMeta = {
        url: part.url,
        etag: outcome.etag,
        lastModified: outcome.lastModified,
        fetchedAt: at,
        objectEtag: '',
        counts: { ...counts },
      };
      try {
        partMeta.objectEtag = (await options.store.put(part.key, text)).etag;
        nextMeta.parts[part.name] = partMeta;
        changed = true;
      } catch (err) {
        warnings.push(`${label} ${part.name}: downloaded but not cached (${describeError(err)})`);
      }
      results.push({ name: part.name, value, meta: partMeta, outcome: 'downloaded' });
    } catch (err) {
      if (!old) {
        if (err instanceof AnimeIdsFormatError) throw new AnimeIdsFormatError(`${url}: ${err.message}`, { cause: err });
        throw new AnimeIdsUnavailableError(part.url, describeError(err), { cause: err });
      }
      warnings.push(
        `${label} ${part.name}: download failed, using the copy fetched ${iso(old.meta.fetchedAt)} (${describeError(err)})`,
      );
      results.push({ name: part.name, value: old.value, meta: old.meta, outcome: 'stale' });
    }
  }

  if (changed) {
    try {
      await options.store.put(metaKey, JSON.stringify(nextMeta));
    } catch (err) {
      warnings.push(`${label}: cache metadata not saved (${describeError(err)}); the next run downloads again`);
    }
  }
  return { parts: results, warnings };
}

async function readMeta(
  store: ObjectStore,
  key: string,
  label: string,
  warnings: string[],
): Promise<DatasetMeta | undefined> {
  const object = await store.get(key);
  if (!object) return undefined;
  try {
    return datasetMetaSchema.parse(JSON.parse(object.body));
  } catch {
    warnings.push(`${label}: cache metadata unreadable, downloading again`);
    return undefined;
  }
}

async function readPart<T>(
  store: ObjectStore,
  part: DatasetPart<T>,
  meta: DatasetMeta | undefined,
  label: string,
  warnings: string[],
): Promise<{ value: T; meta: PartMeta } | undefined> {
  const partMeta = meta?.parts[part.name];
  // Another URL (configuration changed): the cached copy is of something else.
  if (!partMeta || partMeta.url !== part.url) return undefined;
  const object = await store.get(part.key);
  if (!object || object.etag !== partMeta.objectEtag) return undefined;
  try {
    return { value: part.parse(object.body, partMeta), meta: partMeta };
  } catch (err) {
    warnings.push(`${label} ${part.name}: cached copy unreadable (${describeError(err)}), downloading again`);
    return undefined;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
