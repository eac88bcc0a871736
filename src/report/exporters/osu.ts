// The OSU Micro-Benchmarks' output, for the scripts that read it: per op and rank count a
// preamble ("# OSU MPI Allreduce Latency Test v7.4"), per datatype "# Datatype: MPI_FLOAT." and
// the column header, then one "%-10d%20.2f..." line per size. Layout of OMB 7.4
// (osu-micro-benchmarks-7.4 c/util/osu_util.h HEADER, FIELD_WIDTH 20, FLOAT_PRECISION 2;
// c/util/osu_util_mpi.c print_preamble, print_only_header, print_stats(_validate);
// c/mpi/pt2pt/standard/osu_latency.c, osu_bw.c, osu_bibw.c; c/mpi/collective/blocking/osu_*.c).
//  - latency: "# Size", "Avg Latency(us)" (one-way); bw, bibw: "Bandwidth (MB/s)", MB = 1e6 B;
//  - collectives: "Avg Latency(us)" and -f's "Min Latency(us)", "Max Latency(us)", "Iterations";
//    barrier has no size column (osu_barrier sets show_size = 0);
//  - with --check: "Validation" (Pass / Fail); latency and collectives add -z's default tail
//    columns "P50 Tail Lat(us)", "P90 ...", "P99 ..." (ccbench's p50 / p90 / p99).
// Sizes are OSU's: per rank for allgather, gather, scatter, per peer for alltoall (the count
// passed to the call), the whole array for reducescatter and the others.
import { findDtype } from '../../plan/dtypes.js';
import { VERSION } from '../../paths.js';
import { tableTitle, type RunMeta } from '../meta.js';
import type { ResultRow } from '../row.js';
import { TextSink, type ExporterDef } from './exporter.js';

const FIELD_WIDTH = 20;

const NAMES: Record<string, string> = {
  latency: 'Latency',
  bw: 'Bandwidth',
  bibw: 'Bi-Directional Bandwidth',
  allreduce: 'Allreduce Latency',
  allgather: 'Allgather Latency',
  alltoall: 'All-to-All Personalized Exchange Latency',
  broadcast: 'Broadcast Latency',
  reduce: 'Reduce Latency',
  reducescatter: 'Reduce_scatter Latency',
  gather: 'Gather Latency',
  scatter: 'Scatter Latency',
  barrier: 'Barrier Latency',
  sendrecv: 'Sendrecv Ring Latency', // no OSU benchmark: ccbench's ring, in the same layout
};

const MPI_TYPES: Record<string, string> = {
  int8: 'MPI_CHAR',
  uint8: 'MPI_UNSIGNED_CHAR',
  int32: 'MPI_INT',
  uint32: 'MPI_UNSIGNED',
  int64: 'MPI_INT64_T',
  uint64: 'MPI_UINT64_T',
  float32: 'MPI_FLOAT',
  float64: 'MPI_DOUBLE',
};

const PER_RANK = new Set(['allgather', 'gather', 'scatter', 'alltoall']);
const isBw = (op: string) => op === 'bw' || op === 'bibw';
const isPt2pt = (op: string) => op === 'latency' || isBw(op);

/** The size OSU prints for this row. */
export function osuSize(r: ResultRow): number {
  return PER_RANK.has(r.op) ? r.count * (findDtype(r.dtype)?.size ?? 1) : r.size_bytes;
}

/** "# OSU MPI-CUDA Latency Test v7.4": the library, and where the buffers are. */
export function preamble(meta: RunMeta, r: ResultRow): string[] {
  const b = meta.backend.name;
  const lib = b === 'mpi' ? 'MPI' : b === 'nccl' ? 'NCCL' : b === 'rccl' ? 'RCCL' : 'Gloo';
  const accel =
    meta.plan.mem !== 'device' ? '' : b === 'rccl' || /HIP|ROCm/i.test(meta.backend.device) ? '-ROCM' : '-CUDA';
  const title = tableTitle(meta, r.op, r.ranks, r.in_place, r.cycle).replace(/^#\s*/, '');
  return [
    '',
    `# OSU ${lib}${accel} ${NAMES[r.op] ?? r.op} Test v7.4`,
    `# ccbench ${VERSION} in OSU 7.4's layout: ${title}`,
  ];
}

/** -z's tail columns: for latencies (OSU's bw tail is per-iteration bandwidth, which ccbench has not). */
const tail = (r: ResultRow) => !isBw(r.op);

export function headerLine(r: ResultRow, meta: RunMeta): string {
  const w = (s: string, n = FIELD_WIDTH) => s.padStart(n);
  let h =
    r.op === 'barrier'
      ? '# Avg Latency(us)'
      : '# Size'.padEnd(10) + w(isBw(r.op) ? 'Bandwidth (MB/s)' : 'Avg Latency(us)');
  if (!isPt2pt(r.op)) h += w('Min Latency(us)') + w('Max Latency(us)') + w('Iterations', 12);
  if (meta.plan.check) h += w('Validation');
  if (tail(r))
    for (const p of [50, 90, 99])
      h += `${' '.repeat(FIELD_WIDTH - 'Px Tail Lat(us)'.length - (p > 9 ? 1 : 0))}P${p} Tail Lat(us)`;
  return h;
}

export function rowLine(r: ResultRow, meta: RunMeta): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'nan').padStart(FIELD_WIDTH);
  const t = r.time_us;
  const value = isBw(r.op) ? (r.algbw_gbs ?? 0) * 1000 : t.avg; // GB/s · 1000 = MB/s
  let line =
    r.op === 'barrier'
      ? (Number.isFinite(t.avg) ? t.avg.toFixed(2) : 'nan').padStart(17)
      : `${String(osuSize(r)).padEnd(10)}${f(value)}`;
  if (!isPt2pt(r.op)) line += f(t.min) + f(t.max) + String(r.iters).padStart(12);
  if (meta.plan.check) line += (r.wrong ? 'Fail' : 'Pass').padStart(FIELD_WIDTH);
  if (tail(r)) line += f(t.p50) + f(t.p90) + f(t.p99);
  return line;
}

export const osuExporter: ExporterDef = {
  name: 'osu',
  summary: "OSU's output: # Size  Avg Latency(us) ... per benchmark, MB/s for bw, bibw",
  extensions: [],
  create(meta, target) {
    const sink = new TextSink(target);
    let block = '';
    let series = '';
    return {
      open: () => sink.open(),
      add(row) {
        const b = `${row.op}/${row.ranks}/${row.in_place}/${row.cycle}`;
        const lines: string[] = [];
        if (b !== block) {
          block = b;
          series = '';
          lines.push(...preamble(meta, row));
        }
        const s = `${row.dtype}/${row.redop}`;
        if (s !== series) {
          series = s;
          if (row.op !== 'barrier') lines.push(`# Datatype: ${MPI_TYPES[row.dtype] ?? row.dtype}.`);
          if (row.redop !== 'none') lines.push(`# ccbench: reduction ${row.redop}`);
          lines.push(headerLine(row, meta));
        }
        sink.write([...lines, rowLine(row, meta)].join('\n') + '\n');
      },
      close: () => sink.close(),
    };
  },
};
