// ccbench compare and its gate: the median's interval, the rule syntax, alignment, the noise
// verdict, the summary, the environment diff, and the command on real small runs (MPI against
// Gloo). Files named "*-double.json" are test doubles derived from a real run's file (its times
// scaled), to test the gate's plumbing against a known answer.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compareDocuments } from '../src/compare/compare.js';
import { environmentDiff } from '../src/compare/environment.js';
import { judge, parseBusbwRules, parseSlowerRules } from '../src/compare/gate.js';
import { loadResult } from '../src/compare/load.js';
import { verdict } from '../src/compare/noise.js';
import { UsageError } from '../src/errors.js';
import { medianInterval, summarize } from '../src/report/stats.js';
import type { ResultDocument } from '../src/report/schema.js';
import { relevantEnvironment } from '../src/system/environment.js';
import { ccbench, ROOT, tempDir } from './helpers.js';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));
const V1 = join(ROOT, 'test', 'fixtures', 'result-v1-allreduce-mpi.json');

describe('the median and its interval', () => {
  const seq = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  test("order statistics as Le Boudec's table A.1 gives them, with their exact coverage", () => {
    for (const [n, lo, hi] of [
      [6, 1, 6],
      [10, 2, 9],
      [20, 6, 15],
      [50, 18, 33],
      [100, 40, 61],
    ]) {
      const ci = medianInterval(seq(n))!;
      assert.deepEqual([ci.lo, ci.hi], [lo, hi], `n = ${n}`);
      assert.ok(ci.level >= 0.95 && ci.level < 0.99, `n = ${n}: ${ci.level}`);
    }
    assert.equal(medianInterval(seq(6))!.level, 1 - 2 / 64);
    const big = medianInterval(seq(100_000))!; // the normal approximation: n/2 ± 0.98 √n
    assert.ok(Math.abs(big.lo - (50_000 - 0.98 * Math.sqrt(100_000))) <= 2, String(big.lo));
  });

  test('below 6 samples: [min, max] with its lower coverage; none without samples', () => {
    assert.deepEqual(medianInterval([3, 4, 9]), { lo: 3, hi: 9, level: 0.75 });
    assert.equal(medianInterval([]), null);
  });

  test('summarize puts it on the slowest-rank series', () => {
    const r0 = Float64Array.from(seq(20));
    const r1 = Float64Array.from(seq(20).map((x) => (x === 3 ? 100 : 0)));
    const s = summarize([r0, r1]);
    assert.deepEqual(s.p50_ci, medianInterval(Float64Array.from(r0.map((x) => (x === 3 ? 100 : x))).sort()));
  });
});

describe('gate rules', () => {
  test('tolerances: plain, per op, per size range; the last matching rule applies', () => {
    const r = parseSlowerRules(['5%,allreduce@>=1M:3%', '@1K:64K:10.5%', 'alltoall:1%']);
    assert.deepEqual(
      r.map((x) => [x.op, x.range && [x.range.lo, x.range.hi], x.value]),
      [
        [undefined, undefined, 0.05],
        ['allreduce', [1 << 20, Infinity], 0.03],
        [undefined, [1024, 65536], 0.105],
        ['alltoall', undefined, 0.01],
      ],
    );
    assert.deepEqual(
      parseBusbwRules(['10@>=1M', 'alltoall@<4K:0.5', '7']).map((x) => [x.op, x.value]),
      [
        [undefined, 10],
        ['alltoall', 0.5],
        [undefined, 7],
      ],
    );
  });

  test('a mistake is one line saying what is wrong and how to write it', () => {
    for (const [rule, want] of [
      ['5', /no tolerance at its end; write a percentage/],
      ['allreduc:5%', /'allreduc' is not an operation/],
      ['@1M:1K:5%', /ends below its start/],
      ['@lots:5%', /'lots' is not a size/],
      ['allreduce@>=1M', /no tolerance/],
    ] as const)
      assert.throws(
        () => parseSlowerRules([rule]),
        (e: Error) => e instanceof UsageError && want.test(e.message) && !e.message.includes('\n'),
        rule,
      );
    assert.throws(() => parseBusbwRules(['fast']), /--min-busbw 'fast': no GB\/s figure/);
  });
});

