// What one rank does: join the job, open the backend, allocate once, run the sweep, and (rank 0)
// write the tables and files. Once joined, a failure anywhere ends the whole job (ending.ts).
import { hostname } from 'node:os';
import { EXIT, JobUsageError, UsageError } from '../cli/errors.js';
import { allgather } from '../control/control.js';
import { Monitor } from '../control/monitor.js';
import type { RankEnv } from '../launch/detect.js';
import { flavorOf } from '../launch/mpirun.js';
import { loadAddon, type Addon } from '../native/addon.js';
import { bufferBytes, expandPoints, largestSize, type Plan } from '../plan/plan.js';
import { systemFacts } from '../report/system.js';
import { ResultWriter, type RunMeta } from '../report/writer.js';
import { VERSION } from '../version.js';
import { Ending, exitCodeOf } from './ending.js';
import { joinJob, type Joined } from './join.js';
import { checkMemory } from './memory.js';
import { sweep } from './sweep.js';
import { autoBackend } from './backend.js';
import { checkOneGpuPerRank, selectGpu } from './gpu.js';
import { Tracker } from './tracker.js';

export interface RankOptions {
  env: RankEnv;
  command: string[];
  backend: string;
  controlAddr?: string;
  ncclLib?: string;
  timeoutSec: number;
  /** Builds (and validates) the plan once the world size and the backend are known. */
  makePlan: (worldSize: number, backend: string) => Plan;
}

const TIMING_NOTE = {
  'per-op': 'per-op timing (OSU: each op timed alone, untimed barrier between)',
  batch: 'batch timing (nccl-tests: ops back to back, one final sync)',
};

export async function runRank(opts: RankOptions): Promise<number> {
  const { env } = opts;
  const addon = loadAddon();
  // Started by ccbench's local launcher: when it goes away, so do we (no stray ranks).
  if (env.launcher === 'ccbench') process.on('disconnect', () => addon.hardExit(EXIT.rankFailed));
  const caps = addon.capabilities();
  const mpi = caps.backends.find((b) => b.name === 'mpi');
  failToStartForTest(env.rank);
  if (opts.backend === 'mpi' && !env.mpi)
    throw new JobUsageError(`this ${env.launcher} job has no MPI process manager for the mpi backend; start it with mpirun or srun --mpi=pmix, or use --backend gloo`);
  if (opts.backend === 'mpi' && !mpi?.available) throw new JobUsageError(mpi?.reason ?? 'the MPI backend is unavailable');
  const useMpi = env.mpi && !!mpi?.available;
  const joined = await joinJob(addon, env, useMpi, opts.controlAddr, opts.timeoutSec);
  // Rank 0 resolves `auto` for everyone, so that all ranks build the same plan.
  const backend = opts.backend !== 'auto' ? opts.backend
    : String(await joined.control.bcast(Buffer.from(joined.rank === 0 ? autoBackend(addon, useMpi) : ''), 0));
  const plan = opts.makePlan(joined.size, backend);

  const host = hostname();
  const tracker = new Tracker(addon);
  const ending = new Ending(joined.rank, host, addon, joined.tcp);
  const monitor = new Monitor(joined.tcp, {
    rank: joined.rank, host, timeoutSec: plan.timeoutSec, position: () => tracker.position(), hosts: joined.idents.map((i) => i.host),
    fatal: (cause, message, code) => void ending.fail(cause, message, code),
  });
  tracker.onMove = () => monitor.beat();
  ending.abortBackend = async () => {
    addon.requestAbort();
    if (plan.backend === 'nccl' || plan.backend === 'rccl') await tracker.settled(2000); // it polls, and aborts
  };
  ending.onStart = () => monitor.stop();
  ending.installSignalHandlers();
  monitor.start();
  let wrong: number;
  try {
    wrong = await measureAll(addon, joined, plan, opts, tracker, ending);
  } catch (e) {
    return ending.fail('own', (e as Error)?.message ?? String(e), exitCodeOf(e));
  }
  // Everyone is past the final barrier: closing connections is no longer news.
  monitor.stop();
  joined.tcp.quiet();
  await addon.close();
  await joined.tcp.close();
  const writer = ending.writer;
  if (writer) {
    writer.close('complete');
    if (plan.check && !plan.output.quiet)
      process.stdout.write(wrong === 0 ? '\n# check: 0 wrong elements: OK\n' : `\n# check: ${wrong} wrong elements: FAILED\n`);
    if (wrong > 0) process.stderr.write(`ccbench: --check found ${wrong} wrong elements (see the #wrong column)\n`);
  }
  return wrong > 0 ? EXIT.wrongResults : EXIT.ok;
}

