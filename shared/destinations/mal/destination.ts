import * as z from 'zod/mini';
import type { Destination, DestinationList, DestinationPlan, PlanRequest } from '../../sync/destination';
import type { SourceEntry } from '../../sync/source';
import { applyMalWrites } from './apply';
import { type ComparableMalState, type MappingOptions, malIdOf, toComparable } from './mapping';
import { MAL_SKIP_LABELS, malKey, planMal, planMalRemovals } from './planner';
import { MAL_STATUSES, type MalListEntry, type MalTarget } from './types';
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

export interface MalList extends DestinationList {
  readonly entries: readonly MalListEntry[];
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
}

/** MyAnimeList as a destination: one target per MAL anime id, written one at a time. */
export function createMalDestination(options: MalDestinationOptions): Destination<MalList> {
  let mal: MalTarget | undefined;
  const client = () => {
    mal ??= options.mal();
    return mal;
  };
  let known: ReadonlyMap<string, ComparableMalState> = new Map();

  return {
    key: 'mal',
    label: 'MyAnimeList',
    shortLabel: 'MAL',
    pruneSetting: 'PRUNE',
    skipLabels: MAL_SKIP_LABELS,
    checkRecordState: (state) => comparableSchema.parse(state),
    authorized: options.authorized,

    async readList() {
      const entries = await client().listAll();
      return { entries, backupBody: () => toMalResponseShape(entries) };
    },

    async plan(request: PlanRequest<MalList>): Promise<DestinationPlan> {
      known = request.list
        ? new Map(request.list.entries.map((e) => [malKey(e.animeId), toComparable(e.listStatus)]))
        : new Map(Object.entries(request.mirrored).map(([key, r]) => [key, r.state as ComparableMalState]));
      const datasetIds = await lookUpMissingIds(request.entries, options);
      const plan = planMal(request.entries, known, { ...options.mapping, ...(datasetIds ? { datasetIds } : {}) });
      return { ...plan, ...(request.list ? { actual: known } : {}) };
    },

    planRemovals: planMalRemovals,

    apply: (writes, context) => applyMalWrites(writes, client, (key) => known.get(key), context),
  };
}

/** The dataset is asked only about entries neither ID_OVERRIDES nor AniList gives a MAL id. */
async function lookUpMissingIds(
  entries: readonly SourceEntry[],
  options: MalDestinationOptions,
): Promise<ReadonlyMap<number, number> | undefined> {
  if (!options.datasetIds) return undefined;
  const missing = entries.filter((e) => malIdOf(e, { idOverrides: options.mapping.idOverrides }) === undefined);
  return missing.length > 0 ? options.datasetIds(missing.map((e) => e.mediaId)) : undefined;
}

/** The list in the shape of MAL's `GET /users/@me/animelist` response, for backups. */
export function toMalResponseShape(list: readonly MalListEntry[]): { data: unknown[]; paging: object } {
  return {
    data: list.map((e) => ({ node: { id: e.animeId, title: e.title }, list_status: e.listStatus })),
    paging: {},
  };
}
