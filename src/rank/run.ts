// What one rank does: join the control plane, open the backend, allocate once, run the sweep,
// and (rank 0) write the tables and files.
import { hostname } from 'node:os';
import { EXIT, UsageError } from '../cli/errors.js';
import { MpiControl } from '../control/mpi.js';
import type { RankEnv } from '../launch/detect.js';
import { loadAddon, type Addon } from '../native/addon.js';
import { bufferBytes, expandPoints, largestSize, type Plan } from '../plan/plan.js';
import { ResultWriter, type RunMeta } from '../report/writer.js';
import { VERSION } from '../version.js';
import { flavorOf } from '../launch/mpirun.js';
import { checkMemory } from './memory.js';
import { sweep } from './sweep.js';
import { Watchdog } from './watchdog.js';

export interface RankOptions {
  env: RankEnv;
  command: string[];
  /** Builds (and validates) the plan once the world size is known. */
  makePlan: (worldSize: number) => Plan;
}

const TIMING_NOTE = {
  'per-op': 'per-op timing (OSU: each op timed alone, untimed barrier between)',
  batch: 'batch timing (nccl-tests: ops back to back, one final sync)',
};

export async function runRank(opts: RankOptions): Promise<number> {
  const { env } = opts;
  const addon = loadAddon();
  const caps = addon.capabilities();
  if (!env.mpi)
    throw new UsageError(`this ${env.launcher} job step has no MPI process manager; start it with mpirun, or srun --mpi=pmix`);
  const mpiStatus = caps.backends.find((b) => b.name === 'mpi');
  if (!mpiStatus?.available) throw new UsageError(mpiStatus?.reason ?? 'the MPI backend is unavailable');

  const control = await MpiControl.connect(addon);
  const isRoot = control.rank === 0;
  if (env.size > 0 && control.size !== env.size)
    throw new UsageError(`${env.launcher} started ${env.size} ranks but MPI sees ${control.size}: the job was launched by a different MPI than the one ccbench was built with (${caps.mpiLibrary}); use that MPI's mpirun or rebuild ccbench`);
  const plan = opts.makePlan(control.size);
  const points = expandPoints(plan);
  const buffers = bufferBytes(plan, points);
  if (env.localRank === 0)
    checkMemory(buffers.send + buffers.recv, env.localSize || 1, largestSize(plan), hostname());

  const backend = await addon.open(plan.backend);
  const idents = await control.gather(Buffer.from(JSON.stringify({ host: hostname(), pid: process.pid, local_rank: env.localRank })));

  let writer: ResultWriter | undefined;
  if (isRoot && idents) {
    const ranks = idents.map((b, rank) => ({ rank, ...JSON.parse(b.toString()) }));
    const meta: RunMeta = {
      ccbench: { version: VERSION, node: process.version },
      command: opts.command,
      cwd: process.cwd(),
      start_time: new Date().toISOString(),
      launcher: env.launcher,
      backend: { name: plan.backend, library: backend.library, device: backend.device },
      mpi: { ...mpiIdentity(caps.mpiLibrary), library_version: caps.mpiLibrary },
      world_size: control.size,
      hosts: [...new Set(ranks.map((r) => r.host as string))],
      ranks,
      plan,
    };
    writer = new ResultWriter(meta, (line) => process.stdout.write(line + '\n'));
    writer.open();
    installSignalHandlers(addon, writer);
  }
  await control.barrier(); // rank 0 has its files: from here on results are kept
  await addon.allocate(buffers.send, buffers.recv);

  const where = `rank ${control.rank} (${hostname()})`;
  const watchdog = new Watchdog(addon, plan.timeoutSec, (msg) => {
    process.stderr.write(`ccbench: ${where}: ${msg}\n`);
    writer?.close('failed', msg);
    addon.hardExit(EXIT.timeout);
  });
  watchdog.start();
  const wrong = await sweep({
    addon, control, plan, points, watchdog,
    onRow: (row, point) => writer?.add(row, tableTitle(plan, point.op, point.ranks, backend, point.inPlace) +
      (plan.repeat > 1 ? ` · cycle ${row.cycle} of ${plan.repeat}` : '')),
  });
  watchdog.stop();
  await addon.close();
  if (writer) {
    writer.close('complete');
    if (plan.check && !plan.output.quiet)
      process.stdout.write(wrong === 0 ? '\n# check: 0 wrong elements: OK\n' : `\n# check: ${wrong} wrong elements: FAILED\n`);
    if (wrong > 0) process.stderr.write(`ccbench: --check found ${wrong} wrong elements (see the #wrong column)\n`);
  }
  return wrong > 0 ? EXIT.wrongResults : EXIT.ok;
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

// Ctrl-C or a scheduler's SIGTERM: the files already hold every finished size; mark them.
function installSignalHandlers(addon: Addon, writer: ResultWriter): void {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const)
    process.on(sig, () => {
      writer.close('interrupted', `received ${sig}`);
      addon.hardExit(code);
    });
}
