// npm run bench:peers — ccbench against the OSU Micro-Benchmarks on 2 local ranks, op by op and
// size by size: OSU_DIR=<an OSU 7.x build's libexec/osu-micro-benchmarks/mpi> npm run bench:peers.
// Build OSU yourself from its public source (./configure CC=mpicc CXX=mpicxx && make install);
// nothing of it is part of ccbench.
//
// Both run with their default iteration counts (ccbench follows OSU's), under the same mpirun
// settings (ob1 / shared memory, each rank bound by mpirun), interleaved: every repetition runs
// each op once with each tool, the order flipping between repetitions, so drift over time hits
// both. Sizes map to the same bytes on the wire: OSU's size is one rank's message for allgather,
// alltoall, gather and scatter, where ccbench's column is the whole array (× ranks); for the
// others they are the same. Collectives move MPI_FLOAT (OSU -T mpi_float, ccbench float32),
// point-to-point bytes. The figure per op and size is the ratio of the medians over repetitions
// of ccbench's avg to OSU's avg (bw, bibw: OSU's MB/s turned into time per message), with the
// range of the per-repetition ratios as its spread; p50s too where OSU prints them (-z). Beside it,
// each tool's own spread from launch to launch (largest / smallest avg over repetitions): where
// OSU's own launches spread wider than the band, a median of a few launches cannot be held to it,
// and the table says so. Results and the machine go to results/peers/<time>.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, median, MPI_ENV, ROOT, saveResults } from './machine.js';

const CLI = join(ROOT, 'bin', 'ccbench.js');
const REPS = Number(process.env.REPS ?? 5);
const NP = 2;

interface Peer {
  op: string;
  osu: string; // path under OSU_DIR
  perRank: boolean; // OSU's size is one rank's message
  float: boolean; // MPI_FLOAT / float32, else bytes
  bandwidth: boolean; // OSU prints MB/s
  min: number; // smallest OSU size both can run (ccbench's chunks are whole 16-byte multiples)
  max: number;
}
const KiB = 1024;
const MiB = 1024 * KiB;
const PEERS: Peer[] = [
  { op: 'allreduce', osu: 'collective/osu_allreduce', perRank: false, float: true, bandwidth: false, min: 4, max: MiB },
  { op: 'allgather', osu: 'collective/osu_allgather', perRank: true, float: true, bandwidth: false, min: 16, max: MiB },
  {
    op: 'reducescatter',
    osu: 'collective/osu_reduce_scatter_block',
    perRank: false,
    float: true,
    bandwidth: false,
    min: 32,
    max: MiB,
  },
  {
    op: 'reducescatterv',
    osu: 'collective/osu_reduce_scatter',
    perRank: false,
    float: true,
    bandwidth: false,
    min: 32,
    max: MiB,
  },
  { op: 'broadcast', osu: 'collective/osu_bcast', perRank: false, float: true, bandwidth: false, min: 4, max: MiB },
  { op: 'reduce', osu: 'collective/osu_reduce', perRank: false, float: true, bandwidth: false, min: 4, max: MiB },
  { op: 'alltoall', osu: 'collective/osu_alltoall', perRank: true, float: true, bandwidth: false, min: 16, max: MiB },
  { op: 'gather', osu: 'collective/osu_gather', perRank: true, float: true, bandwidth: false, min: 16, max: MiB },
  { op: 'scatter', osu: 'collective/osu_scatter', perRank: true, float: true, bandwidth: false, min: 16, max: MiB },
  { op: 'barrier', osu: 'collective/osu_barrier', perRank: false, float: false, bandwidth: false, min: 0, max: 0 },
  { op: 'latency', osu: 'pt2pt/osu_latency', perRank: false, float: false, bandwidth: false, min: 1, max: 4 * MiB },
  { op: 'bw', osu: 'pt2pt/osu_bw', perRank: false, float: false, bandwidth: true, min: 1, max: 4 * MiB },
  { op: 'bibw', osu: 'pt2pt/osu_bibw', perRank: false, float: false, bandwidth: true, min: 1, max: 4 * MiB },
];

