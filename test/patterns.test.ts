// alltoallv's traffic patterns (src/plan/patterns.ts) without ranks: the spec parser, the count
// matrices each generator makes, matrix files in nccl-tests' form and ccbench's, determinism
// from the seed, and the imbalance figures.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { group, seriesLabel } from '../src/compare/align.js';
import { UsageError } from '../src/errors.js';
import { buildPlan, expandPoints, pointMatrix } from '../src/plan/plan.js';
import { makeRow } from '../src/report/row.js';
import { stats } from './fixtures.js';
import {
  countMatrix,
  gini,
  matrixCount,
  parseMatrix,
  parsePattern,
  patternLabel,
  patternUnfit,
  traffic,
  type Pattern,
} from '../src/plan/patterns.js';
import { tempDir } from './helpers.js';

const noFile = () => {
  throw new Error('no file expected');
};
const pat = (spec: string, seed = 1) => parsePattern(spec, seed, noFile);
const rows = (m: Float64Array, n: number) => Array.from({ length: n }, (_, i) => Array.from(m.slice(i * n, i * n + n)));
const rowSums = (m: Float64Array, n: number) => rows(m, n).map((r) => r.reduce((a, b) => a + b, 0));
const colSums = (m: Float64Array, n: number) => rows(m, n).reduce((acc, r) => acc.map((v, j) => v + r[j]));

function refused(f: () => unknown, needle: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof UsageError && needle.test(e.message), String(needle));
}

describe('--pattern specs', () => {
  test('each pattern parses, with the seed it will use in its label', () => {
    assert.deepEqual(pat('uniform'), { kind: 'uniform' });
    assert.deepEqual(pat('zipf:1.2'), { kind: 'zipf', s: 1.2 });
    assert.deepEqual(pat('hot:2:0.75'), { kind: 'hot', k: 2, fraction: 0.75 });
    assert.deepEqual(pat('spread:0.5'), { kind: 'spread', s: 0.5 });
    assert.deepEqual(pat('dirichlet:0.3', 9), { kind: 'dirichlet', alpha: 0.3, seed: 9 });
    assert.deepEqual(pat('dirichlet:0.3:5', 9), { kind: 'dirichlet', alpha: 0.3, seed: 5 });
    assert.deepEqual(pat('random', 9), { kind: 'random', seed: 9 });
    assert.deepEqual(pat('random:42', 9), { kind: 'random', seed: 42 });
    assert.equal(patternLabel(pat('dirichlet:0.3', 9)), 'dirichlet:0.3:9');
    assert.equal(patternLabel(pat('HOT:1:0.5')), 'hot:1:0.5');
  });

  test('bad specs are refused with the reason', () => {
    refused(() => pat('skewed'), /unknown pattern 'skewed'/);
    refused(() => pat('zipf'), /zipf takes 1 value after 'zipf:'/);
    refused(() => pat('zipf:abc'), /the exponent s must be a number, not 'abc'/);
    refused(() => pat('zipf:-1'), /the exponent s must be a number, not '-1'/);
    refused(() => pat('zipf:1e3'), /must be a number/);
    refused(() => pat('hot:0:0.5'), /the number of hot ranks k must be between 1 and/);
    refused(() => pat('hot:1:1.5'), /the fraction must be between 0 and 1, not 1.5/);
    refused(() => pat('hot:1'), /hot takes 2 values/);
    refused(() => pat('hot:1.5:0.5'), /k must be a whole number/);
    refused(() => pat('spread:2'), /the spread must be between 0 and 1/);
    refused(() => pat('dirichlet:0'), /alpha must be above 0/);
    refused(() => pat('random:x'), /the seed must be a whole number/);
    refused(() => pat('random:4294967296'), /the seed must be between 0 and 4294967295/);
    refused(() => pat('uniform:1'), /uniform takes 0 value/);
    refused(() => pat('matrix:'), /matrix needs a file/);
  });

  test('hot patterns need more ranks than hot ones; a matrix needs at least n rows', () => {
    assert.match(patternUnfit(pat('hot:4:0.5'), 4), /4 ranks are too few/);
    assert.equal(patternUnfit(pat('hot:3:0.5'), 4), '');
    const m = {
      kind: 'matrix',
      file: 'm',
      bytes: true,
      cells: [
        [16, 16],
        [16, 16],
      ],
    } as Pattern;
    assert.match(patternUnfit(m, 3), /2 × 2, too small for 3 ranks/);
  });
});

