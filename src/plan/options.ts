// Every option of a run, declared once: its flags, type, range, default and help, whether a suite
// file may set it and whether a generated batch script passes it on. The command-line flags
// (cli/program.ts), the plan's input type, suite validation (suites.ts) and the sbatch srun line
// (launch/sbatch.ts) all derive from this table; the plan applies the defaults.
import { UsageError } from '../errors.js';
import { PATTERN_HELP, SEED_MAX } from './patterns.js';
import { BACKENDS } from './backends.js';
import { DTYPES, REDOPS } from './dtypes.js';

export type Kind = 'text' | 'whole' | 'seconds' | 'flag' | 'counts' | 'choice' | 'texts';

export interface OptionDecl {
  flags: string; // commander's syntax: '-s, --sizes <spec>'
  name?: string; // how messages name it, when not by its long flag
  kind: Kind;
  help: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  maxWhy?: string; // what the maximum protects
  default?: string | number | boolean;
  defaultText?: string; // --help's words for a default that depends on more than the option
  suite?: boolean; // a suite file may set it ("options": {"<long name>": value})
  sbatch?: boolean; // `ccbench sbatch` passes it on to the job's ranks
  cli?: false; // not a flag of the run commands: a command (or a suite file) sets it
}

// 32-bit signed counters in the engine; Node's timers hold at most 2^31-1 ms.
const INT32 = 2 ** 31 - 1;
const TIMER_S = Math.floor(INT32 / 1000);

