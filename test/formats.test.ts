// The exporters that speak other tools' formats, each read the way that tool's consumers read it:
//  - nccl-tests text: microsoft/superbenchmark's parser (superbench/benchmarks/micro_benchmarks/
//    cuda_nccl_bw_performance.py, _process_raw_result: the lines between the last "out-of-place"
//    and "Out of bounds values", the header line with "time" and "busbw", columns counted from the
//    end of each row split on blanks); FlagOpen/FlagPerf's `grep "# Avg bus bandwidth" | awk
//    '{print $NF}'` (base/toolkits/interconnect-MPI_intraserver/*/main.sh), run as it is; and the
//    "#  Rank" line as nccl-tests itself reads it back (NVIDIA/nccl-tests/src/util.cu parseRankInfo);
//  - nccl-tests -J JSON: the keys NVIDIA/nccl-tests/tools/analyze_perf_json.py reads, in util.cu's order;
//  - OSU: reframe-hpc/reframe's hpctestlib/microbenchmarks/mpi/osu.py (`^{size}\s+(\S+)` as a float);
//  - jsonl: JSON Lines (jsonlines.org), and jq.
// Our own code, following those documented layouts; none of theirs is copied.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { buildPlan, expandPoints } from '../src/plan/plan.js';
import { makeRow, type ResultRow } from '../src/report/row.js';
import { ResultWriter } from '../src/report/writer.js';
import { preamble } from '../src/report/exporters/osu.js';
import { footer, rowLine } from '../src/report/exporters/nccl-tests.js';
import { ccbench, tempDir } from './helpers.js';
import { meta, row, stats } from './fixtures.js';

const dir = tempDir();
const file = (n: string) => join(dir, n);
let rows: ResultRow[] = [];

