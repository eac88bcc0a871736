// The regression gate. --fail-if-slower: a size fails when a file's median time exceeds the
// baseline's by more than the tolerance AND the difference is beyond noise (noise.ts; where the
// noise is unknown, the tolerance alone). --min-busbw: a size fails when its busbw is below the
// floor (nccl-tests' NCCL_TESTS_MIN_BW, judged per size instead of on the average over sizes).
// Rules: "5%", "allreduce:5%", "allreduce@>=1M:3%", "@<4K:10%"; "10", "10@>=1M", "alltoall@1K:1M:8";
// several, comma-separated or repeated; the last rule that matches a point applies.
import { UsageError } from '../errors.js';
import { findOp } from '../ops/index.js';
import { formatBytes, parseSize } from '../plan/sizes.js';
import type { Comparison } from './compare.js';

export interface SizeRange {
  lo: number;
  loIncl: boolean;
  hi: number;
  hiIncl: boolean;
}

export interface GateRule {
  text: string;
  op?: string;
  range?: SizeRange;
  value: number; // a fraction (0.05 for 5%) or GB/s
}

export interface GateFailure {
  gate: 'fail-if-slower' | 'min-busbw';
  file: number;
  op: string;
  series: string; // its label
  size_bytes: number;
  value: number; // the time ratio, or the busbw in GB/s
  limit: number; // 1 + tolerance, or the floor
  rule: string;
  noise: 'beyond' | 'unknown' | 'not judged';
}

export interface GateResult {
  rules: { failIfSlower: string[]; minBusbw: string[] };
  failures: GateFailure[];
  unused: string[]; // rules that applied to no size (a range beyond the sweep, an op not in it)
  passed: boolean;
}

const SLOWER_HELP =
  'write a percentage, optionally for an op and a size range: 5%, allreduce:5%, allreduce@>=1M:3%, @1K:64K:10%';
const BUSBW_HELP = 'write GB/s, optionally for a size range or an op: 10, 10@>=1M, alltoall@1K:1M:8';

function parseRange(text: string, where: string): SizeRange {
  const m = /^(>=|<=|>|<)?(.+)$/.exec(text.trim())!;
  const size = (s: string) => {
    try {
      return parseSize(s);
    } catch {
      throw new UsageError(`${where}: '${s}' is not a size (bytes with an optional K/M/G suffix)`);
    }
  };
  if (!m[1] && m[2].includes(':')) {
    const [a, b, ...rest] = m[2].split(':');
    if (rest.length) throw new UsageError(`${where}: the size range '${text}' has too many ':'`);
    const lo = size(a);
    const hi = size(b);
    if (lo > hi) throw new UsageError(`${where}: the size range '${text}' ends below its start`);
    return { lo, loIncl: true, hi, hiIncl: true };
  }
  const v = size(m[2]);
  switch (m[1]) {
    case '>=':
      return { lo: v, loIncl: true, hi: Infinity, hiIncl: false };
    case '>':
      return { lo: v, loIncl: false, hi: Infinity, hiIncl: false };
    case '<=':
      return { lo: 0, loIncl: true, hi: v, hiIncl: true };
    case '<':
      return { lo: 0, loIncl: true, hi: v, hiIncl: false };
    default:
      return { lo: v, loIncl: true, hi: v, hiIncl: true };
  }
}

function parseScope(head: string, where: string): Pick<GateRule, 'op' | 'range'> {
  const at = head.indexOf('@');
  const opText = at < 0 ? head : head.slice(0, at);
  const out: Pick<GateRule, 'op' | 'range'> = {};
  if (opText) {
    const op = findOp(opText);
    if (!op) throw new UsageError(`${where}: '${opText}' is not an operation (ccbench list shows them)`);
    out.op = op.name;
  }
  if (at >= 0) out.range = parseRange(head.slice(at + 1), where);
  return out;
}

function split(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim());
}

