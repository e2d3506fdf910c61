import { readFileSync } from 'node:fs';

/**
 * The peak resident set size of this process, in bytes. On Linux it is `VmHWM` of `/proc/self/status`: the
 * high-water mark of the process's own memory. Not `process.resourceUsage().maxRSS`: a forked child inherits its
 * parent's RSS at the fork in that figure (the kernel keeps the larger of the pre-exec and the new high-water
 * mark), so a benchmark parent holding sandboxes and a 40 MB dataset would show as the worker's peak. Elsewhere
 * `maxRSS` is all there is.
 */
export function peakRssBytes(): number {
  try {
    const kb = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // Not Linux.
  }
  // resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS * 1024;
}
