// `ccbench replay <trace...>`: parsing and help; src/replay/ reads the trace and plans, the ranks
// (rank/replay.ts) run it through the native runner. --dry-run stops after the plan.
import { existsSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { PlanInput } from '../plan/options.js';
import { checkReplayOutputs } from '../rank/replay.js';
import { loadTrace } from '../replay/load.js';
import { TRACE_FORMATS } from '../replay/model.js';
import { replayPlan } from '../replay/plan.js';
import { dryRunJson, renderDryRun } from '../replay/render.js';
import { scaleTrace } from '../replay/scale.js';
import { summarize } from '../replay/summary.js';
import type { RunHandler, RunOptionAdder } from './program.js';

function whole(flag: string, max: number, why: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || Number(v) > max)
      throw new InvalidArgumentError(`${flag} takes a whole number from 1 to ${max} (${why}), not '${v}'`);
    return Number(v);
  };
}

interface ReplayOptions extends PlanInput {
  format?: string;
  scaleRanks?: number;
  iterations: number;
  warmupIterations: number;
  gaps?: boolean;
  dryRun?: boolean;
  json?: string;
  jsonl?: string;
  overwrite?: boolean;
}

// The run options a replay takes: where and how its ranks run (its entries come from the trace).
const RUN_KEYS = [
  'np',
  'backend',
  'mem',
  'gpusPerNode',
  'ncclLib',
  'timeout',
  'launcher',
  'launcherArgs',
  'controlAddr',
  'quiet',
] as const;

export function addReplayCommand(program: Command, run: RunHandler, withRunOptions: RunOptionAdder): void {
  const cmd = program
    .command('replay')
    .argument('<trace...>', "a job's communication trace: a directory of rank files, or the files")
    .description(
      "replay a job's communication trace (PARAM, Kineto, DeepSpeed) on ranks, every entry timed; --dry-run shows the plan",
    )
    .addOption(
      new Option('--format <format>', 'the trace format (default: detected from the files)').choices(TRACE_FORMATS),
    )
    .option(
      '--scale-ranks <n>',
      'map the trace onto n ranks (where its groups tile the world)',
      whole('--scale-ranks', 65536, 'the control plane is a star around rank 0'),
    )
    .option(
      '--iterations <n>',
      'repeat the trace n times, each timed',
      whole('--iterations', 2147483647, 'a 32-bit count, as --iters'),
      1,
    )
    .option(
      '--warmup-iterations <n>',
      'untimed runs of the whole trace first (0: none)',
      (v: string) => (v.trim() === '0' ? 0 : whole('--warmup-iterations', 1000, 'whole runs of the trace')(v)),
      1,
    )
    .option('--gaps', "spin through the trace's compute gaps for their recorded length (default: gaps take no time)")
    .option('--dry-run', 'print the summary and the replay plan; run nothing')
    .option('--json <file>', "write the summary, the plan and the replay's results as JSON")
    .option('--jsonl <file>', 'write every entry of every rank and iteration as JSON Lines')
    .option('--overwrite', 'replace existing --json / --jsonl files');
  withRunOptions(cmd, [...RUN_KEYS]);
  cmd
    .addHelpText(
      'after',
      `
Formats:
  param      PARAM's basic comms trace: a directory of <rank>.json (or one file every rank
             replays); sizes are element counts; optional "dur_us" per entry (ccbench's own)
  kineto     torch.profiler chrome traces, one per rank: NCCL kernel or record_param_comms
             events' args ("Collective name", "In msg nelems", "Process Group Ranks", ...)
  deepspeed  DeepSpeed's comms logger summary (log_all(return_dict=True) saved as JSON):
             a size mix with counts and no order, replayed as a weighted mix

Ops are mapped as PARAM does (letters only: all_reduce, all_gather(_base), reduce_scatter(_base),
all_to_all(v/_single), broadcast, reduce, gather, scatter, barrier, send/recv/isend/irecv); wait
and init entries are dropped; compute entries with a duration become gaps, the rest are counted.
Sizes are ccbench's size column: element counts × the dtype's size, the whole array for gathered,
scattered and exchanged ops.

The replay runs one rank per recorded rank (-n defaults to the trace's; --scale-ranks maps it),
creates every sub-communicator once, then runs the entries in order, each timed from its issue to
its completion; consecutive send/recv entries run as one batch (as batch_isend_irecv issues them).
Every rank reads the trace files itself: on several hosts, give a path they all see.

Examples:
  $ ccbench replay traces/param/ --dry-run
  $ ccbench replay traces/param/ --backend mpi --iterations 10 --json replay.json
  $ ccbench replay rank0.json rank1.json --format kineto --jsonl entries.jsonl
  $ ccbench replay traces/param/ --scale-ranks 8 --launcher-args "--hostfile hosts"
  $ ccbench replay ds-comms.json -n 4 --backend gloo`,
    )
    .action(async (traces: string[], o: ReplayOptions) => {
      let trace = loadTrace(traces, o.format);
      if (o.scaleRanks !== undefined) trace = scaleTrace(trace, o.scaleRanks);
      if (o.dryRun) return dryRun(trace, o);
      checkReplayOutputs({ json: o.json, jsonl: o.jsonl, overwrite: !!o.overwrite });
      // A size mix has no ranks of its own: it runs on -n (or the default) ranks.
      const np = trace.weights ? (o.np ?? trace.worldSize) : trace.worldSize;
      if (trace.weights && np !== trace.worldSize) trace = scaleTrace(trace, np);
      if (o.np !== undefined && o.np !== np)
        throw new UsageError(
          `the trace is of ${np} ranks but -n asks for ${o.np}; drop -n, or map the trace with --scale-ranks ${o.np}`,
        );
      const {
        format: _f,
        scaleRanks: _s,
        iterations,
        warmupIterations,
        gaps,
        dryRun: _d,
        json,
        jsonl,
        overwrite,
        ...runOptions
      } = o;
      await run(
        [],
        { ...runOptions, np },
        {
          trace,
          iterations,
          warmup: warmupIterations,
          gaps: !!gaps,
          json,
          jsonl,
          overwrite: !!overwrite,
        },
      );
    });
}

function dryRun(trace: ReturnType<typeof loadTrace>, o: ReplayOptions): void {
  if (o.json && existsSync(o.json) && !o.overwrite)
    throw new UsageError(`${o.json} exists; give another --json file or --overwrite`);
  const summary = summarize(trace);
  const plan = replayPlan(trace, o.iterations);
  process.stdout.write(renderDryRun(summary, plan));
  if (!o.json) return;
  try {
    writeFileSync(o.json, JSON.stringify(dryRunJson(trace, summary, plan), null, 1) + '\n');
  } catch (e) {
    throw new UsageError(`cannot write ${o.json}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  process.stderr.write(`ccbench: wrote ${o.json}\n`);
}
