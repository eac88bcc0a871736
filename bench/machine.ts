// What every benchmark records about the machine it ran on, and where its results go.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function machine(): Record<string, unknown> {
  const text = (file: string, args: string[]) => {
    try {
      return execFileSync(file, args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    host: hostname(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gib: +(totalmem() / 2 ** 30).toFixed(1),
    kernel: release(),
    node: process.version,
    mpirun: text('mpirun', ['--version']).split('\n')[0],
    commit: text('git', ['rev-parse', '--short', 'HEAD']),
    loadavg_before: loadavg(),
  };
}

/** The mpirun settings ccbench's launcher picks for a local run, for the programs set beside it. */
export const MPI_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_pml: 'ob1',
  OMPI_MCA_btl: 'self,vader',
};

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Writes results/<name>/<time>.json and returns its path. */
export function saveResults(name: string, doc: unknown): string {
  const dir = join(ROOT, 'results', name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(doc, null, 1) + '\n');
  return file;
}
