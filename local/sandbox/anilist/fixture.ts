import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { ANILIST_STATUSES, type AniListStatus, type FuzzyDate } from '../../../shared/anilist/types';
import { ANILIST_USERNAME_RULE, anilistUsernameProblem } from '../../../shared/config';
import { AppError } from '../../../shared/errors';
import { issueProblem } from '../kit/fixture-problems';
import {
  defaultScoreConverter,
  EMPTY_DATE,
  groupEntries,
  preferredTitle,
  type SandboxEntry,
  type SandboxMedia,
  type SandboxUser,
  SCORE_FORMAT_MAX,
  SCORE_FORMATS,
  type ScoreConverter,
  type ScoreFormat,
  scoreToPoint100,
} from './store';

/** The fixture is not the AniList response body we expect. `issues` name each problem with its JSON path. */
export class AniListFixtureError extends AppError {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    const shown = issues.slice(0, 20);
    const more = issues.length > shown.length ? `\n  … and ${issues.length - shown.length} more` : '';
    super('anilist_fixture_invalid', `Invalid AniList fixture (${source}):\n  - ${shown.join('\n  - ')}${more}`);
    this.issues = issues;
  }
}

export interface AniListFixtureData {
  readonly user: SandboxUser;
  readonly entries: SandboxEntry[];
}

const int = z.number().int();
const optionalInt = int.nullish();
const nonNegativeInt = int.nonnegative().nullish();
const fuzzyDate = z.object({ year: optionalInt, month: optionalInt, day: optionalInt }).nullish();

const mediaSchema = z.object({
  id: int.positive(),
  // Required (may be null): the mirror cannot work without knowing whether a MAL id exists.
  idMal: int.positive().nullable(),
  title: z.object({
    romaji: z.string().nullish(),
    english: z.string().nullish(),
    native: z.string().nullish(),
    userPreferred: z.string().nullish(),
  }),
  format: z.string().nullish(),
  episodes: nonNegativeInt,
  chapters: nonNegativeInt,
  volumes: nonNegativeInt,
});

const entrySchema = z.object({
  id: int.positive(),
  mediaId: int.positive().nullish(),
  status: z.enum(ANILIST_STATUSES).nullish(),
  score: z.number().nonnegative().nullish(),
  progress: nonNegativeInt,
  progressVolumes: nonNegativeInt,
  repeat: nonNegativeInt,
  priority: nonNegativeInt,
  private: z.boolean().nullish(),
  notes: z.string().nullish(),
  hiddenFromStatusLists: z.boolean().nullish(),
  startedAt: fuzzyDate,
  completedAt: fuzzyDate,
  createdAt: nonNegativeInt,
  updatedAt: nonNegativeInt,
  media: mediaSchema,
});

const fixtureSchema = z.object({
  data: z.object({
    MediaListCollection: z.object({
      hasNextChunk: z.boolean().nullish(),
      user: z.object({
        id: int.positive().nullish(),
        // The sandbox serves this user as the AniList user, and the worker checks that name as ANILIST_USERNAME.
        name: z.string().trim().min(1).superRefine(checkUserName),
        mediaListOptions: z.object({
          // Required: the scores in the file are in this format.
          scoreFormat: z.enum(SCORE_FORMATS),
          animeList: z
            .object({
              customLists: z.array(z.string()).nullish(),
              splitCompletedSectionByFormat: z.boolean().nullish(),
            })
            .nullish(),
        }),
        options: z.object({ titleLanguage: z.enum(['ROMAJI', 'ENGLISH', 'NATIVE']).nullish() }).nullish(),
      }),
      lists: z.array(
        z.object({
          name: z.string().nullish(),
          isCustomList: z.boolean().nullish(),
          status: z.enum(ANILIST_STATUSES).nullish(),
          entries: z.array(entrySchema),
        }),
      ),
    }),
  }),
});

