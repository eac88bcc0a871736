// What each communication backend accepts, so a plan is rejected before any rank starts.
// The native backends enforce the same limits (Comm::unsupported) as a second line of defence.
import type { RedOp } from './dtypes.js';

// overlap: OSU's non-blocking collective method (--overlap); never a backend's default.
export type Timing = 'per-op' | 'batch' | 'overlap';

export interface BackendDef {
  name: string;
  summary: string;
  memory: 'device' | 'host' | 'either'; // where its buffers live (MPI: --mem)
  dtypes: readonly string[];
  redops: readonly RedOp[];
  maxCount: number; // elements per library call
  defaultTiming: Timing;
  whyNot: Partial<Record<string, string>>; // dtype or redop → why this backend lacks it
  noInPlace?: readonly string[]; // ops whose in-place form this backend cannot run
  lacks?: Partial<Record<string, string>>; // ops it cannot run at all → why
  noOverlap?: string; // why --overlap cannot run here (no non-blocking collectives)
  noConcurrent?: string; // why --concurrent and mixes cannot (they start their items non-blocking)
}

const NO_FP8 = 'MPI has no 8-bit float types; use a GPU backend (nccl, rccl)';

export const BACKENDS: readonly BackendDef[] = [
  {
    name: 'mpi',
    summary: 'MPI point-to-point and collectives, host buffers or GPU buffers with a GPU-aware MPI (--mem device)',
    memory: 'either',
    dtypes: ['int8', 'uint8', 'int32', 'uint32', 'int64', 'uint64', 'float16', 'bfloat16', 'float32', 'float64'],
    redops: ['sum', 'prod', 'max', 'min'],
    maxCount: 2 ** 31 - 1,
    defaultTiming: 'per-op',
    whyNot: {
      avg: 'MPI has no average reduction; use sum, prod, max or min, or a GPU backend (nccl, rccl)',
      float8e4m3: NO_FP8,
      float8e5m2: NO_FP8,
    },
  },
  {
    name: 'gloo',
    summary: "Gloo CPU collectives over TCP (PyTorch's CPU backend); needs no MPI",
    memory: 'host',
    dtypes: [
      'int8',
      'uint8',
      'int32',
      'uint32',
      'int64',
      'uint64',
      'float16',
      'bfloat16',
      'float32',
      'float64',
      'float8e4m3',
      'float8e5m2',
    ],
    redops: ['sum', 'prod', 'max', 'min'],
    maxCount: 2 ** 31 - 1,
    defaultTiming: 'per-op',
    whyNot: { avg: 'Gloo has no average reduction; use sum, prod, max or min, or a GPU backend (nccl, rccl)' },
    noOverlap:
      "Gloo's collectives block the calling thread, so nothing can overlap them; use --backend mpi for --overlap",
    noConcurrent:
      "Gloo's collectives block the calling thread, so nothing can overlap them; use --backend mpi for --overlap",
  },
  ...(['nccl', 'rccl'] as const).map((name): BackendDef => ({
    name,
    summary:
      name === 'nccl'
        ? 'NVIDIA NCCL on GPU buffers, loaded at run time (nccl-tests methodology)'
        : 'AMD RCCL on GPU buffers, loaded at run time (rccl-tests methodology)',
    memory: 'device',
    // Which of these the loaded library and GPUs support is checked on the ranks (bfloat16 and avg
    // need 2.10, fp8 2.24 and Hopper or MI300): the backend then says what is missing.
    dtypes: [
      'int8',
      'uint8',
      'int32',
      'uint32',
      'int64',
      'uint64',
      'float16',
      'bfloat16',
      'float32',
      'float64',
      'float8e4m3',
      'float8e5m2',
    ],
    redops: ['sum', 'prod', 'max', 'min', 'avg'],
    maxCount: Number.MAX_SAFE_INTEGER,
    defaultTiming: 'batch',
    whyNot: {},
    // NCCL defines no in-place all-to-all, and one group sending from and receiving into the same
    // buffer is unordered (nccl-tests runs neither in place).
    noInPlace: ['alltoall', 'sendrecv'],
    lacks: {
      reducescatterv: `${name.toUpperCase()} has no reduce-scatter with a count per rank (MPI_Reduce_scatter); use reducescatter`,
    },
  })),
];

/** auto: NCCL on NVIDIA GPUs, RCCL on AMD GPUs, else MPI (or Gloo without MPI); resolved on the ranks. */
export const AUTO: BackendDef = {
  name: 'auto',
  summary: 'NCCL on NVIDIA GPUs, RCCL on AMD GPUs, MPI otherwise',
  memory: 'either',
  dtypes: BACKENDS.find((b) => b.name === 'nccl')!.dtypes,
  redops: ['sum', 'prod', 'max', 'min', 'avg'],
  maxCount: Number.MAX_SAFE_INTEGER,
  defaultTiming: 'per-op', // replaced by the resolved backend's
  whyNot: {},
};

export function findBackend(name: string): BackendDef | undefined {
  const key = name.trim().toLowerCase();
  return key === 'auto' ? AUTO : BACKENDS.find((b) => b.name === key);
}
