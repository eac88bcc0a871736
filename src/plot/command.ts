// `ccbench plot`: result files → one chart → an SVG or PNG file, rendered here, no browser.
import { extname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { UsageError } from '../errors.js';
import { writeAtomically, probeOutput } from '../report/files.js';
import { parseSizes } from '../plan/sizes.js';
import {
  busbwChart,
  defaultScalingSizes,
  heatmapChart,
  overlayChart,
  scalingChart,
  timeChart,
  type ChartSize,
} from './charts.js';
import { CHARTS, type ChartName } from './kinds.js';
import { loadResults } from './load.js';
import { chartPoints, type ChartPoint } from './series.js';
import { svgToPng, toSvg } from './render.js';

export interface PlotOptions {
  output: string;
  chart: string;
  op?: string[];
  ranks?: number[];
  at?: string;
  width: number;
  height: number;
  font?: string;
  overwrite?: boolean;
}

/** The points the filters keep, or a UsageError that says what the files hold instead. */
export function selectPoints(points: ChartPoint[], ops?: string[], ranks?: number[]): ChartPoint[] {
  const have = (f: (p: ChartPoint) => string | number) => [...new Set(points.map(f))].join(', ');
  if (ops?.length) {
    for (const op of ops)
      if (!points.some((p) => p.op === op))
        throw new UsageError(`--op ${op}: the files hold no ${op} results; they hold ${have((p) => p.op)}`);
    points = points.filter((p) => ops.includes(p.op));
  }
  if (ranks?.length) {
    const kept = points.filter((p) => ranks.includes(p.ranks));
    if (kept.length === 0)
      throw new UsageError(
        `--ranks ${ranks.join(',')}: no results at those rank counts; the files hold ${have((p) => p.ranks)}`,
      );
    points = kept;
  }
  return points;
}

/** The chosen chart's spec, or a UsageError when the data cannot make it. */
export function chartSpec(
  name: string,
  points: ChartPoint[],
  files: number,
  size: ChartSize,
  at?: string,
): TopLevelSpec {
  const sized = points.filter((p) => p.size > 0);
  if (sized.length === 0)
    throw new UsageError(
      'nothing to plot: the files hold no sized results (barrier has no size); pick other files or --op',
    );
  switch (name as ChartName) {
    case 'busbw':
      return busbwChart(points, size);
    case 'time':
      return timeChart(points, size);
    case 'heatmap':
      return heatmapChart(points, size);
    case 'overlay':
      if (files < 2) throw new UsageError('--chart overlay compares files: give two or more result files');
      return overlayChart(points, size);
    case 'scaling': {
      const sizes = at !== undefined ? parseSizes(at) : defaultScalingSizes(points);
      const chosen = points.filter((p) => sizes.includes(p.size));
      if (new Set(chosen.map((p) => p.ranks)).size < 2)
        throw new UsageError(
          at !== undefined
            ? `--at ${at}: no op was measured at two or more rank counts at those sizes; pick sizes the files hold at several rank counts`
            : 'no op was measured at two or more rank counts; run with --ranks 2,4,8 (or ccbench suite characterize) for a scaling chart',
        );
      return scalingChart(points, sizes, size);
    }
    default:
      throw new UsageError(`unknown --chart '${name}'; choose from ${Object.keys(CHARTS).join(', ')}`);
  }
}

/** Writes the chart; returns what was written. */
export async function plotCommand(paths: string[], o: PlotOptions): Promise<string> {
  const ext = extname(o.output).toLowerCase();
  if (ext !== '.svg' && ext !== '.png')
    throw new UsageError(`-o ${o.output}: the file name says the format; end it in .svg or .png`);
  if (!(o.chart in CHARTS))
    throw new UsageError(`unknown --chart '${o.chart}'; choose from ${Object.keys(CHARTS).join(', ')}`);
  probeOutput(o.output, '-o', o.overwrite ?? false);
  if (ext === '.png') svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', o.font); // font errors first
  const files = loadResults(paths);
  const points = selectPoints(chartPoints(files), o.op, o.ranks);
  const spec = chartSpec(o.chart, points, files.length, { width: o.width, height: o.height }, o.at);
  const svg = await toSvg(spec);
  if (ext === '.svg') writeAtomically(o.output, svg);
  else writeAtomically(o.output, svgToPng(svg, o.font));
  return `${o.output}: ${o.chart} chart of ${points.length} points from ${files.length} file${files.length === 1 ? '' : 's'}`;
}
