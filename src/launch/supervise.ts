// Running a launcher (mpirun, srun) as a child: the terminal's Ctrl-C reaches it through the
// process group, a SIGTERM sent to us is passed on, and its exit code becomes ours.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { EXIT } from '../cli/errors.js';

type Env = Record<string, string | undefined>;

export const OWN_CODES = new Set<number>([...Object.values(EXIT), 130, 143]);

export function signalName(code: number): string | undefined {
  return Object.entries(constants.signals).find(([, n]) => n === code)?.[0];
}

export async function supervise(file: string, args: string[], env: Env, what: string): Promise<number> {
  const child = spawn(file, args, { stdio: 'inherit', env: env as NodeJS.ProcessEnv });
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
  if (signalled) return signalled; // the launcher reports its own signal as 1: say what happened
  if (!OWN_CODES.has(code)) {
    const sig = code > 128 ? signalName(code - 128) : undefined;
    process.stderr.write(`ccbench: a rank ended abnormally (${what} exit code ${code}${sig ? `: ${sig}` : ''})\n`);
  }
  return code;
}
