// ccbench plot: charts of real result files (the committed characterisation runs of results/) drawn
// to SVG and PNG with their marks, axis titles and text, and every mistake answered in one line.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { chartSpec, selectPoints } from '../src/plot/command.js';
import { DEFAULT_SIZE } from '../src/plot/charts.js';
import { loadResults } from '../src/plot/load.js';
import { toSvg } from '../src/plot/render.js';
import { chartPoints } from '../src/plot/series.js';
import { ccbench, ROOT, tempDir } from './helpers.js';
import { countPixels, near, readPng } from './png.js';

const MPI = join(ROOT, 'results/characterize/mpi.json');
const GLOO = join(ROOT, 'results/characterize/gloo.json');
const dir = tempDir();

/** The data marks of a Vega SVG: paths of line, symbol and rect marks, with a drawn outline. */
function marks(svg: string, kind: 'line' | 'symbol' | 'rect'): number {
  let n = 0;
  const group = new RegExp(`<g class="mark-${kind} role-mark[^"]*"[^>]*>(.*?)</g>`, 'gs');
  for (const m of svg.matchAll(group)) n += [...m[1].matchAll(/<path [^>]*d="M[^"]+"/g)].length;
  return n;
}

describe('ccbench plot', () => {
  test('busbw to SVG: one line per op and rank count, log₂ size axis with units', async () => {
    const out = join(dir, 'busbw.svg');
    const r = await ccbench(['plot', MPI, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote .*busbw\.svg: busbw chart/);
    const svg = readFileSync(out, 'utf8');
    assert.match(svg, /^<svg[^>]+width="1200" height="700"/);
    assert.equal(marks(svg, 'line'), 12, '6 ops × 2 rank counts'); // the run: -n 4, ranks 2 and 4
    assert.ok(marks(svg, 'symbol') > 100, 'a point per size');
    for (const text of ['busbw (GB/s, 1 GB = 1e9 B)', 'message size (bytes per rank', 'allreduce · 4 ranks', '1 MiB'])
      assert.ok(svg.includes(text), text);
  });

  test('busbw to PNG: 1200×700, the lines in their colours and the text drawn', async () => {
    const out = join(dir, 'busbw.png');
    const r = await ccbench(['plot', MPI, '--op', 'allreduce', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    const img = readPng(readFileSync(out));
    assert.deepEqual([img.width, img.height], [1200, 700]);
    // tableau10's first two colours: allreduce on 2 and on 4 ranks
    assert.ok(countPixels(img, near('#4c78a8')) > 300, 'the first line');
    assert.ok(countPixels(img, near('#f58518')) > 300, 'the second line');
    // Titles, labels and legend are black text: with no font they would not be drawn at all.
    assert.ok(countPixels(img, (r, g, b) => r < 60 && g < 60 && b < 60) > 2000, 'text');
  });

  test('every chart kind renders with marks (time, scaling, heatmap, overlay of two files)', async () => {
    const files = loadResults([MPI, GLOO]);
    const points = chartPoints(files);
    const one = selectPoints(points.filter((p) => p.file === 'mpi'));
    const count = (svg: string) => marks(svg, 'line') + marks(svg, 'rect');
    const time = await toSvg(chartSpec('time', one, 1, DEFAULT_SIZE));
    assert.ok(time.includes('time per op (µs'), 'time axis title');
    assert.equal(marks(time, 'line'), 12);
    const scaling = await toSvg(chartSpec('scaling', one, 1, DEFAULT_SIZE, '1K,1M'));
    assert.equal(marks(scaling, 'line'), 12, '6 ops × 2 sizes');
    assert.ok(scaling.includes('ranks (log₂)'));
    const heat = await toSvg(chartSpec('heatmap', one, 1, DEFAULT_SIZE));
    assert.ok(marks(heat, 'rect') > 6 * 15, 'a cell per op and size');
    const overlay = await toSvg(chartSpec('overlay', selectPoints(points, ['allreduce']), 2, DEFAULT_SIZE));
    assert.equal(marks(overlay, 'line'), 4, '2 files × 2 rank counts');
    assert.ok(overlay.includes('gloo') && overlay.includes('mpi'), 'the legend names the files');
    assert.ok(count(time) && count(heat));
  });

  test('cycles of --repeat are one point each (the mean), and filters keep what they name', () => {
    const [f] = loadResults([MPI]);
    const row = f.rows.find((r) => r.op === 'allreduce' && r.ranks === 2 && r.size_bytes === 1024)!;
    const twice = {
      ...f,
      rows: [
        row,
        { ...row, cycle: 2, busbw_gbs: row.busbw_gbs! * 3, time_us: { ...row.time_us, avg: row.time_us.avg * 3 } },
      ],
    };
    const [p] = chartPoints([twice]);
    assert.equal(p.busbw, row.busbw_gbs! * 2);
    assert.equal(p.time, row.time_us.avg * 2);
    assert.deepEqual(
      [...new Set(selectPoints(chartPoints([f]), ['alltoall'], [4]).map((q) => `${q.op}/${q.ranks}`))],
      ['alltoall/4'],
    );
  });

  test('mistakes: one line on stderr, exit code 2', async () => {
    const notResult = join(dir, 'other.json');
    writeFileSync(notResult, '{"a": 1}');
    const future = join(dir, 'future.json');
    writeFileSync(future, '{"schema": "ccbench.result/9", "results": []}');
    const existing = join(dir, 'exists.svg');
    writeFileSync(existing, 'x');
    const cases: [string[], RegExp][] = [
      [['plot', MPI, '-o', join(dir, 'x.jpg')], /end it in \.svg or \.png/],
      [['plot', MPI, '-o', existing], /already exists; choose another name or add --overwrite/],
      [['plot', MPI, '--chart', 'overlay', '-o', join(dir, 'o.svg')], /two or more result files/],
      [['plot', MPI, '--chart', 'pie', '-o', join(dir, 'p.svg')], /pie.*busbw, time, scaling, overlay, heatmap/],
      [['plot', MPI, '--op', 'barrier', '-o', join(dir, 'b.svg')], /no barrier results; they hold allreduce/],
      [['plot', MPI, '--ranks', '8', '-o', join(dir, 'r.svg')], /no results at those rank counts; the files hold 2, 4/],
      [['plot', MPI, '--chart', 'scaling', '--at', '3', '-o', join(dir, 's.svg')], /--at 3: no op was measured/],
      [['plot', notResult, '-o', join(dir, 'n.svg')], /not a ccbench result file/],
      [['plot', join(dir, 'missing.json'), '-o', join(dir, 'm.svg')], /cannot read .*missing\.json: no such file/],
      [['plot', future, '-o', join(dir, 'v.svg')], /schema ccbench\.result\/9, which this ccbench cannot read/],
      [['plot', MPI, '-o', join(dir, 'w.png'), '--width', '10'], /--width takes a whole number of pixels from 400/],
      [['plot', MPI, '-o', join(dir, 'f.png'), '--font', join(dir, 'nofont.ttf')], /--font .* is not a file/],
      [['plot', MPI], /required option '-o, --output <file>'/],
    ];
    for (const [args, want] of cases) {
      const r = await ccbench(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    assert.equal(readFileSync(existing, 'utf8'), 'x', 'not overwritten');
  });
});
