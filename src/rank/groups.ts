// --groups g: the ranks split into disjoint groups of g consecutive ranks, every group running
// the point at once on its own communicator (as data-parallel replicas each run their own
// tensor-parallel collective). Group 0 first runs the point alone, while the others wait, for
// the slowdown; then all groups run it together. Both runs are the engine's ordinary timed loop.
import type { ControlPlane } from '../control/control.js';
import type { Addon, MeasureResult, MeasureSpec } from '../native/addon.js';
import type { Concurrency } from '../report/row.js';
import type { Tracker } from './tracker.js';

/** This rank's group: its index and its members (ranks of the world, ascending). */
export function groupOf(rank: number, g: number): { color: number; members: number[] } {
  const color = Math.floor(rank / g);
  return { color, members: Array.from({ length: g }, (_, i) => color * g + i) };
}

/** The communicator of this rank's group (collective over the world). */
export function groupHandle(addon: Addon, rank: number, g: number): Promise<number> {
  const { color, members } = groupOf(rank, g);
  return addon.subgroup(color, members);
}

/** Group 0 alone, then every group at once: the together result, with group 0's alone time. */
export async function measureInGroups(
  addon: Addon,
  control: ControlPlane,
  tracker: Tracker,
  handle: number,
  spec: MeasureSpec,
  g: number,
  where: string,
): Promise<MeasureResult & { group: number }> {
  const { color } = groupOf(control.rank, g);
  const alone = color === 0 ? await tracker.watch(`${where} (group 0 alone)`, addon.measure(handle, spec)) : null;
  await tracker.watch(`${where} (waiting for group 0 alone)`, control.barrier());
  const together = await tracker.watch(where, addon.measure(handle, spec));
  return { ...together, group: color, ...(alone && { aloneUs: alone.meanUs }) };
}

interface GroupPart {
  group?: number;
  meanUs: number;
  aloneUs?: number;
}

/** Per group its ranks' mean time together; group 0's alone time and slowdown; the group size. */
export function groupsOf(parts: GroupPart[], g: number): Concurrency | undefined {
  const byGroup = new Map<number, number[]>();
  for (const p of parts) if (p.group !== undefined) byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p.meanUs]);
  if (byGroup.size === 0) return undefined;
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const perGroup = [...byGroup.keys()].sort((a, b) => a - b).map((k) => mean(byGroup.get(k) as number[]));
  const alone = parts.filter((p) => p.group === 0 && p.aloneUs !== undefined).map((p) => p.aloneUs as number);
  const aloneUs = alone.length > 0 ? mean(alone) : 0;
  return {
    copies: perGroup.length,
    alone_us: aloneUs,
    together_us: mean(parts.map((p) => p.meanUs)),
    slowdown: aloneUs > 0 ? perGroup[0] / aloneUs : null,
    copy_us: perGroup,
    group_size: g,
  };
}
