// Argument parsing and help only: flags become a PlanInput and the action handler takes over.
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS } from '../plan/backends.js';
import { DTYPES, REDOPS } from '../plan/dtypes.js';
import { OPS, type OpDef } from '../plan/ops.js';
import { DEFAULT_NP, DEFAULT_SIZES, DEFAULTS, type PlanInput, type RunSpec } from '../plan/plan.js';
import type { SbatchOptions } from '../launch/sbatch.js';
import { applySuite, listSuites, loadSuite } from '../plan/suites.js';
import { VERSION } from '../version.js';

export interface CliOptions extends Omit<PlanInput, 'ranks'> {
  ranks?: number[];
  launcher?: string;
  launcherArgs?: string;
  controlAddr?: string;
  ncclLib?: string;
}

export type RunHandler = (runs: (string | RunSpec)[], opts: CliOptions) => Promise<void>;

export interface SbatchCliOptions extends CliOptions, Omit<SbatchOptions, 'np'> {
  submit?: boolean;
}

export type SbatchHandler = (op: string, opts: SbatchCliOptions, rankArgs: string[]) => Promise<void>;
export type InfoHandler = (opts: { json?: boolean; ncclLib?: string }) => Promise<void>;

/** The run options the user typed, as flags again (for a batch script's srun line). */
export function typedArgs(cmd: Command, skip: string[]): string[] {
  const out: string[] = [];
  for (const opt of cmd.options) {
    const key = opt.attributeName();
    if (cmd.getOptionValueSource(key) !== 'cli' || skip.includes(opt.long ?? '')) continue;
    const v = cmd.getOptionValue(key);
    if (typeof v === 'boolean') out.push(opt.long as string);
    else out.push(opt.long as string, Array.isArray(v) ? v.join(',') : String(v));
  }
  return out;
}

function wholeNumber(flag: string, min: number) {
  return (v: string): number => {
    if (!/^\s*\d+\s*$/.test(v)) throw new InvalidArgumentError(`${flag} takes a whole number, not '${v}'.`);
    const n = Number(v);
    if (n < min) throw new InvalidArgumentError(`${flag} must be at least ${min}.`);
    return n;
  };
}

