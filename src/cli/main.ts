#!/usr/bin/env node
// Entry point: parse, then either be a rank (a launcher started us) or plan and start the ranks.
// Errors end here: one line on stderr, and the exit codes of errors.ts.
import { CommanderError } from 'commander';
import { hostname } from 'node:os';
import { EXIT, errorLine, exitCodeOf, JobUsageError, RankZeroReports, UsageError } from '../errors.js';
import { detectRankEnv } from '../job/detect.js';
import { writeExitReport } from '../job/exit-report.js';
import { launchRanks } from '../launch/launch.js';
import { checkSbatchValues, sbatchScript, submit, tasksPerNode } from '../launch/sbatch.js';
import { loadAddon } from '../native/addon.js';
import { OPS } from '../ops/index.js';
import { buildPlan, type Plan, type RunSpec } from '../plan/plan.js';
import type { ReplayRequest } from '../replay/program.js';
import { runRank } from '../rank/run.js';
import { renderInfo } from '../report/info.js';
import { probeMpiGpuAwareness, systemFacts } from '../system/facts.js';
import { buildProgram, type CliOptions, type SbatchCliOptions } from './program.js';
import { mark } from '../trace.js';

// A reader that went away (ccbench list | head) ends our output, not with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  throw e;
});

const rankEnv = detectRankEnv(process.env);
mark(rankEnv ? 'rank' : 'commander', 'modules loaded');
let addonLoaded = false;

async function run(runs: (string | RunSpec)[], o: CliOptions, replay?: ReplayRequest): Promise<void> {
  const command = commandLine(process.env.CCBENCH_COMMAND);
  if (rankEnv) {
    if (rankEnv.rank === 0) writeExitReport(process.env, 'started');
    addonLoaded = true;
    process.exitCode = await runRank({ env: rankEnv, command, runs, options: o, replay });
    return;
  }
  if (process.env.CCBENCH_LAUNCHED)
    throw new UsageError(
      "CCBENCH_LAUNCHED is set, which ccbench's launchers set only for the ranks they start, but no launcher's rank variables are (OMPI_COMM_WORLD_RANK, PMI_RANK, SLURM_PROCID, ...); unset CCBENCH_LAUNCHED",
    );
  process.exitCode = await launchRanks(runs, o, { argv: process.argv.slice(2), command });
}

/** The command line as the user typed it: ours, or the one the launching ccbench passed on. */
function commandLine(passed: string | undefined): string[] {
  if (passed === undefined) return ['ccbench', ...process.argv.slice(2)];
  try {
    const v = JSON.parse(passed) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // reported below
  }
  throw new UsageError(
    'CCBENCH_COMMAND is not a command line ccbench passed on (its launchers set it for their ranks); unset it',
  );
}

async function sbatch(op: string, o: SbatchCliOptions, rankArgs: string[]): Promise<void> {
  checkSbatchValues(o, rankArgs); // first: a value the script cannot carry, named as such
  const ops = op === 'all' ? OPS.map((x) => x.name) : [op];
  const ranks = (o.nodes ?? 1) * tasksPerNode(o);
  const plan: Plan = buildPlan(ops, o, ranks); // the checks the ranks will make, now rather than in the queue
  const script = sbatchScript(
    op,
    rankArgs,
    o,
    o.backend ?? 'mpi',
    process.execPath,
    process.argv[1],
    plan.output.files.some((f) => f.format === 'json'),
  );
  if (!o.submit) {
    process.stdout.write(script);
    return;
  }
  const id = submit(script);
  const name = o.jobName ?? `ccbench-${op}`;
  process.stdout.write(
    `submitted batch job ${id}: output in ${(o.output ?? `${name}-%j.out`).replace('%j', id)}` +
      `${plan.output.files.some((f) => f.format === 'json') ? '' : `, results in ${name}-${id}.json`}\n`,
  );
}

async function info(o: { json?: boolean; ncclLib?: string }): Promise<void> {
  const addon = loadAddon();
  const mpi = addon.capabilities().backends.find((b) => b.name === 'mpi')?.available;
  const facts = systemFacts(addon, { ncclLib: o.ncclLib, mpiGpuAwareness: mpi ? probeMpiGpuAwareness() : '' });
  const gpus = addon.gpuInfo();
  process.stdout.write(o.json ? JSON.stringify({ ...facts, gpus }, null, 1) + '\n' : renderInfo(facts, gpus) + '\n');
}

function lingerForRankZero(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1000));
}

// Rank 0's exit code for the ccbench that launched the job (job/exit-report.ts).
process.on('exit', (code) => {
  if (rankEnv?.rank === 0) writeExitReport(process.env, code);
});

function exitNow(code: number): never {
  if (rankEnv?.rank === 0) writeExitReport(process.env, code);
  // Inside an MPI job the engine thread may be blocked in a collective: leave without finalizing.
  if (rankEnv && addonLoaded) loadAddon().hardExit(code);
  process.exit(code);
}

async function fail(e: unknown): Promise<never> {
  const code = exitCodeOf(e);
  if (rankEnv && rankEnv.rank !== 0) {
    // Give rank 0 time to report first (exiting now could get it killed before it has); if it
    // reports, the launcher ends us meanwhile. An error every rank shares is rank 0's to say.
    await lingerForRankZero();
    if (e instanceof JobUsageError || e instanceof RankZeroReports) exitNow(code);
  }
  const who = rankEnv && rankEnv.rank !== 0 ? `rank ${rankEnv.rank} (${hostname()})` : '';
  process.stderr.write(`${errorLine(e, who)}\n`);
  if (code === EXIT.internal && process.env.CCBENCH_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
  exitNow(code);
}

// Every rank parses the same command line: only rank 0 reports a parse error.
const program = buildProgram(run, sbatch, info, !rankEnv || rankEnv.rank === 0);

// No top-level await: the CLI's bundle is CommonJS, which Node starts faster (scripts/build-js.mjs).
program.parseAsync(process.argv).catch(async (e: unknown) => {
  if (e instanceof CommanderError) {
    if (e.exitCode !== 0 && rankEnv && rankEnv.rank !== 0) await lingerForRankZero(); // rank 0 reports it
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  await fail(e);
});
