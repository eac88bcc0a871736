// The sweep as one rank sees it: for every point, measure (if this rank is in the point's
// communicator), send the samples to rank 0, and on rank 0 turn them into a result row.
import type { ControlPlane } from '../control/control.js';
import type { Addon, MeasureResult } from '../native/addon.js';
import { getOp } from '../ops/index.js';
import { patternLabel, traffic } from '../plan/patterns.js';
import { pointMatrix, type Plan, type Point } from '../plan/plan.js';
import { formatBytes } from '../plan/sizes.js';
import { makeRow, type ResultRow } from '../report/row.js';
import { summarize } from '../report/stats.js';
import type { Tracker } from './tracker.js';

interface Gathered {
  member: boolean;
  reporter: boolean;
  wrong: number;
  meanUs: number;
  iters: number;
  samples: Float64Array;
}

export function encodeResult(r: MeasureResult | null): Buffer {
  const head = Buffer.from(
    JSON.stringify(
      r ? { member: true, reporter: r.reporter, wrong: r.wrong, meanUs: r.meanUs, iters: r.iters } : { member: false },
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
    samples,
  };
}

/** Combines every rank's contribution for one point into its row (rank 0). */
export function combine(point: Point, parts: Gathered[], checked: boolean, cycle = 1, graphLaunches = 0): ResultRow {
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
  );
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
  const gpu = plan.backend === 'nccl' || plan.backend === 'rccl';
  for (const k of plan.rankCounts) {
    if (k === control.size) {
      handles.set(k, 0);
      continue;
    }
    const id = gpu
      ? await control.bcast(
          control.rank === 0 ? await addon.ncclUniqueId(plan.backend === 'rccl', ctx.ncclLib ?? '') : Buffer.alloc(0),
          0,
        )
      : undefined;
    handles.set(k, await addon.split(k, id));
  }

  let wrong = 0;
  for (let cycle = 1; cycle <= plan.repeat; cycle++)
    for (const [index, point] of points.entries()) {
      ctx.tracker.step = { index, cycle };
      wrong += await runPoint(ctx, handles.get(point.ranks) as number, point, cycle);
    }
  return wrong;
}

/** One point on every rank; returns its wrong elements on rank 0. */
async function runPoint(ctx: SweepContext, handle: number, point: Point, cycle: number): Promise<number> {
  const { addon, control, plan, tracker } = ctx;
  const where = describePoint(point) + (plan.repeat > 1 ? ` (cycle ${cycle} of ${plan.repeat})` : '');
  // The heartbeat that says so goes out before the native call starts, not while it is timing.
  tracker.at(where);
  const result =
    handle >= 0
      ? await tracker.watch(
          where,
          addon.measure(handle, {
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
          }),
        )
      : null;
  const parts = await tracker.watch(`${where} (gathering results)`, control.gather(encodeResult(result)));
  if (!parts) return 0;
  const row = combine(point, parts.map(decodeResult), plan.check, cycle, plan.graphLaunches);
  ctx.onRow?.(row);
  return row.wrong ?? 0;
}
