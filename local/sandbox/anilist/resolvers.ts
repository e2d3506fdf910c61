import {
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  getArgumentValues,
  Kind,
  type SelectionSetNode,
} from 'graphql';
import type { FuzzyDate } from '../../../shared/anilist/types';
import type { AniListFaultRoute } from './faults';
import {
  type AniListSandboxStore,
  groupEntries,
  mediaTypeOf,
  preferredTitle,
  type SandboxEntry,
  type SandboxMedia,
  type SandboxUser,
  type ScoreConverter,
  type ScoreFormat,
} from './store';

/** Per-request facts the resolvers need. */
export interface ResolverContext {
  readonly store: AniListSandboxStore;
  /** The caller sent the owner's valid bearer token. */
  readonly isOwner: boolean;
  readonly convertScore: ScoreConverter;
  readonly perChunkOverflow: 'clamp' | 'error';
  /** Meets a fault queued for this page / chunk; most end the request at once (by throwing). */
  readonly checkFault: (route: AniListFaultRoute) => void;
}

/** Resolver errors carry the HTTP status AniList would answer with. */
export function anilistError(message: string, status: number): GraphQLError {
  return new GraphQLError(message, { extensions: { status } });
}

const notFound = () => anilistError('Not Found.', 404);

const MAX_PER_PAGE = 50;
const MAX_PER_CHUNK = 500;

type Args = Record<string, unknown>;

/** Root resolvers, for `graphql({ rootValue })`: each gets (args, context, info). */
export const rootValue = {
  User(args: Args, ctx: ResolverContext) {
    return userObject(findUser(ctx, args.id, args.name));
  },

  Viewer(_args: Args, ctx: ResolverContext) {
    if (!ctx.isOwner) throw anilistError('Unauthorized.', 401);
    return userObject(ctx.store.user);
  },

  Media(args: Args, ctx: ResolverContext) {
    const match = ctx.store
      .entries()
      .map((e) => e.media)
      .find(
        (m) =>
          m !== null &&
          (args.id === undefined || m.id === args.id) &&
          (args.idMal === undefined || m.idMal === args.idMal),
      );
    if (!match || (args.id === undefined && args.idMal === undefined)) throw notFound();
    return mediaObject(match, ctx.store.user);
  },

  MediaListCollection(args: Args, ctx: ResolverContext) {
    if (args.userId === undefined && args.userName === undefined) {
      throw anilistError('validation: userId or userName is required', 400);
    }
    if (args.type === undefined) throw anilistError('validation: type is required', 400);
    const user = findUser(ctx, args.userId, args.userName);
    const chunked = args.chunk !== undefined || args.perChunk !== undefined;
    const chunk = Math.max(1, toInt(args.chunk, 1));
    ctx.checkFault(`chunk:${chunk}`);

    let entries = visibleEntries(ctx).filter((e) => mediaTypeOf(e) === args.type);
    entries = filterByStatus(entries, args);
    let hasNextChunk = false;
    if (chunked) {
      let perChunk = toInt(args.perChunk, MAX_PER_CHUNK);
      if (perChunk > MAX_PER_CHUNK) {
        if (ctx.perChunkOverflow === 'error') {
          throw anilistError(`validation: perChunk may not be greater than ${MAX_PER_CHUNK}`, 400);
        }
        perChunk = MAX_PER_CHUNK;
      }
      perChunk = Math.max(1, perChunk);
      const start = (chunk - 1) * perChunk;
      hasNextChunk = start + perChunk < entries.length;
      entries = entries.slice(start, start + perChunk);
    }
    const groups = groupEntries(user, entries, { forceSingleCompletedList: args.forceSingleCompletedList === true });
    return {
      hasNextChunk,
      user: userObject(user),
      lists: groups.map((g) => ({
        name: g.name,
        isCustomList: g.isCustomList,
        isSplitCompletedList: g.isSplitCompletedList,
        status: g.status,
        entries: g.entries.map((e) => mediaListObject(e, user)),
      })),
    };
  },

  /**
   * `Page` needs its list result before `pageInfo` is resolved, so it reads the arguments of the
   * `mediaList` field from the selection up front.
   */
  Page(args: Args, ctx: ResolverContext, info: GraphQLResolveInfo) {
    const page = Math.max(1, toInt(args.page, 1));
    // AniList silently caps perPage at 50.
    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, toInt(args.perPage, MAX_PER_PAGE)));
    const pageType = info.returnType as GraphQLObjectType;
    const listField = findField(info.fieldNodes[0]?.selectionSet, 'mediaList', info.fragments);
    const mediaListDef = pageType.getFields().mediaList;
    const firstArgs = listField && mediaListDef ? getArgumentValues(mediaListDef, listField, info.variableValues) : {};
    // A read that excludes what it has seen (`mediaId_not_in`) always asks for page 1; for fault
    // scheduling, its logical page is the one after the entries it already read.
    const excluded = Array.isArray(firstArgs.mediaId_not_in) ? firstArgs.mediaId_not_in.length : 0;
    ctx.checkFault(`page:${page + Math.ceil(excluded / perPage)}`);
    const computeList = (listArgs: Args) => {
      const all = mediaListQuery(ctx, listArgs);
      const start = (page - 1) * perPage;
      return { total: all.length, items: all.slice(start, start + perPage) };
    };
    const first = listField && mediaListDef ? computeList(firstArgs) : { total: 0, items: [] };
    return {
      pageInfo: {
        total: first.total,
        perPage,
        currentPage: page,
        lastPage: Math.max(1, Math.ceil(first.total / perPage)),
        hasNextPage: page * perPage < first.total,
      },
      mediaList: (listArgs: Args) => computeList(listArgs).items.map((e) => mediaListObject(e, ctx.store.user)),
    };
  },
};

