// A plan expanded into the points the sweep measures, in order (op, rank count, dtype, reduction,
// size), and the buffers they need. Expansion also validates: with `strict` a combination that
// cannot run is an error; otherwise it is skipped with a note.
import { UsageError } from '../errors.js';
import { countFor, getOp, printedBytes, recvElems, sendElems, type OpDef } from '../ops/index.js';
import { countMatrix, matrixCount, patternUnfit, type Pattern } from './patterns.js';
import { findBackend, type BackendDef } from './backends.js';
import { findDtype, type RedOp } from './dtypes.js';
import { defaultIterations } from './iterations.js';
import type { Plan } from './plan.js';
import { formatBytes } from './sizes.js';

/** One measured configuration: a row of the result table. */
export interface Point {
  op: string;
  ranks: number;
  dtype: string;
  typeSize: number; // bytes per element
  redop: RedOp | 'none';
  root: number; // -1 when the op has no root
  inPlace: boolean;
  sizeBytes: number; // the size column (nccl-tests: max of send and receive bytes)
  count: number; // the count argument passed to the library
  iters: number;
  warmup: number;
  pattern?: Pattern; // alltoallv: its traffic (the matrix comes from pointMatrix)
}

const matrices = new WeakMap<Point, Float64Array>();

/** alltoallv's n × n element counts for a point (row = sender), computed once per point. */
export function pointMatrix(p: Point): Float64Array {
  let m = matrices.get(p);
  if (!m) {
    if (!p.pattern) throw new Error(`${p.op} has no traffic pattern`);
    m = countMatrix(p.pattern, p.ranks, p.count, p.typeSize);
    matrices.set(p, m);
  }
  return m;
}

/** The most one rank sends and receives at a point, in elements. */
function mostElems(op: OpDef, p: Point): { send: number; recv: number } {
  if (!p.pattern) return { send: sendElems(op, p.count, p.ranks), recv: recvElems(op, p.count, p.ranks) };
  const m = pointMatrix(p);
  const n = p.ranks;
  let send = 0;
  let recv = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < n; j++) {
      row += m[i * n + j];
      col += m[j * n + i];
    }
    send = Math.max(send, row);
    recv = Math.max(recv, col);
  }
  return { send, recv };
}

// Each plan object is expanded once; a plan that arrives over the wire is a new object.
const expanded = new WeakMap<Plan, Point[]>();

/** Every point the sweep measures, in order: op, rank count, dtype, reduction, size. */
export function expandPoints(plan: Plan): Point[] {
  let points = expanded.get(plan);
  if (!points) {
    points = expand(plan, false).points;
    expanded.set(plan, points);
  }
  return points;
}

