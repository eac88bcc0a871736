// What one rank does: join the job, agree on the plan (rank 0 has it), open the backend, allocate
// once, run the sweep, and (rank 0) write the results. Once joined, a failure anywhere ends the
// whole job (ending.ts).
import { hostname } from 'node:os';
import { EXIT, exitCodeOf, JobUsageError, messageOf, RankZeroReports, UsageError } from '../errors.js';
import { allgather } from '../control/control.js';
import { Monitor } from '../control/monitor.js';
import type { RankEnv } from '../job/detect.js';
import { loadAddon, type Addon } from '../native/addon.js';
import type { PlanInput } from '../plan/options.js';
import { bufferBytes, buildPlan, expandPoints, largestSize, planFor, type Plan, type RunSpec } from '../plan/plan.js';
import { decodePlan, encodePlan, unpackPlan } from '../plan/serial.js';
import type { ReplayRequest } from '../replay/program.js';
import type { RunMeta } from '../report/meta.js';
import { ResultWriter } from '../report/writer.js';
import { autoChoice } from '../system/auto.js';
import { rankConditions } from '../system/conditions.js';
import { NOT_ASKED, systemFacts } from '../system/facts.js';
import { relevantEnvironment } from '../system/environment.js';
import { differenceWarning, softwareDifferences, softwareOf, type Software } from '../system/software.js';
import { checkMemory } from '../system/memory.js';
import { mpiIdentity } from '../system/mpi.js';
import { VERSION } from '../paths.js';
import { mark } from '../trace.js';
import { crowding } from './crowding.js';
import { Ending } from './ending.js';
import { checkOneGpuPerRank, selectGpu } from './gpu.js';
import { joinJob, type Joined } from './join.js';
import { Progress, progressMode } from './progress.js';
import { replayTrace } from './replay.js';
import { sweep } from './sweep.js';
import { Tracker } from './tracker.js';

export interface RankOptions {
  env: RankEnv;
  command: string[];
  /** What was typed: rank 0 plans from it when no launcher of ours planned already (CCBENCH_PLAN). */
  runs: (string | RunSpec)[];
  options: PlanInput;
  replay?: ReplayRequest; // `ccbench replay`: the trace's entries instead of the plan's sweep
}

export async function runRank(opts: RankOptions): Promise<number> {
  const { env, options } = opts;
  const addon = loadAddon();
  mark('rank', 'addon loaded');
  // Started by ccbench's local launcher: when it goes away, so do we (no stray ranks).
  const leave = () => addon.hardExit(EXIT.rankFailed);
  if (env.launcher === 'ccbench') process.on('disconnect', leave);
  const caps = addon.capabilities();
  const mpi = caps.backends.find((b) => b.name === 'mpi');
  if (env.launcher === 'ccbench' && !process.env.CCBENCH_LAUNCHED) checkStartedByHand(env, options.controlAddr);
  failToStartForTest(env.rank);
  if (options.backend === 'mpi' && !env.mpi)
    throw new JobUsageError(
      `this ${env.launcher} job has no MPI process manager for the mpi backend; start it with mpirun or srun --mpi=pmix, or use --backend gloo`,
    );
  if (options.backend === 'mpi' && !mpi?.available)
    throw new JobUsageError(mpi?.reason ?? 'the MPI backend is unavailable');
  const useMpi = env.mpi && !!mpi?.available;
  const joined = await joinJob(addon, env, useMpi, options.controlAddr, options.timeout ?? 300);
  mark(`rank ${joined.rank}`, 'joined (MPI initialised, control plane up)');
  const plan = await agreePlan(addon, joined, opts, useMpi);
  mark(`rank ${joined.rank}`, 'plan agreed');

  const host = hostname();
  const tracker = new Tracker(addon);
  const progress =
    joined.rank === 0
      ? new Progress({
          mode: progressMode(plan.output.quiet, process.env, process.stderr),
          points: expandPoints(plan),
          repeat: plan.repeat,
          maxTimePerSize: plan.maxTimePerSize,
          position: () => tracker.position(),
          step: () => tracker.step,
        })
      : undefined;
  const ending = new Ending(joined.rank, host, addon, joined.tcp);
  const monitor = new Monitor(joined.tcp, {
    rank: joined.rank,
    host,
    timeoutSec: plan.timeoutSec,
    position: () => tracker.position(),
    hosts: joined.idents.map((i) => i.host),
    fatal: (cause, message, code) => void ending.fail(cause, message, code),
    onBeat: () => progress?.tick(),
  });
  tracker.onMove = () => {
    monitor.beat();
    progress?.tick();
  };
  ending.abortBackend = async () => {
    addon.requestAbort();
    if (plan.backend === 'nccl' || plan.backend === 'rccl') await tracker.settled(2000); // it polls, and aborts
  };
  ending.onStart = () => {
    monitor.stop();
    progress?.stop(); // the reason goes on stderr next
  };
  ending.describeLoss = () => monitor.lossOfRankZero();
  ending.installSignalHandlers();
  endWithLauncher(env, ending, leave);
  monitor.start();
  let wrong: number;
  try {
    wrong = await measureAll(addon, joined, plan, opts, tracker, ending, progress);
  } catch (e) {
    return ending.fail('own', messageOf(e), exitCodeOf(e));
  }
  mark(`rank ${joined.rank}`, 'sweep done');
  progress?.stop();
  // Everyone is past the final barrier: closing connections is no longer news.
  monitor.stop();
  joined.tcp.quiet();
  await addon.close();
  await joined.tcp.close();
  mark(`rank ${joined.rank}`, 'closed (MPI finalized)');
  if (ending.writer) {
    if (ending.writer.close(wrong > 0 ? 'check-failed' : 'complete')) return EXIT.usage; // an output could not be finished
    if (wrong > 0) process.stderr.write(`ccbench: --check found ${wrong} wrong elements (see the #wrong column)\n`);
  }
  return wrong > 0 ? EXIT.wrongResults : EXIT.ok;
}