describe('noise verdict', () => {
  const m = (lo: number, hi: number, level = 0.96) => ({
    p50: (lo + hi) / 2,
    ci: { lo, hi, level },
    avg: 0,
    busbw: null,
    cycles: 1,
    iters: 50,
  });
  test('intervals apart: faster or slower; overlapping: noise; missing or too few samples: unknown', () => {
    assert.equal(verdict(m(1, 2), m(3, 4)), 'slower');
    assert.equal(verdict(m(3, 4), m(1, 2)), 'faster');
    assert.equal(verdict(m(1, 3), m(2, 4)), 'noise');
    assert.equal(verdict(m(1, 2), m(3, 4, 0.75)), 'unknown');
    assert.equal(verdict(m(1, 2), { ...m(3, 4), ci: null }), 'unknown');
  });
});

test('the environment records device selection and loader paths, never a key', () => {
  const env = relevantEnvironment({
    CUDA_VISIBLE_DEVICES: '0,1',
    NVIDIA_VISIBLE_DEVICES: 'all',
    LD_LIBRARY_PATH: '/opt/nccl/lib',
    NCCL_IB_HCA: 'mlx5_0',
    OMPI_MCA_orte_precondition_transports: 'f4ca-032a',
    CCBENCH_JOB_SECRET: 'x',
    NCCL_SOME_TOKEN: 'y',
    HOME: '/root',
  });
  assert.deepEqual(Object.keys(env), [
    'CUDA_VISIBLE_DEVICES',
    'LD_LIBRARY_PATH',
    'NCCL_IB_HCA',
    'NVIDIA_VISIBLE_DEVICES',
  ]);
});