export function expand(plan: Plan, strict: boolean): { points: Point[]; notes: string[] } {
  const backend = findBackend(plan.backend) as BackendDef;
  const points: Point[] = [];
  const notes: string[] = [];
  const note = (msg: string) => {
    if (!notes.includes(msg)) notes.push(msg);
  };
  const skip = (msg: string) => {
    if (strict) throw new UsageError(msg);
    note(msg);
  };
  for (const run of plan.runs) {
    const op = getOp(run.op);
    for (const k of plan.rankCounts) {
      if (k < op.minRanks) {
        skip(`${op.name} needs at least ${op.minRanks} ranks; ${k} is too few (raise -n or --ranks)`);
        continue;
      }
      if (op.evenRanks && k % 2 !== 0) {
        skip(`${op.name} runs between pairs of ranks (r, r+n/2) and needs an even rank count; ${k} is odd`);
        continue;
      }
      const pattern = op.shape === 'varied' ? (run.pattern ?? plan.pattern) : undefined;
      const unfit = pattern ? patternUnfit(pattern, k) : '';
      if (unfit) {
        skip(unfit);
        continue;
      }
      for (const dtype of run.dtypes ?? (plan.dtypeGiven ? plan.dtypes : [op.defaultDtype])) {
        const ts = findDtype(dtype)!.size;
        // A byte matrix fixes the one size it measures: the mean a rank sends.
        const fixed = pattern && matrixCount(pattern, k, ts);
        if (fixed !== undefined)
          note(
            `--pattern matrix:${(pattern as { file: string }).file} holds bytes: its own size is measured (${formatBytes(fixed * ts)} sent per rank on average on ${k} ranks), not --sizes`,
          );
        for (const redop of op.reduces ? (run.redops ?? plan.redops) : (['none'] as const)) {
          const sizes = op.shape === 'none' ? [0] : fixed !== undefined ? [fixed * ts] : (run.sizes ?? plan.sizes);
          // Sizes below the op's minimum are skipped with a note; none left is an error. A size
          // of 0 B is an empty message where the op measures those (minCount 0).
          const usable = sizes.filter(
            (size) => op.shape === 'none' || countFor(op, size, ts, k) >= (size === 0 ? op.minCount : 1),
          );
          if (usable.length === 0) {
            skip(tooSmall(op, sizes[sizes.length - 1], ts, k, dtype, false));
            continue;
          }
          if (usable.length < sizes.length) note(tooSmall(op, sizes[0], ts, k, dtype, true));
          let last: { size: number; count: number } | undefined;
          for (const size of usable) {
            const count = countFor(op, size, ts, k);
            // Two sizes that round to one count (chunks are whole 16-byte multiples) are one point.
            if (last && last.count === count) {
              note(
                `${op.name} on ${k} ranks: ${formatBytes(last.size)} and ${formatBytes(size)} in ${dtype} give the same count (${formatBytes(printedBytes(op, count, ts, k))}); measured once`,
              );
              continue;
            }
            last = { size, count };
            if (count > backend.maxCount)
              throw new UsageError(
                `${op.name} of ${formatBytes(size)} in ${dtype} is ${count} elements per call, more than the ${backend.name} backend's limit of ${backend.maxCount}; use a wider --dtype or a smaller maximum size`,
              );
            const { iters, warmup } = defaultIterations(op.iterClass, op.osuSize === 'per-rank' ? count * ts : size);
            points.push({
              op: op.name,
              ranks: k,
              dtype,
              typeSize: ts,
              redop,
              root: op.rooted ? plan.root : -1,
              inPlace: run.inPlace,
              sizeBytes: printedBytes(op, count, ts, k),
              count,
              iters: plan.iters ?? iters,
              warmup: plan.warmup ?? warmup,
              ...(pattern && { pattern }),
            });
            const most = pattern ? mostElems(op, points[points.length - 1]) : undefined;
            if (most && Math.max(most.send, most.recv) > backend.maxCount)
              throw new UsageError(
                `${op.name} of ${formatBytes(size)} in ${dtype} on ${k} ranks makes one rank send or receive ${Math.max(most.send, most.recv)} elements, more than the ${backend.name} backend's limit of ${backend.maxCount}; use a wider --dtype or a smaller maximum size`,
              );
          }
        }
      }
    }
  }
  return { points, notes };
}

function tooSmall(op: OpDef, size: number, ts: number, k: number, dtype: string, skipped: boolean): string {
  const chunked = op.shape !== 'same' && op.shape !== 'varied';
  const need = chunked ? Math.max(16, ts) * k : ts;
  const why = chunked
    ? `${op.name} on ${k} ranks needs at least ${formatBytes(need)} (each rank's chunk is a whole multiple of 16 B of ${dtype})`
    : `${op.name} needs at least one ${dtype} element (${ts} B)`;
  return skipped
    ? `${why}: sizes below ${formatBytes(need)} are skipped`
    : `every size in --sizes (up to ${formatBytes(size)}) is too small: ${why}; raise the sizes to ${formatBytes(need)} or more`;
}

/** The largest swept size of any run (for memory messages). */
export function largestSize(plan: Plan): number {
  return Math.max(...plan.sizes, ...plan.runs.flatMap((r) => r.sizes ?? []));
}

/** Bytes of send and receive buffer one rank needs for the whole plan (allocated once). */
export function bufferBytes(plan: Plan, points = expandPoints(plan)): { send: number; recv: number } {
  let send = 0;
  let recv = 0;
  for (const p of points) {
    const most = mostElems(getOp(p.op), p);
    const s = most.send * p.typeSize;
    const r = most.recv * p.typeSize;
    if (p.inPlace)
      recv = Math.max(recv, s, r); // one buffer holds input and output
    else {
      send = Math.max(send, s);
      recv = Math.max(recv, r);
    }
  }
  // --concurrent k or a mix of k items: a slice each, 64-byte aligned (native/engine/concurrent.cc).
  const k = plan.mix ? points.length : (plan.concurrent ?? 1);
  return k > 1 ? { send: (send + 64) * k, recv: (recv + 64) * k } : { send, recv };
}