before(async () => {
  const r = await ccbench([
    'all',
    '-n',
    '2',
    '--launcher',
    'local',
    '--backend',
    'gloo',
    '--sizes',
    '8:1K',
    '--iters',
    '10',
    '--warmup',
    '1',
    '--check',
    '--quiet',
    '--out',
    `nccl-tests:${file('nt.txt')}`,
    '--out',
    `nccl-tests-json:${file('nt.json')}`,
    '--out',
    `osu:${file('osu.txt')}`,
    '--out',
    file('rows.jsonl'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  rows = readFileSync(file('rows.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ResultRow);
});

/** The blocks of a file, each starting at a line that matches `start`. */
function blocks(text: string, start: RegExp): string[] {
  const out: string[] = [];
  for (const l of text.split('\n')) {
    if (start.test(l)) out.push('');
    if (out.length) out[out.length - 1] += l + '\n';
  }
  return out;
}

/** SuperBench's reading of one nccl-tests run: size → time, algbw, busbw of one form. */
function superbench(text: string, inPlace: boolean): Map<number, { time: number; algbw: number; busbw: number }> {
  const lines = text.split('\n');
  const last = (what: string) => lines.map((l, i) => (l.includes(what) ? i : -1)).reduce((a, b) => Math.max(a, b));
  const from = last('out-of-place');
  const to = last('Out of bounds values');
  assert.ok(from >= 0 && to > from, 'the out-of-place header and the footer');
  const content = lines.slice(from + 1, to);
  const head = content.find((l) => l.includes('time') && l.includes('busbw')) as string;
  const names = head.slice(1).trim().split(/ +/);
  const fromEnd = (name: string) => (inPlace ? names.lastIndexOf(name) : names.indexOf(name)) - names.length;
  const [t, a, b] = ['time', 'algbw', 'busbw'].map(fromEnd);
  const out = new Map<number, { time: number; algbw: number; busbw: number }>();
  for (const l of content) {
    const c = l.trim().split(/ +/);
    if (!/^\d+/.test(c[0])) continue;
    assert.equal(c.length, names.length, `as many cells as header names: '${l}'`);
    const at = (i: number) => Number(c[c.length + i]);
    out.set(Number(c[names.indexOf('size')]), { time: at(t), algbw: at(a), busbw: at(b) });
  }
  return out;
}

/** `a` as printed with 2 decimals, or fewer where the value fills its column (nccl-tests' getFloatStr). */
const near = (a: number, b: number, what: string, width = 0) => {
  let decimals = 2;
  while (width > 0 && decimals > 0 && Math.abs(b).toFixed(decimals).length > width) decimals--;
  assert.ok(Math.abs(a - b) <= 0.51 * 10 ** -decimals + 1e-9 * b, `${what}: ${a} vs ${b}`);
};

describe('nccl-tests text', () => {
  test("SuperBench's parser reads every op's sizes, times and bandwidths", () => {
    const text = readFileSync(file('nt.txt'), 'utf8');
    const runs = blocks(text, /^# nccl-tests layout/);
    const ops = [...new Set(rows.map((r) => r.op))];
    assert.equal(runs.length, ops.length);
    for (const [i, op] of ops.entries()) {
      const parsed = superbench(runs[i], false);
      const mine = rows.filter((r) => r.op === op);
      assert.deepEqual(
        [...parsed.keys()],
        mine.map((r) => r.size_bytes),
        op,
      );
      for (const r of mine) {
        const p = parsed.get(r.size_bytes)!;
        near(p.time, r.time_us.avg, `${op} ${r.size_bytes} time`, 7); // a slow run reaches 10 ms
        near(p.busbw, r.busbw_gbs ?? 0, `${op} ${r.size_bytes} busbw`, 6);
      }
      const inPlace = superbench(runs[i], true);
      assert.ok(
        [...inPlace.values()].every((v) => Number.isNaN(v.time)),
        'no in-place run: NaN',
      );
    }
  });

  test("FlagPerf's awk reads the average bus bandwidth of each run", () => {
    const out = execFileSync('sh', ['-c', `grep "# Avg bus bandwidth" "${file('nt.txt')}" | awk '{print $NF}'`], {
      encoding: 'utf8',
    });
    const ops = [...new Set(rows.map((r) => r.op))];
    const values = out.trim().split('\n').map(Number);
    assert.equal(values.length, ops.length);
    ops.forEach((op, i) => {
      const mine = rows.filter((r) => r.op === op);
      const avg = mine.reduce((s, r) => s + (r.busbw_gbs ?? 0), 0) / mine.length;
      assert.ok(Math.abs(values[i] - avg) <= 1e-5 * Math.max(avg, 1e-3), `${op}: ${values[i]} vs ${avg}`);
    });
    assert.match(readFileSync(file('nt.txt'), 'utf8'), /^# Out of bounds values : 0 OK$/m);
  });

  test('the "#  Rank" lines read back as nccl-tests reads them', () => {
    const text = readFileSync(file('nt.txt'), 'utf8');
    const ranks = [
      ...text.matchAll(/^# {2}Rank +(\d+) Group +(\d+) Pid +(\d+) on +(\S+) device +(-?\d+) \[([^\]]+)\] (.+)$/gm),
    ];
    assert.equal(ranks.length, 2 * new Set(rows.map((r) => r.op)).size);
    assert.deepEqual(
      ranks.slice(0, 2).map((m) => [Number(m[1]), m[4], m[6], m[7]]),
      [
        [0, hostname(), 'host', 'host memory'],
        [1, hostname(), 'host', 'host memory'],
      ],
    );
  });

  test('an in-place row fills the in-place columns; wrong elements fail the footer', () => {
    const r = row({ in_place: true, wrong: 3, time_us: stats(1234.5678), busbw_gbs: 12.345 });
    const text = [
      '#  out-of-place',
      '# size count type redop root time algbw busbw #wrong time algbw busbw #wrong',
      rowLine(r),
      ...footer([r], 'allreduce'),
    ].join('\n');
    const ip = superbench(text, true).get(1024)!;
    assert.equal(ip.time, 1234.57);
    assert.equal(ip.busbw, 12.35);
    assert.ok(Number.isNaN(superbench(text, false).get(1024)!.time));
    assert.match(text, /^# Out of bounds values : 1 FAILED$/m);
  });
});

describe('nccl-tests JSON', () => {
  test("util.cu's keys in its order, the values analyze_perf_json.py reads, its quirks kept", () => {
    const doc = JSON.parse(readFileSync(file('nt.json'), 'utf8'));
    assert.deepEqual(Object.keys(doc), [
      'version',
      'start_time',
      'args',
      'env',
      'nccl_version',
      'config',
      'results',
      'out_of_bounds',
      'average_bus_bandwidth',
      'errors',
      'end_time',
    ]);
    assert.equal(doc.version, 3);
    assert.match(doc.start_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(doc.config.iterations, 10);
    assert.equal(doc.config.warmup_iters, 1);
    assert.equal(doc.config.validation, 1);
    assert.equal(doc.config.blocking_collectives, 'true', 'jsonBool writes strings');
    assert.deepEqual(
      doc.config.devices.map((d: { rank: number; hostname: string }) => [d.rank, d.hostname]),
      [
        [0, hostname()],
        [1, hostname()],
      ],
    );
    assert.equal(doc.results.length, rows.length);
    doc.results.forEach((res: any, i: number) => {
      const r = rows[i];
      assert.deepEqual(Object.keys(res), [
        'size',
        'count',
        'type',
        'redop',
        'root',
        'out_of_place',
        'in_place',
        'actual_iterations',
        'experiment_name',
      ]);
      assert.equal(res.size, r.size_bytes);
      assert.equal(res.root, String(r.root).padStart(6));
      assert.equal(res.in_place, null);
      assert.deepEqual(Object.keys(res.out_of_place), ['time', 'alg_bw', 'bus_bw', 'nwrong']);
      assert.equal(res.out_of_place.time, r.time_us.avg);
      assert.equal(res.out_of_place.bus_bw, r.busbw_gbs ?? 0);
      assert.equal(res.out_of_place.nwrong, 0);
      assert.equal(res.actual_iterations, r.iters);
    });
    assert.deepEqual(doc.out_of_bounds, { count: 0, okay: 'true' });
    assert.equal(doc.average_bus_bandwidth.okay, 'unchecked');
    assert.match(doc.end_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  test('a file is one whole document after every size', () => {
    const path = file('grow.json');
    const plan = buildPlan(['allreduce'], { sizes: '1K,2K,4K', np: 2, out: [`nccl-tests-json:${path}`] });
    const w = new ResultWriter(meta(plan), () => {});
    w.open();
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).results, []);
    expandPoints(plan).forEach((p, i) => {
      w.add(makeRow(p, stats(5), null));
      const doc = JSON.parse(readFileSync(path, 'utf8'));
      assert.equal(doc.results.length, i + 1);
      assert.equal(doc.end_time, null);
    });
    w.close('interrupted', 'received SIGINT');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual(doc.errors, ['received SIGINT']);
    assert.equal(doc.results.length, 3);
  });
});

describe('OSU', () => {
  test("ReFrame's ^size\\s+(\\S+) reads each benchmark's value, in OSU's units and sizes", () => {
    const runs = blocks(readFileSync(file('osu.txt'), 'utf8'), /^# OSU /);
    const ops = [...new Set(rows.map((r) => r.op))];
    assert.equal(runs.length, ops.length);
    for (const [i, op] of ops.entries()) {
      if (op === 'barrier') {
        assert.match(runs[i], /^# Avg Latency\(us\)/m);
        continue;
      }
      assert.match(runs[i], /^# Datatype: MPI_\w+\.$/m);
      assert.match(
        runs[i],
        op === 'bw' || op === 'bibw' ? /^# Size +Bandwidth \(MB\/s\)/m : /^# Size +Avg Latency\(us\)/m,
      );
      for (const r of rows.filter((x) => x.op === op)) {
        const size = ['allgather', 'gather', 'scatter', 'alltoall'].includes(op) ? r.count * 4 : r.size_bytes;
        const m = new RegExp(`^${size}\\s+(\\S+)`, 'm').exec(runs[i]);
        assert.ok(m, `${op} ${size} B`);
        const want = op === 'bw' || op === 'bibw' ? (r.algbw_gbs ?? 0) * 1000 : r.time_us.avg;
        near(Number(m[1]), want, `${op} ${size}`);
      }
    }
  });

  test("the header ReFrame's sanity check looks for, with MPI", () => {
    const plan = buildPlan(['latency'], { np: 2, sizes: '8' });
    const r = makeRow(expandPoints(plan)[0], stats(2), null);
    assert.equal(preamble(meta(plan), r)[1], '# OSU MPI Latency Test v7.4');
  });
});

describe('jsonl', () => {
  test('one JSON record per line, every size, as jq reads them', () => {
    const text = readFileSync(file('rows.jsonl'), 'utf8');
    assert.ok(text.endsWith('\n'));
    const doc = JSON.parse(readFileSync(file('nt.json'), 'utf8'));
    assert.equal(rows.length, doc.results.length);
    let jq: string | undefined;
    try {
      jq = execFileSync('jq', ['-c', '[.op, .size_bytes]', file('rows.jsonl')], { encoding: 'utf8' });
    } catch {
      jq = undefined; // no jq here: the lines were parsed above
    }
    if (jq !== undefined)
      assert.deepEqual(
        jq.trim().split('\n'),
        rows.map((r) => JSON.stringify([r.op, r.size_bytes])),
      );
  });
});
