// The sweep as one rank sees it: for every point, measure (if this rank is in the point's
// communicator), send the samples to rank 0, and on rank 0 turn them into a result row.
import type { ControlPlane } from '../control/control.js';
import type { Addon, MeasureResult, MeasureSpec } from '../native/addon.js';
import { getOp } from '../ops/index.js';
import { patternLabel, traffic } from '../plan/patterns.js';
import { pointMatrix, type Plan, type Point } from '../plan/plan.js';
import { formatBytes } from '../plan/sizes.js';
import { makeRow, type Concurrency, type Overlap, type ResultRow } from '../report/row.js';
import { summarize } from '../report/stats.js';
import { groupHandle, groupsOf, measureInGroups } from './groups.js';
import type { Tracker } from './tracker.js';

interface Gathered {
  member: boolean;
  reporter: boolean;
  wrong: number;
  meanUs: number;
  iters: number;
  pureUs?: number;
  computeUs?: number;
  aloneUs?: number;
  copyUs?: number[];
  group?: number; // --groups: this rank's group
  samples: Float64Array;
}

export function encodeResult(r: (MeasureResult & { group?: number }) | null): Buffer {
  const head = Buffer.from(
    JSON.stringify(
      r
        ? {
            member: true,
            reporter: r.reporter,
            wrong: r.wrong,
            meanUs: r.meanUs,
            iters: r.iters,
            pureUs: r.pureUs,
            computeUs: r.computeUs,
            aloneUs: r.aloneUs,
            copyUs: r.copyUs && [...r.copyUs],
            group: r.group,
          }
        : { member: false },
    ),
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  const body = r ? Buffer.from(r.samples.buffer, r.samples.byteOffset, r.samples.byteLength) : Buffer.alloc(0);
  return Buffer.concat([len, head, body]);
}

export function decodeResult(buf: Buffer): Gathered {
  const n = buf.readUInt32LE(0);
  const head = JSON.parse(buf.subarray(4, 4 + n).toString()) as Partial<Gathered>;
  const body = buf.subarray(4 + n);
  const samples = new Float64Array(body.length / 8);
  Buffer.from(samples.buffer).set(body);
  return {
    member: !!head.member,
    reporter: !!head.reporter,
    wrong: head.wrong ?? -1,
    meanUs: head.meanUs ?? NaN,
    iters: head.iters ?? 0,
    pureUs: head.pureUs,
    computeUs: head.computeUs,
    aloneUs: head.aloneUs,
    copyUs: head.copyUs,
    group: head.group,
    samples,
  };
}

/** Several results (a mix's items) in one message: a count, then each result with its length. */
export function encodeResults(rs: MeasureResult[]): Buffer {
  const bufs = rs.map(encodeResult);
  const head = Buffer.alloc(4 + 4 * bufs.length);
  head.writeUInt32LE(bufs.length);
  bufs.forEach((b, i) => head.writeUInt32LE(b.length, 4 + 4 * i));
  return Buffer.concat([head, ...bufs]);
}

export function decodeResults(buf: Buffer): Gathered[] {
  const n = buf.readUInt32LE(0);
  const out: Gathered[] = [];
  let at = 4 + 4 * n;
  for (let i = 0; i < n; i++) {
    const len = buf.readUInt32LE(4 + 4 * i);
    out.push(decodeResult(buf.subarray(at, at + len)));
    at += len;
  }
  return out;
}

/** Combines every rank's contribution for one point into its row (rank 0). */
export function combine(
  point: Point,
  parts: Gathered[],
  checked: boolean,
  cycle = 1,
  graphLaunches = 0,
  mix?: string[],
  groups?: number,
): ResultRow {
  const reporters = parts.filter((p) => p.member && p.reporter);
  const wrong = checked ? parts.filter((p) => p.member).reduce((s, p) => s + Math.max(0, p.wrong), 0) : null;
  const graph = graphLaunches > 0 ? { iters: reporters[0].iters, launches: graphLaunches } : undefined;
  // alltoallv: what each rank sent and received, and each rank's own time, so the hot one shows.
  const skew = point.pattern && {
    pattern: patternLabel(point.pattern),
    traffic: traffic(pointMatrix(point), point.ranks, point.typeSize),
    rankUs: parts.filter((p) => p.member).map((p) => p.meanUs),
  };
  return makeRow(
    point,
    summarize(
      reporters.map((p) => p.samples),
      reporters.map((p) => p.meanUs),
    ),
    wrong,
    cycle,
    graph,
    skew || undefined,
    overlapOf(reporters),
    groups ? groupsOf(reporters, groups) : concurrencyOf(reporters, mix),
  );
}

/**
 * --concurrent: one copy alone and the copies together; a mix (its items' labels): this item
 * alone and this item's completion when all ran at once. Averaged over the ranks.
 */
export function concurrencyOf(parts: Gathered[], mix?: string[]): Concurrency | undefined {
  const timed = parts.filter((p) => p.aloneUs !== undefined && p.copyUs !== undefined);
  if (timed.length === 0) return undefined;
  const mean = (f: (p: Gathered) => number) => timed.reduce((s, p) => s + f(p), 0) / timed.length;
  const alone = mean((p) => p.aloneUs as number);
  const together = mean((p) => p.meanUs);
  const copies = (timed[0].copyUs as number[]).map((_, c) => mean((p) => (p.copyUs as number[])[c]));
  return {
    copies: copies.length,
    alone_us: alone,
    together_us: together,
    slowdown: alone > 0 ? together / alone : null,
    copy_us: copies,
    ...(mix && { mix }),
  };
}

/**
 * OSU's overlap from the ranks' means (print_stats_nbc, OSU 7.4 c/util/osu_util_mpi.c):
 * max(0, 100 − 100 · (overall − compute) / pure), each averaged over the ranks as OSU does.
 */
export function overlapOf(parts: Gathered[]): Overlap | undefined {
  const timed = parts.filter((p) => p.pureUs !== undefined && p.computeUs !== undefined);
  if (timed.length === 0) return undefined;
  const mean = (f: (p: Gathered) => number) => timed.reduce((s, p) => s + f(p), 0) / timed.length;
  const pure = mean((p) => p.pureUs as number);
  const compute = mean((p) => p.computeUs as number);
  const overall = mean((p) => p.meanUs);
  const percent = pure > 0 ? Math.max(0, 100 - (100 * (overall - compute)) / pure) : null;
  return { overall_us: overall, compute_us: compute, pure_us: pure, percent };
}

export function describePoint(p: Point): string {
  const redop = p.redop === 'none' ? '' : ` ${p.redop}`;
  const size = getOp(p.op).shape === 'none' ? '' : ` ${formatBytes(p.sizeBytes)}`;
  const pattern = p.pattern ? ` (${patternLabel(p.pattern)})` : '';
  return `${p.op}${pattern}${size} ${p.dtype}${redop} on ${p.ranks} ranks`;
}

export interface SweepContext {
  addon: Addon;
  control: ControlPlane;
  plan: Plan;
  points: Point[];
  tracker: Tracker;
  ncclLib?: string;
  /** Rank 0 only: receives each finished row. */
  onRow?: (row: ResultRow) => void;
}

/** Runs every point; returns the total number of wrong elements (rank 0; 0 elsewhere). */
export async function sweep(ctx: SweepContext): Promise<number> {
  const { addon, control, plan, points } = ctx;
  // Sub-communicators are collective over the world: create them all, in the same order everywhere.
  // NCCL and RCCL get a fresh unique id from rank 0 in case the library cannot split.
  const handles = new Map<number, number>();
  const copies = new Map<number, number[]>(); // --concurrent: the other copies' communicators
  const gpu = plan.backend === 'nccl' || plan.backend === 'rccl';
  const split = async (k: number) => {
    const id = gpu
      ? await control.bcast(
          control.rank === 0 ? await addon.ncclUniqueId(plan.backend === 'rccl', ctx.ncclLib ?? '') : Buffer.alloc(0),
          0,
        )
      : undefined;
    return addon.split(k, id);
  };
  for (const k of plan.rankCounts) {
    handles.set(
      k,
      k === control.size ? 0 : plan.groups ? await groupHandle(addon, control.rank, plan.groups) : await split(k),
    );
    const more: number[] = [];
    for (let c = 1; c < (plan.concurrent ?? 1); c++) more.push(await split(k));
    copies.set(k, more);
  }

  let wrong = 0;
  if (plan.mix) {
    const own: number[] = [];
    for (const p of points) own.push(await split(p.ranks)); // a communicator per item
    for (let cycle = 1; cycle <= plan.repeat; cycle++) {
      ctx.tracker.step = { index: 0, cycle };
      wrong += await runMix(ctx, own, cycle);
    }
    return wrong;
  }
  for (let cycle = 1; cycle <= plan.repeat; cycle++)
    for (const [index, point] of points.entries()) {
      ctx.tracker.step = { index, cycle };
      wrong += await runPoint(ctx, handles.get(point.ranks) as number, point, cycle, copies.get(point.ranks));
    }
  return wrong;
}

/** What the engine needs for one point. */
function measureSpec(plan: Plan, point: Point): MeasureSpec {
  return {
    op: point.op,
    dtype: point.dtype,
    redop: point.redop === 'none' ? 'sum' : point.redop,
    root: Math.max(0, point.root),
    count: point.count,
    inPlace: point.inPlace,
    iters: point.iters,
    warmup: point.warmup,
    maxTimeSec: plan.maxTimePerSize,
    timing: plan.timing,
    window: plan.window,
    check: plan.check,
    graphLaunches: plan.graphLaunches,
    ...(point.pattern && { matrix: pointMatrix(point) }),
  };
}

/** A mix: every point at once on its own communicator; a row per point, on rank 0. */
async function runMix(ctx: SweepContext, handles: number[], cycle: number): Promise<number> {
  const { addon, control, plan, points, tracker } = ctx;
  const labels = points.map((p) => `${p.op} ${formatBytes(p.sizeBytes)}`);
  const where = `the mix ${labels.join(' + ')}` + (plan.repeat > 1 ? ` (cycle ${cycle} of ${plan.repeat})` : '');
  tracker.at(where);
  const results = await tracker.watch(
    where,
    addon.measureMix(points.map((p, c): [number, MeasureSpec] => [handles[c], measureSpec(plan, p)])),
  );
  const parts = await tracker.watch(`${where} (gathering results)`, control.gather(encodeResults(results)));
  if (!parts) return 0;
  const byRank = parts.map(decodeResults);
  let wrong = 0;
  points.forEach((point, c) => {
    const row = combine(
      point,
      byRank.map((r) => r[c]),
      plan.check,
      cycle,
      0,
      labels,
    );
    ctx.onRow?.(row);
    wrong += row.wrong ?? 0;
  });
  return wrong;
}

/** One point on every rank; returns its wrong elements on rank 0. */
async function runPoint(
  ctx: SweepContext,
  handle: number,
  point: Point,
  cycle: number,
  copies: number[] = [],
): Promise<number> {
  const { addon, control, plan, tracker } = ctx;
  const where = describePoint(point) + (plan.repeat > 1 ? ` (cycle ${cycle} of ${plan.repeat})` : '');
  // The heartbeat that says so goes out before the native call starts, not while it is timing.
  tracker.at(where);
  const spec = { ...measureSpec(plan, point), ...(copies.length > 0 && { copies }) };
  const result =
    handle < 0
      ? null
      : plan.groups
        ? await measureInGroups(addon, control, tracker, handle, spec, plan.groups, where)
        : await tracker.watch(where, addon.measure(handle, spec));
  const parts = await tracker.watch(`${where} (gathering results)`, control.gather(encodeResult(result)));
  if (!parts) return 0;
  const row = combine(point, parts.map(decodeResult), plan.check, cycle, plan.graphLaunches, undefined, plan.groups);
  ctx.onRow?.(row);
  return row.wrong ?? 0;
}
