// `ccbench info` as tables: this node's GPUs, the backends and why any is unavailable, MPI.
import type TableType from 'cli-table3';
import { createRequire } from 'node:module';

// Loaded when `info` prints, not by every rank at start-up (npm run bench:startup).
const loadTable = () => createRequire(import.meta.url)('cli-table3') as typeof TableType;
import type { GpuInventory } from '../native/addon.js';
import { formatBytes } from '../plan/sizes.js';
import type { SystemFacts } from '../system/facts.js';
import { wrapText } from './format.js';

/** `ccbench info` fits a terminal of this many columns. */
export const INFO_WIDTH = 100;

export function renderInfo(f: SystemFacts, inv: GpuInventory): string {
  const out: string[] = [
    ...wrapText(`ccbench ${f.ccbench.version} · Node ${f.ccbench.node} · ${f.ccbench.addon}`, INFO_WIDTH),
    '',
  ];
  if (inv.gpus.length > 0) {
    out.push(
      ...wrapText(
        `GPUs: ${inv.runtime} ${inv.runtimeVersion}, driver ${inv.driverVersion} (${inv.runtimePath})`,
        INFO_WIDTH,
      ),
    );
    const t = new (loadTable())({
      head: ['#', 'name', 'PCI bus id', 'arch', 'memory', inv.runtime === 'HIP' ? 'CUs' : 'SMs'],
      style: { head: [], border: [] },
    });
    for (const g of inv.gpus)
      t.push([g.index, g.name, g.pciBusId, g.arch, formatBytes(g.memoryBytes), g.multiprocessors]);
    out.push(t.toString());
  } else {
    out.push(...wrapText(`GPUs: none (${inv.error})`, INFO_WIDTH));
  }
  out.push('', 'Backends:');
  const t = new (loadTable())({
    head: ['backend', 'status', 'library / why not'],
    style: { head: [], border: [] },
    colWidths: [9, 13, INFO_WIDTH - 9 - 13 - 4], // and 4 borders
    wordWrap: true,
  });
  for (const b of f.backends)
    t.push([b.name, b.available ? 'available' : 'unavailable', b.available ? (b.library ?? '') : (b.reason ?? '')]);
  out.push(t.toString());
  if (f.mpi)
    out.push('', ...wrapText(`MPI: ${f.mpi.library_version}; GPU buffers: ${f.mpi.gpu_awareness}`, INFO_WIDTH));
  return out.join('\n');
}
