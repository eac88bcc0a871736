// The charts, as Vega-Lite specifications (https://vega.github.io/vega-lite/docs/): busbw vs size,
// time vs size, rank-count scaling, the overlay of several files, and the op × size heatmap. Each
// takes chart points (series.ts) and embeds only the fields it draws, so a page holding many
// charts stays linear in the rows. Rendered to SVG / PNG by render.ts, in the browser by html/.
import type { TopLevelSpec } from 'vega-lite';
import { formatBytes } from '../plan/sizes.js';
import { commonText, label, type ChartPoint } from './series.js';

export interface ChartSize {
  width: number; // pixels, the whole chart (legend and titles included)
  height: number;
}

export const DEFAULT_SIZE: ChartSize = { width: 1200, height: 700 };

// Sizes as the tables print them (K/M/G = powers of 1024), in Vega's expression language.
const SIZE_LABEL =
  "datum.value >= 1073741824 ? format(datum.value / 1073741824, '~g') + ' GiB' : " +
  "datum.value >= 1048576 ? format(datum.value / 1048576, '~g') + ' MiB' : " +
  "datum.value >= 1024 ? format(datum.value / 1024, '~g') + ' KiB' : datum.value + ' B'";

const SIZE_TITLE = 'message size (bytes per rank, nccl-tests convention; log₂)';
const BUSBW_TITLE = 'busbw (GB/s, 1 GB = 1e9 B)';
const TIME_TITLE = 'time per op (µs, mean across ranks; log)';

// Readable at 1200×700: larger type than Vega's defaults, DejaVu Sans first (the font PNGs get).
const CONFIG = {
  font: 'DejaVu Sans, Verdana, Arial, sans-serif',
  background: 'white',
  axis: { labelFontSize: 13, titleFontSize: 15, titlePadding: 10, gridColor: '#e4e4e4' },
  legend: { labelFontSize: 13, titleFontSize: 14, labelLimit: 420, symbolStrokeWidth: 3 },
  title: { fontSize: 19, subtitleFontSize: 13, anchor: 'start' as const, offset: 12 },
  view: { stroke: '#bbb' },
};

/** Powers of two across the values, at most 16: every one, or every 2nd, 5th or 10th exponent (so 1 KiB, 1 MiB and 1 GiB stay). */
function pow2Ticks(values: number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values)
    if (v > 0) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  if (lo === Infinity) return [];
  const a = Math.floor(Math.log2(lo));
  const b = Math.ceil(Math.log2(hi));
  const step = [1, 2, 5, 10].find((s) => (b - a) / s < 16) ?? 10;
  const ticks: number[] = [];
  for (let e = Math.ceil(a / step) * step; e <= b; e += step) ticks.push(2 ** e);
  return ticks;
}

/** Series in the order they first appear (the run's order), for the colour legend. */
function inOrder(names: string[]): string[] {
  return [...new Set(names)];
}

// Few series: inside the plot's top left (busbw rises to the right); many: beside it, in columns.
const legendFor = (n: number, size: ChartSize) =>
  n > 14 || n * 19 > (size.height - 170) * 0.6
    ? { orient: 'right', columns: Math.ceil(n / 26) }
    : { orient: 'top-left', fillColor: 'rgba(255,255,255,0.85)', padding: 6 };

const colorScheme = (n: number) => (n > 10 ? 'tableau20' : 'tableau10');

function frame(title: string, subtitle: string, size: ChartSize, body: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, ...(subtitle && { subtitle }), limit: size.width - 40 },
    width: size.width,
    height: size.height,
    autosize: { type: 'fit', contains: 'padding', resize: true }, // resize: lay out again after fitting
    // Axis titles longer than the plot would push the chart's title out of the picture: cut them.
    config: {
      ...CONFIG,
      axisX: { titleLimit: size.width - 160 },
      axisY: { titleLimit: size.height - 170 },
    },
    ...body,
  } as TopLevelSpec;
}

