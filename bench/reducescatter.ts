// npm run bench:reducescatter — does ccbench's reduce-scatter cost what it costs an MPI program?
// Open MPI allocates a temporary buffer per call, so the time depends on how glibc's malloc
// serves the calling thread (src/system/conditions.ts). On 2 ranks, sizes 256 KiB to 16 MiB:
//   - ccbench reducescatter (MPI_Reduce_scatter_block) and reducescatterv (MPI_Reduce_scatter), as
//     launched (MALLOC_ARENA_MAX=1 from its launcher);
//   - the same with MALLOC_ARENA_MAX=8 set by the user (ccbench keeps it): the engine thread gets a
//     thread arena, as every run did before ccbench set the variable;
//   - bench/overhead/plain_mpi.c's loop of the same calls on the main thread (an MPI program) and,
//     for reference, on a second thread (PLAIN_MPI_THREAD=1).
// Same iterations and warm-up, ROUNDS interleaved launches; the figure per size is the median
// over launches of each p50 and the ratio ccbench / main-thread C (target: within 5%), with each
// program's spread from launch to launch.
// Results: results/reducescatter/<time>.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, median, MPI_ENV, ROOT, saveResults } from './machine.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ITERS = 100;
const WARMUP = 10;
const SIZES = [256, 512, 1024, 2048, 4096, 8192, 16384].map((k) => k * 1024);
const PLAIN = join(ROOT, 'build', 'bench', 'plain_mpi');
const CLI = join(ROOT, 'bin', 'ccbench.js');
const ENV: NodeJS.ProcessEnv = { ...MPI_ENV };
delete ENV.MALLOC_ARENA_MAX;
const work = mkdtempSync(join(tmpdir(), 'ccbench-rs-'));
let runId = 0;

type Series = Map<number, number>; // bytes -> p50 µs

function ccbench(op: string, arena?: string): Series {
  const json = join(work, `r${runId++}.json`);
  const args = [CLI, op, '-n', '2', '--backend', 'mpi', '--quiet', '--json', json];
  args.push('--sizes', SIZES.join(','), '--iters', String(ITERS), '--warmup', String(WARMUP));
  const r = spawnSync(process.execPath, args, {
    env: arena ? { ...ENV, MALLOC_ARENA_MAX: arena } : ENV,
    stdio: 'ignore',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`ccbench ${op} failed (${r.status})`);
  const rows = (
    JSON.parse(readFileSync(json, 'utf8')) as { results: { size_bytes: number; time_us: { p50: number } }[] }
  ).results;
  return new Map(rows.map((x) => [x.size_bytes, x.time_us.p50]));
}

function plain(op: string, thread: boolean): Series {
  const out: Series = new Map();
  for (const bytes of SIZES) {
    const text = execFileSync(
      'mpirun',
      ['--quiet', '-np', '2', PLAIN, op, String(bytes), String(ITERS), String(WARMUP), '1'],
      { env: { ...ENV, PLAIN_MPI_THREAD: thread ? '1' : '0' }, encoding: 'utf8', timeout: 600_000 },
    );
    out.set(bytes, (JSON.parse(text.trim().split('\n').pop() as string) as { p50_us: number[] }).p50_us[0]);
  }
  return out;
}

function main(): void {
  const meta = machine();
  const variants: [string, () => Series][] = [];
  for (const [op, call] of [
    ['reducescatter', 'reducescatter'],
    ['reducescatterv', 'reducescatterv'],
  ] as const) {
    variants.push([`ccbench ${op}`, () => ccbench(op)]);
    variants.push([`ccbench ${op}, MALLOC_ARENA_MAX=8`, () => ccbench(op, '8')]);
    variants.push([`C ${call}, main thread`, () => plain(call, false)]);
    variants.push([`C ${call}, second thread`, () => plain(call, true)]);
  }
  const got = new Map<string, Series[]>(variants.map(([n]) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const [name, f] = variants[(k + round) % variants.length];
      got.get(name)?.push(f());
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
  }
  const each = (name: string, bytes: number) => (got.get(name) as Series[]).map((s) => s.get(bytes) as number);
  const med = (name: string, bytes: number) => median(each(name, bytes));
  // As in bench:peers: max / min over the launches. Open MPI's shared memory settles each launch in
  // a fast or a slow mode, and where the C program's own launches spread wider than the 5% band, a
  // median of a few of them cannot be held to it.
  const spread = (name: string, bytes: number) => Math.max(...each(name, bytes)) / Math.min(...each(name, bytes));
  interface Row {
    op: string;
    bytes: number;
    ccbench_p50_us: number;
    ccbench_thread_arena_p50_us: number;
    c_main_thread_p50_us: number;
    c_second_thread_p50_us: number;
    ratio: number;
    ratio_thread_arena: number;
    within_5pct: boolean;
    ccbench_launch_spread: number;
    c_main_launch_spread: number;
  }
  const table: Row[] = [];
  for (const op of ['reducescatter', 'reducescatterv'])
    for (const bytes of SIZES) {
      const c = med(`ccbench ${op}`, bytes);
      const old = med(`ccbench ${op}, MALLOC_ARENA_MAX=8`, bytes);
      const main = med(`C ${op}, main thread`, bytes);
      const thread = med(`C ${op}, second thread`, bytes);
      table.push({
        op,
        bytes,
        ccbench_p50_us: c,
        ccbench_thread_arena_p50_us: old,
        c_main_thread_p50_us: main,
        c_second_thread_p50_us: thread,
        ratio: c / main,
        ratio_thread_arena: old / main,
        within_5pct: Math.abs(c / main - 1) <= 0.05,
        ccbench_launch_spread: spread(`ccbench ${op}`, bytes),
        c_main_launch_spread: spread(`C ${op}, main thread`, bytes),
      });
    }
  const wider = (r: Row) => r.c_main_launch_spread > 1.05 / 0.95;
  console.log(
    'op               size    ccbench  (arena 8)   C main  C thread   ratio  (arena 8)   launch spread C / ccbench',
  );
  for (const r of table)
    console.log(
      `${r.op.padEnd(15)} ${String(r.bytes / 1024).padStart(5)}K ${r.ccbench_p50_us.toFixed(0).padStart(9)} ${r.ccbench_thread_arena_p50_us.toFixed(0).padStart(10)} ${r.c_main_thread_p50_us.toFixed(0).padStart(8)} ${r.c_second_thread_p50_us.toFixed(0).padStart(9)}   ${r.ratio.toFixed(3)}  (${r.ratio_thread_arena.toFixed(3)})` +
        `   ${r.c_main_launch_spread.toFixed(2)} / ${r.ccbench_launch_spread.toFixed(2)}${r.within_5pct ? '' : `  outside${wider(r) ? " (the C program's own launches spread wider)" : ''}`}`,
    );
  const raw = Object.fromEntries([...got].map(([k, v]) => [k, v.map((s) => [...s])]));
  const file = saveResults('reducescatter', {
    benchmark: 'bench:reducescatter',
    machine: meta,
    loadavg_after: loadavg(),
    rounds: ROUNDS,
    iters: ITERS,
    warmup: WARMUP,
    results: table,
    raw,
  });
  const outside = table.filter((r) => !r.within_5pct);
  console.log(
    `\n${table.length - outside.length} of ${table.length} sizes within 5%, ${outside.filter(wider).length} of the others where the C program's own launches spread wider than that; results: ${file}`,
  );
}

main();
