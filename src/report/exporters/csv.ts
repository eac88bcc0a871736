// CSV: one header line, then one line per finished size (the ResultRow fields, time flattened).
import { createRequire } from 'node:module';
import type * as CsvSync from 'csv-stringify/sync';
import type { ResultRow } from '../row.js';
import { TextSink, type ExporterDef } from './exporter.js';

// Loaded by the first CSV line, not by every rank at start-up (npm run bench:startup).
let csv: typeof CsvSync | undefined;
const stringify: typeof CsvSync.stringify = (...a) =>
  (csv ??= createRequire(import.meta.url)('csv-stringify/sync') as typeof CsvSync).stringify(...a);

const COLUMNS = [
  'op',
  'ranks',
  'size_bytes',
  'count',
  'dtype',
  'redop',
  'root',
  'in_place',
  'iters',
  'iters_planned',
  'warmup',
  'cycle',
  'time_avg_us',
  'time_min_us',
  'time_max_us',
  'time_p50_us',
  'time_p50_ci_lo_us',
  'time_p50_ci_hi_us',
  'time_p90_us',
  'time_p99_us',
  'time_stdev_us',
  'alg_bytes',
  'algbw_gbs',
  'busbw_gbs',
  'bus_factor',
  'wrong',
  'overlap_compute_us',
  'overlap_pure_us',
  'overlap_pct',
  'concurrent_copies',
  'concurrent_alone_us',
  'concurrent_slowdown',
  'concurrent_aggregate_busbw_gbs',
  // alltoallv only (empty for other ops): its pattern, the skew of what ranks receive, the slowest rank's time
  'pattern',
  'recv_max_over_mean',
  'recv_gini',
  'rank_time_max_us',
];

function record(r: ResultRow): unknown[] {
  const t = r.time_us;
  return [
    r.op,
    r.ranks,
    r.size_bytes,
    r.count,
    r.dtype,
    r.redop,
    r.root,
    r.in_place,
    r.iters,
    r.iters_planned,
    r.warmup,
    r.cycle,
    t.avg,
    t.min,
    t.max,
    t.p50,
    t.p50_ci?.lo ?? '',
    t.p50_ci?.hi ?? '',
    t.p90,
    t.p99,
    t.stdev,
    r.alg_bytes,
    r.algbw_gbs ?? '',
    r.busbw_gbs ?? '',
    r.bus_factor,
    r.wrong ?? '',
    r.overlap?.compute_us ?? '',
    r.overlap?.pure_us ?? '',
    r.overlap?.percent ?? '',
    r.concurrent?.copies ?? '',
    r.concurrent?.alone_us ?? '',
    r.concurrent?.slowdown ?? '',
    r.concurrent?.aggregate_busbw_gbs ?? '',
    r.pattern ?? '',
    r.imbalance?.max_over_mean ?? '',
    r.imbalance?.gini ?? '',
    r.rank_time_us ? Math.max(...r.rank_time_us) : '',
  ];
}

// csv-stringify would write false as an empty field (like a missing value): spell booleans out.
function line(fields: unknown[]): string {
  return stringify([fields], { cast: { boolean: (v) => (v ? 'true' : 'false') } });
}

export const csvExporter: ExporterDef = {
  name: 'csv',
  summary: 'one comma-separated line per size, with a header line',
  extensions: ['csv'],
  create(_meta, target) {
    const sink = new TextSink(target);
    return {
      open() {
        sink.open();
        sink.write(line(COLUMNS));
      },
      add: (row) => sink.write(line(record(row))),
      close: () => sink.close(),
    };
  },
};
