// What this node offers for benchmarking: GPUs, driver and runtime, NCCL / RCCL, MPI and its GPU
// awareness, the ccbench build. `ccbench info` prints it; every run's JSON embeds it.
import { childProcess } from '../builtins.js';
import { join } from 'node:path';
import { DEFAULT_ADDON, type Addon } from '../native/addon.js';
import { PACKAGE_ROOT, VERSION } from '../paths.js';
import { mpiIdentity } from './mpi.js';

export interface SystemFacts {
  ccbench: { version: string; node: string; addon: string };
  backends: { name: string; available: boolean; library?: string; reason?: string }[];
  gpu:
    | {
        vendor: string;
        count: number;
        runtime: string;
        runtime_version: string;
        driver_version: string;
        runtime_path: string;
      }
    | { error: string };
  nccl: { library: string; version: string; path: string } | { error: string };
  rccl: { library: string; version: string; path: string } | { error: string };
  mpi: { library_version: string; implementation: string; version: string; gpu_awareness: string } | null;
}

/**
 * Facts that touch no GPU (safe on every rank of a running job). `mpiGpuAwareness`: the MPI's own
 * answer (its extensions, asked inside an MPI job or by probeMpiGpuAwareness).
 */
export function systemFacts(addon: Addon, o: { ncclLib?: string; mpiGpuAwareness: string }): SystemFacts {
  const caps = addon.capabilities();
  const gpu = addon.gpuVendor();
  const lib = (rccl: boolean): SystemFacts['nccl'] => {
    const i = addon.ncclInfo(rccl, o.ncclLib ?? '');
    return i.error !== undefined
      ? { error: i.error }
      : { library: i.library ?? '', version: i.version ?? '', path: i.path ?? '' };
  };
  const nccl = lib(false);
  const rccl = lib(true);
  const libraries: Record<string, string> = {
    mpi: caps.mpiLibrary,
    gloo: caps.glooLibrary,
    nccl: 'library' in nccl ? nccl.library : '',
    rccl: 'library' in rccl ? rccl.library : '',
  };
  return {
    ccbench: { version: VERSION, node: process.version, addon: process.env.CCBENCH_ADDON || DEFAULT_ADDON },
    backends: caps.backends.map((b) =>
      b.available
        ? { name: b.name, available: true, library: libraries[b.name] ?? '' }
        : { name: b.name, available: false, reason: b.reason },
    ),
    gpu: gpu
      ? {
          vendor: gpu.vendor,
          count: gpu.count,
          runtime: gpu.runtime,
          runtime_version: gpu.runtimeVersion,
          driver_version: gpu.driverVersion,
          runtime_path: gpu.runtimePath,
        }
      : { error: addon.gpuInfo().error || 'no GPU runtime sees a GPU' },
    nccl,
    rccl,
    mpi: caps.mpiLibrary
      ? { library_version: caps.mpiLibrary, ...mpiIdentity(caps.mpiLibrary), gpu_awareness: o.mpiGpuAwareness }
      : null,
  };
}

export const NOT_ASKED = 'not asked: not an MPI job (ccbench info asks the MPI)';

/**
 * The MPI's GPU awareness asked the way a run asks it (MPIX extensions after MPI_Init), in a child
 * process started as an MPI singleton: an MPI that cannot start outside a launcher, or hangs,
 * costs that child only. Falls back to what Open MPI's ompi_info says it was built with.
 */
export function probeMpiGpuAwareness(timeoutMs = 20_000): string {
  const probe = join(PACKAGE_ROOT, 'dist', 'src', 'system', 'probe-mpi.js'); // also from the one-file build
  try {
    const out = childProcess()
      .execFileSync(process.execPath, [probe], {
        encoding: 'utf8',
        timeout: timeoutMs,
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      .trim();
    if (out) return out;
  } catch {
    // the probe failed, timed out or was killed: say what the build says
  }
  return ompiInfoGpuSupport();
}

/** Open MPI's ompi_info: whether it was built with CUDA / ROCm support. */
export function ompiInfoGpuSupport(): string {
  let text = '';
  try {
    text = childProcess().execFileSync('ompi_info', ['--parsable', '--all'], {
      encoding: 'utf8',
      timeout: 20_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return 'unknown (the MPI could not be started to ask, and there is no ompi_info)';
  }
  // Open MPI 4 names these opal_built_with_*; Open MPI 5 also mpi_built_with_*.
  const built = (kind: string) =>
    new RegExp(`^mca:[^\\n]*_built_with_${kind}_support:value:(\\w+)$`, 'm').exec(text)?.[1];
  const say = (v: string | undefined) => (v === 'true' ? 'yes' : v === 'false' ? 'no' : 'unknown');
  return `CUDA: ${say(built('cuda'))}, ROCm: ${say(built('rocm'))} (as built, from ompi_info)`;
}