function sizeAxis(sizes: number[]) {
  const ticks = pow2Ticks(sizes);
  return {
    field: 'x',
    type: 'quantitative',
    title: SIZE_TITLE,
    scale: { type: 'log', base: 2, nice: false },
    axis: { values: ticks, labelExpr: SIZE_LABEL, labelAngle: ticks.length > 10 ? -40 : 0, labelOverlap: true },
  };
}

interface LineOptions {
  title: string;
  y: 'busbw' | 'time';
  colorBy: 'series' | 'config';
  dashByFile?: boolean;
  note?: string;
}

function lineChart(points: ChartPoint[], size: ChartSize, o: LineOptions): TopLevelSpec {
  const named = label(points);
  const values = [];
  for (const p of named) {
    const y = o.y === 'busbw' ? p.busbw : p.time;
    if (p.size <= 0 || y === null || !(y > 0 || (o.y === 'busbw' && y === 0))) continue; // log x: no 0 B
    values.push({ s: o.colorBy === 'series' ? p.series : p.config, f: p.file, x: p.size, y, t: p.time, b: p.busbw });
  }
  const domain = inOrder(values.map((v) => v.s));
  const subtitle = [commonText(named), o.note].filter(Boolean).join(' · ');
  return frame(o.title, subtitle, size, {
    data: { values },
    mark: { type: 'line', point: { size: 36, filled: true }, strokeWidth: 2, clip: true },
    encoding: {
      x: sizeAxis(values.map((v) => v.x)),
      y:
        o.y === 'busbw'
          ? { field: 'y', type: 'quantitative', title: BUSBW_TITLE }
          : { field: 'y', type: 'quantitative', title: TIME_TITLE, scale: { type: 'log' } },
      color: {
        field: 's',
        type: 'nominal',
        title: null,
        scale: { domain, scheme: colorScheme(domain.length) },
        legend: legendFor(domain.length, size),
      },
      ...(o.dashByFile && { strokeDash: { field: 'f', type: 'nominal', title: 'file' } }),
      ...(o.dashByFile && { shape: { field: 'f', type: 'nominal', title: 'file' } }),
      tooltip: [
        { field: 's', title: 'series' },
        ...(o.dashByFile ? [{ field: 'f', title: 'file' }] : []),
        { field: 'x', title: 'size (B)', format: ',' },
        { field: 't', title: 'time (µs)', format: '.4~g' },
        { field: 'b', title: 'busbw (GB/s)', format: '.4~g' },
      ],
    },
  });
}

/** busbw vs size, one line per file / op / rank count / backend (what varies). */
export function busbwChart(points: ChartPoint[], size = DEFAULT_SIZE): TopLevelSpec {
  return lineChart(points, size, {
    title: 'Bus bandwidth vs message size',
    y: 'busbw',
    colorBy: 'series',
    note: 'busbw = algbw × the op’s bus factor (nccl-tests)',
  });
}

/** Time per op vs size, both axes logarithmic. */
export function timeChart(points: ChartPoint[], size = DEFAULT_SIZE): TopLevelSpec {
  return lineChart(points, size, { title: 'Time per operation vs message size', y: 'time', colorBy: 'series' });
}

/** Several files on one chart: a colour per configuration, a dash pattern per file. */
export function overlayChart(points: ChartPoint[], size = DEFAULT_SIZE): TopLevelSpec {
  return lineChart(points, size, {
    title: 'Comparison: busbw vs message size',
    y: 'busbw',
    colorBy: 'config',
    dashByFile: true,
    note: 'dash pattern = file',
  });
}

/** Sizes measured at two or more rank counts of one op and file: the smallest, a middle one and the largest. */
export function defaultScalingSizes(points: ChartPoint[]): number[] {
  const multi = new Set<number>();
  const firstRanks = new Map<string, number>();
  for (const p of points) {
    if (p.size <= 0) continue;
    const k = `${p.file}\u0000${p.op}\u0000${p.size}`;
    const r = firstRanks.get(k);
    if (r === undefined) firstRanks.set(k, p.ranks);
    else if (r !== p.ranks) multi.add(p.size);
  }
  const sizes = [...multi].sort((a, b) => a - b);
  if (sizes.length <= 3) return sizes;
  return [...new Set([sizes[0], sizes[Math.floor(sizes.length / 2)], sizes[sizes.length - 1]])];
}

