/** The command line of `npm run export`. */

export const EXPORT_USAGE = `usage: npm run export -- [--anime|--manga] [--out FILE]

Writes your AniList list, as this mirror maps it to MyAnimeList, in the XML format of MAL's import
page (https://myanimelist.net/import.php, import type "MyAnimeList Import"). Entries that cannot
go into it (no MAL id, private, …) are named, with the reason, in a comment at the end of the file.
  --anime     the anime list (the default)
  --manga     the manga list, mapped as MIRROR_MANGA=true mirrors it (the setting itself is not needed)
  --out FILE  write the file there (readable by you only) instead of to standard output

Real mode (a destination's client id set, e.g. MAL_CLIENT_ID, or SANDBOX=false): reads
ANILIST_USERNAME's list from AniList (with ANILIST_TOKEN, private entries too when
MIRROR_PRIVATE=true) and maps it with your ID_OVERRIDES. Nothing is written anywhere else.
Sandbox mode: the sandbox AniList's list (the sample, or SANDBOX_ANILIST_FIXTURE).`;

const OPTIONS = ['--anime', '--manga', '--out', '--help'] as const;

export type ExportRequest =
  | { readonly kind: 'help' }
  | { readonly kind: 'usage_error'; readonly message: string }
  | { readonly kind: 'export'; readonly list: 'anime' | 'manga'; readonly out?: string };

/** The command line, or what is wrong with it (naming the option meant, when it is close to one). */
export function parseExportArgs(args: readonly string[]): ExportRequest {
  let list: 'anime' | 'manga' | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--anime' || arg === '--manga') {
      const wanted = arg === '--anime' ? 'anime' : 'manga';
      if (list && list !== wanted) return { kind: 'usage_error', message: 'choose one of --anime and --manga' };
      list = wanted;
    } else if (arg === '--out' || arg.startsWith('--out=')) {
      const value = arg === '--out' ? args[++i] : arg.slice('--out='.length);
      if (!value || value.startsWith('--')) return { kind: 'usage_error', message: '--out needs a file name' };
      out = value;
    } else {
      const near = closestOption(arg);
      return { kind: 'usage_error', message: `unknown option ${arg}${near ? ` (did you mean ${near}?)` : ''}` };
    }
  }
  return { kind: 'export', list: list ?? 'anime', ...(out ? { out } : {}) };
}

/** The option `arg` most likely meant: at most 2 edits away (`--mange`, `-out`, `--output`'s prefix). */
function closestOption(arg: string): string | undefined {
  const bare = arg.split('=')[0] ?? arg;
  const scored = OPTIONS.map((o) => ({ o, d: o.startsWith(bare) || bare.startsWith(o) ? 1 : editDistance(bare, o) }));
  const best = scored.sort((a, b) => a.d - b.d)[0];
  return best && best.d <= 2 ? best.o : undefined;
}

function editDistance(a: string, b: string): number {
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