describe('generated matrices', () => {
  test('every row sends exactly count elements; whole elements, some peers may get none', () => {
    for (const spec of ['uniform', 'zipf:1.5', 'hot:1:0.5', 'hot:2:1', 'spread:1', 'dirichlet:0.2', 'random:3'])
      for (const [n, count] of [
        [1, 5],
        [3, 1001],
        [4, 256],
        [7, 13],
      ]) {
        if (patternUnfit(pat(spec), n)) continue;
        const m = countMatrix(pat(spec), n, count, 4);
        assert.ok(
          m.every((v) => Number.isInteger(v) && v >= 0),
          spec,
        );
        assert.deepEqual(rowSums(m, n), new Array(n).fill(count), `${spec} n=${n}`);
      }
  });

  test('hot:1:0.5 on 4 ranks: rank 0 receives half of every row, twice the mean (Gini 0.25)', () => {
    const m = countMatrix(pat('hot:1:0.5'), 4, 600, 4);
    assert.deepEqual(rows(m, 4), new Array(4).fill([300, 100, 100, 100]));
    const t = traffic(m, 4, 4);
    assert.deepEqual(t.recv, [4800, 1600, 1600, 1600]);
    assert.deepEqual(t.send, [2400, 2400, 2400, 2400]);
    assert.equal(t.maxOverMean, 2);
    assert.equal(t.gini, 0.25);
    assert.equal(t.busiest, 4800);
  });

  test('uniform is even (imbalance 1, Gini 0); zipf favours low ranks; spread is nccl-tests formula', () => {
    const u = traffic(countMatrix(pat('uniform'), 4, 400, 1), 4, 1);
    assert.deepEqual([u.maxOverMean, u.gini], [1, 0]);
    const z = colSums(countMatrix(pat('zipf:1'), 4, 2500, 1), 4);
    assert.ok(z[0] > z[1] && z[1] > z[2] && z[2] > z[3], String(z));
    assert.deepEqual(rows(countMatrix(pat('zipf:1'), 4, 2500, 1), 4)[0], [1200, 600, 400, 300]); // 1 : 1/2 : 1/3 : 1/4
    // spread 1: bytes(i→j) ∝ (j − i) mod n, nothing to itself; every rank sends and receives the same.
    const s = countMatrix(pat('spread:1'), 4, 600, 1);
    assert.deepEqual(rows(s, 4)[1], [300, 0, 100, 200]);
    assert.deepEqual(colSums(s, 4), [600, 600, 600, 600]);
  });

  test('the same seed gives the same matrix, another seed another one', () => {
    for (const spec of ['dirichlet:0.5', 'random']) {
      const a = countMatrix(pat(spec, 7), 5, 10000, 4);
      assert.deepEqual(countMatrix(pat(spec, 7), 5, 10000, 4), a, spec);
      assert.notDeepEqual(countMatrix(pat(spec, 8), 5, 10000, 4), a, spec);
    }
    assert.deepEqual(countMatrix(pat('random:8', 1), 3, 999, 2), countMatrix(pat('random', 8), 3, 999, 2));
    // Rows differ from each other (each row draws its own).
    const d = rows(countMatrix(pat('dirichlet:1'), 4, 1e6, 1), 4);
    assert.equal(new Set(d.map(String)).size, 4);
  });

  test('a plan gives every rank the same matrix for a point, without communication', () => {
    const plan = buildPlan(['alltoallv'], { pattern: 'dirichlet:0.4', seed: 3, sizes: '1K,1M', np: 4 });
    const again = JSON.parse(JSON.stringify(plan)); // as it travels to the ranks
    const [a, b] = [expandPoints(plan), expandPoints(again)];
    assert.equal(a.length, 2);
    for (let i = 0; i < a.length; i++) assert.deepEqual(pointMatrix(b[i]), pointMatrix(a[i]));
    assert.equal(a[1].sizeBytes, 1024 ** 2);
    assert.deepEqual(rowSums(pointMatrix(a[1]), 4), new Array(4).fill(1024 ** 2 / 4));
  });
});

