// Starting ranks with srun inside a Slurm allocation or batch job. The ranks see a Slurm step;
// the MPI backend gets PMIx (Debian's Open MPI needs it); a fresh secret guards the TCP control
// plane. No --kill-on-bad-exit: when a rank fails, ccbench's monitor ends the step itself, after
// rank 0 has named the rank (srun would otherwise terminate rank 0 before it can).
import { newSecret } from '../control/auth.js';

type Env = Record<string, string | undefined>;

export function srunCommand(
  np: number,
  backend: string,
  launcherArgs: string[],
  rankArgv: string[],
  env: Env,
): { args: string[]; env: Env } {
  const args = ['--ntasks', String(np)];
  if (backend === 'mpi' && !launcherArgs.some((a) => a.startsWith('--mpi'))) args.push('--mpi=pmix');
  return { args: [...args, ...launcherArgs, ...rankArgv], env: { ...env, CCBENCH_JOB_SECRET: newSecret() } };
}
