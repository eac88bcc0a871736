// The run plan: which ops, sizes, dtypes, reductions and rank counts to measure, and how. Built
// and validated once, where the command was typed (or on rank 0 when mpirun / srun started the
// ranks directly); it then travels to the ranks (plan/serial.ts). Pure and serialisable.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { findOp, OPS } from '../ops/index.js';
import { parsePattern, type Pattern } from './patterns.js';
import { BACKENDS, findBackend, type BackendDef, type Timing } from './backends.js';
import { alsoAsked } from './forms.js';
import { checkMix } from './mix.js';
import { DTYPES, findDtype, REDOPS, type RedOp } from './dtypes.js';
import { expand } from './expand.js';
import { checkRange, defaultOf, OPTIONS, type OptionKey, type PlanInput } from './options.js';
import { parseSizes } from './sizes.js';

export type { PlanInput } from './options.js';
export { bufferBytes, expandPoints, largestSize, pointMatrix, type Point } from './expand.js';

/** One op to run, optionally with its own sizes, dtypes and reductions (suites use this). */
export interface RunSpec {
  op: string;
  sizes?: string;
  dtype?: string;
  reduceOp?: string;
  pattern?: string; // alltoallv's --pattern for this run
}

export interface RunPlan {
  op: string;
  inPlace: boolean;
  // Overrides of the plan-wide lists for this op.
  sizes?: number[];
  dtypes?: string[];
  redops?: RedOp[];
  pattern?: Pattern;
}

/** A file the results go to, in a format of report/exporters; `flag`: how it was asked for. */
export interface OutputTarget {
  format: string;
  path: string;
  flag: string;
}

export interface Plan {
  runs: RunPlan[];
  np: number; // ranks in the job
  rankCounts: number[]; // sub-communicator sizes to sweep, ascending; the last may equal np
  backend: string;
  backendReason?: string; // why `--backend auto` chose it
  sizes: number[];
  dtypes: string[];
  dtypeGiven: boolean; // false: each op uses its own default dtype (float32; int8 for point-to-point)
  redops: RedOp[];
  root: number;
  iters?: number; // undefined: OSU defaults by size
  warmup?: number;
  maxTimePerSize: number; // seconds, 0 = no cap
  timing: Timing;
  window: number;
  pattern: Pattern; // alltoallv's traffic (plan/patterns.ts); a matrix file's numbers travel in it
  check: boolean;
  timeoutSec: number; // 0 = never
  repeat: number; // the whole sweep this many times (nccl-tests -N)
  mem: 'host' | 'device'; // where buffers live
  gpusPerNode?: number; // GPUs a node's ranks share, overriding the visible count
  graphLaunches: number; // 0: no graph; else capture the iterations once, launch this many times
  concurrent: number; // copies of each op run at once on their own communicators (1: the op alone)
  mix: boolean; // the runs at once, one point each, each on its own communicator (`ccbench mix`)
  groups?: number; // --groups: disjoint groups of this many ranks run each point at once
  output: { stdout: string | null; files: OutputTarget[]; overwrite: boolean; quiet: boolean; wide?: boolean };
  notes: string[]; // combinations skipped, sizes merged, and the like
  request: { runs: RunSpec[]; options: PlanInput }; // what was asked, to plan again once `auto` is resolved
}

// Numeric options whose range the declaration states (the plan sees suite values and API callers too).
const RANGED: OptionKey[] = [
  'np',
  'iters',
  'warmup',
  'maxTimePerSize',
  'window',
  'repeat',
  'timeout',
  'gpusPerNode',
  'graph',
  'concurrent',
  'groups',
  'seed',
];

