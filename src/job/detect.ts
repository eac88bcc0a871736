// "Am I already a rank?" Each launcher leaves its own environment variables
// (shared/reference/gpu-abi.md §11); the first family found wins, MPI launchers before Slurm,
// because mpirun inside a Slurm allocation still sets SLURM_* from the allocation.

export type LauncherKind = 'ccbench' | 'openmpi' | 'hydra' | 'mvapich' | 'pmix' | 'slurm';

export interface RankEnv {
  launcher: LauncherKind;
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  mpi: boolean; // the launcher set up an MPI job (MPI_Init will find its peers)
}

type Env = Record<string, string | undefined>;

function int(env: Env, ...names: string[]): number | undefined {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && /^\d+$/.test(v.trim())) return Number(v);
  }
  return undefined;
}

export function detectRankEnv(env: Env): RankEnv | null {
  const families: [LauncherKind, () => Omit<RankEnv, 'launcher'> | null][] = [
    // ccbench's own local launcher (no MPI): it sets these for each process it starts.
    [
      'ccbench',
      () => pick(env, ['CCBENCH_RANK'], ['CCBENCH_SIZE'], ['CCBENCH_LOCAL_RANK'], ['CCBENCH_LOCAL_SIZE'], false),
    ],
    [
      'openmpi',
      () =>
        pick(
          env,
          ['OMPI_COMM_WORLD_RANK'],
          ['OMPI_COMM_WORLD_SIZE'],
          ['OMPI_COMM_WORLD_LOCAL_RANK'],
          ['OMPI_COMM_WORLD_LOCAL_SIZE'],
          true,
        ),
    ],
    [
      'mvapich',
      () =>
        pick(
          env,
          ['MV2_COMM_WORLD_RANK', 'MVP_COMM_WORLD_RANK'],
          ['MV2_COMM_WORLD_SIZE', 'MVP_COMM_WORLD_SIZE'],
          ['MV2_COMM_WORLD_LOCAL_RANK', 'MVP_COMM_WORLD_LOCAL_RANK'],
          ['MV2_COMM_WORLD_LOCAL_SIZE', 'MVP_COMM_WORLD_LOCAL_SIZE'],
          true,
        ),
    ],
    // MPICH's Hydra and Intel MPI: PMI_RANK / PMI_SIZE plus MPI_LOCALRANKID / MPI_LOCALNRANKS.
    ['hydra', () => pick(env, ['PMI_RANK'], ['PMI_SIZE'], ['MPI_LOCALRANKID'], ['MPI_LOCALNRANKS'], true)],
    // A Slurm job step: SLURM_STEP_ID marks a step (a batch script alone has none).
    [
      'slurm',
      () => {
        if (env.SLURM_STEP_ID === undefined && env.SLURM_STEPID === undefined) return null;
        const r = pick(
          env,
          ['SLURM_PROCID'],
          ['SLURM_STEP_NUM_TASKS', 'SLURM_NTASKS', 'SLURM_NPROCS'],
          ['SLURM_LOCALID'],
          [],
          env.PMIX_RANK !== undefined || env.PMI_FD !== undefined,
        );
        if (r)
          r.localSize = slurmTasksOnNode(
            env.SLURM_STEP_TASKS_PER_NODE ?? env.SLURM_TASKS_PER_NODE,
            int(env, 'SLURM_NODEID') ?? 0,
          );
        return r;
      },
    ],
    // Any other PMIx launcher (prterun, flux): PMIX_RANK, with the size from the MPI after init.
    [
      'pmix',
      () =>
        pick(env, ['PMIX_RANK'], ['PMIX_SIZE', 'OMPI_UNIVERSE_SIZE'], ['PMIX_LOCAL_RANK'], ['PMIX_LOCAL_SIZE'], true),
    ],
  ];
  for (const [launcher, read] of families) {
    const r = read();
    if (r) return { launcher, ...r };
  }
  return null;
}

function pick(
  env: Env,
  rankVars: string[],
  sizeVars: string[],
  localVars: string[],
  localSizeVars: string[],
  mpi: boolean,
): Omit<RankEnv, 'launcher'> | null {
  const rank = int(env, ...rankVars);
  if (rank === undefined) return null;
  const size = int(env, ...sizeVars) ?? 0; // 0: unknown until MPI_Init
  const localRank = int(env, ...localVars) ?? 0;
  const localSize = int(env, ...localSizeVars) ?? 0;
  return { rank, size, localRank, localSize, mpi };
}

/** Tasks on node `nodeId` from Slurm's compressed list, e.g. "2(x3),1" → 2, 2, 2, 1. */
export function slurmTasksOnNode(spec: string | undefined, nodeId: number): number {
  if (!spec) return 0;
  const perNode: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)(?:\(x(\d+)\))?\s*$/.exec(part);
    if (!m) return 0;
    for (let i = 0; i < Number(m[2] ?? 1); i++) perNode.push(Number(m[1]));
  }
  return perNode[nodeId] ?? 0;
}