/**
 * Reads the body AniList returns for `MediaListCollection(userName, type: ANIME)` (a file path or
 * the parsed object) into the sandbox's model. Scores in the file are in the user's `scoreFormat`
 * and are converted to POINT_100; missing optional fields get defaults (`updatedAt`/`createdAt` →
 * `defaultTimestamp`). Entries repeated by custom lists are merged into one entry.
 */
function checkUserName(name: string, ctx: z.RefinementCtx): void {
  const problem = anilistUsernameProblem(name)?.replace(/: set it to .*$/, '');
  if (problem) {
    const { min, max } = ANILIST_USERNAME_RULE;
    ctx.addIssue({
      code: 'custom',
      message: `the user name ${problem}; the sandbox serves it as an AniList user, so use ${min}–${max} letters, digits, "_", "-" or "."`,
    });
  }
}

export function loadAniListFixture(
  source: string | unknown,
  options: { defaultTimestamp?: number } = {},
): AniListFixtureData {
  const label = typeof source === 'string' ? source : 'fixture object';
  let body: unknown = source;
  if (typeof source === 'string') {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (err) {
      throw new AniListFixtureError(label, [`cannot read the file: ${(err as Error).message}`]);
    }
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new AniListFixtureError(label, [`not valid JSON: ${(err as Error).message}`]);
    }
  }
  const both = twoListShape(body);
  return both ? loadBothLists(both, label, options) : loadCollection(body, label, options);
}

/**
 * `{"data":{"anime":…,"manga":…}}`: each a `MediaListCollection` object, or `{"MediaListCollection":…}`
 * (the body of the aliased query). The manga list may leave out `user` (the anime list's is used).
 */
function twoListShape(body: unknown): { anime: unknown; manga: unknown } | undefined {
  const data = isObject(body) ? body.data : undefined;
  if (!isObject(data) || 'MediaListCollection' in data || !('anime' in data || 'manga' in data)) return undefined;
  const unwrap = (part: unknown) => (isObject(part) && 'MediaListCollection' in part ? part.MediaListCollection : part);
  return { anime: unwrap(data.anime), manga: unwrap(data.manga) };
}

function loadBothLists(
  both: { anime: unknown; manga: unknown },
  label: string,
  options: { defaultTimestamp?: number },
): AniListFixtureData {
  const anime = loadCollection({ data: { MediaListCollection: both.anime } }, `${label} data.anime`, options);
  if (both.manga === undefined || both.manga === null) return anime;
  const mangaCollection =
    isObject(both.manga) && !('user' in both.manga) ? withUser(both.manga, both.anime) : both.manga;
  const manga = loadCollection({ data: { MediaListCollection: mangaCollection } }, `${label} data.manga`, options);
  const taken = new Set(anime.entries.flatMap((e) => [`entry ${e.id}`, `media ${e.mediaId}`]));
  const clashes = manga.entries.flatMap((e) =>
    [`entry ${e.id}`, `media ${e.mediaId}`]
      .filter((id) => taken.has(id))
      .map((id) => `manga ${id} is also on the anime list (AniList ids are unique across both)`),
  );
  if (clashes.length > 0) throw new AniListFixtureError(label, clashes);
  const mangaEntries = manga.entries.map((e) => ({ ...e, media: e.media && { ...e.media, type: 'MANGA' as const } }));
  return { user: anime.user, entries: [...anime.entries, ...mangaEntries] };
}

