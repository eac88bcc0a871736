// The run plan: which ops, sizes, dtypes, reductions and rank counts to measure, and how.
// Pure and serialisable; every rank builds the same plan from the same command line.
import { resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { BACKENDS, findBackend, type BackendDef, type Timing } from './backends.js';
import { DTYPES, findDtype, REDOPS, type RedOp } from './dtypes.js';
import { defaultIterations } from './iterations.js';
import { countFor, findOp, OPS, printedBytes, recvElems, sendElems, type OpDef } from './ops.js';
import { formatBytes, parseSizes } from './sizes.js';

/** Options as the CLI hands them over (already type-converted, not yet validated together). */
export interface PlanInput {
  sizes?: string;
  np?: number;
  ranks?: number[];
  backend?: string;
  dtype?: string;
  reduceOp?: string;
  root?: number;
  iters?: number;
  warmup?: number;
  maxTimePerSize?: number;
  timing?: string;
  window?: number;
  check?: boolean;
  inPlace?: boolean;
  json?: string;
  csv?: string;
  overwrite?: boolean;
  quiet?: boolean;
  timeout?: number;
  repeat?: number;
  mem?: string;
  gpusPerNode?: number;
  graph?: number;
  blocking?: boolean;
}

/** One op to run, optionally with its own sizes, dtypes and reductions (suites use this). */
export interface RunSpec {
  op: string;
  sizes?: string;
  dtype?: string;
  reduceOp?: string;
}

export interface RunPlan {
  op: string;
  inPlace: boolean;
  // Overrides of the plan-wide lists for this op.
  sizes?: number[];
  dtypes?: string[];
  redops?: RedOp[];
}

export interface Plan {
  runs: RunPlan[];
  np: number; // ranks in the job
  rankCounts: number[]; // sub-communicator sizes to sweep, ascending; the last may equal np
  backend: string;
  sizes: number[];
  dtypes: string[];
  redops: RedOp[];
  root: number;
  iters?: number; // undefined: OSU defaults by size
  warmup?: number;
  maxTimePerSize: number; // seconds, 0 = no cap
  timing: Timing;
  window: number;
  check: boolean;
  timeoutSec: number; // 0 = never
  repeat: number; // the whole sweep this many times (nccl-tests -N)
  mem: 'host' | 'device'; // where buffers live
  gpusPerNode?: number; // GPUs a node's ranks share, overriding the visible count
  graphLaunches: number; // 0: no graph; else capture the iterations once, launch this many times
  output: { json?: string; csv?: string; overwrite: boolean; quiet: boolean };
  notes: string[]; // combinations skipped when several ops were asked for
}

/** One measured configuration: a row of the result table. */
export interface Point {
  op: string;
  ranks: number;
  dtype: string;
  redop: RedOp | 'none';
  root: number; // -1 when the op has no root
  inPlace: boolean;
  sizeBytes: number; // the size column (nccl-tests: max of send and receive bytes)
  count: number; // the count argument passed to the library
  iters: number;
  warmup: number;
}

export const DEFAULT_SIZES = '8:64M';
export const DEFAULT_NP = 2;
export const DEFAULTS = { maxTimePerSize: 10, window: 64, timeoutSec: 300 } as const;

export function buildPlan(runSpecs: (string | RunSpec)[], o: PlanInput, worldSize?: number): Plan {
  const specs = runSpecs.map((r) => (typeof r === 'string' ? { op: r } : r));
  const strict = specs.length === 1; // a single op asked by name: impossible combinations are errors
  const ops = specs.map(({ op: n }) => {
    const op = findOp(n);
    if (!op) throw new UsageError(`unknown op '${n}'; choose from ${OPS.map((x) => x.name).join(', ')}`);
    return op;
  });
  const backend = resolveBackend(o.backend ?? 'mpi');
  const np = resolveNp(o, worldSize);
  const rankCounts = o.ranks && o.ranks.length > 0 ? [...new Set(o.ranks)].sort((a, b) => a - b) : [np];
  for (const k of rankCounts)
    if (k < 1 || k > np) throw new UsageError(`--ranks ${k} is outside 1..${np} (the job has ${np} ranks); raise -n or drop ${k}`);

  const root = o.root ?? 0;
  const minRanks = rankCounts[0];
  if (ops.some((op) => op.rooted) && (root < 0 || root >= minRanks))
    throw new UsageError(`--root ${root} is outside the ranks 0..${minRanks - 1}; pick a root below ${minRanks}`);

  const plan: Plan = {
    runs: [],
    np,
    rankCounts,
    backend: backend.name,
    sizes: parseSizes(o.sizes ?? DEFAULT_SIZES),
    dtypes: resolveDtypes(o.dtype ?? 'float32', backend),
    redops: resolveRedops(o.reduceOp ?? 'sum', backend),
    root,
    iters: o.iters,
    warmup: o.warmup,
    maxTimePerSize: o.maxTimePerSize ?? DEFAULTS.maxTimePerSize,
    timing: o.blocking ? 'per-op' : resolveTiming(o.timing, backend),
    window: o.window ?? DEFAULTS.window,
    check: o.check ?? false,
    timeoutSec: o.timeout ?? DEFAULTS.timeoutSec,
    repeat: o.repeat ?? 1,
    mem: resolveMem(o.mem, backend),
    gpusPerNode: o.gpusPerNode,
    graphLaunches: o.graph ?? 0,
    output: { json: o.json, csv: o.csv, overwrite: o.overwrite ?? false, quiet: o.quiet ?? false },
    notes: [],
  };
  if (plan.iters !== undefined && plan.iters < 1) throw new UsageError('--iters must be at least 1');
  if (plan.repeat < 1) throw new UsageError('--repeat must be at least 1');
  if (o.blocking && o.timing === 'batch') throw new UsageError('--blocking and --timing batch contradict each other; --blocking is --timing per-op');
  if (plan.graphLaunches > 0) {
    if (backend.memory === 'host' || (backend.name === 'mpi'))
      throw new UsageError(`--graph captures GPU work in a CUDA/HIP graph; the ${backend.name} backend cannot be captured: use --backend nccl or rccl`);
    if (plan.timing === 'per-op') throw new UsageError('--graph launches the captured iterations back to back; it cannot be combined with --blocking or --timing per-op');
  }
  if (plan.window < 1 || plan.window > 4096) throw new UsageError('--window must be between 1 and 4096');
  if (o.json && o.csv && resolve(o.json) === resolve(o.csv)) throw new UsageError('--json and --csv name the same file; give them different names');

  ops.forEach((op, i) => {
    let inPlace = o.inPlace ?? false;
    const noInPlace = !op.hasInPlace ? `${op.name} has no in-place form`
      : backend.noInPlace?.includes(op.name) ? `${op.name} has no in-place form on ${backend.name}` : '';
    if (inPlace && noInPlace) {
      if (strict) throw new UsageError(`${noInPlace}; drop --in-place`);
      plan.notes.push(`${noInPlace}: measured out of place`);
      inPlace = false;
    }
    const s = specs[i];
    plan.runs.push({
      op: op.name, inPlace,
      ...(s.sizes !== undefined && { sizes: parseSizes(s.sizes) }),
      ...(s.dtype !== undefined && { dtypes: resolveDtypes(s.dtype, backend) }),
      ...(s.reduceOp !== undefined && { redops: resolveRedops(s.reduceOp, backend) }),
    });
  });
  // Expanding validates every combination (rank rules, sizes too small, counts too large).
  const { points, notes } = expand(plan, strict);
  plan.notes.push(...notes);
  if (points.length === 0) throw new UsageError('nothing to measure: every size is too small for the ops, dtypes and rank counts asked for');
  return plan;
}

function resolveBackend(name: string): BackendDef {
  const b = findBackend(name);
  if (!b) throw new UsageError(`unknown --backend '${name}'; choose from ${BACKENDS.map((x) => x.name).join(', ')}`);
  return b;
}

function resolveNp(o: PlanInput, worldSize?: number): number {
  const largest = o.ranks && o.ranks.length > 0 ? Math.max(...o.ranks) : undefined;
  if (worldSize !== undefined) {
    if (o.np !== undefined && o.np !== worldSize)
      throw new UsageError(`-n ${o.np} does not match the ${worldSize} ranks the launcher started; drop -n or make them equal`);
    return worldSize;
  }
  const np = o.np ?? largest ?? DEFAULT_NP;
  if (np < 1) throw new UsageError('-n must be at least 1');
  return np;
}

function resolveMem(mem: string | undefined, backend: BackendDef): 'host' | 'device' {
  if (mem === undefined) return backend.memory === 'device' ? 'device' : 'host';
  if (mem !== 'host' && mem !== 'device') throw new UsageError(`unknown --mem '${mem}'; choose host or device`);
  if (backend.memory !== 'either' && mem !== backend.memory)
    throw new UsageError(`the ${backend.name} backend uses ${backend.memory} memory only; drop --mem ${mem}`);
  return mem;
}

function resolveTiming(t: string | undefined, backend: BackendDef): Timing {
  if (t === undefined) return backend.defaultTiming;
  if (t === 'per-op' || t === 'batch') return t;
  throw new UsageError(`unknown --timing '${t}'; choose per-op (OSU: each op timed alone) or batch (nccl-tests: back to back)`);
}

function resolveDtypes(spec: string, backend: BackendDef): string[] {
  return resolveList(spec, 'dtype', backend, DTYPES.map((d) => d.name), (s) => findDtype(s)?.name);
}

function resolveRedops(spec: string, backend: BackendDef): RedOp[] {
  return resolveList(spec, 'reduce-op', backend, [...REDOPS], (s) =>
    (REDOPS as readonly string[]).includes(s.trim().toLowerCase()) ? s.trim().toLowerCase() : undefined) as RedOp[];
}

/** A comma list of names, or "all" (everything the backend supports). */
function resolveList(spec: string, flag: 'dtype' | 'reduce-op', backend: BackendDef, known: string[],
  canonical: (s: string) => string | undefined): string[] {
  const supported = flag === 'dtype' ? backend.dtypes : backend.redops;
  if (spec.trim().toLowerCase() === 'all') return [...supported];
  const out: string[] = [];
  for (const raw of spec.split(',')) {
    const name = canonical(raw);
    if (!name) {
      const hint = suggest(raw, known);
      throw new UsageError(`unknown --${flag} '${raw.trim()}'${hint ? ` (did you mean ${hint}?)` : ''}; choose from ${supported.join(', ')}, or all`);
    }
    if (!supported.includes(name as never))
      throw new UsageError(`--${flag} ${name} is not available on the ${backend.name} backend: ${backend.whyNot[name] ?? `use one of ${supported.join(', ')}`}`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

function suggest(input: string, names: string[]): string | undefined {
  const a = input.trim().toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = editDistance(a, n);
    if (d < bestD) { bestD = d; best = n; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** Every point the sweep measures, in order: op, rank count, dtype, reduction, size. */
export function expandPoints(plan: Plan): Point[] {
  return expand(plan, false).points;
}

// With strict, a combination that cannot run is an error; otherwise it is skipped with a note.
function expand(plan: Plan, strict: boolean): { points: Point[]; notes: string[] } {
  const backend = findBackend(plan.backend) as BackendDef;
  const points: Point[] = [];
  const notes: string[] = [];
  const skip = (msg: string) => {
    if (strict) throw new UsageError(msg);
    if (!notes.includes(msg)) notes.push(msg);
  };
  for (const run of plan.runs) {
    const op = findOp(run.op) as OpDef;
    for (const k of plan.rankCounts) {
      if (k < op.minRanks) { skip(`${op.name} needs at least ${op.minRanks} ranks; ${k} is too few (raise -n or --ranks)`); continue; }
      if (op.evenRanks && k % 2 !== 0) { skip(`${op.name} runs between pairs of ranks (r, r+n/2) and needs an even rank count; ${k} is odd`); continue; }
      for (const dtype of run.dtypes ?? plan.dtypes) {
        const ts = findDtype(dtype)!.size;
        for (const redop of op.reduces ? run.redops ?? plan.redops : (['none'] as const)) {
          const sizes = op.shape === 'none' ? [0] : run.sizes ?? plan.sizes;
          // Sizes below the op's minimum are skipped with a note; none left is an error.
          const usable = sizes.filter((size) => op.shape === 'none' || countFor(op, size, ts, k) > 0);
          if (usable.length === 0) { skip(tooSmall(op, sizes[sizes.length - 1], ts, k, dtype, false)); continue; }
          if (usable.length < sizes.length) {
            const note = tooSmall(op, sizes[0], ts, k, dtype, true);
            if (!notes.includes(note)) notes.push(note);
          }
          for (const size of usable) {
            const count = countFor(op, size, ts, k);
            if (count > backend.maxCount)
              throw new UsageError(`${op.name} of ${formatBytes(size)} in ${dtype} is ${count} elements per call, more than the ${backend.name} backend's limit of ${backend.maxCount}; use a wider --dtype or a smaller maximum size`);
            const { iters, warmup } = defaultIterations(op.iterClass, size);
            points.push({
              op: op.name, ranks: k, dtype, redop, root: op.rooted ? plan.root : -1, inPlace: run.inPlace,
              sizeBytes: printedBytes(op, count, ts, k), count,
              iters: plan.iters ?? iters, warmup: plan.warmup ?? warmup,
            });
          }
        }
      }
    }
  }
  return { points, notes };
}

function tooSmall(op: OpDef, size: number, ts: number, k: number, dtype: string, skipped: boolean): string {
  const chunked = op.shape !== 'same';
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
    const op = findOp(p.op) as OpDef;
    const ts = findDtype(p.dtype)!.size;
    const s = sendElems(op, p.count, p.ranks) * ts;
    const r = recvElems(op, p.count, p.ranks) * ts;
    if (p.inPlace) recv = Math.max(recv, s, r); // one buffer holds input and output
    else { send = Math.max(send, s); recv = Math.max(recv, r); }
  }
  return { send, recv };
}
