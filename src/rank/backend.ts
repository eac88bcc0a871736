// `--backend auto`: NCCL on NVIDIA GPUs, RCCL on AMD GPUs; without GPUs, MPI in an MPI job (or
// wherever MPI is the only choice), else Gloo. Decided where the ranks run.
import { UsageError } from '../cli/errors.js';
import type { Addon } from '../native/addon.js';

export function autoBackend(addon: Addon, mpiJob: boolean): string {
  const gpus = addon.gpuVendor();
  if (gpus?.vendor === 'nvidia') return 'nccl';
  if (gpus?.vendor === 'amd') return 'rccl';
  const caps = addon.capabilities();
  const has = (name: string) => !!caps.backends.find((b) => b.name === name)?.available;
  if (has('mpi') && (mpiJob || !has('gloo'))) return 'mpi';
  if (has('gloo')) return 'gloo';
  throw new UsageError('--backend auto finds nothing to run here: no GPU for NCCL/RCCL, and ccbench was built without MPI and Gloo; install one and rebuild, or give --backend');
}