function withUser(manga: Record<string, unknown>, anime: unknown): Record<string, unknown> {
  return { ...manga, user: isObject(anime) ? anime.user : undefined };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function loadCollection(body: unknown, label: string, options: { defaultTimestamp?: number }): AniListFixtureData {
  if (body !== null && typeof body === 'object' && !('data' in body) && 'lists' in body) {
    throw new AniListFixtureError(label, [
      'expected the full GraphQL response body {"data":{"MediaListCollection":{...}}}, got the MediaListCollection object itself',
    ]);
  }
  const parsed = fixtureSchema.safeParse(body);
  if (!parsed.success) {
    throw new AniListFixtureError(
      label,
      parsed.error.issues.map((i) => `${formatPath(i.path, body)}: ${issueProblem(i, valueAt(body, i.path))}`),
    );
  }

  const collection = parsed.data.data.MediaListCollection;
  const format: ScoreFormat = collection.user.mediaListOptions.scoreFormat;
  const defaultTimestamp = options.defaultTimestamp ?? Math.floor(Date.now() / 1000);
  const issues: string[] = [];
  const byId = new Map<number, SandboxEntry>();
  const customMembership = new Map<number, Set<string>>();
  const seenInStatusList = new Set<number>();

  collection.lists.forEach((list, li) => {
    const isCustom = list.isCustomList ?? false;
    list.entries.forEach((raw, ei) => {
      const at = (key: string) => `data.MediaListCollection.lists[${li}].entries[${ei}].${key} (entry id ${raw.id})`;
      const status: AniListStatus | null = raw.status ?? (isCustom ? null : (list.status ?? null));
      const mediaId = raw.mediaId ?? raw.media.id;
      const score = raw.score ?? 0;
      // Every problem of the entry, not only the first.
      const problems = [
        mediaId !== raw.media.id && `${at('mediaId')}: ${mediaId} differs from media.id ${raw.media.id}`,
        status === null && `${at('status')}: is missing, and the list gives none`,
        score > SCORE_FORMAT_MAX[format] &&
          `${at('score')}: ${score} is above ${SCORE_FORMAT_MAX[format]}, the maximum for ${format}`,
      ].filter((problem): problem is string => typeof problem === 'string');
      issues.push(...problems);
      if (problems.length > 0 || status === null) return;
      if (isCustom && list.name) {
        const set = customMembership.get(raw.id) ?? new Set<string>();
        set.add(list.name);
        customMembership.set(raw.id, set);
      } else {
        seenInStatusList.add(raw.id);
      }
      if (byId.has(raw.id)) return;
      const updatedAt = raw.updatedAt ?? raw.createdAt ?? defaultTimestamp;
      byId.set(raw.id, {
        id: raw.id,
        mediaId,
        status,
        score: scoreToPoint100(score, format),
        progress: raw.progress ?? 0,
        ...(raw.progressVolumes !== undefined && raw.progressVolumes !== null
          ? { progressVolumes: raw.progressVolumes }
          : {}),
        repeat: raw.repeat ?? 0,
        priority: raw.priority ?? 0,
        private: raw.private ?? false,
        notes: raw.notes ?? null,
        hiddenFromStatusLists: raw.hiddenFromStatusLists ?? false,
        customLists: [],
        startedAt: toDate(raw.startedAt),
        completedAt: toDate(raw.completedAt),
        createdAt: Math.min(raw.createdAt ?? updatedAt, updatedAt),
        updatedAt,
        media: toMedia(raw.media),
      });
    });
  });

  const mediaSeen = new Map<number, number>();
  for (const entry of byId.values()) {
    const other = mediaSeen.get(entry.mediaId);
    if (other !== undefined) issues.push(`entries ${other} and ${entry.id} are both for media ${entry.mediaId}`);
    mediaSeen.set(entry.mediaId, entry.id);
  }
  if (issues.length > 0) throw new AniListFixtureError(label, issues);

  const entries = [...byId.values()].map((entry) => ({
    ...entry,
    customLists: [...(customMembership.get(entry.id) ?? [])],
    // Only in custom lists means AniList hides it from its status list.
    hiddenFromStatusLists: entry.hiddenFromStatusLists || !seenInStatusList.has(entry.id),
  }));
  const declaredCustom = collection.user.mediaListOptions.animeList?.customLists ?? [];
  const usedCustom = collection.lists.filter((l) => l.isCustomList && l.name).map((l) => l.name as string);
  const user: SandboxUser = {
    id: collection.user.id ?? 1,
    name: collection.user.name,
    scoreFormat: format,
    titleLanguage: collection.user.options?.titleLanguage ?? 'ROMAJI',
    customLists: [...new Set([...declaredCustom, ...usedCustom])],
    splitCompletedSectionByFormat: collection.user.mediaListOptions.animeList?.splitCompletedSectionByFormat ?? false,
  };
  return { user, entries };
}

/**
 * The inverse of `loadAniListFixture`: an AniList-shaped `MediaListCollection` response body with
 * scores in the user's format. Used to write fixtures for generated lists.
 */
export function buildAniListFixture(
  user: SandboxUser,
  entries: readonly SandboxEntry[],
  convert: ScoreConverter = defaultScoreConverter,
): unknown {
  const groups = groupEntries(user, entries, { forceSingleCompletedList: false });
  return {
    data: {
      MediaListCollection: {
        lists: groups.map((g) => ({
          name: g.name,
          isCustomList: g.isCustomList,
          isSplitCompletedList: g.isSplitCompletedList,
          status: g.status,
          entries: g.entries.map((e) => ({
            id: e.id,
            mediaId: e.mediaId,
            status: e.status,
            score: convert(e.score, user.scoreFormat),
            progress: e.progress,
            ...(e.progressVolumes !== undefined ? { progressVolumes: e.progressVolumes } : {}),
            repeat: e.repeat,
            priority: e.priority,
            private: e.private,
            notes: e.notes,
            hiddenFromStatusLists: e.hiddenFromStatusLists,
            startedAt: e.startedAt,
            completedAt: e.completedAt,
            updatedAt: e.updatedAt,
            createdAt: e.createdAt,
            media: e.media && {
              id: e.media.id,
              idMal: e.media.idMal,
              title: { ...e.media.title, userPreferred: preferredTitle(e.media, user.titleLanguage) },
              format: e.media.format,
              episodes: e.media.episodes,
              ...(e.media.chapters !== undefined ? { chapters: e.media.chapters } : {}),
              ...(e.media.volumes !== undefined ? { volumes: e.media.volumes } : {}),
            },
          })),
        })),
        hasNextChunk: false,
        user: {
          id: user.id,
          name: user.name,
          mediaListOptions: {
            scoreFormat: user.scoreFormat,
            animeList: {
              customLists: user.customLists,
              splitCompletedSectionByFormat: user.splitCompletedSectionByFormat,
            },
          },
          options: { titleLanguage: user.titleLanguage },
        },
      },
    },
  };
}

function toDate(
  value: { year?: number | null; month?: number | null; day?: number | null } | null | undefined,
): FuzzyDate {
  if (!value) return EMPTY_DATE;
  return { year: value.year ?? null, month: value.month ?? null, day: value.day ?? null };
}

function toMedia(raw: z.infer<typeof mediaSchema>): SandboxMedia {
  return {
    id: raw.id,
    idMal: raw.idMal,
    title: {
      romaji: raw.title.romaji ?? raw.title.userPreferred ?? null,
      english: raw.title.english ?? null,
      native: raw.title.native ?? null,
    },
    format: raw.format ?? null,
    episodes: raw.episodes ?? null,
    ...(raw.chapters !== undefined && raw.chapters !== null ? { chapters: raw.chapters } : {}),
    ...(raw.volumes !== undefined && raw.volumes !== null ? { volumes: raw.volumes } : {}),
  };
}

/** What `body` holds at `path` (undefined when the path leads nowhere). */
function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let node = body;
  for (const key of path)
    node = isObject(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  return node;
}

/** `data.MediaListCollection.lists[0].entries[3].media.idMal (entry id 42)`: names the entry when possible. */
function formatPath(path: readonly PropertyKey[], body: unknown): string {
  let text = '';
  let node: unknown = body;
  let entryId: unknown;
  path.forEach((key, index) => {
    text += typeof key === 'number' ? `[${key}]` : `${text === '' ? '' : '.'}${String(key)}`;
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (path[index - 1] === 'entries' && node !== null && typeof node === 'object') {
      entryId = (node as { id?: unknown }).id;
    }
  });
  return entryId === undefined ? text || '(root)' : `${text} (entry id ${String(entryId)})`;
}
