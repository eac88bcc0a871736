// The terminal table: 100 columns by default, constant columns in the title, times with their
// unit and never an exponent, bandwidths with 3 significant digits, a mark on noisy rows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { traffic } from '../src/plan/patterns.js';
import { buildPlan, expandPoints, pointMatrix, type PlanInput } from '../src/plan/plan.js';
import { formatBw, formatTime } from '../src/report/format.js';
import { makeRow } from '../src/report/row.js';
import { headerLine, layoutFor, legend, rowLine, TABLE_WIDTH, titleLines } from '../src/report/exporters/table.js';
import { ResultWriter } from '../src/report/writer.js';
import { tableTitle } from '../src/report/meta.js';
import { meta, stats } from './fixtures.js';
import { ccbench } from './helpers.js';

/** Cells of a table line: columns are two or more spaces apart ("12.25 µs" is one cell). */
const cells = (line: string) => line.trim().split(/\s{2,}/);

const isHeader = (l: string) => /^\s*(size \(B\)|avg)\s/.test(l);

/** Everything the table prints for these rows of this plan. */
function print(ops: string[], o: PlanInput, statsFor = (i: number) => stats(10 + i)): string[] {
  const plan = buildPlan(ops, o);
  const out: string[] = [];
  const w = new ResultWriter(meta(plan), (l) => out.push(...l.split('\n')));
  w.open();
  expandPoints(plan).forEach((p, i) => w.add(makeRow(p, statsFor(i), plan.check ? 0 : null)));
  w.close('complete');
  return out;
}

describe('number formats', () => {
  test('times: µs, ms or s with 3-4 significant digits, never an exponent', () => {
    const cases: [number, string][] = [
      [0.5, '0.500 µs'],
      [3.14159, '3.142 µs'],
      [12.25, '12.25 µs'],
      [395.50157, '395.5 µs'],
      [999.96, '1.000 ms'],
      [1234.6, '1.235 ms'],
      [987654.32, '987.7 ms'],
      [2.5e6, '2.500 s'],
      [1.5e10, '15000 s'],
      [NaN, '-'],
    ];
    for (const [us, want] of cases) assert.equal(formatTime(us), want, String(us));
  });

  test('bandwidth: 3 significant digits, never a bare 0.00', () => {
    const cases: [number | null, string][] = [
      [2.02e-5, '<0.0001'],
      [0.000123456, '0.000123'],
      [0.08, '0.0800'],
      [0.0123, '0.0123'],
      [9.996, '10.0'],
      [123.456, '123'],
      [1500.2, '1500'],
      [null, '-'],
    ];
    for (const [gbs, want] of cases) assert.equal(formatBw(gbs), want, String(gbs));
  });
});

