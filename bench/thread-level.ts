// npm run bench:thread-level — why ccbench initialises MPI with MPI_THREAD_SINGLE: the plain-C
// loop's 8 B allreduce on 2 ranks under each thread level, launches interleaved, medians compared.
// Writes results/thread-level/<time>.json with the machine it ran on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLAIN = join(ROOT, 'build', 'bench', 'plain_mpi');
const LAUNCHES = Number(process.env.LAUNCHES ?? 12);
const LEVELS = ['single', 'funneled', 'serialized'];
const env = {
  ...process.env,
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_pml: 'ob1',
  OMPI_MCA_btl: 'self,vader',
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];

const p50s: Record<string, number[]> = Object.fromEntries(LEVELS.map((l) => [l, []]));
for (let i = 0; i < LAUNCHES; i++)
  for (const level of i % 2 ? [...LEVELS].reverse() : LEVELS) {
    const out = execFileSync('mpirun', ['--quiet', '-np', '2', PLAIN, 'allreduce', '8', '2000', '200', '5', level], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    p50s[level].push(median((JSON.parse(out.trim().split('\n').pop() as string) as { p50_us: number[] }).p50_us));
  }
const results = LEVELS.map((level) => ({ level, median_p50_us: median(p50s[level]), launches: p50s[level] }));
for (const r of results)
  process.stdout.write(
    `MPI_THREAD_${r.level.toUpperCase().padEnd(10)} 8 B allreduce p50 ${r.median_p50_us.toFixed(3)} µs (median of ${LAUNCHES} launches)\n`,
  );
const dir = join(ROOT, 'results', 'thread-level');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const mpirun = execFileSync('mpirun', ['--version'], { encoding: 'utf8' }).split('\n')[0];
writeFileSync(
  file,
  JSON.stringify({
    benchmark: 'thread-level',
    statistic: 'median over launches of the median over 5 repetitions of the p50 per-op time',
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, kernel: release(), mpirun, loadavg: loadavg() },
    results,
  }) + '\n',
);
process.stdout.write(`written to ${file}\n`);
