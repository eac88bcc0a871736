// `ccbench replay <trace...>`: parsing and help only; src/replay/ reads the trace and plans.
// The timed replay on ranks comes with its native runner: until then --dry-run is required.
import { existsSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { loadTrace } from '../replay/load.js';
import { TRACE_FORMATS } from '../replay/model.js';
import { replayPlan } from '../replay/plan.js';
import { dryRunJson, renderDryRun } from '../replay/render.js';
import { scaleTrace } from '../replay/scale.js';
import { summarize } from '../replay/summary.js';

function whole(flag: string, max: number, why: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < 1 || Number(v) > max)
      throw new InvalidArgumentError(`${flag} takes a whole number from 1 to ${max} (${why}), not '${v}'`);
    return Number(v);
  };
}

interface ReplayOptions {
  format?: string;
  scaleRanks?: number;
  iterations: number;
  dryRun?: boolean;
  json?: string;
  overwrite?: boolean;
}

export const NOT_YET =
  'running the replay on ranks comes with its native runner, which is not built yet; --dry-run shows what it would run';

export function addReplayCommand(program: Command): void {
  program
    .command('replay')
    .argument('<trace...>', "a job's communication trace: a directory of rank files, or the files")
    .description(
      "read a job's communication trace (PARAM, Kineto, DeepSpeed) and plan its replay: --dry-run shows what would run (the timed replay is not built yet)",
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
      'repeat the trace n times',
      whole('--iterations', 2147483647, 'a 32-bit count, as --iters'),
      1,
    )
    .option('--dry-run', 'print the summary and the replay plan; run nothing (required for now)')
    .option('--json <file>', 'also write the summary, the plan and every entry as JSON')
    .option('--overwrite', 'replace an existing --json file')
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

Status: the readers and the plan are built; the timed replay on ranks is not yet, so --dry-run
is required (without it, one line says so and the exit code is 2).

Examples:
  $ ccbench replay traces/param/ --dry-run
  $ ccbench replay rank0.json rank1.json --format kineto --dry-run --json plan.json
  $ ccbench replay traces/param/ --scale-ranks 8 --iterations 10 --dry-run
  $ ccbench replay ds-comms.json --dry-run`,
    )
    .action((traces: string[], o: ReplayOptions) => {
      if (o.json && existsSync(o.json) && !o.overwrite)
        throw new UsageError(`${o.json} exists; give another --json file or --overwrite`);
      let trace = loadTrace(traces, o.format);
      if (o.scaleRanks !== undefined) trace = scaleTrace(trace, o.scaleRanks);
      if (!o.dryRun) throw new UsageError(NOT_YET);
      const summary = summarize(trace);
      const plan = replayPlan(trace, o.iterations);
      process.stdout.write(renderDryRun(summary, plan));
      if (o.json) {
        try {
          writeFileSync(o.json, JSON.stringify(dryRunJson(trace, summary, plan), null, 1) + '\n');
        } catch (e) {
          throw new UsageError(`cannot write ${o.json}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
        process.stderr.write(`ccbench: wrote ${o.json}\n`);
      }
    });
}
