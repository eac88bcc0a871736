// Whether two medians differ by more than the runs' own noise. The rule: each side's median has a
// distribution-free 95% confidence interval (report/stats.ts medianInterval; over --repeat cycles,
// the envelope of the cycles' intervals); the difference is real when the two intervals do not
// overlap. Without an interval on either side (a schema-1 file, fewer than 6 samples) it is unknown.
import type { Measured } from './align.js';

export type Verdict = 'faster' | 'slower' | 'noise' | 'unknown';

export const NOISE_RULE =
  "a difference is beyond noise when the two medians' 95% confidence intervals (order statistics; over --repeat cycles, their envelope) do not overlap";

/** How `other` compares with `base`: faster or slower beyond noise, within it, or unknown. */
export function verdict(base: Measured, other: Measured): Verdict {
  const a = base.ci;
  const b = other.ci;
  if (!a || !b || a.level < 0.95 || b.level < 0.95) return 'unknown';
  if (b.lo > a.hi) return 'slower';
  if (b.hi < a.lo) return 'faster';
  return 'noise';
}