/** busbw vs rank count at the given sizes, one line per file / op / backend / size. */
export function scalingChart(points: ChartPoint[], sizes: number[], size = DEFAULT_SIZE): TopLevelSpec {
  const wanted = new Set(sizes);
  const named = label(
    points.filter((p) => wanted.has(p.size) && p.busbw !== null),
    ['ranks'],
  );
  const values = named.map((p) => ({
    s: `${p.series === p.op && named.every((q) => q.op === p.op) ? '' : `${p.series} · `}${formatBytes(p.size)}`,
    x: p.ranks,
    y: p.busbw,
    t: p.time,
  }));
  const domain = inOrder(values.map((v) => v.s));
  const ranks = inOrder(values.map((v) => String(v.x)))
    .map(Number)
    .sort((a, b) => a - b);
  const subtitle = commonText(named);
  return frame(`Scaling with rank count at ${sizes.map(formatBytes).join(', ')}`, subtitle, size, {
    data: { values },
    mark: { type: 'line', point: { size: 50, filled: true }, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: 'ranks (log₂)',
        scale: { type: 'log', base: 2, nice: false },
        axis: { values: ranks, format: 'd' },
      },
      y: { field: 'y', type: 'quantitative', title: BUSBW_TITLE },
      color: {
        field: 's',
        type: 'nominal',
        title: null,
        scale: { domain, scheme: colorScheme(domain.length) },
        legend: legendFor(domain.length, size),
      },
      tooltip: [
        { field: 's', title: 'series' },
        { field: 'x', title: 'ranks' },
        { field: 't', title: 'time (µs)', format: '.4~g' },
        { field: 'y', title: 'busbw (GB/s)', format: '.4~g' },
      ],
    },
  });
}

/** busbw of every op (rows) at every size (columns), each op at its largest rank count. */
export function heatmapChart(points: ChartPoint[], size = DEFAULT_SIZE): TopLevelSpec {
  const largest = new Map<string, number>();
  for (const p of points) if (p.size > 0) largest.set(p.op, Math.max(largest.get(p.op) ?? 0, p.ranks));
  const named = label(
    points.filter((p) => p.size > 0 && p.busbw !== null && p.ranks === largest.get(p.op)),
    ['ranks'],
  );
  const values = named.map((p) => ({ o: `${p.series} · ${p.ranks} ranks`, x: p.size, b: p.busbw }));
  const rows = inOrder(values.map((v) => v.o));
  let top = 0;
  for (const v of values) if ((v.b ?? 0) > top) top = v.b ?? 0;
  return frame('busbw by operation and message size (GB/s)', commonText(named), size, {
    data: { values },
    encoding: {
      x: { field: 'x', type: 'ordinal', title: SIZE_TITLE.replace('; log₂', ''), axis: { labelExpr: SIZE_LABEL } },
      y: { field: 'o', type: 'nominal', title: null, sort: rows, axis: { labelLimit: 360 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: { field: 'b', type: 'quantitative', title: 'GB/s', scale: { scheme: 'viridis' } },
          tooltip: [
            { field: 'o', title: 'op' },
            { field: 'x', title: 'size (B)', format: ',' },
            { field: 'b', title: 'busbw (GB/s)', format: '.4~g' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        // Two significant digits; below 0.01 as 5e-4, which fits a narrow cell.
        transform: [{ calculate: "datum.b >= 0.01 ? format(datum.b, '.2~g') : format(datum.b, '.0e')", as: 'label' }],
        encoding: {
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: `datum.b < ${0.6 * top}`, value: 'white' }, value: 'black' }, // viridis: dark below
        },
      },
    ],
  });
}
