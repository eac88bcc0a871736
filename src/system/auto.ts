// `--backend auto`: NCCL on NVIDIA GPUs, RCCL on AMD GPUs; without GPUs, MPI in an MPI job (or
// wherever MPI is the only choice), else Gloo. Decided where the ranks run, and said with its reason.
import { UsageError } from '../errors.js';
import type { Addon } from '../native/addon.js';

export interface AutoChoice {
  name: string;
  reason: string; // e.g. "no GPU found, not an MPI job"
}

export function autoChoice(addon: Addon, mpiJob: boolean): AutoChoice {
  const gpus = addon.gpuVendor();
  const count = (n: number, vendor: string) => `${n} ${vendor} GPU${n === 1 ? '' : 's'} found`;
  if (gpus?.vendor === 'nvidia') return { name: 'nccl', reason: count(gpus.count, 'NVIDIA') };
  if (gpus?.vendor === 'amd') return { name: 'rccl', reason: count(gpus.count, 'AMD') };
  const caps = addon.capabilities();
  const has = (name: string) => !!caps.backends.find((b) => b.name === name)?.available;
  if (has('mpi') && mpiJob) return { name: 'mpi', reason: 'no GPU found, an MPI job' };
  if (has('mpi') && !has('gloo')) return { name: 'mpi', reason: 'no GPU found, no Gloo in this build' };
  if (has('gloo'))
    return { name: 'gloo', reason: mpiJob ? 'no GPU found, no MPI in this build' : 'no GPU found, not an MPI job' };
  throw new UsageError(
    '--backend auto finds nothing to run here: no GPU for NCCL/RCCL, and ccbench was built without MPI and Gloo; install one and rebuild, or give --backend',
  );
}

export function autoBackend(addon: Addon, mpiJob: boolean): string {
  return autoChoice(addon, mpiJob).name;
}
