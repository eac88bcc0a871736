// npm run bench:replay — what ccbench replay adds per entry beyond the op itself (target: < 2 µs).
// Two measures, on MPI ranks of this machine:
//  1. the runner's own: an iteration's time minus the sum of its entries' times, per entry, on
//     the 10,000-entry synthetic PARAM trace (scripts/synth-trace.mjs: sub-groups, alltoallv
//     splits, send/recv pairs, compute gaps) — what the loop costs between timed entries;
//  2. against the op alone: a trace of 10,000 allreduce of 8 B on the world, its replayed time per
//     entry (iteration time / entries: timers, prepare checks, loop) next to ccbench allreduce 8 B
//     with the same ops back to back (--timing batch: nccl-tests' loop, one timer around all).
// ROUNDS interleaved launches of each; the medians and the difference per entry.
// Results: results/replay/<time>.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, median, MPI_ENV, ROOT, saveResults } from './machine.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ENTRIES = 10_000;
const RANKS = 2; // the uniform trace and the op alone
const SYNTH_RANKS = 4; // the synthetic trace's blocks of 2 and data-parallel groups need a multiple of 4
const ITERATIONS = 3;
const CLI = join(ROOT, 'bin', 'ccbench.js');
const work = mkdtempSync(join(tmpdir(), 'ccbench-replay-bench-'));
let runId = 0;

interface ReplayDoc {
  overhead_us_per_entry: { mean: number };
  step: { wall_us: number; comm_us: { mean: number } };
}
interface RunDoc {
  results: { time_us: { avg: number } }[];
}
interface Replayed {
  overhead_us_per_entry: number;
  wall_us_per_entry: number;
  entry_us: number;
}

function ccbench<T>(args: string[]): T {
  const json = join(work, `r${runId++}.json`);
  const r = spawnSync(process.execPath, [CLI, ...args, '--backend', 'mpi', '--quiet', '--json', json], {
    env: MPI_ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`ccbench ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(readFileSync(json, 'utf8')) as T;
}

// 1. the synthetic trace
const synth = join(work, 'synth');
execFileSync(process.execPath, [
  join(ROOT, 'scripts', 'synth-trace.mjs'),
  'param',
  synth,
  '--ranks',
  String(SYNTH_RANKS),
  '--entries',
  String(ENTRIES),
]);
// 2. the same op 10,000 times, on the world
const uniform = join(work, 'uniform');
mkdirSync(uniform);
for (let r = 0; r < RANKS; r++) {
  const e = {
    comms: 'all_reduce',
    in_msg_size: 2,
    out_msg_size: 2,
    dtype: 'Float',
    global_ranks: [...Array(RANKS).keys()],
    pg_id: 0,
  };
  writeFileSync(join(uniform, `${r}.json`), JSON.stringify(Array.from({ length: ENTRIES }, () => e)));
}

const rounds: { synth: Replayed; uniform: Replayed; alone: number }[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const replay = (dir: string): Replayed => {
    const d = ccbench<ReplayDoc>(['replay', dir, '--iterations', String(ITERATIONS)]);
    return {
      overhead_us_per_entry: d.overhead_us_per_entry.mean,
      wall_us_per_entry: d.step.wall_us / ENTRIES,
      entry_us: d.step.comm_us.mean / ENTRIES,
    };
  };
  const s = replay(synth);
  const u = replay(uniform);
  const a = ccbench<RunDoc>([
    'allreduce',
    '-n',
    String(RANKS),
    '--sizes',
    '8',
    '--iters',
    String(ENTRIES),
    '--warmup',
    '1000',
    '--timing',
    'batch',
  ]).results[0].time_us.avg as number;
  rounds.push({ synth: s, uniform: u, alone: a });
  process.stderr.write(
    `round ${i + 1}/${ROUNDS}: synthetic ${s.overhead_us_per_entry.toFixed(3)} µs/entry between entries; ` +
      `uniform ${u.wall_us_per_entry.toFixed(3)} µs/entry vs allreduce alone ${a.toFixed(3)} µs\n`,
  );
}

const m = (f: (r: (typeof rounds)[0]) => number) => median(rounds.map(f));
const summary = {
  synthetic_overhead_us_per_entry: m((r) => r.synth.overhead_us_per_entry),
  uniform_replay_us_per_entry: m((r) => r.uniform.wall_us_per_entry),
  uniform_entry_us: m((r) => r.uniform.entry_us),
  allreduce_alone_us: m((r) => r.alone),
  added_us_per_entry: m((r) => r.uniform.wall_us_per_entry - r.alone),
  target_us: 2,
};
const file = saveResults('replay', {
  bench: 'replay',
  machine: machine(),
  loadavg_after: loadavg(),
  setup: {
    ranks: RANKS,
    synthetic_ranks: SYNTH_RANKS,
    entries: ENTRIES,
    iterations: ITERATIONS,
    rounds: ROUNDS,
    backend: 'mpi',
  },
  rounds,
  summary,
});
process.stdout.write(
  `replay overhead (MPI ranks, ${ENTRIES} entries, median of ${ROUNDS}):\n` +
    `  synthetic trace (${SYNTH_RANKS} ranks): ${summary.synthetic_overhead_us_per_entry.toFixed(3)} µs per entry between timed entries\n` +
    `  allreduce 8 B × ${ENTRIES} (${RANKS} ranks): replay ${summary.uniform_replay_us_per_entry.toFixed(3)} µs per entry, ` +
    `the op alone (batch) ${summary.allreduce_alone_us.toFixed(3)} µs: +${summary.added_us_per_entry.toFixed(3)} µs ` +
    `(target < ${summary.target_us})\n  ${file}\n`,
);