describe('table layout', () => {
  test('a wide sweep with --check and OSU iteration counts fits 100 columns', () => {
    const out = print(['allreduce'], { sizes: '8:8G', check: true, np: 2 }, (i) =>
      stats(i % 2 ? 0.123 : 9876543.21, 1000, { p50: 1, p99: 2 }),
    );
    for (const l of out) assert.ok(l.length <= TABLE_WIDTH, `${l.length} columns: '${l}'`);
    const header = out.find(isHeader) as string;
    assert.deepEqual(cells(header), [
      'size (B)',
      'iters',
      'avg',
      'min',
      'max',
      'p50',
      'p99',
      'algbw',
      'busbw',
      '#wrong',
    ]);
    assert.ok(
      out.some((l) => /^# allreduce · 2 ranks · float32 · sum · /.test(l)),
      out.join('\n'),
    );
    assert.ok(out.some((l) => l.includes('GB/s = 1e9 B/s')));
  });

  test('alltoallv: imbalance, Gini and the slowest rank after busbw, OSU iteration counts, marks: 100 columns', () => {
    const plan = buildPlan(['alltoallv'], { sizes: '8:4G', check: true, np: 8, pattern: 'zipf:1.5' });
    const out: string[] = [];
    const w = new ResultWriter(meta(plan), (l) => out.push(...l.split('\n')));
    w.open();
    expandPoints(plan).forEach((p, i) => {
      const skew = { pattern: 'zipf:1.5', traffic: traffic(pointMatrix(p), 8, 4), rankUs: [1, 2, 3, 4, 9, 5, 6, 7] };
      // Noisy rows (avg far above p50), and a capped one, for the marks after the row.
      const row = makeRow(p, stats(i % 2 ? 0.123 : 9876543.21, 1000, { p50: 1, p99: 2 }), 0, 1, undefined, skew);
      w.add(i === 3 ? { ...row, iters: 5, iters_planned: 1000 } : row);
    });
    w.close('complete');
    for (const l of out) assert.ok(l.length <= TABLE_WIDTH, `${l.length} columns: '${l}'`);
    const header = out.find(isHeader) as string;
    assert.deepEqual(cells(header), [
      'size (B)',
      'iters',
      'avg',
      'max',
      'p50',
      'algbw',
      'busbw',
      'imb',
      'gini',
      'slow',
      '#wrong',
    ]);
    assert.ok(out.some((l) => /^# alltoallv · 8 ranks · pattern zipf:1\.5 · float32 · /.test(l)));
    const last = cells(out.filter((l) => /^\s*\d+\s/.test(l)).at(-1)!);
    // zipf 1.5 on 8 ranks: rank 0 gets 1 / Σ (j+1)^-1.5 = 0.519 of every row, 4.15 × the mean.
    assert.deepEqual(last.slice(-4), ['4.15', '0.56', 'r4', '0']);
  });

  test('every op, dtype and reduction, with rank counts: all within 100 columns', () => {
    const out = print(['allreduce', 'broadcast', 'alltoall', 'latency', 'barrier'], {
      sizes: '0,8,1M',
      dtype: 'float32,int8',
      reduceOp: 'sum,max',
      ranks: [2, 4],
      np: 4,
      root: 1,
      check: true,
    });
    for (const l of out) assert.ok(l.length <= TABLE_WIDTH, `${l.length} columns: '${l}'`);
  });

  test('constant count, type, redop, root and iters go to the title; --wide keeps them as columns', () => {
    const plan = buildPlan(['broadcast'], { sizes: '1K', iters: 20, root: 1, np: 2 });
    const m = meta(plan);
    const r = makeRow(expandPoints(plan)[0], stats(5, 20), null);
    const narrow = layoutFor(m, r);
    assert.deepEqual(narrow.constants, ['float32', 'root 1', '20 iterations']);
    assert.deepEqual(cells(headerLine(narrow)), ['size (B)', 'avg', 'min', 'max', 'p50', 'p99', 'algbw', 'busbw']);
    const title = titleLines(tableTitle(m, 'broadcast', 2, false, 1), narrow);
    assert.match(title[0], /^# broadcast · 2 ranks · float32 · root 1 · 20 iterations · /);
    const wide = layoutFor(m, r, true);
    assert.deepEqual(wide.constants, []);
    assert.deepEqual(cells(headerLine(wide)).slice(0, 6), ['size (B)', 'count', 'type', 'redop', 'root', 'iters']);
    assert.deepEqual(cells(rowLine(r, wide)).slice(0, 6), ['1024', '256', 'float32', 'none', '1', '20']);
  });

  test('barrier rows have no size, type or bandwidth columns', () => {
    const plan = buildPlan(['barrier'], { np: 2, iters: 50 });
    const r = makeRow(expandPoints(plan)[0], stats(3.5, 50), null);
    const layout = layoutFor(meta(plan), r);
    assert.deepEqual(cells(headerLine(layout)), ['avg', 'min', 'max', 'p50', 'p99']);
    assert.deepEqual(cells(rowLine(r, layout)), ['3.500 µs', '2.500 µs', '4.500 µs', '3.500 µs', '4.250 µs']);
  });

  test('a row whose avg is far above p50 (or above p99) is marked noisy; a steady one is not', () => {
    const plan = buildPlan(['allreduce'], { sizes: '8', iters: 100, np: 2 });
    const p = expandPoints(plan)[0];
    const layout = layoutFor(meta(plan), makeRow(p, stats(5), null));
    const noisy = rowLine(makeRow(p, stats(395.5, 100, { p50: 109, p99: 3857 }), null), layout);
    const spike = rowLine(makeRow(p, stats(50, 100, { p50: 10, p99: 20 }), null), layout);
    const steady = rowLine(makeRow(p, stats(10.2, 100, { p50: 10, p99: 12 }), null), layout);
    assert.ok(noisy.endsWith('  *'), noisy);
    assert.ok(spike.endsWith('  *'), spike);
    assert.ok(!steady.endsWith('*'), steady);
    assert.ok(legend().some((l) => l.includes('* noisy')));
  });

  test('a size the time cap cut short says how many iterations it got, with a note once', () => {
    // OSU's default counts change with the size, so the mark compares each row with its own plan.
    const osu = print(['allreduce'], { sizes: '8K,16K', np: 2 }, (i) => stats(5, i === 0 ? 1000 : 60));
    const osuRows = osu.filter((l) => /^\s+\d+\s/.test(l));
    assert.ok(
      !osuRows[0].endsWith('↓') && osuRows[1].endsWith('  ↓') && osuRows[1].includes(' 60 '),
      osuRows.join('\n'),
    );
    const out = print(['allreduce'], { sizes: '8,16,32', iters: 1000, np: 2 }, (i) => stats(5, i === 0 ? 1000 : 37));
    const rows = out.filter((l) => /^\s+\d+\s/.test(l));
    assert.ok(!rows[0].endsWith(' it'), rows[0]);
    assert.ok(rows[1].endsWith('  37 it') && rows[2].endsWith('  37 it'), rows.join('\n'));
    assert.equal(out.filter((l) => l.includes('--max-time-per-size 10 s ended')).length, 1, out.join('\n'));
  });

  test('one table per series (op, ranks, dtype, redop), the legend once per run', () => {
    const out = print(['allreduce', 'allgather'], { ranks: [2, 4], np: 4, sizes: '1K,2K', dtype: 'float32,int32' });
    assert.equal(out.filter((l) => l.includes('1 GB/s = 1e9 B/s')).length, 1);
    const titles = out
      .filter((l) => /^# (allreduce|allgather) · \d ranks/.test(l))
      .map((l) => l.split(' · ').slice(0, 3));
    assert.deepEqual(titles, [
      ['# allreduce', '2 ranks', 'float32'],
      ['# allreduce', '2 ranks', 'int32'],
      ['# allreduce', '4 ranks', 'float32'],
      ['# allreduce', '4 ranks', 'int32'],
      ['# allgather', '2 ranks', 'float32'],
      ['# allgather', '2 ranks', 'int32'],
      ['# allgather', '4 ranks', 'float32'],
      ['# allgather', '4 ranks', 'int32'],
    ]);
    const header = out.find(isHeader) as string;
    assert.deepEqual(cells(header).slice(0, 2), ['size (B)', 'avg'], 'one table per dtype: in its title');
    assert.equal(out.filter((l) => /^# allreduce · 2 ranks · int32 · sum · /.test(l)).length, 1);
    assert.equal(out.filter((l) => /^\s+\d+\s/.test(l)).length, 16);
  });
});

describe('ccbench info', () => {
  test('fits 100 columns', async () => {
    const r = await ccbench(['info']);
    assert.equal(r.code, 0, r.stderr);
    for (const l of r.stdout.split('\n')) assert.ok([...l].length <= 100, `${[...l].length} columns: '${l}'`);
  });
});