describe('compare on real runs', () => {
  const f = { mpi: join(dir, 'mpi.json'), gloo: join(dir, 'gloo.json') };
  const doubles = { slow: join(dir, 'slow-3x-double.json'), noisy: join(dir, 'noisy-10pct-double.json') };
  const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as ResultDocument;
  before(async () => {
    const args = ['allreduce', '-n', '2', '--sizes', '64:64K:32', '--iters', '60', '--warmup', '5', '--quiet'];
    let r = await ccbench([...args, '--backend', 'mpi', '--json', f.mpi]);
    assert.equal(r.code, 0, r.stderr);
    r = await ccbench([...args, '--launcher', 'local', '--backend', 'gloo', '--json', f.gloo]);
    assert.equal(r.code, 0, r.stderr);
    // Doubles of the MPI run: every time ×3 (a certain regression), and ×1.1 with intervals widened
    // to overlap the original's (10% slower, but within noise).
    const slow = read(f.mpi);
    for (const x of slow.results) {
      const t = x.time_us;
      for (const k of ['avg', 'min', 'max', 'p50', 'p90', 'p99'] as const) t[k] *= 3;
      t.p50_ci = { ...t.p50_ci!, lo: t.p50_ci!.lo * 3, hi: t.p50_ci!.hi * 3 };
      x.busbw_gbs = x.busbw_gbs! / 3;
    }
    writeFileSync(doubles.slow, JSON.stringify(slow));
    const noisy = read(f.mpi);
    for (const x of noisy.results) {
      x.time_us.p50 *= 1.1;
      x.time_us.p50_ci = { ...x.time_us.p50_ci!, lo: x.time_us.p50_ci!.lo, hi: x.time_us.p50_ci!.hi * 1.5 };
    }
    writeFileSync(doubles.noisy, JSON.stringify(noisy));
  });

  test('MPI against Gloo: per size both times, busbw, the ratio, the faster, the verdict; the summary; the environment', async () => {
    const r = await ccbench(['compare', f.mpi, f.gloo]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^A = mpi.json: mpi \(Open MPI [^)]+\), 3 records, complete \(baseline\)$/m);
    assert.match(r.stdout, /^B = gloo.json: gloo \(Gloo [^)]+\), 3 records, complete$/m);
    assert.match(r.stdout, /^# allreduce · 2 ranks · float32 · sum · out-of-place$/m);
    assert.match(
      r.stdout,
      /^size\s+A p50\(us\)\s+A 95% CI\(us\)\s+A busbw\(GB\/s\)\s+B p50\(us\)\s+B 95% CI\(us\)\s+B busbw\(GB\/s\)\s+B\/A\s+faster\s+difference$/m,
    );
    for (const size of ['64 B', '2 KiB', '64 KiB'])
      assert.match(
        r.stdout,
        new RegExp(
          `^${size}\\s+[\\d.]+\\s+[\\d.]+–[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+–[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[AB=]\\s+(beyond|within) noise$`,
          'm',
        ),
      );
    assert.match(r.stdout, /^B against A: geometric mean of B\/A [\d.]+; A faster at .*; crossover: /m);
    assert.match(r.stdout, /^# environment: \d+ differences, \d+ facts the same$/m);
    assert.match(r.stdout, /^backend\s+mpi \(Open MPI [^)]+\)\s+gloo \(Gloo [^)]+\)$/m);
    assert.match(r.stdout, /^launcher\s+openmpi\s+ccbench$/m);
    assert.doesNotMatch(r.stdout, /^\$OMPI_MCA_ess_base_jobid/m); // names the job, differs every run

    const md = await ccbench(['compare', f.mpi, f.gloo, '--format', 'markdown']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^\| size \| A p50\(us\) \| .* \| difference \|$/m);
    assert.match(md.stdout, /^### environment: /m);

    const js = await ccbench(['compare', f.mpi, f.gloo, '--format', 'json']);
    const c = JSON.parse(js.stdout);
    assert.equal(c.schema, 'ccbench.compare/1');
    assert.equal(c.series[0].points.length, 3);
    const p = c.series[0].points[0];
    assert.equal(p.versus[1].ratio, p.sides[1].p50 / p.sides[0].p50);
    assert.ok(c.environment.differences.some((d: { fact: string }) => d.fact === 'backend'));
  });

  test('the pure function gives the same object the JSON output holds', () => {
    const c = compareDocuments([f.mpi, f.gloo].map(loadResult));
    assert.equal(c.summary.length, 1);
    const s = c.summary[0];
    assert.equal(s.baseline_faster.length + s.file_faster.length + s.within_noise.length, 3);
    assert.ok(
      Math.abs(s.geomean_ratio - Math.cbrt(c.series[0].points.reduce((x, p) => x * p.versus[1]!.ratio, 1))) < 1e-9,
    );
  });

  test('the gate passes an unchanged run and fails a slower one, listing each size; exit code 5', async () => {
    const same = await ccbench(['compare', f.mpi, f.mpi, '--fail-if-slower', '5%']);
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /^# gate: passed \(--fail-if-slower 5%\)$/m);
    const unused = await ccbench(['compare', f.mpi, f.mpi, '--fail-if-slower', '5%,alltoall:1%,@>=1G:1%']);
    assert.match(unused.stdout, /^note: the rule 'alltoall:1%' applied to no size of these files$/m);
    assert.match(unused.stdout, /^note: the rule '@>=1G:1%' applied to no size/m);
    assert.doesNotMatch(unused.stdout, /rule '5%'/);
    const slow = await ccbench(['compare', f.mpi, doubles.slow, '--fail-if-slower', '5%']);
    assert.equal(slow.code, 5, slow.stderr);
    assert.match(slow.stdout, /^# gate: failed at 3 sizes \(--fail-if-slower 5%\)$/m);
    for (const size of ['64 B', '2 KiB', '64 KiB'])
      assert.match(
        slow.stdout,
        new RegExp(`^B allreduce .* ${size}: 3\\.000× the baseline's time, over 1\\.050× \\(5%\\), beyond noise$`, 'm'),
      );
    assert.match(slow.stderr, /^ccbench: compare: 3 sizes failed the gate .*exit code 5\n$/);
    const tolerant = await ccbench(['compare', f.mpi, doubles.slow, '--fail-if-slower', '5%,@<=2K:250%']);
    assert.equal(tolerant.code, 5);
    assert.match(tolerant.stdout, /gate: failed at 1 size/);
  });

  test('10% slower within noise is no regression; by tolerance alone it would be', () => {
    const c = compareDocuments([f.mpi, doubles.noisy].map(loadResult));
    assert.ok(c.series[0].points.every((p) => p.versus[1]!.verdict === 'noise'));
    assert.equal(judge(c, parseSlowerRules(['5%']), []).passed, true);
    assert.equal(judge(c, parseSlowerRules(['20%']), []).passed, true);
  });

  test('--min-busbw judges each size, on one file or the files after the baseline', async () => {
    const d = read(f.mpi);
    const floor = d.results[1].busbw_gbs! * 1.0001; // just above the middle size's
    const one = await ccbench(['compare', f.mpi, '--min-busbw', String(floor)]);
    assert.equal(one.code, 5, one.stderr);
    const failed = [
      ...one.stdout.matchAll(/^A allreduce .* ([\d.]+ K?i?B): busbw [\d.]+ GB\/s, below [\d.]+ GB\/s \([\d.]+\)$/gm),
    ];
    const below = d.results
      .filter((r) => r.busbw_gbs! < floor)
      .map((r) => (r.size_bytes === 64 ? '64 B' : r.size_bytes === 2048 ? '2 KiB' : '64 KiB'));
    assert.deepEqual(
      failed.map((m) => m[1]),
      below,
    );
    assert.ok(below.includes('2 KiB'));
    const ranged = await ccbench(['compare', f.mpi, '--min-busbw', `${floor}@<=2K`, '--min-busbw', `0@2K`]);
    assert.equal(ranged.code, d.results[0].busbw_gbs! < floor ? 5 : 0, ranged.stdout);
    assert.doesNotMatch(ranged.stdout, /2 KiB: busbw/); // the later rule applies there: a floor of 0
  });

  test('a schema-1 baseline is read through the migration: its noise is unknown, the tolerance judges', async () => {
    const r = await ccbench(['compare', V1, f.mpi, '--fail-if-slower', '1000%']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^A = result-v1-allreduce-mpi.json: .*schema ccbench.result\/1 \(baseline\)/m);
    assert.match(r.stdout, /^64 B .* noise unknown$/m);
  });

  test('usage errors: one line, exit 2', async () => {
    const other = read(f.mpi);
    for (const x of other.results) x.ranks = 4;
    const four = join(dir, 'ranks-4-double.json');
    writeFileSync(four, JSON.stringify(other));
    const cases: [string[], RegExp][] = [
      [
        [f.mpi, four],
        /mpi.json and ranks-4-double.json have no record in common \(mpi.json: allreduce · 2 ranks .*; ranks-4-double.json: allreduce · 4 ranks/,
      ],
      [[f.mpi], /compare needs two result files or more/],
      [[f.mpi, f.gloo, '--fail-if-slower', '5'], /--fail-if-slower '5': no tolerance/],
      [[f.mpi, join(dir, 'missing.json')], /cannot read .*missing.json: no such file/],
      [[f.mpi, f.gloo, '--format', 'csv'], /argument 'csv' is invalid/],
    ];
    for (const [args, want] of cases) {
      const r = await ccbench(['compare', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});

test('environment diff: differing facts and variables, job-specific ones left out', () => {
  const a = loadResult(V1).doc;
  const b = structuredClone(a);
  b.environment = { ...b.environment, OMPI_MCA_btl: 'self,tcp', OMPI_MCA_ess_base_jobid: '1', NCCL_ALGO: 'Ring' };
  b.system.nccl = { library: 'NCCL', version: '2.21.5', path: '/usr/lib/libnccl.so.2' };
  const d = environmentDiff([a, b]);
  assert.deepEqual(
    d.differences.map((x) => [x.fact, ...x.values]),
    [
      ['NCCL', 'not found', 'NCCL 2.21.5 (/usr/lib/libnccl.so.2)'],
      ['$OMPI_MCA_btl', 'self,vader', 'self,tcp'],
      ['$NCCL_ALGO', '(unset)', 'Ring'],
    ],
  );
  assert.ok(d.ignored.includes('OMPI_MCA_ess_base_jobid'));
});