/**
 * A rank whose launcher is gone (the ccbench commander, mpirun, srun's step daemon — killed, say)
 * ends the job as interrupted rather than running on alone: ccbench's local launcher closes its
 * channel; under mpirun, srun and the like the launcher is our parent, seen to have gone when
 * this process is handed to a new one.
 */
function endWithLauncher(env: RankEnv, ending: Ending, early: () => void): void {
  const gone = (who: string) => void ending.fail('signal', `${who} went away`, EXIT.terminated);
  if (env.launcher === 'ccbench') {
    process.off('disconnect', early);
    process.on('disconnect', () => gone('the ccbench launcher'));
  }
  // A rank started by hand (CCBENCH_RANK) may outlive the shell that started it, and that is fine.
  if (env.launcher === 'ccbench') return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) gone(`the process that started this rank (pid ${parent})`);
  }, 1000).unref();
}

/**
 * Rank 0 has the plan: from the shell that planned it (CCBENCH_PLAN), or planned here from the
 * command line when mpirun or srun started the ranks directly; `--backend auto` is resolved here,
 * where the ranks run. Every rank receives it (or the reason there is none, which rank 0 reports).
 */
async function agreePlan(addon: Addon, j: Joined, o: RankOptions, useMpi: boolean): Promise<Plan> {
  if (j.rank !== 0) {
    const msg = JSON.parse(String(await j.control.bcast(Buffer.alloc(0), 0))) as { plan?: string; code?: number };
    if (msg.plan === undefined) throw new RankZeroReports(msg.code ?? EXIT.internal);
    return decodePlan(msg.plan);
  }
  let plan: Plan;
  try {
    plan = process.env.CCBENCH_PLAN ? unpackPlan(process.env.CCBENCH_PLAN) : buildPlan(o.runs, o.options, j.size);
    if (plan.np !== j.size)
      throw new JobUsageError(
        `the plan is for ${plan.np} ranks but the launcher started ${j.size}; drop -n or make it match the launcher's`,
      );
    if (plan.backend === 'auto') {
      const choice = autoChoice(addon, useMpi);
      plan = planFor(plan, choice.name, choice.reason, j.size);
    }
  } catch (e) {
    await j.control.bcast(Buffer.from(JSON.stringify({ code: exitCodeOf(e) })), 0);
    throw e;
  }
  await j.control.bcast(Buffer.from(JSON.stringify({ plan: encodePlan(plan) })), 0);
  return plan;
}

