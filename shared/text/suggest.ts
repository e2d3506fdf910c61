/**
 * "Did you mean …?" for a mistyped name: a command-line option (`--dryrun`), a setting
 * (`SYNC_INTERVAL_MINUTS`), a destination. One rule everywhere, so every message guesses alike.
 */

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The letters that matter: case, `-` and `_` are how people mistype names, not different names. */
const squash = (text: string) => text.replace(/[-_]/g, '').toLowerCase();

/**
 * The candidate `word` most likely meant, or undefined when none is close: the same letters but for
 * case, `-` and `_` (`--dryrun`, `mirror_private`); one a prefix of the other (`--output` for
 * `--out`, at least 3 letters); or at most 2 edits away (1 for words of up to 5 characters, so
 * that `--all` is not taken for `--aws`).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const bare = squash(word);
  if (bare === '') return undefined;
  const exact = candidates.find((c) => squash(c) === bare);
  if (exact !== undefined) return exact;
  const prefix = candidates.find((c) => {
    const other = squash(c);
    return Math.min(other.length, bare.length) >= 3 && (other.startsWith(bare) || bare.startsWith(other));
  });
  if (prefix !== undefined) return prefix;
  const limit = Math.min(2, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** ` (did you mean --dry-run?)`, or nothing when no candidate is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}
