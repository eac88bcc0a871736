// npm run bench:overhead — ccbench against a minimal plain-C MPI loop (bench/overhead/plain_mpi.c)
// on 2 ranks: 8 B and 4 MiB allreduce and ping-pong. Targets: ccbench's median per-op time within
// 3% of plain C's at 8 B and within 2% at 4 MiB.
//
// Shared machines are noisy between launches and over time, so the comparison is built to see
// through that: many launches of each, interleaved (the order flips every round), each launch
// measuring several short repetitions (ccbench --repeat; the same in plain C). The statistic is
// the median over all repetitions of the per-repetition p50; the ratio's 95% interval comes from
// a bootstrap over launches. Where the machine's noise is wider than the targets, the interval
// says so. Alongside, bench/overhead/engine_loop.cc measures the engine's own cost per op inside
// one process (no MPI noise), and that is set against the measured times.
// Figures and machine metadata go to results/overhead/<time>.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, MPI_ENV } from './machine.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLAIN = join(ROOT, 'build', 'bench', 'plain_mpi');
const ENGINE_LOOP = join(ROOT, 'build', 'bench', 'engine_loop');
const CLI = join(ROOT, 'bin', 'ccbench.js');
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const REPS = Number(process.env.REPS ?? 10);

interface Case {
  name: string;
  op: 'allreduce' | 'latency';
  plainOp: string;
  bytes: number;
  iters: number;
  warmup: number;
  target: number;
}
const CASES: Case[] = [
  { name: 'allreduce 8 B', op: 'allreduce', plainOp: 'allreduce', bytes: 8, iters: 2000, warmup: 200, target: 0.03 },
  {
    name: 'allreduce 4 MiB',
    op: 'allreduce',
    plainOp: 'allreduce',
    bytes: 4 << 20,
    iters: 40,
    warmup: 4,
    target: 0.02,
  },
  { name: 'ping-pong 8 B', op: 'latency', plainOp: 'pingpong', bytes: 8, iters: 2000, warmup: 200, target: 0.03 },
  { name: 'ping-pong 4 MiB', op: 'latency', plainOp: 'pingpong', bytes: 4 << 20, iters: 40, warmup: 4, target: 0.02 },
];

// Both sides run under the mpirun settings ccbench's launcher picks for a local run (MPI_ENV).
const work = mkdtempSync(join(tmpdir(), 'ccbench-overhead-'));
let runId = 0;

/** One launch of the plain-C loop: the p50 of each repetition. */
function plain(c: Case): number[] {
  const out = execFileSync(
    'mpirun',
    ['--quiet', '-np', '2', PLAIN, c.plainOp, String(c.bytes), String(c.iters), String(c.warmup), String(REPS)],
    { env: MPI_ENV, encoding: 'utf8', timeout: 300_000 },
  );
  return (JSON.parse(out.trim().split('\n').pop() as string) as { p50_us: number[] }).p50_us;
}

/** One launch of ccbench: the p50 of each --repeat cycle. */
function ccbench(c: Case): number[] {
  const json = join(work, `run-${runId++}.json`);
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      c.op,
      '--sizes',
      String(c.bytes),
      '-n',
      '2',
      '--iters',
      String(c.iters),
      '--warmup',
      String(c.warmup),
      '--repeat',
      String(REPS),
      '--max-time-per-size',
      '0',
      '--quiet',
      '--json',
      json,
    ],
    { env: MPI_ENV, encoding: 'utf8', timeout: 300_000 },
  );
  if (r.status !== 0) throw new Error(`ccbench failed: ${r.stderr}`);
  return (JSON.parse(readFileSync(json, 'utf8')) as { results: { time_us: { p50: number } }[] }).results.map(
    (x) => x.time_us.p50,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1];

/** 95% interval of median(a)/median(b), resampling whole launches (each a list of repetitions). */
function bootstrapRatio(a: number[][], b: number[][], n = 2000): [number, number] {
  let seed = 12345; // deterministic: the same data gives the same interval
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (xs: number[][]) => Array.from({ length: xs.length }, () => xs[Math.floor(rand() * xs.length)]).flat();
  const ratios = Array.from({ length: n }, () => median(pick(a)) / median(pick(b))).sort((x, y) => x - y);
  return [ratios[Math.floor(0.025 * n)], ratios[Math.floor(0.975 * n)]];
}