export const OPTIONS = {
  sizes: {
    flags: '-s, --sizes <spec>',
    kind: 'text',
    default: '8:64M',
    suite: true,
    sbatch: true,
    help: 'message sizes: 8:1G doubles from 8 B to 1 GiB; min:max:factor; min:max:+step; or a list 8,1K,1M (K/M/G = 1024^1,2,3)',
  },
  np: {
    flags: '-n, --np <ranks>',
    name: '-n',
    kind: 'whole',
    min: 1,
    max: 65536,
    maxWhy: 'the control plane is a star around rank 0',
    default: 2,
    defaultText: '2, or the largest --ranks',
    help: 'ranks to start',
  },
  ranks: {
    flags: '--ranks <list>',
    kind: 'counts',
    min: 1,
    suite: true,
    sbatch: true,
    help: 'rank counts to sweep within one launch through sub-communicators, e.g. 2,4,8; pow2 = 2, 4, 8, … up to -n, and -n',
  },
  backend: {
    flags: '-b, --backend <name>',
    kind: 'choice',
    choices: ['auto', ...BACKENDS.map((b) => b.name)],
    default: 'auto',
    suite: true,
    sbatch: true,
    help: 'communication library: auto = nccl on NVIDIA GPUs, rccl on AMD GPUs, else mpi in an MPI job, else gloo',
  },
  mem: {
    flags: '--mem <where>',
    kind: 'choice',
    choices: ['host', 'device'],
    sbatch: true,
    help: 'buffers in GPU (device) or host memory; nccl and rccl use device, gloo host; mpi: host unless device (needs a GPU-aware MPI)',
  },
  gpusPerNode: {
    flags: '--gpus-per-node <g>',
    kind: 'whole',
    min: 1,
    sbatch: true,
    defaultText: 'every visible one',
    help: 'GPUs the ranks of a node share; rank r uses GPU local-rank mod g',
  },
  ncclLib: {
    flags: '--nccl-lib <path>',
    kind: 'text',
    sbatch: true,
    defaultText: 'search; also CCBENCH_NCCL_LIB / CCBENCH_RCCL_LIB',
    help: 'libnccl.so.2 / librccl.so.1 to load, or its directory',
  },
  dtype: {
    flags: '-d, --dtype <types>',
    kind: 'text',
    default: 'float32',
    defaultText: 'float32; int8 (bytes) for latency, bw and bibw',
    suite: true,
    sbatch: true,
    help: `element type(s), comma-separated, or all: ${DTYPES.map((d) => d.name).join(', ')}`,
  },
  reduceOp: {
    flags: '-o, --reduce-op <ops>',
    kind: 'text',
    default: 'sum',
    suite: true,
    sbatch: true,
    help: `reduction(s) for allreduce, reduce and reducescatter, comma-separated, or all: ${REDOPS.join(', ')}`,
  },
  root: {
    flags: '-r, --root <rank>',
    kind: 'whole',
    default: 0,
    suite: true,
    sbatch: true,
    help: 'root rank of broadcast, reduce, gather and scatter',
  },
  iters: {
    flags: '--iters <n>',
    kind: 'whole',
    min: 1,
    max: INT32,
    maxWhy: 'the engine counts iterations in 32-bit integers',
    suite: true,
    sbatch: true,
    defaultText: "OSU's: collectives 1000 up to 8 KiB, then 100; latency 10000/1000; bw 100/20",
    help: 'timed iterations per size',
  },
  warmup: {
    flags: '--warmup <n>',
    kind: 'whole',
    min: 0,
    max: INT32,
    maxWhy: 'the engine counts iterations in 32-bit integers',
    suite: true,
    sbatch: true,
    defaultText: "OSU's: 100/10; latency 100/10; bw 10/2",
    help: 'untimed iterations before each size',
  },
  maxTimePerSize: {
    flags: '--max-time-per-size <s>',
    kind: 'seconds',
    default: 10,
    max: 1e6,
    suite: true,
    sbatch: true,
    help: 'cap the timed part of each size at about s seconds by running fewer iterations, as IMB -time (0 = no cap)',
  },
  timing: {
    flags: '--timing <mode>',
    kind: 'choice',
    choices: ['per-op', 'batch'],
    suite: true,
    sbatch: true,
    defaultText: 'per-op for mpi and gloo, batch for nccl and rccl',
    help: 'per-op: each op timed alone (OSU); batch: ops back to back, one sync (nccl-tests)',
  },
  overlap: {
    flags: '--overlap',
    kind: 'flag',
    suite: true,
    sbatch: true,
    help: "OSU's non-blocking collectives: start the op, compute for as long as the op takes alone, then wait; reports the overlap %",
  },
  blocking: {
    flags: '--blocking',
    kind: 'flag',
    suite: true,
    sbatch: true,
    help: 'complete every op before the next (per-op timing; nccl-tests -z 1)',
  },
  graph: {
    flags: '--graph <launches>',
    kind: 'whole',
    min: 1,
    max: INT32,
    maxWhy: 'the engine counts launches in 32-bit integers',
    suite: true,
    sbatch: true,
    help: "capture each size's iterations in a CUDA/HIP graph once and launch it this many times (nccl and rccl; nccl-tests -G)",
  },
  groups: {
    flags: '--groups <size>',
    kind: 'whole',
    min: 1,
    max: 1 << 20,
    suite: true,
    sbatch: true,
    help: 'split the ranks into disjoint groups of this size, each running the op at once on its own communicator (mpi, gloo); reports one group alone, the slowdown and the aggregate busbw',
  },
  mix: {
    flags: '--mix',
    kind: 'flag',
    cli: false,
    suite: true,
    help: 'the runs at once, each on its own communicator (`ccbench mix`), instead of one after another',
  },
  concurrent: {
    flags: '--concurrent <k>',
    kind: 'whole',
    min: 1,
    max: 16,
    maxWhy: 'each copy is a communicator and a slice of the buffers',
    suite: true,
    sbatch: true,
    help: 'run k copies of each collective at once, each on its own communicator (mpi); reports one copy alone, the slowdown and the aggregate busbw',
  },
  window: {
    flags: '--window <n>',
    kind: 'whole',
    min: 1,
    max: 4096,
    maxWhy: 'OSU caps its window there',
    default: 64,
    suite: true,
    sbatch: true,
    help: 'messages in flight per iteration of bw and bibw (OSU -W)',
  },
  pattern: {
    flags: '--pattern <spec>',
    kind: 'text',
    default: 'uniform',
    suite: true,
    sbatch: true,
    help: PATTERN_HELP,
  },
  seed: {
    flags: '--seed <n>',
    kind: 'whole',
    min: 0,
    max: SEED_MAX,
    maxWhy: 'the pattern generator takes a 32-bit seed',
    default: 1,
    suite: true,
    sbatch: true,
    help: "seed of alltoallv's random patterns (dirichlet, random) that name none of their own",
  },
  repeat: {
    flags: '--repeat <n>',
    kind: 'whole',
    min: 1,
    max: 1_000_000,
    default: 1,
    suite: true,
    sbatch: true,
    help: 'run the whole sweep n times (as nccl-tests -N); each row records its cycle',
  },
  check: {
    flags: '-c, --check',
    kind: 'flag',
    suite: true,
    sbatch: true,
    help: 'validate every result against deterministic data; wrong elements make the exit code 3',
  },
  inPlace: {
    flags: '--in-place',
    kind: 'flag',
    suite: true,
    sbatch: true,
    help: 'run the in-place form of the op (out-of-place by default)',
  },
  format: {
    flags: '--format <name>',
    kind: 'text',
    default: 'table',
    sbatch: true,
    help: 'how results are printed on standard output (see the list below)',
  },
  out: {
    flags: '--out <[format:]file>',
    kind: 'texts',
    sbatch: true,
    help: 'also write the results to a file, in the format its extension names (or format:file); repeatable; updated after every size',
  },
  json: {
    flags: '--json <file>',
    kind: 'text',
    sbatch: true,
    help: 'write results and run metadata as JSON (same as --out json:<file>)',
  },
  csv: {
    flags: '--csv <file>',
    kind: 'text',
    sbatch: true,
    help: 'write results as CSV, one row per size (same as --out csv:<file>)',
  },
  overwrite: {
    flags: '--overwrite',
    kind: 'flag',
    sbatch: true,
    help: 'replace existing output files instead of refusing',
  },
  quiet: {
    flags: '-q, --quiet',
    kind: 'flag',
    sbatch: true,
    help: 'print no results and no progress line (files and errors only)',
  },
  wide: {
    flags: '--wide',
    kind: 'flag',
    sbatch: true,
    help: 'print every table column (count, type, redop, root, iters) even where constant, beyond 100 columns',
  },
  timeout: {
    flags: '--timeout <s>',
    kind: 'seconds',
    default: 300,
    max: TIMER_S,
    maxWhy: "Node's timers",
    suite: true,
    sbatch: true,
    help: 'end the run if a rank makes no progress for s seconds (0 = never)',
  },
  launcher: {
    flags: '--launcher <name>',
    kind: 'choice',
    choices: ['auto', 'mpirun', 'srun', 'local'],
    default: 'auto',
    help: 'how ranks are started: auto = srun inside a Slurm allocation, else mpirun if installed, else local',
  },
  launcherArgs: {
    flags: '--launcher-args <args>',
    kind: 'text',
    help: 'extra arguments for the launcher, e.g. "--hostfile hosts --map-by node" (mpirun) or "--partition gpu" (srun)',
  },
  controlAddr: {
    flags: '--control-addr <host:port>',
    kind: 'text',
    sbatch: true,
    defaultText: 'loopback for local runs, the first host of a Slurm step',
    help: 'where rank 0 listens for the control plane when there is no MPI',
  },
} as const satisfies Record<string, OptionDecl>;

