// Default iteration and warm-up counts: OSU Micro-Benchmarks 7.4 (c/util/osu_util.h), which
// switch to the "large" counts above LARGE_MESSAGE_SIZE = 8192 bytes of OSU's size: one rank's
// message for allgather, alltoall, gather and scatter, the whole buffer for the others (OsuSize).
import type { IterClass } from '../ops/index.js';

export const LARGE_MESSAGE_SIZE = 8192;

const DEFAULTS: Record<IterClass, { small: [number, number]; large: [number, number] }> = {
  coll: { small: [1000, 100], large: [100, 10] },
  lat: { small: [10000, 100], large: [1000, 10] },
  bw: { small: [100, 10], large: [20, 2] },
};

export function defaultIterations(cls: IterClass, bytes: number): { iters: number; warmup: number } {
  const [iters, warmup] = bytes > LARGE_MESSAGE_SIZE ? DEFAULTS[cls].large : DEFAULTS[cls].small;
  return { iters, warmup };
}