function mediaListQuery(ctx: ResolverContext, args: Args): SandboxEntry[] {
  if (args.userId !== undefined || args.userName !== undefined) findUser(ctx, args.userId, args.userName);
  let entries = filterByStatus(visibleEntries(ctx), args);
  // Without `type`, both lists (AniList's media ids are one id space).
  if (typeof args.type === 'string') entries = entries.filter((e) => mediaTypeOf(e) === args.type);
  if (args.id !== undefined) entries = entries.filter((e) => e.id === args.id);
  if (args.mediaId !== undefined) entries = entries.filter((e) => e.mediaId === args.mediaId);
  if (Array.isArray(args.mediaId_in))
    entries = entries.filter((e) => (args.mediaId_in as unknown[]).includes(e.mediaId));
  if (Array.isArray(args.mediaId_not_in)) {
    const excluded = new Set(args.mediaId_not_in as unknown[]);
    entries = entries.filter((e) => !excluded.has(e.mediaId));
  }
  return sortEntries(entries, Array.isArray(args.sort) ? (args.sort as string[]) : []);
}

function visibleEntries(ctx: ResolverContext): SandboxEntry[] {
  // Private entries are only visible to their owner (docs/apis.md#anilist-auth).
  return ctx.store.entries().filter((e) => ctx.isOwner || !e.private);
}

function filterByStatus(entries: SandboxEntry[], args: Args): SandboxEntry[] {
  let out = entries;
  if (typeof args.status === 'string') out = out.filter((e) => e.status === args.status);
  if (typeof args.status_not === 'string') out = out.filter((e) => e.status !== args.status_not);
  if (Array.isArray(args.status_in)) out = out.filter((e) => (args.status_in as unknown[]).includes(e.status));
  if (Array.isArray(args.status_not_in)) out = out.filter((e) => !(args.status_not_in as unknown[]).includes(e.status));
  return out;
}

const SORT_KEYS: Readonly<Record<string, (e: SandboxEntry) => number | string>> = {
  MEDIA_ID: (e) => e.mediaId,
  SCORE: (e) => e.score,
  STATUS: (e) => e.status,
  PROGRESS: (e) => e.progress,
  PROGRESS_VOLUMES: () => 0,
  REPEAT: (e) => e.repeat,
  PRIORITY: (e) => e.priority,
  STARTED_ON: (e) => fuzzyDateInt(e.startedAt),
  FINISHED_ON: (e) => fuzzyDateInt(e.completedAt),
  ADDED_TIME: (e) => e.createdAt,
  UPDATED_TIME: (e) => e.updatedAt,
  MEDIA_TITLE_ROMAJI: (e) => e.media?.title.romaji ?? '',
  MEDIA_TITLE_ENGLISH: (e) => e.media?.title.english ?? '',
  MEDIA_TITLE_NATIVE: (e) => e.media?.title.native ?? '',
  MEDIA_POPULARITY: () => 0,
};

