import { kindOf } from '../../anilist/types';
import { describeError } from '../../errors';
import type { Logger } from '../../log';
import { KEYS, type ObjectStore } from '../../store/store';
import type { Destination, DestinationList, PlanNote, PlanRequest } from '../../sync/destination';
import type { SourceEntry } from '../../sync/source';
import { malAnimeExport, malMangaExport } from './export';
import { type MalXmlLeftOut, writeMalXml } from './export-xml';
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
  /** MIRROR_MANGA=true: the manga list too, in a file of its own (MAL's files hold one kind each). */
  readonly manga?: boolean;
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
      const excluded = request.excluded ?? [];
      const notes = [await saveXmlExport('anime', request.entries, excluded, options)];
      if (options.manga) notes.push(await saveXmlExport('manga', request.entries, excluded, options));
      return { ...plan, notes: [...plan.notes, ...notes] };
    },
  };
}

async function saveXmlExport(
  kind: 'anime' | 'manga',
  entries: readonly SourceEntry[],
  excluded: readonly SourceEntry[],
  options: XmlExportOptions,
): Promise<PlanNote> {
  const key = KEYS.listExport('mal', kind, new Date(options.now()).toISOString());
  const title = `MAL import XML (${kind})`;
  try {
    const mapped =
      kind === 'anime'
        ? await animeDocument(entries, options)
        : malMangaExport(entries, options.mapping, options.userName);
    // The file is the list as the mirror keeps it: excluded entries are not in it, and it says so.
    const doc = { ...mapped, leftOut: [...mapped.leftOut, ...leftOutByExclude(kind, excluded)] };
    await options.store.put(key, writeMalXml(doc));
    return { title, kind: 'list_export', detail: `saved: ${key} (${doc.entries.length} ${kind})` };
  } catch (err) {
    const error = describeError(err);
    options.logger.warn('MAL XML export not saved', { key, error });
    return { title, kind: 'list_export', detail: `not saved (${error}); the next full run tries again` };
  }
}

async function animeDocument(entries: readonly SourceEntry[], options: XmlExportOptions) {
  // The anime id dataset knows anime only.
  const missing = entries.filter(
    (e) => kindOf(e) === 'anime' && malIdOf(e, { idOverrides: options.mapping.idOverrides }) === undefined,
  );
  const datasetIds = missing.length > 0 ? await options.datasetIds?.(missing.map((e) => e.mediaId)) : undefined;
  return malAnimeExport(entries, { ...options.mapping, ...(datasetIds ? { datasetIds } : {}) }, options.userName);
}

function leftOutByExclude(kind: 'anime' | 'manga', excluded: readonly SourceEntry[]): MalXmlLeftOut[] {
  return excluded
    .filter((e) => kindOf(e) === kind)
    .map((e) => ({
      mediaId: e.mediaId,
      title: e.title,
      reason: 'excluded with EXCLUDE; the mirror leaves it as it is',
    }));
}
