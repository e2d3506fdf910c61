import type { AniListStatus, FuzzyDate } from '../../../shared/anilist/types';
import { EMPTY_DATE, type SandboxEntry, type SandboxMedia } from './store';

/** Small, fast, deterministic PRNG (mulberry32): same seed, same list. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'shi', 'no', 'mi', 'ra', 'to', 'yu', 'ki', 'ha', 're', 'sora', 'hoshi', 'tsu', 'ne', 'ko'];
const WORDS = ['Sekai', 'Monogatari', 'Densetsu', 'Kiseki', 'Gakuen', 'Senki', 'Hanashi', 'Tabi', 'Yume', 'Kaze'];
const ENGLISH = ['Chronicle', 'Legend', 'Academy', 'Journey', 'Dream', 'Wind', 'Tale', 'Miracle', 'War', 'Story'];
const FORMATS: readonly { format: string; episodes: readonly number[]; weight: number }[] = [
  { format: 'TV', episodes: [12, 13, 24, 25, 26, 50], weight: 70 },
  { format: 'MOVIE', episodes: [1], weight: 12 },
  { format: 'OVA', episodes: [1, 2, 6], weight: 7 },
  { format: 'ONA', episodes: [10, 12, 15], weight: 7 },
  { format: 'SPECIAL', episodes: [1, 3], weight: 4 },
];
const STATUSES: readonly { status: AniListStatus; weight: number }[] = [
  { status: 'COMPLETED', weight: 46 },
  { status: 'PLANNING', weight: 22 },
  { status: 'CURRENT', weight: 10 },
  { status: 'DROPPED', weight: 8 },
  { status: 'PAUSED', weight: 8 },
  { status: 'REPEATING', weight: 6 },
];
const NOTES = ['rewatch with friends', 'dub is great', 'OP is a banger', 'stopped at the filler arc', '#favourite'];

/** 2025-06-01T00:00:00Z: the generated list ends here, independent of the wall clock. */
const GENERATED_END = Date.UTC(2025, 5, 1) / 1000;
const SPAN_SECONDS = 6 * 365 * 24 * 3600;

/**
 * A realistic synthetic anime list for benchmarks and large-list tests: deterministic for a seed,
 * unique entry ids, media ids and MAL ids, and a mix of statuses, scores (incl. unscored and
 * rounding edges), full/partial/empty dates, rewatches, notes, private entries, entries without a
 * MAL id and entries in (or only in) a custom list. Scores are POINT_100.
 */
export function generateAniListEntries(count: number, seed = 1): SandboxEntry[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number ≥ 0, got ${count}`);
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const weighted = <T extends { weight: number }>(items: readonly T[]): T => {
    let roll = random() * items.reduce((sum, i) => sum + i.weight, 0);
    for (const item of items) {
      roll -= item.weight;
      if (roll < 0) return item;
    }
    return items[items.length - 1] as T;
  };

  const entries: SandboxEntry[] = [];
  let mediaId = 100_000;
  let malId = 1;
  for (let i = 0; i < count; i++) {
    mediaId += 1 + Math.floor(random() * 5);
    malId += 1 + Math.floor(random() * 3);
    const shape = weighted(FORMATS);
    const episodes = pick(shape.episodes);
    const status = weighted(STATUSES).status;
    const romaji = `${capitalise(pick(SYLLABLES) + pick(SYLLABLES))} no ${pick(WORDS)}${i % 7 === 0 ? ` ${2 + (i % 3)}` : ''}`;
    const media: SandboxMedia = {
      id: mediaId,
      // About 1 in 60 titles exists on AniList only.
      idMal: random() < 1 / 60 ? null : malId,
      title: { romaji, english: random() < 0.6 ? `${pick(ENGLISH)} of ${pick(WORDS)}` : null, native: null },
      format: shape.format,
      episodes: random() < 0.05 ? null : episodes,
    };

    const createdAt = GENERATED_END - Math.floor(random() * SPAN_SECONDS);
    // Last edit within 90 days of adding it, never after the end of the generated period.
    const updatedAt = createdAt + Math.floor(random() * Math.min(90 * 24 * 3600, GENERATED_END - createdAt));
    const start = dateNear(createdAt, random);
    const finished = status === 'COMPLETED' || status === 'REPEATING';
    const watched =
      status === 'PLANNING'
        ? 0
        : finished
          ? episodes
          : Math.floor(random() * Math.max(1, episodes - 1)) + (status === 'CURRENT' ? 1 : 0);

    entries.push({
      id: 1_000_000 + i,
      mediaId,
      status,
      score: status === 'PLANNING' ? 0 : generateScore(random),
      progress: watched,
      repeat: status === 'REPEATING' ? 1 + Math.floor(random() * 2) : finished && random() < 0.08 ? 1 : 0,
      priority: 0,
      private: random() < 0.02,
      notes: random() < 0.1 ? pick(NOTES) : null,
      hiddenFromStatusLists: false,
      customLists: [],
      startedAt: status === 'PLANNING' ? EMPTY_DATE : partial(start, random),
      completedAt: finished ? partial(dateNear(updatedAt, random), random) : EMPTY_DATE,
      createdAt,
      updatedAt,
      media,
    });
  }
  // Custom lists: ~6% in "Favourites" (duplicated in the collection), ~1% only there.
  return entries.map((entry, index) => {
    const roll = seededRandom(seed * 7919 + index)();
    if (roll < 0.01) return { ...entry, customLists: ['Favourites'], hiddenFromStatusLists: true };
    if (roll < 0.07) return { ...entry, customLists: ['Favourites'] };
    return entry;
  });
}

function generateScore(random: () => number): number {
  const roll = random();
  if (roll < 0.12) return 0;
  // Rounding edges for coarser formats: 5, 84/85, 100.
  if (roll < 0.14) return 5;
  if (roll < 0.17) return 85;
  if (roll < 0.2) return 84;
  if (roll < 0.23) return 100;
  return 40 + Math.floor(random() * 57);
}

function dateNear(unixSeconds: number, random: () => number): FuzzyDate {
  const d = new Date((unixSeconds - Math.floor(random() * 20 * 24 * 3600)) * 1000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Most dates are full; some are year+month or year only, as AniList users enter them. */
function partial(date: FuzzyDate, random: () => number): FuzzyDate {
  const roll = random();
  if (roll < 0.06) return EMPTY_DATE;
  if (roll < 0.12) return { year: date.year, month: null, day: null };
  if (roll < 0.2) return { year: date.year, month: date.month, day: null };
  return date;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A synthetic manga list (MIRROR_MANGA tests and the bench's manga case): the anime generator's
 * mix of statuses, scores, dates and notes, as manga. Entry and media ids are offset so that they
 * never meet an anime list from the same seed (AniList's ids are one space for anime and manga).
 */
export function generateAniListMangaEntries(count: number, seed = 1): SandboxEntry[] {
  return generateAniListEntries(count, seed).map((entry, index) => {
    const mediaId = entry.mediaId + 800_000;
    const chapters = entry.media?.episodes ? entry.media.episodes * 4 : null;
    const media: SandboxMedia | null = entry.media && {
      ...entry.media,
      id: mediaId,
      type: 'MANGA',
      format: 'MANGA',
      episodes: null,
      chapters,
      volumes: chapters === null ? null : Math.ceil(chapters / 8),
    };
    return {
      ...entry,
      id: 5_000_000 + index,
      mediaId,
      progress: entry.progress * 4,
      progressVolumes: Math.floor(entry.progress / 2),
      media,
    };
  });
}