async function measureAll(
  addon: Addon,
  joined: Joined,
  plan: Plan,
  opts: RankOptions,
  tracker: Tracker,
  ending: Ending,
  progress?: Progress,
): Promise<number> {
  const { control, rank, idents } = joined;
  const points = expandPoints(plan);
  const buffers = bufferBytes(plan, points);
  const mine = idents[rank];
  if (mine.local_rank === 0 && !opts.replay) {
    const onNode = idents.filter((i) => i.host === mine.host).length;
    checkMemory(buffers.send + buffers.recv, onNode, largestSize(plan), mine.host);
  }
  const ncclLib = opts.options.ncclLib;
  // Said before the backend opens: that is where a mismatched library or plugin hangs.
  const software = await control.gather(Buffer.from(JSON.stringify(softwareOf(addon, ncclLib))));
  const softwareDiffs = software
    ? softwareDifferences(
        software.map((b) => JSON.parse(String(b)) as Software),
        idents.map((i) => i.host),
      )
    : [];
  if (softwareDiffs.length > 0) process.stderr.write(differenceWarning(softwareDiffs) + '\n');
  const backend = await tracker.watch(`opening the ${plan.backend} backend`, openBackend(addon, joined, plan, ncclLib));
  // Every rank's device, for the metadata (as nccl-tests lists each rank's GPU).
  const devices = (await allgather(control, Buffer.from(backend.device))).map(String);

  let meta: RunMeta | undefined;
  if (rank === 0) {
    const caps = addon.capabilities();
    const mpiJob = joined.control !== joined.tcp;
    meta = {
      ccbench: { version: VERSION, node: process.version, executable: process.execPath },
      command: opts.command,
      cwd: process.cwd(),
      start_time: new Date().toISOString(),
      launcher: opts.env.launcher,
      backend: {
        name: plan.backend,
        library: backend.library,
        device: backend.device,
        ...(plan.backendReason && { chosen_by: `auto: ${plan.backendReason}` }),
      },
      mpi:
        mpiJob || plan.backend === 'mpi' ? { ...mpiIdentity(caps.mpiLibrary), library_version: caps.mpiLibrary } : null,
      system: systemFacts(addon, { ncclLib, mpiGpuAwareness: mpiJob ? await addon.mpiGpuAwareness() : NOT_ASKED }),
      world_size: joined.size,
      hosts: [...new Set(idents.map((r) => r.host))],
      ranks: idents.map((i, r) => ({ ...i, device: devices[r] })),
      control: joined.listen,
      oversubscribed: crowding(idents),
      environment: relevantEnvironment(process.env),
      software_differences: softwareDiffs,
      conditions: rankConditions(process.execArgv, process.env),
      plan,
    };
  }
  const print = (line: string) => process.stdout.write(line + '\n');
  if (opts.replay) {
    await replayTrace({ addon, control, tracker, request: opts.replay, meta, say: print });
    await tracker.watch('finishing', control.barrier());
    return 0;
  }
  if (meta) {
    const writer = new ResultWriter(meta, (line) => (progress ? progress.around(() => print(line)) : print(line)));
    writer.open(); // only a writer whose files are ours may mark them when the job ends
    ending.writer = writer;
  }
  await tracker.watch('allocating buffers', control.barrier()); // rank 0 has its files: from here results are kept
  await tracker.watch('allocating buffers', addon.allocate(buffers.send, buffers.recv));
  mark(`rank ${rank}`, 'backend open, buffers allocated');
  progress?.start();

  const wrong = await sweep({
    addon,
    control,
    plan,
    points,
    tracker,
    ncclLib,
    onRow: (row) => ending.writer?.add(row),
  });
  await tracker.watch('finishing', control.barrier());
  return wrong;
}

/**
 * Opens the backend on this rank's device. Gloo's peers exchange their addresses over the control
 * plane first; NCCL and RCCL take rank 0's unique id; GPUs are picked by local rank.
 */
