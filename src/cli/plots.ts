// The commands that read result files: `plot` (one chart to SVG / PNG) and `report` (an HTML page).
// Their modules load Vega, so they are imported only when one of these commands runs.
import { Command, InvalidArgumentError, Option } from 'commander';
import { messageOf } from '../errors.js';
import { OPTIONS, parseCounts } from '../plan/options.js';
import { CHARTS } from '../plot/kinds.js';

const CHART_NAMES = Object.keys(CHARTS);

function whole(flag: string, min: number, max: number) {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max)
      throw new InvalidArgumentError(`${flag} takes a whole number of pixels from ${min} to ${max}, not '${v}'`);
    return Number(v);
  };
}

function counts(v: string): number[] {
  try {
    const c = parseCounts(OPTIONS.ranks, v);
    if (!Array.isArray(c)) throw new Error(`--ranks takes rank counts such as 2,4,8 here, not '${v}'`);
    return c;
  } catch (e) {
    throw new InvalidArgumentError(messageOf(e));
  }
}

const say = (line: string) => process.stderr.write(`ccbench: wrote ${line}\n`);

export function addPlotCommands(program: Command): void {
  program
    .command('plot')
    .argument('<results...>', 'result files written with --json')
    .description('draw a chart of result files to an SVG or PNG file (no browser needed)')
    .requiredOption('-o, --output <file>', 'the chart file: .svg or .png')
    .addOption(
      new Option('--chart <name>', `which chart: ${CHART_NAMES.join(', ')}`).choices(CHART_NAMES).default('busbw'),
    )
    .option('--op <names>', 'only these ops, comma-separated', (v: string) => v.split(',').map((s) => s.trim()))
    .option('--ranks <list>', 'only these rank counts, e.g. 2,8', counts)
    .option(
      '--at <sizes>',
      'sizes for --chart scaling, e.g. 1K,1M,1G (default: the smallest, a middle and the largest measured at several rank counts)',
    )
    .option('--width <px>', 'chart width in pixels', whole('--width', 400, 8000), 1200)
    .option('--height <px>', 'chart height in pixels', whole('--height', 300, 8000), 700)
    .option('--font <file>', 'a .ttf / .otf font for PNG text (default: DejaVu Sans, else the system fonts)')
    .option('--overwrite', 'replace an existing output file')
    .addHelpText(
      'after',
      `
Charts:
${Object.entries(CHARTS)
  .map(([name, what]) => `  ${name.padEnd(8)} ${what}`)
  .join('\n')}

Examples:
  $ ccbench plot ar.json -o busbw.svg
  $ ccbench plot nccl.json rccl.json --chart overlay --op allreduce -o compare.png
  $ ccbench plot char.json --chart scaling --at 1M,256M -o scaling.png`,
    )
    .action(async (results: string[], o) => {
      const { plotCommand } = await import('../plot/command.js');
      say(await plotCommand(results, o));
    });

  program
    .command('report')
    .argument('<results...>', 'result files written with --json')
    .description('write one self-contained HTML page of result files: charts, tables and run metadata (works offline)')
    .requiredOption('-o, --output <file>', 'the page: .html')
    .option('--title <text>', "the page's heading")
    .option('--overwrite', 'replace an existing output file')
    .addHelpText(
      'after',
      `
The page holds, per op, a chart (several files overlaid) and the table; for a characterisation
run (ccbench suite characterize) an op × size heatmap of busbw and the rank-count scaling plots;
and each run's metadata. With two files or more it holds ccbench compare's comparison too: per
op the compare table (the first file is the baseline), a summary per series and the environment
diff. Vega and Vega-Lite are inlined: it opens from file:// with no network.

Examples:
  $ ccbench report char.json -o report.html
  $ ccbench report a.json b.json -o report.html --title "NCCL vs RCCL"`,
    )
    .action(async (results: string[], o) => {
      const { reportCommand } = await import('../html/command.js');
      say(reportCommand(results, o));
    });
}