async function measureAll(addon: Addon, joined: Joined, plan: Plan, opts: RankOptions, tracker: Tracker, ending: Ending): Promise<number> {
  const { control, rank, idents } = joined;
  const points = expandPoints(plan);
  const buffers = bufferBytes(plan, points);
  const mine = idents[rank];
  if (mine.local_rank === 0) {
    const onNode = idents.filter((i) => i.host === mine.host).length;
    checkMemory(buffers.send + buffers.recv, onNode, largestSize(plan), mine.host);
  }
  const backend = await tracker.watch(`opening the ${plan.backend} backend`, openBackend(addon, joined, plan, opts.ncclLib));
  // Every rank's device, for the metadata (as nccl-tests lists each rank's GPU).
  const devices = (await allgather(control, Buffer.from(backend.device))).map(String);

  if (rank === 0) {
    const caps = addon.capabilities();
    const meta: RunMeta = {
      ccbench: { version: VERSION, node: process.version, executable: process.execPath },
      command: opts.command,
      cwd: process.cwd(),
      start_time: new Date().toISOString(),
      launcher: opts.env.launcher,
      backend: { name: plan.backend, library: backend.library, device: backend.device },
      mpi: joined.control !== joined.tcp || plan.backend === 'mpi' ? { ...mpiIdentity(caps.mpiLibrary), library_version: caps.mpiLibrary } : null,
      system: systemFacts(addon, { ncclLib: opts.ncclLib, mpiGpuAwareness: joined.control !== joined.tcp ? await addon.mpiGpuAwareness() : undefined }),
      world_size: joined.size,
      hosts: [...new Set(idents.map((r) => r.host))],
      ranks: idents.map((i, r) => ({ ...i, device: devices[r] })),
      plan,
    };
    ending.writer = new ResultWriter(meta, (line) => process.stdout.write(line + '\n'));
    ending.writer.open();
  }
  await tracker.watch('allocating buffers', control.barrier()); // rank 0 has its files: from here results are kept
  await tracker.watch('allocating buffers', addon.allocate(buffers.send, buffers.recv));

  const wrong = await sweep({
    addon, control, plan, points, tracker, ncclLib: opts.ncclLib,
    onRow: (row, point) => ending.writer?.add(row, tableTitle(plan, point.op, point.ranks, backend, point.inPlace) +
      (plan.repeat > 1 ? ` · cycle ${row.cycle} of ${plan.repeat}` : '')),
  });
  await tracker.watch('finishing', control.barrier());
  return wrong;
}

/**
 * Opens the backend on this rank's device. Gloo's peers exchange their addresses over the control
 * plane first; NCCL and RCCL take rank 0's unique id; GPUs are picked by local rank.
 */
async function openBackend(addon: Addon, j: Joined, plan: Plan, ncclLib = ''): Promise<{ library: string; device: string }> {
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
    if (gpuBackend) checkOneGpuPerRank(j.idents.filter((i) => i.host === me.host).length, visible, plan.gpusPerNode, me.host, name);
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
 * Fault injection for tests only: CCBENCH_FAULT_INJECT=fail-start:<rank> makes that rank fail
 * before it joins the job, as a bad library path or a missing GPU would.
 */
function failToStartForTest(rank: number): void {
  const m = /^fail-start:(\d+)$/.exec(process.env.CCBENCH_FAULT_INJECT ?? '');
  if (m && Number(m[1]) === rank) throw new UsageError(`could not start (fault injection: CCBENCH_FAULT_INJECT=${m[0]})`);
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
    throw new JobUsageError(`${mpi} says it cannot take ${kind} buffers (${aware}); use --mem host, a ${kind}-aware MPI, or --backend ${kind === 'CUDA' ? 'nccl' : 'rccl'}`);
  if (answer !== 'yes' && rank === 0)
    process.stderr.write(`ccbench: note: ${mpi} cannot say whether it takes ${kind} buffers (no query for it); if it does not, expect a crash or wrong data — add --check\n`);
}

const MPI_NAMES = { openmpi: 'Open MPI', mpich: 'MPICH', intel: 'Intel MPI', mvapich: 'MVAPICH', unknown: 'unknown' };

function mpiIdentity(libraryVersion: string): { implementation: string; version: string } {
  const { flavor, version } = flavorOf(libraryVersion);
  return { implementation: MPI_NAMES[flavor], version };
}

function tableTitle(plan: Plan, op: string, ranks: number, backend: { library: string; device: string }, inPlace: boolean): string {
  return `# ${op} · ${ranks} ranks · ${plan.backend} (${backend.library}) · ${backend.device} · ` +
    `${inPlace ? 'in-place' : 'out-of-place'} · ${TIMING_NOTE[plan.timing]}`;
}
