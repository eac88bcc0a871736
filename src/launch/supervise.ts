// Running a launcher (mpirun, srun) as a child, in a process group of its own so that the
// terminal's signals reach only us: a SIGINT becomes SIGUSR2 for the launcher (which mpirun and
// srun forward to the ranks as it is, and the ranks read as "interrupted": rank/ending.ts), a
// SIGTERM or SIGHUP becomes SIGTERM. The launcher's exit code becomes ours.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { EXIT } from '../errors.js';

type Env = Record<string, string | undefined>;

export const OWN_CODES = new Set<number>(Object.values(EXIT));

export function signalName(code: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === code)?.[0];
}

export async function supervise(file: string, args: string[], env: Env, what: string): Promise<number> {
  const child = spawn(file, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: env as NodeJS.ProcessEnv,
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
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? constants.signals[sig] : 0)));
  });
  for (const [sig, h] of handlers) process.off(sig, h);
  if (signalled) return signalled; // the launcher reports its own signal as 1: say what happened
  if (!OWN_CODES.has(code)) {
    const sig = code > 128 ? signalName(code - 128) : undefined;
    process.stderr.write(`ccbench: a rank ended abnormally (${what} exit code ${code}${sig ? `: ${sig}` : ''})\n`);
  }
  return code;
}
