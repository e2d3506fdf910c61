/** The command line of `npm run export`. */
import { unknownOption } from '../../shared/text/args';

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
      return { kind: 'usage_error', message: unknownOption(arg, OPTIONS) };
    }
  }
  return { kind: 'export', list: list ?? 'anime', ...(out ? { out } : {}) };
}
