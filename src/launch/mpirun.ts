// Starting ranks with mpirun: find it, recognise its MPI, and build the command line. The ranks
// re-run this same command line; they see the launcher's variables and know they are ranks.
import { childProcess } from '../builtins.js';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { INJECTED_VAR, RANK_ENV, RANK_ENV_EMPTIED } from '../system/conditions.js';
import { flavorOf, type MpiFlavor } from '../system/mpi.js';

export interface Mpirun {
  path: string;
  flavor: MpiFlavor;
  version: string; // e.g. "4.1.4"
}

type Env = Record<string, string | undefined>;

export function which(name: string, env: Env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The mpirun (or mpiexec) on PATH and whose it is, from its `--version`. Asynchronous, so the
 * commander starts it first and plans meanwhile (~8 ms of every launch here: npm run bench:startup).
 */
export async function findMpirun(env: Env): Promise<Mpirun | null> {
  for (const name of ['mpirun', 'mpiexec']) {
    const path = which(name, env);
    if (!path) continue;
    const text = await new Promise<string>((resolve) =>
      childProcess().execFile(
        path,
        ['--version'],
        { encoding: 'utf8', timeout: 10_000, env: env as NodeJS.ProcessEnv },
        (_e, stdout) => resolve(String(stdout ?? '')), // a failing one still says what it is, or nothing
      ),
    );
    return { path, ...flavorOf(text) };
  }
  return null;
}

/** The MPI the addon was linked against, from MPI_Get_library_version. */
export function libraryFlavor(libraryVersion: string): MpiFlavor {
  return flavorOf(libraryVersion).flavor;
}

const HOST_FLAGS = new Set([
  '-H',
  '--host',
  '-host',
  '--hostfile',
  '-hostfile',
  '--machinefile',
  '-machinefile',
  '-f',
  '--default-hostfile',
]);
const SCHEDULER_VARS = ['SLURM_JOB_ID', 'PBS_JOBID', 'LSB_JOBID', 'COBALT_JOBID', 'FLUX_JOB_ID'];

/** A run on this machine only: no host list given and no scheduler allocation around us. */
export function isLocalRun(launcherArgs: string[], env: Env): boolean {
  return !launcherArgs.some((a) => HOST_FLAGS.has(a.split('=')[0])) && !SCHEDULER_VARS.some((v) => env[v]);
}

export interface MpirunCommand {
  file: string;
  args: string[];
  env: Env;
}

/**
 * mpirun -np N [launcher args] <node> <ccbench> <the same arguments>. Open MPI specifics go in
 * through its environment (so explicit --mca flags in --launcher-args still win): root
 * permission, shared-memory transport and oversubscription for local runs.
 */
export function mpirunCommand(
  m: Mpirun,
  np: number,
  launcherArgs: string[],
  rankArgv: string[],
  env: Env,
  cpus: number,
  isRoot: boolean,
): MpirunCommand {
  const out: Env = { ...env };
  const args = ['-np', String(np)];
  if (m.flavor === 'openmpi') {
    const major = Number(m.version.split('.')[0]) || 4;
    if (isRoot) {
      out.OMPI_ALLOW_RUN_AS_ROOT = '1';
      out.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
    }
    if (major < 5) args.push('--quiet'); // no multi-line banner when a rank exits non-zero
    if (isLocalRun(launcherArgs, env)) {
      out.OMPI_MCA_pml ??= 'ob1';
      out.OMPI_MCA_btl ??= major >= 5 ? 'self,sm' : 'self,vader';
      if (np > cpus) out.OMPI_MCA_rmaps_base_oversubscribe ??= '1';
    } else {
      // Open MPI passes only OMPI_* variables to other hosts by itself (the rank conditions).
      for (const name of [...Object.keys(RANK_ENV), ...RANK_ENV_EMPTIED, INJECTED_VAR, 'CCBENCH_EXIT_NOTICE'])
        if (env[name] !== undefined) args.push('-x', name);
    }
  }
  return { file: m.path, args: [...args, ...launcherArgs, ...rankArgv], env: out };
}
