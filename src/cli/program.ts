// Argument parsing and help only: the run options come from their declarations (plan/options.ts),
// the output formats from the exporter registry, the op help from each op's descriptor; the
// action handlers take over from there.
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_MEANINGS, messageOf } from '../errors.js';
import { OPS, SIZE_MEANING, type OpDef } from '../ops/index.js';
import { BACKENDS } from '../plan/backends.js';
import { OPTIONS, parseCounts, parseValue, type OptionDecl, type PlanInput } from '../plan/options.js';
import type { RunSpec } from '../plan/plan.js';
import type { ReplayRequest } from '../replay/program.js';
import { parseMix } from '../plan/mix.js';
import { applySuite, listSuites, loadSuite } from '../plan/suites.js';
import { SBATCH_OPTIONS, type SbatchOptions } from '../launch/sbatch.js';
import { EXPORTERS, resolveOut } from '../report/exporters/index.js';
import { VERSION } from '../paths.js';
import { addPlotCommands } from './plots.js';
import { addCompareCommands } from './compare-commands.js';
import { addReplayCommand } from './replay-command.js';

export type CliOptions = PlanInput;

export type RunHandler = (runs: (string | RunSpec)[], opts: CliOptions, replay?: ReplayRequest) => Promise<void>;

export interface SbatchCliOptions extends CliOptions, Omit<SbatchOptions, 'np'> {
  submit?: boolean;
}

export type SbatchHandler = (op: string, opts: SbatchCliOptions, rankArgs: string[]) => Promise<void>;
export type InfoHandler = (opts: { json?: boolean; ncclLib?: string }) => Promise<void>;

/** Commander's conversion for a declared option; our messages, commander's framing. */
function parser(key: string, d: OptionDecl): ((v: string, prev: unknown) => unknown) | undefined {
  const wrap = (f: (v: string, prev: unknown) => unknown) => (v: string, prev: unknown) => {
    try {
      return f(v, prev);
    } catch (e) {
      throw new InvalidArgumentError(messageOf(e));
    }
  };
  if (key === 'out')
    return wrap((v, prev) => {
      const { format, path } = resolveOut(v);
      return [...((prev as string[] | undefined) ?? []), `${format}:${path}`];
    });
  switch (d.kind) {
    case 'whole':
    case 'seconds':
      return wrap((v) => parseValue(d, v));
    case 'counts':
      return wrap((v) => parseCounts(d, v));
    case 'texts':
      return (v, prev) => [...((prev as string[] | undefined) ?? []), v];
    case 'text':
    case 'choice':
    case 'flag':
      return undefined;
  }
}

function optionOf(key: string, d: OptionDecl): Option {
  const shown = d.defaultText ?? (d.default !== undefined && d.kind !== 'flag' ? String(d.default) : undefined);
  const opt = new Option(d.flags, d.help + (shown !== undefined ? ` (default: ${shown})` : ''));
  if (opt.attributeName() !== key)
    throw new Error(`option ${d.flags} is declared as '${key}'; name it '${opt.attributeName()}'`);
  const choices = key === 'format' ? EXPORTERS.map((e) => e.name) : d.choices;
  if (choices) opt.choices(choices);
  const parse = parser(key, d);
  if (parse) opt.argParser(parse);
  return opt;
}

function addOptions(cmd: Command, decls: Record<string, OptionDecl>): Command {
  for (const [key, d] of Object.entries(decls)) if (d.cli !== false) cmd.addOption(optionOf(key, d));
  return cmd;
}

// Every op, `all`, `suite` and `sbatch` take the ~50 run options: made for all of them, the Option
// objects cost ~15 ms of every start (commander's and each rank's). A command gets its options
// only when it is the one dispatched (commander's preSubcommand hook, also run for `help <cmd>`).
const pending = new WeakMap<Command, () => void>();
function addRunOptions(cmd: Command, more?: Record<string, OptionDecl>): Command {
  pending.set(cmd, () => {
    addOptions(cmd, OPTIONS);
    if (more) addOptions(cmd, more);
  });
  return cmd;
}
/** Some of the run options (by key), made the same lazy way: for commands that launch ranks. */
export type RunOptionAdder = (cmd: Command, keys: (keyof typeof OPTIONS)[]) => Command;
const addSomeRunOptions: RunOptionAdder = (cmd, keys) => {
  pending.set(cmd, () => addOptions(cmd, Object.fromEntries(keys.map((k) => [k, OPTIONS[k]]))));
  return cmd;
};
function optionsOnDispatch(_program: Command, sub: Command): void {
  pending.get(sub)?.();
  pending.delete(sub);
}