describe('matrix files', () => {
  const dir = tempDir();
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  test("nccl-tests' form: bytes i→j, rounded down to 16 B, the top-left n × n; the size is its mean row", () => {
    const nt = file('nt.txt', '100  200  150\n50   100  75\n300  150  200\n'); // the example in alltoallv.cu
    const p = parsePattern(`matrix:${nt}`, 1, (f) => (f === nt ? '100  200  150\n50   100  75\n300  150  200\n' : ''));
    assert.equal(p.kind === 'matrix' && p.bytes, true);
    // 100→96, 200→192, 150→144, 50→48, 75→64, 300→288: in float32 elements, count ignored.
    assert.deepEqual(rows(countMatrix(p, 3, 1, 4), 3), [
      [24, 48, 36],
      [12, 24, 16],
      [72, 36, 48],
    ]);
    assert.equal(matrixCount(p, 3, 4), Math.floor((108 + 52 + 156) / 3));
    assert.deepEqual(rows(countMatrix(p, 2, 1, 1), 2), [
      [96, 192],
      [48, 96],
    ]);
    // Through the plan: one size, the mean bytes sent; the file read once, its numbers in the plan.
    const plan = buildPlan(['alltoallv'], { pattern: `matrix:${nt}`, np: 3, dtype: 'int8' });
    const pts = expandPoints(plan);
    assert.deepEqual(
      pts.map((x) => [x.count, x.sizeBytes]),
      [[Math.floor((432 + 208 + 624) / 3), Math.floor((432 + 208 + 624) / 3)]],
    );
    assert.ok(plan.notes.some((n) => /holds bytes: its own size is measured/.test(n)));
  });

  test("ccbench's form: comments, commas, a 'weights' line; scaled so a rank sends the size on average", () => {
    const w = parseMatrix('# two pairs\nweights\n3, 1, 0, 0\n3 1 0 0 # rank 1\n0 0 1 1\n0 0 3 3\n', 'w');
    assert.equal(w.bytes, false);
    // 16 weights in all, 4 × 100 elements: 25 a weight; rows keep the file's proportions.
    const m = countMatrix({ kind: 'matrix', file: 'w', ...w }, 4, 100, 4);
    assert.deepEqual(rows(m, 4), [
      [75, 25, 0, 0],
      [75, 25, 0, 0],
      [0, 0, 25, 25],
      [0, 0, 75, 75],
    ]);
    assert.equal(rowSums(m, 4).reduce((a, b) => a + b, 0) / 4, 100);
    assert.equal(parseMatrix('bytes\n16 32\n32 16', 'b').bytes, true);
  });

  test('bad files are refused: not square, negative, not a number, empty, all-zero weights', () => {
    refused(() => parseMatrix('1 2 3\n4 5 6\n', 'f'), /must be square: 2 rows, but row 1 has 3 numbers/);
    refused(() => parseMatrix('1 2\n3\n', 'f'), /must be square: 2 rows, but row 2 has 1 numbers/);
    refused(() => parseMatrix('1 -2\n3 4\n', 'f'), /row 1, column 2 is '-2', not a non-negative number/);
    refused(() => parseMatrix('1 x\n3 4\n', 'f'), /row 1, column 2 is 'x'/);
    refused(() => parseMatrix('1 1e3\n3 4\n', 'f'), /'1e3', not a non-negative number/);
    refused(() => parseMatrix('# nothing\n\n', 'f'), /holds no matrix/);
    refused(() => parseMatrix('weights\n0 0\n0 0\n', 'f'), /every weight is 0/);
  });
});

describe('imbalance figures', () => {
  test('Gini: 0 for equal values, (n-1)/n when one holds everything, the mean absolute difference otherwise', () => {
    assert.equal(gini([5, 5, 5, 5]), 0);
    assert.equal(gini([0, 0, 0, 8]), 0.75);
    assert.equal(gini([]), 0);
    assert.equal(gini([0, 0]), 0);
    // Σ|xi − xj| / (2 n² μ) by brute force.
    const xs = [3, 1, 4, 1, 5, 9, 2, 6];
    let s = 0;
    for (const a of xs) for (const b of xs) s += Math.abs(a - b);
    const mu = xs.reduce((a, b) => a + b) / xs.length;
    assert.ok(Math.abs(gini(xs) - s / (2 * xs.length ** 2 * mu)) < 1e-12);
  });
});

describe('records', () => {
  test("a row carries its pattern, and compare keeps each pattern's rows a series of their own", () => {
    const plan = buildPlan(['alltoallv'], { sizes: '4K', np: 4, pattern: 'hot:1:0.5' });
    const [p] = expandPoints(plan);
    const skew = { pattern: 'hot:1:0.5', traffic: traffic(pointMatrix(p), 4, 4), rankUs: [9, 4, 4, 4] };
    const hot = makeRow(p, stats(10), 0, 1, undefined, skew);
    assert.equal(hot.alg_bytes, 8192); // rank 0 receives 2 × 4 KiB: the busiest rank's bytes
    assert.equal(hot.size_bytes, 4096);
    const even = { ...hot, pattern: 'uniform' };
    const series = [...group([hot, even]).series.values()].map((s) => seriesLabel(s.key));
    assert.deepEqual(series, [
      'alltoallv · pattern hot:1:0.5 · 4 ranks · float32 · out-of-place',
      'alltoallv · pattern uniform · 4 ranks · float32 · out-of-place',
    ]);
  });
});
