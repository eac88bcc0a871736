// Typed in a shell, ccbench starts its own ranks: check what can be checked here (backend,
// output files, memory, the MPI), then run the same command line under mpirun.
import { spawn } from 'node:child_process';
import { availableParallelism, constants, hostname } from 'node:os';
import { EXIT, UsageError } from '../cli/errors.js';
import { loadAddon } from '../native/addon.js';
import { bufferBytes, largestSize, type Plan } from '../plan/plan.js';
import { probeOutput } from '../report/files.js';
import { checkMemory } from '../rank/memory.js';
import { findMpirun, isLocalRun, libraryFlavor, mpirunCommand } from './mpirun.js';
import { splitWords } from './words.js';

const OWN_CODES = new Set<number>([...Object.values(EXIT), 130, 143]);

export async function launchRanks(plan: Plan, launcherArgs: string | undefined, argv: string[], command: string[]): Promise<number> {
  const caps = loadAddon().capabilities();
  const backend = caps.backends.find((b) => b.name === plan.backend);
  if (!backend?.available) throw new UsageError(backend?.reason ?? `the ${plan.backend} backend is unavailable`);
  if (plan.output.json) probeOutput(plan.output.json, '--json', plan.output.overwrite);
  if (plan.output.csv) probeOutput(plan.output.csv, '--csv', plan.output.overwrite);
  const extra = splitWords(launcherArgs ?? '');
  if (isLocalRun(extra, process.env)) {
    const b = bufferBytes(plan);
    checkMemory(b.send + b.recv, plan.np, largestSize(plan), hostname());
  }

  const mpirun = findMpirun(process.env);
  if (!mpirun)
    throw new UsageError('mpirun was not found on PATH; install an MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or add its bin directory to PATH');
  const lib = libraryFlavor(caps.mpiLibrary);
  if (lib !== 'unknown' && mpirun.flavor !== 'unknown' && lib !== mpirun.flavor)
    throw new UsageError(`${mpirun.path} belongs to ${mpirun.flavor} but ccbench was built with ${caps.mpiLibrary}; put that MPI's mpirun first on PATH, or rebuild ccbench (npm run rebuild:native) against this one`);

  const rankArgv = [process.execPath, ...process.execArgv, process.argv[1], ...argv];
  const env = { ...process.env, CCBENCH_LAUNCHED: '1', CCBENCH_COMMAND: JSON.stringify(command) };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const cmd = mpirunCommand(mpirun, plan.np, extra, rankArgv, env, availableParallelism(), isRoot);

  const child = spawn(cmd.file, cmd.args, { stdio: 'inherit', env: cmd.env as NodeJS.ProcessEnv });
  // Ctrl-C reaches mpirun through the terminal's process group; a SIGTERM sent to us is passed on.
  let signalled = 0;
  const onInt = () => (signalled = 130);
  const onTerm = () => {
    signalled = 143;
    child.kill('SIGTERM');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? constants.signals[sig] : 0)));
  });
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  if (signalled) return signalled; // mpirun reports its own signal as 1: say what happened
  if (!OWN_CODES.has(code)) {
    const sig = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
    process.stderr.write(`ccbench: a rank ended abnormally (mpirun exit code ${code}${sig && code > 128 ? `: ${sig}` : ''})\n`);
  }
  return code;
}
