import { describeError } from '../../errors';
import type { Logger } from '../../log';
import { KEYS, type ObjectStore } from '../../store/store';
import type { Destination, DestinationList, PlanNote, PlanRequest } from '../../sync/destination';
import type { SourceEntry } from '../../sync/source';
import { malAnimeExport } from './export';
import { writeMalXml } from './export-xml';
import { type MappingOptions, malIdOf } from './mapping';

export interface XmlExportOptions {
  readonly store: ObjectStore;
  /** The AniList user whose list it is (named in the file's `myinfo`). */
  readonly userName: string;
  readonly now: () => number;
  readonly logger: Logger;
  /** The MAL destination's own mapping settings and dataset lookup: the file is the list as it maps it. */
  readonly mapping: MappingOptions;
  readonly datasetIds?: (mediaIds: readonly number[]) => Promise<ReadonlyMap<number, number>>;
}

/**
 * The MAL destination, saving on every full reconcile (at most daily) the list as it maps it in
 * MAL's import XML: a portable copy the user can import on MAL's page, under `exports/` (expiring
 * like the backups). Incremental runs and dry runs save nothing, so steady state costs no request.
 * The export is the destination's own object: the core knows nothing of it. A failure to save it
 * is a note in the run report, never a failed run.
 */
export function withXmlExport<L extends DestinationList>(
  destination: Destination<L>,
  options: XmlExportOptions,
): Destination<L> {
  return {
    ...destination,
    async plan(request: PlanRequest<L>) {
      const plan = await destination.plan(request);
      if (!request.full || request.dryRun) return plan;
      return { ...plan, notes: [...plan.notes, await saveXmlExport(request.entries, options)] };
    },
  };
}

async function saveXmlExport(entries: readonly SourceEntry[], options: XmlExportOptions): Promise<PlanNote> {
  const key = KEYS.listExport('mal', 'anime', new Date(options.now()).toISOString());
  try {
    const missing = entries.filter((e) => malIdOf(e, { idOverrides: options.mapping.idOverrides }) === undefined);
    const datasetIds = missing.length > 0 ? await options.datasetIds?.(missing.map((e) => e.mediaId)) : undefined;
    const doc = malAnimeExport(
      entries,
      { ...options.mapping, ...(datasetIds ? { datasetIds } : {}) },
      options.userName,
    );
    await options.store.put(key, writeMalXml(doc));
    return { title: 'MAL import XML', kind: 'list_export', detail: `saved: ${key} (${doc.entries.length} anime)` };
  } catch (err) {
    const error = describeError(err);
    options.logger.warn('MAL XML export not saved', { key, error });
    return {
      title: 'MAL import XML',
      kind: 'list_export',
      detail: `not saved (${error}); the next full run tries again`,
    };
  }
}
