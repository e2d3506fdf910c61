import * as z from 'zod/mini';
import { kindOf } from '../../anilist/types';
import type { Destination, DestinationList, DestinationPlan, PlanRequest } from '../../sync/destination';
import type { SourceEntry } from '../../sync/source';
import { applyMalWrites } from './apply';
import { MalInvalidInputError } from './errors';
import { malMangaKey, toComparableManga } from './manga';
import { type ComparableMalState, type MappingOptions, malIdOf, toComparable } from './mapping';
import { MAL_SKIP_FIXES, MAL_SKIP_LABELS, malKey, planMal, planMalRemovals } from './planner';
import { MAL_MANGA_STATUSES, MAL_STATUSES, type MalListEntry, type MalMangaListEntry, type MalTarget } from './types';
import '../../zod-messages';

/** What the core remembers of one MAL entry: the MAL state as of the last write or full read. */
const comparableSchema = z.object({
  status: z.enum(MAL_STATUSES),
  is_rewatching: z.boolean(),
  score: z.number(),
  num_watched_episodes: z.number(),
  num_times_rewatched: z.number(),
  comments: z.string(),
  start_date: z.string(),
  finish_date: z.string(),
});

/** The same, for a manga (MIRROR_MANGA=true). */
const mangaComparableSchema = z.object({
  status: z.enum(MAL_MANGA_STATUSES),
  is_rereading: z.boolean(),
  score: z.number(),
  num_chapters_read: z.number(),
  num_volumes_read: z.number(),
  num_times_reread: z.number(),
  comments: z.string(),
  start_date: z.string(),
  finish_date: z.string(),
});

export interface MalList extends DestinationList {
  readonly entries: readonly MalListEntry[];
  /** MIRROR_MANGA=true: the manga list too. */
  readonly manga?: readonly MalMangaListEntry[];
}

export interface MalDestinationOptions {
  /** Built on first use: a run with nothing to write never touches MAL or reads the tokens. */
  readonly mal: () => MalTarget;
  readonly mapping: MappingOptions;
  /**
   * AniList media id → MAL id from the anime id dataset, for entries AniList gives no `idMal`;
   * only loaded when such an entry is planned.
   */
  readonly datasetIds?: (mediaIds: readonly number[]) => Promise<ReadonlyMap<number, number>>;
  readonly authorized: () => Promise<boolean>;
  /** MIRROR_MANGA=true: mirror AniList's manga list onto MAL's manga list too. */
  readonly manga?: boolean;
  /** MAL_REQUESTS_PER_MINUTE: the client's pace, one write per request (live progress estimates from it). */
  readonly requestsPerMinute?: number;
}

/** The MAL destination, with the manga list's read on its own (restore). */
export interface MalDestination extends Destination<MalList> {
  readMangaList?(): Promise<MalMangaListEntry[]>;
}

/** MyAnimeList as a destination: one target per MAL anime id, written one at a time. */
export function createMalDestination(options: MalDestinationOptions): MalDestination {
  let mal: MalTarget | undefined;
  const client = () => {
    mal ??= options.mal();
    return mal;
  };
  let known: ReadonlyMap<string, unknown> = new Map();
  const manga = options.manga === true;

  return {
    key: 'mal',
    // Absent with manga off: the core then reads and hands over exactly what it always did.
    ...(manga ? { mediaKinds: ['anime', 'manga'] as const } : {}),
    label: 'MyAnimeList',
    shortLabel: 'MAL',
    pruneSetting: 'PRUNE',
    skipLabels: MAL_SKIP_LABELS,
    skipFixes: MAL_SKIP_FIXES,
    ...(options.requestsPerMinute ? { writePaceMs: 60_000 / options.requestsPerMinute } : {}),
    checkRecordState: (state) =>
      mangaComparableSchema.safeParse(state).success ? undefined : comparableSchema.parse(state),
    authorized: options.authorized,

    async readList() {
      const entries = await client().listAll();
      if (!manga) return { entries, backupBody: () => toMalResponseShape(entries) };
      const mangaEntries = await readMangaList(client());
      // The anime list keeps its shape; the manga list rides along under `manga`, in MAL's mangalist shape.
      return {
        entries,
        manga: mangaEntries,
        backupBody: () => ({ ...toMalResponseShape(entries), manga: toMalMangaResponseShape(mangaEntries) }),
      };
    },

    async plan(request: PlanRequest<MalList>): Promise<DestinationPlan> {
      known = request.list
        ? knownFromList(request.list)
        : new Map(Object.entries(request.mirrored).map(([key, r]) => [key, r.state]));
      const datasetIds = await lookUpMissingIds(request.entries, options);
      const plan = planMal(request.entries, known as ReadonlyMap<string, ComparableMalState>, {
        ...options.mapping,
        ...(datasetIds ? { datasetIds } : {}),
      });
      if (!request.list) return plan;
      const claimants = [...request.entries, ...(request.excluded ?? [])];
      const unmatched = unmatchedOnMal(request.list, claimants, {
        ...options.mapping,
        ...(datasetIds ? { datasetIds } : {}),
      });
      return { ...plan, actual: known, unmatched };
    },

    planRemovals: planMalRemovals,

    apply: (writes, context) => applyMalWrites(writes, client, (key) => known.get(key), context),

    // For a restore of a backup that holds the manga list, also when MIRROR_MANGA is off now.
    readMangaList: () => readMangaList(client()),
  };
}