export function buildPlan(runSpecs: (string | RunSpec)[], o: PlanInput, worldSize?: number): Plan {
  const specs = runSpecs.map((r) => (typeof r === 'string' ? { op: r } : r));
  // A single op asked by name, or a mix (every item must run): impossible combinations are errors.
  const strict = specs.length === 1 || o.mix === true;
  const ops = specs.map(({ op: n }) => {
    const op = findOp(n);
    if (!op) throw new UsageError(`unknown op '${n}'; choose from ${OPS.map((x) => x.name).join(', ')}`);
    return op;
  });
  for (const key of RANGED) {
    const v = o[key];
    if (typeof v === 'number') checkRange(OPTIONS[key], v);
  }
  const backend = resolveBackend(o.backend ?? (defaultOf('backend') as string));
  const np = resolveNp(o, worldSize);
  if (o.groups !== undefined) checkGroups(o, np);
  const rankCounts =
    o.groups !== undefined
      ? [o.groups] // each point's communicator is one group
      : o.ranks === 'pow2'
        ? powersOfTwo(np)
        : o.ranks && o.ranks.length > 0
          ? [...new Set(o.ranks)].sort((a, b) => a - b)
          : [np];
  for (const k of rankCounts)
    if (k < 1 || k > np)
      throw new UsageError(`--ranks ${k} is outside 1..${np} (the job has ${np} ranks); raise -n or drop ${k}`);

  const root = o.root ?? 0;
  const minRanks = rankCounts[0];
  if (ops.some((op) => op.rooted) && (root < 0 || root >= minRanks))
    throw new UsageError(`--root ${root} is outside the ranks 0..${minRanks - 1}; pick a root below ${minRanks}`);

  const plan: Plan = {
    runs: [],
    np,
    rankCounts,
    backend: backend.name,
    sizes: parseSizes(o.sizes ?? (defaultOf('sizes') as string)),
    dtypes: resolveDtypes(o.dtype ?? (defaultOf('dtype') as string), backend),
    dtypeGiven: o.dtype !== undefined,
    redops: resolveRedops(o.reduceOp ?? (defaultOf('reduceOp') as string), backend),
    root,
    iters: o.iters,
    warmup: o.warmup,
    maxTimePerSize: o.maxTimePerSize ?? (defaultOf('maxTimePerSize') as number),
    timing: o.overlap ? 'overlap' : o.blocking ? 'per-op' : resolveTiming(o.timing, backend),
    window: o.window ?? (defaultOf('window') as number),
    pattern: resolvePattern(o.pattern ?? (defaultOf('pattern') as string), o.seed),
    check: o.check ?? false,
    timeoutSec: o.timeout ?? (defaultOf('timeout') as number),
    repeat: o.repeat ?? (defaultOf('repeat') as number),
    mem: resolveMem(o.mem, backend),
    gpusPerNode: o.gpusPerNode,
    graphLaunches: o.graph ?? 0,
    concurrent: o.concurrent ?? 1,
    mix: o.mix ?? false,
    ...(o.groups !== undefined && { groups: o.groups }),
    output: resolveOutput(o),
    notes: [],
    request: { runs: specs, options: o },
  };
  if (o.blocking && o.timing === 'batch')
    throw new UsageError('--blocking and --timing batch contradict each other; --blocking is --timing per-op');
  if (o.overlap) checkOverlap(o, backend);
  if (plan.concurrent > 1) checkConcurrent(o, backend);
  if (plan.graphLaunches > 0) {
    if (backend.memory === 'host' || backend.name === 'mpi')
      throw new UsageError(
        `--graph captures the ops a GPU stream runs into a CUDA/HIP graph; ${backend.name === 'mpi' ? 'MPI calls run on the host, outside any stream (even on GPU buffers)' : `${backend.name} runs on the host`}, so the ${backend.name} backend cannot be captured: use --backend nccl or rccl, or drop --graph`,
      );
    if (plan.timing === 'per-op')
      throw new UsageError(
        '--graph launches the captured iterations back to back; it cannot be combined with --blocking or --timing per-op',
      );
  }
  if (plan.output.quiet && plan.output.files.length === 0)
    plan.notes.push(
      '--quiet and no output file: the results are printed nowhere, only errors and the exit code tell them (add --out FILE)',
    );

  if (
    (o.pattern !== undefined || specs.some((r) => r.pattern !== undefined)) &&
    !ops.some((op) => op.name === 'alltoallv')
  )
    plan.notes.push('--pattern shapes alltoallv only, which this run does not measure: it is not used');
  ops.forEach((op, i) => {
    const lacks =
      backend.lacks?.[op.name] ??
      ((plan.timing === 'overlap' || plan.concurrent > 1 || plan.mix) && (op.pairwise || op.name === 'sendrecv')
        ? `${op.name} is point-to-point; ${plan.timing === 'overlap' ? '--overlap' : plan.mix ? 'a mix' : '--concurrent'} times non-blocking collectives (OSU's osu_i* benchmarks)`
        : undefined);
    if (lacks) {
      if (strict) throw new UsageError(lacks);
      plan.notes.push(`${lacks}: skipped`);
      return;
    }
    let inPlace = o.inPlace ?? false;
    const noInPlace = !op.hasInPlace
      ? `${op.name} has no in-place form`
      : backend.noInPlace?.includes(op.name)
        ? `${op.name} has no in-place form on ${backend.name}`
        : '';
    if (inPlace && noInPlace) {
      if (strict) throw new UsageError(`${noInPlace}; drop --in-place`);
      plan.notes.push(`${noInPlace}: measured out of place`);
      inPlace = false;
    }
    const s = specs[i];
    plan.runs.push({
      op: op.name,
      inPlace,
      ...(s.sizes !== undefined && { sizes: parseSizes(s.sizes) }),
      ...(s.dtype !== undefined && { dtypes: resolveDtypes(s.dtype, backend) }),
      ...(s.reduceOp !== undefined && { redops: resolveRedops(s.reduceOp, backend) }),
      ...(s.pattern !== undefined && op.name === 'alltoallv' && { pattern: resolvePattern(s.pattern, o.seed) }),
    });
  });
  // Expanding validates every combination (rank rules, sizes too small, counts too large).
  const { points, notes } = expand(plan, strict);
  plan.notes.push(...notes);
  if (plan.mix) checkMix(o, backend, points, plan.runs.length, rankCounts);
  // No runs at all is `ccbench replay`, whose entries come from its trace.
  if (points.length === 0 && specs.length > 0)
    throw new UsageError('nothing to measure: every size is too small for the ops, dtypes and rank counts asked for');
  return plan;
}

