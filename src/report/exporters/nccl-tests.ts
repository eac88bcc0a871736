// nccl-tests' text output, for the scripts that read it: per op and rank count, the header lines,
// one "#  Rank" line per rank, the column header, one row per size with the out-of-place and
// in-place time / algbw / busbw / #wrong groups, and the "# Out of bounds values" / "# Avg bus
// bandwidth" footer; the layout of NVIDIA/nccl-tests v2.19.6 (a0b82b2), NVIDIA/nccl-tests/src/util.cu
// (writeDeviceReport, writeResultHeader, writeBenchmarkLinePreamble / Body, writeResultFooter).
//
// A ccbench row is one form (out-of-place, or in-place with --in-place): the group of the form
// not measured holds "nan" for time, algbw and busbw and "N/A" for #wrong — one token per column,
// so parsers that split on white space and count columns (from either end) stay aligned, and a
// float parser reads NaN (nccl-tests itself prints "nan" for a NaN time). Anything ccbench adds
// is a "#" line, which these parsers skip.
import { VERSION } from '../../paths.js';
import { tableTitle, type RunEnd, type RunMeta } from '../meta.js';
import type { ResultRow } from '../row.js';
import {
  averageBusBw,
  deviceLine,
  devices,
  floatStr,
  gFormat,
  outOfBounds,
  programName,
  sweepOf,
  typeName,
} from './nccl-layout.js';
import { TextSink, type ExporterDef } from './exporter.js';

const s = (v: string | number, w: number) => String(v).padStart(w);

export function header(meta: RunMeta, row: ResultRow): string[] {
  const sw = sweepOf(meta, row);
  const step =
    'factor' in sw.step ? `${sw.step.factor}(factor)` : 'bytes' in sw.step ? `${sw.step.bytes}(bytes)` : 'list';
  const p = meta.plan;
  const lines = [
    `# nccl-tests layout (v2.19.6) written by ccbench ${VERSION}: ${meta.backend.name} (${meta.backend.library})`,
    `# Collective test starting: ${programName(row.op)}`,
    `# nThread 1 nGpus 1 minBytes ${sw.minBytes} maxBytes ${sw.maxBytes} step: ${step} warmup iters: ${sw.warmup} iters: ${sw.iters} agg iters: 1 validation: ${p.check ? 1 : 0} graph: ${p.graphLaunches} unalign: 0`,
    `# ccbench: ${tableTitle(meta, row.op, row.ranks, row.in_place, row.cycle).replace(/^#\s*/, '')}`,
  ];
  if (sw.itersVary) lines.push(`# ccbench: iterations vary by size, ${sw.itersVary[0]} to ${sw.itersVary[1]}`);
  lines.push('#', '# Using devices', ...devices(meta, row.ranks).map(deviceLine), '#');
  const blank = `# ${s('', 10)}  ${s('', 12)}  ${s('', 8)}  ${s('', 6)}  ${s('', 6)}`;
  lines.push(`${blank}           out-of-place                       in-place          `);
  const names = ['time', 'algbw', 'busbw', '#wrong'];
  const units = ['(us)', '(GB/s)', '(GB/s)', ''];
  const group = (c: string[]) => `  ${s(c[0], 7)}  ${s(c[1], 6)}  ${s(c[2], 6)}  ${s(c[3], 6)}`;
  lines.push(
    `# ${s('size', 10)}  ${s('count', 12)}  ${s('type', 8)}  ${s('redop', 6)}  ${s('root', 6)}${group(names)}${group(names)} `,
  );
  lines.push(
    `# ${s('(B)', 10)}  ${s('(elements)', 12)}  ${s('', 8)}  ${s('', 6)}  ${s('', 6)}${group(units)}${group(units)} `,
  );
  return lines;
}

/** "  %7s  %6s  %6s  %6g" for a measured form, or its placeholder. */
function body(r: ResultRow | undefined): string {
  if (!r) return `  ${s('nan', 7)}  ${s('nan', 6)}  ${s('nan', 6)}  ${s('N/A', 6)}`;
  const wrong = r.wrong === null ? s('N/A', 6) : s(gFormat(r.wrong), 6);
  return `  ${floatStr(r.time_us.avg, 7)}  ${floatStr(r.algbw_gbs ?? 0, 6)}  ${floatStr(r.busbw_gbs ?? 0, 6)}  ${wrong}`;
}

export function rowLine(r: ResultRow): string {
  const pre = `${s(r.size_bytes, 12)}  ${s(r.count, 12)}  ${s(typeName(r.dtype), 8)}  ${s(r.redop, 6)}  ${s(r.root, 6)}`;
  return pre + (r.in_place ? body(undefined) + body(r) : body(r) + body(undefined));
}

export function footer(rows: ResultRow[], op: string): string[] {
  const bad = outOfBounds(rows);
  return [
    `# ${'Out of bounds values'.padEnd(20)} : ${bad} ${bad ? 'FAILED' : 'OK'}`,
    `# ${'Avg bus bandwidth'.padEnd(20)} : ${gFormat(averageBusBw(rows))} `,
    '#',
    `# Collective test concluded: ${programName(op)}`,
    '#',
    '',
  ];
}

function ending(end: RunEnd): string[] {
  if (end.status === 'complete' || end.status === 'check-failed') return [];
  return [`# ccbench: run ${end.status}`, ...end.errors.map((e) => `# error: ${e}`)];
}

export const ncclTestsExporter: ExporterDef = {
  name: 'nccl-tests',
  summary: "nccl-tests' text output: header, #  Rank lines, both forms' columns, footer",
  extensions: [],
  create(meta, target) {
    const sink = new TextSink(target);
    let block: { key: string; op: string; rows: ResultRow[] } | undefined;
    const finish = () => {
      if (block) sink.write(footer(block.rows, block.op).join('\n') + '\n');
      block = undefined;
    };
    return {
      open: () => sink.open(),
      add(row) {
        // One nccl-tests run per op and rank count: dtypes, reductions and cycles are its rows.
        const key = `${row.op}/${row.ranks}`;
        if (block?.key !== key) {
          finish();
          block = { key, op: row.op, rows: [] };
          sink.write(header(meta, row).join('\n') + '\n');
        }
        block.rows.push(row);
        sink.write(rowLine(row) + '\n');
      },
      close(end) {
        finish();
        const tail = ending(end);
        if (tail.length) sink.write(tail.join('\n') + '\n');
        sink.close();
      },
    };
  },
};
