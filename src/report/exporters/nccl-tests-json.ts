// nccl-tests' -J JSON file, JSON_FILE_VERSION 3 of NVIDIA/nccl-tests v2.19.6 (a0b82b2),
// NVIDIA/nccl-tests/src/util.cu (jsonOutputInit, writeDeviceReport, writeBenchmarkLine*,
// writeResultFooter, writeErrors, jsonOutputFinalize), keys in its order: version, start_time,
// args, env, nccl_version, config{..., devices[]}, results[], out_of_bounds, average_bus_bandwidth,
// errors, end_time. Its quirks are kept so its readers read this too: booleans are the strings
// "true" / "false" (jsonBool), a root is the printf("%6i") string ("    -1"), times are "%Y-%m-%d
// %H:%M:%S" (local time), a NaN is the string "nan", and the form not measured is null (as
// writeBenchMarkLineNullBody writes it). ccbench adds nothing but what its results hold: no
// per-iteration objects (nccl-tests writes those with -I only), "experiment_name" says the op.
// One document per run (nccl-tests: per binary), every op's rows in "results". In a file it is
// rewritten after every size (the closing summary changes with each row); on stdout, once.
import { ftruncateSync } from 'node:fs';
import { expandPoints, type Point } from '../../plan/plan.js';
import { createOutput, writeAll, writeFailure } from '../files.js';
import type { RunEnd, RunMeta } from '../meta.js';
import type { ResultRow } from '../row.js';
import { averageBusBw, devices, ncclVersionCode, outOfBounds, sweepOf, typeName } from './nccl-layout.js';
import type { ExporterDef } from './exporter.js';

const bool = (b: boolean) => (b ? 'true' : 'false');
const num = (v: number) => (Number.isNaN(v) ? 'nan' : v);

/** util.cu's TIME_STRING_FORMAT. */
function timeString(iso: string | null): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function result(r: ResultRow): Record<string, unknown> {
  const form = {
    time: num(r.time_us.avg),
    alg_bw: num(r.algbw_gbs ?? 0),
    bus_bw: num(r.busbw_gbs ?? 0),
    nwrong: r.wrong,
  };
  return {
    size: r.size_bytes,
    count: r.count,
    type: typeName(r.dtype),
    redop: r.redop,
    root: String(r.root).padStart(6),
    out_of_place: r.in_place ? null : form,
    in_place: r.in_place ? form : null,
    actual_iterations: r.iters,
    experiment_name: `${r.op} on ${r.ranks} ranks`,
  };
}

/** Everything before the results list; the sweep of the plan's first op and rank count. */
export function head(meta: RunMeta): Record<string, unknown> {
  const p = meta.plan;
  let first: Point | undefined;
  try {
    first = expandPoints(p)[0];
  } catch {
    // a plan that cannot be expanded here: the plan's own numbers
  }
  const sw = first ? sweepOf(meta, first) : undefined;
  const step = !sw
    ? { step_factor: 2 }
    : 'bytes' in sw.step
      ? { step_bytes: sw.step.bytes }
      : 'factor' in sw.step
        ? { step_factor: sw.step.factor }
        : {}; // a list of sizes: neither
  return {
    version: 3,
    start_time: timeString(meta.start_time),
    args: meta.command,
    env: Object.entries(meta.environment ?? {}).map(([k, v]) => `${k}=${v}`),
    nccl_version: ncclVersionCode(meta),
    config: {
      nthreads: 1,
      ngpus: 1,
      minimum_bytes: sw?.minBytes ?? Math.min(...p.sizes),
      maximum_bytes: sw?.maxBytes ?? Math.max(...p.sizes),
      ...step,
      warmup_iters: sw?.warmup ?? p.warmup ?? 0,
      iterations: sw?.iters ?? p.iters ?? 0,
      aggregated_iterations: 1,
      validation: p.check ? 1 : 0,
      graph: p.graphLaunches,
      blocking_collectives: bool(p.timing === 'per-op'),
      per_iter_timing: bool(false),
      per_iter_skip: 0,
      parallel_init: bool(false),
      devices: devices(meta, meta.world_size).map((d) => ({
        rank: d.rank,
        group: 0,
        pid: d.pid,
        hostname: d.host,
        device: d.device,
        device_hex: d.busId,
        device_info: d.name,
      })),
    },
  };
}

/** What follows the results list: it changes with every row. */
function closing(rows: ResultRow[], end: RunEnd | undefined): string {
  const bad = outOfBounds(rows);
  const rest = {
    out_of_bounds: { count: bad, okay: bool(bad === 0) },
    average_bus_bandwidth: { bandwidth: averageBusBw(rows), okay: 'unchecked' },
    errors: end?.errors ?? [],
    end_time: timeString(end?.endTime ?? null),
  };
  return `\n ],\n${JSON.stringify(rest, null, 1).slice(2)}\n`;
}

const opening = (meta: RunMeta) => JSON.stringify(head(meta), null, 1).replace(/\n}$/, ',\n "results": [');
const entry = (r: ResultRow, i: number) => `${i === 0 ? '\n  ' : ',\n  '}${JSON.stringify(result(r))}`;

export function document(meta: RunMeta, rows: ResultRow[], end: RunEnd | undefined): string {
  return opening(meta) + rows.map(entry).join('') + closing(rows, end);
}

export const ncclTestsJsonExporter: ExporterDef = {
  name: 'nccl-tests-json',
  summary: "nccl-tests' -J JSON file (version 3)",
  extensions: [],
  create(meta, target) {
    const rows: ResultRow[] = [];
    let fd: number | undefined;
    let tail = 0; // where the closing part starts
    // Each row is written over the closing part, which follows it again; a failed write puts the
    // closing part back after the last whole row, so the file stays one document.
    const put = (text: string, rowsNow: ResultRow[], end?: RunEnd) => {
      if (target.kind !== 'file' || fd === undefined) return;
      try {
        writeAll(fd, Buffer.from(text + closing(rowsNow, end)), tail);
        ftruncateSync(fd, tail + Buffer.byteLength(text + closing(rowsNow, end)));
      } catch (e) {
        try {
          ftruncateSync(fd, tail);
          writeAll(fd, Buffer.from(closing(rows, end)), tail);
        } catch {
          // nothing more can be written: the file ends where the failed write left it
        }
        throw writeFailure(target.flag, target.path, e);
      }
      tail += Buffer.byteLength(text);
    };
    return {
      open() {
        if (target.kind !== 'file') return;
        fd = createOutput(target.path, target.flag, target.overwrite);
        put(opening(meta), rows);
      },
      add(row) {
        const text = entry(row, rows.length);
        put(text, [...rows, row]);
        rows.push(row);
      },
      close(end) {
        if (target.kind === 'stdout') return target.write(document(meta, rows, end));
        put('', rows, end);
      },
      amend: (end) => put('', rows, end),
    };
  },
};
