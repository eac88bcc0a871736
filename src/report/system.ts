// What this node offers for benchmarking: GPUs, driver and runtime, NCCL / RCCL, MPI and its GPU
// awareness, the ccbench build. `ccbench info` prints it; every run's JSON embeds it.
import { execFileSync } from 'node:child_process';
import Table from 'cli-table3';
import { flavorOf } from '../launch/mpirun.js';
import { DEFAULT_ADDON, type Addon, type GpuInventory } from '../native/addon.js';
import { formatBytes } from '../plan/sizes.js';
import { VERSION } from '../version.js';

export interface SystemFacts {
  ccbench: { version: string; node: string; addon: string };
  backends: { name: string; available: boolean; library?: string; reason?: string }[];
  gpu: { vendor: string; count: number; runtime: string; runtime_version: string; driver_version: string; runtime_path: string } | { error: string };
  nccl: { library: string; version: string; path: string } | { error: string };
  rccl: { library: string; version: string; path: string } | { error: string };
  mpi: { library_version: string; implementation: string; version: string; gpu_awareness: string } | null;
}

const MPI_NAMES: Record<string, string> = { openmpi: 'Open MPI', mpich: 'MPICH', intel: 'Intel MPI', mvapich: 'MVAPICH', unknown: 'unknown' };

/** Facts that touch no GPU (safe on every rank of a running job). */
export function systemFacts(addon: Addon, o: { ncclLib?: string; mpiGpuAwareness?: string } = {}): SystemFacts {
  const caps = addon.capabilities();
  const gpu = addon.gpuVendor();
  const lib = (rccl: boolean): SystemFacts['nccl'] => {
    const i = addon.ncclInfo(rccl, o.ncclLib ?? '');
    return i.error !== undefined ? { error: i.error } : { library: i.library ?? '', version: i.version ?? '', path: i.path ?? '' };
  };
  const nccl = lib(false);
  const rccl = lib(true);
  const libraries: Record<string, string> = {
    mpi: caps.mpiLibrary, gloo: caps.glooLibrary,
    nccl: 'library' in nccl ? nccl.library : '', rccl: 'library' in rccl ? rccl.library : '',
  };
  return {
    ccbench: { version: VERSION, node: process.version, addon: process.env.CCBENCH_ADDON || DEFAULT_ADDON },
    backends: caps.backends.map((b) => (b.available ? { name: b.name, available: true, library: libraries[b.name] ?? '' }
      : { name: b.name, available: false, reason: b.reason })),
    gpu: gpu ? { vendor: gpu.vendor, count: gpu.count, runtime: gpu.runtime, runtime_version: gpu.runtimeVersion, driver_version: gpu.driverVersion, runtime_path: gpu.runtimePath }
      : { error: addon.gpuInfo().error || 'no GPU runtime sees a GPU' },
    nccl,
    rccl,
    mpi: caps.mpiLibrary ? {
      library_version: caps.mpiLibrary, implementation: MPI_NAMES[flavorOf(caps.mpiLibrary).flavor], version: flavorOf(caps.mpiLibrary).version,
      gpu_awareness: o.mpiGpuAwareness || ompiInfoGpuSupport(),
    } : null,
  };
}

/** Outside an MPI job the extensions cannot be asked; Open MPI's ompi_info says how it was built. */
export function ompiInfoGpuSupport(): string {
  let text = '';
  try {
    text = execFileSync('ompi_info', ['--parsable', '--all'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return 'unknown (no ompi_info; run inside a job to ask the MPI itself)';
  }
  const built = (kind: string) => /:value:(\w+)/.exec(text.split('\n').find((l) => l.startsWith(`mpi_built_with_${kind}_support:value`)) ?? '')?.[1];
  const say = (v: string | undefined) => (v === 'true' ? 'yes' : v === 'false' ? 'no' : 'unknown');
  return `CUDA: ${say(built('cuda'))}, ROCm: ${say(built('rocm'))} (as built, from ompi_info)`;
}

export function renderInfo(f: SystemFacts, inv: GpuInventory): string {
  const out: string[] = [`ccbench ${f.ccbench.version} · Node ${f.ccbench.node} · ${f.ccbench.addon}`, ''];
  if (inv.gpus.length > 0) {
    out.push(`GPUs: ${inv.runtime} ${inv.runtimeVersion}, driver ${inv.driverVersion} (${inv.runtimePath})`);
    const t = new Table({ head: ['#', 'name', 'PCI bus id', 'arch', 'memory', inv.runtime === 'HIP' ? 'CUs' : 'SMs'], style: { head: [], border: [] } });
    for (const g of inv.gpus) t.push([g.index, g.name, g.pciBusId, g.arch, formatBytes(g.memoryBytes), g.multiprocessors]);
    out.push(t.toString());
  } else {
    out.push(`GPUs: none (${inv.error})`);
  }
  out.push('', 'Backends:');
  const t = new Table({ head: ['backend', 'status', 'library / why not'], style: { head: [], border: [] }, colWidths: [9, 13, 90], wordWrap: true });
  for (const b of f.backends) t.push([b.name, b.available ? 'available' : 'unavailable', b.available ? b.library ?? '' : b.reason ?? '']);
  out.push(t.toString());
  if (f.mpi) out.push('', `MPI: ${f.mpi.library_version}; GPU buffers: ${f.mpi.gpu_awareness}`);
  return out.join('\n');
}
