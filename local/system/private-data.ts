import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Mode bits that let anyone but the owner in. */
const GROUP_AND_OTHERS = 0o077;

/**
 * Makes the local state folder owner-only before anything writes to it: the folder (and every
 * folder in it) 0700, every file 0600. It holds the tokens (s3rver writes each object as a plain
 * file, with the process's umask) and the saved inbox with the authorization links.
 *
 * The umask is the process's, so from here on everything this process creates is owner-only:
 * s3rver offers no file mode of its own, and the local runtime writes nothing others should read.
 * A folder or files made before (by an older version, or another umask) are tightened once, and
 * the returned sentence says so; undefined when nothing had to change. Windows has no such modes.
 */
export function keepDataPrivate(dir: string): string | undefined {
  if (process.platform === 'win32') return undefined;
  process.umask(GROUP_AND_OTHERS);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const before = statSync(dir).mode & 0o777;
  const { folders, files } = tighten(dir);
  if (folders === 0 && files === 0) return undefined;
  const changed = [
    ...(folders > 0
      ? [`${folders} folder(s) to 0700 (the folder itself was ${before.toString(8).padStart(4, '0')})`]
      : []),
    ...(files > 0 ? [`${files} file(s) to 0600`] : []),
  ];
  return `LOCAL_DATA_DIR (${dir}) holds your tokens and was open to other users: tightened ${changed.join(' and ')}.`;
}

/** chmod of `dir` and everything under it that others could read; symbolic links are left alone. */
function tighten(dir: string): { folders: number; files: number } {
  const count = { folders: 0, files: 0 };
  const visit = (folder: string) => {
    if (restrict(folder, 0o700)) count.folders++;
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const entryPath = path.join(folder, entry.name);
      if (entry.isDirectory()) visit(entryPath);
      else if (entry.isFile() && restrict(entryPath, 0o600)) count.files++;
    }
  };
  visit(dir);
  return count;
}

function restrict(target: string, mode: number): boolean {
  if ((statSync(target).mode & GROUP_AND_OTHERS) === 0) return false;
  chmodSync(target, mode);
  return true;
}