export type OptionKey = keyof typeof OPTIONS;

type ValueOf<D> = D extends { kind: 'whole' | 'seconds' }
  ? number
  : D extends { kind: 'flag' }
    ? boolean
    : D extends { kind: 'counts' }
      ? number[] | 'pow2'
      : D extends { kind: 'texts' }
        ? string[]
        : string;

/** Values of a table of declarations as typed (converted, not yet validated together). */
export type InputOf<T extends Record<string, OptionDecl>> = { -readonly [K in keyof T]?: ValueOf<T[K]> };

/** The options of a run as typed (command line, suite). */
export type PlanInput = InputOf<typeof OPTIONS>;

/** The long flag of a declaration: '--max-time-per-size'. */
export function longFlag(d: OptionDecl): string {
  return /--[\w-]+/.exec(d.flags)?.[0] ?? d.flags;
}

/** How messages name an option: '--iters', '-n'. */
export function flagName(d: OptionDecl): string {
  return d.name ?? longFlag(d);
}

/** The declaration's default as a value, or undefined. */
export function defaultOf<K extends OptionKey>(key: K): ValueOf<(typeof OPTIONS)[K]> | undefined {
  return (OPTIONS[key] as OptionDecl).default as ValueOf<(typeof OPTIONS)[K]> | undefined;
}