/** The same request on a concrete backend (`auto` resolved where the ranks run), validated for it. */
export function planFor(plan: Plan, backend: string, reason: string, worldSize = plan.np): Plan {
  const again = buildPlan(plan.request.runs, { ...plan.request.options, backend }, worldSize);
  again.backendReason = reason;
  return again;
}

/** --ranks pow2: 2, 4, 8, … up to np, and np itself (every rank count a job of np allows, as scaling studies sweep). */
function powersOfTwo(np: number): number[] {
  const counts: number[] = [];
  for (let k = 2; k < np; k *= 2) counts.push(k);
  counts.push(np);
  return counts;
}

/** --pattern, a matrix file read here, once: its numbers travel to the ranks in the plan. */
function resolvePattern(spec: string, seed = defaultOf('seed') as number): Pattern {
  return parsePattern(spec, seed, (file) => {
    const where = `--pattern matrix:${file}`;
    try {
      if (statSync(file).isDirectory()) throw new UsageError(`${where} is a directory; give a matrix file`);
      return readFileSync(file, 'utf8');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new UsageError(`${where}: the file cannot be read (${code}); give a readable file of n rows of n numbers`);
    }
  });
}

function resolveBackend(name: string): BackendDef {
  const b = findBackend(name);
  if (!b) throw new UsageError(`unknown --backend '${name}'; choose from ${BACKENDS.map((x) => x.name).join(', ')}`);
  return b;
}

function resolveNp(o: PlanInput, worldSize?: number): number {
  const largest = Array.isArray(o.ranks) && o.ranks.length > 0 ? Math.max(...o.ranks) : undefined;
  if (worldSize !== undefined) {
    if (o.np !== undefined && o.np !== worldSize)
      throw new UsageError(
        `-n ${o.np} does not match the ${worldSize} ranks the launcher started; drop -n or make them equal`,
      );
    return worldSize;
  }
  return o.np ?? largest ?? (defaultOf('np') as number);
}

function resolveMem(mem: string | undefined, backend: BackendDef): 'host' | 'device' {
  if (mem === undefined) return backend.memory === 'device' ? 'device' : 'host';
  if (mem !== 'host' && mem !== 'device') throw new UsageError(`unknown --mem '${mem}'; choose host or device`);
  if (backend.memory !== 'either' && mem !== backend.memory)
    throw new UsageError(`the ${backend.name} backend uses ${backend.memory} memory only; drop --mem ${mem}`);
  return mem;
}

/** --overlap is a timing of its own: MPI's non-blocking collectives, nothing else combined with it. */
function checkOverlap(o: PlanInput, backend: BackendDef): void {
  if (backend.noOverlap) throw new UsageError(backend.noOverlap);
  const other = alsoAsked(o, 'timing', 'blocking', 'graph');
  if (other) throw new UsageError(`--overlap is a timing of its own (start, compute, wait); drop ${other}`);
}