/** Applies `sort: [MediaListSort]` in order; ties fall back to the entry id for stable paging. */
function sortEntries(entries: SandboxEntry[], sort: readonly string[]): SandboxEntry[] {
  const keys = sort.flatMap((s) => {
    const desc = s.endsWith('_DESC');
    const key = SORT_KEYS[desc ? s.slice(0, -5) : s];
    return key ? [{ key, desc }] : [];
  });
  return [...entries].sort((a, b) => {
    for (const { key, desc } of keys) {
      const x = key(a);
      const y = key(b);
      if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
    }
    return a.id - b.id;
  });
}

function findUser(ctx: ResolverContext, id: unknown, name: unknown): SandboxUser {
  const user = ctx.store.user;
  if (id !== undefined && id !== null && id !== user.id) throw notFound();
  // AniList user names are matched case-insensitively.
  if (typeof name === 'string' && name.toLowerCase() !== user.name.toLowerCase()) throw notFound();
  if (id === undefined && name === undefined) throw notFound();
  return user;
}

function userObject(user: SandboxUser) {
  return {
    id: user.id,
    name: user.name,
    siteUrl: `https://anilist.co/user/${encodeURIComponent(user.name)}`,
    mediaListOptions: {
      scoreFormat: user.scoreFormat,
      rowOrder: 'score',
      animeList: {
        customLists: user.customLists,
        sectionOrder: ['Watching', 'Rewatching', 'Completed', 'Paused', 'Dropped', 'Planning'],
        splitCompletedSectionByFormat: user.splitCompletedSectionByFormat,
        advancedScoring: [],
        advancedScoringEnabled: false,
      },
    },
    options: { titleLanguage: user.titleLanguage, displayAdultContent: false },
  };
}

function mediaObject(media: SandboxMedia, user: SandboxUser) {
  return {
    id: media.id,
    idMal: media.idMal,
    type: media.type ?? 'ANIME',
    format: media.format,
    episodes: media.type === 'MANGA' ? null : media.episodes,
    chapters: media.chapters ?? null,
    volumes: media.volumes ?? null,
    siteUrl: `https://anilist.co/${media.type === 'MANGA' ? 'manga' : 'anime'}/${media.id}`,
    title: {
      romaji: () => media.title.romaji,
      english: () => media.title.english,
      native: () => media.title.native,
      userPreferred: preferredTitle(media, user.titleLanguage),
    },
  };
}

/** A stored entry as a GraphQL `MediaList` (the mutations answer with it too). */
export function mediaListObject(entry: SandboxEntry, user: SandboxUser) {
  return {
    id: entry.id,
    userId: user.id,
    mediaId: entry.mediaId,
    status: entry.status,
    // Without `format`, AniList answers in the owner's score format.
    score: (args: Args, ctx: ResolverContext) =>
      ctx.convertScore(entry.score, (args.format as ScoreFormat | undefined) ?? user.scoreFormat),
    progress: entry.progress,
    progressVolumes: entry.progressVolumes ?? null,
    repeat: entry.repeat,
    priority: entry.priority,
    private: entry.private,
    notes: entry.notes,
    hiddenFromStatusLists: entry.hiddenFromStatusLists,
    customLists: (args: Args) => {
      const names = user.customLists.length > 0 ? user.customLists : entry.customLists;
      return args.asArray === true
        ? names.map((name) => ({ name, enabled: entry.customLists.includes(name) }))
        : Object.fromEntries(names.map((name) => [name, entry.customLists.includes(name)]));
    },
    advancedScores: null,
    startedAt: entry.startedAt,
    completedAt: entry.completedAt,
    updatedAt: entry.updatedAt,
    createdAt: entry.createdAt,
    media: entry.media && mediaObject(entry.media, user),
    user: () => userObject(user),
  };
}

function findField(
  selectionSet: SelectionSetNode | undefined,
  name: string,
  fragments: Record<string, FragmentDefinitionNode>,
): FieldNode | undefined {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD && selection.name.value === name) return selection;
    const nested =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : selection.kind === Kind.FRAGMENT_SPREAD
          ? fragments[selection.name.value]?.selectionSet
          : undefined;
    const found = nested && findField(nested, name, fragments);
    if (found) return found;
  }
  return undefined;
}

function toInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : fallback;
}

function fuzzyDateInt(date: FuzzyDate): number {
  return (date.year ?? 0) * 10000 + (date.month ?? 0) * 100 + (date.day ?? 0);
}