/** A number checked against the declared range. */
export function checkRange(d: OptionDecl, n: number, name = flagName(d)): number {
  if (d.min !== undefined && n < d.min) throw new UsageError(`${name} must be at least ${d.min}.`);
  if (d.max !== undefined && n > d.max)
    throw new UsageError(`${name} must be at most ${d.max}${d.maxWhy ? ` (${d.maxWhy})` : ''}.`);
  return n;
}

/** A typed string as the declared kind (the command line's conversion). */
export function parseValue(d: OptionDecl, raw: string): string | number {
  const name = flagName(d);
  switch (d.kind) {
    case 'whole':
      if (!/^\s*\d+\s*$/.test(raw)) throw new UsageError(`${name} takes a whole number, not '${raw}'.`);
      return checkRange(d, Number(raw), name);
    case 'seconds':
      // Plain decimals, as sizes are written: no hex, no exponent, anywhere.
      if (!/^\s*\d+(\.\d+)?\s*$/.test(raw))
        throw new UsageError(`${name} takes seconds (a number ≥ 0 such as 5 or 0.5), not '${raw}'.`);
      return checkRange(d, Number(raw), name);

    case 'text':
    case 'texts':
    case 'choice':
    case 'flag':
    case 'counts':
      return raw;
  }
}

/** A list of counts such as 2,4,8 (--ranks), or pow2: the powers of two up to the job's size (plan.ts). */
export function parseCounts(d: OptionDecl, raw: string): number[] | 'pow2' {
  if (raw.trim() === 'pow2') return 'pow2';
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < (d.min ?? 0)))
    throw new UsageError(`${longFlag(d)} takes rank counts such as 2,4,8, or pow2, not '${raw}'`);
  return parts.map((p) => checkRange(d, Number(p), longFlag(d)));
}

/** A value from a suite file, checked as the command line would check it. */
export function checkSuiteValue(d: OptionDecl, key: string, v: unknown, bad: (why: string) => Error): unknown {
  const want = d.kind === 'whole' || d.kind === 'seconds' ? 'number' : d.kind === 'flag' ? 'boolean' : 'string';
  if (typeof v !== want) return fail(bad, `option "${key}" must be a ${want}`);
  if (d.kind === 'whole' && !Number.isInteger(v)) return fail(bad, `option "${key}" must be a whole number, not ${v}`);
  if (d.kind === 'seconds' && !((v as number) >= 0))
    return fail(bad, `option "${key}" takes seconds (a number ≥ 0), not ${v}`);
  if (d.kind === 'counts') {
    try {
      return parseCounts(d, v as string);
    } catch (e) {
      return fail(bad, `option "${key}": ${(e as Error).message.replace(/^--[\w-]+ /, '')}`);
    }
  }
  if (d.choices && !d.choices.includes(v as string))
    return fail(bad, `option "${key}" must be one of ${d.choices.join(', ')}`);
  if (typeof v === 'number') {
    try {
      checkRange(d, v, `option "${key}"`);
    } catch (e) {
      return fail(bad, (e as Error).message.replace(/\.$/, ''));
    }
  }
  return v;
}

function fail(bad: (why: string) => Error, why: string): never {
  throw bad(why);
}

/** The options a suite may set, by their suite name (the long flag without dashes). */
export const SUITE_OPTIONS: ReadonlyMap<string, [OptionKey, OptionDecl]> = new Map(
  (Object.entries(OPTIONS) as [OptionKey, OptionDecl][])
    .filter(([, d]) => d.suite)
    .map(([k, d]) => [longFlag(d).slice(2), [k, d]]),
);
