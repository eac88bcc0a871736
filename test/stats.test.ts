// Statistics over per-iteration samples (shared/reference/metrics.md §6), hand-computed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, percentile, slowestPerIteration, summarize } from '../src/report/stats.js';

const f = (...xs: number[]) => Float64Array.from(xs);

function close(actual: number, expected: number, what = '', eps = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= eps * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
}

describe('percentile (nearest rank: index ceil(p/100 * n) - 1, clamped)', () => {
  const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  test('ten values', () => {
    assert.equal(percentile(ten, 50), 5); // ceil(5) - 1 = 4
    assert.equal(percentile(ten, 90), 9); // ceil(9) - 1 = 8
    assert.equal(percentile(ten, 99), 10); // ceil(9.9) - 1 = 9
    assert.equal(percentile(ten, 100), 10);
    assert.equal(percentile(ten, 10), 1);
    assert.equal(percentile(ten, 11), 2); // ceil(1.1) - 1 = 1
  });

  test('p0 and negative p clamp to the first value, p > 100 to the last', () => {
    assert.equal(percentile(ten, 0), 1);
    assert.equal(percentile(ten, -5), 1);
    assert.equal(percentile(ten, 150), 10);
  });

  test('odd counts and p50', () => {
    assert.equal(percentile([10, 20, 30], 50), 20); // ceil(1.5) - 1 = 1
    assert.equal(percentile([10, 20, 30, 40], 50), 20); // ceil(2) - 1 = 1 (lower median)
    assert.equal(percentile([10, 20, 30, 40], 51), 30);
  });

  test('p99 of 200 samples is the 198th value, not the max', () => {
    const xs = Array.from({ length: 200 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 99), 198);
    assert.equal(percentile(Float64Array.from(xs), 90), 180);
  });

  test('a single sample is every percentile', () => {
    for (const p of [0, 50, 99, 100]) assert.equal(percentile([7.5], p), 7.5);
  });

  test('empty input is NaN', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe('mean', () => {
  test('arrays and typed arrays', () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    assert.equal(mean(f(10)), 10);
    close(mean(f(0.1, 0.2, 0.3)), 0.2, 'mean');
  });

  test('empty is NaN', () => {
    assert.ok(Number.isNaN(mean([])));
  });
});

describe('slowestPerIteration', () => {
  test('takes the maximum across ranks of each iteration', () => {
    const out = slowestPerIteration([f(1, 9, 3), f(5, 2, 3), f(4, 4, 8)]);
    assert.ok(out instanceof Float64Array);
    assert.deepEqual([...out], [5, 9, 8]);
  });

  test('one rank returns its own series', () => {
    assert.deepEqual([...slowestPerIteration([f(3, 1, 2)])], [3, 1, 2]);
  });

  test('does not modify the inputs', () => {
    const a = f(1, 2);
    const b = f(2, 1);
    slowestPerIteration([a, b]);
    assert.deepEqual([...a], [1, 2]);
    assert.deepEqual([...b], [2, 1]);
  });

  test('negative values are handled (initial value is not 0)', () => {
    assert.deepEqual([...slowestPerIteration([f(-3, -1), f(-2, -5)])], [-2, -1]);
  });

  test('ranks with different iteration counts are an error', () => {
    assert.throws(() => slowestPerIteration([f(1, 2, 3), f(1, 2)]), /different iteration counts/);
    assert.throws(() => slowestPerIteration([f(1), f(1, 2)]), /different iteration counts/);
  });

  test('no ranks gives an empty series', () => {
    assert.equal(slowestPerIteration([]).length, 0);
  });
});

describe('summarize', () => {
  test('the slowest rank differs per iteration', () => {
    // rank 0: mean 4; rank 1: mean 3; rank 2: mean 5
    const r0 = f(2, 10, 2, 2);
    const r1 = f(6, 1, 4, 1);
    const r2 = f(3, 3, 3, 11);
    // slowest per iteration: [6, 10, 4, 11] (ranks 1, 0, 1, 2); sorted [4, 6, 10, 11]
    const s = summarize([r0, r1, r2]);
    assert.equal(s.avg, 4); // mean of per-rank means 4, 3, 5
    assert.equal(s.min, 3);
    assert.equal(s.max, 5);
    assert.equal(s.p50, 6); // ceil(2) - 1 = 1
    assert.equal(s.p90, 11); // ceil(3.6) - 1 = 3
    assert.equal(s.p99, 11);
    // mean of [6, 10, 4, 11] = 7.75; squared deviations 3.0625 + 5.0625 + 14.0625 + 10.5625 = 32.75
    close(s.stdev, Math.sqrt(32.75 / 4), 'population stdev');
    assert.equal(s.samples, 4);
  });

  test('avg/min/max are over rank means, not over the slowest series', () => {
    // Each rank is slow in a different iteration: every slowest value is 100, but no rank's mean is.
    const s = summarize([f(100, 1, 1, 1), f(1, 100, 1, 1), f(1, 1, 100, 1), f(1, 1, 1, 100)]);
    assert.equal(s.avg, 25.75);
    assert.equal(s.min, 25.75);
    assert.equal(s.max, 25.75);
    assert.equal(s.p50, 100);
    assert.equal(s.p99, 100);
    assert.equal(s.stdev, 0);
  });

  test('percentiles sort numerically, not as strings', () => {
    // As strings, 100 < 20 < 3; numerically 3 < 20 < 100.
    const s = summarize([f(100, 20, 3, 9, 50)]);
    assert.equal(s.p50, 20); // sorted [3, 9, 20, 50, 100], ceil(2.5) - 1 = 2
    assert.equal(s.p90, 100); // ceil(4.5) - 1 = 4
  });

  test('a single rank: stdev is population (÷ n), not sample (÷ n-1)', () => {
    const s = summarize([f(2, 4, 4, 4, 5, 5, 7, 9)]); // textbook: mean 5, population stdev 2
    assert.equal(s.avg, 5);
    assert.equal(s.min, 5);
    assert.equal(s.max, 5);
    close(s.stdev, 2, 'stdev');
    assert.equal(s.p50, 4);
    assert.equal(s.p90, 9);
    assert.equal(s.samples, 8);
  });

  test('min < avg < max across unequal ranks', () => {
    const s = summarize([f(1, 1), f(2, 2), f(6, 6)]);
    assert.equal(s.min, 1);
    assert.equal(s.max, 6);
    assert.equal(s.avg, 3);
    assert.equal(s.p50, 6);
    assert.equal(s.stdev, 0);
  });

  test('no ranks is an error; mismatched ranks are an error', () => {
    assert.throws(() => summarize([]), /no samples/);
    assert.throws(() => summarize([f(1, 2), f(1)]), /different iteration counts/);
  });

  test('inputs are left unsorted', () => {
    const r = f(3, 1, 2);
    summarize([r]);
    assert.deepEqual([...r], [3, 1, 2]);
  });
});