export function parseSlowerRules(values: string[]): GateRule[] {
  return split(values).map((text) => {
    const where = `--fail-if-slower '${text}'`;
    const cut = text.lastIndexOf(':');
    const tol = /^(\d+(?:\.\d+)?)%$/.exec(text.slice(cut + 1).trim());
    if (!tol) throw new UsageError(`${where}: no tolerance at its end; ${SLOWER_HELP}`);
    return { text, ...(cut >= 0 ? parseScope(text.slice(0, cut), where) : {}), value: Number(tol[1]) / 100 };
  });
}

export function parseBusbwRules(values: string[]): GateRule[] {
  return split(values).map((text) => {
    const where = `--min-busbw '${text}'`;
    const short = /^(\d+(?:\.\d+)?)(?:@(.+))?$/.exec(text);
    if (short) return { text, ...(short[2] ? { range: parseRange(short[2], where) } : {}), value: Number(short[1]) };
    const cut = text.lastIndexOf(':');
    const v = /^(\d+(?:\.\d+)?)$/.exec(text.slice(cut + 1).trim());
    if (cut < 0 || !v) throw new UsageError(`${where}: no GB/s figure; ${BUSBW_HELP}`);
    return { text, ...parseScope(text.slice(0, cut), where), value: Number(v[1]) };
  });
}

const inRange = (r: SizeRange, s: number) => (r.loIncl ? s >= r.lo : s > r.lo) && (r.hiIncl ? s <= r.hi : s < r.hi);

function ruleFor(rules: GateRule[], op: string, size: number): GateRule | undefined {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i];
    if ((!r.op || r.op === op) && (!r.range || inRange(r.range, size))) return r;
  }
  return undefined;
}

/** Every size of every file after the baseline (or of the only file) that fails a rule. */
export function judge(c: Comparison, slower: GateRule[], busbw: GateRule[]): GateResult {
  const failures: GateFailure[] = [];
  const used = new Set<GateRule>();
  const judged = c.files.length === 1 ? [0] : c.files.map((_, i) => i).slice(1);
  for (const s of c.series)
    for (const p of s.points)
      for (const i of judged) {
        const v = p.versus[i];
        const tol = v && ruleFor(slower, s.op, p.size_bytes);
        if (tol) used.add(tol);
        if (v && tol && v.ratio > 1 + tol.value && (v.verdict === 'slower' || v.verdict === 'unknown'))
          failures.push({
            gate: 'fail-if-slower',
            file: i,
            op: s.op,
            series: s.label,
            size_bytes: p.size_bytes,
            value: v.ratio,
            limit: 1 + tol.value,
            rule: tol.text,
            noise: v.verdict === 'slower' ? 'beyond' : 'unknown',
          });
        const bw = p.sides[i]?.busbw;
        const floor = p.sides[i] ? ruleFor(busbw, s.op, p.size_bytes) : undefined;
        if (floor) used.add(floor);
        if (floor && bw !== null && bw !== undefined && bw < floor.value)
          failures.push({
            gate: 'min-busbw',
            file: i,
            op: s.op,
            series: s.label,
            size_bytes: p.size_bytes,
            value: bw,
            limit: floor.value,
            rule: floor.text,
            noise: 'not judged',
          });
      }
  return {
    rules: { failIfSlower: slower.map((r) => r.text), minBusbw: busbw.map((r) => r.text) },
    failures,
    unused: [...slower, ...busbw].filter((r) => !used.has(r)).map((r) => r.text),
    passed: failures.length === 0,
  };
}

export function describeFailure(c: Comparison, f: GateFailure): string {
  const who = `${c.files[f.file].label} ${f.series} ${formatBytes(f.size_bytes)}`;
  return f.gate === 'fail-if-slower'
    ? `${who}: ${f.value.toFixed(3)}× the baseline's time, over ${f.limit.toFixed(3)}× (${f.rule})${f.noise === 'beyond' ? ', beyond noise' : ', noise unknown'}`
    : `${who}: busbw ${f.value.toFixed(2)} GB/s, below ${f.limit} GB/s (${f.rule})`;
}
