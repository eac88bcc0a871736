// Run by probeMpiGpuAwareness (facts.ts) as a child process: initialise MPI as a singleton, print
// its GPU awareness ("CUDA: yes, ROCm: unknown"), and leave. Prints nothing without an MPI backend.
import { loadAddon } from '../native/addon.js';

const addon = loadAddon();
if (addon.capabilities().backends.find((b) => b.name === 'mpi')?.available) {
  await addon.mpiInit();
  process.stdout.write(`${await addon.mpiGpuAwareness()}\n`);
  await addon.close();
}
