// Will the buffers fit? Checked before launching (for a local run) and on every node's first rank.
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { UsageError } from '../errors.js';
import { formatBytes } from '../plan/sizes.js';
import { cgroupRead } from './cgroup.js';

/**
 * Bytes the ranks of this node may still allocate: MemAvailable, capped by the memory cgroup's
 * limit (v2 memory.max, v1 memory.limit_in_bytes) less what the group already uses.
 */
export function availableMemory(): number {
  let avail = freemem();
  const limit = Number(cgroupRead('memory', 'memory.max', ['memory.limit_in_bytes']));
  const used = Number(cgroupRead('memory', 'memory.current', ['memory.usage_in_bytes']));
  // "max" (v2) or a huge page-rounded number (v1: no limit) reads as no limit.
  if (Number.isFinite(limit) && limit < 2 ** 60) avail = Math.min(avail, limit - (Number.isFinite(used) ? used : 0));
  return Math.max(0, avail);
}

/** What ulimit -v still leaves this process (each rank has its own), or undefined without a limit. */
export function addressSpaceLeft(): number | undefined {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max address space\s+(\S+)/m.exec(limits)?.[1];
    if (!soft || soft === 'unlimited') return undefined;
    const size = /^VmSize:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return Number(soft) - Number(size ?? 0) * 1024;
  } catch {
    return undefined;
  }
}

/** Throws a UsageError when ranksOnNode ranks with these buffers would not fit in memory. */
export function checkMemory(
  perRank: number,
  ranksOnNode: number,
  largestSize: number,
  host: string,
  available = availableMemory(),
): void {
  const vm = addressSpaceLeft();
  if (vm !== undefined && perRank > 0.9 * vm)
    throw new UsageError(
      `the buffers need ${formatBytes(perRank)} of address space per rank on ${host}, but ulimit -v leaves only ${formatBytes(vm)}; ` +
        'raise the limit (ulimit -v) or lower the largest size in --sizes',
    );
  const need = perRank * Math.max(1, ranksOnNode);
  if (need <= 0.9 * available) return;
  throw new UsageError(
    `the buffers need ${ranksOnNode} × ${formatBytes(perRank)} = ${formatBytes(need)} of memory on ${host} ` +
      `(largest size ${formatBytes(largestSize)}), but only ${formatBytes(available)} is available; ` +
      'lower the largest size in --sizes or run fewer ranks per node',
  );
}
