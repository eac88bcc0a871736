// What nccl-tests' text and -J JSON outputs share, as NVIDIA/nccl-tests v2.19.6 (a0b82b2) writes
// them (NVIDIA/nccl-tests/src/util.cu: writeDeviceReport, writeBenchmarkLine*, getFloatStr,
// writeResultFooter; NVIDIA/nccl-tests/src/common.cu: test_typenames, TimeTest): the program
// names, type names, the per-rank device line, and the run's sizes and iterations in the header.
import { expandPoints, type Point } from '../../plan/plan.js';
import type { RunMeta } from '../meta.js';
import type { ResultRow } from '../row.js';

/** nccl-tests' binary for each op; ops it has no binary for get ccbench's name. */
const PROGRAMS: Record<string, string> = {
  allreduce: 'all_reduce_perf',
  allgather: 'all_gather_perf',
  reducescatter: 'reduce_scatter_perf',
  broadcast: 'broadcast_perf',
  reduce: 'reduce_perf',
  alltoall: 'alltoall_perf',
  gather: 'gather_perf',
  scatter: 'scatter_perf',
  sendrecv: 'sendrecv_perf',
};
export const programName = (op: string) => PROGRAMS[op] ?? `ccbench_${op}`;

/** nccl-tests' type names (common.cu test_typenames); ccbench's own where they agree. */
const TYPES: Record<string, string> = {
  float16: 'half',
  float32: 'float',
  float64: 'double',
  float8e4m3: 'f8e4m3',
  float8e5m2: 'f8e5m2',
};
export const typeName = (dtype: string) => TYPES[dtype] ?? dtype;

/** printf("%*.2f") falling back to fewer decimals, then an exponent, to fit `width` (getFloatStr). */
export function floatStr(value: number, width: number): string {
  if (Number.isNaN(value)) return 'nan'.padStart(width);
  for (const d of [2, 1, 0]) {
    const s = value.toFixed(d);
    if (s.length <= width) return s.padStart(width);
  }
  return expo(value, width >= 7 ? 1 : 0).padStart(width);
}

/** printf("%.<d>e"): a signed exponent of at least two digits. */
function expo(v: number, d: number): string {
  const [m, e] = v.toExponential(d).split('e');
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

/** printf("%g"): 6 significant digits, trailing zeros dropped, an exponent below 1e-4 or from 1e6. */
export function gFormat(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const exp = Number(v.toExponential(5).split('e')[1]);
  const strip = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  if (exp < -4 || exp >= 6) {
    const [m] = expo(v, 5).split('e');
    return `${strip(m)}e${expo(v, 5).split('e')[1]}`;
  }
  return strip(v.toFixed(Math.max(0, 5 - exp)));
}

/** One rank as nccl-tests describes it: device index, PCI domain:bus:device, name. */
export interface Device {
  rank: number;
  pid: number;
  host: string;
  device: number;
  busId: string;
  name: string;
}

/** ccbench's device string ("GPU 3: NVIDIA H100 (0000:1b:00.0, sm_90, 80 GiB) via CUDA 12.4", or "host memory"). */
export function devices(meta: RunMeta, ranks: number): Device[] {
  return meta.ranks.slice(0, ranks).map((r) => {
    const gpu = /^GPU (\d+): (.*?) \(([0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2})/.exec(r.device);
    return gpu
      ? { rank: r.rank, pid: r.pid, host: r.host, device: Number(gpu[1]), busId: gpu[3].toLowerCase(), name: gpu[2] }
      : { rank: r.rank, pid: r.pid, host: r.host, device: -1, busId: 'host', name: r.device };
  });
}

/** "#  Rank %2d Group %2d Pid %6d on %10s device %2d [%s] %s" (util.cu writeDeviceReport). */
export function deviceLine(d: Device): string {
  const n = (v: number, w: number) => String(v).padStart(w);
  return `#  Rank ${n(d.rank, 2)} Group  0 Pid ${n(d.pid, 6)} on ${d.host.padStart(10)} device ${n(d.device, 2)} [${d.busId}] ${d.name}`;
}

/** The sweep of one op on one rank count, as nccl-tests' -b/-e/-f/-i, -w and -n would say it. */
export interface Sweep {
  minBytes: number;
  maxBytes: number;
  step: { factor: number } | { bytes: number } | { list: true }; // list: sizes no factor or step makes
  warmup: number;
  iters: number;
  itersVary: [number, number] | undefined; // ccbench's OSU counts change with the size
}

/** `row`: the first row (or point) of the op and rank count. */
export function sweepOf(
  meta: RunMeta,
  row: Pick<ResultRow, 'op' | 'ranks' | 'iters' | 'warmup'> & { size_bytes?: number; sizeBytes?: number },
): Sweep {
  let points: Point[] = [];
  try {
    points = expandPoints(meta.plan).filter((p) => p.op === row.op && p.ranks === row.ranks);
  } catch {
    // a plan that cannot be expanded here: the row alone
  }
  const sizes = [...new Set(points.map((p) => p.sizeBytes))].sort((a, b) => a - b);
  if (sizes.length === 0) sizes.push(row.size_bytes ?? row.sizeBytes ?? 0);
  const iters = points.length ? points.map((p) => p.iters) : [row.iters];
  const lo = Math.min(...iters);
  const hi = Math.max(...iters);
  return {
    minBytes: sizes[0],
    maxBytes: sizes[sizes.length - 1],
    step: stepOf(sizes),
    warmup: points[0]?.warmup ?? row.warmup,
    iters: iters[0],
    itersVary: lo === hi ? undefined : [lo, hi],
  };
}

function stepOf(all: number[]): Sweep['step'] {
  const sizes = all.filter((s) => s > 0); // a sweep from 0 goes on at 1 (OSU's way), then by its factor
  if (sizes.length < 2) return { factor: 2 };
  const f = sizes[1] / sizes[0];
  if (Number.isInteger(f) && f > 1 && sizes.every((s, i) => i === 0 || s === sizes[i - 1] * f)) return { factor: f };
  const d = sizes[1] - sizes[0];
  if (sizes.every((s, i) => i === 0 || s - sizes[i - 1] === d)) return { bytes: d };
  return { list: true };
}

/** NCCL_VERSION_CODE of the backend's library (nccl.h: X*10000 + Y*100 + Z from 2.9 on), else 0. */
export function ncclVersionCode(meta: RunMeta): number {
  const lib = meta.backend.name === 'rccl' ? meta.system.rccl : meta.backend.name === 'nccl' ? meta.system.nccl : null;
  const m = lib && 'version' in lib ? /^(\d+)\.(\d+)\.(\d+)/.exec(lib.version) : null;
  if (!m) return 0;
  const [x, y, z] = m.slice(1).map(Number);
  return x > 2 || (x === 2 && y >= 9) ? x * 10000 + y * 100 + z : x * 1000 + y * 100 + z;
}

/** nccl-tests' "Avg bus bandwidth": the mean busbw of every result, a 0-byte one counting as 0. */
export function averageBusBw(rows: ResultRow[]): number {
  return rows.length ? rows.reduce((s, r) => s + (r.busbw_gbs ?? 0), 0) / rows.length : 0;
}

/** nccl-tests' "Out of bounds values": how many results had wrong elements (common.cu CheckData). */
export const outOfBounds = (rows: ResultRow[]) => rows.filter((r) => (r.wrong ?? 0) > 0).length;