function seconds(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} takes seconds (a number ≥ 0), not '${v}'.`);
    return n;
  };
}

function rankList(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1))
    throw new InvalidArgumentError(`--ranks takes rank counts such as 2,4,8, not '${v}'.`);
  return parts.map(Number);
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .option('-s, --sizes <spec>', `message sizes: 8:1G doubles from 8 B to 1 GiB; min:max:factor; min:max:+step; or a list 8,1K,1M (K/M/G = 1024^1,2,3)`, DEFAULT_SIZES)
    .option('-n, --np <ranks>', `ranks to start (default: ${DEFAULT_NP}, or the largest --ranks)`, wholeNumber('-n', 1))
    .option('--ranks <list>', 'rank counts to sweep within one launch through sub-communicators, e.g. 2,4,8', rankList)
    .addOption(new Option('-b, --backend <name>', 'communication library: auto = nccl on NVIDIA GPUs, rccl on AMD GPUs, else mpi (gloo without MPI)')
      .choices(['auto', ...BACKENDS.map((b) => b.name)]).default('auto'))
    .addOption(new Option('--mem <where>', 'buffers in GPU (device) or host memory; nccl and rccl use device, gloo host; mpi: host unless device (needs a GPU-aware MPI)').choices(['host', 'device']))
    .option('--gpus-per-node <g>', 'GPUs the ranks of a node share (default: every visible one); rank r uses GPU local-rank mod g', wholeNumber('--gpus-per-node', 1))
    .option('--nccl-lib <path>', 'libnccl.so.2 / librccl.so.1 to load, or its directory (default: search; also CCBENCH_NCCL_LIB / CCBENCH_RCCL_LIB)')
    .option('-d, --dtype <types>', `element type(s), comma-separated, or all: ${DTYPES.map((d) => d.name).join(', ')}`, 'float32')
    .option('-o, --reduce-op <ops>', `reduction(s) for allreduce, reduce and reducescatter, or all: ${REDOPS.join(', ')}`, 'sum')
    .option('-r, --root <rank>', 'root rank of broadcast, reduce, gather and scatter', wholeNumber('--root', 0), 0)
    .option('--iters <n>', 'timed iterations per size (default: OSU\'s: collectives 1000 up to 8 KiB, then 100; latency 10000/1000; bw 100/20)', wholeNumber('--iters', 1))
    .option('--warmup <n>', 'untimed iterations before each size (default: OSU\'s: 100/10; latency 100/10; bw 10/2)', wholeNumber('--warmup', 0))
    .option('--max-time-per-size <s>', 'cap the timed part of each size at about s seconds by running fewer iterations, as IMB -time (0 = no cap)', seconds('--max-time-per-size'), DEFAULTS.maxTimePerSize)
    .addOption(new Option('--timing <mode>', 'per-op: each op timed alone, barrier between (OSU); batch: ops back to back, one sync (nccl-tests); default: per-op for mpi and gloo, batch for nccl and rccl').choices(['per-op', 'batch']))
    .option('--blocking', 'complete every op before the next (per-op timing; nccl-tests -z 1)')
    .option('--graph <launches>', 'capture each size\'s iterations in a CUDA/HIP graph once and launch it this many times (nccl and rccl; nccl-tests -G)', wholeNumber('--graph', 1))
    .option('--window <n>', 'messages in flight per iteration of bw and bibw (OSU -W)', wholeNumber('--window', 1), DEFAULTS.window)
    .option('--repeat <n>', 'run the whole sweep n times (as nccl-tests -N); each row records its cycle', wholeNumber('--repeat', 1), 1)
    .option('-c, --check', 'validate every result against deterministic data; wrong elements make the exit code 3')
    .option('--in-place', 'run the in-place form of the op (out-of-place by default)')
    .option('--json <file>', 'write results and run metadata as JSON, updated after every size')
    .option('--csv <file>', 'write results as CSV, one row per size as it finishes')
    .option('--overwrite', 'replace existing --json / --csv files instead of refusing')
    .option('-q, --quiet', 'print no table (files and errors only)')
    .option('--timeout <s>', 'end the run if a rank makes no progress for s seconds (0 = never)', seconds('--timeout'), DEFAULTS.timeoutSec)
    .addOption(new Option('--launcher <name>', 'how ranks are started: auto = srun inside a Slurm allocation, else mpirun if installed, else local').choices(['auto', 'mpirun', 'srun', 'local']).default('auto'))
    .option('--launcher-args <args>', 'extra arguments for the launcher, e.g. "--hostfile hosts --map-by node" (mpirun) or "--partition gpu" (srun)')
    .option('--control-addr <host:port>', 'where rank 0 listens for the control plane when there is no MPI (default: loopback for local runs, the first host of a Slurm step)');
}

const MAIN_EXAMPLES = `
Examples:
  $ ccbench allreduce --sizes 8:1M -n 2
      allreduce from 8 B to 1 MiB on 2 local ranks
  $ ccbench alltoall --sizes 1K:64K -n 4 --check --json alltoall.json
      validated alltoall; results and metadata in alltoall.json
  $ ccbench latency --sizes 1:4M
      OSU-style ping-pong between 2 ranks (one-way latency)
  $ ccbench all --sizes 8:1M -n 4 --check
      every operation, every result validated
  $ ccbench allreduce --ranks 2,4,8 -n 8 --csv scaling.csv
      one launch, three rank counts (sub-communicators)
  $ mpirun -np 16 --hostfile hosts ccbench allreduce --sizes 8:1G --json ar.json
      started by mpirun: each process is a rank
  $ ccbench allreduce -n 16 --launcher-args "--hostfile hosts --map-by node"
      ccbench starts mpirun itself, passing the extra flags

