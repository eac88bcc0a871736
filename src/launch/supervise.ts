// Running a launcher (mpirun, srun) as a child, in a process group of its own so that the
// terminal's signals reach only us: a SIGINT becomes SIGUSR2 for the launcher (which mpirun and
// srun forward to the ranks as it is, and the ranks read as "interrupted": rank/ending.ts), a
// SIGTERM or SIGHUP becomes SIGTERM. Should we die without a word (SIGKILL), the kernel sends the
// launcher SIGTERM (setpriv --pdeathsig), so the job ends with us. Our exit code is rank 0's,
// which names the cause (job/exit-report.ts), else the launcher's.
import { childProcess } from '../builtins.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../errors.js';
import { readExitReport } from '../job/exit-report.js';
import type { ExitNotice } from './exit-notice.js';
import { which } from './mpirun.js';

type Env = Record<string, string | undefined>;

export const OWN_CODES = new Set<number>(Object.values(EXIT));
// Codes a rank exits with only after it has said why (1 is also what launchers use for their own failures).
const REPORTED = new Set<number>([
  EXIT.usage,
  EXIT.wrongResults,
  EXIT.rankFailed,
  EXIT.timeout,
  EXIT.interrupted,
  EXIT.terminated,
]);

export function signalName(code: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === code)?.[0];
}

// How long a launcher may outlive a failed rank 0 before it is taken to be waiting for a host it
// cannot reach, and then how long SIGTERM has before SIGKILL. A killed srun would leave its step
// (and the job it allocated) to Slurm, so the step rank 0 named is cancelled first: its own job
// when srun made the allocation, else only the step.
const OUTLIVE_MS = 1500;
const TERM_MS = 500;

function cancelStep(step: string | undefined, env: Env): void {
  if (!step) return;
  const which = env.SLURM_JOB_ID ? step : step.split('.')[0];
  try {
    childProcess().execFileSync('scancel', [which], { stdio: 'ignore', timeout: 5000, env: env as NodeJS.ProcessEnv });
  } catch {
    // Slurm ends it later (the node's timeout)
  }
}

export async function supervise(
  file: string,
  args: string[],
  env: Env,
  what: string,
  local: boolean,
  notice?: ExitNotice,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ccbench-'));
  const report = join(dir, 'rank0-exit');
  const setpriv = which('setpriv', env);
  const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', file, ...args]] : [file, args];
  const child = childProcess().spawn(cmd, argv, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...env, CCBENCH_EXIT_REPORT: report } as NodeJS.ProcessEnv,
    detached: true,
  });
  let signalled = 0;
  const pass = (sig: NodeJS.Signals, code: number) => () => {
    signalled ||= code;
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', pass('SIGUSR2', EXIT.interrupted)],
    ['SIGTERM', pass('SIGTERM', EXIT.terminated)],
    ['SIGHUP', pass('SIGTERM', EXIT.terminated)],
  ];
  for (const [sig, h] of handlers) process.on(sig, h);
  const timers: NodeJS.Timeout[] = [];
  const running = () => child.exitCode === null && child.signalCode === null;
  const group = (sig: NodeJS.Signals) => {
    try {
      if (running()) process.kill(-(child.pid as number), sig);
    } catch {
      // gone meanwhile
    }
  };
  notice?.onEnd((rank0) => {
    // Only after a failure: a job that ended well has every rank past its last barrier, and a
    // large one may take its launcher a while to wind down.
    if (rank0 === 0 || rank0 === 'started') return;
    timers.push(
      setTimeout(() => {
        if (!running()) return;
        process.stderr.write(
          `ccbench: ${what} was still running ${OUTLIVE_MS / 1000} s after rank 0 ended (waiting for a host it cannot reach?); ending it\n`,
        );
        group('SIGTERM');
        timers.push(
          setTimeout(() => {
            if (what === 'srun') cancelStep(notice.step(), env);
            group('SIGKILL');
          }, TERM_MS),
        );
      }, OUTLIVE_MS),
    );
  });
  let code: number;
  try {
    code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? constants.signals[sig] : 0)));
    });
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    for (const t of timers) clearTimeout(t);
    notice?.close();
  }
  const fromFile = readExitReport(report);
  const rank0 = typeof fromFile === 'number' ? fromFile : (notice?.code() ?? fromFile);
  rmSync(dir, { recursive: true, force: true });
  if (typeof rank0 === 'number') return rank0; // rank 0 has said what happened
  if (signalled) return signalled; // the launcher reports its own signal as 1: say what happened
  if (code === 0) return 0;
  if (REPORTED.has(code)) return code;
  if (rank0 === undefined && local)
    process.stderr.write(
      `ccbench: ${what} ended (exit code ${code}${describe(code)}) before any rank started; its message above says why (check --launcher-args)\n`,
    );
  else if (rank0 === undefined)
    process.stderr.write(
      `ccbench: ${what} ended (exit code ${code}${describe(code)}) and no rank said why; if ${what} did above, that is the cause (check --launcher-args, the hosts, and that ccbench is installed on them)\n`,
    );
  // Rank 0 started, and ended without saying how: it died, and the ranks that lost it have said so.
  return rank0 === undefined && local ? EXIT.usage : EXIT.rankFailed;
}

function describe(code: number): string {
  const sig = code > 128 ? signalName(code - 128) : undefined;
  return sig ? `: ${sig}` : '';
}