/**
 * Full runs: MAL entries no AniList entry maps to (skipped and excluded ones count as mapped: their
 * MAL entry has a counterpart), e.g. added on MAL by hand. Reported, never touched.
 */
function unmatchedOnMal(
  list: MalList,
  entries: readonly SourceEntry[],
  ids: Pick<MappingOptions, 'idOverrides' | 'datasetIds'>,
): { key: string; title: string }[] {
  const claimed = new Set<string>();
  for (const entry of entries) {
    const id = malIdOf(entry, ids);
    if (id) claimed.add(kindOf(entry) === 'manga' ? malMangaKey(id.malId) : malKey(id.malId));
  }
  const all = [
    ...list.entries.map((e) => ({ key: malKey(e.animeId), title: e.title })),
    ...(list.manga ?? []).map((e) => ({ key: malMangaKey(e.mangaId), title: e.title })),
  ];
  return all.filter((e) => !claimed.has(e.key));
}

function knownFromList(list: MalList): Map<string, unknown> {
  const known = new Map<string, unknown>(list.entries.map((e) => [malKey(e.animeId), toComparable(e.listStatus)]));
  for (const e of list.manga ?? []) known.set(malMangaKey(e.mangaId), toComparableManga(e.listStatus));
  return known;
}

async function readMangaList(mal: MalTarget): Promise<MalMangaListEntry[]> {
  if (!mal.listAllManga) throw new MalInvalidInputError('this MAL client cannot read the manga list', 'media');
  return mal.listAllManga();
}

/** The manga list in the shape of MAL's `GET /users/@me/mangalist` response. */
export function toMalMangaResponseShape(list: readonly MalMangaListEntry[]): { data: unknown[]; paging: object } {
  return {
    data: list.map((e) => ({ node: { id: e.mangaId, title: e.title }, list_status: e.listStatus })),
    paging: {},
  };
}

/** The dataset is asked only about entries neither ID_OVERRIDES nor AniList gives a MAL id. */
async function lookUpMissingIds(
  entries: readonly SourceEntry[],
  options: MalDestinationOptions,
): Promise<ReadonlyMap<number, number> | undefined> {
  if (!options.datasetIds) return undefined;
  // The anime id dataset knows anime only.
  const missing = entries.filter(
    (e) => kindOf(e) === 'anime' && malIdOf(e, { idOverrides: options.mapping.idOverrides }) === undefined,
  );
  return missing.length > 0 ? options.datasetIds(missing.map((e) => e.mediaId)) : undefined;
}

/** The list in the shape of MAL's `GET /users/@me/animelist` response, for backups. */
export function toMalResponseShape(list: readonly MalListEntry[]): { data: unknown[]; paging: object } {
  return {
    data: list.map((e) => ({ node: { id: e.animeId, title: e.title }, list_status: e.listStatus })),
    paging: {},
  };
}