/** The options the user typed that the ranks of a batch job must see, as flags again. */
export function typedArgs(cmd: Command): string[] {
  const out: string[] = [];
  for (const [key, d] of Object.entries(OPTIONS) as [string, OptionDecl][]) {
    if (!d.sbatch || cmd.getOptionValueSource(key) !== 'cli') continue;
    const flag = /--[\w-]+/.exec(d.flags)![0];
    const v = cmd.getOptionValue(key) as unknown;
    if (typeof v === 'boolean') out.push(flag);
    else if (d.kind === 'texts') for (const x of v as string[]) out.push(flag, x);
    else out.push(flag, Array.isArray(v) ? v.join(',') : String(v));
  }
  return out;
}

const FORMATS = `Output formats (--format for standard output, --out [format:]file for files):\n${EXPORTERS.map(
  (e) => `  ${e.name.padEnd(15)} ${e.summary}${e.extensions.length ? ` (.${e.extensions.join(', .')})` : ''}`,
).join('\n')}`;

const MAIN_EXAMPLES = `
Examples:
  $ ccbench allreduce --sizes 8:1M -n 2
      allreduce from 8 B to 1 MiB on 2 local ranks
  $ ccbench alltoall --sizes 1K:64K -n 4 --check --json alltoall.json
      validated alltoall; results and metadata in alltoall.json
  $ ccbench latency --sizes 0:4M
      OSU-style ping-pong between 2 ranks (one-way latency), 0 B to 4 MiB
  $ ccbench all --sizes 8:1M -n 4 --check --out results.md
      every operation, every result validated, a Markdown copy to paste
  $ ccbench allreduce --ranks 2,4,8 -n 8 --csv scaling.csv
      one launch, three rank counts (sub-communicators)
  $ mpirun -np 16 --hostfile hosts ccbench allreduce --sizes 8:1G --json ar.json
      started by mpirun: each process is a rank
  $ ccbench allreduce -n 16 --launcher-args "--hostfile hosts --map-by node"
      ccbench starts mpirun itself, passing the extra flags
  $ ccbench suite characterize -n 8 --json char.json && ccbench report char.json -o report.html
      every core op × 8 B–1 GiB × 2, 4, 8 ranks, then one offline HTML page of charts and tables
  $ ccbench plot a.json b.json --chart overlay -o busbw.png
      a chart of result files (svg or png), drawn without a browser

Sizes follow nccl-tests: K/M/G are powers of 1024, the size column is max(send, receive) bytes,
algbw = size / time and busbw = algbw × the op's bus factor; GB/s means 1e9 bytes per second.

${FORMATS}

Exit codes:
${EXIT_MEANINGS.map(([c, m]) => `  ${String(c).padStart(3)}  ${m}`).join('\n')}`;

function opExamples(op: OpDef): string {
  const lines = ['\nExamples:'];
  if (op.pairwise) {
    lines.push(
      `  $ ccbench ${op.name} --sizes 0:4M`,
      `  $ ccbench ${op.name} --sizes 8:1M -n 4 --json ${op.name}.json   (2 pairs: 0↔2, 1↔3)`,
    );
  } else if (op.shape === 'none') {
    lines.push(`  $ ccbench ${op.name} -n 4`, `  $ ccbench ${op.name} --ranks 2,4 -n 4 --csv ${op.name}.csv`);
  } else {
    lines.push(
      `  $ ccbench ${op.name} --sizes 8:1M -n 2`,
      `  $ ccbench ${op.name} --sizes 1K:64M -n 4 --check --json ${op.name}.json`,
      `  $ ccbench ${op.name} --dtype float32,bfloat16 --ranks 2,4 -n 4${op.reduces ? ' --reduce-op sum,max' : ''}`,
    );
  }
  lines.push('', `Size: ${SIZE_MEANING[op.shape]}.`, `One sample: ${op.timed}.`);
  if (op.shape !== 'none') lines.push(`busbw = algbw × ${op.busFormula} (nccl-tests).`);
  if (op.defaultDtype !== 'float32') lines.push(`Default --dtype: ${op.defaultDtype}, so sizes are bytes (as OSU).`);
  lines.push(...op.help);
  return lines.join('\n');
}

/** Commander's own errors (unknown option, bad number, ...) as one ccbench line, or silence. */
export function errorWriter(enabled: boolean) {
  return (str: string, write: (s: string) => void): void => {
    if (enabled)
      write(
        `ccbench: ${str
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim()} (see ccbench --help)\n`,
      );
  };
}

