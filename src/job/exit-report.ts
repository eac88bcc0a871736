// How rank 0 tells the ccbench that launched the job the exit code it ended the job with. mpirun
// and srun exit with the code of whichever rank ended first — 137 for a killed one — while rank
// 0, which named the cause, knows the code that means it (4, 124, ...). Two ways, both optional:
//  - CCBENCH_EXIT_REPORT: a small file in a directory only that ccbench created (same host);
//  - CCBENCH_EXIT_NOTICE (host:port:token): a TCP connection to that ccbench, for a rank 0 on
//    another host. It also tells the commander that rank 0 has ended (the connection closes), so
//    a launcher left waiting on an unreachable host can be ended in bounded time (launch/exit-notice.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { net } from '../builtins.js';

type Env = Record<string, string | undefined>;

let notice: Socket | undefined;
let token = '';

/** Rank 0 writes "started" as it starts, and its exit code as it ends. */
export function writeExitReport(env: Env, what: number | 'started'): void {
  const path = env.CCBENCH_EXIT_REPORT;
  if (path) {
    try {
      writeFileSync(path, `${what}\n`);
    } catch {
      // the launcher's own exit code is used instead
    }
  }
  if (what === 'started') openNotice(env.CCBENCH_EXIT_NOTICE);
  // A small write on a connected socket goes out at once (before a hard exit that may follow).
  else if (notice && !notice.connecting && !notice.destroyed) notice.write(`${token} ${what}\n`);
}

function openNotice(spec: string | undefined): void {
  const m = /^(.+):(\d{1,5}):([0-9a-f]{16,128})$/.exec(spec ?? '');
  if (!m || notice) return;
  token = m[3];
  notice = net().connect({ host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) });
  // A Slurm step says which it is, so that the commander can cancel it (launch/exit-notice.ts).
  const step = process.env.SLURM_STEP_ID ?? process.env.SLURM_STEPID;
  const slurm = process.env.SLURM_JOB_ID && step ? `${token} step ${process.env.SLURM_JOB_ID}.${step}\n` : '';
  notice.on('connect', () => notice?.write(`${token} started\n${slurm}`));
  notice.on('error', () => {}); // unreachable: the launcher's exit code stands, as without it
  notice.unref(); // never what keeps rank 0 alive
}

/** Rank 0's exit code; 'started' when it started and never said how it ended; undefined when it never started (here). */
export function readExitReport(path: string): number | 'started' | undefined {
  try {
    return parseReport(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export function parseReport(text: string): number | 'started' | undefined {
  const t = text.trim();
  return /^\d{1,3}$/.test(t) ? Number(t) : t === 'started' ? 'started' : undefined;
}