/** --groups g: disjoint groups of g ranks, every group at once; on its own, not with other forms. */
function checkGroups(o: PlanInput, np: number): void {
  const g = o.groups as number;
  if (g >= np || np % g !== 0)
    throw new UsageError(
      `--groups ${g} must divide the ${np} ranks into two or more groups; pick a divisor of -n below ${np}`,
    );
  const other = alsoAsked(o, 'ranks', 'concurrent', 'mix', 'overlap');
  if (other) throw new UsageError(`--groups runs each op once per group, at once; it cannot be combined with ${other}`);
}

/** --concurrent k: copies started with MPI's non-blocking collectives; a timing of its own too. */
function checkConcurrent(o: PlanInput, backend: BackendDef): void {
  if (backend.noConcurrent)
    throw new UsageError(
      `--concurrent starts its copies with non-blocking collectives: ${backend.noConcurrent.replace(/--overlap/g, '--concurrent')}`,
    );
  const other = alsoAsked(o, 'overlap', 'timing', 'blocking', 'graph');
  if (other)
    throw new UsageError(`--concurrent times its copies its own way (started together, waited for); drop ${other}`);
}

function resolveTiming(t: string | undefined, backend: BackendDef): Timing {
  if (t === undefined) return backend.defaultTiming;
  if (t === 'per-op' || t === 'batch') return t;
  throw new UsageError(
    `unknown --timing '${t}'; choose per-op (OSU: each op timed alone) or batch (nccl-tests: back to back)`,
  );
}

/** Files from --json, --csv and --out (which the command line has already resolved to format:file). */
function resolveOutput(o: PlanInput): Plan['output'] {
  const files: OutputTarget[] = [];
  if (o.json !== undefined) files.push({ format: 'json', path: o.json, flag: '--json' });
  if (o.csv !== undefined) files.push({ format: 'csv', path: o.csv, flag: '--csv' });
  for (const spec of o.out ?? []) {
    const colon = spec.indexOf(':');
    if (colon < 1) throw new Error(`--out '${spec}' reached the plan without its format`);
    files.push({ format: spec.slice(0, colon), path: spec.slice(colon + 1), flag: `--out ${spec.slice(0, colon)}` });
  }
  for (const f of files) if (f.path.trim() === '') throw new UsageError(`${f.flag} needs a file name`);
  files.forEach((a, i) => {
    const b = files.slice(0, i).find((x) => resolve(x.path) === resolve(a.path));
    if (b) throw new UsageError(`${b.flag} and ${a.flag} name the same file (${a.path}); give them different names`);
  });
  const quiet = o.quiet ?? false;
  return {
    stdout: quiet ? null : (o.format ?? (defaultOf('format') as string)),
    files,
    overwrite: o.overwrite ?? false,
    quiet,
    wide: o.wide ?? false,
  };
}

function resolveDtypes(spec: string, backend: BackendDef): string[] {
  return resolveList(
    spec,
    'dtype',
    backend,
    DTYPES.map((d) => d.name),
    (s) => findDtype(s)?.name,
  );
}

function resolveRedops(spec: string, backend: BackendDef): RedOp[] {
  return resolveList(spec, 'reduce-op', backend, [...REDOPS], (s) =>
    (REDOPS as readonly string[]).includes(s.trim().toLowerCase()) ? s.trim().toLowerCase() : undefined,
  ) as RedOp[];
}

/** A comma list of names, or "all" (everything the backend supports). */
function resolveList(
  spec: string,
  flag: 'dtype' | 'reduce-op',
  backend: BackendDef,
  known: string[],
  canonical: (s: string) => string | undefined,
): string[] {
  const supported = flag === 'dtype' ? backend.dtypes : backend.redops;
  if (spec.trim().toLowerCase() === 'all') return [...supported];
  const out: string[] = [];
  for (const raw of spec.split(',')) {
    const name = canonical(raw);
    if (!name) {
      const hint = suggest(raw, known);
      throw new UsageError(
        `unknown --${flag} '${raw.trim()}'${hint ? ` (did you mean ${hint}?)` : ''}; choose from ${supported.join(', ')}, or all`,
      );
    }
    if (!supported.includes(name as never))
      throw new UsageError(
        `--${flag} ${name} is not available on the ${backend.name} backend: ${backend.whyNot[name] ?? `use one of ${supported.join(', ')}`}`,
      );
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
    if (d < bestD) {
      bestD = d;
      best = n;
    }
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