for (const exe of [PLAIN, ENGINE_LOOP])
  if (!existsSync(exe)) {
    process.stderr.write(`bench:overhead: ${exe} is missing; build with MPI first (npm run build:native)\n`);
    process.exit(2);
  }
const meta = machine();
process.stdout.write(
  `ccbench overhead vs plain C MPI: 2 ranks, ${ROUNDS} interleaved launches of each × ${REPS} repetitions, on ${meta.cpu} (${meta.cores} cores)\n`,
);
const launches = CASES.map(() => ({ ccbench: [] as number[][], plain: [] as number[][] }));
for (let round = 0; round < ROUNDS; round++) {
  CASES.forEach((c, i) => {
    const order = round % 2 === 0 ? (['plain', 'ccbench'] as const) : (['ccbench', 'plain'] as const);
    for (const who of order) launches[i][who].push(who === 'plain' ? plain(c) : ccbench(c));
  });
  if ((round + 1) % 5 === 0) process.stdout.write(`  ${round + 1}/${ROUNDS} rounds\n`);
}

const engine = JSON.parse(execFileSync(ENGINE_LOOP, { encoding: 'utf8' })) as {
  engine_ns: number;
  bare_ns: number;
  overhead_ns: number;
};

const results = CASES.map((c, i) => {
  const cc = median(launches[i].ccbench.flat());
  const pl = median(launches[i].plain.flat());
  const ratio = cc / pl;
  const [lo, hi] = bootstrapRatio(launches[i].ccbench, launches[i].plain);
  return {
    case: c.name,
    bytes: c.bytes,
    iters: c.iters,
    warmup: c.warmup,
    ccbench_p50_us: cc,
    plain_p50_us: pl,
    ratio,
    ratio_ci95: [lo, hi],
    target: `within ${c.target * 100}%`,
    met: Math.abs(ratio - 1) <= c.target,
    resolved: hi - lo <= 2 * c.target,
    engine_overhead_pct: (engine.overhead_ns / 1e3 / pl) * 100,
    launches: launches[i],
  };
});
process.stdout.write(
  `\n${'case'.padEnd(17)}${'ccbench p50 (us)'.padStart(17)}${'plain C p50 (us)'.padStart(17)}${'ratio'.padStart(8)}${'95% interval'.padStart(16)}${'engine cost'.padStart(13)}  target\n`,
);
for (const r of results) {
  const verdict = !r.resolved
    ? `interval wider than ±${r.target.slice(7)}: noise, not resolved`
    : r.met
      ? 'met'
      : 'MISSED';
  process.stdout.write(
    `${r.case.padEnd(17)}${r.ccbench_p50_us.toFixed(3).padStart(17)}${r.plain_p50_us.toFixed(3).padStart(17)}` +
      `${r.ratio.toFixed(3).padStart(8)}${`${r.ratio_ci95[0].toFixed(3)}–${r.ratio_ci95[1].toFixed(3)}`.padStart(16)}` +
      `${`${r.engine_overhead_pct.toFixed(3)}%`.padStart(13)}  ${r.target}: ${verdict}\n`,
  );
}
process.stdout.write(
  `\nengine loop, in one process: ${engine.engine_ns.toFixed(2)} ns per op vs ${engine.bare_ns.toFixed(2)} ns for the bare clock loop: ` +
    `${engine.overhead_ns.toFixed(2)} ns per op is ccbench's own cost ("engine cost" above, as a share of plain C's p50)\n`,
);

const outDir = join(ROOT, 'results', 'overhead');
mkdirSync(outDir, { recursive: true });
const file = join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  JSON.stringify({
    benchmark: 'overhead',
    rounds: ROUNDS,
    reps: REPS,
    statistic:
      'median over launches × repetitions of the per-repetition p50 per-op time (slowest rank per iteration, nearest rank)',
    machine: { ...meta, loadavg_after: loadavg() },
    engine_loop: engine,
    results,
  }) + '\n',
);
process.stdout.write(`\nwritten to ${file}\n`);