Sizes follow nccl-tests: K/M/G are powers of 1024, the size column is max(send, receive) bytes,
algbw = size / time and busbw = algbw × the op's bus factor; GB/s means 1e9 bytes per second.
Exit codes: 0 ok, 1 internal failure, 2 usage error, 3 --check found wrong elements,
124 a rank made no progress for --timeout seconds.`;

function opExamples(op: OpDef): string {
  const lines = [`\nExamples:`];
  if (op.pairwise) {
    lines.push(`  $ ccbench ${op.name} --sizes 1:4M`, `  $ ccbench ${op.name} --sizes 8:1M -n 4 --json ${op.name}.json   (2 pairs: 0↔2, 1↔3)`);
  } else if (op.shape === 'none') {
    lines.push(`  $ ccbench ${op.name} -n 4`, `  $ ccbench ${op.name} --ranks 2,4 -n 4 --csv ${op.name}.csv`);
  } else {
    lines.push(`  $ ccbench ${op.name} --sizes 8:1M -n 2`, `  $ ccbench ${op.name} --sizes 1K:64M -n 4 --check --json ${op.name}.json`,
      `  $ ccbench ${op.name} --dtype float32,bfloat16 --ranks 2,4 -n 4${op.reduces ? ' --reduce-op sum,max' : ''}`);
  }
  const meaning: Record<string, string> = {
    same: 'the size is the whole buffer each rank sends and receives',
    gathered: 'the size is the whole gathered array (each rank contributes size / ranks)',
    scattered: 'the size is the whole array before scattering (each rank keeps size / ranks)',
    exchanged: 'the size is each rank\'s whole send buffer (size / ranks to every peer)',
    none: 'no data is moved; only the time is reported',
  };
  lines.push('', `Size: ${meaning[op.shape]}.`);
  if (op.shape !== 'none') {
    const f = op.busFactor(4);
    lines.push(`busbw = algbw × ${op.name === 'allreduce' ? '2(n-1)/n' : f === 1 ? '1' : '(n-1)/n'} (nccl-tests).`);
  }
  if (op.name === 'latency') lines.push('Time is one-way: the round trip divided by 2 (OSU osu_latency).');
  if (op.name === 'bw' || op.name === 'bibw') lines.push('Time is per message of the window (--window, default 64), as OSU osu_bw / osu_bibw.');
  return lines.join('\n');
}

/** Commander's own errors (unknown option, bad number, ...) as one ccbench line, or silence. */
export function errorWriter(enabled: boolean) {
  return (str: string, write: (s: string) => void): void => {
    if (enabled) write(`ccbench: ${str.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see ccbench --help)\n`);
  };
}

export function buildProgram(run: RunHandler, sbatch: SbatchHandler, info: InfoHandler, reportErrors = true): Command {
  const program = new Command('ccbench')
    .configureOutput({ outputError: errorWriter(reportErrors) }) // before subcommands: they inherit it
    .description('Communication microbenchmarks for GPU clusters: point-to-point and collectives over MPI (NCCL and RCCL to come), with OSU and nccl-tests methodology.')
    .version(VERSION)
    .usage('<op> [options]')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', MAIN_EXAMPLES);

  for (const op of OPS) {
    const cmd = addRunOptions(program.command(op.name).aliases(op.aliases).description(op.summary));
    cmd.addHelpText('after', opExamples(op));
    cmd.action(async (opts: CliOptions) => run([op.name], opts));
  }
  const all = addRunOptions(program.command('all').description('every operation in turn (combinations that cannot run are skipped with a note)'));
  all.addHelpText('after', '\nExamples:\n  $ ccbench all --sizes 8:1M -n 4 --check\n  $ ccbench all --sizes 1K:16M -n 2 --json all.json');
  all.action(async (opts: CliOptions) => run(OPS.map((o) => o.name), opts));

  const suite = addRunOptions(program.command('suite').argument('<name>', 'a suite in suites/ (osu, nccl-tests, smoke) or a suite file')
    .description('a named set of runs in one launch; options you give override the suite\'s'));
  suite.addHelpText('after', '\nExamples:\n  $ ccbench suite osu -n 2 --json osu.json\n  $ ccbench suite smoke -n 4\n  $ ccbench suite nccl-tests -n 2 --sizes 8:64M\n  $ ccbench suite ./my-suite.json -n 8\n\nA suite file: {"description": "...", "options": {"timing": "batch", "iters": 20},\n  "runs": [{"op": "allreduce", "sizes": "8:1G", "dtype": "float32,bfloat16"}, {"op": "alltoall"}]}');
  suite.action(async (name: string, opts: CliOptions, cmd: Command) => {
    const explicit = new Set(Object.keys(opts).filter((k) => cmd.getOptionValueSource(k) === 'cli')) as Set<keyof PlanInput>;
    const { runs, options } = applySuite(loadSuite(name), opts, explicit);
    return run(runs, { ...opts, ...options });
  });

  const sb = addRunOptions(program.command('sbatch').argument('<op>', 'the operation to run (or all)')
    .description('print a Slurm batch script that runs <op> with srun (options other than the ones below go to the benchmark); --submit submits it'))
    .option('--nodes <n>', 'nodes to allocate (--gpus-per-node allocates that many GPUs per node, one rank each)', wholeNumber('--nodes', 1), 1)
    .option('--ntasks-per-node <t>', 'ranks per node (default: one per GPU, else -n / --nodes, else 1)', wholeNumber('--ntasks-per-node', 1))
    .option('--partition <name>', 'Slurm partition')
    .option('--time <limit>', 'time limit, e.g. 00:30:00')
    .option('--account <name>', 'account to charge')
    .option('--job-name <name>', 'job name (default: ccbench-<op>); also names the results file')
    .option('--output <pattern>', 'the job\'s output file (default: <job name>-%j.out)')
    .option('--sbatch-args <args>', 'more #SBATCH lines, e.g. "--exclusive --constraint=h100"')
    .option('--submit', 'submit the script with sbatch and print the job id');
  sb.addHelpText('after', '\nExamples:\n  $ ccbench sbatch allreduce --nodes 2 --gpus-per-node 8 --partition gpu --time 00:20:00 --sizes 8:8G\n  $ ccbench sbatch alltoall --nodes 4 --ntasks-per-node 1 --backend gloo --submit\n  $ ccbench sbatch all --nodes 2 --ntasks-per-node 2 --check > ccbench.sbatch && sbatch ccbench.sbatch');
  sb.action(async (op: string, opts: SbatchCliOptions, cmd: Command) =>
    sbatch(op, opts, [op, ...typedArgs(cmd, ['--np', '--launcher', '--launcher-args', '--nodes', '--ntasks-per-node',
      '--partition', '--time', '--account', '--job-name', '--output', '--sbatch-args', '--submit'])]));

  program.command('info').description('this node\'s GPUs, driver and runtime, NCCL / RCCL, MPI and its GPU awareness, and the ccbench build')
    .option('--json', 'print JSON instead of tables')
    .option('--nccl-lib <path>', 'libnccl.so.2 / librccl.so.1 to describe, or its directory')
    .addHelpText('after', '\nExamples:\n  $ ccbench info\n  $ ccbench info --json > node.json\n  $ srun -N 2 --ntasks-per-node 1 ccbench info --json   (one report per node)')
    .action(async (opts: { json?: boolean; ncclLib?: string }) => info(opts));

  program.command('list').description('list the operations, backends and suites').action(() => {
    for (const op of OPS) process.stdout.write(`${op.name.padEnd(14)} ${op.summary}\n`);
    process.stdout.write('\nbackends:\n');
    for (const b of BACKENDS) process.stdout.write(`${b.name.padEnd(14)} ${b.summary}\n`);
    process.stdout.write('\nsuites (ccbench suite <name>):\n');
    for (const s of listSuites()) process.stdout.write(`${s.name.padEnd(14)} ${s.description}\n`);
  });
  return program;
}
