import type { Clock } from '../../clock';
import { KEYS, type ObjectStore } from '../../store/store';
import type { Destination, DestinationList, DestinationPlan, PlanRequest } from '../../sync/destination';
import type { IdDatasets } from '../datasets';
import { applyTraktWrites } from './apply';
import { TraktCatalog } from './catalog';
import type { TraktClient } from './client';
import type { TraktOverride } from './mapping';
import { planTrakt, planTraktRemovals, TRAKT_SKIP_FIXES, TRAKT_SKIP_LABELS } from './planner';
import { TraktPlays } from './plays';
import type { TraktRules } from './rules';
import type { TraktHistoryItem, TraktRatingItem } from './types';

/** The mapping review of the last runs: one decision per entry, for a person to audit. */
export const REVIEW_KEY = `${KEYS.syncPrefix('trakt')}mapping-review.json`;

export interface TraktList extends DestinationList {
  readonly plays: TraktPlays;
}

export interface TraktDestinationOptions {
  /** Built on first use: a run with nothing to write never touches Trakt or reads the tokens. */
  readonly client: () => TraktClient;
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly rules: TraktRules;
  readonly prune: boolean;
  readonly batchSize: number;
  readonly source: 'anilist' | 'mal';
  readonly overrides: ReadonlyMap<string, TraktOverride>;
  readonly datasets: () => Promise<IdDatasets>;
  readonly authorized: () => Promise<boolean>;
}

/**
 * Trakt as a destination: an entry's plays (exact episodes, or a movie) and its ratings are the
 * targets; plays are added only where Trakt holds fewer than the entry needs, in batches.
 */
export function createTraktDestination(options: TraktDestinationOptions): Destination<TraktList> {
  let client: TraktClient | undefined;
  const api = () => {
    client ??= options.client();
    return client;
  };
  let plays: TraktPlays | undefined;
  const loadPlays = async () => {
    plays ??= await TraktPlays.load(options.store);
    return plays;
  };

  return {
    key: 'trakt',
    label: 'Trakt',
    shortLabel: 'Trakt',
    pruneSetting: 'TRAKT_PRUNE',
    skipLabels: TRAKT_SKIP_LABELS,
    skipFixes: TRAKT_SKIP_FIXES,
    countsNote: "counted per entry's plays and per rating",
    checkRecordState,
    authorized: options.authorized,

    async readList() {
      const index = await loadPlays();
      const history: HistoryRow[] = [];
      const ratings: TraktRatingItem[] = [];
      await index.readAll(api(), undefined, true, true, {
        history: (item) => history.push(historyRow(item)),
        rating: (item) => ratings.push(item),
      });
      return {
        plays: index,
        backupBody: () => ({ format: 'trakt-backup/1', historyColumns: HISTORY_COLUMNS, history, ratings }),
      };
    },

    async plan(request: PlanRequest<TraktList>): Promise<DestinationPlan> {
      const nothingToPlan = request.entries.length === 0 && !request.full;
      if (nothingToPlan) return { writes: [], unchanged: [], skipped: [], notes: [] };
      const datasets = await options.datasets();
      const catalog = await TraktCatalog.load({ store: options.store, client: api, clock: options.clock });
      const plan = await planTrakt(
        {
          entries: request.entries,
          full: request.full,
          mirrored: request.mirrored,
          ...(request.list ? { plays: request.list.plays } : {}),
        },
        {
          mapping: {
            source: options.source,
            overrides: options.overrides,
            ids: datasets.ids,
            fallback: datasets.fallback,
            catalog,
          },
          rules: options.rules,
          prune: options.prune,
          plays: async (need) => {
            const index = await loadPlays();
            await index.refresh(api(), need);
            return index;
          },
          now: () => options.clock.now(),
          ...(request.stopAt ? { stopAt: request.stopAt } : {}),
        },
      );
      await catalog.save();
      let reviewKey: string | undefined;
      if (!request.dryRun) {
        await plays?.save();
        if (plan.review && plan.review.length > 0) {
          await saveReview(options, request, plan.review);
          reviewKey = REVIEW_KEY;
        }
      }
      const warnings = datasets.warnings.map((w) => ({ title: 'anime id datasets', kind: 'dataset', detail: w }));
      return { ...plan, notes: [...warnings, ...plan.notes], ...(reviewKey ? { reviewKey } : {}) };
    },

    planRemovals: planTraktRemovals,

    async apply(writes, context) {
      const result = await applyTraktWrites(
        writes,
        { client: api, plays: loadPlays, clock: options.clock, batchSize: options.batchSize },
        context,
      );
      await plays?.save();
      return result;
    },
  };
}

/**
 * The review a person audits: every entry's last decision, by AniList media id. Full runs write
 * it whole; incremental runs update the entries they planned.
 */
async function saveReview(options: TraktDestinationOptions, request: PlanRequest, lines: readonly string[]) {
  const byMedia: Record<string, string> = {};
  if (!request.full) {
    const obj = await options.store.get(REVIEW_KEY);
    try {
      Object.assign(byMedia, (JSON.parse(obj?.body ?? '{}') as { entries?: Record<string, string> }).entries ?? {});
    } catch {
      // A review that cannot be read is rewritten from this run's decisions.
    }
  }
  for (const line of lines) {
    const media = /\((?:AniList|MAL) (\d+)\)/.exec(line)?.[1];
    if (media) byMedia[media] = line;
  }
  await options.store.put(
    REVIEW_KEY,
    JSON.stringify({ updatedAt: new Date(options.clock.now()).toISOString(), entries: byMedia }),
  );
}

/**
 * A backup's history is one row per play, not Trakt's nested items: a 5,000-entry list holds some
 * 75,000 plays, and as objects they would not fit a 256 MB function beside the rest of a full run.
 * With the Trakt ids a row says exactly which play it was (and `id` is what `/sync/history/remove` takes).
 */
const HISTORY_COLUMNS = ['id', 'watched_at', 'type', 'trakt', 'season', 'number'] as const;
type HistoryRow = readonly [number, string | null, string, number | null, number | null, number | null];

function historyRow(item: TraktHistoryItem): HistoryRow {
  const trakt = item.type === 'movie' ? item.movie?.ids.trakt : item.show?.ids.trakt;
  return [
    item.id,
    item.watched_at,
    item.type,
    trakt ?? null,
    item.episode?.season ?? null,
    item.episode?.number ?? null,
  ];
}

/** A stored record's state: plays (`{kind: 'plays', eps, added, at, show|movie}`) or a rating. */
function checkRecordState(state: unknown): void {
  const s = state as Record<string, unknown> | null;
  if (!s || typeof s !== 'object') throw new Error('not an object');
  if (s.kind === 'rating') {
    if (typeof s.rating !== 'number' || typeof s.ours !== 'boolean') throw new Error('a rating needs rating and ours');
    return;
  }
  if (s.kind !== 'plays') throw new Error(`unknown kind ${String(s.kind)}`);
  if (typeof s.eps !== 'object' || typeof s.added !== 'object') throw new Error('plays need eps and added');
  if (s.show === undefined && s.movie === undefined) throw new Error('plays need a show or a movie');
}
