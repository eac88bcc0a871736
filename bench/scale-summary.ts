// bench:scale's figures from its processes' reports (bench/scale-rank.ts): per repetition, then
// median and range over the repetitions. Times in ms on CLOCK_MONOTONIC, which every namespace
// host shares, so rank 0's and the other processes' instants compare directly.
import { median } from './machine.js';

interface Mem {
  rss_mib: number;
  heap_used_mib: number;
  external_mib: number;
  fds: number;
  sockets: number;
  max_rss_mib?: number;
}

export interface Rep {
  zero: {
    listenedAt: number;
    joinedAt: number;
    rendezvous_ms: number;
    before: Mem;
    joined: Mem;
    after: Mem;
    t: Record<'bcast' | 'barrier' | 'gather' | 'combine' | 'allgather', number[]>;
    idleCpuMs?: number;
    pointSamples: number[];
    pointBytes: number[];
    rowBytes: number;
    samplesPerRank: number;
  };
  hosts: { host: string; gotPort: number; connectedAt: number[]; rss_mib: number; max_rss_mib: number }[];
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/** The longest pause between successive instants. */
function maxGap(ts: number[]): number {
  const s = [...ts].sort((x, y) => x - y);
  return s.slice(1).reduce((g, t, i) => Math.max(g, t - s[i]), 0);
}

/** One repetition's figures. */
export function figures(r: Rep, idleMs = NaN): Record<string, number> {
  const z = r.zero;
  const connect = r.hosts.flatMap((h) => h.connectedAt.map((t) => t - z.listenedAt));
  const most = Math.max(...z.pointSamples);
  const small = z.t.gather.filter((_, i) => z.pointSamples[i] === most);
  const large = z.t.gather.filter((_, i) => z.pointSamples[i] !== most);
  return {
    rendezvous_ms: z.rendezvous_ms,
    relay_ms: Math.max(...r.hosts.map((h) => h.gotPort)) - z.listenedAt, // the driver passing the port on
    connect_p50_ms: q(connect, 0.5),
    connect_p90_ms: q(connect, 0.9),
    connect_max_ms: Math.max(...connect),
    connect_over_1s: connect.filter((t) => t > 1000).length, // late: a busy machine, or a SYN retransmit
    connect_gap_max_ms: maxGap(connect), // a dropped SYN's signature: a pause of ~1 s minus the burst
    join_allgather_ms: z.joinedAt - Math.max(...connect.map((t) => t + z.listenedAt)),
    allgather_ms: median(z.t.allgather),
    bcast_plan_ms: median(z.t.bcast),
    barrier_ms: median(z.t.barrier),
    barrier_p90_ms: q(z.t.barrier, 0.9),
    idle_cpu_percent: z.idleCpuMs === undefined ? NaN : (100 * z.idleCpuMs) / idleMs, // heartbeats in and out
    sweep_gather_ms: sum(z.t.gather),
    sweep_combine_ms: sum(z.t.combine),
    point_gather_ms_most_samples: median(small),
    point_gather_ms_fewest_samples: large.length ? median(large) : NaN,
    point_combine_ms_most_samples: median(z.t.combine.filter((_, i) => z.pointSamples[i] === most)),
    sweep_bytes: sum(z.pointBytes),
    point_bytes_max: Math.max(...z.pointBytes),
    rows_json_bytes: z.rowBytes,
    samples_per_rank: z.samplesPerRank,
    rank0_rss_before_mib: z.before.rss_mib,
    rank0_rss_joined_mib: z.joined.rss_mib,
    rank0_rss_after_mib: z.after.rss_mib,
    rank0_max_rss_mib: z.after.max_rss_mib ?? NaN,
    rank0_heap_joined_mib: z.joined.heap_used_mib,
    rank0_heap_after_mib: z.after.heap_used_mib,
    rank0_fds_joined: z.joined.fds,
    rank0_sockets_joined: z.joined.sockets,
    rank0_fds_before: z.before.fds,
    host_process_max_rss_mib: Math.max(...r.hosts.map((h) => h.max_rss_mib)),
  };
}

/** Median and range of every figure over the repetitions, and a rounded table of the medians. */
export function summarize(rs: Rep[], idleMs = NaN) {
  const per = rs.map((r) => figures(r, idleMs));
  const stats: Record<string, { median: number; min: number; max: number }> = {};
  for (const k of Object.keys(per[0])) {
    const xs = per.map((f) => f[k]);
    stats[k] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  }
  const round = (x: number) => (Math.abs(x) >= 100 ? Math.round(x) : +x.toPrecision(3));
  const table = Object.fromEntries(
    Object.entries(stats).map(([k, s]) => [k, `${round(s.median)} (${round(s.min)}–${round(s.max)})`]),
  );
  return { repetitions: rs.length, per_repetition: per, stats, table };
}

/**
 * How each figure's median grows with the rank count: a least-squares line (its slope is the cost
 * per rank), the exponent between the two largest counts (1: linear, 2: quadratic), and both
 * carried to `to` ranks. A fit of three points: a guide for docs/scale.md, not a law.
 */
export function fits(runs: { ranks: number; summary: ReturnType<typeof summarize> | null }[], to = 10_000) {
  const ok = runs.filter((r) => r.summary).sort((x, y) => x.ranks - y.ranks);
  if (ok.length < 2) return {};
  const ns = ok.map((r) => r.ranks);
  const out: Record<string, Record<string, number>> = {};
  for (const k of Object.keys(ok[0].summary!.stats)) {
    const ys = ok.map((r) => r.summary!.stats[k].median);
    if (ys.some((y) => !Number.isFinite(y))) continue;
    const mn = ns.reduce((s, n) => s + n, 0) / ns.length;
    const my = ys.reduce((s, y) => s + y, 0) / ys.length;
    const slope = ns.reduce((s, n, i) => s + (n - mn) * (ys[i] - my), 0) / ns.reduce((s, n) => s + (n - mn) ** 2, 0);
    const [n1, n2] = ns.slice(-2);
    const [y1, y2] = ys.slice(-2);
    const exponent = y1 > 0 && y2 > 0 ? Math.log(y2 / y1) / Math.log(n2 / n1) : NaN;
    out[k] = {
      per_rank: slope,
      intercept: my - slope * mn,
      exponent,
      [`linear_at_${to}`]: my + slope * (to - mn),
      [`power_at_${to}`]: y2 * (to / n2) ** exponent,
    };
  }
  return out;
}
