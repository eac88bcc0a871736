// The local launcher: N rank processes on this machine with no MPI (Gloo, NCCL/RCCL). Rank 0
// listens on a free loopback port and reports it over the IPC channel; the launcher relays it.
// When a rank fails, the others get a moment to report (rank 0 names the failed rank), then are
// terminated; nothing outlives the launcher (ranks exit when its channel closes).
import type { ChildProcess } from 'node:child_process';
import { childProcess } from '../builtins.js';
import { constants } from 'node:os';
import { newSecret } from '../control/auth.js';
import { OWN_CODES, signalName } from './supervise.js';

type Env = Record<string, string | undefined>;

const GRACE_MS = 2000; // for rank 0 to report another rank's failure (within --timeout + 5 s in all)
const FINISH_MS = 10_000; // for the others to finish closing after rank 0 succeeded

export function runLocal(np: number, rankArgv: string[], env: Env): Promise<number> {
  const secret = newSecret();
  const kids: ChildProcess[] = [];
  const exits: { rank: number; code: number | null; signal: NodeJS.Signals | null }[] = [];
  let weSignalled = false;
  let failedAt = 0;

  for (let rank = 0; rank < np; rank++) {
    const child = childProcess().spawn(rankArgv[0], rankArgv.slice(1), {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: {
        ...env,
        CCBENCH_RANK: String(rank),
        CCBENCH_SIZE: String(np),
        CCBENCH_LOCAL_RANK: String(rank),
        CCBENCH_LOCAL_SIZE: String(np),
        CCBENCH_JOB_SECRET: secret,
        CCBENCH_CONTROL_ADDR: '127.0.0.1:0',
      } as NodeJS.ProcessEnv,
    });
    child.on('error', () => {}); // reported through its exit
    if (rank === 0)
      child.on('message', (m: { ccbenchControlPort?: number }) => {
        if (typeof m?.ccbenchControlPort === 'number') for (const k of kids.slice(1)) if (k.connected) k.send(m);
      });
    kids.push(child);
  }

  const terminate = (sig: NodeJS.Signals) => {
    weSignalled = true;
    for (const k of kids) if (k.exitCode === null && k.signalCode === null) k.kill(sig);
  };
  const onTerm = () => terminate('SIGTERM');
  // Ctrl-C reaches every rank from the terminal already; a SIGINT sent to us alone is passed on.
  const onInt = () => terminate('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);

  return new Promise((resolve) => {
    kids.forEach((child, rank) =>
      child.on('exit', (code, signal) => {
        exits.push({ rank, code, signal });
        const failed = code !== 0 || signal !== null;
        if (rank === 0 && exits.length < np && signal === null) {
          // Failed: rank 0 has reported and told the others to stop; whoever remains is stuck.
          // Succeeded: the others are closing too, and get a bounded moment to do so.
          if (failed) terminate('SIGKILL');
          else setTimeout(() => terminate('SIGKILL'), FINISH_MS).unref();
        } else if (failed && !failedAt) {
          // A rank failed, or rank 0 was killed before it could say anything: the one who knows
          // (rank 0, or for a dead rank 0 the others) gets a moment to report, then the rest go.
          failedAt = Date.now();
          setTimeout(() => terminate('SIGTERM'), GRACE_MS).unref();
          setTimeout(() => terminate('SIGKILL'), GRACE_MS + 1000).unref();
        }
        if (exits.length < np) return;
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        resolve(summarize(exits, weSignalled));
      }),
    );
  });
}

/** The launcher's exit code, and a line for a rank that died of a signal nobody reported. */
function summarize(
  exits: { rank: number; code: number | null; signal: NodeJS.Signals | null }[],
  weSignalled: boolean,
): number {
  const first = exits.find((e) => e.code !== 0 || e.signal);
  if (!first) return 0;
  // Rank 0's code when it reported (it speaks for the job), else the first rank that did.
  const reports = exits.filter((e) => e.code !== null && e.code !== 0 && OWN_CODES.has(e.code));
  const reported = reports.find((e) => e.rank === 0) ?? reports[0];
  if (reported) return reported.code as number;
  // Nobody could say what happened: say what we saw.
  const killed = exits.find((e) => e.signal && !(weSignalled && ['SIGINT', 'SIGTERM', 'SIGKILL'].includes(e.signal)));
  if (killed) process.stderr.write(`ccbench: rank ${killed.rank} was killed by ${killed.signal}\n`);
  if (first.signal) return 128 + constants.signals[first.signal];
  const sig = first.code !== null && first.code > 128 ? signalName(first.code - 128) : undefined;
  process.stderr.write(`ccbench: rank ${first.rank} ended with exit code ${first.code}${sig ? ` (${sig})` : ''}\n`);
  return first.code ?? 1;
}
