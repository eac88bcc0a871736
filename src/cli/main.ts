#!/usr/bin/env node
// Entry point: parse, then either be a rank (a launcher started us) or start the ranks.
// Errors end here: one line on stderr, and the exit codes of errors.ts.
import { CommanderError } from 'commander';
import { detectRankEnv, type RankEnv } from '../launch/detect.js';
import { launchRanks } from '../launch/launch.js';
import { loadAddon } from '../native/addon.js';
import { buildPlan, type Plan, type RunSpec } from '../plan/plan.js';
import { runRank } from '../rank/run.js';
import { hostname } from 'node:os';
import { EXIT, JobError, JobUsageError, UsageError } from './errors.js';
import { sbatchScript, submit, tasksPerNode } from '../launch/sbatch.js';
import { OPS } from '../plan/ops.js';
import { renderInfo, systemFacts } from '../report/system.js';
import { buildProgram, type CliOptions, type SbatchCliOptions } from './program.js';

const rankEnv = detectRankEnv(process.env);
let addonLoaded = false;

function toPlan(ops: (string | RunSpec)[], o: CliOptions, worldSize?: number): Plan {
  try {
    return buildPlan(ops, { ...o }, worldSize);
  } catch (e) {
    if (e instanceof UsageError) throw new JobUsageError(e.message); // the same on every rank
    throw e;
  }
}

async function run(ops: (string | RunSpec)[], o: CliOptions): Promise<void> {
  const command = process.env.CCBENCH_COMMAND ? (JSON.parse(process.env.CCBENCH_COMMAND) as string[]) : ['ccbench', ...process.argv.slice(2)];
  if (rankEnv) {
    addonLoaded = true;
    process.exitCode = await runRank({
      env: rankEnv, command, backend: o.backend ?? 'auto', controlAddr: o.controlAddr, ncclLib: o.ncclLib, timeoutSec: o.timeout ?? 300,
      makePlan: (size, backend) => toPlan(ops, { ...o, backend }, size),
    });
    return;
  }
  if (process.env.CCBENCH_LAUNCHED)
    throw new Error('this process was started by the ccbench launcher but sees no rank variables (OMPI_COMM_WORLD_RANK, PMI_RANK, SLURM_PROCID, ...)');
  const plan = toPlan(ops, o);
  process.exitCode = await launchRanks(plan, {
    launcher: o.launcher, launcherArgs: o.launcherArgs, argv: process.argv.slice(2), command,
    replan: (backend) => toPlan(ops, { ...o, backend }),
  });
}

async function sbatch(op: string, o: SbatchCliOptions, rankArgs: string[]): Promise<void> {
  const ops = op === 'all' ? OPS.map((x) => x.name) : [op];
  const ranks = o.nodes * tasksPerNode({ ...o, np: o.np });
  toPlan(ops, o, ranks); // the same checks the ranks will make, now rather than in the queue
  const script = sbatchScript(op, rankArgs, { ...o, np: o.np }, o.backend ?? 'mpi', process.execPath, process.argv[1], !!o.json);
  if (!o.submit) {
    process.stdout.write(script);
    return;
  }
  const id = submit(script);
  const name = o.jobName ?? `ccbench-${op}`;
  process.stdout.write(`submitted batch job ${id}: output in ${(o.output ?? `${name}-%j.out`).replace('%j', id)}` +
    `${o.json ? '' : `, results in ${name}-${id}.json`}\n`);
}

async function info(o: { json?: boolean; ncclLib?: string }): Promise<void> {
  const addon = loadAddon();
  const facts = systemFacts(addon, { ncclLib: o.ncclLib });
  const gpus = addon.gpuInfo();
  process.stdout.write(o.json ? JSON.stringify({ ...facts, gpus }, null, 1) + '\n' : renderInfo(facts, gpus) + '\n');
}

function lingerForRankZero(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1000));
}

function exitNow(code: number): never {
  // Inside an MPI job the engine thread may be blocked in a collective: leave without finalizing.
  if (rankEnv && addonLoaded) loadAddon().hardExit(code);
  process.exit(code);
}

async function fail(e: unknown): Promise<never> {
  const native = (e as { code?: string }).code;
  const usage = e instanceof UsageError || native === 'E_USAGE' || native === 'E_UNAVAILABLE';
  const code = e instanceof JobError ? e.exitCode : usage ? EXIT.usage : EXIT.internal;
  const internal = !usage && !(e instanceof JobError);
  const message = (e as Error)?.message ?? String(e);
  if (rankEnv && rankEnv.rank !== 0) {
    // Give rank 0 time to report first (exiting now could get it killed before it has); if it
    // reports, the launcher ends us meanwhile. An error every rank shares is rank 0's to say.
    await lingerForRankZero();
    if (e instanceof JobUsageError) exitNow(code);
  }
  const who = rankEnv && rankEnv.rank !== 0 ? `rank ${rankEnv.rank} (${hostname()}): ` : '';
  process.stderr.write(`ccbench: ${who}${internal ? 'internal error: ' : ''}${message}\n`);
  if (internal && process.env.CCBENCH_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
  exitNow(code);
}

// Every rank parses the same command line: only rank 0 reports a parse error.
const program = buildProgram(run, sbatch, info, !rankEnv || rankEnv.rank === 0);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    if (e.exitCode !== 0 && rankEnv && rankEnv.rank !== 0) await lingerForRankZero(); // rank 0 reports it
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  await fail(e);
}
