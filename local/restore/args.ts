import { unknownOption } from '../../shared/text/args';

export const RESTORE_USAGE = `usage: npm run restore -- --list
       npm run restore -- <backup> [--dry-run] [--take-over]
       npm run restore -- --resume
  add --aws [--profile NAME] [--bucket NAME] to work on the deployed stack instead of the local store

Undo from a backup of your MyAnimeList list (one is taken before the first write, and before each
day's full run writes anything).
  --list       the backups, with when each was taken and how many entries it holds
  <backup>     a name from --list, or "latest": writes MAL back to that backup. Fields that differ
               are set back, entries removed since are added back, entries this system added since
               are removed; entries you added on MAL by hand are left alone. The list as it is now
               is backed up first. Sync of MAL is paused while it runs, and stays paused after.
  --dry-run    print what <backup> would change, entry by entry; write nothing
  --resume     let sync write to MAL again (the next run compares the whole list with AniList)
  --take-over  take over from a restore whose process died, instead of waiting for its pause to expire

Locally it uses the state in LOCAL_DATA_DIR (real mode; stop \`npm start\` first). In sandbox mode it
starts a fresh sandbox and syncs it once, so that there is a backup to try it on.
--aws reads the stack's state bucket (the StateBucketName output, or --bucket) and the worker's
settings with your own AWS credentials (the AWS CLI, as for \`npm run destroy\`).`;

export type RestoreRequest =
  | { readonly kind: 'help' }
  | { readonly kind: 'list'; readonly aws?: AwsTarget }
  | { readonly kind: 'resume'; readonly aws?: AwsTarget }
  | {
      readonly kind: 'restore';
      readonly backup: string;
      readonly dryRun: boolean;
      readonly takeOver: boolean;
      readonly aws?: AwsTarget;
    }
  | { readonly kind: 'usage_error'; readonly message: string };

export interface AwsTarget {
  readonly profile?: string;
  readonly bucket?: string;
}

const FLAGS = ['--list', '--dry-run', '--resume', '--take-over', '--aws', '--help', '-h'];
const WITH_VALUE = ['--profile', '--bucket'];

export function parseRestoreArgs(args: readonly string[]): RestoreRequest {
  if (args.includes('--help') || args.includes('-h')) return { kind: 'help' };
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (WITH_VALUE.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || value.startsWith('-')) return usage(`${name} needs a value, e.g. ${name} NAME`);
      values[name] = value;
    } else if (FLAGS.includes(arg)) flags.add(arg);
    else if (arg.startsWith('-')) return usage(unknownOption(arg, [...FLAGS, ...WITH_VALUE]));
    else positional.push(arg);
  }
  const aws = flags.has('--aws')
    ? {
        ...(values['--profile'] ? { profile: values['--profile'] } : {}),
        ...(values['--bucket'] ? { bucket: values['--bucket'] } : {}),
      }
    : undefined;
  if (!aws && Object.keys(values).length > 0) return usage(`${Object.keys(values).join(' and ')} only go with --aws`);
  const target = aws ? { aws } : {};
  const modes = ['--list', '--resume'].filter((f) => flags.has(f));
  if (modes.length + (positional.length > 0 ? 1 : 0) !== 1 || positional.length > 1) {
    return usage('give one of: --list, a backup name (or "latest"), --resume');
  }
  if (modes.length === 1 && (flags.has('--dry-run') || flags.has('--take-over'))) {
    return usage('--dry-run and --take-over go with a backup name');
  }
  if (flags.has('--list')) return { kind: 'list', ...target };
  if (flags.has('--resume')) return { kind: 'resume', ...target };
  return {
    kind: 'restore',
    backup: positional[0] as string,
    dryRun: flags.has('--dry-run'),
    takeOver: flags.has('--take-over'),
    ...target,
  };
}

function usage(message: string): RestoreRequest {
  return { kind: 'usage_error', message };
}