type Sample = Map<number, { avg: number; p50?: number }>; // OSU size -> µs

function sizes(p: Peer): number[] {
  if (p.max === 0) return [0];
  const out: number[] = [];
  for (let s = p.min; s <= p.max; s *= 2) out.push(s);
  return out;
}

function runOsu(dir: string, p: Peer): Sample {
  const args = ['--quiet', '-np', String(NP), join(dir, p.osu)];
  if (p.max > 0) args.push('-m', `${p.min}:${p.max}`);
  if (p.float) args.push('-T', 'mpi_float');
  if (!p.bandwidth) args.push('-z');
  const out = execFileSync('mpirun', args, { env: MPI_ENV, encoding: 'utf8', timeout: 600_000 });
  const res: Sample = new Map();
  for (const line of out.split('\n')) {
    const cells = line.trim().split(/\s+/).map(Number);
    if (line.startsWith('#') || cells.length < 1 || cells.some((c) => !Number.isFinite(c)) || !line.trim()) continue;
    if (p.max === 0) {
      // barrier: Avg Min Max Iterations P50 P90 P99
      res.set(0, { avg: cells[0], p50: cells[4] });
    } else if (p.bandwidth) {
      // bytes / (MB/s) = µs per message; osu_bibw counts the bytes of both directions, so one
      // message each way (ccbench's bibw sample) took twice that.
      res.set(cells[0], { avg: ((p.op === 'bibw' ? 2 : 1) * cells[0]) / cells[1] });
    } else {
      // Size Avg [P50 P90 P99]
      res.set(cells[0], { avg: cells[1], p50: cells[2] });
    }
  }
  return res;
}

let runId = 0;
const work = mkdtempSync(join(tmpdir(), 'ccbench-peers-'));

function runCcbench(p: Peer): Sample {
  const osuSizes = sizes(p);
  const json = join(work, `run-${runId++}.json`);
  const args = [CLI, p.op, '-n', String(NP), '--backend', 'mpi', '--launcher', 'mpirun', '--quiet', '--json', json];
  if (p.max > 0) args.push('--sizes', osuSizes.map((s) => (p.perRank ? s * NP : s)).join(','));
  args.push('--dtype', p.float ? 'float32' : 'int8');
  execFileSync(process.execPath, args, { env: MPI_ENV, stdio: 'ignore', timeout: 600_000 });
  const rows = (
    JSON.parse(readFileSync(json, 'utf8')) as {
      results: { size_bytes: number; time_us: { avg: number; p50: number } }[];
    }
  ).results;
  const res: Sample = new Map();
  for (const r of rows) {
    const osuSize = p.max === 0 ? 0 : p.perRank ? r.size_bytes / NP : r.size_bytes;
    res.set(osuSize, { avg: r.time_us.avg, p50: r.time_us.p50 });
  }
  return res;
}

