import * as z from 'zod/mini';
import { AniListMalformedResponseError } from './errors';
import type { AniListEntry, AniListInvalidEntry, FuzzyDate } from './types';
import '../zod-messages';

/**
 * Defensive parsing of AniList responses.
 *
 * Envelope (Page / MediaListCollection shape) problems are fatal: without them we cannot tell
 * where the list ends, so we throw `AniListMalformedResponseError`.
 *
 * Entry problems are NOT fatal. Documented behaviour: a malformed entry is SKIPPED and reported as
 * an `AniListInvalidEntry` naming its entry id (or position when even the id is unusable) and the
 * reason. The rest of the page is used. Nothing is lost: the entry is reported again on every read
 * until AniList sends it in a usable shape. Values AniList legitimately leaves empty are not
 * malformed: null numbers become 0, null dates become all-null FuzzyDates, null media keeps the
 * entry (idMal null → the planner skips it), and unknown status strings are kept verbatim. The
 * media's `episodes` and `format` only inform later targets, so an unusable value becomes null
 * rather than costing the entry.
 */

const nullableInt = z.nullish(z.number().check(z.int()));
const rawFuzzyDateSchema = z.nullish(z.object({ year: nullableInt, month: nullableInt, day: nullableInt }));
const fuzzyDateSchema = z.pipe(
  rawFuzzyDateSchema,
  z.transform(
    (d: z.output<typeof rawFuzzyDateSchema>): FuzzyDate => ({
      year: d?.year ?? null,
      month: d?.month ?? null,
      day: d?.day ?? null,
    }),
  ),
);
const nullableString = z.nullish(z.string());

const entrySchema = z.object({
  id: z.number().check(z.int(), z.positive()),
  mediaId: z.number().check(z.int(), z.positive()),
  status: z.string().check(z.minLength(1, 'status is empty')),
  score: z.nullish(z.number()),
  progress: nullableInt,
  progressVolumes: nullableInt,
  repeat: nullableInt,
  private: z.nullish(z.boolean()),
  notes: nullableString,
  startedAt: fuzzyDateSchema,
  completedAt: fuzzyDateSchema,
  updatedAt: nullableInt,
  media: z.nullish(
    z.object({
      id: z.nullish(z.number().check(z.int())),
      idMal: nullableInt,
      title: z.nullish(z.object({ romaji: nullableString, english: nullableString, userPreferred: nullableString })),
      // Read leniently in `parseEntry`: never a reason to skip the entry.
      episodes: z.optional(z.unknown()),
      format: z.optional(z.unknown()),
    }),
  ),
});

export type ParsedEntry = { ok: true; entry: AniListEntry } | { ok: false; issue: AniListInvalidEntry };

/** Normalises one raw `MediaList` object (see the module comment for what counts as malformed). */
export function parseEntry(raw: unknown, location: string, kind: 'anime' | 'manga' = 'anime'): ParsedEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, issue: { entryId: null, mediaId: null, location, reason: `entry is ${describeValue(raw)}` } };
  }
  const result = entrySchema.safeParse(raw);
  if (!result.success) {
    const obj = raw as { id?: unknown; mediaId?: unknown };
    return {
      ok: false,
      issue: {
        entryId: positiveIntOrNull(obj.id),
        mediaId: positiveIntOrNull(obj.mediaId),
        location,
        reason: result.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(entry)'}: ${i.message}`)
          .join('; '),
      },
    };
  }
  const e = result.data;
  const idMal = e.media?.idMal ?? null;
  return {
    ok: true,
    entry: {
      id: e.id,
      mediaId: e.mediaId,
      idMal: idMal !== null && idMal > 0 ? idMal : null,
      title: pickTitle(e.media?.title, e.mediaId),
      status: e.status,
      score: e.score ?? 0,
      progress: e.progress ?? 0,
      repeat: e.repeat ?? 0,
      notes: e.notes ?? null,
      private: e.private ?? false,
      startedAt: e.startedAt,
      completedAt: e.completedAt,
      updatedAt: e.updatedAt ?? 0,
      episodes: positiveIntOrNull(e.media?.episodes),
      format: nonEmptyStringOrNull(e.media?.format),
      ...(kind === 'manga' ? { kind, progressVolumes: e.progressVolumes ?? 0 } : {}),
    },
  };
}

/** `updatedAt` of a raw entry if readable, even when the rest of the entry is not. */
export function rawUpdatedAt(raw: unknown): number | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const value = (raw as { updatedAt?: unknown }).updatedAt;
  if (value === null) return 0;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `mediaId` of a raw entry, even one that fails to parse otherwise. */
export function rawMediaId(raw: unknown): number | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const value = (raw as { mediaId?: unknown }).mediaId;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function pickTitle(
  title: { romaji?: string | null; english?: string | null; userPreferred?: string | null } | null | undefined,
  mediaId: number,
): string {
  for (const candidate of [title?.userPreferred, title?.romaji, title?.english]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') return candidate;
  }
  return `AniList #${mediaId}`;
}

function positiveIntOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function nonEmptyStringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

// ---- envelopes -----------------------------------------------------------------------------

const pageSchema = z.object({
  Page: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean() }),
    mediaList: z.array(z.unknown()),
  }),
});

const collectionSchema = z.object({
  MediaListCollection: z.object({
    // Null means "no chunking in effect", i.e. nothing follows.
    hasNextChunk: z.nullish(z.boolean()),
    lists: z.array(
      z.nullable(
        z.object({
          name: z.nullish(z.string()),
          isCustomList: z.nullish(z.boolean()),
          status: z.nullish(z.string()),
          entries: z.nullish(z.array(z.unknown())),
        }),
      ),
    ),
  }),
});

export interface PageEnvelope {
  readonly hasNextPage: boolean;
  readonly rawEntries: readonly unknown[];
}

export interface CollectionEnvelope {
  readonly hasNextChunk: boolean;
  readonly lists: readonly { name: string; isCustomList: boolean; rawEntries: readonly unknown[] }[];
}

export function parsePageEnvelope(data: unknown, status: number): PageEnvelope {
  const parsed = parseEnvelope(pageSchema, data, status, 'Page');
  return { hasNextPage: parsed.Page.pageInfo.hasNextPage, rawEntries: parsed.Page.mediaList };
}

/** The two aliased pages of `CHANGED_SINCE_WITH_MANGA_QUERY`. */
export function parseAliasedPages(data: unknown, status: number): { anime: PageEnvelope; manga: PageEnvelope } {
  const record = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  return {
    anime: parsePageEnvelope({ Page: record.anime }, status),
    manga: parsePageEnvelope({ Page: record.manga }, status),
  };
}

export function parseCollectionEnvelope(data: unknown, status: number): CollectionEnvelope {
  const parsed = parseEnvelope(collectionSchema, data, status, 'MediaListCollection');
  return {
    hasNextChunk: parsed.MediaListCollection.hasNextChunk ?? false,
    lists: parsed.MediaListCollection.lists.flatMap((list) =>
      list === null
        ? []
        : [{ name: list.name ?? '', isCustomList: list.isCustomList ?? false, rawEntries: list.entries ?? [] }],
    ),
  };
}

function parseEnvelope<T>(schema: z.ZodMiniType<T>, data: unknown, status: number, what: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const details = result.error.issues
    .slice(0, 3)
    .map((i) => `data.${i.path.join('.')}: ${i.message}`)
    .join('; ');
  throw new AniListMalformedResponseError(`${what} response has an unexpected shape (${details})`, {
    status,
    cause: result.error,
  });
}