async function openBackend(
  addon: Addon,
  j: Joined,
  plan: Plan,
  ncclLib = '',
): Promise<{ library: string; device: string }> {
  const name = plan.backend;
  const me = j.idents[j.rank];
  if (name === 'gloo') {
    const single = new Set(j.idents.map((i) => i.host)).size === 1;
    const mine = await addon.glooPrepare(j.rank, j.size, single ? '127.0.0.1' : me.host);
    return addon.open('gloo', { peers: await allgather(j.control, mine) });
  }
  const gpuBackend = name === 'nccl' || name === 'rccl';
  let gpu = 0;
  if (gpuBackend || plan.mem === 'device') {
    const visible = addon.gpuVendor()?.count ?? 0;
    gpu = selectGpu(me.local_rank, visible, plan.gpusPerNode, me.host);
    if (gpuBackend)
      checkOneGpuPerRank(j.idents.filter((i) => i.host === me.host).length, visible, plan.gpusPerNode, me.host, name);
  }
  if (!gpuBackend) {
    if (plan.mem === 'device') await checkMpiTakesGpuBuffers(addon, j.rank);
    return addon.open(name, { mem: plan.mem, gpu });
  }
  const rccl = name === 'rccl';
  const id = await j.control.bcast(j.rank === 0 ? await addon.ncclUniqueId(rccl, ncclLib) : Buffer.alloc(0), 0);
  return addon.open(name, { id, rank: j.rank, size: j.size, gpu, lib: ncclLib });
}

/**
 * CCBENCH_RANK without ccbench's launcher: a rank started by hand, which needs the rest of the
 * set, or a variable left over in the shell, which makes this command a rank by mistake.
 */
function checkStartedByHand(env: RankEnv, controlAddr: string | undefined): void {
  const how =
    'ranks started by hand need CCBENCH_RANK, CCBENCH_SIZE and CCBENCH_JOB_SECRET in the environment and --control-addr host:port';
  const stray = `; if this shell is not meant to be a rank, unset CCBENCH_RANK (left over from an earlier job?)`;
  if (env.size < 1)
    throw new UsageError(`CCBENCH_RANK is ${env.rank} but CCBENCH_SIZE is not a rank count: ${how}${stray}`);
  if (env.rank >= env.size)
    throw new UsageError(`CCBENCH_RANK ${env.rank} is not below CCBENCH_SIZE ${env.size}: ${how}${stray}`);
  if (!controlAddr && !process.env.CCBENCH_CONTROL_ADDR)
    throw new UsageError(`CCBENCH_RANK is set but no --control-addr is given: ${how}${stray}`);
}

/**
 * Fault injection for tests only: CCBENCH_FAULT_INJECT=fail-start:<rank> makes that rank fail
 * before it joins the job, as a bad library path or a missing GPU would.
 */
function failToStartForTest(rank: number): void {
  const m = /^fail-start:(\d+)$/.exec(process.env.CCBENCH_FAULT_INJECT ?? '');
  if (m && Number(m[1]) === rank)
    throw new UsageError(`could not start (fault injection: CCBENCH_FAULT_INJECT=${m[0]})`);
}

/**
 * MPI with GPU buffers needs a GPU-aware MPI. Its extensions say so where they exist (gpu-abi.md
 * §10): "no" is an error; where the MPI cannot say, rank 0 warns that a crash or wrong data may follow.
 */
export async function checkMpiTakesGpuBuffers(addon: Addon, rank: number): Promise<void> {
  const kind = addon.gpuVendor()?.vendor === 'amd' ? 'ROCm' : 'CUDA';
  const aware = await addon.mpiGpuAwareness();
  const answer = new RegExp(`${kind}: (\\w+)`).exec(aware)?.[1] ?? 'unknown';
  const mpi = addon.capabilities().mpiLibrary;
  if (answer === 'no')
    throw new JobUsageError(
      `${mpi} says it cannot take ${kind} buffers (${aware}); use --mem host, a ${kind}-aware MPI, or --backend ${kind === 'CUDA' ? 'nccl' : 'rccl'}`,
    );
  if (answer !== 'yes' && rank === 0)
    process.stderr.write(
      `ccbench: note: ${mpi} cannot say whether it takes ${kind} buffers (no query for it); if it does not, expect a crash or wrong data — add --check\n`,
    );
}
