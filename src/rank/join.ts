// Joining the job: the control plane every collective of the sweep's bookkeeping goes through, and
// the TCP connections heartbeats and fault reports travel on (one and the same without MPI).
//  - MPI job: MPI_COMM_WORLD carries control traffic; rank 0 opens the TCP channel on loopback
//    (one host) or its routable address and publishes address, port and a fresh secret over MPI.
//  - otherwise: the TCP control plane, at the address the launcher, --control-addr or the Slurm
//    step gives, proving the job's secret (CCBENCH_JOB_SECRET or the per-user key).
import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { jobSecret, newSecret } from '../control/auth.js';
import { allgather, type ControlPlane } from '../control/control.js';
import { MpiControl } from '../control/mpi.js';
import { TcpControl } from '../control/tcp.js';
import { controlEndpoint, routableAddress } from '../job/address.js';
import type { RankEnv } from '../job/detect.js';
import type { Addon } from '../native/addon.js';
import { hostCpus } from '../system/cgroup.js';
import { bootId, boundCpus } from '../system/conditions.js';

export interface Ident {
  rank: number;
  host: string;
  pid: number;
  local_rank: number;
  cpus: number; // CPUs its host gives the job (not this rank's own binding)
  bound_cpus?: string; // this rank's own binding (Cpus_allowed_list)
  address?: string; // its host's address as other hosts reach it (its name's, else its first non-loopback)
  machine?: string; // the kernel's boot id: hosts with one are containers or namespaces of one machine
}

export interface Joined {
  control: ControlPlane;
  tcp: TcpControl;
  rank: number;
  size: number;
  idents: Ident[]; // every rank's, on every rank
  listen: { address: string; port: number }; // where rank 0's TCP control plane listens
}

export async function joinJob(
  addon: Addon,
  env: RankEnv,
  useMpi: boolean,
  controlAddr: string | undefined,
  timeoutSec: number,
): Promise<Joined> {
  const host = hostname();
  // The name lookup (libuv's threads) overlaps MPI_Init (the engine's): npm run bench:startup.
  const addressing = routableAddress(host);
  const timeoutMs = (timeoutSec > 0 ? timeoutSec : 300) * 1000;
  const me = (rank: number, address: string): Ident => ({
    rank,
    host,
    pid: process.pid,
    local_rank: env.localRank,
    cpus: hostCpus(),
    bound_cpus: boundCpus(),
    address,
    machine: bootId(),
  });
  if (useMpi) {
    yieldWhenOversubscribed(env);
    const mpi = await MpiControl.connect(addon);
    const address = await addressing;
    if (env.size > 0 && mpi.size !== env.size)
      throw new UsageError(
        `${env.launcher} started ${env.size} ranks but MPI sees ${mpi.size}: the job was launched by a different MPI than the one ccbench was built with (${addon.capabilities().mpiLibrary}); use that MPI's mpirun or rebuild ccbench`,
      );
    const idents = (await allgather(mpi, Buffer.from(JSON.stringify(me(mpi.rank, address))))).map(
      (b) => JSON.parse(String(b)) as Ident,
    );
    let tcp: TcpControl;
    let listen: Joined['listen'];
    if (mpi.rank === 0) {
      const bind = new Set(idents.map((i) => i.host)).size === 1 ? '127.0.0.1' : address;
      const secret = newSecret();
      const { control, port, joined } = await TcpControl.listen({
        rank: 0,
        size: mpi.size,
        secret,
        host: bind,
        port: 0,
        timeoutMs,
      });
      await mpi.bcast(Buffer.from(JSON.stringify({ host: bind, port, secret })), 0);
      await joined;
      tcp = control;
      listen = { address: bind, port };
    } else {
      const at = JSON.parse(String(await mpi.bcast(Buffer.alloc(0), 0))) as {
        host: string;
        port: number;
        secret: string;
      };
      tcp = await TcpControl.connect({
        rank: mpi.rank,
        size: mpi.size,
        secret: at.secret,
        host: at.host,
        port: at.port,
        timeoutMs,
      });
      listen = { address: at.host, port: at.port };
    }
    return { control: mpi, tcp, rank: mpi.rank, size: mpi.size, idents, listen };
  }

  if (env.size < 1) throw new UsageError(`the ${env.launcher} launcher did not say how many ranks there are`);
  const address = await addressing;
  const ep = await controlEndpoint(process.env, env, controlAddr, host);
  const { secret } = await jobSecret(process.env, env.rank);
  let tcp: TcpControl;
  let listen: Joined['listen'];
  if (env.rank === 0) {
    const { control, port, joined } = await TcpControl.listen({
      rank: 0,
      size: env.size,
      secret,
      host: ep.bind,
      port: ep.port,
      timeoutMs,
    });
    if (ep.port === 0) process.send?.({ ccbenchControlPort: port }); // ccbench's local launcher relays it
    await joined;
    tcp = control;
    listen = { address: ep.bind, port };
  } else {
    const port = ep.port || (await portFromLauncher(timeoutMs));
    tcp = await TcpControl.connect({ rank: env.rank, size: env.size, secret, host: ep.connect, port, timeoutMs });
    listen = { address: ep.connect, port };
  }
  process.channel?.unref(); // the launcher's channel must not keep a finished rank alive
  const idents = (await allgather(tcp, Buffer.from(JSON.stringify(me(env.rank, address))))).map(
    (b) => JSON.parse(String(b)) as Ident,
  );
  return { control: tcp, tcp, rank: env.rank, size: env.size, idents, listen };
}

/**
 * An MPI rank waiting for a message polls a core; with more ranks than cores on a node, that
 * starves the very rank it waits for (a 4-rank 8 B allreduce on 2 cores took 5.5 ms under srun
 * instead of 5 µs). Open MPI yields when told, which mpirun does for the oversubscription it
 * knows of but srun does not: so every rank says it before MPI_Init, whatever launched it.
 */
function yieldWhenOversubscribed(env: RankEnv): void {
  if (env.localSize > hostCpus()) process.env.OMPI_MCA_mpi_yield_when_idle ??= '1';
}

/** The port rank 0 listens on, relayed by ccbench's local launcher over its IPC channel. */
function portFromLauncher(timeoutMs: number): Promise<number> {
  if (!process.send)
    return Promise.reject(
      new UsageError('CCBENCH_CONTROL_ADDR has port 0 but no launcher relays the real one; give a port'),
    );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the launcher did not relay rank 0's control port within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    process.on('message', (m: { ccbenchControlPort?: number }) => {
      if (typeof m?.ccbenchControlPort !== 'number') return;
      clearTimeout(timer);
      resolve(m.ccbenchControlPort);
    });
  });
}
