// What each communication backend accepts, so a plan is rejected before any rank starts.
// The native backends enforce the same limits (Comm::unsupported) as a second line of defence.
import type { RedOp } from './dtypes.js';

export type Timing = 'per-op' | 'batch';

export interface BackendDef {
  name: string;
  summary: string;
  dtypes: readonly string[];
  redops: readonly RedOp[];
  maxCount: number; // elements per library call
  defaultTiming: Timing;
  whyNot: Partial<Record<string, string>>; // dtype or redop → why this backend lacks it
}

const NO_FP8 = 'MPI has no 8-bit float types; use a GPU backend (nccl, rccl)';

export const BACKENDS: readonly BackendDef[] = [
  {
    name: 'mpi',
    summary: 'MPI point-to-point and collectives on host buffers (OSU methodology)',
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
    summary: 'Gloo CPU collectives over TCP (PyTorch\'s CPU backend); needs no MPI',
    dtypes: ['int8', 'uint8', 'int32', 'uint32', 'int64', 'uint64', 'float16', 'bfloat16', 'float32', 'float64', 'float8e4m3', 'float8e5m2'],
    redops: ['sum', 'prod', 'max', 'min'],
    maxCount: 2 ** 31 - 1,
    defaultTiming: 'per-op',
    whyNot: { avg: 'Gloo has no average reduction; use sum, prod, max or min, or a GPU backend (nccl, rccl)' },
  },
];

export function findBackend(name: string): BackendDef | undefined {
  return BACKENDS.find((b) => b.name === name.trim().toLowerCase());
}
