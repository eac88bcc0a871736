// npm run bench:startup — what one launch of ccbench costs above the smallest MPI program:
// `ccbench allreduce --sizes 8:8 -n 2` (as typed: the commander plans, mpirun starts two ranks,
// each joins, runs one size and finalizes) against `mpirun -np 2` of bench/startup/hello_mpi.c,
// and `node -e 0` for Node's own start (also without $NODE_EXTRA_CA_CERTS, where it is set). ROUNDS interleaved launches of each (the order rotates
// every round); the figure is the difference of the medians, with the interquartile ranges.
// Then TRACED launches with CCBENCH_TRACE_STARTUP=1 split ccbench's time into its phases
// (src/trace.ts): the median of each phase's end, from the commander's start.
// BASE_CLI=<another checkout's bin/ccbench.js> adds that tree as one more variant (before/after).
// Target: ccbench's overhead over the C hello under 0.25 s. Results: results/startup/<time>.json.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { machine, ROOT, saveResults } from './machine.js';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const TRACED = Number(process.env.TRACED ?? 5);
const HELLO = join(ROOT, 'build', 'bench', 'hello_mpi');
const CLI = join(ROOT, 'bin', 'ccbench.js');
const ENV: NodeJS.ProcessEnv = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
// mpirun as ccbench starts it for a local run: shared memory, quiet.
const MPI_ENV = { ...ENV, OMPI_MCA_pml: 'ob1', OMPI_MCA_btl: 'self,vader' };
const ARGS = ['allreduce', '--sizes', '8:8', '-n', '2'];

interface Variant {
  name: string;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}
// ccbench runs as typed: the bin file itself, so its #! line applies as it does for a user.
const variants: Variant[] = [
  { name: 'mpirun -np 2 hello_mpi', file: 'mpirun', args: ['--quiet', '-np', '2', HELLO], env: MPI_ENV },
  { name: 'ccbench allreduce --sizes 8:8 -n 2', file: CLI, args: ARGS, env: ENV },
  { name: 'node -e 0', file: process.execPath, args: ['-e', '0'], env: ENV },
  { name: 'node bin/ccbench.js allreduce --sizes 8:8 -n 2', file: process.execPath, args: [CLI, ...ARGS], env: ENV },
];
// Node parses $NODE_EXTRA_CA_CERTS at every start (src/system/conditions.ts): its cost, where set.
if (ENV.NODE_EXTRA_CA_CERTS)
  variants.push({
    name: 'node -e 0, NODE_EXTRA_CA_CERTS unset',
    file: process.execPath,
    args: ['-e', '0'],
    env: { ...ENV, NODE_EXTRA_CA_CERTS: undefined },
  });
if (process.env.BASE_CLI)
  variants.push({ name: `base: ${process.env.BASE_CLI}`, file: process.env.BASE_CLI, args: ARGS, env: ENV });

function launch(v: Variant, extraEnv: NodeJS.ProcessEnv = {}): { ms: number; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(v.file, v.args, { env: { ...v.env, ...extraEnv }, encoding: 'utf8', timeout: 120_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${v.name} failed (${r.status}): ${r.stderr}`);
  return { ms, stderr: r.stderr };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
};

/** Phase name -> ms from the commander's start, one launch. */
function phases(stderr: string): Map<string, number> {
  const rows = stderr
    .split('\n')
    .filter((l) => l.startsWith('ccbench-trace '))
    .map((l) => {
      const p = l.split(' ');
      return { role: p[1], phase: p.slice(3, -2).join(' '), epoch: Number(p.at(-2)), since: Number(p.at(-1)) };
    });
  const commander = rows.find((r) => r.role === 'commander');
  const out = new Map<string, number>();
  if (!commander) return out;
  const t0 = commander.epoch - commander.since;
  const rankStart = Math.max(...rows.filter((r) => r.role.startsWith('rank')).map((r) => r.epoch - r.since));
  out.set('ranks started (last of them)', rankStart - t0);
  for (const r of rows) {
    // Per phase, the last process to reach it (ranks wait for each other).
    const key = `${r.role.startsWith('rank') ? 'ranks' : 'commander'}: ${r.phase}`;
    out.set(key, Math.max(out.get(key) ?? 0, r.epoch - t0));
  }
  return out;
}

function main(): void {
  const meta = machine();
  for (const v of variants) launch(v); // warm the page cache
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + round) % variants.length];
      times.get(v.name)?.push(launch(v).ms);
    }
  const traced: Map<string, number>[] = [];
  for (let i = 0; i < TRACED; i++) traced.push(phases(launch(variants[1], { CCBENCH_TRACE_STARTUP: '1' }).stderr));

  const summary = variants.map((v) => {
    const t = times.get(v.name) as number[];
    return {
      variant: v.name,
      median_ms: quantile(t, 0.5),
      q1_ms: quantile(t, 0.25),
      q3_ms: quantile(t, 0.75),
      runs: t,
    };
  });
  const hello = summary[0].median_ms;
  const ccb = summary[1].median_ms;
  const keys = [...new Set(traced.flatMap((m) => [...m.keys()]))];
  const breakdown = keys
    .map((k) => ({ phase: k, median_ms: quantile(traced.map((m) => m.get(k) ?? NaN).filter(Number.isFinite), 0.5) }))
    .sort((a, b) => a.median_ms - b.median_ms);
  for (const s of summary)
    console.log(
      `${s.variant.padEnd(40)} median ${s.median_ms.toFixed(0).padStart(5)} ms  (IQR ${s.q1_ms.toFixed(0)}–${s.q3_ms.toFixed(0)})`,
    );
  console.log(`\nccbench over the C hello: ${(ccb - hello).toFixed(0)} ms (target < 250 ms)`);
  const base = summary.find((s) => s.variant.startsWith('base: '));
  if (base) console.log(`base over the C hello: ${(base.median_ms - hello).toFixed(0)} ms`);
  console.log('\nphases of ccbench (median over traced launches, ms from the commander start):');
  for (const b of breakdown) console.log(`  ${b.median_ms.toFixed(0).padStart(5)}  ${b.phase}`);
  const file = saveResults('startup', {
    benchmark: 'bench:startup',
    machine: meta,
    loadavg_after: loadavg(),
    rounds: ROUNDS,
    command: ['ccbench', ...ARGS],
    node_extra_ca_certs: ENV.NODE_EXTRA_CA_CERTS ?? null,
    summary,
    overhead_ms: ccb - hello,
    target_ms: 250,
    phases: breakdown,
  });
  console.log(`\nresults: ${file}`);
}

main();
