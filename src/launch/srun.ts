// Starting ranks with srun inside a Slurm allocation or batch job. The ranks see a Slurm step;
// the MPI backend gets PMIx (Debian's Open MPI needs it); a fresh secret guards the TCP control
// plane; --kill-on-bad-exit ends the step when one rank fails.
import { newSecret } from '../control/auth.js';

type Env = Record<string, string | undefined>;

export function srunCommand(np: number, backend: string, launcherArgs: string[], rankArgv: string[], env: Env): { args: string[]; env: Env } {
  const args = ['--ntasks', String(np), '--kill-on-bad-exit=1'];
  if (backend === 'mpi' && !launcherArgs.some((a) => a.startsWith('--mpi'))) args.push('--mpi=pmix');
  return { args: [...args, ...launcherArgs, ...rankArgv], env: { ...env, CCBENCH_JOB_SECRET: newSecret() } };
}