function main(): void {
  const dir = process.env.OSU_DIR;
  if (!dir || !existsSync(join(dir, 'collective', 'osu_allreduce'))) {
    console.error(
      'bench:peers needs OSU_DIR=<an OSU 7.x build>/libexec/osu-micro-benchmarks/mpi (build it from its public source with CC=mpicc)',
    );
    process.exit(2);
  }
  const meta = machine();
  const only = process.env.OPS?.split(',');
  const peers = PEERS.filter((p) => !only || only.includes(p.op));
  const raw: Record<string, Record<'osu' | 'ccbench', [number, { avg: number; p50?: number }][][]>> = {};
  for (const p of peers) raw[p.op] = { osu: [], ccbench: [] };
  for (let rep = 0; rep < REPS; rep++)
    for (const p of peers) {
      const pair = rep % 2 === 0 ? (['osu', 'ccbench'] as const) : (['ccbench', 'osu'] as const);
      for (const tool of pair) {
        const s = tool === 'osu' ? runOsu(dir, p) : runCcbench(p);
        raw[p.op][tool].push([...s]);
      }
      process.stderr.write(`rep ${rep + 1}/${REPS} ${p.op} done\n`);
    }

  interface Compared {
    op: string;
    osu_size: number;
    ccbench_size: number;
    ccbench_avg_us: number;
    osu_avg_us: number;
    ratio_avg: number;
    ratio_avg_range: number[];
    ratio_p50: number | null;
    osu_launch_spread: number; // max / min of OSU's avg over the repetitions
    ccbench_launch_spread: number;
    target: number[];
    within: boolean;
  }
  const table: Compared[] = [];
  for (const p of peers) {
    for (const size of sizes(p)) {
      const get = (tool: 'osu' | 'ccbench', k: 'avg' | 'p50') =>
        raw[p.op][tool].map((rep) => new Map(rep).get(size)?.[k]).filter((v): v is number => v !== undefined);
      const co = get('ccbench', 'avg');
      const oo = get('osu', 'avg');
      if (co.length !== REPS || oo.length !== REPS) continue;
      const perRep = co.map((c, i) => c / oo[i]);
      const cp = get('ccbench', 'p50');
      const op50 = get('osu', 'p50');
      const bytes = p.perRank ? size * NP : size;
      const ratio = median(co) / median(oo);
      const band = bytes >= 4 * KiB ? [0.95, 1.05] : [0.9, 1.1];
      table.push({
        op: p.op,
        osu_size: size,
        ccbench_size: bytes,
        ccbench_avg_us: median(co),
        osu_avg_us: median(oo),
        ratio_avg: ratio,
        ratio_avg_range: [Math.min(...perRep), Math.max(...perRep)],
        ratio_p50: cp.length === REPS && op50.length === REPS ? median(cp) / median(op50) : null,
        osu_launch_spread: Math.max(...oo) / Math.min(...oo),
        ccbench_launch_spread: Math.max(...co) / Math.min(...co),
        target: band,
        within: ratio >= band[0] && ratio <= band[1],
      });
    }
  }
  // The band's own width: OSU's launches spreading wider than it cannot settle it.
  const wider = (r: Compared) => r.osu_launch_spread > r.target[1] / r.target[0];
  console.log(
    'op              OSU size   ccbench avg   OSU avg   ratio   (per-rep range)   p50 ratio   launch spread OSU / ccbench',
  );
  for (const r of table)
    console.log(
      `${r.op.padEnd(15)} ${String(r.osu_size).padStart(9)} ${r.ccbench_avg_us.toFixed(2).padStart(12)} ${r.osu_avg_us.toFixed(2).padStart(9)}   ` +
        `${r.ratio_avg.toFixed(3)}   (${r.ratio_avg_range.map((x) => x.toFixed(3)).join('–')})   ${r.ratio_p50 === null ? '-' : r.ratio_p50.toFixed(3)}` +
        `   ${r.osu_launch_spread.toFixed(2)} / ${r.ccbench_launch_spread.toFixed(2)}` +
        `${r.within ? '' : `  outside ${r.target.join('–')}${wider(r) ? " (OSU's own launches spread wider)" : ''}`}`,
    );
  const file = saveResults('peers', {
    benchmark: 'bench:peers',
    machine: meta,
    osu_dir: dir,
    reps: REPS,
    ranks: NP,
    mpi_env: { OMPI_MCA_pml: 'ob1', OMPI_MCA_btl: 'self,vader' },
    loadavg_after: loadavg(),
    results: table,
    raw,
  });
  const outside = table.filter((r) => !r.within);
  console.log(
    `\n${table.length} sizes, ${outside.length} outside their band, ${outside.filter(wider).length} of them where OSU's own launches spread wider than the band; results: ${file}`,
  );
}

main();
