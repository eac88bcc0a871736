// How rank 0 tells the ccbench that launched the job the exit code it ended the job with: a small
// file in a directory only that ccbench created (CCBENCH_EXIT_REPORT). mpirun and srun exit with
// the code of whichever rank ended first — 137 for a killed one — while rank 0, which named the
// cause, knows the code that means it (4, 124, ...). Where rank 0 runs on another host, the file
// is not seen and the launcher's code stands.
import { readFileSync, writeFileSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/** Rank 0 writes "started" as it starts, and its exit code as it ends. */
export function writeExitReport(env: Env, what: number | 'started'): void {
  const path = env.CCBENCH_EXIT_REPORT;
  if (!path) return;
  try {
    writeFileSync(path, `${what}\n`);
  } catch {
    // the launcher's own exit code is used instead
  }
}

/** Rank 0's exit code; 'started' when it started and never said how it ended; undefined when it never started (here). */
export function readExitReport(path: string): number | 'started' | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d{1,3}$/.test(text) ? Number(text) : text === 'started' ? 'started' : undefined;
  } catch {
    return undefined;
  }
}