export function buildProgram(run: RunHandler, sbatch: SbatchHandler, info: InfoHandler, reportErrors = true): Command {
  const program = new Command('ccbench')
    .configureOutput({ outputError: errorWriter(reportErrors) }) // before subcommands: they inherit it
    .description(
      'Communication microbenchmarks for GPU clusters: point-to-point and collectives over NCCL, RCCL, MPI and Gloo, with OSU and nccl-tests methodology.',
    )
    .version(VERSION)
    .usage('<op> [options]')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText('after', MAIN_EXAMPLES)
    .hook('preSubcommand', optionsOnDispatch);

  for (const op of OPS) {
    const cmd = addRunOptions(
      program
        .command(op.name)
        .aliases([...op.aliases])
        .description(op.summary),
    );
    cmd.addHelpText('after', opExamples(op));
    cmd.action(async (opts: CliOptions) => run([op.name], opts));
  }
  const all = addRunOptions(
    program
      .command('all')
      .description('every operation in turn (combinations that cannot run are skipped with a note)'),
  );
  all.addHelpText(
    'after',
    '\nExamples:\n  $ ccbench all --sizes 8:1M -n 4 --check\n  $ ccbench all --sizes 1K:16M -n 2 --json all.json',
  );
  all.action(async (opts: CliOptions) =>
    run(
      OPS.map((o) => o.name),
      opts,
    ),
  );

  const suite = addRunOptions(
    program
      .command('suite')
      .argument('<name>', 'a suite in suites/ (osu, nccl-tests, smoke, characterize, dl-step) or a suite file')
      .description("a named set of runs in one launch; options you give override the suite's"),
  );
  suite.addHelpText(
    'after',
    '\nExamples:\n  $ ccbench suite osu -n 2 --json osu.json\n  $ ccbench suite smoke -n 4\n  $ ccbench suite nccl-tests -n 2 --sizes 8:64M\n  $ ccbench suite ./my-suite.json -n 8\n\nA suite file: {"description": "...", "options": {"timing": "batch", "iters": 20},\n  "runs": [{"op": "allreduce", "sizes": "8:1G", "dtype": "float32,bfloat16"}, {"op": "alltoall"}]}',
  );
  suite.action(async (name: string, opts: CliOptions, cmd: Command) => {
    const explicit = new Set(Object.keys(opts).filter((k) => cmd.getOptionValueSource(k) === 'cli')) as Set<
      keyof PlanInput
    >;
    const { runs, options } = applySuite(loadSuite(name), opts, explicit);
    return run(runs, { ...opts, ...options });
  });

  const mix = addRunOptions(
    program
      .command('mix')
      .argument('<items>', 'op:size,op:size,… e.g. allreduce:64M,alltoall:1M')
      .description(
        "different collectives at once, each on its own communicator (mpi): each one's slowdown against it alone",
      ),
  );
  mix.addHelpText(
    'after',
    '\nExamples:\n  $ ccbench mix allreduce:64M,alltoall:1M -n 2 --check\n  $ ccbench mix allreduce:16M,allgather:4M,reducescatter:4M -n 4 --json mix.json',
  );
  mix.action(async (items: string, opts: CliOptions) => run(parseMix(items), { ...opts, mix: true }));

  const sb = addRunOptions(
    program
      .command('sbatch')
      .argument('<op>', 'the operation to run (or all)')
      .description(
        'print a Slurm batch script that runs <op> with srun (options other than the ones below go to the benchmark); --submit submits it',
      ),
    SBATCH_OPTIONS,
  );
  sb.addHelpText(
    'after',
    '\nExamples:\n  $ ccbench sbatch allreduce --nodes 2 --gpus-per-node 8 --partition gpu --time 00:20:00 --sizes 8:8G\n  $ ccbench sbatch alltoall --nodes 4 --ntasks-per-node 1 --backend gloo --submit\n  $ ccbench sbatch all --nodes 2 --ntasks-per-node 2 --check > ccbench.sbatch && sbatch ccbench.sbatch',
  );
  sb.action(async (op: string, opts: SbatchCliOptions, cmd: Command) => sbatch(op, opts, [op, ...typedArgs(cmd)]));

  program
    .command('info')
    .description("this node's GPUs, driver and runtime, NCCL / RCCL, MPI and its GPU awareness, and the ccbench build")
    .option('--json', 'print JSON instead of tables')
    .addOption(optionOf('ncclLib', OPTIONS.ncclLib))
    .addHelpText(
      'after',
      '\nExamples:\n  $ ccbench info\n  $ ccbench info --json > node.json\n  $ srun -N 2 --ntasks-per-node 1 ccbench info --json   (one report per node)',
    )
    .action(async (opts: { json?: boolean; ncclLib?: string }) => info(opts));

  addPlotCommands(program);
  addCompareCommands(program);
  addReplayCommand(program, run, addSomeRunOptions);

  program
    .command('list')
    .description('list the operations, commands, backends, suites and output formats')
    .action(() => {
      const say = (name: string, what: string) => process.stdout.write(`${name.padEnd(15)} ${what}\n`);
      for (const op of OPS) say(op.name, op.summary);
      process.stdout.write('\ncommands:\n');
      for (const c of program.commands) if (!OPS.some((o) => o.name === c.name())) say(c.name(), c.description());
      process.stdout.write('\nbackends:\n');
      for (const b of BACKENDS) say(b.name, b.summary);
      process.stdout.write('\nsuites (ccbench suite <name>):\n');
      for (const s of listSuites()) say(s.name, s.description);
      process.stdout.write('\noutput formats (--format, --out):\n');
      for (const e of EXPORTERS) say(e.name, e.summary);
    });
  return program;
}
