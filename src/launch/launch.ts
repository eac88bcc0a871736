// Typed in a shell, ccbench starts its own ranks: check what can be checked here (backend,
// output files, memory, the launcher), then run the same command line under the launcher.
//   auto: srun inside a Slurm allocation, else mpirun where one is installed, else local.
import { availableParallelism, hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { loadAddon, type NativeCapabilities } from '../native/addon.js';
import { defaultOf, type PlanInput } from '../plan/options.js';
import { bufferBytes, buildPlan, largestSize, type Plan, type RunSpec } from '../plan/plan.js';
import { markUnfinished } from '../report/exporters/json.js';
import { packPlan } from '../plan/serial.js';
import { checkDistinct, probeOutput } from '../report/files.js';
import { autoChoice } from '../system/auto.js';
import { rankEnvironment, rankNodeArgs, recordInjected } from '../system/conditions.js';
import { checkMemory } from '../system/memory.js';
import { runLocal } from './local.js';
import { findMpirun, isLocalRun, libraryFlavor, mpirunCommand, which, type Mpirun } from './mpirun.js';
import { srunCommand } from './srun.js';
import { listenForRankZero } from './exit-notice.js';
import { supervise } from './supervise.js';
import { mark } from '../trace.js';
import { splitWords } from './words.js';

export type LauncherName = 'mpirun' | 'srun' | 'local';

export interface LaunchOptions {
  argv: string[]; // our own arguments, re-run by every rank
  command: string[]; // the user's command line, for the results' metadata
}

type Env = Record<string, string | undefined>;

export function chooseLauncher(requested: string, backend: string, env: Env, caps: NativeCapabilities): LauncherName {
  const mpiBuilt = !!caps.backends.find((b) => b.name === 'mpi')?.available;
  if (requested === 'local' && backend === 'mpi')
    throw new UsageError(
      'the mpi backend needs an MPI launcher; use --launcher mpirun (or srun), or another backend such as --backend gloo',
    );
  if (requested === 'srun' && !which('srun', env))
    throw new UsageError(
      'srun was not found on PATH; run inside a Slurm allocation on a node with the Slurm client tools, or use --launcher mpirun or local',
    );
  if (requested === 'mpirun' || requested === 'srun' || requested === 'local') return requested;
  if (env.SLURM_JOB_ID && which('srun', env)) return 'srun';
  if (backend === 'mpi' || (mpiBuilt && which('mpirun', env))) return 'mpirun';
  return 'local';
}

/**
 * Plans the run (once: `auto` is resolved first when the ranks will run on this machine), checks
 * what can be checked here, and starts the ranks under the launcher.
 */
export async function launchRanks(runs: (string | RunSpec)[], options: PlanInput, o: LaunchOptions): Promise<number> {
  // Asked now, answered while the addon loads and the run is planned; unused unless mpirun runs.
  const mpirun = options.launcher === 'local' || options.launcher === 'srun' ? undefined : findMpirun(process.env);
  mpirun?.catch(() => {});
  const addon = loadAddon();
  const caps = addon.capabilities();
  mark('commander', 'addon loaded');
  const extra = splitWords(options.launcherArgs ?? '');
  const requested = options.backend ?? (defaultOf('backend') as string);
  const launcher = chooseLauncher(options.launcher ?? 'auto', requested, process.env, caps);
  const local = launcher === 'local' || (launcher === 'mpirun' && isLocalRun(extra, process.env));
  const choice = requested === 'auto' && local ? autoChoice(addon, launcher === 'mpirun') : undefined;
  const plan = buildPlan(runs, choice ? { ...options, backend: choice.name } : options);
  if (choice) plan.backendReason = choice.reason;
  if (plan.backend === 'nccl' || plan.backend === 'rccl') {
    // The library the ranks will load: --nccl-lib's, if given (capabilities() searches without it).
    const lib = addon.ncclInfo(plan.backend === 'rccl', options.ncclLib ?? '');
    if (lib.error) throw new UsageError(lib.error);
  } else if (plan.backend !== 'auto') {
    const backend = caps.backends.find((b) => b.name === plan.backend);
    if (!backend?.available) throw new UsageError(backend?.reason ?? `the ${plan.backend} backend is unavailable`);
  }
  for (const f of plan.output.files) probeOutput(f.path, f.flag, plan.output.overwrite);
  checkDistinct(plan.output.files);
  if (local) {
    const b = bufferBytes(plan);
    checkMemory(b.send + b.recv, plan.np, largestSize(plan), hostname());
  }

  const rankArgv = [process.execPath, ...rankNodeArgs(process.execArgv), process.argv[1], ...o.argv];
  // Rank 0 takes the plan from CCBENCH_PLAN and sends it to the others; only where the launcher
  // does not pass our environment on to rank 0 (mpirun to another host) does it plan again.
  const env: Env = {
    ...rankEnvironment(process.env),
    CCBENCH_LAUNCHED: '1',
    CCBENCH_COMMAND: JSON.stringify(o.command),
    CCBENCH_PLAN: packPlan(plan),
    // Rank 0's stderr is a pipe under mpirun and srun: it learns from here whether ours is a
    // terminal (a live progress line) or a log (rank/progress.ts).
    CCBENCH_PROGRESS: process.stderr.isTTY ? `tty:${process.stderr.columns || 100}` : 'log',
  };
  mark('commander', 'planned and checked');
  const code = await start(launcher, plan, caps, extra, rankArgv, env, local, mpirun);
  mark('commander', 'launcher ended');
  // Rank 0 closes its files; when it could not (killed), they say so rather than "running".
  if (code !== 0) for (const f of plan.output.files) if (f.format === 'json') markUnfinished(f.path, code);
  return code;
}

async function start(
  launcher: LauncherName,
  plan: Plan,
  caps: NativeCapabilities,
  extra: string[],
  rankArgv: string[],
  env: Env,
  local: boolean,
  found: Promise<Mpirun | null> | undefined,
): Promise<number> {
  if (launcher === 'local') return runLocal(plan.np, rankArgv, env);
  // Rank 0 may run on another host: it tells us over TCP how it ended (launch/exit-notice.ts).
  const notice = local ? undefined : await listenForRankZero();
  if (notice) env = { ...env, CCBENCH_EXIT_NOTICE: notice.env };
  switch (launcher) {
    case 'srun': {
      const cmd = srunCommand(plan.np, plan.backend, extra, rankArgv, env);
      return supervise('srun', cmd.args, recordInjected(env, cmd.env), 'srun', false, notice);
    }
    case 'mpirun': {
      const mpirun = await (found ?? findMpirun(process.env));
      if (!mpirun)
        throw new UsageError(
          'mpirun was not found on PATH; install an MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or add its bin directory to PATH',
        );
      const lib = libraryFlavor(caps.mpiLibrary);
      if (lib !== 'unknown' && mpirun.flavor !== 'unknown' && lib !== mpirun.flavor)
        throw new UsageError(
          `${mpirun.path} belongs to ${mpirun.flavor} but ccbench was built with ${caps.mpiLibrary}; put that MPI's mpirun first on PATH, or rebuild ccbench (npm run rebuild:native) against this one`,
        );
      const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      const cmd = mpirunCommand(mpirun, plan.np, extra, rankArgv, env, availableParallelism(), isRoot);
      return supervise(cmd.file, cmd.args, recordInjected(env, cmd.env), 'mpirun', local, notice);
    }
  }
}
