// Will the buffers fit? Checked before launching (for a local run) and on every node's first rank.
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { UsageError } from '../errors.js';
import { formatBytes } from '../plan/sizes.js';

/** Bytes this process may still allocate: MemAvailable, capped by a cgroup v2 limit if any. */
export function availableMemory(): number {
  let avail = freemem();
  try {
    const max = readFileSync('/sys/fs/cgroup/memory.max', 'utf8').trim();
    const cur = Number(readFileSync('/sys/fs/cgroup/memory.current', 'utf8').trim());
    if (max !== 'max' && Number.isFinite(Number(max))) avail = Math.min(avail, Number(max) - cur);
  } catch {
    // no cgroup v2 memory controller: MemAvailable alone
  }
  return avail;
}

/** Throws a UsageError when ranksOnNode ranks with these buffers would not fit in memory. */
export function checkMemory(
  perRank: number,
  ranksOnNode: number,
  largestSize: number,
  host: string,
  available = availableMemory(),
): void {
  const need = perRank * Math.max(1, ranksOnNode);
  if (need <= 0.9 * available) return;
  throw new UsageError(
    `the buffers need ${ranksOnNode} × ${formatBytes(perRank)} = ${formatBytes(need)} of memory on ${host} ` +
      `(largest size ${formatBytes(largestSize)}), but only ${formatBytes(available)} is available; ` +
      'lower the largest size in --sizes or run fewer ranks per node',
  );
}
