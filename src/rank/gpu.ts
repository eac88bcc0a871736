// Which GPU a rank uses: its local rank modulo the GPUs its node's ranks share — every visible
// one, or --gpus-per-node — as OSU and DeepSpeed pick (shared/reference/gpu-abi.md §11).
import { UsageError } from '../errors.js';

export function selectGpu(localRank: number, visible: number, gpusPerNode: number | undefined, host: string): number {
  if (visible < 1)
    throw new UsageError(
      `no GPU is visible on ${host}; run on GPU nodes (check CUDA_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES), or use host memory (--mem host, --backend mpi or gloo)`,
    );
  if (gpusPerNode !== undefined && gpusPerNode > visible)
    throw new UsageError(
      `--gpus-per-node ${gpusPerNode}, but ${host} shows only ${visible} GPU${visible > 1 ? 's' : ''}; lower it`,
    );
  return localRank % (gpusPerNode ?? visible);
}

/** NCCL and RCCL need a GPU of their own for every rank of a communicator. */
export function checkOneGpuPerRank(
  ranksOnNode: number,
  visible: number,
  gpusPerNode: number | undefined,
  host: string,
  backend: string,
): void {
  const gpus = Math.min(gpusPerNode ?? visible, visible);
  if (ranksOnNode > gpus)
    throw new UsageError(
      `${ranksOnNode} ranks on ${host} would share ${gpus} GPU${gpus > 1 ? 's' : ''}, but ${backend} needs one GPU per rank; run at most ${gpus} rank${gpus > 1 ? 's' : ''} per node`,
    );
}
