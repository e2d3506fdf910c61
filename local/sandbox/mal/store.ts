import type { Clock } from '../../../shared/clock';
import type { MalListEntry } from '../../../shared/destinations/mal/types';
import { DEFAULT_MAL_CATALOGUE, type SandboxAnime } from './catalogue';
import type { SandboxEntrySeed, SandboxListStatus } from './fixture';

export interface StoredEntry {
  node: SandboxAnime;
  listStatus: SandboxListStatus;
}

export interface StoreOptions {
  readonly clock: Clock;
  readonly catalogue: readonly SandboxAnime[];
}

/** MAL's date-time format: `2021-03-15T09:00:58+00:00`. */
export function malDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The sandbox's data: one user's list (in insertion order, like a stable server-side sort) and the anime it knows. */
export class SandboxStore {
  readonly entries = new Map<number, StoredEntry>();
  private readonly catalogue = new Map<number, SandboxAnime>();
  /** Epoch ms of the last deletion: a list can change without any entry left to show it. */
  private lastDeletedAt: number | undefined;

  constructor(private readonly options: StoreOptions) {
    for (const anime of [...DEFAULT_MAL_CATALOGUE, ...options.catalogue]) this.catalogue.set(anime.id, anime);
  }

  seed(seeds: readonly SandboxEntrySeed[]): void {
    this.entries.clear();
    this.lastDeletedAt = undefined;
    const stamp = malDateTime(this.options.clock.now());
    for (const seed of seeds) {
      this.catalogue.set(seed.node.id, { ...this.catalogue.get(seed.node.id), ...seed.node });
      this.entries.set(seed.node.id, {
        node: { ...seed.node },
        listStatus: {
          ...seed.listStatus,
          tags: [...seed.listStatus.tags],
          updated_at: seed.listStatus.updated_at ?? stamp,
        },
      });
    }
  }

  /** Removes an entry; false when it was not on the list. */
  delete(animeId: number): boolean {
    const deleted = this.entries.delete(animeId);
    if (deleted) this.lastDeletedAt = this.options.clock.now();
    return deleted;
  }

  /** Epoch ms of the list's last change (an entry's `updated_at` or a deletion); undefined for an empty, untouched list. */
  lastChangedAt(): number | undefined {
    const times = [...this.entries.values()].map((e) => Date.parse(e.listStatus.updated_at));
    if (this.lastDeletedAt !== undefined) times.push(this.lastDeletedAt);
    const known = times.filter((t) => Number.isFinite(t));
    return known.length > 0 ? Math.max(...known) : undefined;
  }

  anime(id: number): SandboxAnime | undefined {
    return this.catalogue.get(id);
  }

  toListEntry(entry: StoredEntry): MalListEntry {
    return { animeId: entry.node.id, title: entry.node.title, listStatus: structuredClone(entry.listStatus) };
  }
}
